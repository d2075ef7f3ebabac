"""Fast, read-only YAML parsing for facts, and targeted splices for the keys a rule changes.

Parsing goes through libyaml (PyYAML's C loader, ~3x faster than ruamel's safe loader), which also
yields node positions. A change re-renders only the touched key with ruamel.yaml in the file's own
indentation style, splices that text into the original, and the engine verifies it by re-parsing.
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

import regex
import yaml
from ruamel.yaml import YAML

try:
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

Path = tuple[str | int, ...]
_SAFE = yaml.constructor.SafeConstructor()  # its scalar constructors keep no state


class FrontMatterError(ValueError):
    """Front matter that is not a YAML mapping; the message is one line meant for the user."""


_UNSET: Any = object()


class ParsedFrontMatter:
    """Front-matter data, and its node tree (positions for splices), composed only when asked for.

    `verified` is False for data the engine computed after a splice instead of parsing: it checks
    such data against a real parse of the final text before it trusts it.
    """

    def __init__(self, data: dict[str, Any], root: Any = _UNSET, text: str = "", verified: bool = True) -> None:
        self.data = data
        self._root = root
        self.text = text
        self.verified = verified

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
    try:
        root = _compose(text)
        data = construct(root) if root is not None else None
    except yaml.YAMLError as exc:
        raise _not_yaml(exc) from None
    except (ValueError, TypeError, RecursionError) as exc:  # constructor limits (e.g. huge ints, deep nesting)
        raise FrontMatterError(f"front matter cannot be read: {exc}") from None
    if data is None:
        return ParsedFrontMatter({}, None, text)
    if not isinstance(data, dict) or not isinstance(root, yaml.MappingNode):
        raise FrontMatterError(f"front matter is a YAML {type(data).__name__}, not a mapping")
    return ParsedFrontMatter(data, root, text)


_TAG = "tag:yaml.org,2002:"
_SCALARS = {_TAG + "null": _SAFE.construct_yaml_null, _TAG + "bool": _SAFE.construct_yaml_bool,
            _TAG + "int": _SAFE.construct_yaml_int, _TAG + "float": _SAFE.construct_yaml_float}


class _Unusual(Exception):
    """A node the fast constructor leaves to PyYAML's: an alias, a merge key, a rarer tag."""


def construct(root: yaml.Node) -> Any:
    """The data PyYAML's safe constructor builds from `root`, about twice as fast for plain YAML.

    Front matter is almost always strings, numbers, booleans, lists and mappings; those are built
    here directly. Anything else (aliases, merge keys, timestamps, sets, explicit tags on another kind of
    node, unhashable keys, deep nesting) goes to PyYAML's constructor, which also raises its own errors.
    """
    try:
        return _build(root, set())
    except (_Unusual, RecursionError):
        return yaml.constructor.SafeConstructor().construct_document(root)


def _build(node: yaml.Node, seen: set[int]) -> Any:
    if id(node) in seen:
        raise _Unusual  # an alias: PyYAML shares the object (and handles recursion)
    seen.add(id(node))
    kind, tag = type(node), node.tag
    if kind is yaml.ScalarNode:
        if tag == _TAG + "str":
            return node.value
        build = _SCALARS.get(tag)
        if build is None:
            raise _Unusual
        return build(cast(yaml.ScalarNode, node))
    if kind is yaml.MappingNode and tag == _TAG + "map":
        data = {}
        for key_node, value_node in node.value:
            key = _build(key_node, seen)
            if isinstance(key, (dict, list)):
                raise _Unusual  # unhashable: PyYAML's error
            data[key] = _build(value_node, seen)
        return data
    if kind is yaml.SequenceNode and tag == _TAG + "seq":
        return [_build(item, seen) for item in node.value]
    raise _Unusual


def _not_yaml(exc: yaml.YAMLError) -> FrontMatterError:
    return FrontMatterError(f"front matter is not valid YAML: {_one_line(exc)}")


def _one_line(exc: yaml.YAMLError) -> str:
    problem = getattr(exc, "problem", None) or str(exc)
    mark = getattr(exc, "problem_mark", None)
    where = f" (front-matter line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
    return " ".join(f"{problem}{where}".split())


# --- edits -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SetKey:
    """Set a top-level key. A new key goes before the first existing key listed after it in `order`."""

    key: str
    value: Any
    order: tuple[str, ...] = ()


@dataclass(frozen=True)
class SetNode:
    """Replace the value at `path` (its last step a mapping key whose parent exists)."""

    path: Path
    value: Any


FrontMatterEdit = SetKey | SetNode


def apply_to_data(data: dict[str, Any], edit: FrontMatterEdit) -> dict[str, Any]:
    """What the data must look like after the edit (copying only along the edited path; `data` is kept).

    The edit's value is shared, not copied: edits and parsed data are never changed in place.
    """
    return _set_in(data, edit_path(edit), edit.value)  # type: ignore[no-any-return]


def edit_path(edit: FrontMatterEdit) -> Path:
    """Where an edit lands in the data: a top-level key, or a path into it."""
    return (edit.key,) if isinstance(edit, SetKey) else edit.path


