"""Where the rule files and their data (schemas) are: inside the installed wheel, or beside the package."""

from __future__ import annotations

import functools
import importlib.resources
from pathlib import Path

import yaml


@functools.lru_cache(maxsize=1)
def rules_dir() -> Path:
    """The rule files: inside the installed wheel, or beside the package in a source checkout."""
    packaged = importlib.resources.files("cardfix") / "rules"
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parent.parent / "rules"


@functools.lru_cache(maxsize=16)
def schema_path(name: str) -> Path:
    path = rules_dir() / name
    if not path.is_file():
        raise ValueError(f"no schema file {name!r} among the rules")
    return path


@functools.lru_cache(maxsize=16)
def id_list(name: str) -> frozenset[str]:
    """The `ids:` of a rule-data file (`data/legacy-model-ids.yaml`); raises ValueError naming the file."""
    path = rules_dir() / name
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ValueError(f"cannot read the id list {name!r}: {' '.join(str(exc).split())}") from None
    ids = data.get("ids") if isinstance(data, dict) else None
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise ValueError(f"the id list {name!r} needs `ids:`, a list of strings")
    return frozenset(ids)
