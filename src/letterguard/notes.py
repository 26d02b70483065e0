"""InterviewNotes: everything the candidate remembers about one interview, and its parsers.

The model is the contract between the note parsers, the composer, the prompts and the
rubric's notes-aware rules. Unknown keys are rejected so a typo never silently drops data.

Notes arrive as YAML, JSON, TOML (the model's field names) or as the text people paste
from their own notes. Every route ends in :func:`notes_from_mapping`, so aliases, date
formats and error messages are the same whatever the format. Every failure is a
:class:`NotesError` whose message is one line a user can act on.

The pasted text format (``examples/notes.txt``)::

    Candidate: Daniel Okafor            # also "Me:" / "My name:"
    Email: daniel.okafor@example.com    # the candidate's; also "Phone:"
    Company: Northwind Payments         # also "Employer:"
    Position: Backend Engineer          # also "Role:" / "Job:"
    Date: 12 May 2026                   # also "Interview date:"; ISO, "May 12, 2026", "2026/05/12"
    Interviewers:                       # or repeated "Interviewer: Name (Title)" lines
    - Priya Raman (Engineering Manager)
    - Marcus Lee, Staff Engineer
    Address as: Marcus                  # greeting name for the interviewer just above
    Topics:
    - Priya: splitting billing out of the monolith   # "Name:" gives a topic to that interviewer
    - on-call rotation across time zones             # no name: the whole panel discussed it
    Moments:                            # same "Name:" rule as Topics
    Promised: a code sample             # also "Materials:"; a list or one line
    Question: how on-call is shared     # the question you left open
    Decision by: 22 May 2026            # also "Next contact:"
    Outcome: pending                    # pending | rejected | offer
    Tone: warm                          # formal | warm
    Channel: email                      # email | paper
    Kind: formal thank you              # optional: force the letter kind

Keys are case-insensitive; Markdown headings (``## Topics``) and ``**bold**`` keys work;
lines starting with ``#`` are comments. List sections take ``-``, ``*``, ``•`` or numbered
items; an indented line continues the item above it.
"""

from __future__ import annotations

import difflib
import json
import re
import tomllib
from collections.abc import Mapping
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from letterguard.kinds import LetterKind
from letterguard.textfile import TextFileError, read_text

__all__ = [
    "ESSENTIAL_PROMPTS",
    "Candidate",
    "FreeFormNotes",
    "InterviewNotes",
    "Interviewer",
    "LetterKind",
    "NotesError",
    "essential_gaps",
    "fill_gap",
    "load_notes",
    "notes_from_mapping",
    "parse_date",
    "parse_notes",
    "parse_notes_data",
    "read_notes_data",
]
class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class Candidate(_Strict):
    """The person writing the letter; fills the signature block."""

    name: str = Field(min_length=1)
    email: str | None = None
    phone: str | None = None


class Interviewer(_Strict):
    """One reader of a letter. Several interviewers get one letter each."""

    name: str = Field(min_length=1)
    title: str | None = None
    email: str | None = None
    address_as: str | None = Field(
        default=None,
        description='How to greet them, e.g. "Ms. Lee" or "Priya"; defaults to the full name.',
    )
    topics: list[str] = Field(default_factory=list, description="What this person discussed.")
    moments: list[str] = Field(default_factory=list, description="Specific moments worth recalling.")

    @property
    def salutation_name(self) -> str:
        return self.address_as or self.name


