"""The YAML text of one key: emitted directly for the shapes rules write, through ruamel for the rest.

A hand-written emitter for scalars, lists and mappings halves `apply`'s time against ruamel's round-trip
dumper; the engine re-parses every splice, so a wrong emission is caught, never written.
"""

from __future__ import annotations

import functools
import io
import json
from dataclasses import dataclass
from typing import Any

import regex
import yaml
from ruamel.yaml import YAML

from cardfix.written import Written


@dataclass(frozen=True)
class Style:
    """Indentation habits of one file: how far block sequences sit under their key, mapping indent."""

    seq_offset: int = 0
    map_indent: int = 2


def detect_style(root: yaml.Node | None) -> Style:
    seq_offset: int | None = None
    map_indent: int | None = None
    stack = [root] if root is not None else []
    seen: set[int] = set()  # a recursive alias (`a: &x [*x]`) would loop forever
    while stack and (seq_offset is None or map_indent is None):
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
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


PLAIN_RE = regex.compile(r"[A-Za-z_][\w.\-/ ()]*[\w.)]|[A-Za-z_]")
PLAIN_WORDS = {"true", "false", "yes", "no", "on", "off", "null", "y", "n", "nan", "inf"}
DECIMAL_RE = regex.compile(r"-?\d+\.\d+")
# An exponent float as YAML 1.1 (PyYAML, the Hub) reads it: a dot in the mantissa, a sign in the exponent.
EXPONENT_RE = regex.compile(r"-?\d+\.\d*[eE][-+]\d+")


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
        return value.text if _float_text(value.text) else _scalar(float(value))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return float_text(value)
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


def float_text(value: float) -> str | None:
    """A float as both YAML 1.1 and 1.2 read it back (`1e-07` is a string to 1.1: `1.0e-07`); None for nan/inf."""
    text = repr(value)
    if "e" in text and "." not in text:
        text = text.replace("e", ".0e")
    return text if _float_text(text) else None


def _float_text(text: str) -> bool:
    return DECIMAL_RE.fullmatch(text) is not None or EXPONENT_RE.fullmatch(text) is not None


def _render_with_ruamel(key: str, value: Any, style: Style) -> str:
    out = io.StringIO()
    _dumper(style).dump({key: value}, out)
    return out.getvalue()


@functools.lru_cache(maxsize=8)
def _dumper(style: Style) -> YAML:
    dumper = YAML(typ="rt")
    dumper.indent(mapping=style.map_indent, sequence=style.seq_offset + 2, offset=style.seq_offset)
    dumper.width = 4096  # never fold a long name or URL
    dumper.allow_unicode = True
    dumper.representer.add_representer(float, _represent_float)
    dumper.representer.add_representer(str, _represent_str)
    return dumper


_RESOLVER_1_1 = yaml.resolver.Resolver()


def _represent_str(representer: Any, value: str) -> Any:
    """ruamel (YAML 1.2) writes `yes`, `off`... plain, which YAML 1.1 (PyYAML, the Hub) reads as booleans:
    quote a string that YAML 1.1 would resolve to anything but a string."""
    tag = _RESOLVER_1_1.resolve(yaml.ScalarNode, value, (True, False))  # type: ignore[no-untyped-call]
    style = '"' if tag != "tag:yaml.org,2002:str" else None
    return representer.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _represent_float(representer: Any, value: float) -> Any:
    """ruamel writes `1e-07`, which YAML 1.1 reads as a string: write floats as both versions read them."""
    text = float_text(value)
    if text is None:
        return representer.represent_float(value)  # .nan, .inf: the same in both
    return representer.represent_scalar("tag:yaml.org,2002:float", text)
