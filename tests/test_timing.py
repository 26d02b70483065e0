"""timing: which letter the calendar calls for, and when the timing looks wrong."""

from __future__ import annotations

from datetime import date

import pytest

from letterguard.kinds import LetterKind
from letterguard.notes import InterviewNotes
from letterguard.timing import guess_kind, timing_problem

HELD, DECIDE = date(2026, 5, 12), date(2026, 5, 22)


def make(**changes) -> InterviewNotes:
    base = {"candidate": {"name": "Ana Silva"}, "company": "Acme", "position": "Analyst",
            "interviewers": [{"name": "Tom Reed"}], "interview_date": HELD, "decision_date": DECIDE}
    return InterviewNotes.model_validate(base | changes)


@pytest.mark.parametrize(
    ("changes", "today", "expected"),
    [
        ({}, HELD, LetterKind.THANK_YOU),
        ({}, date(2026, 5, 13), LetterKind.THANK_YOU),
        ({}, date(2026, 5, 14), LetterKind.FORMAL_THANK_YOU),
        ({}, DECIDE, LetterKind.FORMAL_THANK_YOU),
        ({}, date(2026, 5, 23), LetterKind.STATUS_INQUIRY),
        ({"interview_date": None, "decision_date": None}, date(2026, 9, 1), LetterKind.THANK_YOU),
        ({"outcome": "rejected"}, date(2026, 5, 30), LetterKind.AFTER_REJECTION),
        ({"kind": "status_inquiry"}, HELD, LetterKind.STATUS_INQUIRY),
        ({"kind": "thank_you", "outcome": "rejected"}, HELD, LetterKind.THANK_YOU),
    ],
)
def test_guess_kind(changes: dict, today: date, expected: LetterKind) -> None:
    assert guess_kind(make(**changes), today) is expected


def test_status_inquiry_before_the_decision_date_is_premature() -> None:
    problem = timing_problem(make(), LetterKind.STATUS_INQUIRY, date(2026, 5, 19))
    assert problem is not None and "22 May 2026" in problem and "in 3 days" in problem
    assert "today" in timing_problem(make(), LetterKind.STATUS_INQUIRY, DECIDE)
    assert timing_problem(make(), LetterKind.STATUS_INQUIRY, date(2026, 5, 23)) is None


def test_status_inquiry_without_a_decision_date_waits_a_week() -> None:
    notes = make(decision_date=None)
    assert "2 days ago" in timing_problem(notes, LetterKind.STATUS_INQUIRY, date(2026, 5, 14))
    assert timing_problem(notes, LetterKind.STATUS_INQUIRY, date(2026, 5, 20)) is None


def test_late_thank_yous() -> None:
    assert timing_problem(make(), LetterKind.THANK_YOU, date(2026, 5, 13)) is None
    assert "formal thank-you" in timing_problem(make(), LetterKind.THANK_YOU, date(2026, 5, 16))
    assert timing_problem(make(), LetterKind.FORMAL_THANK_YOU, date(2026, 5, 16)) is None
    assert "20 days ago" in timing_problem(make(), LetterKind.FORMAL_THANK_YOU, date(2026, 6, 1))
    assert timing_problem(make(interview_date=None), LetterKind.THANK_YOU, date(2027, 1, 1)) is None


def test_future_interview_and_rejections() -> None:
    assert "after today" in timing_problem(make(), LetterKind.THANK_YOU, date(2026, 5, 1))
    assert timing_problem(make(outcome="rejected"), LetterKind.AFTER_REJECTION, date(2026, 6, 1)) is None


def test_problems_are_one_line() -> None:
    for kind in LetterKind:
        for day in (date(2026, 5, 1), HELD, date(2026, 5, 16), date(2026, 7, 1)):
            problem = timing_problem(make(), kind, day)
            assert problem is None or "\n" not in problem
