"""Splicing: an edited key's new text put where the key stands, every other byte left as it was."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import yaml

from cardfix.edits import FrontMatterEdit, Path, SetKey
from cardfix.yaml_emit import Style, detect_style, render_key


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
