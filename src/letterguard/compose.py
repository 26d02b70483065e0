"""The offline composer: a letter from the notes alone, with no model and no network.

Deterministic: the same notes, interviewer, kind and day always give the same letter.
Each kind has a Jinja2 template (``compose_templates/<kind>.j2``) whose sentences are
chosen by what the notes hold (a topic this interviewer raised, a moment, a promised
attachment, the open question, the decision date) and varied by a stable hash of the
interviewer, so a panel's letters are not copies with the name swapped.

Whatever the notes say, the result must pass the rubric: quoted fragments are cleaned
(no "!!", brackets, emoji, shouting, trailing punctuation), and a fragment that would
still break a rule in context (flattery, thanks, pay...) is left out rather than quoted.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import date
from functools import cache, lru_cache
from typing import TYPE_CHECKING

from letterguard.kinds import LetterKind
from letterguard.letter import Letter
from letterguard.notes import InterviewNotes, Interviewer

if TYPE_CHECKING:
    import jinja2

    from letterguard.rubric import Rubric

__all__ = ["clean_fragment", "compose", "compose_all"]

MAX_FRAGMENT_WORDS = 12
_TIMING_ONLY = frozenset({"premature_follow_up"})  # the calendar's problem, not the wording's
_LOWER_FIRST = frozenset(
    "a an the our your their my his her its this that these those how what why when where whether "
    "which who some several many more most each every".split()
)
_EMPHASIS = frozenset(  # words nobody writes in capitals except to shout (as the rubric sees it)
    "so really very any no not please love must need all ever never best thank thanks you am much huge "
    "big want can't cannot yes wow omg lol great amazing excited hope dream job now soon asap urgent "
    "important happy sorry just truly totally absolutely only the this what why how don't do was is are "
    "and me my be can will more most again today finally".split()
)
_TRAILING_WEAK = frozenset("and or of the a an to with for in on at by from but as".split())
_HONORIFIC = re.compile(r"^(mr|mrs|ms|miss|mx|dr|prof|professor|sir|dame)\.?\s+", re.I)


# --- cleaning what we quote from the notes -------------------------------------------


@lru_cache(maxsize=8192)  # a cohort's notes repeat topics and titles: clean each once
def clean_fragment(text: str, max_words: int = MAX_FRAGMENT_WORDS) -> str | None:
    """Make a note fragment safe to quote mid-sentence, or None when nothing usable is left.

    Drops emoji, brackets, quotes, exclamation and question marks; lowers shouted words;
    trims trailing punctuation and an over-long tail; lower-cases a leading article.
    """
    chars = []
    for char in unicodedata.normalize("NFKC", text):
        category = unicodedata.category(char)
        if category[0] in "CS" and char not in "\n\t$%&+=#@/":
            chars.append(" ")
        elif char in "!?¡¿[]{}<>\"“”„«»`*_|\\^~":
            chars.append(" ")
        else:
            chars.append(char)
    words = [_calm(word) for word in "".join(chars).split()]
    words = [w for w in words if w.strip("-–—.,;:'’")]
    if len(words) > max_words:
        words = words[:max_words]
        while words and words[-1].lower().strip(",;:") in _TRAILING_WEAK:
            words.pop()
    fragment = " ".join(words).strip(" .,;:-–—…'’")
    fragment = re.sub(r"\s+([,;:.])", r"\1", fragment)
    if sum(c.isalpha() for c in fragment) < 2:
        return None
    first, _, rest = fragment.partition(" ")
    if first.lower() in _LOWER_FIRST or (first[:1].isupper() and first[1:].islower() and first.lower().endswith("ing")):
        fragment = f"{first.lower()} {rest}".strip()
    return fragment


_CAPS = re.compile(r"\b[A-Z][A-Z']*[A-Z]\b")


def _calm(text: str, name: bool = False) -> str:
    """Lower shouted words (SO, REALLY, WONDERFUL) but keep acronyms (SQL, AWS, GDPR).

    In names and titles a shouted word becomes capitalised instead ("MARCUS" -> "Marcus").
    """

    def quiet(match: re.Match[str]) -> str:
        word = match.group()
        vowels = sum(c in "AEIOUY" for c in word)
        if word.lower() in _EMPHASIS or (len(word) >= 6 and vowels / len(word) >= 0.3):
            return word.capitalize() if name else word.lower()
        return word

    return _CAPS.sub(quiet, text)


def _plain(text: str | None) -> str:
    """Names, company and position: one line, no stray spacing, no shouting."""
    return _calm(" ".join((text or "").split()), name=True)


# --- who, when and what ----------------------------------------------------------------


def _greeting_name(person: Interviewer, formal: bool) -> str:
    if person.address_as:
        return _plain(person.address_as)
    name = _plain(person.name)
    if formal:
        honorific = _HONORIFIC.match(name)
        return f"{honorific.group(0).strip()} {name.split()[-1]}" if honorific and len(name.split()) > 1 else name
    return _HONORIFIC.sub("", name).split()[0] if _HONORIFIC.sub("", name).split() else name


def _day(value: date, today: date | None) -> str:
    text = f"{value.day} {value:%B}"
    return text if today is not None and today.year == value.year else f"{text} {value.year}"


def _when(held: date | None, today: date | None) -> str:
    """"today", "yesterday" or "on 12 May": when the interview was, relative to the letter."""
    if held is None:
        return ""
    if today is not None and held == today:
        return "today"
    if today is not None and (today - held).days == 1:
        return "yesterday"
    return f"on {_day(held, today)}"


def _index(notes: InterviewNotes, person: Interviewer) -> int:
    for index, other in enumerate(notes.interviewers):
        if other == person:
            return index
    for index, other in enumerate(notes.interviewers):
        if other.name == person.name:
            return index
    return 0


def _share(items: list[str], index: int, count: int) -> list[str]:
    """Panel items for interviewer ``index``: theirs by round robin first, then the rest rotated."""
    mine = [item for j, item in enumerate(items) if j % count == index]
    rest = [item for j, item in enumerate(items) if j % count != index]
    shift = index % len(rest) if rest else 0
    return mine + rest[shift:] + rest[:shift]


def _others(notes: InterviewNotes, index: int, formal: bool) -> str:
    names = [_greeting_name(p, formal=False) if not formal else _plain(p.name)
             for j, p in enumerate(notes.interviewers) if j != index]
    if not names:
        return ""
    if len(names) > 2:
        return "the rest of the panel"
    return " and ".join(names)


@dataclass(frozen=True)
class _Facts:
    """Everything a template may say; fragments are cleaned, and None when absent."""

    kind: LetterKind
    formal: bool
    paper: bool
    position: str
    company: str
    greeting: str
    when: str
    held: str
    decision: str
    decision_passed: bool
    others: str
    seed: str
    index: int
    topic: str | None = None
    topic2: str | None = None
    moment: str | None = None
    material: str | None = None
    question: str | None = None

    def pick(self, slot: str, count: int) -> int:
        """A stable choice among ``count`` wordings for one slot of one interviewer's letter.

        The hash varies the wording between interviews; adding the interviewer's index
        makes neighbouring letters of one panel choose different wordings in every slot.
        """
        digest = hashlib.sha256(f"{self.seed}|{self.kind.value}|{slot}".encode()).digest()
        return (int.from_bytes(digest[:4], "big") + self.index) % count

    def without(self, *slots: str) -> _Facts:
        return replace(self, **dict.fromkeys(slots))


_SLOTS = ("topic", "topic2", "moment", "material", "question")


def _facts(notes: InterviewNotes, person: Interviewer, kind: LetterKind, today: date | None) -> _Facts:
    index, count = _index(notes, person), len(notes.interviewers)
    formal = notes.tone == "formal"
    topics = _unique([*person.topics, *_share(notes.topics, index, count)])
    moments = _unique([*person.moments, *_share(notes.moments, index, count)])
    materials = _unique(notes.materials_promised)
    decision = notes.decision_date
    return _Facts(
        kind=kind,
        formal=formal,
        paper=notes.channel == "paper",
        position=_plain(notes.position),
        company=_plain(notes.company),
        greeting=f"{'Dear' if formal else 'Hi'} {_greeting_name(person, formal)},",
        when=_when(notes.interview_date, today),
        held=_day(notes.interview_date, today) if notes.interview_date else "",
        decision=_day(decision, today) if decision else "",
        decision_passed=bool(decision and today and today > decision),
        others=_others(notes, index, formal),
        seed=f"{_plain(notes.company)}|{_plain(notes.position)}",
        index=index,
        topic=topics[0] if topics else None,
        topic2=topics[1] if len(topics) > 1 else None,
        moment=moments[0] if moments else None,
        material=" and ".join(map(_owned, materials[:2])) if materials else None,
        question=clean_fragment(notes.open_question or ""),
    )


_DETERMINERS = frozenset("a an the my our some any this these those both two three four five several copies copy".split())


def _owned(material: str) -> str:
    """A promised item as an object of 'I have attached ...': notes often hold a bare noun
    ("code sample", "references"), which needs a determiner to read as a sentence."""
    first = material.split()[0].lower()
    return material if first in _DETERMINERS or first[0].isdigit() else f"my {material}"


def _unique(items: list[str]) -> list[str]:
    seen: dict[str, str] = {}
    for item in items:
        cleaned = clean_fragment(item)
        if cleaned and cleaned.lower() not in seen:
            seen[cleaned.lower()] = cleaned
    return list(seen.values())


# --- rendering -------------------------------------------------------------------------


@cache
def _environment() -> jinja2.Environment:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("letterguard", "compose_templates"),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,  # plain-text letters, never HTML
        keep_trailing_newline=False,
        auto_reload=False,  # templates ship with the package; no stat() per letter
    )
    env.filters["cap"] = lambda text: text[:1].upper() + text[1:]
    return env


def _render(facts: _Facts, notes: InterviewNotes) -> Letter:
    template = _environment().get_template(f"{facts.kind.value}.j2")
    context = template.new_context({"f": facts})
    part = {name: "".join(template.blocks[name](context)) for name in ("subject", "body", "closing")}
    return Letter(
        subject=_line(part["subject"]),
        greeting=facts.greeting,
        body=_paragraphs(part["body"]),
        closing=_line(part["closing"]),
        signature=_signature(notes),
    )


def _line(text: str) -> str:
    return " ".join(text.split())


def _paragraphs(text: str) -> str:
    """Join each paragraph's lines, tidy spacing around punctuation, drop empty paragraphs."""
    paragraphs = []
    for block in re.split(r"\n\s*\n", text):
        line = _line(block)
        line = re.sub(r"\s+([,.;:])", r"\1", line)
        line = re.sub(r"([,;:])(?=\S)", r"\1 ", line).replace(",,", ",").replace("..", ".")
        if line:
            paragraphs.append(line[:1].upper() + line[1:])
    return "\n\n".join(paragraphs)


