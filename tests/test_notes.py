"""Notes parsers: every format, aliases, typo hints, encodings and the essentials helpers."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from letterguard.kinds import LetterKind
from letterguard.notes import (
    ESSENTIAL_PROMPTS,
    InterviewNotes,
    NotesError,
    essential_gaps,
    fill_gap,
    load_notes,
    notes_from_mapping,
    parse_date,
    parse_notes,
    parse_notes_data,
    read_notes_data,
)

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
MINIMAL = "Candidate: Ana Silva\nCompany: Acme\nPosition: Analyst\nInterviewer: Tom Reed\n"


@pytest.mark.parametrize("name", ["notes.txt", "notes.yaml", "notes.json", "notes.toml"])
def test_every_example_loads_to_the_same_notes(name: str) -> None:
    notes = load_notes(EXAMPLES / name)
    assert notes == load_notes(EXAMPLES / "notes.txt")
    assert notes.position == "Backend Engineer"
    assert [i.name for i in notes.interviewers] == ["Priya Raman", "Marcus Lee"]
    assert notes.interviewers[1].topics == ["idempotent retries for payment webhooks"]
    assert notes.decision_date == date(2026, 5, 22)


@pytest.mark.parametrize("name", ["notes.txt", "notes.yaml", "notes.json", "notes.toml"])
def test_sniffing_finds_each_format(name: str) -> None:
    text = (EXAMPLES / name).read_text(encoding="utf-8")
    assert parse_notes(text) == load_notes(EXAMPLES / name)


def test_pasted_text_aliases_and_people() -> None:
    notes = parse_notes(
        "**Me:** Ana Silva <ana@example.com>\nphone: 555 0100\nEMPLOYER: Acme Ltd\nJob: Data Analyst\n"
        "Interview date: May 12, 2026\nInterviewer: Tom Reed (Head of Data)\nInterviewer: Jo Park, Analyst\n"
        "Next contact: 2026/05/20\nOutcome: turned down\nTone: friendly\nChannel: letter\n"
        "Kind: formal thank you\nQuestion: how the team reviews dashboards\n",
        fmt="text",
    )
    assert notes.candidate.name == "Ana Silva" and notes.candidate.email == "ana@example.com"
    assert notes.candidate.phone == "555 0100"
    assert (notes.company, notes.position) == ("Acme Ltd", "Data Analyst")
    assert notes.interview_date == date(2026, 5, 12) and notes.decision_date == date(2026, 5, 20)
    assert [(i.name, i.title) for i in notes.interviewers] == [("Tom Reed", "Head of Data"), ("Jo Park", "Analyst")]
    assert (notes.outcome, notes.tone, notes.channel, notes.kind) == ("rejected", "warm", "paper", "formal_thank_you")
    assert notes.open_question == "how the team reviews dashboards"


def test_bullets_sections_and_per_interviewer_topics() -> None:
    notes = parse_notes(
        MINIMAL.replace("Interviewer: Tom Reed\n", "")
        + "## Interviewers\n* Tom Reed (Lead)\n1. Dr. Jo Park\nTopics:\n- Tom: dashboards in Looker\n"
        "- Jo: cohort analysis\n  across regions\n- SQL: window functions\nMaterials:\n• my portfolio\n"
        "Moments: - ; the coffee-machine tour\n",
    )
    tom, jo = notes.interviewers
    assert tom.topics == ["dashboards in Looker"]
    assert jo.name == "Dr. Jo Park" and jo.topics == ["cohort analysis across regions"]
    assert notes.topics == ["SQL: window functions"]
    assert notes.materials_promised == ["my portfolio"]


def test_inline_interviewer_lists() -> None:
    both = parse_notes(MINIMAL.replace("Interviewer: Tom Reed", "Interviewers: Tom Reed, Jo Park and Al Wu"))
    assert [i.name for i in both.interviewers] == ["Tom Reed", "Jo Park", "Al Wu"]
    titled = parse_notes(MINIMAL.replace("Interviewer: Tom Reed", "Interviewers: Tom Reed, Engineering Manager"))
    assert [(i.name, i.title) for i in titled.interviewers] == [("Tom Reed", "Engineering Manager")]


def test_structured_formats_accept_aliases_and_shorthand() -> None:
    data = {"Me": "Ana Silva", "employer": "Acme", "role": "Analyst", "interviewer": "Tom Reed (Lead)",
            "topics": [{"Tom": "dashboards"}, "budgets"], "date": "12 May 2026", "phone": 5550100}
    notes = parse_notes(json.dumps(data))
    assert notes.interviewers[0].topics == ["dashboards"] and notes.topics == ["budgets"]
    assert notes.candidate.phone == "5550100" and notes.interview_date == date(2026, 5, 12)


@pytest.mark.parametrize(
    ("text", "fmt", "expected"),
    [
        (MINIMAL + "Interviewr: Jo Park\n", "text", "unknown field 'Interviewr' (did you mean 'interviewer'?)"),
        ("company: A\nposition: B\ncandidate: C\ninterviewers:\n  - name: D\n    titel: E\n", "yaml",
         "unknown field 'titel' in interviewers[0] (did you mean 'title'?)"),
        ('{"candidate": {"nmae": "C"}}', "json", "unknown field 'nmae' in candidate (did you mean 'name'?)"),
        ("Compnay: Acme\n", "text", "(did you mean 'company'?)"),
    ],
)
def test_unknown_keys_get_a_hint(text: str, fmt: str, expected: str) -> None:
    with pytest.raises(NotesError, match=None) as info:
        parse_notes(text, fmt=fmt, source="notes.x")
    message = str(info.value)
    assert expected in message and "\n" not in message and message.startswith("notes.x")


def test_missing_essentials_are_named() -> None:
    with pytest.raises(NotesError) as info:
        parse_notes(MINIMAL.replace("Position: Analyst\n", ""), source="notes.txt")
    assert str(info.value) == "notes.txt: missing the position (add 'Position: ...')"


def test_essential_gaps_and_fill() -> None:
    data = parse_notes_data("Company: Acme\nInterviewers:\n", fmt="text")
    gaps = essential_gaps(data)
    assert gaps == ["interviewer", "position", "candidate"]
    assert all(gap in ESSENTIAL_PROMPTS for gap in gaps)
    for gap, answer in zip(gaps, ["Tom Reed (Lead)", "Analyst", "Ana Silva"]):
        data = fill_gap(data, gap, answer)
    assert essential_gaps(data) == []
    notes = notes_from_mapping(data, "notes.txt")
    assert isinstance(notes, InterviewNotes) and notes.interviewers[0].title == "Lead"


@pytest.mark.parametrize(
    ("text", "fmt", "expected"),
    [
        (MINIMAL + "Date: next Tuesday\n", "text", "interview date: 'next Tuesday' is not a date"),
        (MINIMAL + "Tone: sarcastic\n", "text", "tone 'sarcastic' is not one of: formal, warm"),
        (MINIMAL + "Position: Other\n", "text", "line 5: 'Position' is given twice"),
        ("- a stray bullet\n", "text", "line 1: a list item with no heading above it"),
        (MINIMAL + "They seemed to like me\n", "text", "line 5: can't tell what 'They seemed to like me' is"),
        ("company: [unclosed\n", "yaml", "invalid YAML"),
        ("company: A\ncompany: B\n", "yaml", "line 2: 'company' appears twice"),
        ('{"company": ', "json", "line 1: invalid JSON"),
        ("company = \n", "toml", "invalid TOML"),
        ("- just\n- a list\n", "yaml", "found a list"),
        ("[" * 100_000 + "]" * 100_000, "json", "nested too deeply"),
        ('{"candidate": "A", "company": "B", "position": "C", "interviewers": [{"name": ""}]}', "json",
         "missing the interviewer's name"),
        ('{"candidate": "A", "company": "B", "position": "C", "interviewers": "D", "topics": [[1]]}', "json",
         "topics[0] should be text, not a list"),
    ],
)
def test_bad_notes_give_one_clear_line(text: str, fmt: str, expected: str) -> None:
    with pytest.raises(NotesError) as info:
        parse_notes(text, fmt=fmt, source="notes")
    assert expected in str(info.value) and "\n" not in str(info.value)


def test_pydantic_errors_are_wrapped_with_the_field_path() -> None:
    with pytest.raises(NotesError) as info:
        notes_from_mapping({"candidate": "A", "company": "B", "position": "C", "interviewers": "D",
                            "interview_date": "2026-02-30"}, "n.json")
    assert str(info.value).startswith("n.json: interview date:")


@pytest.mark.parametrize(
    "encode",
    [
        lambda t: t.encode("utf-8"),
        lambda t: b"\xef\xbb\xbf" + t.encode("utf-8"),
        lambda t: t.encode("utf-16"),
        lambda t: b"\xfe\xff" + t.encode("utf-16-be"),
        lambda t: t.encode("utf-32"),
    ],
)
def test_encodings(tmp_path: Path, encode) -> None:
    path = tmp_path / "notes.txt"
    path.write_bytes(encode(MINIMAL.replace("Ana Silva", "Ána Şilva")))
    assert load_notes(path).candidate.name == "Ána Şilva"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "is empty"),
        (b"  \n\n", "is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        ("Company: Café".encode("latin-1"), "not UTF-8"),
        (b"Topics:\n" + b"- x\n" * 300_000, "too large"),
    ],
)
def test_unreadable_files(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "notes.md"
    path.write_bytes(content)
    with pytest.raises(NotesError, match=expected):
        load_notes(path)


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(NotesError, match="no such file"):
        read_notes_data(tmp_path / "nope.yaml")
    with pytest.raises(NotesError, match="folder"):
        read_notes_data(tmp_path)


@pytest.mark.parametrize(
    "text", ["2026-05-12", "12 May 2026", "May 12, 2026", "2026/05/12", "Tuesday, 12th May 2026", "12 May 2026, 10:30"]
)
def test_dates(text: str) -> None:
    assert parse_date(text) == date(2026, 5, 12)


def test_normalised_data_round_trips() -> None:
    data = parse_notes_data((EXAMPLES / "notes.txt").read_text(encoding="utf-8"))
    assert parse_notes_data(json.dumps(data, default=str), fmt="json") == data


def test_a_model_dump_validates_back_to_the_same_notes() -> None:
    notes = load_notes(EXAMPLES / "notes.yaml").model_copy(update={"kind": LetterKind.STATUS_INQUIRY})
    assert notes_from_mapping(notes.model_dump(), "<model>") == notes
    assert notes_from_mapping(json.loads(notes.model_dump_json()), "<model>") == notes
