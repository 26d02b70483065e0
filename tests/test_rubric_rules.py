"""Every rule's own examples run as tests: bad ones must be flagged, good ones must pass."""

from __future__ import annotations

import pytest

from letterguard.rubric import default_rubric

RUBRIC = default_rubric()
CASES = [
    pytest.param(rule.id, example.text, example.bad, id=f"{rule.id}-{'bad' if example.bad else 'good'}-{i}")
    for rule in RUBRIC.rules
    for i, example in enumerate(rule.examples)
]


@pytest.mark.parametrize(("rule_id", "text", "bad"), CASES)
def test_rule_examples(rule_id: str, text: str, bad: bool) -> None:
    broken = RUBRIC.check(text).rules_broken()
    assert (rule_id in broken) is bad, f"{rule_id} {'missed' if bad else 'fired on'}: {text!r}"


def test_every_rule_is_documented() -> None:
    for rule in RUBRIC.rules:
        assert rule.message and rule.why and rule.suggestion, rule.id
        if not rule.needs_notes:
            assert rule.bad_examples or rule.id == "length", f"{rule.id} has no bad example"
            assert rule.good_examples, f"{rule.id} has no good example"


def test_rule_ids_match_the_etiquette_rules() -> None:
    assert {r.id for r in RUBRIC.rules} == {
        "thanks_limit", "flattery", "pleading", "presumption", "over_emotion", "generic_greeting",
        "placeholder", "length", "missing_context", "salary", "premature_follow_up", "wrong_recipient",
    }


def test_severities_follow_the_rules_file() -> None:
    errors = {r.id for r in RUBRIC.rules if r.severity.value == "error"}
    assert errors == {"thanks_limit", "flattery", "pleading", "presumption", "over_emotion", "placeholder", "wrong_recipient"}