class InterviewNotes(_Strict):
    """Notes on one interview, from a file or pasted text."""

    candidate: Candidate
    company: str = Field(min_length=1)
    position: str = Field(min_length=1)
    interview_date: date | None = None
    interviewers: list[Interviewer] = Field(min_length=1)
    topics: list[str] = Field(default_factory=list, description="Topics discussed by the whole panel.")
    moments: list[str] = Field(default_factory=list, description="Moments worth referring to.")
    materials_promised: list[str] = Field(default_factory=list)
    open_question: str | None = None
    decision_date: date | None = Field(default=None, description="When they said they would decide or call.")
    outcome: Literal["pending", "rejected", "offer"] = "pending"
    channel: Literal["email", "paper"] = "email"
    tone: Literal["formal", "warm"] = "formal"
    kind: LetterKind | None = Field(default=None, description="Force a letter kind; guessed when absent.")

    @field_validator("topics", "moments", "materials_promised")
    @classmethod
    def _drop_blank(cls, items: list[str]) -> list[str]:
        return [item for item in items if item]


class NotesError(ValueError):
    """Notes that cannot be used; the message is one line naming the source and the fix."""


class FreeFormNotes(NotesError):
    """Pasted prose rather than 'Key: value' notes: only a model can read it."""


FORMATS = ("yaml", "json", "toml", "text")
_EXTENSIONS = {".yaml": "yaml", ".yml": "yaml", ".json": "json", ".toml": "toml"}

# --- keys and aliases ---------------------------------------------------------------

_LIST_FIELDS = frozenset({"topics", "moments", "materials_promised"})
_DATE_FIELDS = frozenset({"interview_date", "decision_date"})
_TOP_ALIASES = {
    "role": "position", "job": "position", "job title": "position", "post": "position",
    "employer": "company", "organisation": "company", "organization": "company",
    "date": "interview_date", "interview": "interview_date", "interviewed on": "interview_date",
    "interviewer": "interviewers", "panel": "interviewers",
    "topic": "topics", "discussed": "topics",
    "moment": "moments", "highlights": "moments",
    "promised": "materials_promised", "materials": "materials_promised", "material": "materials_promised",
    "promised materials": "materials_promised", "to send": "materials_promised",
    "question": "open_question", "open question": "open_question", "questions": "open_question",
    "decision by": "decision_date", "decision": "decision_date", "next contact": "decision_date",
    "hear back by": "decision_date", "decision expected": "decision_date",
    "me": "candidate", "my name": "candidate", "name": "candidate",
    "letter": "kind", "letter kind": "kind",
    "email": "candidate.email", "e mail": "candidate.email", "mail": "candidate.email",
    "phone": "candidate.phone", "tel": "candidate.phone", "telephone": "candidate.phone",
    "mobile": "candidate.phone",
    "address as": "interviewer.address_as", "greet as": "interviewer.address_as",
    "salutation": "interviewer.address_as",
}
_CANDIDATE_ALIASES = {"full name": "name", "e mail": "email", "mail": "email", "tel": "phone",
                      "telephone": "phone", "mobile": "phone"}
_INTERVIEWER_ALIASES = {
    "full name": "name", "role": "title", "job title": "title", "position": "title",
    "e mail": "email", "mail": "email", "greet as": "address_as", "salutation": "address_as",
    "call": "address_as", "topic": "topics", "discussed": "topics", "moment": "moments",
}
_CHOICES: dict[str, dict[str, str]] = {
    "outcome": {
        "pending": "pending", "waiting": "pending", "awaiting": "pending", "unknown": "pending",
        "rejected": "rejected", "rejection": "rejected", "refused": "rejected", "refusal": "rejected",
        "declined": "rejected", "turned down": "rejected", "not selected": "rejected",
        "unsuccessful": "rejected", "no": "rejected",
        "offer": "offer", "offered": "offer", "accepted": "offer", "yes": "offer",
    },
    "tone": {
        "formal": "formal", "polite": "formal", "professional": "formal", "neutral": "formal",
        "warm": "warm", "friendly": "warm", "casual": "warm", "informal": "warm", "relaxed": "warm",
    },
    "channel": {
        "email": "email", "e mail": "email", "mail": "email", "online": "email",
        "paper": "paper", "letter": "paper", "post": "paper", "print": "paper", "printed": "paper",
        "handwritten": "paper",
    },
    "kind": {
        "thank you": "thank_you", "thanks": "thank_you", "same day": "thank_you", "quick": "thank_you",
        "formal thank you": "formal_thank_you", "formal": "formal_thank_you",
        "formal thanks": "formal_thank_you",
        "status inquiry": "status_inquiry", "status": "status_inquiry", "inquiry": "status_inquiry",
        "enquiry": "status_inquiry", "status enquiry": "status_inquiry", "follow up": "status_inquiry",
        "after rejection": "after_rejection", "rejection": "after_rejection",
        "reply to rejection": "after_rejection", "refusal": "after_rejection",
    },
}

