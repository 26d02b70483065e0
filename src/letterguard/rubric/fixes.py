"""Deterministic fixes: rewrite only what can be rewritten without guessing meaning.

Each fixer takes the text and one violation and returns new text (or None). The driver
re-checks after every edit and keeps an edit only if no rule gets more violations than
before, so a fix never introduces a new problem.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from letterguard.rubric.detectors import _EMOJI
from letterguard.rubric.text import Document
from letterguard.rubric.types import FixResult, Report, Violation

if TYPE_CHECKING:
    from letterguard.notes import InterviewNotes, Interviewer
    from letterguard.rubric.engine import Rubric

NEUTRAL_CLOSING = "I look forward to hearing from you."
_NEUTRAL_SIGNOFF = "Kind regards,"
_CLOSING_WORDS = re.compile(r"look(?:ing)? forward|excited to|can't wait|cannot wait|see you|hope to", re.I)
_THANKS_LEAD = re.compile(r"^(?:thanks|thank you)(?: again| once more| so much)?,? and ", re.I)
_SLOT = re.compile(r"[\[{<]+\s*([^\]}>]*?)\s*[\]}>]+")


@dataclass(frozen=True)
class FixContext:
    notes: InterviewNotes | None
    interviewer: Interviewer | None


Fixer = Callable[[str, Violation, FixContext], "str | None"]


def _sentence(text: str, offset: int) -> tuple[int, int]:
    """Original-text span of the sentence holding ``offset``."""
    doc = Document(text)
    norm_index = _to_norm(doc, offset)
    start, end = doc.sentence_at(norm_index)
    return doc.origin_span(start, end)


def _to_norm(doc: Document, offset: int) -> int:
    if doc._origin is None:
        return offset
    import bisect

    return min(bisect.bisect_left(doc._origin, offset), max(len(doc.norm) - 1, 0))


def _replace(text: str, start: int, end: int, new: str) -> str:
    return text[:start] + new + text[end:]


def _drop(text: str, start: int, end: int) -> str:
    """Remove a span and the space before it, then tidy an emptied paragraph."""
    while start > 0 and text[start - 1] in " \t":
        start -= 1
    result = text[:start] + text[end:].lstrip(" \t") if start == 0 or text[start - 1] == "\n" else text[:start] + text[end:]
    return re.sub(r"\n{3,}", "\n\n", result)


def _capitalise(sentence: str) -> str:
    return sentence[:1].upper() + sentence[1:]


def drop_sentence(text: str, violation: Violation, ctx: FixContext) -> str | None:
    """Drop the whole sentence the violation sits in, if the letter keeps a body."""
    start, end = _sentence(text, violation.start)
    if Document(text).original[start:end].strip() == text.strip():
        return None
    return _drop(text, start, end)


def drop_surplus_thanks(text: str, violation: Violation, ctx: FixContext) -> str | None:
    """Turn a thanking sign-off into a plain one, else trim or drop the surplus sentence."""
    doc = Document(text)
    if doc.signoff:
        s_start, s_end = doc.origin_span(doc.signoff.start, doc.signoff.end)
        if s_start <= violation.start < s_end or re.search(r"\bthank|grateful|gratitude|appreciat", doc.norm[doc.signoff.start : doc.signoff.end]):
            return _replace(text, s_start, s_end, _NEUTRAL_SIGNOFF)
    start, end = _sentence(text, violation.start)
    sentence = text[start:end]
    lead = _THANKS_LEAD.match(sentence)
    if lead:
        return _replace(text, start, end, _capitalise(sentence[lead.end() :]))
    return _drop(text, start, end)


def neutral_closing(text: str, violation: Violation, ctx: FixContext) -> str | None:
    """Replace a presumptuous closing sentence with 'I look forward to hearing from you.'"""
    start, end = _sentence(text, violation.start)
    if not _CLOSING_WORDS.search(text[start:end]):
        return None
    if NEUTRAL_CLOSING.lower() in text.lower():
        return _drop(text, start, end)
    return _replace(text, start, end, NEUTRAL_CLOSING)


def calm_punctuation(text: str, violation: Violation, ctx: FixContext) -> str | None:
    """'!!' and '?!' runs become one mark; all exclamation marks become full stops."""
    calmer = re.sub(r"[!?]*\?[!?]*", "?", text)
    calmer = re.sub(r"!+", ".", calmer)
    calmer = re.sub(r"\.(?=\.)", "", calmer) if "!" in text else calmer
    return calmer if calmer != text else None


def remove_emoji(text: str, violation: Violation, ctx: FixContext) -> str | None:
    cleaned = _EMOJI.sub("", text)
    cleaned = re.sub(r"[ \t]+\n", "\n", re.sub(r"[ \t]{2,}", " ", cleaned))
    return cleaned if cleaned != text else None


def lower_shouting(text: str, violation: Violation, ctx: FixContext) -> str | None:
    word = text[violation.start : violation.end]
    if not word.isupper():
        return None
    at_start = violation.start == 0 or re.search(r"(^|[.!?]\s+|\n)$", text[: violation.start]) is not None
    new = word.lower()
    if at_start or new == "i":
        new = _capitalise(new)
    return _replace(text, violation.start, violation.end, new)


def _reader(ctx: FixContext) -> Interviewer | None:
    if ctx.interviewer is not None:
        return ctx.interviewer
    if ctx.notes is not None and len(ctx.notes.interviewers) == 1:
        return ctx.notes.interviewers[0]
    return None


def fill_greeting(text: str, violation: Violation, ctx: FixContext) -> str | None:
    """Greet the interviewer from the notes instead of nobody (or the wrong person)."""
    reader = _reader(ctx)
    doc = Document(text)
    if reader is None or doc.greeting is None:
        return None
    start, end = doc.origin_span(doc.greeting.start, doc.greeting.end)
    if not (start <= violation.start < max(end, start + 1)):
        return None
    opener = "Hi" if ctx.notes is not None and ctx.notes.tone == "warm" else "Dear"
    return _replace(text, start, end, f"{opener} {reader.salutation_name},")


def fill_placeholders(text: str, violation: Violation, ctx: FixContext) -> str | None:
    """Fill [Company], {position}, <Interviewer Name>... from the notes; drop lorem ipsum."""
    span = text[violation.start : violation.end]
    if re.search(r"lorem|dolor", span, re.I):
        return _drop_paragraph(text, violation.start)
    if ctx.notes is None:
        return None
    slot = _SLOT.fullmatch(span.strip())
    value = _slot_value((slot.group(1) if slot else span).lower(), ctx)
    return _replace(text, violation.start, violation.end, value) if value else None


def _slot_value(slot: str, ctx: FixContext) -> str | None:
    notes, reader = ctx.notes, _reader(ctx)
    slot = re.sub(r"[_\s.]+", " ", slot).strip()
    if re.search(r"\b(your|my|candidate|sender|applicant)\b", slot):
        return notes.candidate.name if "name" in slot or slot in {"your", "me"} else None
    if re.search(r"\b(interviewer|recipient|manager|contact|name|first name|last name)\b", slot):
        return reader.salutation_name if reader else None
    if re.search(r"\b(company|organi[sz]ation|employer|firm|school|hospital|business|store|agency)\b", slot):
        return notes.company
    if re.search(r"\b(position|role|job|title|post|vacancy)\b", slot):
        return notes.position
    if re.search(r"\bdate\b", slot) and notes.interview_date:
        return f"{notes.interview_date:%-d %B %Y}"
    return None


def _drop_paragraph(text: str, offset: int) -> str:
    start = text.rfind("\n\n", 0, offset)
    end = text.find("\n\n", offset)
    start = 0 if start < 0 else start
    end = len(text) if end < 0 else end
    return re.sub(r"\n{3,}", "\n\n", text[:start] + text[end:]).lstrip("\n")


FIXERS: dict[str, Fixer] = {
    "drop_sentence": drop_sentence,
    "drop_surplus_thanks": drop_surplus_thanks,
    "neutral_closing": neutral_closing,
    "calm_punctuation": calm_punctuation,
    "remove_emoji": remove_emoji,
    "lower_shouting": lower_shouting,
    "fill_greeting": fill_greeting,
    "fill_placeholders": fill_placeholders,
}


def _no_worse(before: Report, after: Report) -> bool:
    """True when no rule has more violations than before and the total went down."""
    old, new = Counter(v.rule for v in before.violations), Counter(v.rule for v in after.violations)
    return all(new[rule] <= old[rule] for rule in new) and sum(new.values()) < sum(old.values())


def apply_fixes(
    rubric: Rubric,
    text: str,
    notes: InterviewNotes | None = None,
    kind=None,
    today: date | None = None,
    interviewer: Interviewer | None = None,
) -> FixResult:
    """Fix one violation at a time, re-checking after each edit; stop when nothing helps."""
    ctx = FixContext(notes=notes, interviewer=interviewer)
    report = rubric.check(text, notes, kind, today)
    kind = report.kind
    applied: list[str] = []
    for _ in range(40):
        step = _first_helpful_fix(rubric, text, report, ctx, notes, kind, today)
        if step is None:
            break
        text, report, name = step
        applied.append(name)
    return FixResult(text=text, report=report, applied=tuple(applied))


def _first_helpful_fix(rubric, text, report, ctx, notes, kind, today):
    for violation in report.violations:
        for name in rubric.rule(violation.rule).fixes:
            candidate = FIXERS[name](text, violation, ctx)
            if candidate is None or candidate == text:
                continue
            after = rubric.check(candidate, notes, kind, today)
            if _no_worse(report, after):
                return candidate, after, f"{violation.rule}:{name}"
    return None
