"""The Rubric: rules built from rubric files, checking letters and applying safe fixes."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from letterguard.kinds import LetterKind
from letterguard.rubric import detectors
from letterguard.rubric.loader import RubricError, RuleSpec, merge_rule_tables, read_rule_tables, validate_rule
from letterguard.rubric.memo import memo
from letterguard.rubric.text import Document
from letterguard.rubric.types import Example, FixResult, Report, Severity, Violation

if TYPE_CHECKING:
    from letterguard.notes import InterviewNotes, Interviewer


@dataclass(frozen=True)
class Rule:
    """One documented etiquette rule: what it flags, why it matters, what to do instead."""

    spec: RuleSpec
    detectors: tuple[detectors.Detector, ...]

    id = property(lambda self: self.spec.id)
    message = property(lambda self: self.spec.message)
    why = property(lambda self: self.spec.why)
    suggestion = property(lambda self: self.spec.suggestion)
    fixes = property(lambda self: tuple(self.spec.fix))

    @property
    def severity(self) -> Severity:
        return Severity(self.spec.severity)

    @property
    def bad_examples(self) -> tuple[str, ...]:
        return tuple(self.spec.examples.bad)

    @property
    def good_examples(self) -> tuple[str, ...]:
        return tuple(self.spec.examples.good)

    @property
    def examples(self) -> tuple[Example, ...]:
        return tuple(Example(t, True) for t in self.bad_examples) + tuple(Example(t, False) for t in self.good_examples)

    @property
    def kinds(self) -> tuple[LetterKind, ...]:
        return tuple(self.spec.kinds)

    @property
    def needs_notes(self) -> bool:
        return all(d.needs_notes or d.kind in ("recipient", "timing") for d in self.spec.detect)

    def find(self, doc: Document, ctx: detectors.Context) -> list[tuple[int, int]]:
        if self.spec.kinds and ctx.kind not in self.spec.kinds:
            return []
        hits = sorted({hit for detector in self.detectors for hit in detector(doc, ctx)})
        return _drop_nested(hits)


def _drop_nested(hits: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Keep one hit per overlapping run so a phrase is not reported twice."""
    kept: list[tuple[int, int]] = []
    for start, end in hits:
        if kept and start < kept[-1][1]:
            kept[-1] = (kept[-1][0], max(end, kept[-1][1]))
            continue
        kept.append((start, end))
    return kept


def build_rule(spec: RuleSpec) -> Rule:
    return Rule(spec=spec, detectors=tuple(detectors.build(d) for d in spec.detect))


class Rubric:
    """An ordered set of rules; check() and fix() are pure functions of their inputs."""

    def __init__(self, rules: Iterable[Rule]):
        self.rules: tuple[Rule, ...] = tuple(rules)
        self._by_id = {rule.id: rule for rule in self.rules}
        self._last: tuple = (None, None, None, None, None)  # text, notes, kind, today, report

    def rule(self, rule_id: str) -> Rule:
        return self._by_id[rule_id]

    def __contains__(self, rule_id: str) -> bool:
        return rule_id in self._by_id

    def check(
        self,
        text: str,
        notes: InterviewNotes | None = None,
        kind: LetterKind | str | None = None,
        today: date | None = None,
    ) -> Report:
        """Every violation of every rule, in text order.

        The last call is remembered: composer, guard and fixer often re-check the very
        same letter, and a repeat is then free (reports are immutable).
        """
        last_text, last_notes, last_kind, last_today, last_report = self._last
        if text == last_text and notes is last_notes and kind == last_kind and today == last_today:
            return last_report
        doc = Document(text)
        letter_kind = LetterKind(kind) if kind else (notes.kind if notes and notes.kind else _guess_kind(doc.norm))
        ctx = detectors.Context(kind=letter_kind, notes=notes, today=today)
        found = [self._violation(rule, doc, hit) for rule in self.rules for hit in rule.find(doc, ctx)]
        found.sort(key=lambda v: (v.start, v.rule))
        report = Report(text=text, kind=letter_kind, violations=tuple(found))
        self._last = (text, notes, kind, today, report)
        return report

    def fix(
        self,
        text: str,
        notes: InterviewNotes | None = None,
        kind: LetterKind | str | None = None,
        today: date | None = None,
        interviewer: Interviewer | None = None,
    ) -> FixResult:
        """Apply the safe fixes; a fix that would add a new violation is not applied."""
        from letterguard.rubric.fixes import apply_fixes

        return apply_fixes(self, text, notes=notes, kind=kind, today=today, interviewer=interviewer)

    @staticmethod
    def _violation(rule: Rule, doc: Document, hit: tuple[int, int]) -> Violation:
        size = len(doc.original)
        start, end = doc.origin_span(*hit)
        start, end = min(start, size), min(max(end, start), size)
        line, col = doc.line_col(start)
        end_line, end_col = doc.line_col(end)
        return Violation(
            rule=rule.id,
            severity=rule.severity,
            start=start,
            end=end,
            line=line,
            col=col,
            end_line=end_line,
            end_col=end_col,
            text=doc.original[start:end],
            message=rule.message,
            why=rule.why,
            suggestion=rule.suggestion,
        )