def _set_in(node: Any, path: Path, value: Any) -> Any:
    if not path:
        return value
    copied = dict(node) if isinstance(node, dict) else list(node)
    copied[path[0]] = _set_in(node[path[0]] if len(path) > 1 else None, path[1:], value)  # type: ignore[index]
    return copied


def same_data(a: Any, b: Any) -> bool:
    """Deep equality (mapping order aside) that treats NaN as equal to itself and keeps bool apart from int."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if type(a) is not type(b) and (isinstance(a, bool) or isinstance(b, bool)):
        return False
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_data(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_data(x, y) for x, y in zip(a, b))
    return bool(a == b)


@dataclass(frozen=True)
class Style:
    """Indentation habits of one file: how far block sequences sit under their key, mapping indent."""

    seq_offset: int = 0
    map_indent: int = 2


def detect_style(root: yaml.Node | None) -> Style:
    seq_offset: int | None = None
    map_indent: int | None = None
    stack = [root] if root is not None else []
    while stack and (seq_offset is None or map_indent is None):
        node = stack.pop()
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                block = not getattr(value, "flow_style", True) and value.start_mark.line > key.start_mark.line
                if block and isinstance(value, yaml.SequenceNode) and seq_offset is None:
                    seq_offset = max(0, value.start_mark.column - key.start_mark.column)
                if block and isinstance(value, yaml.MappingNode) and map_indent is None:
                    map_indent = max(1, value.start_mark.column - key.start_mark.column)
                stack.append(value)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return Style(seq_offset if seq_offset in (0, 2) else 0, map_indent or 2)


class Written(float):
    """A number that keeps the text it was read from, so `0.8720` is written back as `0.8720`."""

    text: str

    def __new__(cls, text: str) -> Written:
        value = super().__new__(cls, text)
        value.text = text
        return value


_DUMPERS: dict[Style, YAML] = {}
PLAIN_RE = regex.compile(r"[A-Za-z_][\w.\-/ ()]*[\w.)]|[A-Za-z_]")
PLAIN_WORDS = {"true", "false", "yes", "no", "on", "off", "null", "y", "n", "nan", "inf"}
DECIMAL_RE = regex.compile(r"-?\d+\.\d+")


def render_key(key: str, value: Any, style: Style) -> str:
    """`key: value` as block YAML (LF, trailing newline) in the file's style.

    The shapes rules write (scalars, lists, mappings) are emitted directly; anything else goes through
    ruamel. Either way the engine re-parses the result and rejects an edit that does not read back.
    """
    lines = _emit_pair(key, value, 0, style)
    return "\n".join(lines) + "\n" if lines is not None else _render_with_ruamel(key, value, style)


def _scalar(value: Any) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, Written):
        return value.text if DECIMAL_RE.fullmatch(value.text) else _scalar(float(value))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = repr(value)
        return text if DECIMAL_RE.fullmatch(text) else None
    if isinstance(value, str):
        if PLAIN_RE.fullmatch(value) and value.lower() not in PLAIN_WORDS:
            return value
        return json.dumps(value, ensure_ascii=False)
    return None


def _emit_pair(key: Any, value: Any, indent: int, style: Style) -> list[str] | None:
    key_text = _scalar(key)
    if key_text is None:
        return None
    pad = " " * indent
    if isinstance(value, dict) and value:
        inner = _emit_mapping(value, indent + style.map_indent, style)
        return None if inner is None else [f"{pad}{key_text}:", *inner]
    if isinstance(value, list) and value:
        inner = _emit_sequence(value, indent + style.seq_offset, style)
        return None if inner is None else [f"{pad}{key_text}:", *inner]
    text = "{}" if value == {} else "[]" if value == [] else _scalar(value)
    return None if text is None else [f"{pad}{key_text}: {text}"]


def _emit_mapping(value: dict[Any, Any], indent: int, style: Style) -> list[str] | None:
    lines: list[str] = []
    for key, item in value.items():
        pair = _emit_pair(key, item, indent, style)
        if pair is None:
            return None
        lines += pair
    return lines


def _emit_sequence(value: list[Any], indent: int, style: Style) -> list[str] | None:
    lines: list[str] = []
    pad = " " * indent
    for item in value:
        if isinstance(item, dict) and item:
            inner = _emit_mapping(item, indent + 2, style)
            if inner is None:
                return None
            lines += [pad + "- " + inner[0][indent + 2 :], *inner[1:]]
        elif isinstance(item, (dict, list)) and item:
            return None  # nested sequences: leave to ruamel
        else:
            text = "{}" if item == {} else "[]" if item == [] else _scalar(item)
            if text is None:
                return None
            lines.append(f"{pad}- {text}")
    return lines


def _render_with_ruamel(key: str, value: Any, style: Style) -> str:
    dumper = _DUMPERS.get(style)
    if dumper is None:
        dumper = YAML(typ="rt")
        dumper.indent(mapping=style.map_indent, sequence=style.seq_offset + 2, offset=style.seq_offset)
        dumper.width = 4096  # never fold a long name or URL
        dumper.allow_unicode = True
        _DUMPERS[style] = dumper
    out = io.StringIO()
    dumper.dump({key: value}, out)
    return out.getvalue()


def splice(text: str, root: yaml.MappingNode | None, edit: FrontMatterEdit, newline: str) -> str:
    """Return `text` with the edit spliced in; every byte outside the touched key stays as it was."""
    return splice_all(text, root, (edit,), newline)


def splice_all(text: str, root: yaml.MappingNode | None, edits: Sequence[FrontMatterEdit], newline: str) -> str:
    """Splice several edits, all located in the same node tree, back to front (no re-parse between them).

    Edits must touch different keys (no path a prefix of another); KeyError otherwise.
    """
    style = detect_style(root)
    ops = [_op(text, root, edit, style, newline) for edit in edits]
    appends = sorted((op for op in ops if op.append), key=lambda op: op.rank)
    placed = sorted((op for op in ops if not op.append), key=lambda op: (op.start, op.rank))
    for first, second in zip(placed, placed[1:]):
        if second.start < first.end:
            raise KeyError("front-matter edits overlap")
    for op in reversed(placed):
        text = text[: op.start] + op.text + text[op.end :]
    if appends:
        tail = newline.join(op.text for op in appends)
        text = text + tail if not text or text.endswith(("\n", "\r")) else text + newline + tail
    return text


@dataclass(frozen=True)
class _Op:
    """Replace text[start:end]; `rank` orders ops at one position (inserts by key order, then a replace)."""

    start: int
    end: int
    text: str
    rank: tuple[int, int]
    append: bool = False


def _op(text: str, root: yaml.MappingNode | None, edit: FrontMatterEdit, style: Style, newline: str) -> _Op:
    if isinstance(edit, SetKey):
        pair = _find_pair(root, edit.key) if root is not None else None
        if pair is None:
            return _insert_top_level(text, root, edit, style, newline)
        return _replace_pair(pair, edit.value, style, newline)
    parent = _node_at(root, edit.path[:-1])
    pair = _find_pair(parent, edit.path[-1]) if isinstance(parent, yaml.MappingNode) else None
    if pair is None:
        raise KeyError(f"no key at {edit.path!r}")
    return _replace_pair(pair, edit.value, style, newline)


def _node_at(root: yaml.Node | None, path: Path) -> yaml.Node | None:
    node = root
    for step in path:
        if isinstance(node, yaml.MappingNode):
            pair = _find_pair(node, step)
            node = pair[1] if pair else None
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and 0 <= step < len(node.value):
            node = node.value[step]
        else:
            return None
    return node


def _find_pair(node: yaml.MappingNode | None, key: str | int) -> tuple[yaml.Node, yaml.Node] | None:
    if node is None:
        return None
    for pair in reversed(node.value):  # PyYAML keeps the last of duplicate keys; so do we
        if isinstance(pair[0], yaml.ScalarNode) and pair[0].value == key:
            return pair  # type: ignore[no-any-return]
    return None


def _content_end(node: yaml.Node) -> int:
    """End of the node's own text: block collections end at their last leaf, not at trailing comments."""
    if isinstance(node, yaml.ScalarNode) or getattr(node, "flow_style", False) or not node.value:
        return int(node.end_mark.index)
    last = node.value[-1]
    if isinstance(node, yaml.MappingNode):
        return max(_content_end(last[0]), _content_end(last[1]))
    return _content_end(last)


