"""InterviewNotes: everything the candidate remembers about one interview.

The model is the contract between the note parsers, the composer, the prompts and the
rubric's notes-aware rules. Unknown keys are rejected so a typo never silently drops data.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from letterguard.kinds import LetterKind

__all__ = ["Candidate", "Interviewer", "InterviewNotes", "LetterKind"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class Candidate(_Strict):
    """The person writing the letter; fills the signature block."""

    name: str = Field(min_length=1)
    email: str | None = None
    phone: str | None = None


class Interviewer(_Strict):
    """One reader of a letter. Several interviewers get one letter each."""

    name: str = Field(min_length=1)
    title: str | None = None
    email: str | None = None
    address_as: str | None = Field(
        default=None,
        description='How to greet them, e.g. "Ms. Lee" or "Priya"; defaults to the full name.',
    )
    topics: list[str] = Field(default_factory=list, description="What this person discussed.")
    moments: list[str] = Field(default_factory=list, description="Specific moments worth recalling.")

    @property
    def salutation_name(self) -> str:
        return self.address_as or self.name


class InterviewNotes(_Strict):
    """Notes on one interview, from a file or pasted text."""

    candidate: Candidate
    company: str = Field(min_length=1)
    position: str = Field(min_length=1)
    interview_date: date | None = None
    interviewers: list[Interviewer] = Field(min_length=1)
    topics: list[str] = Field(default_factory=list, description="Topics discussed by the whole panel.")
    moments: list[str] = Field(default_factory=list, description="Moments worth referring to.")
    materials_promised: list[str] = Field(default_factory=list)
    open_question: str | None = None
    decision_date: date | None = Field(default=None, description="When they said they would decide or call.")
    outcome: Literal["pending", "rejected", "offer"] = "pending"
    channel: Literal["email", "paper"] = "email"
    tone: Literal["formal", "warm"] = "formal"
    kind: LetterKind | None = Field(default=None, description="Force a letter kind; guessed when absent.")

    @field_validator("topics", "moments", "materials_promised")
    @classmethod
    def _drop_blank(cls, items: list[str]) -> list[str]:
        return [item for item in items if item]
