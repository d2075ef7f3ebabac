"""Front matter read with libyaml: data for the facts, and a node tree (positions) for splices.

Parsing goes through PyYAML's C loader (~3x faster than ruamel's safe loader,
../shared/reference/performance.md), which also yields the node positions that splices need. Front matter in
plain block style (`plain_block`: nearly every card's) has its data read without it, exactly as PyYAML reads
it, and its node tree composed only when a splice needs one.
"""

from __future__ import annotations

from typing import Any

import yaml

from cardfix.yaml_loader import Loader as _Loader
from cardfix.yaml_loader import plain_tag


class FrontMatterError(ValueError):
    """Front matter that is not a YAML mapping; the message is one line meant for the user."""


_UNSET: Any = object()
# Deeper nesting is refused, the same way in both builds: the readers and comparisons of the data recurse, and
# Python's recursion limit (the sources) and the C stack (the compiled build) would give out at different depths.
MAX_NESTING = 100
MERGE_TAG = "tag:yaml.org,2002:merge"  # a plain `<<` key: merges, is no key of its own ("<<" quoted is one)


class ParsedFrontMatter:
    """Front-matter data, and its node tree (positions for splices), composed only when asked for.

    `plain` says that `plain_block` read the text (so `top_level_keys` may be asked).
    """

    def __init__(self, data: dict[str, Any], root: Any = _UNSET, text: str = "", plain: bool = False) -> None:
        self.data = data
        self._root = root
        self.text = text
        self.plain = plain

    @property
    def root(self) -> yaml.MappingNode | None:
        if self._root is _UNSET:
            try:
                node = _compose(self.text)
            except yaml.YAMLError as exc:
                raise _not_yaml(exc) from None
            self._root = node if isinstance(node, yaml.MappingNode) else None
        return self._root  # type: ignore[no-any-return]


def _compose(text: str) -> yaml.Node | None:
    """libyaml's node tree of the text (positions included), or None for an empty document."""
    loader = _Loader(text)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


def parse_front_matter(text: str) -> ParsedFrontMatter:
    """Parse YAML text into data plus its node tree; raise FrontMatterError with a one-line reason."""
    plain = plain_block(text)
    if plain is not None:
        return ParsedFrontMatter(plain, _UNSET, text, plain=True)  # (the node tree composed when a splice asks)
    try:
        root = _compose(text)
        # Before constructing: the constructor expands merge keys (`<<: *b`) into the node tree in place.
        duplicate = _duplicate_key(root) if isinstance(root, yaml.MappingNode) else None
        data = construct(root) if root is not None else None
    except yaml.YAMLError as exc:
        raise _not_yaml(exc) from None
    except FrontMatterError:
        raise
    except (ValueError, TypeError) as exc:  # the constructor's limits (e.g. a huge int, a bad date)
        raise FrontMatterError(f"front matter cannot be read: {exc}") from None
    if data is None:
        return ParsedFrontMatter({}, None, text)
    if not isinstance(data, dict) or not isinstance(root, yaml.MappingNode):
        raise FrontMatterError(f"front matter is a YAML {type(data).__name__}, not a mapping")
    if duplicate is not None:
        raise FrontMatterError(f"front matter has the key {duplicate.value!r} twice (front-matter line "
                               f"{duplicate.start_mark.line + 1}); the Hub and ruamel.yaml reject that")
    return ParsedFrontMatter(data, root, text)


STR_TAG, SEQ_TAG, MAP_TAG = "tag:yaml.org,2002:str", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"
_SCALARS = {tag: yaml.constructor.SafeConstructor.yaml_constructors[tag] for tag in (
    "tag:yaml.org,2002:null", "tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float")}


_SCALAR_READER = yaml.constructor.SafeConstructor()  # its scalar methods read only the node they are given


class _Other(Exception):
    """A node the direct construction leaves to PyYAML's constructor."""


def construct(root: yaml.Node) -> Any:
    """The data of a node tree, as PyYAML's SafeConstructor builds it. A tree of plain strings, numbers,
    booleans, nulls, lists and mappings (the front matter of nearly every card) is built directly, several
    times faster; anything else (an alias, a merge key, another tag, a key that is no scalar) goes through
    PyYAML's constructor, which also raises its errors."""
    try:
        return _direct(root, set())
    except _Other:  # (nesting is at most MAX_NESTING here: _duplicate_key refused deeper)
        return yaml.constructor.SafeConstructor().construct_document(root)


def _direct(node: yaml.Node, seen: set[int]) -> Any:
    kind, tag = type(node), node.tag
    if kind is yaml.ScalarNode:
        return _scalar(node)
    if id(node) in seen:  # an alias: PyYAML shares one object between its uses
        raise _Other
    seen.add(id(node))
    if kind is yaml.SequenceNode and tag == SEQ_TAG:
        return [_direct(item, seen) for item in node.value]
    if kind is yaml.MappingNode and tag == MAP_TAG:
        mapping = {}
        for key, value in node.value:
            if type(key) is not yaml.ScalarNode or key.tag == MERGE_TAG:
                raise _Other
            mapping[_scalar(key)] = _direct(value, seen)
        return mapping
    raise _Other