ESSENTIAL_PROMPTS = {
    "candidate": "Your name (for the signature)",
    "company": "Company",
    "position": "Position you interviewed for",
    "interviewer": "Interviewer's name",
}
_ESSENTIAL_HINTS = {
    "candidate": "your name (add 'Candidate: ...')",
    "company": "the company (add 'Company: ...')",
    "position": "the position (add 'Position: ...')",
    "interviewer": "the interviewer's name (add 'Interviewer: ...')",
}


@lru_cache(maxsize=4096)  # the same few dozen keys, row after row in a batch
def _key(text: str) -> str:
    """Fold a key for lookup: case, underscores, hyphens and spacing do not matter."""
    return " ".join(re.sub(r"[_\-]+", " ", str(text)).lower().split())


def _table(canonical: set[str] | frozenset[str], aliases: Mapping[str, str]) -> dict[str, str]:
    table = {_key(name): name for name in canonical}
    table.update(aliases)
    return table


_TOP_KEYS = _table(frozenset(n for n in ("candidate company position interview_date interviewers topics "
                                        "moments materials_promised open_question decision_date outcome "
                                        "channel tone kind").split()), _TOP_ALIASES)
_CANDIDATE_KEYS = _table(frozenset({"name", "email", "phone"}), _CANDIDATE_ALIASES)
_INTERVIEWER_KEYS = _table(frozenset({"name", "title", "email", "address_as", "topics", "moments"}),
                           _INTERVIEWER_ALIASES)


def _unknown(source: str, key: str, table: Mapping[str, str], where: str = "") -> NotesError:
    spelled = sorted({name.replace(" ", "_") for name in table} | set(table.values()) - {""})
    spelled = [s for s in spelled if "." not in s]
    close = difflib.get_close_matches(str(key).lower().replace(" ", "_"), spelled, n=1, cutoff=0.6)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return NotesError(f"{source}: unknown field '{key}'{where}{hint}")


# --- dates ----------------------------------------------------------------------------

_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%d %B %Y", "%d %b %Y", "%B %d %Y", "%b %d %Y")
_WEEKDAY = re.compile(r"^(mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+", re.I)
_ORDINAL = re.compile(r"\b(\d{1,2})(st|nd|rd|th)\b", re.I)
_TIME = re.compile(r"(,|\s)\s*(at\s+)?\d{1,2}([:.]\d{2})?\s*(am|pm)?\s*$|\s+at\s+.*$", re.I)


def parse_date(text: str) -> date:
    """Read an ISO, "12 May 2026", "May 12, 2026" or "2026/05/12" date; ValueError otherwise."""
    cleaned = _WEEKDAY.sub("", str(text).strip())
    cleaned = _ORDINAL.sub(r"\1", cleaned).replace(",", " ")
    cleaned = re.sub(r"\bsept\b", "sep", " ".join(cleaned.split()), flags=re.I)
    for candidate in (cleaned, _TIME.sub("", cleaned).strip()):
        for fmt in _DATE_FORMATS:
            try:
                return datetime.strptime(candidate, fmt).date()
            except ValueError:
                continue
    raise ValueError(f"'{text}' is not a date I can read (use 2026-05-12 or 12 May 2026)")


# --- decoding and format dispatch -----------------------------------------------------

