"""The rubric: etiquette rules loaded from rubrics/*.toml, checks and safe fixes.

Pure and deterministic: no network, no model, no jinja2. Public API::

    from letterguard.rubric import check, fix, default_rubric, load_rubric
    report = check(text, notes=None, kind=None)       # -> Report
    result = fix(text, notes=None, kind=None)         # -> FixResult (re-checked)
    rubric = load_rubric([Path("mine.toml")], select=None, ignore=["length"])
    for rule in rubric.rules: rule.id, rule.severity, rule.message, rule.why,
                              rule.suggestion, rule.bad_examples, rule.good_examples
"""

from __future__ import annotations

from letterguard.rubric.engine import Rubric, RubricChoice, check, default_rubric, fix, guess_kind, load_rubric
from letterguard.rubric.loader import RubricError
from letterguard.rubric.types import Example, FixResult, Report, Severity, Violation

__all__ = [
    "Example",
    "FixResult",
    "Report",
    "Rubric",
    "RubricChoice",
    "RubricError",
    "Severity",
    "Violation",
    "check",
    "default_rubric",
    "fix",
    "guess_kind",
    "load_rubric",
]
