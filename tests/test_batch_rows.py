"""Reading cohort rows: JSONL, CSV, folders, bad rows reported with their number."""

from __future__ import annotations

import inspect
import json
import tracemalloc
from pathlib import Path

import pytest

from batch_fakes import notes_row, write_csv, write_jsonl
from letterguard.batch.rows import InputError, count_rows, csv_mapping, read_rows


def test_jsonl_rows_are_streamed_and_numbered_by_line(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "c.jsonl", [notes_row(1), "", notes_row(2, panel=3)])
    rows = read_rows(path)
    assert inspect.isgenerator(rows)
    first, second = list(rows)
    assert (first.number, first.id, second.number, second.id) == (1, "r1", 3, "r2")
    assert len(second.notes.interviewers) == 3
    assert count_rows(path) == 2


def test_bad_jsonl_rows_are_reported_and_others_kept(tmp_path: Path) -> None:
    missing = notes_row(3)
    del missing["company"]
    path = write_jsonl(tmp_path / "c.jsonl", [notes_row(1), "{not json", "[1, 2]", missing, notes_row(5)])
    rows = list(read_rows(path))
    assert [r.error is None for r in rows] == [True, False, False, False, True]
    assert "line 2" in rows[1].error and "malformed JSON" in rows[1].error
    assert "line 3" in rows[2].error and "JSON object" in rows[2].error
    assert "line 4" in rows[3].error and "\n" not in rows[3].error
    (tmp_path / "bad.jsonl").write_bytes(b'{"a": "\xff"}\n')
    assert "UTF-8" in next(read_rows(tmp_path / "bad.jsonl")).error


def test_csv_columns_become_notes(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "c.csv", [
        'x7,Ann Lee,ann@example.com,Acme,Backend Engineer,2026-05-12,'
        '"Priya Sharma (Engineering Manager) <priya@acme.com>; Marcus Lee",billing; on-call',
    ])
    (row,) = read_rows(path)
    assert row.error is None and row.id == "x7" and row.number == 1
    notes = row.notes
    assert notes.candidate.email == "ann@example.com"
    assert [(i.name, i.title, i.email) for i in notes.interviewers] == [
        ("Priya Sharma", "Engineering Manager", "priya@acme.com"), ("Marcus Lee", None, None)]
    assert notes.topics == ["billing", "on-call"]
    assert str(notes.interview_date) == "2026-05-12"


def test_csv_mapping_splits_lists() -> None:
    data = csv_mapping({"candidate_name": "A", "moments": "x; ;y", "interviewers": "P (T)"})
    assert data == {"candidate": {"name": "A"}, "moments": ["x", "y"], "interviewers": [{"name": "P", "title": "T"}]}


def test_bad_csv_rows_are_reported_with_row_and_line(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "c.csv", [
        "1,Ann,,Acme,Engineer,2026-05-12,Priya,",
        "2,,,Acme,Engineer,2026-05-12,Priya,",  # no candidate name
        "3,Bo,,Acme,Engineer,not-a-date,Priya,",
        "4,Cy,,Acme,Engineer,2026-05-12,Priya,a,b,c",  # too many cells
        "",
        "5,Di,,Acme,Engineer,2026-05-12,Priya,",
    ])
    rows = list(read_rows(path))
    assert [r.error is None for r in rows] == [True, False, False, False, True]
    assert rows[1].error.startswith("c.csv row 2 (line 3)")
    assert "cells" in rows[3].error
    assert rows[4].number == 5


def test_csv_header_problems_are_input_errors(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("candidate_name,company,position,intervewers\n")
    with pytest.raises(InputError, match="unknown CSV column 'intervewers'"):
        list(read_rows(tmp_path / "a.csv"))
    (tmp_path / "b.csv").write_text("candidate_name,company,position\n")
    with pytest.raises(InputError, match="no 'interviewers' column"):
        list(read_rows(tmp_path / "b.csv"))
    (tmp_path / "c.csv").write_text("")
    with pytest.raises(InputError, match="empty"):
        list(read_rows(tmp_path / "c.csv"))
    with pytest.raises(InputError, match="no such file"):
        read_rows(tmp_path / "missing.csv")
    (tmp_path / "d.xlsx").write_text("x")
    with pytest.raises(InputError, match="jsonl or .csv"):
        read_rows(tmp_path / "d.xlsx")


def test_csv_header_is_forgiving_about_case_and_spaces(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("\ufeffCandidate Name,Company,Position,Interviewers\nAnn,Acme,Engineer,Priya\n", encoding="utf-8")
    (row,) = read_rows(tmp_path / "a.csv")
    assert row.error is None and row.notes.candidate.name == "Ann"


def test_folder_of_notes_files(tmp_path: Path) -> None:
    (tmp_path / "b.json").write_text(json.dumps({k: v for k, v in notes_row(2).items() if k != "id"}))
    (tmp_path / "a.json").write_text(json.dumps({k: v for k, v in notes_row(1).items() if k != "id"}))
    (tmp_path / "c.yaml").write_text("company: [unclosed\n")
    (tmp_path / "ignored.png").write_bytes(b"\x89PNG")
    rows = list(read_rows(tmp_path))
    assert [(r.number, r.id, r.error is None) for r in rows] == [(1, "a.json", True), (2, "b.json", True), (3, "c.yaml", False)]
    assert count_rows(tmp_path) == 3


def test_reader_memory_does_not_grow_with_rows(tmp_path: Path) -> None:
    line = json.dumps(notes_row(1)) + "\n"
    (tmp_path / "big.jsonl").write_text(line * 5000)
    tracemalloc.start()
    try:
        for _ in read_rows(tmp_path / "big.jsonl"):
            pass
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 512 * 1024, f"reading 5,000 rows peaked at {peak} bytes"