def builtin_rubric_files() -> list[Path]:
    from letterguard.resources import data_dir

    return sorted(data_dir("rubrics").glob("*.toml"))


@cache
def default_rubric() -> Rubric:
    """The built-in rubric (rubrics/*.toml), loaded once per process."""
    return load_rubric()


def load_rubric(
    paths: Sequence[Path] = (),
    select: Sequence[str] | None = None,
    ignore: Sequence[str] | None = None,
) -> Rubric:
    """Built-in rules, overridden or extended by ``paths``, filtered by select/ignore."""
    layers = [read_rule_tables(path) for path in [*builtin_rubric_files(), *map(Path, paths)]]
    specs = [validate_rule(table) for table in merge_rule_tables(layers)]
    known = {spec.id for spec in specs}
    for rule_id in [*(select or []), *(ignore or [])]:
        if rule_id not in known:
            raise RubricError(f"unknown rule '{rule_id}' (known: {', '.join(sorted(known))})")
    chosen = [s for s in specs if (not select or s.id in select) and s.id not in (ignore or [])]
    rubric = Rubric(build_rule(spec) for spec in chosen)
    memo().save()  # the next process skips re-parsing these patterns
    return rubric


@dataclass(frozen=True)
class RubricChoice:
    """Which rubric to use, as plain data: extra rubric files and rule filters.

    It pickles (batch worker processes load it themselves) and hashes, so the same
    choice loads once per process; the default choice is the built-in rubric.
    """

    files: tuple[str, ...] = ()
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()

    def load(self) -> Rubric:
        """The rubric this choice names (RubricError for a broken file or unknown id)."""
        if self == RubricChoice():
            return default_rubric()
        return _load_choice(self)

    def fingerprint(self) -> str:
        """Changes when the rules change: the files' contents, not only their names."""
        import hashlib

        digest = hashlib.sha256(repr((self.select, self.ignore)).encode())
        for path in self.files:
            digest.update(Path(path).read_bytes())
        return digest.hexdigest()[:16]


@cache
def _load_choice(choice: RubricChoice) -> Rubric:
    return load_rubric(choice.files, select=choice.select or None, ignore=choice.ignore or None)


def check(text: str, notes: InterviewNotes | None = None, kind=None, today: date | None = None) -> Report:
    return default_rubric().check(text, notes, kind, today)


def fix(text: str, notes: InterviewNotes | None = None, kind=None, today: date | None = None, interviewer=None) -> FixResult:
    return default_rubric().fix(text, notes, kind, today, interviewer)


_REJECTION = re.compile(
    r"\b(not (been )?(selected|successful|moving forward|progress)|decided (to|not)|other candidates?|"
    r"another candidate|unsuccessful|letting me know|informing me|your decision|the news|the outcome|"
    r"feedback on my|not to (proceed|move)|did not get|didn't get|keep me in mind|future (roles|openings|vacancies))\b"
)
_STATUS = re.compile(
    r"\b(status|any (news|update)|an update|follow(ing)? up|checking in|check in|heard back|"
    r"timeline|decision (is|was|has)|still (under|being) consider|where things stand|next steps)\b"
)
_FORMAL = re.compile(r"\b(sincerely|respectfully|yours faithfully|yours truly|dear (mr|ms|mrs|dr|prof)\b)")


def guess_kind(text: str) -> LetterKind:
    """Guess the letter kind from its wording (used for length limits when none is given)."""
    return _guess_kind(Document(text).norm)


def _guess_kind(norm: str) -> LetterKind:
    if _REJECTION.search(norm):
        return LetterKind.AFTER_REJECTION
    if _STATUS.search(norm):
        return LetterKind.STATUS_INQUIRY
    if _FORMAL.search(norm) and len(norm.split()) > 180:
        return LetterKind.FORMAL_THANK_YOU
    return LetterKind.THANK_YOU
