"""The rubric against the held-out corpus: letters written apart from the dev corpus.

`heldout_letters.jsonl` holds paraphrases the dev corpus does not use and clean letters with
near-misses, labelled against shared/etiquette-rules.md (not against what the checker does).
It was written in fourteen batches (135, 40, 40, 30, 25, 60, 31, 30, 28, 24, 22, 20, 15, 15
letters; the last nine, ids `b2-` to `b10-`, by a second writer in other voices: terse notes,
Indian, Nigerian, Filipino, Gulf, Korean and South African English, trades, hospitality,
academia, the NHS, the civil service, aviation, the forces; `b5-` and `b10-` are mostly clean
letters aimed at the pattern families: other people's hardship, interview-stage logistics,
conditional plans, generic statements). Each batch was scored before the rubric was tuned on
it (blind macro-F1 over the core rules: 0.58, 0.48, 0.71, 0.75, 0.60, 0.60, 0.51, 0.60, 0.60,
0.77, 0.56, 0.79, 0.68, 0.70). Later rounds came in 40-letter batches (blind macro-F1 before
tuning; b15 to b22 are the two batches of a round together):

- `b15`: professions and voices 0.76; `b17`: anxious inquiries and refusals 0.90; `b18`:
  casual messages and formal world Englishes 0.88; `b19`: trigger-word traps 0.81; `b20`:
  long letters with one slip, messy pasted text 0.84; `b21`: edges of presumption, flattery
  and gratitude 0.94; `b22`: machine-written letters, surface forms 0.95.
- Written to slip past keyword lists (invented idioms, irony, rhetorical questions,
  second-hand praise, hardship told as a story): `b23b` 0.36, `b24a` 0.87, `b25a` 0.44,
  `b27a` 0.89, `b29b` (the hardest clean letters) 0.66. This is what a phrase rubric misses.
- In the development corpus's style, or realistic test-set-like mixes: `b23a` 0.91, `b24b`
  0.98, `b25b` 1.00, `b26` 1.00 and 1.00, `b27b` 0.98, `b28` 0.94 and 0.92, `b29a` 0.99,
  `b30a` 0.92, `b31` 0.94 and 0.95, `b32` 0.91 and 0.98, `b33a` 0.97, `b34` 1.00 and 0.98, `b35` 0.98 and 1.00, `b36` 1.00 and 1.00.

Two early labels that counted "cheers for" as thanks were relabelled: the definition's list
of counted forms leaves it out. These thresholds guard against regressions, not against
unseen wording; keep them a small margin below the reached scores.
"""

from __future__ import annotations

import json
from collections import Counter

import pytest

from letterguard.kinds import LetterKind
from letterguard.rubric import default_rubric
from letterguard.rubric.evaluate import CORE_RULES, evaluate, read_corpus

from conftest import DATA

HELDOUT = DATA / "heldout_letters.jsonl"
LABELS = {*CORE_RULES, "generic_greeting", "placeholder"}


@pytest.fixture(scope="module")
def records() -> list[dict]:
    return [json.loads(line) for line in HELDOUT.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_heldout_corpus_is_well_formed(records: list[dict]) -> None:
    assert len({r["id"] for r in records}) == len(records) >= 200
    assert Counter(r["kind"] for r in records).keys() == {k.value for k in LetterKind}
    for record in records:
        assert set(record["labels"]) == LABELS, record["id"]
        assert bool(record.get("why")) == any(record["labels"].values()), record["id"]
    clean = sum(not any(r["labels"].values()) for r in records)
    assert 0.3 <= clean / len(records) <= 0.5


def test_heldout_scores_stay_at_the_reached_level() -> None:
    result = evaluate(default_rubric(), read_corpus(HELDOUT))
    assert result.macro_f1 >= 0.97
    for rule in CORE_RULES:
        assert result.scores[rule].f1 >= 0.93, result.scores[rule].to_dict()
    for rule in ("generic_greeting", "placeholder"):
        assert result.scores[rule].f1 >= 0.95, result.scores[rule].to_dict()


def test_clean_heldout_letters_pass(records: list[dict]) -> None:
    rubric = default_rubric()
    for record in records:
        if not any(record["labels"].values()):
            report = rubric.check(record["text"], kind=record["kind"])
            broken = {v.rule for v in report.violations} & LABELS
            assert not broken, (record["id"], [(v.rule, v.text) for v in report.violations if v.rule in broken])
