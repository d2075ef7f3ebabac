"""Write rules/data/legacy-model-ids.yaml: the Hub's legacy model ids, those without a namespace.

    python bench/legacy_ids.py [--version 4.30.2] [--wheel PATH] [--output PATH]

Fetches the transformers wheel with `pip download` (unless --wheel names one) and reads it without
importing anything: each `*_PRETRAINED_MODEL_ARCHIVE_LIST` in transformers/models/ is parsed with `ast`,
and an un-namespaced id is kept when the same wheel's `*_PRETRAINED_CONFIG_ARCHIVE_MAP` serves that id's
config from https://huggingface.co/<id>/, i.e. the repo itself has no namespace. This drops the archive
lists' slips (4.30.2 lists `layoutlm-base-uncased`, whose repo is microsoft/layoutlm-base-uncased). Map keys
and tokenizer `*_PRETRAINED_VOCAB_FILES_MAP` keys add no id of their own: their extra un-namespaced keys
are short aliases of namespaced repos (umberto-*, layoutlmv2-*, mobilebert-uncased, ...).
Stdlib only; the dropped ids are printed on stderr.
"""

from __future__ import annotations

import argparse
import ast
import re
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_OUTPUT = HERE.parent / "rules" / "data" / "legacy-model-ids.yaml"
DEFAULT_VERSION = "4.30.2"
ARCHIVE_LIST = "_PRETRAINED_MODEL_ARCHIVE_LIST"
CONFIG_MAP = "_PRETRAINED_CONFIG_ARCHIVE_MAP"
HUB_FILE = re.compile(r"https://huggingface\.co/(?P<repo>.+?)/(?:resolve|blob|raw)/")


def download_wheel(version: str, dest: Path) -> Path:
    """Fetch transformers==version's wheel into dest with pip and return its path."""
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary", ":all:",
         f"transformers=={version}", "-d", str(dest)],
        check=True,
    )
    return next(dest.glob(f"transformers-{version}-*.whl"))


def model_sources(wheel: Path) -> Iterator[str]:
    """The text of every module under transformers/models/ in the wheel, in name order."""
    with zipfile.ZipFile(wheel) as archive:
        for name in sorted(archive.namelist()):
            if name.startswith("transformers/models/") and name.endswith(".py"):
                yield archive.read(name).decode("utf-8")


def constants(tree: ast.Module, suffix: str) -> Iterator[ast.expr]:
    """Values of the module-level assignments to a name ending with suffix."""
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id.endswith(suffix) for target in node.targets
        ):
            yield node.value


def list_strings(node: ast.expr) -> list[str]:
    """The string literals of a list or tuple literal; anything else has none."""
    if not isinstance(node, ast.List | ast.Tuple):
        return []
    return [item.value for item in node.elts if isinstance(item, ast.Constant) and isinstance(item.value, str)]


def dict_strings(node: ast.expr) -> dict[str, str]:
    """The string-to-string pairs of a dict literal; anything else has none."""
    if not isinstance(node, ast.Dict):
        return {}
    return {
        key.value: value.value
        for key, value in zip(node.keys, node.values)
        if isinstance(key, ast.Constant) and isinstance(key.value, str)
        and isinstance(value, ast.Constant) and isinstance(value.value, str)
    }


def hub_repo(url: str) -> str | None:
    """The repo id of a https://huggingface.co/<repo>/resolve/... file URL, or None."""
    match = HUB_FILE.match(url)
    return match.group("repo") if match else None


def collect(wheel: Path) -> tuple[set[str], dict[str, str]]:
    """All archive-list ids, and the config map's id -> URL, across the wheel's models."""
    listed: set[str] = set()
    configs: dict[str, str] = {}
    for source in model_sources(wheel):
        tree = ast.parse(source)
        for value in constants(tree, ARCHIVE_LIST):
            listed.update(list_strings(value))
        for value in constants(tree, CONFIG_MAP):
            configs.update(dict_strings(value))
    return listed, configs


def legacy_ids(wheel: Path) -> tuple[list[str], list[str]]:
    """Un-namespaced archive-list ids whose config lives at huggingface.co/<id>/, and those dropped."""
    listed, configs = collect(wheel)
    bare = sorted(model_id for model_id in listed if "/" not in model_id)
    kept = [model_id for model_id in bare if hub_repo(configs.get(model_id, "")) == model_id]
    return kept, [model_id for model_id in bare if model_id not in kept]


def render(ids: list[str], version: str) -> str:
    """The YAML file, comment header included."""
    header = [
        "# The Hub's legacy model ids: models that exist without a namespace (bert-base-uncased, gpt2, ...).",
        f"# Derived from transformers {version}'s wheel: *{ARCHIVE_LIST}, kept where *{CONFIG_MAP}",
        "# serves the id's config from https://huggingface.co/<id>/; un-namespaced ids only.",
        "# Regenerate with: python bench/legacy_ids.py   (do not edit by hand)",
        f"source: transformers=={version}",
        "ids:",
    ]
    return "\n".join([*header, *(f"- {model_id}" for model_id in ids)]) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--version", default=DEFAULT_VERSION, help="transformers release to read")
    parser.add_argument("--wheel", type=Path, help="a transformers wheel already on disk (skips pip)")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        wheel = args.wheel or download_wheel(args.version, Path(scratch))
        kept, dropped = legacy_ids(wheel)
    version = wheel.name.split("-")[1]  # transformers-<version>-py3-none-any.whl
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(render(kept, version), encoding="utf-8")
    print(f"{len(kept)} ids -> {args.output}; dropped (no config at huggingface.co/<id>/): {dropped}",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
