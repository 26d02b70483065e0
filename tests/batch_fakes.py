"""Helpers for the batch tests: notes rows, fake drafters and outcomes."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from letterguard.guard import Attempt, Outcome
from letterguard.kinds import LetterKind
from letterguard.letter import Letter
from letterguard.model import Usage
from letterguard.rubric import Report

CSV_HEADER = "id,candidate_name,candidate_email,company,position,interview_date,interviewers,topics\n"


def notes_row(i: int, panel: int = 1) -> dict:
    """A JSONL notes mapping for interview ``i`` with ``panel`` interviewers."""
    return {
        "id": f"r{i}",
        "candidate": {"name": f"Candidate {i}", "email": f"c{i}@example.com"},
        "company": "Acme",
        "position": "Backend Engineer",
        "interview_date": "2026-05-12",
        "interviewers": [{"name": f"Interviewer {i}-{j}", "title": "Engineer"} for j in range(panel)],
        "topics": ["the billing service"],
    }


def write_jsonl(path: Path, rows: list[dict | str]) -> Path:
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write((row if isinstance(row, str) else json.dumps(row)) + "\n")
    return path


def write_csv(path: Path, rows: list[str]) -> Path:
    path.write_text(CSV_HEADER + "".join(row + "\n" for row in rows), encoding="utf-8")
    return path


def outcome(interviewer, kind: LetterKind, status: str = "passed", tokens: tuple[int, int] = (0, 0)) -> Outcome:
    text = None if status == "rejected" else f"Subject: Hello\n\nDear {interviewer.name},\n\nBody.\n\nKind regards,\nMe\n"
    usage = Usage(*tokens)
    return Outcome(
        kind=kind,
        interviewer=interviewer,
        letter=Letter.from_text(text) if text else None,
        text=text,
        status=status,
        source="composer",
        attempts=(Attempt(1, "model", text or "", (), usage),),
        usage=usage,
        report=Report(text or "", kind),
    )


class FakeDrafter:
    """Answers every letter with ``status`` (or per interviewer name), optionally slowly."""

    def __init__(self, status: str = "passed", delay: float = 0.0, statuses: dict[str, str] | None = None,
                 fail_on: set[str] | None = None) -> None:
        self.status = status
        self.delay = delay
        self.statuses = statuses or {}
        self.fail_on = fail_on or set()
        self.calls = 0
        self.in_flight = 0
        self.max_in_flight = 0

    async def __call__(self, notes, interviewer, kind):
        self.calls += 1
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.delay:
                await asyncio.sleep(self.delay)
            if interviewer.name in self.fail_on:
                raise RuntimeError("boom")
            return outcome(interviewer, kind, self.statuses.get(interviewer.name, self.status), tokens=(10, 5))
        finally:
            self.in_flight -= 1