def read_notes_data(path: Path) -> dict[str, Any]:
    """Read a notes file into a normalised mapping (not yet validated; see essential_gaps)."""
    path = Path(path)
    try:
        text = read_text(path, what="notes")
    except TextFileError as exc:
        raise NotesError(str(exc)) from None
    return parse_notes_data(text, _EXTENSIONS.get(path.suffix.lower(), "text"), str(path))


def load_notes(path: Path) -> InterviewNotes:
    """Load notes from ``path``; the extension picks the format (anything else is pasted text)."""
    return notes_from_mapping(read_notes_data(path), str(path))


def parse_notes(text: str, fmt: str | None = None, source: str = "<stdin>") -> InterviewNotes:
    """Parse notes text; ``fmt`` is yaml/json/toml/text, or None to sniff it."""
    return notes_from_mapping(parse_notes_data(text, fmt, source), source)


def parse_notes_data(text: str, fmt: str | None = None, source: str = "<stdin>") -> dict[str, Any]:
    """Parse notes text into a normalised mapping without validating it."""
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise NotesError(f"{source}: the notes are empty")
    fmt = (fmt or _sniff(text)).lower()
    parsers = {"yaml": _load_yaml, "yml": _load_yaml, "json": _load_json, "toml": _load_toml,
               "text": _parse_text, "txt": _parse_text, "md": _parse_text}
    if fmt not in parsers:
        raise NotesError(f"{source}: unknown notes format '{fmt}' (use yaml, json, toml or text)")
    try:
        data = parsers[fmt](text, source)
    except RecursionError:
        raise NotesError(f"{source}: the notes are nested too deeply to be interview notes") from None
    if not isinstance(data, dict):
        found = type(data).__name__
        raise NotesError(f"{source}: expected fields such as 'position: ...' at the top level, found a {found}")
    return _normalise(data, source)


_PASTED_LINE = re.compile(r"^(\s*([-*•+]|\d{1,2}[.)])\s+.*|#.*|[^\s:][^:]{0,40}:(\s+[^\[{\s].*)?\s*)$")


def _sniff(text: str) -> str:
    """JSON object, TOML, YAML mapping with nesting, else the pasted text format."""
    stripped = text.strip()
    if stripped.startswith("{"):
        return "json"
    try:
        if tomllib.loads(text):
            return "toml"
    except tomllib.TOMLDecodeError:
        pass
    lines = [line for line in text.splitlines() if line.strip()]
    if all(_PASTED_LINE.match(line) for line in lines):
        return "text"
    try:
        return "yaml" if isinstance(_load_yaml(text, "<sniff>"), dict) else "text"
    except NotesError:
        return "text"


def _load_yaml(text: str, source: str) -> Any:
    import yaml

    class _Loader(yaml.SafeLoader):
        """SafeLoader that refuses duplicate keys (the second would silently win)."""

    def _mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict:
        seen: dict = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if key in seen:
                line = key_node.start_mark.line + 1
                raise NotesError(f"{source}: line {line}: '{key}' appears twice")
            seen[key] = loader.construct_object(value_node, deep=True)
        return seen

    _Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise NotesError(f"{source}: {where}invalid YAML ({problem})") from None


def _load_json(text: str, source: str) -> Any:
    def _pairs(pairs: list[tuple[str, Any]]) -> dict:
        out: dict = {}
        for key, value in pairs:
            if key in out:
                raise NotesError(f"{source}: '{key}' appears twice")
            out[key] = value
        return out

    try:
        return json.loads(text, object_pairs_hook=_pairs)
    except json.JSONDecodeError as exc:
        raise NotesError(f"{source}: line {exc.lineno}: invalid JSON ({exc.msg})") from None


def _load_toml(text: str, source: str) -> Any:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise NotesError(f"{source}: invalid TOML ({str(exc).splitlines()[0]})") from None


# --- the pasted text format -----------------------------------------------------------

