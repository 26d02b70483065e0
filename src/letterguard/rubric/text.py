"""Text a checker can trust: normalised for matching, mapped back to the original.

Rules match against ``Document.norm``: NFKC, lower case, zero-width characters removed,
Cyrillic/Greek look-alikes folded to Latin, curly quotes straightened and letter-spaced
words ("t h a n k", "th a nk") joined. ``Document.origin(i)`` maps any offset in ``norm``
back to the user's text, so every finding points at what the user actually wrote.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e"), "")
_LOOKALIKES = str.maketrans(
    "аеорсуххіјѕԁɡһӏАВЕКМНОРСТХІЈЅαβεικνορτυχΑΒΕΗΙΚΜΝΟΡΤΧΥΖ‘’‚‛“”„‟′″–—‑‒−",
    "aeopcyxxijsdghlABEKMHOPCTXIJSabeiknoptuxABEHIKMNOPTXYZ''''\"\"\"\"'\"-----",
)
_SPACED_WORD = re.compile(r"\b(?:[a-z]{1,3}[ .\-_*]){2,}[a-z]{1,3}\b")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_GREETING = re.compile(
    r"^(dear|hi|hello|hey|good (morning|afternoon|evening|day)|greetings|to whom|hiya|morning|respected)\b"
)
_SIGNOFF = re.compile(
    r"^(best|kind|warm|warmest|many|with|yours|regards|sincerely|respectfully|thanks|thank you|"
    r"cheers|all the best|cordially|take care|gratefully|appreciatively|thanking you|"
    r"best wishes|have a|looking forward|hope to hear|talk soon|until|sent from)\b"
)
_ABBREVIATIONS = "".join(f"(?<!\\b{a})" for a in ("mr", "ms", "dr", "st", "vs", "jr", "sr", "no", "mrs", "prof", "e.g", "i.e", "etc"))
_SENTENCE_END = re.compile(_ABBREVIATIONS.replace(".", "\\.") + r"[.!?…]+[\"')\]]*(?=\s|$)")
_QUOTED = re.compile(r'"[^"\n]{1,400}"')
# The start of an earlier message pasted under the letter: a client's "On ... wrote:" line,
# an "Original/Forwarded message" rule, an Outlook line of underscores, or a "From:" header
# followed by Sent/Date/To. What follows is someone else's text, not the writer's.
_REPLY_HEADER = re.compile(
    r"^\s*(?:on\b.{4,200}\bwrote:|-{2,}\s*(?:original message|forwarded message|begin forwarded message)\s*-*|"
    r"begin forwarded message:?|_{10,})\s*$"
)
_HEADER_LINE = re.compile(r"^\s*(?:from|sent|date|to|cc|subject):\s")

# Words that letter-spacing must not hide; joined only when the result is one of them.
SPACED_VOCABULARY = frozenset(
    "thank thanks grateful gratitude appreciate appreciated beg begging please desperate "
    "need anything chance best amazing brilliant genius perfect excited thrilled dream sorry "
    "obliged hire hired join joining you".split()
)

_LONGEST = max(map(len, SPACED_VOCABULARY)) + 1  # letters in the longest watched word, plus a plural "s"


@dataclass(frozen=True, slots=True)
class Block:
    """A region of the letter, as offsets into ``Document.norm``."""

    start: int
    end: int


def _fold(text: str) -> tuple[str, list[int] | None]:
    """Normalise ``text``; return it with a norm->original offset map (None = identity)."""
    if text.isascii():
        return text.lower(), None
    out: list[str] = []
    origin: list[int] = []
    pos = 0
    for match in _NON_ASCII.finditer(text):
        i = match.start()
        if i > pos:
            out.append(text[pos:i])
            origin.extend(range(pos, i))
        folded = unicodedata.normalize("NFKC", text[i]).translate(_ZERO_WIDTH).translate(_LOOKALIKES)
        folded = "".join(_fold_char(c) for c in folded)
        out.append(folded)
        origin.extend([i] * len(folded))
        pos = i + 1
    out.append(text[pos:])
    origin.extend(range(pos, len(text)))
    return "".join(out).lower(), origin


def fold(text: str) -> str:
    """Normalise a string (e.g. a name from the notes) exactly as letters are normalised."""
    return Document(text).norm


def _fold_char(char: str) -> str:
    """Strip accents from look-alike letters that NFKC keeps (e.g. 'ť' stays a letter)."""
    if char.isascii():
        return char
    base = unicodedata.normalize("NFD", char)[0]
    if base.isascii() and base.isalpha():
        return base
    return char


def _splice(norm: str, base: "list[int] | range", edits: list[tuple[int, int, str, list[int]]]) -> tuple[str, list[int]]:
    """Replace ``norm[start:end]`` by ``text`` for each edit (in order), keeping the map from
    normalised offsets to the original text (``origins``: one original offset per new char)."""
    pieces: list[str] = []
    mapping: list[int] = []
    pos = 0
    for start, end, text, origins in edits:
        pieces.append(norm[pos:start])
        mapping.extend(base[pos:start])
        pieces.append(text)
        mapping.extend(origins)
        pos = end
    pieces.append(norm[pos:])
    mapping.extend(base[pos:])
    return "".join(pieces), mapping


def _join_spaced(norm: str, origin: list[int] | None) -> tuple[str, list[int] | None]:
    """Join letter-spaced fragments ("th a nk", "t-h-a-n-k") that spell a watched word."""
    joins = [join for match in _SPACED_WORD.finditer(norm) for join in _watched_runs(norm, match)]
    if not joins:
        return norm, origin
    base = origin if origin is not None else range(len(norm))
    edits = [
        (start, end, "".join(norm[a:b] for a, b in fragments), [i for a, b in fragments for i in base[a:b]])
        for start, end, fragments in joins
    ]
    return _splice(norm, base, edits)


# Phone spelling, read as the words it stands for ("if i dont hear from u by tonight"), so
# rules written with "don't" and "you" see it. Ambiguous forms (ill, id, its, were) are left.
_TEXTSPEAK_WORDS = {
    **{w: w[:-1] + "'t" for w in "dont cant wont didnt doesnt isnt wasnt arent havent hasnt couldnt wouldnt shouldnt".split()},
    "im": "i'm", "ive": "i've", "youre": "you're", "theyre": "they're", "thats": "that's", "whats": "what's",
    "u": "you", "ur": "your", "pls": "please", "plz": "please",
}
_TEXTSPEAK = re.compile(r"(?<![\w'.@/-])(?:" + "|".join(sorted(_TEXTSPEAK_WORDS, key=len, reverse=True)) + r")(?![\w'@/-])")


def _expand_textspeak(norm: str, origin: list[int] | None) -> tuple[str, list[int] | None]:
    """Spell out phone shorthand; inserted letters map to the original letters they replace."""
    matches = list(_TEXTSPEAK.finditer(norm))
    if not matches:
        return norm, origin
    base = origin if origin is not None else range(len(norm))
    edits = []
    for match in matches:
        start, end = match.span()
        word = _TEXTSPEAK_WORDS[match.group()]
        edits.append((start, end, word, [base[start + min(i, end - start - 1)] for i in range(len(word))]))
    return _splice(norm, base, edits)


def _watched_runs(norm: str, match: re.Match[str]) -> list[tuple[int, int, list[tuple[int, int]]]]:
    """Longest runs of 2+ fragments inside ``match`` whose letters form a watched word."""
    fragments = [m.span() for m in re.finditer(r"[a-z]+", norm[match.start() : match.end()])]
    fragments = [(s + match.start(), e + match.start()) for s, e in fragments]
    letters = "".join(norm[s:e] for s, e in fragments)
    if not any(word in letters for word in SPACED_VOCABULARY):
        return []  # ordinary short words ("i met at the"): no watched word hides here
    runs, i = [], 0
    while i < len(fragments):
        # a watched word has at most _LONGEST letters, so it spans at most that many fragments
        for j in range(min(len(fragments) - 1, i + _LONGEST), i, -1):
            if fragments[j][1] - fragments[i][0] > 2 * _LONGEST + 1:
                continue
            word = "".join(norm[s:e] for s, e in fragments[i : j + 1])
            if word in SPACED_VOCABULARY or word.rstrip("s") in SPACED_VOCABULARY:
                runs.append((fragments[i][0], fragments[j][1], fragments[i : j + 1]))
                i = j
                break
        i += 1
    return runs


@dataclass
class Document:
    """A letter parsed once for every rule: normalised text plus its structure."""

    original: str
    norm: str = field(init=False)
    _origin: list[int] | None = field(init=False, repr=False)

    def __post_init__(self) -> None:
        norm, origin = _fold(self.original)
        norm = norm.translate(_ZERO_WIDTH) if origin is None and "\u200b" in norm else norm
        norm, origin = _expand_textspeak(norm, origin)
        self.norm, self._origin = _join_spaced(norm, origin)

    # -- offsets -----------------------------------------------------------------
    def origin(self, index: int) -> int:
        """Map an offset in ``norm`` to the original text (end offsets map past the char)."""
        if self._origin is None:
            return index
        if index >= len(self._origin):
            return len(self.original)
        return self._origin[index]

    def origin_span(self, start: int, end: int) -> tuple[int, int]:
        if end <= start:
            return self.origin(start), self.origin(start)
        return self.origin(start), self.origin(end - 1) + 1

    @cached_property
    def _line_starts(self) -> list[int]:
        return [0] + [m.end() for m in re.finditer("\n", self.original)]

    def line_col(self, offset: int) -> tuple[int, int]:
        """1-based line and column of an offset in the original text."""
        line = bisect.bisect_right(self._line_starts, offset) - 1
        return line + 1, offset - self._line_starts[line] + 1

    # -- structure ---------------------------------------------------------------
    @cached_property
    def lines(self) -> list[tuple[int, int]]:
        """(start, end) of every line of ``norm``."""
        spans, pos = [], 0
        for line in self.norm.split("\n"):
            spans.append((pos, pos + len(line)))
            pos += len(line) + 1
        return spans

    @cached_property
    def _all_content_lines(self) -> list[tuple[int, int]]:
        return [(s, e) for s, e in self.lines if self.norm[s:e].strip()]

    @cached_property
    def end(self) -> int:
        """Where the writer's own text ends: before a quoted earlier message, if any."""
        lines = self._all_content_lines
        for i in range(2, len(lines)):
            text = self.norm[lines[i][0] : lines[i][1]]
            quoted_tail = text.lstrip().startswith(">") and all(self.norm[s:e].lstrip().startswith(">") for s, e in lines[i:])
            header = _HEADER_LINE.match(text) and text.lstrip().startswith("from:") and any(
                _HEADER_LINE.match(self.norm[s:e]) and not self.norm[s:e].lstrip().startswith("from:") for s, e in lines[i + 1 : i + 4]
            )
            if _REPLY_HEADER.match(text) or quoted_tail or header:
                return lines[i][0]
        return len(self.norm)

    @cached_property
    def _content_lines(self) -> list[tuple[int, int]]:
        return [(s, e) for s, e in self._all_content_lines if s < self.end]

    @cached_property
    def subject(self) -> Block | None:
        lines = self._content_lines
        if lines and self.norm[lines[0][0] : lines[0][1]].lstrip().startswith(("subject:", "re:", "subj:")):
            return Block(*lines[0])
        return None

    @cached_property
    def greeting(self) -> Block | None:
        lines = self._content_lines[1 if self.subject else 0 :][:2]
        for start, end in lines:
            line = self.norm[start:end].strip()
            if _GREETING.match(line) or (line.endswith(",") and len(line.split()) <= 6):
                return Block(start, end)
        return None

    @cached_property
    def signoff(self) -> Block | None:
        """The sign-off line ("Best regards,"), searched from the end of the letter."""
        lines = self._content_lines
        floor = self.greeting.end if self.greeting else (self.subject.end if self.subject else -1)
        for start, end in reversed(lines[-7:]):
            if start <= floor:
                break
            line = self.norm[start:end].strip()
            words = line.split()
            if len(words) <= 6 and (line.endswith(",") or _SIGNOFF.match(line)) and not line.endswith("."):
                if _SIGNOFF.match(line) or line.endswith(","):
                    return Block(start, end)
        return None

    @cached_property
    def body(self) -> Block:
        """Everything between the greeting (or subject) and the sign-off."""
        start = 0
        for block in (self.greeting, self.subject):
            if block:
                start = max(start, block.end)
        end = self.signoff.start if self.signoff else self.end
        return Block(start, max(start, end))

    @cached_property
    def signature(self) -> Block | None:
        return Block(self.signoff.end, max(self.signoff.end, self.end)) if self.signoff else None

    @cached_property
    def quotes(self) -> list[tuple[int, int]]:
        """Spans of quoted speech and of quoted e-mail lines ("> ..."): someone else's words."""
        quoted = [m.span() for m in _QUOTED.finditer(self.norm)]
        quoted += [(s - 1, e + 1) for s, e in self._content_lines if self.norm[s:e].lstrip().startswith(">")]
        return sorted(quoted)

    def in_quote(self, index: int) -> bool:
        return any(s < index < e for s, e in self.quotes)

    @cached_property
    def sentences(self) -> list[tuple[int, int]]:
        """Sentence spans over the whole text (lines such as greeting count as one)."""
        spans: list[tuple[int, int]] = []
        for line_start, line_end in self._content_lines:
            pos = line_start
            for match in _SENTENCE_END.finditer(self.norm, line_start, line_end):
                spans.append((pos, match.end()))
                pos = match.end()
            if pos < line_end and self.norm[pos:line_end].strip():
                spans.append((pos, line_end))
        return [(s + len(self.norm[s:e]) - len(self.norm[s:e].lstrip()), e) for s, e in spans]

    def sentence_at(self, index: int) -> tuple[int, int]:
        starts = [s for s, _ in self.sentences]
        i = max(0, bisect.bisect_right(starts, index) - 1)
        return self.sentences[i] if self.sentences else (0, len(self.norm))

    def region(self, name: str) -> list[tuple[int, int]]:
        """Named scopes rules can target: all, subject, greeting, body, letter (no subject),
        signoff, signature. None reaches into a quoted earlier message below the letter."""
        if name == "all":
            return [(0, self.end)]
        if name == "letter":
            return [(self.subject.end if self.subject else 0, self.end)]
        block = getattr(self, name)
        return [(block.start, block.end)] if block else []
