"""The guard loop: a letter is only returned once the rubric passes it.

With a model::

    draft -> check -> fix (rubric.fix) -> check -> re-ask with the exact violations -> check
    ... up to ``max_attempts`` model calls, then the offline composer (with a notice) or,
    with ``fallback=False``, a rejected outcome.

Without a model: compose -> check -> fix -> check.

The loop is written once, as a generator that yields the messages it wants sent and
receives the model's reply (or its ``ModelError``). ``draft`` drives it with a blocking
model and ``adraft`` with an async one, so both share every decision; only the call
differs. A letter with an error-level violation is never returned as a result.
"""

from __future__ import annotations

import re
from collections.abc import Generator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Protocol

from letterguard import prompts
from letterguard.kinds import LetterKind
from letterguard.letter import Letter
from letterguard.model import ModelError, ModelUnavailable, Usage
from letterguard.notes import InterviewNotes, Interviewer
from letterguard.rubric import Report, Severity, Violation, check, fix

__all__ = [
    "Attempt",
    "Outcome",
    "Usage",
    "adraft",
    "adraft_all",
    "draft",
    "draft_all",
    "frame",
    "signature_for",
]

Messages = list[dict[str, str]]
Reply = tuple[Letter, Usage] | ModelError


class SyncModel(Protocol):
    def write(self, messages: Sequence[dict[str, str]]) -> tuple[Letter, Usage]: ...


class AsyncModel(Protocol):
    async def awrite(self, messages: Sequence[dict[str, str]]) -> tuple[Letter, Usage]: ...


@dataclass(frozen=True)
class Attempt:
    """One step of the history. ``number`` is the model round it belongs to (a fix shares
    its draft's number; the composer gets the next one)."""

    number: int
    source: str  # "model" | "fix" | "composer"
    text: str
    violations: tuple[Violation, ...]
    usage: Usage = field(default_factory=Usage)
    error: str | None = None

    @property
    def passed(self) -> bool:
        return self.error is None and not any(v.severity == "error" for v in self.violations)

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "source": self.source,
            "text": self.text,
            "passed": self.passed,
            "violations": [v.to_dict() for v in self.violations],
            "usage": self.usage.to_dict(),
            "error": self.error,
        }


@dataclass(frozen=True)
class Outcome:
    """What the guard decided for one interviewer: the letter (or None) and why."""

    kind: LetterKind
    interviewer: Interviewer
    letter: Letter | None  # None when rejected
    text: str | None
    status: str  # "passed" | "fixed" | "fallback" | "rejected"
    source: str  # "model" | "model+fix" | "composer" | "composer+fix" | "fallback"
    attempts: tuple[Attempt, ...]
    usage: Usage
    report: Report
    notice: str | None = None

    @property
    def ok(self) -> bool:
        return self.status != "rejected"

    def to_dict(self) -> dict[str, Any]:
        """JSON-able history for --save-run and batch's results.jsonl."""
        return {
            "kind": self.kind.value,
            "interviewer": self.interviewer.model_dump(mode="json"),
            "status": self.status,
            "source": self.source,
            "letter": self.letter.model_dump(mode="json") if self.letter else None,
            "text": self.text,
            "notice": self.notice,
            "usage": self.usage.to_dict(),
            "report": report_dict(self.report),
            "attempts": [a.to_dict() for a in self.attempts],
        }


def report_dict(report: Report) -> dict[str, Any]:
    return {
        "kind": report.kind.value,
        "passed": report.passed,
        "violations": [v.to_dict() for v in report.violations],
    }


def signature_for(notes: InterviewNotes) -> str:
    """The signature block under the sign-off, from the candidate's details."""
    person = notes.candidate
    return "\n".join(part for part in (person.name, person.email, person.phone) if part)


# -- the letter's frame: greeting and sign-off ----------------------------------------

_SALUTATION = re.compile(r"(dear|hi|hello|good (morning|afternoon|evening))\b\W*\w", re.IGNORECASE)
_SIGN_OFF = re.compile(
    r"(best|kind|warm|many|with|yours|regards|sincerely|respectfully|cordially|all the best)\b", re.IGNORECASE
)
DEFAULT_SIGN_OFF = "Kind regards,"


def _is_greeting(line: str) -> bool:
    return "\n" not in line and len(line.split()) <= 8 and bool(_SALUTATION.match(line))


def _is_sign_off(line: str) -> bool:
    return "\n" not in line and len(line.split()) <= 4 and (line.endswith(",") or bool(_SIGN_OFF.match(line)))


