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

import itertools
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
from letterguard.rubric import Report, Rubric, Severity, Violation, default_rubric

__all__ = [
    "Attempt",
    "Outcome",
    "Usage",
    "adraft",
    "adraft_all",
    "draft",
    "draft_all",
    "frame_findings",
    "repair_frame",
    "signature_for",
    "warm_up",
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
JUNK_WORDS = 3  # misplaced text this short is junk ("Grace Mwangi", "{"), not content to keep


_SALUTATION_HEAD = re.compile(r"((?:dear|hi|hello|good (?:morning|afternoon|evening))\b[^,:\n!?]{0,40}[,:])\s*(.*)", re.IGNORECASE | re.DOTALL)
_AFTER_COMMA = re.compile(r"[,:]\s*\S")
_TEMPLATE_MARK = re.compile(r"[\[\]{}<>]")


def _is_greeting(line: str) -> bool:
    """"Dear Ms. Lee," or "Hi Priya": a salutation and a name, nothing after the comma."""
    return "\n" not in line and len(line.split()) <= 8 and bool(_SALUTATION.match(line)) and not _AFTER_COMMA.search(line)


def _is_sign_off(line: str) -> bool:
    return "\n" not in line and len(line.split()) <= 4 and (line.endswith(",") or bool(_SIGN_OFF.match(line)))


def frame_findings(text: str) -> tuple[Violation, ...]:
    """letter_frame errors: the line after the subject must greet the reader, and the
    line before the signature must be a short sign-off. The rubric reads these lines as
    text; only the guard knows a model may have put whole sentences there."""
    letter = Letter.from_text(text)
    wrong = [
        part
        for part, ok in (("greeting", _is_greeting(letter.greeting)), ("closing", _is_sign_off(letter.closing)))
        if not ok
    ]
    return _frame_violations(text, letter, wrong)


def repair_frame(text: str, notes: InterviewNotes, interviewer: Interviewer) -> str:
    """The deterministic frame fix, as an editor would do it: sentences the model put in
    the greeting move to the start of the body, sentences in the closing to its end (the
    rubric then checks them where they belong); junk of a few words ("Grace Mwangi", "{",
    "[Your Name]") gives way to the greeting the notes call for and "Kind regards,"."""
    signature = signature_for(notes)
    core = text.rstrip("\n")
    if signature and core.endswith(signature):
        core = core[: -len(signature)].rstrip("\n")
    letter = Letter.from_text(core)
    greeting, lead = _repair_greeting(letter.greeting.strip(), prompts.greeting_for(interviewer, notes.tone))
    closing, tail = _repair_closing(f"{letter.closing}\n{letter.signature}".strip())
    if not lead and not tail and (greeting, closing) == (letter.greeting.strip(), letter.closing.strip()):
        return text
    body = "\n\n".join(part for part in (*lead, letter.body.strip(), *tail) if part)
    repaired = Letter(subject=letter.subject, greeting=greeting, body=body, closing=closing, signature=signature)
    return repaired.to_text()


def _is_content(text: str) -> bool:
    return len(text.split()) > JUNK_WORDS


def _repair_greeting(greeting: str, expected: str) -> tuple[str, list[str]]:
    """(greeting to use, paragraphs to put before the body)."""
    if _is_greeting(greeting) and not _TEMPLATE_MARK.search(greeting):
        return greeting, []
    head = _SALUTATION_HEAD.match(greeting)
    if head and _is_greeting(head.group(1)) and not _TEMPLATE_MARK.search(head.group(1)):
        return head.group(1), [head.group(2).strip()] if head.group(2).strip() else []
    rest = head.group(2).strip() if head else greeting
    return expected, [rest] if _is_content(rest) else []


def _repair_closing(closing: str) -> tuple[str, list[str]]:
    """(sign-off to use, paragraphs to put after the body). Lines under the sign-off are
    the model's attempt at a signature: the one from the notes replaces them."""
    lines = [line.strip() for line in closing.splitlines() if line.strip()]
    index = next((i for i, line in enumerate(lines) if _is_sign_off(line)), None)
    before = lines if index is None else lines[:index]
    tail = [line for line in before if _is_content(line)]
    return (DEFAULT_SIGN_OFF if index is None else lines[index]), tail


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
        what = "greeting line that greets the reader by name" if part == "greeting" else "short sign-off line"
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
                why="A letter opens with a greeting to the reader and ends with a short sign-off; sentences belong in the body.",
                suggestion='Put only "Dear <name>," in greeting, only "Kind regards," in closing, and every sentence in body.',
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
    rubric: Rubric
    attempts: list[Attempt] = field(default_factory=list)

    @property
    def usage(self) -> Usage:
        total = Usage()
        for attempt in self.attempts:
            total = total + attempt.usage
        return total

    def check(self, text: str) -> Report:
        """The rubric's report plus the guard's own letter_frame findings."""
        report = self.rubric.check(text, notes=self.notes, kind=self.kind, today=self.today)
        extra = frame_findings(text)
        if not extra:
            return report
        return replace(report, violations=tuple(sorted(report.violations + extra, key=lambda v: v.start)))

    def fix(self, text: str) -> Any:
        repaired = repair_frame(text, self.notes, self.interviewer)
        fixed = self.rubric.fix(repaired, notes=self.notes, kind=self.kind, today=self.today, interviewer=self.interviewer)
        return replace(fixed, report=self.check(fixed.text))

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

    def review(self, number: int, source: str, text: str, usage: Usage = Usage()) -> tuple[str, Report, bool]:
        """check -> fix -> check. Returns (best text, its report, whether the fix made it)."""
        report = self.check(text)
        self.attempts.append(Attempt(number, source, text, report.violations, usage))
        if not report.violations:
            return text, report, False
        fixed = self.fix(text)
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
            rubric=run.rubric,
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
        text, report, fixed = run.review(number, "model", letter.to_text(), usage)
        if report.passed:
            clean = number == 1 and not fixed
            return run.outcome(text, report, "passed" if clean else "fixed", "model+fix" if fixed else "model")
        last_text, last_report, error = text, report, None
    if not fallback:
        report = last_report or Report(text="", kind=run.kind)
        return run.outcome(None, report, "rejected", "model", notice=reason)
    number = max((a.number for a in run.attempts), default=0) + 1
    return _compose(run, number=number, notice=f"{reason}; used the offline composer instead")


def _compose_letter(
    notes: InterviewNotes, interviewer: Interviewer, kind: LetterKind, today: date | None, rubric: Rubric | None = None
) -> Letter:
    from letterguard.compose import compose

    return compose(notes, interviewer, kind, today=today, rubric=rubric)


def _compose(run: _Run, number: int = 1, notice: str | None = None) -> Outcome:
    """The offline path (also the fallback): compose -> check -> fix -> check."""
    letter = _compose_letter(run.notes, run.interviewer, run.kind, run.today, run.rubric)
    text, report, fixed = run.review(number, "composer", letter.to_text())
    if notice is not None:
        return run.outcome(text, report, "fallback", "fallback", notice=notice)
    return run.outcome(text, report, "fixed" if fixed else "passed", "composer+fix" if fixed else "composer")


# -- drivers --------------------------------------------------------------------------


def _start(notes: InterviewNotes, interviewer: Interviewer, kind: LetterKind | str, today: date | None, rubric: Rubric | None) -> _Run:
    return _Run(notes=notes, interviewer=interviewer, kind=LetterKind(kind), today=today, rubric=rubric if rubric is not None else default_rubric())


def draft(
    notes: InterviewNotes,
    interviewer: Interviewer,
    kind: LetterKind | str,
    *,
    model: SyncModel | None = None,
    max_attempts: int = 3,
    fallback: bool = True,
    today: date | None = None,
    rubric: Rubric | None = None,
) -> Outcome:
    """One letter to one interviewer, checked; with ``model=None`` the offline composer."""
    run = _start(notes, interviewer, kind, today, rubric)
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
    rubric: Rubric | None = None,
) -> Outcome:
    """``draft`` for asyncio: the same loop, awaiting ``model.awrite``."""
    run = _start(notes, interviewer, kind, today, rubric)
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


def warm_up(rubric: Rubric | None = None, *, prompts_too: bool = False) -> None:
    """Draft throwaway letters of every kind offline (and render their model prompts),
    so the templates, the rubric and its patterns are compiled before a batch starts its
    clock rather than inside its first letters (about 0.2 s of CPU per process)."""
    for tone, kind in itertools.product(("formal", "warm"), LetterKind):  # enough letters to build the matcher's index
        notes = InterviewNotes.model_validate({
            "candidate": {"name": "Sam Taylor"}, "company": "Example Ltd", "position": "Analyst", "tone": tone,
            "interview_date": "2026-01-05", "decision_date": "2026-01-12",
            "interviewers": [{"name": "Alex Morgan", "topics": ["the reporting pipeline"]}],
            "materials_promised": ["references"], "open_question": "how the team plans its quarter",
        })
        try:
            run = _start(notes, notes.interviewers[0], kind, date(2026, 1, 20), rubric)
            _compose(run)
            if prompts_too:
                prompts.letter_messages(notes, notes.interviewers[0], kind, today=run.today, rubric=run.rubric)
        except Exception:  # noqa: BLE001 - warming up is an optimisation; the real letters report errors
            pass
