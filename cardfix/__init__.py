"""cardfix: repair and enrich Hugging Face model cards, deterministically, with facts from the card itself."""

from __future__ import annotations

from cardfix.api import Options, Result, repair, repair_file, repair_many
from cardfix.version import __version__

__all__ = ["Options", "Result", "__version__", "repair", "repair_file", "repair_many"]