def _signature(notes: InterviewNotes) -> str:
    person = notes.candidate
    return "\n".join(_plain(part) for part in (person.name, person.email, person.phone) if part and _plain(part))


# --- the rubric as a safety net ----------------------------------------------------------


def _problems(letter: Letter, notes: InterviewNotes, kind: LetterKind, today: date | None, rubric: Rubric | None) -> set[str]:
    if rubric is None:
        from letterguard.rubric import default_rubric

        rubric = default_rubric()
    return rubric.check(letter.to_text(), notes=notes, kind=kind, today=today).rules_broken() - _TIMING_ONLY


def compose(
    notes: InterviewNotes, interviewer: Interviewer, kind: LetterKind, today: date | None = None, rubric: Rubric | None = None
) -> Letter:
    """Write one letter of ``kind`` to ``interviewer`` from the notes alone.

    A fragment from the notes that would make the letter break a rule (in its sentence)
    is dropped; the letter then says less, but never says it badly.
    """
    kind = LetterKind(kind)
    facts = _facts(notes, interviewer, kind, today)
    letter = _render(facts, notes)
    present = [slot for slot in _SLOTS if getattr(facts, slot)]
    if not present:
        return letter
    problems = _problems(letter, notes, kind, today, rubric)
    if not problems:  # the usual case: one check, no baseline needed
        return letter
    baseline = _problems(_render(facts.without(*present), notes), notes, kind, today, rubric)
    if problems <= baseline:
        return letter
    keep = [slot for slot in present
            if _problems(_render(facts.without(*(s for s in present if s != slot)), notes), notes, kind, today, rubric) <= baseline]
    letter = _render(facts.without(*(s for s in present if s not in keep)), notes)
    if keep and _problems(letter, notes, kind, today, rubric) <= baseline:
        return letter
    return _render(facts.without(*present), notes)


def compose_all(
    notes: InterviewNotes, kind: LetterKind | None = None, today: date | None = None
) -> list[tuple[Interviewer, Letter]]:
    """One letter per interviewer (the kind is guessed from the calendar when not given)."""
    if kind is None:
        from letterguard.timing import guess_kind

        kind = guess_kind(notes, today or date.today())
    return [(person, compose(notes, person, kind, today)) for person in notes.interviewers]


def template_names() -> list[str]:
    """The kinds the composer has templates for (a test keeps this equal to LetterKind)."""
    return sorted(name.removesuffix(".j2") for name in _environment().list_templates() if not name.startswith("_"))

