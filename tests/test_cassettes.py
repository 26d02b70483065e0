"""End-to-end model path replayed from real recordings (cassettes/*.yaml).

The cassettes were made by scripts/record_cassettes.py: the real `letterguard draft`
command against SmolLM2-135M-Instruct behind llama-cpp-python's OpenAI-compatible server.
Replay needs no server and no network (record_mode="none": any request not in the
cassette fails). If a replay diverges from its recording, prompts, rules or the guard
changed what is sent: rerun the recorder rather than editing a cassette.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import re
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

import letterguard.cli.draft  # noqa: F401 - registers the command
from letterguard.cli import app
from letterguard.rubric import check

ROOT = Path(__file__).resolve().parents[1]
CASSETTES = ROOT / "cassettes"
MANIFEST = json.loads((CASSETTES / "manifest.json").read_text(encoding="utf-8"))["scenarios"]
NO_MODEL = {"OPENAI_API_KEY": None, "OPENAI_BASE_URL": None, "LETTERGUARD_MODEL": None}
RERECORD = "replay diverged from the recording; rerun scripts/record_cassettes.py (prompts, rules or guard changed)"

vcr = pytest.importorskip("vcr")


def _recorder():
    spec = importlib.util.spec_from_file_location("record_cassettes", ROOT / "scripts" / "record_cassettes.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


RECORDER = _recorder()


@pytest.fixture(autouse=True)
def recorded_rubric(monkeypatch):
    """Replay under the rubric the cassettes were recorded with (cassettes/rubric/), so the
    guard's decisions on recorded answers do not move when rubrics/*.toml is tuned."""
    from letterguard.rubric import engine

    snapshot = sorted((CASSETTES / "rubric").glob("*.toml"))
    assert snapshot, "cassettes/rubric/ is missing; rerun scripts/record_cassettes.py"
    monkeypatch.setattr(engine, "builtin_rubric_files", lambda: snapshot)
    engine.default_rubric.cache_clear()
    yield
    engine.default_rubric.cache_clear()


@pytest.fixture(autouse=True)
def no_real_waits(monkeypatch):
    """A divergent replay must fail fast, not sit in transport backoff."""
    import tenacity

    monkeypatch.setattr(tenacity.nap.time, "sleep", lambda seconds: None)
    monkeypatch.chdir(ROOT)


def replay(name: str, *extra: str):
    entry = MANIFEST[name]
    with vcr.VCR(**RECORDER.vcr_config("none")).use_cassette(str(CASSETTES / f"{name}.yaml")) as cassette:
        result = CliRunner().invoke(app, [*entry["command"][1:], *extra], env=NO_MODEL)
        played = cassette.all_played
    return result, played


def saved_run(name: str, tmp_path: Path) -> dict:
    result, _ = replay(name, "--save-run", str(tmp_path))
    (path,) = tmp_path.iterdir()
    return json.loads(path.read_text())


def interactions(name: str) -> list[dict]:
    return yaml.safe_load((CASSETTES / f"{name}.yaml").read_text(encoding="utf-8"))["interactions"]


def test_manifest_matches_recorder_scenarios():
    assert set(MANIFEST) == {s.name for s in RECORDER.SCENARIOS}
    for scenario in RECORDER.SCENARIOS:
        assert MANIFEST[scenario.name]["args"] == list(scenario.args)


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_cassette_is_a_real_filtered_recording(name):
    recorded = interactions(name)
    assert len(recorded) == MANIFEST[name]["requests"] >= 1
    for item in recorded:
        request, response = item["request"], item["response"]
        assert request["method"] == "POST" and request["uri"].endswith("/v1/chat/completions")
        assert not {k.lower() for k in request["headers"]} & {"authorization", "cookie"}
        body = json.loads(request["body"])
        assert body["model"] == RECORDER.MODEL
        if response["status"]["code"] == 200:
            answer = json.loads(response["body"]["string"])
            assert answer["usage"]["prompt_tokens"] > 0  # a real model counted real tokens


