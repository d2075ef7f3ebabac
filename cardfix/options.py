"""What the user passes about the cards: facts they lack (they rank above anything inferred), and choices."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Options:
    """Facts the user passes on the command line; they rank above anything inferred from the card."""

    task: str | None = None
    dataset: str | None = None  # type[:config[:split]]
    repo_id: str | None = None  # the card's own repository: never its own base model
    base_model: str | None = None
    model_name: str | None = None
    results_from: str | None = None  # final-row | summary
    placeholders: str | None = None  # fill | remove