_BULLET = re.compile(r"^(?:[-*•+]|\d{1,2}[.)])\s+(.*)$")
_KEY_LINE = re.compile(r"^([^\W\d_][\w \-/'’]{0,40}?)\s*:\s*(.*)$")
_BOLD = re.compile(r"^(\*\*|__)(.+?)\1\s*(.*)$")
_SECTIONS = _LIST_FIELDS | {"interviewers"}
_TITLE_WORDS = re.compile(
    r"\b(manager|engineer|director|lead|head|recruiter|vp|cto|ceo|cfo|coo|officer|partner|designer|"
    r"developer|analyst|specialist|coordinator|principal|staff|senior|junior|hr|chief|president|"
    r"nurse|teacher|professor|scientist|consultant|architect|administrator|supervisor|owner|founder|"
    r"talent|people|product|sales|marketing|editor|associate|counsel|attorney|physician|dean|chair|"
    r"of)\b",
    re.I,
)


def _unbold(line: str) -> str:
    """Turn Markdown "**Position:** x" or "**Position**: x" into "Position: x"."""
    match = _BOLD.match(line)
    if not match:
        return line
    head, tail = match.group(2), match.group(3)
    return f"{head} {tail}".strip() if head.endswith(":") else f"{head}{tail}".strip()


def _split_email(text: str) -> tuple[str, str | None]:
    """Take an e-mail address ("<a@b.c>" or bare) out of a name line."""
    rest = text.strip()
    mail = re.search(r"<\s*([^<>\s]+@[^<>\s]+)\s*>", rest) or re.search(r"(?<!\S)([\w.+-]+@[\w-]+\.[\w.-]+)", rest)
    if not mail:
        return rest, None
    return (rest[: mail.start()] + rest[mail.end() :]).strip(" ,;-"), mail.group(1)


def _parse_person(text: str) -> dict[str, str]:
    """Read "Name (Title)", "Name, Title" or "Name - Title", with an optional <email>."""
    rest, email = _split_email(text)
    person: dict[str, str] = {"email": email} if email else {}
    paren = re.match(r"^(.*?)\s*\(([^()]*)\)\s*$", rest)
    if paren:
        rest, title = paren.group(1), paren.group(2)
    else:
        parts = re.split(r"\s+[-–—]\s+|\s*,\s*", rest, maxsplit=1)
        rest, title = parts[0], parts[1] if len(parts) > 1 else ""
    person["name"] = rest.strip(" ,;.:")
    if title.strip(" ,;."):
        person["title"] = title.strip(" ,;.")
    return person


def _split_people(value: str, plural: bool) -> list[str]:
    """One "Interviewers:" line may hold several people: "A (X); B" or "A, B and C"."""
    if ";" in value:
        return [part for part in value.split(";") if part.strip()]
    if not plural or "(" in value:
        return [value]
    parts = [p for p in re.split(r"\s*,\s*|\s+(?:and|&)\s+", value) if p.strip()]
    if len(parts) > 1 and not any(_TITLE_WORDS.search(p) for p in parts[1:]):
        return parts
    return [value]


