"""Safe fixes (stub)."""
from letterguard.rubric.types import FixResult

def apply_fixes(rubric, text, notes=None, kind=None, today=None, interviewer=None):
    return FixResult(text=text, report=rubric.check(text, notes, kind, today))
