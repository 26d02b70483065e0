"""Shared fixtures: the development corpus copied from shared/corpus."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pytest

# The pattern memo (letterguard.rubric.memo) goes to a throwaway folder, not ~/.cache.
os.environ.setdefault("LETTERGUARD_CACHE_DIR", tempfile.mkdtemp(prefix="letterguard-test-cache-"))

DATA = Path(__file__).parent / "data"
CORPUS = DATA / "dev_letters.jsonl"


def corpus_records() -> list[dict]:
    return [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="session")
def corpus() -> list[dict]:
    return corpus_records()
