"""Rule kinds: the few reusable ways a rule finds a break in a letter.

Each detector is built once from its spec (patterns compiled into one alternation) and
then called per letter with the parsed Document and a Context. It returns hits as
(start, end) offsets into ``Document.norm``; the engine maps them back to the original.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from letterguard.kinds import LetterKind
from letterguard.rubric.loader import DetectorSpec
from letterguard.rubric.matcher import Matcher
from letterguard.rubric.text import Document, fold

if TYPE_CHECKING:
    from letterguard.notes import InterviewNotes

Hit = tuple[int, int]

_EMOJI_CHARS = (
    "[\U0001f000-\U0001faff\U00002600-\U000027bf\U0001f900-\U0001f9ff\u2b50\u2b55\u2764\u203c\u2049"
    "\u2300-\u23ff\u2b00-\u2bff\ufe0f\u200d]+"
)
_EMOJI = re.compile(f"{_EMOJI_CHARS}|(?<![\\w/])[:;]-?[)(dpDP](?!\\w)|(?<![\\w<])<3(?!\\d)")
# The same three shapes, each starting with its first character (the lookbehinds moved
# after it), so the regex engine can skip ahead to candidates: a full scan of every
# letter with the union above costs more than all the phrase rules' pre-filter.
_EMOJI_SCANS = (
    re.compile(_EMOJI_CHARS),
    re.compile("[:;](?<![\\w/][:;])-?[)(dpDP](?!\\w)"),
    re.compile("<(?<![\\w<]<)3(?!\\d)"),
)


def emoji_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """What ``_EMOJI.finditer`` finds, in text order (the three shapes cannot overlap)."""
    return sorted(m.span() for scan in _EMOJI_SCANS for m in scan.finditer(text, start, end))


_CAPS_WORD = re.compile(r"\b[A-Z][A-Z']*[A-Z]\b")
_WORD = re.compile(r"[a-z0-9]+(?:['’-][a-z0-9]+)*")
_NAME_TITLES = {"mr", "mrs", "ms", "miss", "dr", "prof", "professor", "sir", "madam", "mx"}
_GREETING_WORDS = {"dear", "hi", "hello", "hey", "good", "morning", "afternoon", "evening", "greetings"}
_DATE_WORDS = re.compile(
    r"\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday|january|february|march|april|may|june|"
    r"july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec|"
    r"yesterday|today|last week|this week|earlier this|\d{1,2}[/.]\d{1,2}|\d{4}-\d{2}-\d{2})\b"
)


@dataclass(frozen=True, slots=True)
class Context:
    """What a rule may know besides the text: the notes, the letter kind and today."""

    kind: LetterKind
    notes: InterviewNotes | None = None
    today: date | None = None


Detector = Callable[[Document, Context], list[Hit]]


def _union(patterns: list[str]) -> Matcher | None:
    return Matcher(patterns) if patterns else None


def _scoped(doc: Document, scope: str) -> list[tuple[int, int]]:
    return doc.region(scope)


def _overlaps(hit: Hit, spans: list[Hit]) -> bool:
    return any(s < hit[1] and hit[0] < e for s, e in spans)


def build(spec: DetectorSpec) -> Detector:
    """Compile a detector spec into a callable."""
    factory = _FACTORIES[spec.kind]
    detector = factory(spec)
    if spec.needs_notes or spec.without_notes:
        return _gated(detector, spec)
    return detector


def _gated(detector: Detector, spec: DetectorSpec) -> Detector:
    def run(doc: Document, ctx: Context) -> list[Hit]:
        if spec.needs_notes and ctx.notes is None or spec.without_notes and ctx.notes is not None:
            return []
        return detector(doc, ctx)

    return run


def _matches(
    doc: Document, spec: DetectorSpec, pattern: Matcher, exclude: Matcher | None, unless: Matcher | None, floor: int = 0
) -> list[Hit]:
    """Pattern hits minus excluded, quoted and conditional ones.

    Exclusions are only computed when there are more than ``floor`` raw hits: most letters
    have none (or, for a count, too few to matter), and the filters would be wasted work.
    """
    scopes = _scoped(doc, spec.scope)
    raw = [hit for start, end in scopes for hit in pattern.finditer(doc.norm, start, end) if hit[0] != hit[1]]
    if len(raw) <= floor:
        return []
    excluded = [span for start, end in scopes for span in exclude.finditer(doc.norm, start, end)] if exclude else []
    hits: list[Hit] = []
    for hit in raw:
        if excluded and _overlaps(hit, excluded):
            continue
        if spec.skip_quotes and doc.in_quote(hit[0]):
            continue
        if unless is not None:
            s_start, s_end = doc.sentence_at(hit[0])
            if unless.search(doc.norm, s_start, max(s_end, hit[1])):
                continue
        hits.append(hit)
    return hits


def phrases(spec: DetectorSpec) -> Detector:
    """Any match breaks the rule (one hit per match), unless its sentence is conditional."""
    pattern, exclude, unless = _union(spec.patterns), _union(spec.exclude), _union(spec.unless)

    def run(doc: Document, ctx: Context) -> list[Hit]:
        return _outside_names(doc, ctx, _matches(doc, spec, pattern, exclude, unless)) if pattern else []

    return run


def count(spec: DetectorSpec) -> Detector:
    """More than ``max`` matches break the rule; the surplus matches are the hits."""
    pattern, exclude, unless = _union(spec.patterns), _union(spec.exclude), _union(spec.unless)
    limit = spec.max or 0

    def run(doc: Document, ctx: Context) -> list[Hit]:
        hits = _outside_names(doc, ctx, _matches(doc, spec, pattern, exclude, unless, floor=limit)) if pattern else []
        return hits[limit:] if len(hits) > limit else []

    return run


def shouting(spec: DetectorSpec) -> Detector:
    """All-caps words that are ordinary words, not acronyms (SQL, HR) or placeholders."""
    shouted = {w.lower() for w in spec.patterns}
    allowed = {w.lower() for w in spec.allow}

    def run(doc: Document, ctx: Context) -> list[Hit]:
        hits: list[Hit] = []
        original = doc.original
        names = _proper_names(ctx.notes)  # a company "IKEA" or a role "TRUE" is not shouting
        for start, end in _scoped(doc, spec.scope):
            o_start, o_end = doc.origin(start), doc.origin(end) if end < len(doc.norm) else len(original)
            for match in _CAPS_WORD.finditer(original, o_start, o_end):
                word = match.group().lower()
                if word in allowed or word in names or not _is_shouted_word(word, shouted) or _in_slot(original, *match.span()):
                    continue
                after = original[match.end() : match.end() + 2]
                if after == " /" or (after[:1] == " " and after[1:].isdigit()):  # GET /orders, IS 1343, BS 7671
                    continue
                hits.append(_norm_span(doc, match.span()))
        return hits

    return run


def _outside_names(doc: Document, ctx: Context, hits: list[Hit]) -> list[Hit]:
    """Drop hits that lie inside a name from the notes: a company called "Best Buy" or
    "Yahoo!", or a role called "AEEE", is what the letter must say, not a finding."""
    if ctx.notes is None or not hits:
        return hits
    spans = _name_spans(doc, ctx.notes)
    return [hit for hit in hits if not any(start <= hit[0] and hit[1] <= end for start, end in spans)] if spans else hits


def _name_spans(doc: Document, notes: InterviewNotes) -> list[tuple[int, int]]:
    people = [notes.candidate.name, *(p.name for p in notes.interviewers), *(p.address_as or "" for p in notes.interviewers)]
    spans = []
    for name in {fold(n).strip() for n in (notes.company, notes.position, *people) if n and n.strip()}:
        start = doc.norm.find(name)
        while start != -1:
            spans.append((start, start + len(name)))
            start = doc.norm.find(name, start + 1)
    return spans


def _proper_names(notes: InterviewNotes | None) -> set[str]:
    """Words of the names in the notes (people, company, position), folded like letters."""
    if notes is None:
        return set()
    people = [notes.candidate.name, *(p.name for p in notes.interviewers), *(p.address_as or "" for p in notes.interviewers)]
    return set(_WORD.findall(fold(" ".join([notes.company, notes.position, *people]))))


# Endings of ordinary English words. An unknown all-caps word must have one to count as
# shouting (with two vowels before it): AMAZING and PASSIONATE are shouted, NEBOSH and
# OFSTED are acronyms said as words.
_WORD_ENDINGS = ("ing", "ed", "ly", "ful", "ous", "ive", "able", "ible", "tion", "ment", "ness", "est", "ate")


def _is_shouted_word(word: str, shouted: set[str]) -> bool:
    """Known emphasis words (and their -s/-ed/-ing/-ly forms) always; other long,
    vowel-rich words only with an ordinary English ending, so pronounceable acronyms pass."""
    if word in shouted or any(stem in shouted for stem in _stems(word)):
        return True
    vowels = sum(c in "aeiouy" for c in word)
    if len(word) < 6 or vowels / len(word) < 0.3:
        return False
    ending = next((e for e in _WORD_ENDINGS if word.endswith(e)), None)
    return ending is not None and sum(c in "aeiouy" for c in word[: -len(ending)]) >= 2


_SLOT_OPEN = {"[": "]", "{": "}", "<": ">"}


def _in_slot(text: str, start: int, end: int) -> bool:
    """A capitalised word inside a template slot ([POSITION], {NAME}) is a placeholder,
    which the placeholder rule reports; it is not shouting."""
    line_start = text.rfind("\n", 0, start) + 1
    opener = max(text.rfind(o, line_start, start) for o in _SLOT_OPEN)
    if opener < 0 or text.find(_SLOT_OPEN[text[opener]], opener, start) != -1:
        return False
    line_end = text.find("\n", end)
    return text.find(_SLOT_OPEN[text[opener]], end, len(text) if line_end == -1 else line_end) != -1


def _stems(word: str) -> tuple[str, ...]:
    """Candidate base forms of an inflected word: LOVED -> love, THANKS -> thank."""
    for suffix, keep in (("ing", ("", "e")), ("ed", ("", "e")), ("ly", ("",)), ("es", ("", "e")), ("s", ("",))):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            base = word[: -len(suffix)]
            return tuple(base + k for k in keep)
    return ()


def _norm_span(doc: Document, span: Hit) -> Hit:
    """Map an original-text span to norm offsets (inverse of Document.origin)."""
    if doc._origin is None:
        return span
    import bisect

    start = bisect.bisect_left(doc._origin, span[0])
    end = bisect.bisect_left(doc._origin, span[1])
    return start, max(end, start + 1)


def emoji(spec: DetectorSpec) -> Detector:
    """Emoji and emoticons: feeling icons in a business letter."""

    def run(doc: Document, ctx: Context) -> list[Hit]:
        hits: list[Hit] = []
        for start, end in _scoped(doc, spec.scope):
            o_start, o_end = doc.origin(start), doc.origin(end) if end < len(doc.norm) else len(doc.original)
            hits.extend(_norm_span(doc, span) for span in emoji_spans(doc.original, o_start, o_end))
        return hits

    return run


def length(spec: DetectorSpec) -> Detector:
    """The body has more words than the letter kind allows."""

    def run(doc: Document, ctx: Context) -> list[Hit]:
        limit = spec.limits.get(ctx.kind)
        if limit is None:
            return []
        body = doc.body
        words = list(_WORD.finditer(doc.norm, body.start, body.end))
        if len(words) <= limit:
            return []
        return [(words[limit].start(), words[-1].end())]

    return run


def context(spec: DetectorSpec) -> Detector:
    """The letter never names the position (or, for a status inquiry, the interview date)."""
    role = _union(spec.patterns)

    def run(doc: Document, ctx: Context) -> list[Hit]:
        if _mentions_position(doc, ctx, role):
            return []
        if ctx.kind is LetterKind.STATUS_INQUIRY and _DATE_WORDS.search(doc.norm):
            return []
        body = doc.body
        first = doc.sentence_at(body.start) if body.end > body.start else (0, min(len(doc.norm), 1))
        return [(max(first[0], body.start), max(first[1], body.start + 1))] if doc.norm else []

    return run


def _mentions_position(doc: Document, ctx: Context, role: Matcher | None) -> bool:
    if ctx.notes is not None:
        words = [w for w in _WORD.findall(fold(ctx.notes.position)) if len(w) > 2]
        if words and any(re.search(rf"\b{re.escape(w)}", doc.norm) for w in words):
            return True
        return False
    return bool(role and role.search(doc.norm))


def recipient(spec: DetectorSpec) -> Detector:
    """The greeting or a 'the X role' mention does not match the notes: a copy-paste letter."""
    role_mention = re.compile("|".join(spec.patterns)) if spec.patterns else None

    def run(doc: Document, ctx: Context) -> list[Hit]:
        if ctx.notes is None:
            return []
        hits = _wrong_greeting(doc, ctx.notes)
        if role_mention is not None:
            hits += _wrong_roles(doc, ctx.notes, role_mention)
        return hits

    return run


def _name_tokens(text: str) -> set[str]:
    """Name words folded like the letter text, so "José" in the notes matches "Jose"."""
    return {w for w in _WORD.findall(fold(text)) if w not in _NAME_TITLES and len(w) > 1}


def _wrong_greeting(doc: Document, notes: InterviewNotes) -> list[Hit]:
    greeting = doc.greeting
    if greeting is None:
        return []
    line = doc.norm[greeting.start : greeting.end]
    named = _name_tokens(line) - _GREETING_WORDS - {"all", "there", "team", "everyone", "hiring", "manager"}
    named -= {"to", "whom", "it", "may", "concern", "or", "and", "the"}
    if not named or re.search(r"[\[{<]|xxx|todo", line):
        return []
    known: set[str] = set()
    for person in notes.interviewers:
        known |= _name_tokens(person.name) | _name_tokens(person.address_as or "")
    if named & known:
        return []
    return [(greeting.start, greeting.end)]


def _wrong_roles(doc: Document, notes: InterviewNotes, role_mention: re.Pattern[str]) -> list[Hit]:
    expected = _name_tokens(notes.position)
    hits: list[Hit] = []
    for match in role_mention.finditer(doc.norm):
        named = match.groupdict().get("title")
        if not named:
            continue
        tokens = _name_tokens(named) - {"the", "a", "an", "this", "your", "my", "open", "new"}
        if tokens and not tokens & expected:
            hits.append(match.span("title"))
    return hits


def timing(spec: DetectorSpec) -> Detector:
    """A status inquiry written before the decision date the interviewer gave."""

    def run(doc: Document, ctx: Context) -> list[Hit]:
        notes, today = ctx.notes, ctx.today or date.today()
        if notes is None or notes.decision_date is None or ctx.kind is not LetterKind.STATUS_INQUIRY:
            return []
        if today >= notes.decision_date:
            return []
        body = doc.body
        return [doc.sentence_at(body.start) if body.end > body.start else (0, max(1, len(doc.norm)))]

    return run


def greeting(spec: DetectorSpec) -> Detector:
    """Greeting-line phrases (To whom it may concern, Hi there); some only when notes name someone."""
    pattern = _union(spec.patterns)

    def run(doc: Document, ctx: Context) -> list[Hit]:
        block = doc.greeting
        if pattern is None:
            return []
        start, end = (block.start, block.end) if block else (0, len(doc.norm))
        limit = end if block else min(len(doc.norm), 200)
        return pattern.finditer(doc.norm, start, limit)[:1]

    return run


_FACTORIES: dict[str, Callable[[DetectorSpec], Detector]] = {
    "phrases": phrases,
    "count": count,
    "shouting": shouting,
    "emoji": emoji,
    "length": length,
    "context": context,
    "recipient": recipient,
    "timing": timing,
    "greeting": greeting,
}