def _scalar(node: yaml.Node) -> Any:
    """A scalar node's value, as SafeConstructor reads its tag (_Other for a tag left to it)."""
    return _scalar_of(node.value, node.tag, node)


def _scalar_of(text: str, tag: str, node: yaml.Node | None = None) -> Any:
    """A scalar's value from its text and tag, as SafeConstructor reads it (_Other for a tag left to it: a
    timestamp, a merge key, `=`...)."""
    if tag == STR_TAG:
        return text
    read = _SCALARS.get(tag)
    if read is None:
        raise _Other
    return read(_SCALAR_READER, node if node is not None else yaml.ScalarNode(tag, text))


def _duplicate_key(root: yaml.Node) -> yaml.ScalarNode | None:
    """The second occurrence of a key in any mapping (PyYAML would silently keep the last value). Raises
    FrontMatterError for lists and mappings nested deeper than MAX_NESTING."""
    stack, seen = [(root, 1)], set()
    while stack:
        node, depth = stack.pop()
        if id(node) in seen:  # an alias: its node was checked where it was defined
            continue
        seen.add(id(node))
        if depth > MAX_NESTING:
            raise FrontMatterError(f"front matter nests lists and mappings deeper than {MAX_NESTING} levels "
                                   f"(front-matter line {node.start_mark.line + 1}); no card needs that many")
        if type(node) is yaml.MappingNode:
            keys = [(k.tag, k.value) for k, _ in node.value if type(k) is yaml.ScalarNode and k.tag != MERGE_TAG]
            if len(set(keys)) != len(keys):
                return _second(node)
            stack += [(v, depth + 1) for _, v in node.value if type(v) is not yaml.ScalarNode]
        elif type(node) is yaml.SequenceNode:
            stack += [(v, depth + 1) for v in node.value if type(v) is not yaml.ScalarNode]
    return None


def _second(node: yaml.MappingNode) -> yaml.ScalarNode:
    found: set[tuple[str, str]] = set()
    for key, _ in node.value:
        if type(key) is yaml.ScalarNode and key.tag != MERGE_TAG:
            if (key.tag, key.value) in found:
                return key
            found.add((key.tag, key.value))
    raise AssertionError("a mapping with a duplicate key has one")


def _not_yaml(exc: yaml.YAMLError) -> FrontMatterError:
    return FrontMatterError(f"front matter is not valid YAML: {_one_line(exc)}")


def _one_line(exc: yaml.YAMLError) -> str:
    problem = getattr(exc, "problem", None) or str(exc)
    mark = getattr(exc, "problem_mark", None)
    where = f" (front-matter line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
    return " ".join(f"{problem}{where}".split())


