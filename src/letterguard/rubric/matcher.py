"""Fast phrase matching: run only the alternatives whose required words occur.

Python's regex engine tries a pattern that starts with ``\\b`` at every position of the
text, so a rubric of a few hundred alternatives costs ~1 ms per letter. Almost every
alternative needs some literal ("grateful", "beg", "world") to match at all; we derive
those literals from the parsed pattern once, and per letter run only the alternatives
whose literals appear (a substring test is ~100x cheaper than a regex scan). Results are
the same as scanning with the whole union, leftmost match first, overlaps dropped.
"""

from __future__ import annotations

import re
from functools import cache
from re import _constants as C  # noqa: N812 - the parser's opcode names
from re import _parser as sre_parse

Requirement = frozenset[str] | None  # any of these strings must occur; None = cannot tell

_USERS: dict[str, set[_Lazy]] = {}  # literal -> the alternatives it gates
_finder: tuple[int, re.Pattern[str]] | None = None  # (literal count it was built for, regex)
_last_text: str | None = None
_last_active: set[_Lazy] = set()
_texts_seen = 0
_SUBSTRING_TEXTS = 4  # compiling the trie (~15 ms) pays off only after a few letters


def _active(text: str) -> set[_Lazy]:
    """The alternatives whose literals occur in ``text`` (cached for the text being checked).

    One regex pass finds every literal: a trie of them inside a lookahead, so every
    position reports its longest literal, and that literal's prefixes are present too.
    """
    global _last_text, _last_active, _texts_seen
    if text is not _last_text:
        _texts_seen += 1
        if _texts_seen <= _SUBSTRING_TEXTS:  # a few letters: plain substring tests beat compiling the trie
            present = {literal for literal in _USERS if literal in text}
        else:
            found = {m.group(1) for m in _literal_finder().finditer(text)}
            present = set().union(*map(_literal_prefixes, found)) if found else set()
        _last_active = set().union(*[_USERS[literal] for literal in present])  # C-level union
        _last_text = text
    return _last_active


def _literal_finder() -> re.Pattern[str]:
    global _finder
    if _finder is None or _finder[0] != len(_USERS):
        _finder = (len(_USERS), re.compile(f"(?=({_trie(sorted(_USERS))}))", re.DOTALL))
    return _finder[1]


@cache
def _literal_prefixes(literal: str) -> frozenset[str]:
    return frozenset(literal[:i] for i in range(1, len(literal) + 1) if literal[:i] in _USERS)


def _trie(literals: list[str]) -> str:
    """A regex matching any of ``literals``, longest first, factored by common prefixes."""
    root: dict = {}
    for literal in literals:
        node = root
        for char in literal:
            node = node.setdefault(char, {})
        node[""] = {}
    return _trie_node(root) or "(?!)"


def _trie_node(node: dict) -> str:
    branches = [re.escape(char) + _trie_node(child) for char, child in node.items() if char]
    if "" in node:
        branches.append("")
    if len(branches) == 1:
        return branches[0]
    return "(?:" + "|".join(branches) + ")"


