"""Placeholder module filled by later rules."""

from __future__ import annotations

from cardfix.actions import Action

ACTIONS: list[Action] = []
