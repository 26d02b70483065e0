"""When to send which letter: the kind the calendar suggests, and timing that looks wrong.

The advice the product grew from: thank the interviewer the same day or the next, send a
more formal note to each interviewer a few days later, ask about the result only after
the date they gave, and answer a refusal graciously. Pure functions; ``today`` is always
passed in so tests and batch runs are reproducible.
"""

from __future__ import annotations

from datetime import date

from letterguard.kinds import LetterKind
from letterguard.notes import InterviewNotes

__all__ = ["guess_kind", "timing_problem"]

LATE_THANK_YOU_DAYS = 3  # a "same day" thank-you sent this late should be the formal one
LATE_FORMAL_DAYS = 14  # after two weeks a thank-you reads as an afterthought
WAIT_WITHOUT_DATE_DAYS = 7  # no decision date given: wait about a week before asking


def guess_kind(notes: InterviewNotes, today: date) -> LetterKind:
    """Pick the letter the notes and the calendar call for (notes.kind always wins)."""
    if notes.kind is not None:
        return LetterKind(notes.kind)
    if notes.outcome == "rejected":
        return LetterKind.AFTER_REJECTION
    if notes.decision_date is not None and today > notes.decision_date:
        return LetterKind.STATUS_INQUIRY
    if notes.interview_date is None or (today - notes.interview_date).days <= 1:
        return LetterKind.THANK_YOU
    return LetterKind.FORMAL_THANK_YOU


def timing_problem(notes: InterviewNotes, kind: LetterKind, today: date) -> str | None:
    """One line on why sending ``kind`` today looks wrong, or None when the timing is fine."""
    held = notes.interview_date
    if held is not None and held > today and kind is not LetterKind.AFTER_REJECTION:
        return f"The interview date ({_day(held)}) is after today ({_day(today)}); check the notes."
    if kind is LetterKind.STATUS_INQUIRY:
        return _premature(notes, today)
    if held is None or kind not in (LetterKind.THANK_YOU, LetterKind.FORMAL_THANK_YOU):
        return None
    days = (today - held).days
    if kind is LetterKind.THANK_YOU and days >= LATE_THANK_YOU_DAYS:
        return (f"The interview was {days} days ago; a quick thank-you belongs to the same or next day, "
                "so a formal thank-you fits better now.")
    if kind is LetterKind.FORMAL_THANK_YOU and days > LATE_FORMAL_DAYS:
        return (f"The interview was {days} days ago; a thank-you this late reads as an afterthought, "
                "and a status inquiry after the decision date is the better next step.")
    return None


def _premature(notes: InterviewNotes, today: date) -> str | None:
    decided = notes.decision_date
    if decided is not None:
        if today > decided:
            return None
        wait = (decided - today).days
        when = "today" if wait == 0 else "tomorrow" if wait == 1 else f"in {wait} days"
        return (f"Too early for a status inquiry: they said they would decide by {_day(decided)} ({when}); "
                "wait until that date has passed.")
    held = notes.interview_date
    if held is not None and (today - held).days < WAIT_WITHOUT_DATE_DAYS:
        days = (today - held).days
        return (f"Too early for a status inquiry: the interview was only {days} day{'s' * (days != 1)} ago "
                f"and no decision date is noted; wait at least {WAIT_WITHOUT_DATE_DAYS} days.")
    return None


def _day(value: date) -> str:
    return f"{value.day} {value:%B %Y}"
