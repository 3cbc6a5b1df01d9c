"""When is a definition of done too vague to check? One explicit rule, explained to the user.

A definition of done is checkable when a second person could look and say "yes, this occurrence
is done". Ownermap judges the text, not the work, with a rule simple enough to state in a line:

- **missing**: nothing written;
- **too short**: fewer than MIN_WORDS words ("ok", "done", "check it");
- **no checkable outcome**: nothing a second person could verify — no number, date or weekday,
  no finished state ("published", "reconciled", "sent", "signed off"), no "matches", "zero",
  "no errors", "every item".

It errs towards accepting: a flag a user disagrees with is worse than a miss, because people stop
reading flags.

Each task's judgment is kept in GapFacts.vague (ownership/gap_facts.py) for the gap rules: a
change to this rule ships with a migration that empties that table, which migrate then rebuilds.
"""

import functools
import re
from enum import StrEnum

MIN_WORDS = 4

# Something a second person could verify: a number, a finished state (a regular past participle
# such as "published" or "tested", or one of the irregular ones), or a measurable result.
_CHECKABLE = re.compile(
    r"\d"
    r"|\b(?:sent|set|written|shown|run|paid|built|made|given|taken|kept|found|met|seen|known"
    r"|live|zero|none|no|every|each|all|only|matches|match|equals|equal|within|passes|pass"
    r"|green|monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b"
    r"|\b(?!(?:need|needed|indeed|speed|bed|red|shed|feed|seed)\b)[a-z]{3,}ed\b"
)


class Vagueness(StrEnum):
    MISSING = "missing"
    TOO_SHORT = "too_short"
    NO_OUTCOME = "no_outcome"

    @property
    def explanation(self) -> str:
        return _EXPLANATIONS[self]


_EXPLANATIONS = {
    Vagueness.MISSING: "No definition of done: nobody can say when an occurrence is finished.",
    Vagueness.TOO_SHORT: (
        f"Too short to check (under {MIN_WORDS} words): say what must be true when it is done."
    ),
    Vagueness.NO_OUTCOME: (
        "No checkable outcome: name something a second person could verify — a number or a "
        "deadline, a finished state (published, reconciled, sent, signed off), or “no errors”."
    ),
}


@functools.lru_cache(maxsize=50_000)
def judge_definition_of_done(text: str) -> Vagueness | None:
    """None when the text is checkable; otherwise what makes it vague.

    Cached: the dashboard judges every task's text on each load, and the texts rarely change.
    """
    if not text or text.isspace():
        return Vagueness.MISSING
    lowered = text.lower()
    if len(lowered.split(None, MIN_WORDS)) < MIN_WORDS:
        return Vagueness.TOO_SHORT
    return None if _CHECKABLE.search(lowered) else Vagueness.NO_OUTCOME


def is_vague(text: str) -> bool:
    """Whether a definition of done is too vague to check (the vague_done gap rule)."""
    return judge_definition_of_done(text) is not None
