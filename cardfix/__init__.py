"""cardfix: repair and enrich Hugging Face model cards, deterministically, with facts from the card itself."""

from __future__ import annotations

from cardfix.api import Result, repair, repair_file, repair_many
from cardfix.settings import Options

__version__ = "0.1.0"
__all__ = ["Options", "Result", "__version__", "repair", "repair_file", "repair_many"]