class _TextReader:
    """Line-by-line reader for the pasted format; builds the same mapping YAML would."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.data: dict[str, Any] = {}
        self.section: str | None = None
        self.pending: tuple[str, str] | None = None
        self.last_list: list[str] | None = None
        self.loose = False  # plain lines count as items only under a bare "Topics:" heading

    def read(self, text: str) -> dict[str, Any]:
        for number, raw in enumerate(text.splitlines(), 1):
            self.line(number, raw)
        return self.data

    def line(self, number: int, raw: str) -> None:
        where = f"{self.source}: line {number}"
        line = raw.strip()
        if not line or line.startswith("<!--"):
            return
        if line.startswith("#"):
            heading = _TOP_KEYS.get(_key(line.lstrip("#").strip().rstrip(":")))
            if heading in _SECTIONS:
                self.section, self.pending, self.loose = heading, None, True
            elif heading:
                self.section, self.pending = None, (heading, heading)
            return
        line = _unbold(line)
        bullet = _BULLET.match(line)
        if bullet:
            if self.section is None:
                raise NotesError(f"{where}: a list item with no heading above it (put it under 'Topics:' or another list)")
            self.item(bullet.group(1).strip())
            return
        if raw[:1].isspace() and self.last_list:
            self.last_list[-1] = f"{self.last_list[-1]} {line}"
            return
        match = _KEY_LINE.match(line)
        field = _TOP_KEYS.get(_key(match.group(1))) if match else None
        if field:
            self.field(field, match.group(1), match.group(2).strip(), where)
            return
        if match and (not self.loose or _close_key(match.group(1))) and not self.pending:
            raise _unknown(where, match.group(1).strip(), _TOP_KEYS)
        if self.pending:
            field, key = self.pending
            self.pending = None
            self.field(field, key, line, where)
        elif self.section and self.loose:
            self.item(line)
        else:
            short = line if len(line) <= 40 else line[:37] + "..."
            raise FreeFormNotes(f"{where}: can't tell what '{short}' is (write 'Key: value', e.g. 'Position: ...')")

    def item(self, text: str) -> None:
        if self.section == "interviewers":
            self.data.setdefault("interviewers", []).append(_parse_person(text))
            self.last_list = None
        else:
            self.last_list = self.data.setdefault(self.section, [])
            self.last_list.append(text)

    def field(self, field: str, key: str, value: str, where: str) -> None:
        keep = field == "interviewer.address_as" and self.section == "interviewers"
        self.section = field if field in _SECTIONS else ("interviewers" if keep else None)
        self.last_list = None
        self.loose = self.loose if keep else not value
        if not value:
            self.pending = None if field in _SECTIONS else (field, key)
            return
        if field == "interviewers":
            people = self.data.setdefault("interviewers", [])
            people.extend(_parse_person(p) for p in _split_people(value, _key(key) != "interviewer"))
        elif field in _LIST_FIELDS:
            self.data.setdefault(field, []).extend(p.strip() for p in value.split(";") if p.strip())
        elif field == "candidate":
            self.set(self.data.setdefault("candidate", {}), "name", value, key, where, email_too=True)
        elif field.startswith("candidate."):
            self.set(self.data.setdefault("candidate", {}), field.split(".")[1], value, key, where)
        elif field == "interviewer.address_as":
            people = self.data.get("interviewers")
            if not people:
                raise NotesError(f"{where}: '{key}' needs an 'Interviewer:' line above it")
            self.set(people[-1], "address_as", value, key, where)
        else:
            self.set(self.data, field, value, key, where)

    @staticmethod
    def set(target: dict, name: str, value: str, key: str, where: str, email_too: bool = False) -> None:
        if email_too:
            value, email = _split_email(value)
            if email:
                _TextReader.set(target, "email", email, key, where)
        if target.get(name):
            raise NotesError(f"{where}: '{key}' is given twice")
        target[name] = value


def _close_key(key: str) -> bool:
    """True when an unknown key is probably a typo of a real one (so it is not list text)."""
    return bool(difflib.get_close_matches(_key(key), list(_TOP_KEYS), n=1, cutoff=0.8))


def _parse_text(text: str, source: str) -> dict[str, Any]:
    return _TextReader(source).read(text)


# --- one normalised mapping for every format ------------------------------------------


def _text(value: Any, where: str, label: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    raise NotesError(f"{where}: {label} should be text, not {_what(value)}")


def _what(value: Any) -> str:
    return {dict: "a mapping", list: "a list", bool: "true/false"}.get(type(value), type(value).__name__)


def _items(value: Any, where: str, label: str) -> list[str]:
    """A list field: one string (split on ';'), or a list of strings / {"Name": "topic"} pairs."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(";") if part.strip()]
    if not isinstance(value, list):
        value = [value]
    out = []
    for index, item in enumerate(value):
        if isinstance(item, dict) and len(item) == 1:
            (who, what), = item.items()
            item = f"{_text(who, where, label)}: {_text(what, where, f'{label}[{index}]')}"
        if item is not None:
            out.append(_text(item, where, f"{label}[{index}]").strip())
    return [item for item in out if item]


