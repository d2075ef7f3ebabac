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
ANY_GENERATOR = "any"  # in a rule's `applies_to:`: a card any known generator wrote
MARK_PREFIX = 8  # body marks sharing their first characters are looked for together
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

    def marked_body(self, body: str) -> bool:
        """Whether the body has one of this generator's literal marks."""
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


@dataclass(frozen=True)
class MarkIndex:
    """Every generator's marks by kind, to tell all the generators of a card's front matter (or body) at once."""

    by_tag: Mapping[str, frozenset[str]]
    by_library: Mapping[str, frozenset[str]]
    prefixes: tuple[tuple[str, str], ...]  # (tag prefix, generator id)
    keys: tuple[tuple[str, str], ...]  # (top-level key, generator id)
    # Body marks grouped by a prefix they share: one scan for the prefix, then the marks only where it is.
    mark_groups: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()

    def metadata_ids(self, metadata: Mapping[str, Any]) -> set[str]:
        """The generators whose marks the front matter has (tags and library_name compared lower-cased)."""
        library = metadata.get("library_name")
        found: set[str] = set(self.by_library.get(str(library).lower(), ())) if library else set()
        tags = metadata.get("tags")
        for tag in tags if isinstance(tags, list) else [tags] if tags else ():
            text = str(tag).lower()
            found.update(self.by_tag.get(text, ()))
            for prefix, ident in self.prefixes:
                if text.startswith(prefix):
                    found.add(ident)
        for key, ident in self.keys:
            if key in metadata:
                found.add(ident)
        return found

    def body_ids(self, body: str) -> set[str]:
        """The generators whose literal marks the body has (each generator's `marked_body`, all at once)."""
        found: set[str] = set()
        for prefix, marks in self.mark_groups:
            if prefix in body:
                for mark, ident in marks:
                    if ident not in found and mark in body:
                        found.add(ident)
        return found


@functools.lru_cache(maxsize=2)
def mark_index(name: str = GENERATORS) -> MarkIndex:
    everything = known(name)
    by_tag: dict[str, set[str]] = {}
    by_library: dict[str, set[str]] = {}
    groups: dict[str, list[tuple[str, str]]] = {}
    for g in everything:
        for tag in g.tags:
            by_tag.setdefault(tag, set()).add(g.id)
        for library in g.library_name:
            by_library.setdefault(library, set()).add(g.id)
        for mark in g.marks:
            groups.setdefault(mark[:MARK_PREFIX], []).append((mark, g.id))
    return MarkIndex({k: frozenset(v) for k, v in by_tag.items()}, {k: frozenset(v) for k, v in by_library.items()},
                     tuple((p, g.id) for g in everything for p in g.tag_prefixes),
                     tuple((k, g.id) for g in everything for k in g.keys),
                     tuple((prefix, tuple(marks)) for prefix, marks in groups.items()))


@functools.lru_cache(maxsize=2)
def every_generator(name: str = GENERATORS) -> tuple[str, ...]:
    """Every generator id, in the data file's order."""
    return tuple(g.id for g in known(name))


@functools.lru_cache(maxsize=2)
def by_id(name: str = GENERATORS) -> Mapping[str, Generator]:
    return {g.id: g for g in known(name)}


def check_known(*ids: str) -> None:
    """Rule-file validation: every id names a generator of the data file (ValueError naming the first not)."""
    known_ids = by_id()
    unknown = [i for i in ids if i not in known_ids]
    if unknown:
        raise ValueError(f"unknown generator {unknown[0]!r} (see rules/{GENERATORS})")


def generators_of(metadata: Mapping[str, Any], body: str) -> tuple[Generator, ...]:
    """Every generator whose marks the card has, in the data file's order."""
    index = mark_index()
    found = index.metadata_ids(metadata) | index.body_ids(body)
    return tuple(g for g in known() if g.id in found)
