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
0.77, 0.56, 0.79, 0.68, 0.70). Eight later rounds of 80 letters each (`b15`, `b17` to
`b23`: professions and voices, anxious status inquiries and refusals, casual messages, long
formal letters in world Englishes, clean letters from jobs full of trigger words, long
letters with one buried slip, messy pasted text with quoted replies, the edges of
presumption, flattery and gratitude, machine-written letters, greetings and surface forms,
internal candidates and panels, and short letters whose one violation is a fresh idiom)
scored 0.76, 0.90, 0.88, 0.81, 0.84, 0.94, 0.95 and 0.64 blind (0.91 and 0.36: invented
idioms are what a phrase rubric misses). A ninth (`b24`) scored 0.87 on idioms and metaphors
and 0.98 on letters in the style of the development corpus; a tenth (`b25`) 0.44 on
violations written to slip past keyword lists (irony, rhetorical questions, second-hand
praise, hardship told as a story) and 1.00 on development-corpus style; an eleventh (`b26`,
an adviser's week of realistic letters, and status inquiries and refusals in the corpus
style) 1.00 and 1.00; a twelfth (`b27`, sincere-sounding flattery and pleading; fresh
presumption, gushing and surplus thanks) 0.89 and 0.98; a thirteenth (`b28`, hurried phone
and second-language letters; panel thank-yous in the corpus style) 0.94 and 0.92; a
fourteenth (`b29`, corpus style; the hardest clean letters) 0.99 and 0.66; a fifteenth
(`b30a`, a test-set-like mix) 0.92; a sixteenth (`b31`, two more such mixes) 0.94 and 0.95; a seventeenth (`b32`) 0.91
and 0.98; an eighteenth (`b33a`) 0.97. Two early labels that
counted "cheers for" as thanks were relabelled: the definition's list of counted forms
leaves it out. These thresholds guard against
regressions, not against unseen wording. Keep them a small margin below the reached scores
(1.0 on every rule when written).
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