class Matcher:
    """A union of regex alternatives with literal pre-filters."""

    def __init__(self, patterns: list[str]):
        self._always: list[_Lazy] = []  # alternatives with no literal to filter on
        self._gated: set[_Lazy] = set()
        from letterguard.rubric.memo import memo

        analysed = memo()
        for pattern in patterns:
            for alternative, needs in analysed.analyse(pattern):
                part = _Lazy(alternative)
                if needs is None:
                    self._always.append(part)
                    continue
                self._gated.add(part)
                for literal in needs:
                    _USERS.setdefault(literal, set()).add(part)

    def __bool__(self) -> bool:
        return bool(self._always or self._gated)

    def _parts_for(self, text: str) -> list[_Lazy]:
        return [*self._always, *(self._gated & _active(text))] if self._gated else self._always

    def finditer(self, text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
        end = len(text) if end is None else end
        spans = [span for part in self._parts_for(text) for span in part.spans(text, start, end)]
        return _leftmost_non_overlapping(spans) if len(spans) > 1 else spans

    def search(self, text: str, start: int = 0, end: int | None = None) -> bool:
        end = len(text) if end is None else end
        return any(part.search(text, start, end) for part in self._parts_for(text))


class _Lazy:
    """One alternative, compiled the first time a letter could match it: most never are,
    and compiling all of them would dominate the start-up of `letterguard check`.

    Most alternatives start with ``\\b``, which stops the regex engine from skipping ahead
    to the next possible first character; so we scan with the ``\\b`` stripped (fast) and
    confirm each candidate with the whole pattern at that position (exact).
    """

    __slots__ = ("source", "_exact", "_scan")

    def __init__(self, source: str):
        self.source = source
        self._exact: re.Pattern[str] | None = None
        self._scan: re.Pattern[str] | None = None

    def _compile(self) -> re.Pattern[str]:
        self._exact = re.compile(self.source)
        self._scan = re.compile(self.source[2:]) if self.source.startswith("\\b") else self._exact
        return self._exact

    def spans(self, text: str, start: int, end: int) -> list[tuple[int, int]]:
        exact = self._exact or self._compile()
        scan = self._scan
        if scan is exact:
            return [m.span() for m in exact.finditer(text, start, end)]
        found: list[tuple[int, int]] = []
        pos = start
        while pos <= end and (candidate := scan.search(text, pos, end)):
            at = candidate.start()
            match = exact.match(text, at, end)
            if match is None:
                pos = at + 1
                continue
            found.append(match.span())
            pos = match.end() if match.end() > at else at + 1
        return found

    def search(self, text: str, start: int, end: int) -> bool:
        exact = self._exact or self._compile()
        if self._scan is exact:
            return exact.search(text, start, end) is not None
        pos = start
        while pos <= end and (candidate := self._scan.search(text, pos, end)):
            if exact.match(text, candidate.start(), end):
                return True
            pos = candidate.start() + 1
        return False


def _leftmost_non_overlapping(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    kept: list[tuple[int, int]] = []
    for start, end in sorted(spans, key=lambda s: (s[0], -s[1])):
        if kept and start < kept[-1][1]:
            continue
        kept.append((start, end))
    return kept


def split_alternatives(pattern: str) -> list[str]:
    """Split a pattern at its top-level ``|`` so each alternative can be gated alone."""
    parts, depth, current, i, in_class = [], 0, [], 0, False
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            current.append(pattern[i : i + 2])
            i += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            parts.append("".join(current))
            current = []
            i += 1
            continue
        current.append(char)
        i += 1
    parts.append("".join(current))
    return [part for part in parts if part]


@cache
def required_literals(pattern: str) -> Requirement:
    """Strings of which at least one must occur for ``pattern`` to match (None if unknown).

    Parsing doubles as validation: a malformed pattern raises ``re.error`` here.
    """
    parsed = sre_parse.parse(pattern)
    needs = _sequence(list(parsed))
    return frozenset(needs) if needs else None


def _sequence(items: list) -> set[str] | None:
    """The best requirement of a sequence: a literal run, or an inner group's requirement."""
    best: set[str] | None = None
    run: list[str] = []

    def consider(candidate: set[str] | None) -> None:
        nonlocal best
        if candidate and (best is None or _selectivity(candidate) > _selectivity(best)):
            best = candidate

    for op, arg in items:
        if op is C.LITERAL:
            run.append(chr(arg))
            continue
        consider({"".join(run)} if run else None)
        run = []
        consider(_item(op, arg))
    consider({"".join(run)} if run else None)
    return best


# Words in nearly every letter: a literal made only of these filters nothing out.
_COMMON = frozenset(
    "a an and are am as at be but dear for have hi hello i i'm i've i'll in is it me my of on "
    "our please so that the this thank thanks to very was we were will with would you you're your "
    "team role position job interview work time today company office".split()
)
_RARE_SYMBOLS = frozenset("%[]{}<>$#~|\\^`@*_")


def _strength(literal: str) -> int:
    """Length of the longest uncommon word in ``literal`` (0 = it occurs everywhere)."""
    if not any(c.isalpha() for c in literal):
        return 6 if _RARE_SYMBOLS.intersection(literal) else 2
    return max((len(w) for w in re.findall(r"[a-z'-]+", literal) if w not in _COMMON), default=0)


def _selectivity(candidate: set[str]) -> tuple[int, int, int]:
    """Prefer literals made of uncommon words, then fewer of them, then longer ones."""
    weakest = min(min(_strength(lit), 6) for lit in candidate)
    shortest = min(map(len, candidate))
    return weakest, -len(candidate), shortest


def _item(op, arg) -> set[str] | None:
    if op is C.IN and len(arg) <= 4 and all(kind is C.LITERAL for kind, _ in arg):
        return {chr(code) for _, code in arg}
    if op is C.SUBPATTERN:
        return _sequence(list(arg[-1]))
    if op is C.BRANCH:
        options = [_sequence(list(branch)) for branch in arg[1]]
        if any(option is None for option in options):
            return None
        return set().union(*options)
    if op in (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT) and arg[0] >= 1:
        return _sequence(list(arg[2]))
    return None
