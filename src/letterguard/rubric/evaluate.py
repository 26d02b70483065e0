"""Score the rubric against a labelled corpus: precision, recall and F1 per rule."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from letterguard.kinds import LetterKind
from letterguard.rubric.engine import Rubric

CORE_RULES = ("thanks_limit", "flattery", "pleading", "presumption", "over_emotion")


class CorpusError(ValueError):
    """A corpus line is not a labelled letter; the message names the line."""


@dataclass(frozen=True)
class LabelledLetter:
    id: str
    kind: LetterKind
    text: str
    labels: dict[str, bool]


@dataclass
class RuleScore:
    """Confusion counts for one rule, with the letters it got wrong."""

    rule: str
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    false_positives: list[str] = field(default_factory=list)
    false_negatives: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def to_dict(self) -> dict:
        return {
            "rule": self.rule, "precision": round(self.precision, 4), "recall": round(self.recall, 4),
            "f1": round(self.f1, 4), "tp": self.tp, "fp": self.fp, "fn": self.fn, "tn": self.tn,
            "false_positives": self.false_positives, "false_negatives": self.false_negatives,
        }


@dataclass
class EvalResult:
    letters: int
    scores: dict[str, RuleScore]

    @property
    def macro_f1(self) -> float:
        core = [self.scores[r].f1 for r in CORE_RULES if r in self.scores]
        return sum(core) / len(core) if core else 0.0

    def to_dict(self) -> dict:
        return {"letters": self.letters, "macro_f1_core": round(self.macro_f1, 4),
                "rules": [s.to_dict() for s in self.scores.values()]}


def read_corpus(path: Path) -> Iterator[LabelledLetter]:
    """Stream labelled letters from JSON Lines, naming the line of any bad record."""
    with path.open(encoding="utf-8-sig") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                yield LabelledLetter(record["id"], LetterKind(record["kind"]), record["text"], dict(record["labels"]))
            except (ValueError, KeyError, TypeError) as exc:
                raise CorpusError(f"{path}:{number}: not a labelled letter ({exc.__class__.__name__}: {exc})") from None


def evaluate(rubric: Rubric, letters: Iterable[LabelledLetter]) -> EvalResult:
    """Check every letter with its kind and compare broken rules with the labels."""
    scores: dict[str, RuleScore] = {}
    count = 0
    for letter in letters:
        count += 1
        broken = rubric.check(letter.text, kind=letter.kind).rules_broken()
        for rule, expected in letter.labels.items():
            if rule not in rubric:
                continue
            score = scores.setdefault(rule, RuleScore(rule))
            got = rule in broken
            if got and expected:
                score.tp += 1
            elif got:
                score.fp += 1
                score.false_positives.append(letter.id)
            elif expected:
                score.fn += 1
                score.false_negatives.append(letter.id)
            else:
                score.tn += 1
    ordered = {r: scores[r] for r in [*CORE_RULES, *sorted(set(scores) - set(CORE_RULES))] if r in scores}
    return EvalResult(letters=count, scores=ordered)
