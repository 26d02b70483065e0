"""`letterguard draft` through typer's CliRunner: offline by default, a fake model when asked."""

from __future__ import annotations

import email
import json
from email.policy import default as email_policy
from pathlib import Path

import pytest
from typer.testing import CliRunner

import letterguard.cli.draft  # noqa: F401 - registers the command
from fakes import FakeModel, letter, sample_notes
from letterguard import model as model_module
from letterguard.cli import app
from letterguard.rubric import check

ROOT = Path(__file__).resolve().parents[1]
NOTES = ROOT / "examples" / "notes.txt"
ONE = ROOT / "cassettes" / "notes" / "one_interviewer.yaml"
NO_MODEL = {"OPENAI_API_KEY": None, "OPENAI_BASE_URL": None, "LETTERGUARD_MODEL": None}
STUCK = letter("Thank you for talking with me today about the Data Engineer role. TODO: mention Kafka.")


def invoke(*args: str, input: str | None = None, env: dict | None = None):
    return CliRunner().invoke(app, ["draft", *args], input=input, env={**NO_MODEL, **(env or {})})


@pytest.fixture
def fake_model(monkeypatch):
    """Route --model to a scripted FakeModel instead of a server."""
    holder: dict = {}

    def install(script, extracted=None):
        fake = FakeModel(script, extracted=extracted)
        monkeypatch.setattr(model_module, "LetterModel", lambda config: fake)
        holder["model"] = fake
        return fake

    return install


def test_offline_draft_of_the_example_notes():
    result = invoke(str(NOTES), "--today", "2026-05-12")
    assert result.exit_code == 0, result.output
    letters = result.stdout.split("\n" + "-" * 72 + "\n\n")
    assert len(letters) == 2  # one letter per interviewer, clearly separated
    assert letters[0].startswith("Subject: ") and "Dear Ms. Raman," in letters[0]
    assert "Dear Marcus," in letters[1]
    notes = sample_notes()
    for text in letters:
        assert check(text, kind="thank_you").passed
        assert "Daniel Okafor" in text
    assert result.stderr == ""


def test_piped_notes_give_the_same_letters():
    from_file = invoke(str(NOTES), "--today", "2026-05-12").stdout
    text = NOTES.read_text()
    assert invoke("-", "--today", "2026-05-12", input=text).stdout == from_file
    assert invoke("--today", "2026-05-12", input=text).stdout == from_file


def test_missing_essential_is_one_line_and_exit_2():
    result = invoke("-", input="Company: Acme\nPosition: Analyst\nCandidate: Ann Lee\n")
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "interviewer" in lines[0]


def test_missing_essential_is_asked_for_on_a_terminal(tmp_path, monkeypatch):
    monkeypatch.setattr(letterguard.cli.draft, "stdin_is_terminal", lambda: True)
    notes = tmp_path / "notes.txt"
    notes.write_text("Company: Acme\nPosition: Data Analyst\nCandidate: Ann Lee\n")
    result = invoke(str(notes), "--today", "2026-05-12", input="Priya Shah\n")
    assert result.exit_code == 0, result.output
    assert "Interviewer's name" in result.stderr
    assert "Priya Shah" in result.stdout


@pytest.mark.parametrize(
    ("args", "stdin", "needle"),
    [
        (["/no/such/notes.yaml"], None, "no/such/notes.yaml"),
        (["-"], "", "no notes"),
        ([str(NOTES), "--today", "12/05/2026"], None, "--today"),
        ([str(NOTES), "-o", "a.txt", "--out-dir", "b"], None, "either"),
        ([str(NOTES), "--model", "m"], None, "needs a server"),
    ],
)
def test_bad_input_is_one_line_exit_2(args, stdin, needle):
    result = invoke(*args, input=stdin)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1 and needle in result.stderr


def test_premature_status_inquiry_is_refused_unless_forced():
    refused = invoke(str(NOTES), "--kind", "status_inquiry", "--today", "2026-05-15")
    assert refused.exit_code == 2 and "Too early" in refused.stderr and "--force" in refused.stderr
    forced = invoke(str(NOTES), "--kind", "status_inquiry", "--today", "2026-05-15", "--force")
    assert forced.exit_code == 0 and "Subject:" in forced.stdout


def test_kind_is_guessed_from_dates():
    result = invoke(str(NOTES), "--today", "2026-05-26", "--format", "json")
    assert {item["kind"] for item in json.loads(result.stdout)} == {"status_inquiry"}


def test_json_format():
    data = json.loads(invoke(str(ONE), "--today", "2026-03-02", "--format", "json").stdout)
    assert set(data) >= {"subject", "greeting", "body", "closing", "to", "kind", "report"}
    assert data["to"] == {"name": "Folake Adeyemi", "email": "f.adeyemi@example.org"}
    assert data["report"]["passed"] is True