def _indent_block(rendered: str, column: int, newline: str) -> str:
    """Indent every line but the first by `column` and use the file's newline; no trailing newline."""
    lines = rendered.rstrip("\n").split("\n")
    pad = " " * column
    return newline.join([lines[0]] + [pad + line if line else line for line in lines[1:]])


def _replace_pair(pair: tuple[yaml.Node, yaml.Node], value: Any, style: Style, newline: str) -> _Op:
    key, node = pair
    block = _indent_block(render_key(str(key.value), value, style), key.start_mark.column, newline)
    return _Op(key.start_mark.index, _content_end(node), block, (1, 0))


def _insert_top_level(text: str, root: yaml.MappingNode | None, edit: SetKey, style: Style, newline: str) -> _Op:
    rendered = render_key(edit.key, edit.value, style)
    position = edit.order.index(edit.key) if edit.key in edit.order else len(edit.order)
    later = edit.order[position + 1 :]
    anchor = None
    if root is not None:
        existing = {k.value: k for k, _ in root.value if isinstance(k, yaml.ScalarNode)}
        # Before the first key in the file that the order puts after this one.
        anchor = min((existing[k] for k in later if k in existing), key=lambda k: k.start_mark.index, default=None)
    if anchor is not None:
        column = anchor.start_mark.column
        line_start = anchor.start_mark.index - column
        if text[line_start : anchor.start_mark.index].strip() == "":
            block = " " * column + _indent_block(rendered, column, newline) + newline
            return _Op(line_start, line_start, block, (0, position))
    column = root.start_mark.column if root is not None else 0
    block = " " * column + _indent_block(rendered, column, newline)
    return _Op(len(text), len(text), block, (0, position), append=True)
