"""Rubric engine (stub while the real one is written: returns empty reports)."""

from __future__ import annotations

from datetime import date
from functools import cache

from letterguard.kinds import LetterKind
from letterguard.rubric.types import FixResult, Report


class Rubric:
    rules: tuple = ()

    def check(self, text: str, notes=None, kind: LetterKind | None = None, today: date | None = None) -> Report:
        return Report(text=text, kind=kind or LetterKind.THANK_YOU)

    def fix(self, text: str, notes=None, kind: LetterKind | None = None, today: date | None = None) -> FixResult:
        return FixResult(text=text, report=self.check(text, notes, kind, today))


@cache
def default_rubric() -> Rubric:
    return Rubric()


def load_rubric(paths=(), select=None, ignore=None) -> Rubric:
    return Rubric()


def check(text, notes=None, kind=None, today=None) -> Report:
    return default_rubric().check(text, notes, kind, today)


def fix(text, notes=None, kind=None, today=None) -> FixResult:
    return default_rubric().fix(text, notes, kind, today)


def guess_kind(text: str) -> LetterKind:
    return LetterKind.THANK_YOU
