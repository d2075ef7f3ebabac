"""Values that actions return: edits to apply and reports to show."""

from __future__ import annotations

from dataclasses import dataclass

from cardfix.frontmatter import FrontMatterEdit


@dataclass(frozen=True)
class BodyEdit:
    """Replace `body[start:end]` with `text`."""

    start: int
    end: int
    text: str


Edit = BodyEdit | FrontMatterEdit


@dataclass(frozen=True)
class Report:
    """What an action says about a card; `fixable` when the action also returned the edit that fixes it."""

    message: str
    line: int | None = None
    fixable: bool = False


@dataclass(frozen=True)
class Outcome:
    edits: tuple[Edit, ...] = ()
    reports: tuple[Report, ...] = ()


NOTHING = Outcome()


def fix(message: str, line: int | None, *edits: Edit) -> Outcome:
    return Outcome(tuple(edits), (Report(message, line, fixable=True),))


def report(*reports: Report) -> Outcome:
    return Outcome((), tuple(reports))


@dataclass(frozen=True)
class Finding:
    """A report tied to the rule that made it, as users see it."""

    code: str
    name: str
    message: str
    line: int | None
    fixable: bool

    def as_dict(self) -> dict[str, object]:
        return {"code": self.code, "name": self.name, "message": self.message, "line": self.line,
                "fixable": self.fixable}
