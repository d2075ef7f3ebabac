"""Which tools wrote a card, from `rules/data/generators.yaml`: tags, library_name, top-level keys and body
marks each generator's template writes. A card can match several (a Trainer card saved by PEFT)."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from cardfix.resources import rules_dir

GENERATORS = "data/generators.yaml"
FIELDS = {"id", "name", "tags", "tag_prefixes", "library_name", "keys", "marks"}


@dataclass(frozen=True)
class Generator:
    id: str
    name: str
    tags: frozenset[str] = frozenset()
    tag_prefixes: tuple[str, ...] = ()
    library_name: frozenset[str] = frozenset()
    keys: tuple[str, ...] = ()
    marks: tuple[str, ...] = ()

    def wrote(self, tags: frozenset[str], library: str, metadata: Mapping[str, Any], body: str) -> bool:
        """Whether the card has one of this generator's marks (plain loops: this runs on every card)."""
        if not self.tags.isdisjoint(tags) or library in self.library_name:
            return True
        if self.tag_prefixes and any(t.startswith(self.tag_prefixes) for t in tags):
            return True
        for key in self.keys:
            if key in metadata:
                return True
        for mark in self.marks:  # noqa: SIM110 - a loop beats any() and its generator here
            if mark in body:
                return True
        return False


@functools.lru_cache(maxsize=2)
def known(name: str = GENERATORS) -> tuple[Generator, ...]:
    """The generators of the data file, in its order (checked: unknown fields are an error)."""
    entries = yaml.safe_load((rules_dir() / name).read_text(encoding="utf-8"))["generators"]
    found = []
    for entry in entries:
        unknown = set(entry) - FIELDS
        if unknown or not {"id", "name"} <= set(entry):
            raise ValueError(f"{name}: generator {entry.get('id')!r}: fields are {', '.join(sorted(FIELDS))}")
        found.append(Generator(entry["id"], entry["name"], frozenset(entry.get("tags", ())),
                               tuple(entry.get("tag_prefixes", ())), frozenset(entry.get("library_name", ())),
                               tuple(entry.get("keys", ())), tuple(entry.get("marks", ()))))
    return tuple(found)


@functools.lru_cache(maxsize=2)
def by_id(name: str = GENERATORS) -> Mapping[str, Generator]:
    return {g.id: g for g in known(name)}


@dataclass(frozen=True)
class CardMarks:
    """What of a card generators are told by: its tags (lower-cased), library_name, metadata and body."""

    tags: frozenset[str]
    library: str
    metadata: Mapping[str, Any]
    body: str

    def wrote(self, generator: Generator) -> bool:
        return generator.wrote(self.tags, self.library, self.metadata, self.body)


def card_marks(metadata: Mapping[str, Any], body: str) -> CardMarks:
    tags = metadata.get("tags")
    listed = tags if isinstance(tags, list) else [tags] if tags else []
    return CardMarks(frozenset(str(t).lower() for t in listed), str(metadata.get("library_name") or "").lower(),
                     metadata, body)


def check_known(*ids: str) -> None:
    """Rule-file validation: every id names a generator of the data file (ValueError naming the first not)."""
    known_ids = by_id()
    unknown = [i for i in ids if i not in known_ids]
    if unknown:
        raise ValueError(f"unknown generator {unknown[0]!r} (see rules/{GENERATORS})")


def generators_of(metadata: Mapping[str, Any], body: str) -> tuple[Generator, ...]:
    """Every generator whose marks the card has, in the data file's order."""
    marks = card_marks(metadata, body)
    return tuple(g for g in known() if marks.wrote(g))
