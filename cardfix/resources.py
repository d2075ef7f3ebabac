"""Where the rule files and their data (schemas) are: inside the installed wheel, or beside the package."""

from __future__ import annotations

import functools
import importlib.resources
from pathlib import Path


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