# Front matter in plain block style: `key: value` lines and `- item` lines nested by indentation, every value a
# one-line plain scalar (or `[]`, `{}`, or quoted with no escape), whole-line comments. Nearly every card's front
# matter is written so; its data is read here without libyaml (the node tree, with positions, is composed only
# for a splice).
_INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@`")  # a plain scalar starts with none (`-` only before a non-space)
_PLAIN_DEPTH = 40  # deeper: left to libyaml (and its nesting limit)
_KEY_LENGTH = 1000  # longer: left to libyaml, which refuses a key of over 1024 characters
_Token = tuple[int, bool, "str | None", str]  # indent, `- ` item, key (None: a scalar item), value ("" if none)


class _NotPlain(Exception):
    """Front matter outside the plain block style: read by libyaml."""


def plain_block(text: str) -> dict[Any, Any] | None:
    """The data of front matter in plain block style, exactly as PyYAML reads it; None for any other text
    (quotes, flow collections but `[]` and `{}`, anchors, tags, block or multi-line scalars, comments after
    a value, timestamps, tabs, CRs, duplicate keys, a root that is no mapping...), which libyaml reads."""
    try:
        tokens = _tokens(text)
        if not tokens or tokens[0][1]:
            return None
        data, end = _mapping(tokens, 0, tokens[0][0], 0)
    except (_NotPlain, _Other, ValueError, TypeError):  # (a tag or a value such as `0x_`: libyaml's path reads it)
        return None
    return data if end == len(tokens) else None


def _tokens(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    for raw in text.split("\n"):
        line = raw.rstrip(" ")
        rest = line.lstrip(" ")
        if not line.isprintable():  # (tabs, CRs, NEL and the Unicode line breaks: none is printable)
            raise _NotPlain
        if not rest or rest[0] == "#":  # a blank line or a whole-line comment
            continue
        indent = len(line) - len(rest)
        if indent == 0 and rest[:3] in ("---", "..."):  # a document's start or end (libyaml reads it so)
            raise _NotPlain
        item = False
        while rest[:2] == "- " or rest == "-":
            tokens.append((indent, True, None, ""))
            content = rest[1:].lstrip(" ")
            indent += len(rest) - len(content)
            rest, item = content, True
        if not rest:
            continue
        colon = -1 if item and _quoted(rest) else rest.find(": ")
        if colon < 0 and rest[-1] == ":":
            colon = len(rest) - 1
        if colon < 0:  # a scalar: only on an item's line (else a scalar's continuation, or no mapping)
            if not item or not _readable(rest):
                raise _NotPlain
            tokens.append((indent, False, None, rest))
            continue
        key, value = rest[:colon], rest[colon + 1 :].lstrip(" ")
        if len(key) > _KEY_LENGTH or not _plain(key) or ":" in key or key[-1] == " " or (
                value and not _readable(value)):
            raise _NotPlain
        tokens.append((indent, False, key, value))
    return tokens


def top_level_keys(text: str) -> tuple[int, dict[str, int]]:
    """Of front matter that `plain_block` reads: the root's indent, and each top-level key's text with the
    offset where its line starts. In that style a line at the root's indent that is no `- ` item is a
    top-level key: nested mappings sit deeper, and a sequence at the root's indent holds only items."""
    indent = -1
    keys: dict[str, int] = {}
    start = 0
    for raw in text.split("\n"):
        line = raw.rstrip(" ")
        rest = line.lstrip(" ")
        if rest and rest[0] != "#":
            if indent < 0:
                indent = len(line) - len(rest)
            if len(line) - len(rest) == indent and rest[:2] != "- " and rest != "-":
                colon = rest.find(": ")
                keys[rest[:colon] if colon >= 0 else rest[:-1]] = start
        start += len(raw) + 1
    return indent, keys


def _readable(text: str) -> bool:
    """A value read here: a plain or quoted one-line scalar, `[]` or `{}`."""
    return text in ("[]", "{}") or _quoted(text) or _plain(text)


def _plain(text: str) -> bool:
    """A one-line plain scalar that reads as itself (no comment, no mapping inside, no indicator first)."""
    if not text:
        return False
    first = text[0]
    if first in _INDICATORS and (first != "-" or len(text) == 1 or text[1] == " "):
        return False
    return " #" not in text and ": " not in text and text[-1] != ":"


def _quoted(text: str) -> bool:
    """A quoted scalar that reads as the text between its quotes: no escape, no quote inside."""
    quote = text[0]
    return (quote == '"' or quote == "'") and len(text) > 1 and text[-1] == quote and text.count(quote) == 2 and (
        quote == "'" or "\\" not in text)


def _mapping(tokens: list[_Token], i: int, indent: int, depth: int) -> tuple[dict[Any, Any], int]:
    if depth > _PLAIN_DEPTH:
        raise _NotPlain
    mapping: dict[Any, Any] = {}
    keys: set[tuple[str, str]] = set()
    n = len(tokens)
    while i < n and tokens[i][0] == indent:
        _, item, key, text = tokens[i]
        if item or key is None:
            raise _NotPlain
        tag = plain_tag(key)
        if (tag, key) in keys:
            raise _NotPlain  # (libyaml's path says which key, and where)
        keys.add((tag, key))
        i += 1
        value: Any = None
        if text:
            value = _value(text)
            if i < n and tokens[i][0] > indent:
                raise _NotPlain  # a scalar continued on the next line (or an error)
        elif i < n and tokens[i][0] > indent:
            value, i = _node(tokens, i, depth + 1)
        elif i < n and tokens[i][0] == indent and tokens[i][1]:
            value, i = _sequence(tokens, i, indent, depth + 1)  # `key:` then `- ` items at its indent
        mapping[_scalar_of(key, tag)] = value
    return mapping, i


def _sequence(tokens: list[_Token], i: int, indent: int, depth: int) -> tuple[list[Any], int]:
    if depth > _PLAIN_DEPTH:
        raise _NotPlain
    items: list[Any] = []
    n = len(tokens)
    while i < n and tokens[i][0] == indent and tokens[i][1]:
        i += 1
        if i < n and tokens[i][0] > indent:
            _, item, key, text = tokens[i]
            if not item and key is None:  # a scalar on the item's line
                items.append(_value(text))
                i += 1
                if i < n and tokens[i][0] > indent:
                    raise _NotPlain
            else:
                value, i = _node(tokens, i, depth + 1)
                items.append(value)
        else:
            items.append(None)  # `-` and nothing in it
    return items, i


def _node(tokens: list[_Token], i: int, depth: int) -> tuple[Any, int]:
    indent, item, key, _ = tokens[i]
    if item:
        return _sequence(tokens, i, indent, depth)
    if key is None:
        raise _NotPlain
    return _mapping(tokens, i, indent, depth)


def _value(text: str) -> Any:
    if text == "[]":
        return []
    if text == "{}":
        return {}
    if text[0] == '"' or text[0] == "'":
        return text[1:-1]  # (_quoted: as written between the quotes)
    return _scalar_of(text, plain_tag(text))