def _fields(value: Any, table: Mapping[str, str], where: str, label: str) -> dict[str, Any]:
    """Rename a nested mapping's keys to canonical ones, refusing unknown keys with a hint."""
    if isinstance(value, str):
        value = {"name": value}
    if not isinstance(value, dict):
        raise NotesError(f"{where}: {label} should be a mapping with a name, not {_what(value)}")
    out: dict[str, Any] = {}
    for raw_key, item in value.items():
        name = table.get(_key(raw_key))
        if name is None:
            raise _unknown(where, raw_key, table, f" in {label}")
        if item is None or item == "":
            continue
        if name in out:
            raise NotesError(f"{where}: {label} gives its {name} twice")
        out[name] = _items(item, where, f"{label}.{name}") if name in _LIST_FIELDS else _text(item, where, f"{label}.{name}")
    return out


def _people(value: Any, where: str) -> list[dict[str, Any]]:
    if isinstance(value, str):
        return [_parse_person(part) for part in _split_people(value, plural=True)]
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        raise NotesError(f"{where}: interviewers should be a list of people, not {_what(value)}")
    people = []
    for index, item in enumerate(value):
        person = _parse_person(item) if isinstance(item, str) else item
        people.append(_fields(person, _INTERVIEWER_KEYS, where, f"interviewers[{index}]"))
    return people


