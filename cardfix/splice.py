"""Splicing: an edited key's new text put where the key stands, every other byte left as it was."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import regex
import yaml

from cardfix.edits import DeleteKey, FrontMatterEdit, Path, SetKey, SetNode, same_data
from cardfix.yaml_emit import Style, detect_style, render_key
from cardfix.yaml_read import plain_block, top_level_keys


def splice(text: str, root: yaml.MappingNode | None, edit: FrontMatterEdit, newline: str,
           data: Mapping[str, Any] | None = None) -> str:
    """Return `text` with the edit spliced in; every byte outside the touched key stays as it was."""
    return splice_all(text, root, (edit,), newline, data)


def splice_all(text: str, root: yaml.MappingNode | None, edits: Sequence[FrontMatterEdit], newline: str,
               data: Mapping[str, Any] | None = None) -> str:
    """Splice several edits, all located in the same node tree, back to front (no re-parse between them).

    Edits must touch different keys (no path a prefix of another); KeyError otherwise. An edit inside a
    flow collection (`[{name: m, results: []}]`) or through an alias cannot be spliced where it stands:
    given `data` (what the front matter must read as after the edits), its whole top-level key is
    rewritten instead.
    """
    style = detect_style(root)
    return _apply(text, [_op(text, root, edit, style, newline) for edit in _spliceable(root, edits, data)], newline)


def insert_keys(text: str, data: Mapping[Any, Any], edits: Sequence[FrontMatterEdit], newline: str) -> str | None:
    """`splice_all` of edits that each add a new top-level key with a scalar, `[]` or `{}` value, to front matter that
    `plain_block` reads as `data`, checked without reading the whole text back. None for another edit or text,
    or when a check fails (splice_all and a whole read-back then decide).

    Why lighter checks suffice: plain_block reads such text line by line, and a key line at the root's indent
    ends whatever came before it. So new lines that alone read as one key at the root's indent, put before
    another top-level key's line or after the last line, add that key and change nothing else. Checked: each
    key's new text starts at the root's indent and alone reads as its key and value, it goes at the start of a
    top-level key's line or at the end, and the lines taken for the top-level keys are `data`'s keys, each
    where the line says. (Tests compare this with the whole read-back, and plant bad lines and places.)
    """
    added = [e for e in edits if isinstance(e, SetKey) and (e.value in ([], {}) if isinstance(e.value, (list, dict))
                                                         else isinstance(e.value, (str, int, float, type(None))))]
    if newline != "\n" or len(added) != len(edits):
        return None
    indent, lines = top_level_keys(text)
    if lines.keys() != data.keys() or len({e.key for e in added}) != len(added) or any(e.key in lines for e in added):
        return None
    pad = " " * indent
    for key, start in lines.items():
        if not (start == 0 or text[start - 1] == "\n") or not text.startswith(f"{pad}{key}:", start):
            return None
    keys = {key: (start + indent, indent) for key, start in lines.items()}
    starts = set(lines.values())
    ops = []
    for edit in added:
        op = _insert_top_level(text, keys, indent, edit, Style(), newline)
        if not (op.append or (op.start in starts and op.text.endswith("\n"))) or (
                len(op.text) - len(op.text.lstrip(" ")) != indent or not _reads_as(op.text, edit)):
            return None
        ops.append(op)
    return _apply(text, ops, newline)


def _reads_as(text: str, edit: SetKey) -> bool:
    """Whether the text alone reads as the edit's key and value."""
    data = plain_block(text)
    return data is not None and list(data) == [edit.key] and same_data(data[edit.key], edit.value)


def _apply(text: str, ops: Sequence[_Op], newline: str) -> str:
    """The text with the ops: replacements back to front, then the appends at the end."""
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


TRAILING_COMMENT_RE = regex.compile(r"[ \t]+#[^\r\n]*")
ALIAS_RE = regex.compile(r"[ \t]*:[ \t]*\*[^\s,\]}]+")


def _alias_end(text: str, key: yaml.Node) -> int:
    alias = ALIAS_RE.match(text, key.end_mark.index)
    return alias.end() if alias else int(key.end_mark.index)


@dataclass(frozen=True)
class _Op:
    """Replace text[start:end]; `rank` orders ops at one position (inserts by key order, then a replace)."""

    start: int
    end: int
    text: str
    rank: tuple[int, int]
    append: bool = False


def _spliceable(root: yaml.MappingNode | None, edits: Sequence[FrontMatterEdit],
                data: Mapping[str, Any] | None) -> list[FrontMatterEdit]:
    """The edits, with those that cannot be spliced where they stand made into their top-level key's."""
    out: list[FrontMatterEdit] = []
    for edit in edits:
        if isinstance(edit, SetNode) and data is not None and edit.path[0] in data and _in_flow_or_alias(
                root, edit, block=isinstance(edit.value, (list, dict)) and bool(edit.value)):
            edit = SetKey(str(edit.path[0]), data[str(edit.path[0])])
        if edit not in out:
            out.append(edit)
    return out