def frame(letter: Letter, notes: InterviewNotes, interviewer: Interviewer) -> tuple[Letter, tuple[str, ...]]:
    """Repair the formulaic frame of a model's letter: a greeting that is not a greeting
    becomes the one the notes call for, a sign-off that is not a sign-off becomes "Kind
    regards,". Misplaced text moves into the body, where the rubric checks it. Returns
    the repaired letter and which parts ("greeting", "closing") were wrong."""
    greeting, closing = letter.greeting.strip(), letter.closing.strip()
    paragraphs = [letter.body.strip()] if letter.body.strip() else []
    wrong: list[str] = []
    if not _is_greeting(greeting):
        wrong.append("greeting")
        paragraphs[:0] = [greeting] if greeting else []
        greeting = prompts.greeting_for(interviewer, notes.tone)
    first = closing.partition("\n")[0]
    if not _is_sign_off(first.strip()):
        wrong.append("closing")
        paragraphs += [closing] if closing else []
        first = DEFAULT_SIGN_OFF  # any name or contact lines under it give way to the signature
    fixed = letter.model_copy(update={"greeting": greeting, "body": "\n\n".join(paragraphs), "closing": first.strip()})
    return fixed, tuple(wrong)


def _frame_violations(text: str, letter: Letter, wrong: Sequence[str]) -> tuple[Violation, ...]:
    """Findings for a broken frame, pointing at the offending text in the letter."""
    found = []
    for part in wrong:
        value = getattr(letter, part).strip()
        start = text.find(value) if value else -1
        start, end = (start, start + len(value)) if start >= 0 else (0, 0)
        line = text.count("\n", 0, start) + 1
        col = start - (text.rfind("\n", 0, start) + 1) + 1
        end_line = text.count("\n", 0, end) + 1
        end_col = end - (text.rfind("\n", 0, end) + 1) + 1
        what = "greeting line that greets the reader by name" if part == "greeting" else "sign-off line"
        found.append(
            Violation(
                rule="letter_frame",
                severity=Severity.ERROR,
                start=start,
                end=end,
                line=line,
                col=col,
                end_line=end_line,
                end_col=end_col,
                text=value,
                message=f"The {part} is not a {what}",
                why="A letter opens with a greeting to the reader and ends with a short sign-off; anything else reads as broken.",
                suggestion='Open with "Dear <name>," and close with "Kind regards,"; put sentences in the body.',
            )
        )
    return tuple(found)


# -- the loop (shared by draft and adraft) ----------------------------------------------


@dataclass
class _Run:
    notes: InterviewNotes
    interviewer: Interviewer
    kind: LetterKind
    today: date | None
    attempts: list[Attempt] = field(default_factory=list)

    @property
    def usage(self) -> Usage:
        total = Usage()
        for attempt in self.attempts:
            total = total + attempt.usage
        return total

    def check(self, text: str) -> Report:
        return check(text, notes=self.notes, kind=self.kind, today=self.today)

    def fix(self, text: str) -> Any:
        return fix(text, notes=self.notes, kind=self.kind, today=self.today)

    def outcome(self, text: str | None, report: Report, status: str, source: str, notice: str | None = None) -> Outcome:
        if text is not None and not report.passed:  # the one invariant: never return a failing letter
            text, status = None, "rejected"
        return Outcome(
            kind=self.kind,
            interviewer=self.interviewer,
            letter=Letter.from_text(text) if text is not None else None,
            text=text,
            status=status,
            source=source,
            attempts=tuple(self.attempts),
            usage=self.usage,
            report=report,
            notice=notice,
        )

    def review(
        self, number: int, source: str, text: str, usage: Usage = Usage(), framed: tuple[str, tuple[Violation, ...]] | None = None
    ) -> tuple[str, Report, bool]:
        """check -> fix -> check. ``framed`` is the text with its frame repaired and the
        findings for the broken frame. Returns (best text, its report, whether fixed)."""
        repaired, frame_findings = framed or (text, ())
        report = self.check(text)
        if frame_findings:
            report = replace(report, violations=tuple(sorted(report.violations + frame_findings, key=lambda v: v.start)))
        self.attempts.append(Attempt(number, source, text, report.violations, usage))
        if not report.violations:
            return text, report, False
        fixed = self.fix(repaired)
        if not _usable_fix(text, report, fixed):
            return text, report, False
        self.attempts.append(Attempt(number, "fix", fixed.text, fixed.report.violations))
        if fixed.report.passed or not report.passed:
            return fixed.text, fixed.report, True
        return text, report, False  # the fix broke a passing letter: keep the original


def _usable_fix(text: str, report: Report, fixed: Any) -> bool:
    """A fix is kept only if it changed something, added no error and left a body to read
    (dropping every offending sentence can leave a greeting and a sign-off alone)."""
    if fixed.text == text or len(fixed.report.errors) > len(report.errors):
        return False
    return bool(Letter.from_text(fixed.text).body.strip())


