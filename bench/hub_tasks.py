"""Write rules/data/hub-task-ids.yaml: the Hub's task ids (pipeline tags), which `--task` must be one of.

    python bench/hub_tasks.py [--version 0.21.54] [--package DIR] [--output PATH]

Fetches the Hub's own list with `npm pack @huggingface/tasks@VERSION` (unless --package names the unpacked
package) and reads the keys of `PIPELINE_DATA` in its src/pipelines.ts, without running anything. Added to
them: the ids the Hub listed before and its model-indexes still hold, which transformers' Trainer writes
(`text2text-generation`, in TASK_TAG_TO_NAME_MAPPING of its modelcard.py; CF201's task_names). Stdlib only.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_OUTPUT = HERE.parent / "rules" / "data" / "hub-task-ids.yaml"
DEFAULT_VERSION = "0.21.54"
RETIRED = ("conversational", "text2text-generation")  # listed by the Hub before, in its model-indexes still
START = "export const PIPELINE_DATA = {"
KEY = re.compile(r'^\t"?(?P<id>[a-z0-9]+(?:-[a-z0-9]+)*)"?: \{$')  # a top-level key (one tab in)


def unpack(version: str, scratch: Path) -> Path:
    """`npm pack` the package into scratch and unpack it; the package's folder."""
    subprocess.run(["npm", "pack", "--silent", f"@huggingface/tasks@{version}"], cwd=scratch, check=True,
                   stdout=subprocess.DEVNULL)
    with tarfile.open(next(scratch.glob("huggingface-tasks-*.tgz"))) as archive:
        archive.extractall(scratch, filter="data")
    return scratch / "package"


def pipeline_types(source: str) -> list[str]:
    """The keys of PIPELINE_DATA, in the file's order."""
    lines = source.splitlines()
    start = lines.index(START)
    ids = []
    for line in lines[start + 1 :]:
        if line.startswith("}"):
            return ids
        match = KEY.match(line)
        if match:
            ids.append(match.group("id"))
    raise ValueError("PIPELINE_DATA is not closed")


def render(ids: list[str], version: str) -> str:
    header = [
        "# The Hub's task ids (pipeline tags): `--task` must be one of them.",
        f"# The keys of PIPELINE_DATA in @huggingface/tasks {version} (src/pipelines.ts), then the ids the Hub",
        f"# listed before and its model-indexes still hold ({', '.join(RETIRED)}).",
        "# Regenerate with: python bench/hub_tasks.py   (do not edit by hand)",
        f"source: '@huggingface/tasks@{version}'",
        "ids:",
    ]
    return "\n".join([*header, *(f"- {task}" for task in ids)]) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--version", default=DEFAULT_VERSION, help="@huggingface/tasks release to read")
    parser.add_argument("--package", type=Path, help="the unpacked package already on disk (skips npm)")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        package = args.package or unpack(args.version, Path(scratch))
        version = json.loads((package / "package.json").read_text(encoding="utf-8"))["version"]
        listed = pipeline_types((package / "src" / "pipelines.ts").read_text(encoding="utf-8"))
    ids = [*listed, *(task for task in RETIRED if task not in listed)]
    args.output.write_text(render(ids, version), encoding="utf-8")
    print(f"{len(listed)} pipeline types + {len(ids) - len(listed)} retired -> {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