def test_eml_format():
    out = invoke(str(ONE), "--today", "2026-03-02", "--format", "eml").stdout
    message = email.message_from_string(out, policy=email_policy)
    assert message["To"] == "Folake Adeyemi <f.adeyemi@example.org>"
    assert message["From"] == "Grace Mwangi <grace.mwangi@example.net>"
    assert message["Subject"] and not message.get_content().startswith("Subject:")
    assert message.get_content().startswith("Dear Ms. Adeyemi,")


def test_out_dir_writes_one_file_per_interviewer(tmp_path):
    result = invoke(str(NOTES), "--today", "2026-05-12", "--out-dir", str(tmp_path / "out"))
    assert result.exit_code == 0 and result.stdout == ""
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == ["marcus-lee-thank-you.txt", "priya-raman-thank-you.txt"]


def test_out_file(tmp_path):
    target = tmp_path / "letter.eml"
    result = invoke(str(ONE), "--today", "2026-03-02", "--format", "eml", "-o", str(target))
    assert result.exit_code == 0 and result.stdout == ""
    assert target.read_text().startswith("From: Grace Mwangi")


def test_save_run_writes_one_json_file(tmp_path):
    result = invoke(str(NOTES), "--today", "2026-05-12", "--save-run", str(tmp_path / "runs"))
    assert result.exit_code == 0
    (saved,) = (tmp_path / "runs").iterdir()
    record = json.loads(saved.read_text())
    assert [o["interviewer"]["name"] for o in record["outcomes"]] == ["Priya Raman", "Marcus Lee"]
    assert record["outcomes"][0]["attempts"][0]["source"] == "composer"
    assert record["model"] is None


def test_model_path_with_explain_and_fix(fake_model):
    fake_model([letter("Thank you for meeting me about the Night Charge Nurse role.\n\nI look forward to working with you.")])
    result = invoke(str(ONE), "--today", "2026-03-02", "--model", "m", "--base-url", "http://llm.test/v1", "--explain")
    assert result.exit_code == 0, result.output
    assert "working with you" not in result.stdout
    assert "attempt 1 [model]" in result.stderr and "presumption" in result.stderr and "attempt 1 [fix]" in result.stderr
    assert "fixed via model+fix" in result.stderr


def test_fallback_notice_goes_to_stderr(fake_model):
    fake_model([STUCK, STUCK])
    result = invoke(str(ONE), "--today", "2026-03-02", "--model", "m", "--base-url", "http://llm.test/v1", "--max-attempts", "2")
    assert result.exit_code == 0
    assert "offline composer" in result.stderr
    assert "TODO" not in result.stdout and result.stdout.startswith("Subject:")


def test_no_fallback_rejected_prints_nothing_and_exits_1(fake_model):
    fake_model([STUCK, STUCK])
    result = invoke(
        str(ONE), "--today", "2026-03-02", "--model", "m", "--base-url", "http://llm.test/v1", "--max-attempts", "2", "--no-fallback"
    )
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "passed the checks" in result.stderr and "placeholder" in result.stderr


def test_free_form_notes_are_read_by_the_model(fake_model):
    fake = fake_model([letter()], extracted=sample_notes())
    result = invoke("-", "--today", "2026-05-12", "--model", "m", "--base-url", "http://llm.test/v1",
                    input="Met Priya Shah at Acme today for the data engineer job. We talked Kafka.\n")
    assert result.exit_code == 0, result.output
    assert "read by the model" in result.stderr
    assert "Ann Lee" in result.stdout
    fake.assert_done()


def test_free_form_notes_without_a_model_say_how_to_read_them():
    result = invoke("-", "--today", "2026-05-12", input="Met Priya Shah at Acme today for the data engineer job.\n")
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "configure a model" in result.stderr
    assert result.stdout == ""


def test_custom_rubric_reaches_the_guard(fake_model, tmp_path):
    """A house rule from --rubric sends a draft back to the model like a built-in rule."""
    house = tmp_path / "house.toml"
    house.write_text(
        '[[rule]]\nid = "no_synergy"\nseverity = "error"\nmessage = "Buzzword"\nwhy = "House style."\n'
        'suggestion = "Say what you mean."\n[[rule.detect]]\nkind = "phrases"\npatterns = ["\\\\bsynergy\\\\b"]\n',
        encoding="utf-8",
    )
    buzz = letter("Thank you for meeting me about the Night Charge Nurse role. I felt real synergy.")
    model = fake_model([buzz, letter("Thank you for meeting me about the Night Charge Nurse role.")])
    result = invoke(
        str(ONE), "--today", "2026-03-02", "--model", "m", "--base-url", "http://llm.test/v1", "--rubric", str(house), "--explain"
    )
    assert result.exit_code == 0, result.output
    assert "no_synergy" in result.stderr and "synergy" not in result.stdout
    model.assert_done()