def _loop(run: _Run, max_attempts: int, fallback: bool) -> Generator[Messages, Reply, Outcome]:
    last_text: str | None = None
    last_report: Report | None = None
    error: str | None = None
    plural = "s" if max_attempts != 1 else ""
    reason = f"no model draft passed the checks in {max_attempts} attempt{plural}"
    for number in range(1, max_attempts + 1):
        messages = prompts.letter_messages(
            run.notes,
            run.interviewer,
            run.kind,
            today=run.today,
            last_draft=last_text,
            violations=last_report.violations if last_report else (),
            error=error,
        )
        reply = yield messages
        if isinstance(reply, ModelError):
            run.attempts.append(Attempt(number, "model", "", (), reply.usage, error=str(reply)))
            if isinstance(reply, ModelUnavailable):
                reason = f"the model is unavailable: {reply}"
                break
            error = str(reply)
            continue
        letter, usage = reply
        letter = letter.model_copy(update={"signature": signature_for(run.notes)})
        text = letter.to_text()
        repaired, wrong = frame(letter, run.notes, run.interviewer)
        framed = (repaired.to_text(), _frame_violations(text, letter, wrong))
        text, report, fixed = run.review(number, "model", text, usage, framed)
        if report.passed:
            clean = number == 1 and not fixed
            return run.outcome(text, report, "passed" if clean else "fixed", "model+fix" if fixed else "model")
        last_text, last_report, error = text, report, None
    if not fallback:
        report = last_report or Report(text="", kind=run.kind)
        return run.outcome(None, report, "rejected", "model", notice=reason)
    number = max((a.number for a in run.attempts), default=0) + 1
    return _compose(run, number=number, notice=f"{reason}; used the offline composer instead")


def _compose_letter(notes: InterviewNotes, interviewer: Interviewer, kind: LetterKind, today: date | None) -> Letter:
    from letterguard.compose import compose

    return compose(notes, interviewer, kind, today=today)


def _compose(run: _Run, number: int = 1, notice: str | None = None) -> Outcome:
    """The offline path (also the fallback): compose -> check -> fix -> check."""
    letter = _compose_letter(run.notes, run.interviewer, run.kind, run.today)
    text, report, fixed = run.review(number, "composer", letter.to_text())
    if notice is not None:
        return run.outcome(text, report, "fallback", "fallback", notice=notice)
    return run.outcome(text, report, "fixed" if fixed else "passed", "composer+fix" if fixed else "composer")


# -- drivers --------------------------------------------------------------------------


def _start(notes: InterviewNotes, interviewer: Interviewer, kind: LetterKind | str, today: date | None) -> _Run:
    return _Run(notes=notes, interviewer=interviewer, kind=LetterKind(kind), today=today)


def draft(
    notes: InterviewNotes,
    interviewer: Interviewer,
    kind: LetterKind | str,
    *,
    model: SyncModel | None = None,
    max_attempts: int = 3,
    fallback: bool = True,
    today: date | None = None,
) -> Outcome:
    """One letter to one interviewer, checked; with ``model=None`` the offline composer."""
    run = _start(notes, interviewer, kind, today)
    if model is None:
        return _compose(run)
    loop = _loop(run, max(1, max_attempts), fallback)
    messages = next(loop)
    while True:
        try:
            reply: Reply = model.write(messages)
        except ModelError as exc:
            reply = exc
        try:
            messages = loop.send(reply)
        except StopIteration as done:
            return done.value


async def adraft(
    notes: InterviewNotes,
    interviewer: Interviewer,
    kind: LetterKind | str,
    *,
    model: AsyncModel | None = None,
    max_attempts: int = 3,
    fallback: bool = True,
    today: date | None = None,
) -> Outcome:
    """``draft`` for asyncio: the same loop, awaiting ``model.awrite``."""
    run = _start(notes, interviewer, kind, today)
    if model is None:
        return _compose(run)
    loop = _loop(run, max(1, max_attempts), fallback)
    messages = next(loop)
    while True:
        try:
            reply: Reply = await model.awrite(messages)
        except ModelError as exc:
            reply = exc
        try:
            messages = loop.send(reply)
        except StopIteration as done:
            return done.value


def draft_all(notes: InterviewNotes, kind: LetterKind | str, **options: Any) -> list[Outcome]:
    """One outcome per interviewer, in the notes' order."""
    return [draft(notes, interviewer, kind, **options) for interviewer in notes.interviewers]


async def adraft_all(notes: InterviewNotes, kind: LetterKind | str, **options: Any) -> list[Outcome]:
    """``draft_all`` for asyncio; letters to the panel are drafted concurrently."""
    import asyncio

    return list(await asyncio.gather(*(adraft(notes, i, kind, **options) for i in notes.interviewers)))
