"""Violations and reports: plain data shared by the terminal, JSON and re-ask prompts."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from letterguard.kinds import LetterKind


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Example:
    """A letter fragment a rule must flag (bad) or pass (good); run as a test."""

    text: str
    bad: bool


@dataclass(frozen=True, slots=True)
class Violation:
    """One finding: which rule, where (offsets into the original text), and what to do."""

    rule: str
    severity: Severity
    start: int
    end: int
    line: int
    col: int
    end_line: int
    end_col: int
    text: str
    message: str
    why: str
    suggestion: str | None = None

    def to_dict(self) -> dict:
        return {
            "rule": self.rule,
            "severity": self.severity.value,
            "line": self.line,
            "col": self.col,
            "end_line": self.end_line,
            "end_col": self.end_col,
            "text": self.text,
            "message": self.message,
            "suggestion": self.suggestion,
        }


@dataclass(frozen=True, slots=True)
class Report:
    """The rubric's verdict on one letter."""

    text: str
    kind: LetterKind
    violations: tuple[Violation, ...] = ()

    @property
    def errors(self) -> tuple[Violation, ...]:
        return tuple(v for v in self.violations if v.severity is Severity.ERROR)

    @property
    def warnings(self) -> tuple[Violation, ...]:
        return tuple(v for v in self.violations if v.severity is Severity.WARNING)

    @property
    def passed(self) -> bool:
        """True when no error-level rule is broken (warnings do not block a letter)."""
        return not self.errors

    def rules_broken(self) -> set[str]:
        return {v.rule for v in self.violations}


@dataclass(frozen=True, slots=True)
class FixResult:
    """A rewritten letter, what was changed, and the re-check of the result."""

    text: str
    report: Report
    applied: tuple[str, ...] = field(default=())

    @property
    def changed(self) -> bool:
        return bool(self.applied)
