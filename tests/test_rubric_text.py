"""Text handling: disguises must not hide a violation, and spans map back to the original."""

from __future__ import annotations

import pytest

from letterguard.rubric import check

BASE = "Dear Ms. Lee,\n\n{body}\n\nBest regards,\nSam Park"


def thanks(body: str) -> bool:
    return "thanks_limit" in check(BASE.format(body=body)).rules_broken()


@pytest.mark.parametrize(
    "body",
    [
        "THANK YOU for the interview. THANK YOU for the tour. THANK YOU for lunch.",
        "Th a nk you for the interview. Thank you for the tour. T h a n k you for lunch.",
        "Thank\u200b you for the interview. Thank you for the tour. Tha\u200bnk you for lunch.",
        "Th\u0430nk you for the interview. Thank you for the tour. \u0422hank you for lunch.",  # Cyrillic a, T
        "Ｔｈａｎｋ you for the interview. Thank you for the tour. Thank you for lunch.",  # full-width
        "Thank  you for the interview.\tThank you for the tour.  Thank you for lunch.",
    ],
)
def test_disguised_gratitude_is_counted(body: str) -> None:
    assert thanks(body)


def test_subject_and_quoted_speech_are_not_the_writers_thanks() -> None:
    text = (
        "Subject: Thank you - analyst interview\n\nDear Ms. Lee,\n\nThank you for the interview. "
        'Your colleague said "thanks for coming" on the way out.\n\nThanks again,\nSam'
    )
    assert check(text).passed


@pytest.mark.parametrize(
    "reply",
    [
        "On Tue, 11 Jun at 15:42, Zoe Fairbanks <zoe@example.org> wrote:\n> Thanks for coming in.\n>\n> Thanks again,\n> Zoe",
        "-----Original Message-----\nFrom: Okafor, Chidi\nSent: 18 July 2024 16:02\nSubject: Your application\n\n"
        "Dear Amira,\nThank you for attending. We appreciate your time.\nKind regards,\nChidi",
        "> Dear Sam,\n> Thank you for coming in, we really appreciate it. Thanks!\n> Priya",
    ],
)
def test_a_quoted_earlier_message_below_the_letter_is_not_the_writers(reply: str) -> None:
    text = f"Dear Ms. Lee,\n\nThank you for the interview.\n\nThanks,\nSam\n\n{reply}"
    report = check(text)
    assert report.passed, [(v.rule, v.text) for v in report.violations]
    assert "thanks_limit" in check(text.replace("interview.", "interview. I am grateful and appreciate it.")).rules_broken()


def test_phone_shorthand_is_read_as_the_words_it_stands_for() -> None:
    text = "hi Simone,\n\nany news on the UX role? if i dont hear from u by tonight i will have to take it.\n\nregards\nLiam"
    (violation,) = [v for v in check(text).violations if v.rule == "pleading"]
    assert text[violation.start : violation.end] == violation.text and violation.text.startswith("if i dont hear from u")
    calm = "Dear Ms. Lee,\n\nThank you for the interview for the U.S. tax analyst role (u@example.com).\n\nBest,\nSam"
    assert check(calm).passed


def test_names_from_the_notes_are_never_findings() -> None:
    from letterguard.notes import InterviewNotes

    notes = InterviewNotes.model_validate(
        {"candidate": {"name": "Sam Lee"}, "company": "Amazing Grace Ltd", "position": "AEEE",
         "interviewers": [{"name": "Ann Roe"}]}
    )
    text = "Dear Ms. Roe,\n\nThank you for meeting me about the AEEE role at Amazing Grace Ltd.\n\nKind regards,\nSam Lee"
    assert check(text, notes=notes).passed
    assert not check(text).passed  # without notes the words are judged as written


def test_signoff_counts_as_thanks() -> None:
    text = "Dear Ms. Lee,\n\nThank you for the interview. I am grateful for the tour.\n\nThank you,\nSam"
    assert "thanks_limit" in check(text).rules_broken()


def test_spans_map_to_original_line_and_column() -> None:
    text = "Subject: Hi\n\nDear Ms. Lee,\n\nI met the w\u200borld-class team today.\n\nBest,\nSam"
    (violation,) = [v for v in check(text).violations if v.rule == "flattery"]
    assert (violation.line, violation.col) == (5, 11)
    assert text[violation.start : violation.end] == violation.text
    assert "class" in violation.text


def test_cyrillic_lookalikes_do_not_hide_flattery() -> None:
    text = BASE.format(body="Y\u043eu are an \u0430mazing interviewer.")
    assert "flattery" in check(text).rules_broken()


def test_acronyms_are_not_shouting_but_words_are() -> None:
    calm = BASE.format(body="I used SQL, AWS and GAAP daily, and HR confirmed the RN licence.")
    loud = BASE.format(body="I REALLY enjoyed the visit and was VERY glad to meet the team.")
    assert "over_emotion" not in check(calm).rules_broken()
    assert "over_emotion" in check(loud).rules_broken()


def test_placeholder_is_not_also_shouting() -> None:
    rules = check(BASE.format(body="I enjoyed meeting the XXX team about the TODO role.")).rules_broken()
    assert "placeholder" in rules and "over_emotion" not in rules


def test_conditional_start_is_not_presumption() -> None:
    text = BASE.format(body="If selected, I could start in March. I look forward to hearing from you.")
    assert "presumption" not in check(text).rules_broken()


def test_split_emoji_scans_find_what_the_union_finds():
    """The fast per-shape emoji scans agree with the one readable regex, on tricky text."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from letterguard.rubric.detectors import _EMOJI, emoji_spans

    alphabet = st.sampled_from(list("ab /<3:;-)(dpDP\n") + ["\u2764", "\ufe0f", "\U0001f600", "\u200d"])

    @settings(max_examples=400, deadline=None)
    @given(st.lists(alphabet, max_size=30).map("".join), st.integers(0, 5))
    def agree(text, start):
        start = min(start, len(text))
        assert emoji_spans(text, start, len(text)) == [m.span() for m in _EMOJI.finditer(text, start, len(text))]

    agree()
