"""Write rules/data/canonical-dataset-ids.yaml: the Hub's canonical dataset ids, those without a namespace.

    python bench/canonical_datasets.py [--version 1.18.4] [--sdist PATH] [--output PATH]

Fetches the `datasets` source distribution with `pip download --no-binary :all:` (unless --sdist names
one) and lists, without extracting or importing anything, the folders of its top-level datasets/ directory
that hold a loading script of their own name (datasets/glue/glue.py): the canonical datasets of that
release. Folders without one (csv, json, pandas, parquet, text) are the library's packaged builders.
Why 1.18.4: of the releases tried, its sdist carries the largest copy of the folder (734 scripts); the sdists
of 1.12.1 to 2.5.2 carry the same stale 595, and those of 2.1.0, 2.2.2, 2.3.2 and from 2.6.0 on none.
So datasets made canonical after March 2022 (imagenet-1k, bigbench, xtreme_s, fleurs, ...) are missing.
Stdlib only.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_OUTPUT = HERE.parent / "rules" / "data" / "canonical-dataset-ids.yaml"
DEFAULT_VERSION = "1.18.4"
SCRIPT = re.compile(r"[^/]+/datasets/(?P<name>[^/]+)/(?P=name)\.py")
PLAIN = re.compile(r"[A-Za-z_][\w.-]*")
YAML_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null"}


def download_sdist(version: str, dest: Path) -> Path:
    """Fetch datasets==version's source distribution into dest with pip and return its path."""
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:",
         f"datasets=={version}", "-d", str(dest)],
        check=True,
    )
    return next(dest.glob(f"datasets-{version}.tar.gz"))


def script_folders(sdist: Path) -> list[str]:
    """Sorted names of the datasets/<name>/ folders that hold <name>.py."""
    with tarfile.open(sdist) as archive:
        return sorted({match.group("name") for name in archive.getnames() if (match := SCRIPT.fullmatch(name))})


def scalar(name: str) -> str:
    """name as a YAML scalar that reads back as the same string."""
    plain = PLAIN.fullmatch(name) and name.lower() not in YAML_WORDS
    return name if plain else f"'{name}'"


def render(names: list[str], version: str) -> str:
    """The YAML file, comment header included."""
    header = [
        "# The Hub's canonical dataset ids: datasets that exist without a namespace (glue, imdb, squad, ...).",
        f"# Derived from datasets {version}'s sdist: the folders of its datasets/ directory that hold",
        "# <name>/<name>.py, i.e. the canonical datasets as of that release (later ones are missing).",
        "# Regenerate with: python bench/canonical_datasets.py   (do not edit by hand)",
        f"source: datasets=={version}",
        "ids:",
    ]
    return "\n".join([*header, *(f"- {scalar(name)}" for name in names)]) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--version", default=DEFAULT_VERSION, help="datasets release to read")
    parser.add_argument("--sdist", type=Path, help="a datasets-<version>.tar.gz already on disk (skips pip)")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        sdist = args.sdist or download_sdist(args.version, Path(scratch))
        names = script_folders(sdist)
    version = sdist.name.removeprefix("datasets-").removesuffix(".tar.gz")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(render(names, version), encoding="utf-8")
    print(f"{len(names)} ids -> {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
