"""Chat messages for the model, rendered from the Jinja2 templates in ``prompts/``.

The rules section of the system prompt is rendered from the rubric itself (message, why,
one bad and one good example per rule), so what the model is told and what the checker
enforces never drift apart. Notes travel as JSON inside ``<notes> ... </notes>``; every
``<`` in that JSON is escaped (``\\u003c``, still valid JSON) so text in the notes can
never close the block and pose as instructions.

StrictUndefined: a template that names a missing variable fails loudly instead of
silently sending the model an empty slot.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date
from functools import cache, lru_cache
from typing import Any

from letterguard.kinds import LetterKind
from letterguard.letter import Letter
from letterguard.notes import InterviewNotes, Interviewer
from letterguard.resources import data_dir

__all__ = [
    "WORD_LIMITS",
    "extract_messages",
    "greeting_for",
    "letter_messages",
    "notes_json",
    "reask_text",
    "request_text",
    "rules_context",
    "system_prompt",
]

# Body word limits per kind (shared etiquette rules, rule `length`).
WORD_LIMITS: dict[LetterKind, int] = {
    LetterKind.THANK_YOU: 200,
    LetterKind.FORMAL_THANK_YOU: 300,
    LetterKind.STATUS_INQUIRY: 150,
    LetterKind.AFTER_REJECTION: 150,
}

Message = dict[str, str]


@cache
def _env() -> Any:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    return Environment(
        loader=FileSystemLoader(str(data_dir("prompts"))),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        autoescape=False,
        auto_reload=False,  # templates ship with the package; no stat() per prompt
    )


def _render(name: str, **context: Any) -> str:
    return _env().get_template(name).render(**context).strip() + "\n"


def _safe_json(data: Any) -> str:
    """JSON that cannot contain a closing tag: '<' becomes its JSON escape."""
    return json.dumps(data, ensure_ascii=False, indent=2, default=str).replace("<", "\\u003c")


def _example_text(examples: Iterable[Any]) -> str | None:
    """The first example as one line: greeting and body, without the sign-off and the
    made-up signature a small model would copy verbatim."""
    for example in examples or ():
        text = getattr(example, "text", example)
        if not isinstance(text, str) or not text.strip():
            continue
        if "\n\n" in text.strip():
            parts = Letter.from_text(text)
            text = f"{parts.greeting} {parts.body}" if parts.body else text
        return " ".join(text.split())
    return None


def rules_context(rubric: Any = None) -> list[dict[str, str | None]]:
    """The rubric's rules as plain dicts for the system prompt (one bad, one good example)."""
    if rubric is None:
        from letterguard.rubric import default_rubric

        rubric = default_rubric()
    return [dict(rule) for rule in _rules_of(rubric)]


@lru_cache(maxsize=16)  # every request of a batch renders the same rules: build them once
def _rules_of(rubric: Any) -> tuple[dict[str, str | None], ...]:
    return tuple(
        {
            "id": rule.id,
            "severity": str(getattr(rule.severity, "value", rule.severity)),
            "message": rule.message,
            "why": rule.why,
            "bad": _example_text(rule.bad_examples),
            "good": _example_text(rule.good_examples),
        }
        for rule in rubric.rules
    )


def _compact(data: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if value not in ([], "", None)}


def greeting_for(interviewer: Interviewer, tone: str = "formal") -> str:
    """The greeting a letter to this interviewer opens with."""
    return f"{'Hi' if tone == 'warm' else 'Dear'} {interviewer.salutation_name},"


def notes_json(notes: InterviewNotes, interviewer: Interviewer) -> str:
    """The notes as the JSON the model sees, with this letter's reader singled out."""
    data = _compact(notes.model_dump(mode="json", exclude_none=True, exclude={"kind"}))
    data["interviewer"] = _compact(interviewer.model_dump(mode="json", exclude_none=True))
    others = [i.name for i in notes.interviewers if i != interviewer]
    data.pop("interviewers", None)
    if others:
        data["other_interviewers"] = others
    return _safe_json(data)


def system_prompt(kind: LetterKind, interviewer: Interviewer, rubric: Any = None, tone: str = "formal") -> str:
    guide = _env().get_template("kinds.j2").module.guide(kind.value)  # type: ignore[attr-defined]
    return _render(
        "system.j2",
        kind_guide=str(guide).strip(),
        word_limit=WORD_LIMITS[kind],
        interviewer=interviewer,
        greeting=greeting_for(interviewer, tone),
        rules=rules_context(rubric),
    )


def request_text(
    notes: InterviewNotes, interviewer: Interviewer, kind: LetterKind, today: date | None = None
) -> str:
    return _render(
        "request.j2",
        kind_label=kind.label,
        notes=notes,
        interviewer=interviewer,
        today=today.isoformat() if today else None,
        notes_json=notes_json(notes, interviewer),
    )


def reask_text(draft: str | None = None, violations: Sequence[Any] = (), error: str | None = None) -> str:
    """The follow-up turn: the exact violations (rule, quoted span, why, suggestion), or the
    reason the last answer was unusable."""
    items = [
        {
            "rule": v.rule,
            "severity": str(getattr(v.severity, "value", v.severity)),
            "text": " ".join(v.text.split()),
            "message": v.message,
            "why": v.why,
            "suggestion": v.suggestion,
        }
        for v in violations
    ]
    return _render("reask.j2", draft=(draft or "").strip(), violations=items, error=error)


def letter_messages(
    notes: InterviewNotes,
    interviewer: Interviewer,
    kind: LetterKind,
    *,
    today: date | None = None,
    last_draft: str | None = None,
    violations: Sequence[Any] = (),
    error: str | None = None,
    rubric: Any = None,
) -> list[Message]:
    """Messages for one attempt, rebuilt from scratch each time (never accumulated):
    the original request, then (on a re-ask) the last draft and what was wrong with it."""
    messages: list[Message] = [
        {"role": "system", "content": system_prompt(kind, interviewer, rubric, notes.tone)},
        {"role": "user", "content": request_text(notes, interviewer, kind, today)},
    ]
    if error:
        messages.append({"role": "user", "content": reask_text(error=error)})
    elif last_draft is not None and violations:
        messages.append({"role": "user", "content": reask_text(last_draft, violations)})
    return messages


def extract_messages(text: str) -> list[Message]:
    """Messages asking the model to turn free-form notes into InterviewNotes."""
    return [
        {"role": "system", "content": _render("extract.j2")},
        {"role": "user", "content": _render("extract_request.j2", text_json=_safe_json(text))},
    ]
