#!/usr/bin/env python3
"""Record the vcrpy cassettes in cassettes/ from a real model behind a real server.

Runs the real ``letterguard draft`` command (guard loop + model client) in this process,
with vcrpy recording every HTTP exchange, against SmolLM2-135M-Instruct served by
llama-cpp-python's OpenAI-compatible server (scripts/llama_server.sh). The tiny model
writes weak letters on purpose: the recordings then show the guard checking, fixing,
re-asking and falling back on real model output.

    python scripts/record_cassettes.py                 # all scenarios
    python scripts/record_cassettes.py --only status_inquiry
    python scripts/record_cassettes.py --port 8765 --keep-server

If a server already answers on the port it is used as is; otherwise this script runs
``scripts/llama_server.sh setup`` and ``start PORT`` and stops the server at the end.
Writes cassettes/<name>.yaml and cassettes/manifest.json (arguments, outcome at record
time). Never edit a cassette by hand: rerun this script when prompts or rules change.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CASSETTES = ROOT / "cassettes"
SERVER_SCRIPT = ROOT / "scripts" / "llama_server.sh"
MODEL = "smollm2-135m-instruct"
HOST = "127.0.0.1"
# The model answers slowly on a small CPU; the recording must not time out.
RECORD_TIMEOUT = "600"


@dataclass(frozen=True)
class Scenario:
    name: str
    about: str
    args: tuple[str, ...]


SCENARIOS = (
    Scenario(
        "thank_you_panel",
        "Same-day thank-you to a panel of two (examples/notes.txt), tools mode, JSON output.",
        ("examples/notes.txt", "--kind", "thank_you", "--today", "2026-05-12", "--format", "json"),
    ),
    Scenario(
        "status_inquiry",
        "Status inquiry after the decision date, one interviewer, tools mode.",
        ("cassettes/notes/one_interviewer.yaml", "--kind", "status_inquiry", "--today", "2026-03-16"),
    ),
    Scenario(
        "after_rejection_no_fallback",
        "Reply to a refusal with --no-fallback and two attempts: passes or is rejected, never composed.",
        ("cassettes/notes/rejected.yaml", "--today", "2026-04-20", "--no-fallback", "--max-attempts", "2"),
    ),
    Scenario(
        "json_mode",
        "Formal thank-you in instructor JSON mode (response_format json_object, no schema "
        "constraint on this server): shows unusable answers counted as failed attempts.",
        ("cassettes/notes/one_interviewer.yaml", "--kind", "formal_thank_you", "--today", "2026-03-05", "--mode", "json", "--max-attempts", "2"),
    ),
    Scenario(
        "reask_house_rule",
        "Thank-you under an extra house-style rule with no deterministic fix "
        "(cassettes/notes/house_style.toml): a draft that breaks it is re-asked with the findings.",
        ("cassettes/notes/one_interviewer.yaml", "--kind", "thank_you", "--today", "2026-03-02",
         "--rubric", "cassettes/notes/house_style.toml", "--max-attempts", "3"),
    ),
)


def vcr_config(record_mode: str) -> dict:
    """The one vcrpy configuration, shared with the replay tests. Requests match by
    method and URL and play back in recorded order, each once."""
    return {
        "record_mode": record_mode,
        "filter_headers": ["authorization", "cookie", "set-cookie", "openai-organization"],
        "decode_compressed_response": True,
        "match_on": ["method", "scheme", "host", "port", "path", "query"],
    }


def command(scenario: Scenario, port: int) -> list[str]:
    base_url = f"http://{HOST}:{port}/v1"
    mode = [] if "--mode" in scenario.args else ["--mode", "tools"]
    return ["draft", *scenario.args, "--model", MODEL, "--base-url", base_url, *mode, "--explain"]


def server_up(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://{HOST}:{port}/v1/models", timeout=5) as response:
            return response.status == 200
    except OSError:
        return False


def ensure_server(port: int) -> bool:
    """Make sure a server answers on ``port``; True when this script started it."""
    if server_up(port):
        print(f"using the server already running on {HOST}:{port}", file=sys.stderr)
        return False
    subprocess.run(["bash", str(SERVER_SCRIPT), "setup"], check=True)
    subprocess.run(["bash", str(SERVER_SCRIPT), "start", str(port)], check=True)
    return True


def record(scenario: Scenario, port: int) -> dict:
    import vcr
    from typer.testing import CliRunner

    import letterguard.cli.draft  # noqa: F401 - registers the command
    from letterguard.cli import app

    path = CASSETTES / f"{scenario.name}.yaml"
    path.unlink(missing_ok=True)
    args = command(scenario, port)
    print(f"recording {scenario.name}: letterguard {' '.join(args)}", file=sys.stderr)
    started = time.monotonic()
    with vcr.VCR(**vcr_config("all")).use_cassette(str(path)) as cassette:
        result = CliRunner().invoke(app, args, env={"OPENAI_API_KEY": None, "OPENAI_BASE_URL": None, "LETTERGUARD_MODEL": None})
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    print(result.stderr, file=sys.stderr)
    return {
        "name": scenario.name,
        "about": scenario.about,
        "args": list(scenario.args),
        "command": ["letterguard", *args],
        "requests": len(cassette),
        "exit_code": result.exit_code,
        "seconds": round(time.monotonic() - started, 1),
        "stderr": result.stderr,
    }


def server_version() -> str:
    venv = Path(os.environ.get("LETTERGUARD_LLAMA_VENV", Path.home() / ".cache/letterguard/llama-venv"))
    try:
        out = subprocess.run(
            [str(venv / "bin/python"), "-c", "from importlib.metadata import version; print(version('llama-cpp-python'))"],
            capture_output=True, text=True, check=True,
        )
        return f"llama-cpp-python {out.stdout.strip()}"
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def snapshot_rubric() -> None:
    """Keep the rubric the recordings were made under beside them (cassettes/rubric/).

    Replays load this snapshot, so tuning rubrics/*.toml later does not change what the
    guard decides about recorded model answers; the rubric has its own tests.
    """
    target = CASSETTES / "rubric"
    target.mkdir(exist_ok=True)
    for old in target.glob("*.toml"):
        old.unlink()
    for source in sorted((ROOT / "rubrics").glob("*.toml")):
        shutil.copyfile(source, target / source.name)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--only", action="append", choices=[s.name for s in SCENARIOS], help="Record only this scenario (repeatable).")
    parser.add_argument("--keep-server", action="store_true", help="Leave a server this script started running.")
    options = parser.parse_args()

    os.chdir(ROOT)
    os.environ["LETTERGUARD_MODEL_TIMEOUT"] = RECORD_TIMEOUT
    started_server = ensure_server(options.port)
    snapshot_rubric()
    manifest_path = CASSETTES / "manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {"scenarios": {}}
    try:
        for scenario in SCENARIOS:
            if options.only and scenario.name not in options.only:
                continue
            entry = record(scenario, options.port)
            entry["recorded"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
            entry["server"] = f"{server_version()} serving {MODEL} (GGUF) on {HOST}:{options.port}"
            manifest["scenarios"][scenario.name] = entry
            manifest_path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    finally:
        if started_server and not options.keep_server:
            subprocess.run(["bash", str(SERVER_SCRIPT), "stop"], check=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
