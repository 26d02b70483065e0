"""Drafted letters as text, JSON or RFC 5322 e-mail, plus the attempt history.

Pure functions: they return strings and the CLI prints or writes them.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Sequence
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP, default
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from letterguard.guard import Outcome
    from letterguard.notes import InterviewNotes

__all__ = ["EXTENSIONS", "explain", "file_names", "to_eml", "to_json", "to_json_data", "to_text", "render", "SEPARATOR"]

EXTENSIONS = {"text": "txt", "json": "json", "eml": "eml"}
SEPARATOR = "\n" + "-" * 72 + "\n\n"


def to_text(outcome: "Outcome") -> str:
    """The letter as the user reads it, with its Subject: line."""
    return outcome.text or ""


def to_json_data(outcome: "Outcome") -> dict[str, Any]:
    from letterguard.guard import report_dict

    letter = outcome.letter
    person = outcome.interviewer
    return {
        "to": {"name": person.name, "email": person.email},
        "kind": outcome.kind.value,
        "status": outcome.status,
        "source": outcome.source,
        "subject": letter.subject if letter else None,
        "greeting": letter.greeting if letter else None,
        "body": letter.body if letter else None,
        "closing": letter.closing if letter else None,
        "signature": letter.signature if letter else None,
        "notice": outcome.notice,
        "report": report_dict(outcome.report),
    }


def to_json(outcomes: "Outcome | Sequence[Outcome]") -> str:
    """One object for one letter, a list for several."""
    if isinstance(outcomes, Sequence):
        data: Any = [to_json_data(o) for o in outcomes]
        if len(data) == 1:
            data = data[0]
    else:
        data = to_json_data(outcomes)
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _address(name: str, email: str | None) -> Address | str:
    if not email or "@" not in email:
        return name
    user, domain = email.rsplit("@", 1)
    return Address(display_name=name, username=user, domain=domain)


def to_eml(outcome: "Outcome", notes: "InterviewNotes") -> str:
    """An RFC 5322 message: To the interviewer, From the candidate, the letter as body."""
    letter = outcome.letter
    if letter is None:
        return ""
    message = EmailMessage(policy=default)
    message["From"] = _address(notes.candidate.name, notes.candidate.email)
    message["To"] = _address(outcome.interviewer.name, outcome.interviewer.email)
    message["Subject"] = letter.subject
    tail = "\n".join(part for part in (letter.closing.strip(), letter.signature.strip()) if part)
    body = "\n\n".join(part for part in (letter.greeting.strip(), letter.body.strip(), tail) if part) + "\n"
    long_lines = any(len(line) > 990 for line in body.splitlines())
    message.set_content(body, cte="quoted-printable" if long_lines else "8bit")
    return message.as_string(policy=SMTP.clone(linesep="\n"))


def render(outcomes: Sequence["Outcome"], fmt: str, notes: "InterviewNotes") -> str:
    """All letters for stdout: text and eml separated by a rule, JSON as one document."""
    if fmt == "json":
        return to_json(outcomes)
    one = (lambda o: to_eml(o, notes)) if fmt == "eml" else to_text
    return SEPARATOR.join(one(o) for o in outcomes if o.letter is not None)


def render_one(outcome: "Outcome", fmt: str, notes: "InterviewNotes") -> str:
    if fmt == "json":
        return to_json(outcome)
    return to_eml(outcome, notes) if fmt == "eml" else to_text(outcome)


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "interviewer"


def file_names(outcomes: Sequence["Outcome"], fmt: str) -> list[str]:
    """Stable, readable, unique names: ``<interviewer>-<kind>.<ext>``."""
    ext = EXTENSIONS[fmt]
    names: list[str] = []
    for outcome in outcomes:
        stem = f"{_slug(outcome.interviewer.name)}-{outcome.kind.value.replace('_', '-')}"
        name, n = f"{stem}.{ext}", 2
        while name in names:
            name, n = f"{stem}-{n}.{ext}", n + 1
        names.append(name)
    return names


def explain(outcome: "Outcome") -> str:
    """The attempt history: what each step produced and what the rubric said."""
    lines = [
        f"{outcome.interviewer.name} ({outcome.kind.label}): {outcome.status} via {outcome.source}"
        + (f", {outcome.usage.total_tokens} tokens" if outcome.usage.total_tokens else "")
    ]
    for attempt in outcome.attempts:
        head = f"  attempt {attempt.number} [{attempt.source}]"
        if attempt.error:
            lines.append(f"{head}: failed: {attempt.error}")
            continue
        if not attempt.violations:
            lines.append(f"{head}: clean")
            continue
        lines.append(f"{head}: {len(attempt.violations)} finding{'s' * (len(attempt.violations) != 1)}")
        for v in attempt.violations:
            quote = " ".join(v.text.split())
            quote = f' "{quote[:60]}"' if quote else ""
            lines.append(f"    {v.line}:{v.col} {v.severity.value} {v.rule}{quote}: {v.message}")
    if outcome.notice:
        lines.append(f"  notice: {outcome.notice}")
    return "\n".join(lines) + "\n"
