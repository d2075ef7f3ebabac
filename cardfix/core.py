"""The pure core: one card's text in, its repaired text and findings out. No I/O, no globals."""

from __future__ import annotations

from dataclasses import dataclass, field

from cardfix.card import parse_text
from cardfix.edits import Finding
from cardfix.engine import run
from cardfix.facts import is_model_card
from cardfix.memo import mypyc_attr
from cardfix.options import Options
from cardfix.settings import Settings
from cardfix.suppress import matches, read_suppressions
from cardfix.yaml_read import FrontMatterError


@mypyc_attr(native_class=False)  # copied and pickled by users: mypyc's frozen classes do not unpickle
@dataclass(frozen=True)
class Result:
    """The outcome for one card. `error` is set (and `text` is the input) when the card could not be read."""

    text: str
    changed: bool
    findings: tuple[Finding, ...] = ()
    error: str | None = None
    original: str = field(default="", repr=False)
    path: str | None = None
    skipped: bool = False  # not a model card: left alone, no finding

    @property
    def ok(self) -> bool:
        return self.error is None

    def findings_only(self, path: str | None = None) -> Result:
        """This result without its texts (what `check` keeps), named `path` if given; built anew, as
        dataclasses.replace costs more on a path taken once per card."""
        return Result("", self.changed, self.findings, self.error, "", path if path is not None else self.path,
                      self.skipped)


def repair(text: str, settings: Settings, path: str | None = None, *, verify: bool = True,
           options: Options | None = None) -> Result:
    """Repair one card's text. `verify=False` (for `check`) skips reading back the front-matter splices.
    `options`, if given, replace the settings' own (a dump's row: the settings' with the row's repo_id)."""
    card = parse_text(text)
    if not is_model_card(card):
        return Result(text, False, (), None, text, path, skipped=True)
    found = read_suppressions(card)
    rules = settings.rules_for(path)
    if found.whole_card:
        rules = tuple(r for r in rules if not any(matches(s, r.code, r.name) for s in found.whole_card))
    try:
        outcome = run(card, rules, settings.options if options is None else options, verify=verify, suppressions=found)
    except FrontMatterError as exc:
        return Result(text, False, (), str(exc), text, path)
    except Exception as exc:  # a bug in a rule must not stop a bulk run or lose the card
        return Result(text, False, (), f"internal error, card left unchanged: {type(exc).__name__}: {exc}",
                      text, path)
    if not verify:  # check: nothing was spliced, the engine says whether the card would change
        return Result(text, outcome.changed, outcome.findings, None, text, path)
    new_text = outcome.card.render()
    return Result(new_text, new_text != text, outcome.findings, None, text, path)


def error(message: str, path: str | None) -> Result:
    """The result for a card that could not be read."""
    return Result("", False, (), message, "", path)