def _in_flow_or_alias(root: yaml.MappingNode | None, edit: SetNode, block: bool) -> bool:
    """Whether the path crosses an alias (a node whose text stands before its key), or, for a `block`
    value (one that takes several lines), a flow collection."""
    node: yaml.Node | None = root
    for step in edit.path:
        if isinstance(node, yaml.MappingNode):
            pair = _find_pair(node, step)
            if pair is None:
                return False
            if pair[1].start_mark.index < pair[0].end_mark.index:
                return True
            node = pair[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and 0 <= step < len(node.value):
            node = node.value[step]
        else:
            return False
        if block and getattr(node, "flow_style", False) and step != edit.path[-1]:
            return True
    return False


def _op(text: str, root: yaml.MappingNode | None, edit: FrontMatterEdit, style: Style, newline: str) -> _Op:
    if isinstance(edit, DeleteKey):
        return _delete_pair(text, root, edit.key)
    if isinstance(edit, SetKey):
        pair = _find_pair(root, edit.key) if root is not None else None
        if pair is None:
            return _insert_top_level(text, _top_keys(root), root.start_mark.column if root is not None else 0, edit,
                                     style, newline)
        return _replace_pair(text, pair, edit.value, style, newline)
    parent = _node_at(root, edit.path[:-1])
    pair = _find_pair(parent, edit.path[-1]) if isinstance(parent, yaml.MappingNode) else None
    if pair is None:
        raise KeyError(f"no key at {edit.path!r}")
    return _replace_pair(text, pair, edit.value, style, newline)


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


def _content_end(text: str, node: yaml.Node) -> int:
    """End of the node's own text: block collections end at their last leaf, not at trailing comments."""
    if isinstance(node, yaml.ScalarNode) or getattr(node, "flow_style", False) or not node.value:
        return int(node.end_mark.index)
    last = node.value[-1]
    if isinstance(node, yaml.MappingNode):
        key, value = last
        if value.start_mark.index < key.end_mark.index:  # an alias (`key: *anchor`): its node is elsewhere
            return _alias_end(text, key)
        return max(_content_end(text, key), _content_end(text, value))
    return _content_end(text, last)


def _indent_block(rendered: str, column: int, newline: str) -> str:
    """Indent every line but the first by `column` and use the file's newline; no trailing newline."""
    lines = rendered.rstrip("\n").split("\n")
    pad = " " * column
    return newline.join([lines[0]] + [pad + line if line else line for line in lines[1:]])


def _replace_pair(text: str, pair: tuple[yaml.Node, yaml.Node], value: Any, style: Style, newline: str) -> _Op:
    key, node = pair
    block = _indent_block(render_key(str(key.value), value, style), key.start_mark.column, newline)
    end = _content_end(text, node) if node.start_mark.index >= key.end_mark.index else _alias_end(text, key)
    comment = TRAILING_COMMENT_RE.match(text, end)
    if comment is not None and newline in block and node.start_mark.line == key.start_mark.line:
        # `results: []  # filled later`: the comment stays on the key's line, not after the new block.
        first, rest = block.split(newline, 1)
        return _Op(key.start_mark.index, comment.end(), first + comment.group() + newline + rest, (1, 0))
    return _Op(key.start_mark.index, end, block, (1, 0))


def _delete_pair(text: str, root: yaml.MappingNode | None, key: str) -> _Op:
    """Remove a top-level key's lines: from its line's start through its value, a trailing comment and the
    line break after it (on the last line, the one before it). KeyError for a key not alone on its lines."""
    pair = _find_pair(root, key)
    if root is None or pair is None or root.flow_style:
        raise KeyError(f"no block key {key!r} to delete")
    key_node, node = pair
    start = key_node.start_mark.index - key_node.start_mark.column
    end = _content_end(text, node) if node.start_mark.index >= key_node.end_mark.index else _alias_end(text, key_node)
    comment = TRAILING_COMMENT_RE.match(text, end)
    end = comment.end() if comment else end
    if text[start : key_node.start_mark.index].strip():
        raise KeyError(f"key {key!r} does not start its line")
    if text[end - 1] in "\r\n":  # a block scalar's text ends with its line break
        return _Op(start, end, "", (1, 0))
    if text.startswith(("\r\n", "\n", "\r"), end):
        return _Op(start, end + (2 if text.startswith("\r\n", end) else 1), "", (1, 0))
    if end != len(text):
        raise KeyError(f"key {key!r} shares its last line")
    return _Op(max(0, start - (2 if text.endswith("\r\n", 0, start) else 1)), end, "", (1, 0))


TopKeys = Mapping[str, tuple[int, int]]  # a top-level key's text: where the key starts (index, column)


def _top_keys(root: yaml.MappingNode | None) -> dict[str, tuple[int, int]]:
    if root is None:
        return {}
    return {k.value: (k.start_mark.index, k.start_mark.column) for k, _ in root.value if isinstance(k, yaml.ScalarNode)}


def _insert_top_level(text: str, existing: TopKeys, root_column: int, edit: SetKey, style: Style, newline: str) -> _Op:
    rendered = render_key(edit.key, edit.value, style)
    position = edit.order.index(edit.key) if edit.key in edit.order else len(edit.order)
    later = edit.order[position + 1 :]
    # Before the first key in the file that the order puts after this one.
    anchor = min((existing[k] for k in later if k in existing), default=None)
    if anchor is not None:
        index, column = anchor
        line_start = index - column
        if text[line_start:index].strip() == "":
            block = " " * column + _indent_block(rendered, column, newline) + newline
            return _Op(line_start, line_start, block, (0, position))
    column = root_column
    block = " " * column + _indent_block(rendered, column, newline)
    return _Op(len(text), len(text), block, (0, position), append=True)
