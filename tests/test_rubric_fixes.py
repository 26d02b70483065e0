"""Safe fixes: they remove what they can, never add a violation, and re-check the result."""

from __future__ import annotations

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from letterguard.notes import InterviewNotes
from letterguard.rubric import check, fix

NOTES = InterviewNotes.model_validate(
    {
        "candidate": {"name": "Sam Park"},
        "company": "Northwind",
        "position": "Data Analyst",
        "interviewers": [{"name": "Jane Lee", "address_as": "Ms. Lee"}],
    }
)


def test_surplus_thanks_drop_to_two() -> None:
    text = (
        "Dear Ms. Lee,\n\nThank you for the interview for the analyst role. I appreciate your time.\n\n"
        "I enjoyed the SQL exercise. Thanks again, and I look forward to hearing from you.\n\nThank you,\nSam"
    )
    result = fix(text)
    assert "thanks_limit" not in result.report.rules_broken()
    assert "I look forward to hearing from you." in result.text
    assert result.report.passed


def test_presumption_closing_becomes_neutral() -> None:
    text = "Dear Ms. Lee,\n\nThanks for the chat about the analyst role.\n\nI look forward to working with you.\n\nBest,\nSam"
    result = fix(text)
    assert "I look forward to hearing from you." in result.text
    assert "working with you" not in result.text
    assert result.report.passed


def test_exclamations_and_emoji_calm_down() -> None:
    text = "Hi Jane,\n\nThanks for today!! The analyst role sounds great! Really! 😊\n\nBest,\nSam"
    result = fix(text)
    assert "!" not in result.text and "😊" not in result.text
    assert result.report.passed


def test_generic_greeting_and_placeholders_filled_from_notes() -> None:
    text = "To whom it may concern,\n\nThank you for the interview for the [Position] role at {company}.\n\nBest,\n[Your Name]"
    result = fix(text, notes=NOTES)
    assert result.text.startswith("Dear Ms. Lee,")
    assert "Data Analyst role at Northwind" in result.text
    assert result.text.rstrip().endswith("Sam Park")
    assert result.report.passed, result.report.violations


def test_without_notes_placeholders_are_reported_not_guessed() -> None:
    text = "Dear [Name],\n\nThank you for the interview for the analyst role.\n\nBest,\nSam"
    result = fix(text)
    assert "[Name]" in result.text and not result.report.passed


def test_flattery_sentence_dropped_when_the_letter_keeps_a_body() -> None:
    text = (
        "Dear Ms. Lee,\n\nThank you for the interview for the analyst role. You are an amazing interviewer.\n\n"
        "I look forward to hearing from you.\n\nBest,\nSam"
    )
    result = fix(text)
    assert "amazing" not in result.text and result.report.passed


def test_fixing_a_clean_letter_changes_nothing(corpus) -> None:
    for record in corpus:
        if not any(record["labels"].values()):
            result = fix(record["text"], kind=record["kind"])
            assert result.text == record["text"] or not result.report.violations, record["id"]


def test_fix_never_adds_a_violation(corpus) -> None:
    for record in corpus:
        before = Counter(v.rule for v in check(record["text"], kind=record["kind"]).violations)
        after = Counter(v.rule for v in fix(record["text"], kind=record["kind"]).report.violations)
        assert all(after[rule] <= before[rule] for rule in after), record["id"]


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=600))
def test_check_and_fix_never_raise_on_arbitrary_text(text: str) -> None:
    report = check(text)
    for v in report.violations:
        assert 0 <= v.start <= v.end <= len(text)
        assert v.line >= 1 and v.col >= 1
    fix(text)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(["Thank you", "THANK", "Dear Sir", "!!", "😊", "[Name]", "\u200b", "\u0430", " ", "\n", "best", "I look forward to working with you", "."]), max_size=40))
def test_check_never_raises_on_adversarial_fragments(parts: list[str]) -> None:
    text = "".join(parts)
    check(text)
    fix(text, notes=NOTES)
