"""The rubric against the labelled development corpus: keep the scores from regressing."""

from __future__ import annotations

from letterguard.rubric import default_rubric
from letterguard.rubric.evaluate import CORE_RULES, evaluate, read_corpus

from conftest import CORPUS


def test_corpus_scores_meet_targets() -> None:
    result = evaluate(default_rubric(), read_corpus(CORPUS))
    assert result.letters == 140
    assert result.macro_f1 >= 0.95
    for rule in CORE_RULES:
        assert result.scores[rule].f1 >= 0.90, result.scores[rule].to_dict()
    for rule in ("generic_greeting", "placeholder"):
        assert result.scores[rule].f1 >= 0.95, result.scores[rule].to_dict()


def test_clean_letters_stay_clean_of_errors(corpus) -> None:
    rubric = default_rubric()
    for record in corpus:
        if not any(record["labels"].values()):
            report = rubric.check(record["text"], kind=record["kind"])
            assert report.passed, (record["id"], [(v.rule, v.text) for v in report.errors])