def _date(value: Any, where: str, label: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return parse_date(_text(value, where, label))
    except ValueError as exc:
        raise NotesError(f"{where}: {label.replace('_', ' ')}: {exc}") from None


def _choice(field: str, value: Any, where: str) -> str:
    choices = _CHOICES[field]
    found = choices.get(_key(_text(value, where, field)))
    if found is None:
        allowed = ", ".join(sorted(set(choices.values())))
        raise NotesError(f"{where}: {field} '{value}' is not one of: {allowed}")
    return found


def _value(field: str, value: Any, where: str) -> Any:
    if field == "candidate":
        if isinstance(value, str):
            name, email = _split_email(value)
            value = {"name": name, "email": email} if email else {"name": name}
        return _fields(value, _CANDIDATE_KEYS, where, "candidate")
    if field == "interviewers":
        return _people(value, where)
    if field in _LIST_FIELDS:
        return _items(value, where, field)
    if field in _DATE_FIELDS:
        return _date(value, where, field)
    if field in _CHOICES:
        return _choice(field, value, where)
    return _text(value, where, field)


def _normalise(data: Mapping[str, Any], source: str) -> dict[str, Any]:
    """Canonical keys and types for any format; idempotent, raises NotesError on unknown keys."""
    out: dict[str, Any] = {}
    contact: dict[str, Any] = {}
    address_as = None
    for raw_key, value in data.items():
        field = _TOP_KEYS.get(_key(raw_key))
        if field is None:
            raise _unknown(source, raw_key, _TOP_KEYS)
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if field.startswith("candidate."):
            contact[field.split(".")[1]] = _text(value, source, raw_key)
        elif field == "interviewer.address_as":
            address_as = _text(value, source, raw_key)
        elif field in out:
            raise NotesError(f"{source}: '{raw_key}' repeats the {field.replace('_', ' ')} given under another name")
        else:
            out[field] = _value(field, value, source)
    if contact:
        candidate = dict(out.get("candidate", {}))
        for name, value in contact.items():
            if candidate.get(name) and candidate[name] != value:
                raise NotesError(f"{source}: the candidate's {name} is given twice")
            candidate[name] = value
        out["candidate"] = candidate
    if address_as:
        if not out.get("interviewers"):
            raise NotesError(f"{source}: 'address_as' needs an interviewer to apply to")
        out["interviewers"][-1].setdefault("address_as", address_as)
    _attribute(out)
    return out


def _attribute(data: dict[str, Any]) -> None:
    """Move "Priya: billing split" topics and moments to the interviewer they name."""
    people = data.get("interviewers") or []
    for field in ("topics", "moments"):
        kept = []
        for item in data.get(field, []):
            match = re.match(r"^([^:]{1,40}):\s*(\S.*)$", item)
            index = _who(match.group(1), people) if match else None
            if index is None:
                kept.append(item)
            else:
                people[index].setdefault(field, []).append(match.group(2).strip())
        if field in data:
            data[field] = kept


_HONORIFIC = re.compile(r"^(mr|mrs|ms|miss|mx|dr|prof|professor|sir|dame)\.?\s+", re.I)


def _who(label: str, people: list[dict[str, Any]]) -> int | None:
    """Index of the one interviewer a label names (full, first, last or greeting name)."""
    wanted = _HONORIFIC.sub("", label.strip()).casefold()
    found = set()
    for index, person in enumerate(people):
        names = set()
        for text in (person.get("name"), person.get("address_as")):
            if text:
                bare = _HONORIFIC.sub("", text.strip()).casefold()
                names |= {bare, *bare.split()[:1], *bare.split()[-1:]}
        if wanted in names:
            found.add(index)
    return found.pop() if len(found) == 1 else None


# --- essentials and validation --------------------------------------------------------


def essential_gaps(data: Mapping[str, Any]) -> list[str]:
    """Which essentials are missing: any of "interviewer", "position", "company", "candidate".

    The CLI asks for each (see ESSENTIAL_PROMPTS), stores the answer with fill_gap, then
    calls notes_from_mapping. Raises NotesError for data that is broken, not just incomplete.
    """
    return _gaps(_normalise(data, "<notes>"))


def _gaps(data: Mapping[str, Any]) -> list[str]:
    """essential_gaps of data already normalised."""
    people = data.get("interviewers") or []
    gaps = []
    if not people or any(not str(p.get("name") or "").strip() for p in people):
        gaps.append("interviewer")
    gaps += [f for f in ("position", "company") if not str(data.get(f) or "").strip()]
    if not str((data.get("candidate") or {}).get("name") or "").strip():
        gaps.append("candidate")
    return gaps


def fill_gap(data: Mapping[str, Any], gap: str, value: str) -> dict[str, Any]:
    """Return a copy of ``data`` with one essential (a name from essential_gaps) filled in."""
    out = _normalise(data, "<notes>")
    value = value.strip()
    if gap == "candidate":
        out["candidate"] = {**out.get("candidate", {}), "name": value}
    elif gap in ("position", "company"):
        out[gap] = value
    elif gap == "interviewer":
        people = out.setdefault("interviewers", [])
        nameless = [p for p in people if not str(p.get("name") or "").strip()]
        if nameless:
            nameless[0]["name"] = value
        else:
            people.append(_parse_person(value))
    else:
        raise ValueError(f"unknown essential {gap!r}")
    return out


def notes_from_mapping(data: Mapping[str, Any], source: str = "<notes>") -> InterviewNotes:
    """Validate a mapping from any format into InterviewNotes, or raise a one-line NotesError."""
    normalised = _normalise(data, source)
    gaps = _gaps(normalised)
    if gaps:
        raise NotesError(f"{source}: missing " + " and ".join(_ESSENTIAL_HINTS[g] for g in gaps))
    try:
        return InterviewNotes.model_validate(normalised)
    except ValidationError as exc:
        raise _one_line(exc, source) from None


def _one_line(exc: ValidationError, source: str) -> NotesError:
    errors = exc.errors()
    first = errors[0]
    path = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in first["loc"]).lstrip(".")
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return NotesError(f"{source}: {path or 'notes'}: {first['msg']}{more}")
