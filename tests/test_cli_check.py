"""`letterguard check`, `rules` and `eval` through typer's CliRunner."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from letterguard.cli import _register, app

from conftest import CORPUS

_register(["letterguard"])
runner = CliRunner()

CLEAN = "Subject: Analyst interview\n\nDear Ms. Lee,\n\nThank you for the interview for the Data Analyst role.\n\nI look forward to hearing from you.\n\nBest regards,\nSam Park\n"
BAD = "Dear Ms. Lee,\n\nThank you so much for the interview for the analyst role!! I look forward to working with you.\n\nThanks,\nSam\n"


@pytest.fixture
def letters(tmp_path: Path) -> Path:
    (tmp_path / "clean.txt").write_text(CLEAN, encoding="utf-8")
    (tmp_path / "bad.txt").write_text(BAD, encoding="utf-8")
    return tmp_path


def invoke(*args: str, input: str | None = None):
    return runner.invoke(app, list(args), input=input)


def test_clean_letter_exits_zero(letters: Path) -> None:
    result = invoke("check", str(letters / "clean.txt"))
    assert result.exit_code == 0, result.output
    assert "all passed" in result.output


def test_findings_have_path_line_col_rule_why_and_fix(letters: Path) -> None:
    path = str(letters / "bad.txt")
    result = invoke("check", path)
    assert result.exit_code == 1
    assert f"{path}:3:" in result.output and "presumption" in result.output and "over_emotion" in result.output
    assert "why:" in result.output and "fix:" in result.output


def test_json_shape_is_stable(letters: Path) -> None:
    result = invoke("check", "--format", "json", str(letters / "bad.txt"), str(letters / "clean.txt"))
    data = json.loads(result.stdout)
    assert [f["path"] for f in data["files"]] == [str(letters / "bad.txt"), str(letters / "clean.txt")]
    first = data["files"][0]
    assert set(first) == {"path", "kind", "passed", "violations"} and first["passed"] is False
    assert set(first["violations"][0]) == {"rule", "severity", "line", "col", "end_line", "end_col", "text", "message", "suggestion"}
    assert data["summary"]["files"] == 2


def test_github_annotations(letters: Path) -> None:
    result = invoke("check", "--format", "github", str(letters / "bad.txt"))
    assert result.stdout.startswith("::error file=")


def test_folder_and_stdin(letters: Path) -> None:
    assert invoke("check", str(letters)).exit_code == 1
    assert invoke("check", "-", input=CLEAN).exit_code == 0


def test_fix_rewrites_the_file_and_diff_does_not(letters: Path) -> None:
    path = letters / "bad.txt"
    diff = invoke("check", "--diff", str(path))
    assert diff.stdout.startswith("---") and path.read_text(encoding="utf-8") == BAD
    fixed = invoke("check", "--fix", str(path))
    assert fixed.exit_code == 0, fixed.output
    assert "working with you" not in path.read_text(encoding="utf-8")


def test_select_ignore_and_custom_rubric(letters: Path, tmp_path: Path) -> None:
    path = str(letters / "bad.txt")
    assert invoke("check", "--select", "flattery", path).exit_code == 0
    assert invoke("check", "--ignore", "presumption,over_emotion,thanks_limit", path).exit_code == 0
    broken = tmp_path / "broken.toml"
    broken.write_text('[[rule]]\nid = "length"\nseverity = "loud"\n', encoding="utf-8")
    result = invoke("check", "--rubric", str(broken), path)
    assert result.exit_code == 2 and "broken.toml:3" in result.output


def test_project_config_ignores_rules(letters: Path, monkeypatch) -> None:
    (letters / "letterguard.toml").write_text('ignore = ["presumption", "over_emotion", "thanks_limit"]\n', encoding="utf-8")
    monkeypatch.chdir(letters)
    assert invoke("check", "bad.txt").exit_code == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty"),
        (b"\x00\x01\x02binary", "binary file"),
        (b"caf\xe9 in latin-1", "not UTF-8"),
        (b"x" * 1_000_001, "over 1 MB"),
    ],
)
def test_bad_files_get_one_line_and_exit_2_while_others_are_checked(letters: Path, content: bytes, message: str) -> None:
    (letters / "broken.txt").write_bytes(content)
    result = invoke("check", "--format", "json", str(letters / "broken.txt"), str(letters / "clean.txt"))
    assert result.exit_code == 2
    assert message in result.stderr and "Traceback" not in result.output
    assert json.loads(result.stdout)["files"][1]["passed"] is True


def test_utf16_with_bom_and_eml_bodies(tmp_path: Path) -> None:
    (tmp_path / "u16.txt").write_bytes(CLEAN.encode("utf-16"))
    (tmp_path / "mail.eml").write_text(f"From: a@example.com\nSubject: Analyst interview\n\n{CLEAN.split(chr(10), 2)[2]}", encoding="utf-8")
    result = invoke("check", str(tmp_path / "u16.txt"), str(tmp_path / "mail.eml"))
    assert result.exit_code == 0, result.output


def test_missing_path_and_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = invoke("check", str(tmp_path / "nope.txt"), str(tmp_path / "empty"))
    assert result.exit_code == 2
    assert "no such file" in result.stderr and "no letters" in result.stderr


def test_notes_enable_wrong_recipient(letters: Path, tmp_path: Path) -> None:
    notes = tmp_path / "notes.yaml"
    notes.write_text(
        "candidate: {name: Sam Park}\ncompany: Northwind\nposition: Data Analyst\ninterviewers: [{name: Raj Patel}]\n",
        encoding="utf-8",
    )
    result = invoke("check", "--notes", str(notes), str(letters / "clean.txt"))
    assert result.exit_code == 1 and "wrong_recipient" in result.output


def test_rules_list_and_page() -> None:
    listing = invoke("rules")
    assert listing.exit_code == 0 and "thanks_limit" in listing.output and "wrong_recipient" in listing.output
    page = invoke("rules", "flattery")
    assert "Why it matters" in page.output and "Flagged" in page.output
    assert invoke("rules", "nope").exit_code == 2


def test_eval_reports_scores() -> None:
    result = invoke("eval", "--format", "json", str(CORPUS))
    data = json.loads(result.stdout)
    assert data["letters"] == 140 and data["macro_f1_core"] >= 0.95
    assert invoke("eval", str(CORPUS)).exit_code == 0


def test_eval_bad_corpus(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": 1}\n', encoding="utf-8")
    result = invoke("eval", str(bad))
    assert result.exit_code == 2 and "bad.jsonl:1" in result.stderr


def test_check_does_not_import_the_model_stack(letters: Path) -> None:
    code = (
        "import sys; from letterguard.cli import main; sys.argv=['letterguard','check',%r]\n"
        "try: main()\nexcept SystemExit: pass\n"
        "bad=[m for m in ('openai','instructor','jinja2','pydantic') if m in sys.modules]\n"
        "print('IMPORTED', bad)" % str(letters / "clean.txt")
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "IMPORTED []" in out
