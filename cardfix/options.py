"""What the user passes about the cards: facts they lack (they rank above anything inferred), and choices."""

from __future__ import annotations

import difflib
import functools
from collections.abc import Callable
from dataclasses import dataclass

from cardfix.memo import mypyc_attr


@mypyc_attr(native_class=False)  # copied and pickled by users: mypyc's frozen classes do not unpickle
@dataclass(frozen=True)
class Options:
    """Facts the user passes on the command line; they rank above anything inferred from the card."""

    task: str | None = None
    dataset: str | None = None  # type[:config[:split]]
    repo_id: str | None = None  # the card's own repository: never its own base model
    base_model: str | None = None
    model_name: str | None = None
    results_from: str | None = None  # summary | final-row
    placeholders: str | None = None  # fill | remove
    unsafe_fixes: bool = False  # apply the fixes of rules marked `safe: false` (otherwise only reported)

    def __post_init__(self) -> None:
        """Refuse what no rule could use, naming the option (a bad value is never a silent default)."""
        for name, allowed in CHOICES.items():
            value = getattr(self, name)
            if value is not None and value not in allowed:
                raise ValueError(f"{name.replace('_', '-')}: must be one of {', '.join(allowed)}, not {value!r}")
        if self.dataset is not None:
            parts = self.dataset.split(":")
            if len(parts) > 3 or not parts[0].strip():
                raise ValueError(f"dataset: {self.dataset!r} is not type[:config[:split]]")
        for name in ("task", "model_name", "repo_id", "base_model"):
            if getattr(self, name) is not None and not str(getattr(self, name)).strip():
                raise ValueError(f"{name.replace('_', '-')}: must not be empty")
        self._check_formats()

    def _check_formats(self) -> None:
        """What is written into a card is one line, and ids have the Hub's form (checked when made)."""
        from cardfix.facts.trainer import is_repo_id  # (here: the facts import much that imports this)

        for name in ("task", "dataset", "repo_id", "base_model", "model_name"):
            value = getattr(self, name)
            if value is not None and not str(value).isprintable():
                raise ValueError(f"{name.replace('_', '-')}: must be one line of printable text, not {value!r}")
        for name in ("repo_id", "base_model"):
            value = getattr(self, name)
            if value is not None and not is_repo_id(str(value)):
                raise ValueError(f"{name.replace('_', '-')}: {value!r} is not a Hub model id (org/name)")
        if self.task is not None and str(self.task) not in hub_task_ids():
            near = difflib.get_close_matches(str(self.task), sorted(hub_task_ids()), n=1)
            raise ValueError(f"task: {self.task!r} is not a Hub task id (such as text-classification)"
                             + (f"; did you mean {near[0]}?" if near else ""))

    def for_repo(self, repo_id: str) -> Options:
        """These options for the card of the repository `repo_id` (a dump's row: made once per card, where
        dataclasses.replace would check every option again, ~3 us). A `repo_id` that is no Hub model id (a
        dump's modelId may hold anything) is refused as --repo-id refuses it: nothing may write it."""
        if not repo_id.isprintable() or not _repo_id_check()(repo_id):
            raise ValueError(f"repo-id: {repo_id!r} is not a Hub model id (org/name)")
        options = object.__new__(type(self))
        options.__dict__.update(self.__dict__, repo_id=repo_id)
        return options


@functools.cache
def _repo_id_check() -> Callable[[str], bool]:
    """facts.trainer's is_repo_id, imported once (for_repo runs once per row of a dump; an import statement
    in it cost a microsecond a row)."""
    from cardfix.facts.trainer import is_repo_id  # (here: the facts import much that imports this)

    return is_repo_id


def hub_task_ids() -> frozenset[str]:
    """The Hub's task ids (rules/data/hub-task-ids.yaml, from the Hub's own list: bench/hub_tasks.py)."""
    from cardfix.resources import id_list

    return id_list("data/hub-task-ids.yaml")


CHOICES = {"results_from": ("summary", "final-row"), "placeholders": ("fill", "remove")}
