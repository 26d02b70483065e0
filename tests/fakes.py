"""A scripted fake model for guard tests.

It answers from a script of Letters (or exceptions to raise) and fails the test on any call
the script did not plan for, so a test states exactly how many model calls it expects.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from letterguard.letter import Letter
from letterguard.model import Usage

GOOD_BODY = (
    "Thank you for talking with me today about the Data Engineer role at Acme. "
    "I enjoyed our discussion of the Kafka migration and how the team handles backfills.\n\n"
    "I look forward to hearing from you."
)


def letter(body: str = GOOD_BODY, greeting: str = "Dear Ms. Shah,", subject: str = "Data Engineer interview") -> Letter:
    return Letter(subject=subject, greeting=greeting, body=body, closing="Kind regards,")


class UnexpectedCall(AssertionError):
    pass


class FakeModel:
    """Plays ``script`` in order through ``write`` (sync) or ``awrite`` (async)."""

    def __init__(self, script: Iterable[Letter | BaseException], usage: Usage = Usage(10, 5), extracted=None) -> None:
        self.script = list(script)
        self.usage = usage
        self.extracted = extracted  # InterviewNotes for extract_notes, None = unexpected
        self.calls: list[list[dict[str, str]]] = []

    def _next(self, messages: Sequence[dict[str, str]]) -> tuple[Letter, Usage]:
        self.calls.append([dict(m) for m in messages])
        if not self.script:
            raise UnexpectedCall(f"model called {len(self.calls)} times; the script planned {len(self.calls) - 1}")
        item = self.script.pop(0)
        if isinstance(item, BaseException):
            raise item
        return item, self.usage

    def write(self, messages: Sequence[dict[str, str]]) -> tuple[Letter, Usage]:
        return self._next(messages)

    async def awrite(self, messages: Sequence[dict[str, str]]) -> tuple[Letter, Usage]:
        return self._next(messages)

    def extract_notes(self, text: str):
        if self.extracted is None:
            raise UnexpectedCall("extract_notes was not planned")
        return self.extracted, self.usage

    def assert_done(self) -> None:
        assert not self.script, f"{len(self.script)} scripted answers were never asked for"


def sample_notes(**changes):
    """Notes for a Data Engineer interview at Acme with one interviewer (or more)."""
    from letterguard.notes import Candidate, Interviewer, InterviewNotes

    data = dict(
        candidate=Candidate(name="Ann Lee", email="ann.lee@example.com", phone="555 0100"),
        company="Acme",
        position="Data Engineer",
        interviewers=[Interviewer(name="Priya Shah", address_as="Ms. Shah", email="priya@example.com", topics=["the Kafka migration"])],
        topics=["backfills"],
    )
    data.update(changes)
    return InterviewNotes(**data)


def offline_letter(notes, interviewer, kind, today=None, rubric=None) -> Letter:
    """Stands in for the offline composer: a plain letter that passes the rubric."""
    return Letter(
        subject=f"{notes.position} interview",
        greeting=f"Dear {interviewer.salutation_name},",
        body=f"Thank you for meeting me about the {notes.position} role at {notes.company}.\n\nI look forward to hearing from you.",
        closing="Kind regards,",
        signature=notes.candidate.name,
    )
