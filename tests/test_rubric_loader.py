"""Custom rubric files: overrides, new rules, select/ignore, and errors naming file:line:key."""

from __future__ import annotations

from pathlib import Path

import pytest

from letterguard.rubric import RubricError, load_rubric


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "house.toml"
    path.write_text(body, encoding="utf-8")
    return path


def test_override_changes_only_the_keys_it_sets(tmp_path: Path) -> None:
    rubric = load_rubric([write(tmp_path, '[[rule]]\nid = "length"\nseverity = "error"\n')])
    assert rubric.rule("length").severity.value == "error"
    assert rubric.rule("length").why  # kept from the built-in rule


def test_new_rule_of_a_builtin_kind(tmp_path: Path) -> None:
    body = (
        '[[rule]]\nid = "no_sorry"\nseverity = "warning"\nmessage = "Apologetic"\nwhy = "Sounds unsure."\n'
        '[[rule.detect]]\nkind = "phrases"\npatterns = ["\\\\bsorry\\\\b"]\n'
    )
    rubric = load_rubric([write(tmp_path, body)])
    assert "no_sorry" in rubric.check("Hi Jo,\n\nSorry to bother you about the analyst role.\n\nBest,\nSam").rules_broken()


def test_select_and_ignore() -> None:
    assert [r.id for r in load_rubric(select=["flattery"]).rules] == ["flattery"]
    assert "length" not in load_rubric(ignore=["length"])


def test_unknown_rule_id_in_select() -> None:
    with pytest.raises(RubricError, match="unknown rule 'flatery'"):
        load_rubric(select=["flatery"])


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('[[rule]]\nid = "length"\nseverity = "fatal"\n', r"house.toml:3: rule 'length', key 'rule.severity': must be one of"),
        ('[[rule]]\nid = "length"\n\nsevrity = "error"\n', r"house.toml:4: rule 'length', key 'rule.sevrity': unknown key \(did you mean 'severity'\?\)"),
        ('[[rule]]\nid = "x"\nseverity = "error"\nmessage = "m"\nwhy = "w"\n[[rule.detect]]\nkind = "phrases"\npatterns = ["(unclosed"]\n', r"house.toml:8: rule 'x': bad pattern"),
        ('[[rule]\nid = "x"\n', r"house.toml: .*line 1"),
        ('[[rule]]\nseverity = "error"\n', r"house.toml:1: rule is missing 'id'"),
        ('[[rule]]\nid = "x"\nseverity = "error"\n', r"house.toml:1: rule 'x', key 'rule.message': required key is missing"),
    ],
)
def test_broken_rubric_names_file_line_and_key(tmp_path: Path, body: str, expected: str) -> None:
    with pytest.raises(RubricError, match=expected):
        load_rubric([write(tmp_path, body)])