def decisions(stderr: str) -> list[tuple[str, str, str]]:
    """The --explain headline per letter: (reader and kind, status, source)."""
    return re.findall(r"^(\S.*\)): (passed|fixed|fallback|rejected) via (\S+?)(?:,|$)", stderr, re.MULTILINE)


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_replay_reproduces_the_recorded_run(name):
    """Same exit code, every recorded exchange used, the same decision per letter. (The
    findings' wording may evolve with the rubric; the decisions must not, silently.)"""
    result, played = replay(name)
    entry = MANIFEST[name]
    assert result.exit_code == entry["exit_code"], f"{RERECORD}\n{result.stderr}"
    assert played, RERECORD
    assert decisions(entry["stderr"]), "the recording has no --explain history"
    assert decisions(result.stderr) == decisions(entry["stderr"]), RERECORD


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_no_letter_with_an_error_is_printed(name, tmp_path):
    run = saved_run(name, tmp_path)
    for outcome in run["outcomes"]:
        if outcome["status"] == "rejected":
            assert outcome["text"] is None
            continue
        assert check(outcome["text"], kind=outcome["kind"]).passed
        assert any(a["source"] == "model" for a in outcome["attempts"])


def test_recordings_show_the_guard_at_work(tmp_path):
    """Across the recordings: real drafts with error findings, safe fixes, re-asks with
    the findings, and final letters that pass."""
    attempts, statuses, sources = [], set(), set()
    for index, name in enumerate(sorted(MANIFEST)):
        run = saved_run(name, tmp_path / str(index))
        for outcome in run["outcomes"]:
            statuses.add(outcome["status"])
            sources.add(outcome["source"])
            attempts += outcome["attempts"]
    model = [a for a in attempts if a["source"] == "model" and not a["error"]]
    assert any(not a["passed"] for a in model), "a real draft broke an error rule"
    assert any(a["source"] == "fix" for a in attempts), "a safe fix was applied"
    assert any(a["source"] == "model" and a["number"] > 1 for a in attempts), "the model was re-asked"
    assert any(a["error"] for a in attempts), "an unusable answer was counted as a failed attempt"
    assert "model+fix" in sources, "a real model draft passed after the safe fixes"
    assert "fallback" in statuses, "the composer stepped in when no draft passed"


def test_reask_sends_the_exact_findings():
    """The second request of a re-ask quotes the previous draft and its findings."""
    for name in sorted(MANIFEST):
        bodies = [json.loads(i["request"]["body"]) for i in interactions(name)]
        for body in bodies:
            last = body["messages"][-1]["content"]
            if "found these problems" in last:
                assert "<letter>" in last and "Why:" in last and "[" in last
                return
    pytest.fail("no recorded re-ask")


def test_house_rule_reask_quotes_the_custom_rule(tmp_path):
    """A --rubric house rule with no safe fix reaches the real model as a re-ask."""
    bodies = [json.loads(i["request"]["body"]) for i in interactions("reask_house_rule")]
    assert "stock phrase" in bodies[0]["messages"][0]["content"]  # listed in the system prompt
    reasks = [b["messages"][-1]["content"] for b in bodies[1:]]
    assert any("[stock_opener] (error)" in text for text in reasks)
    outcome = saved_run("reask_house_rule", tmp_path)["outcomes"][0]
    assert outcome["text"] and "glad to hear" not in outcome["text"].lower()


def test_async_guard_replays_the_same_decisions(tmp_path):
    """adraft over AsyncOpenAI makes the same calls and decisions as the CLI's sync path."""
    from letterguard.guard import adraft
    from letterguard.model import AsyncLetterModel, ModelConfig
    from letterguard.notes import load_notes

    name = "status_inquiry"
    entry = MANIFEST[name]
    expected = saved_run(name, tmp_path)["outcomes"][0]
    notes = load_notes(ROOT / entry["args"][0])
    base_url = entry["command"][entry["command"].index("--base-url") + 1]
    config = ModelConfig(model=RECORDER.MODEL, base_url=base_url, mode="tools")

    async def go():
        model = AsyncLetterModel(config)
        try:
            return await adraft(notes, notes.interviewers[0], "status_inquiry", model=model, today=__import__("datetime").date(2026, 3, 16))
        finally:
            await model.aclose()

    with vcr.VCR(**RECORDER.vcr_config("none")).use_cassette(str(CASSETTES / f"{name}.yaml")) as cassette:
        outcome = asyncio.run(go())
        assert cassette.all_played, RERECORD
    assert outcome.status == expected["status"] and outcome.text == expected["text"]
    assert [a.source for a in outcome.attempts] == [a["source"] for a in expected["attempts"]]
