"""The on-disk memo of pattern analysis: a speed-up that can never change a result."""

from __future__ import annotations

import json
import re

import pytest

from letterguard.rubric import matcher
from letterguard.rubric.memo import PatternMemo, _cache_file

PATTERN = r"\bgrateful(?:ly)?\b|\bmuch obliged\b|\d+"


def fresh(pattern: str):
    return [(alt, matcher.required_literals(alt)) for alt in matcher.split_alternatives(pattern)]


def test_saved_analysis_is_reused_by_the_next_process(tmp_path):
    path = tmp_path / "memo.json"
    first = PatternMemo(path)
    assert first.analyse(PATTERN) == fresh(PATTERN)
    first.save()
    second = PatternMemo(path)
    assert PATTERN in second._entries
    assert second.analyse(PATTERN) == fresh(PATTERN)
    assert not second._dirty  # a hit: nothing parsed, nothing to write


@pytest.mark.parametrize("content", ["{not json", "[1, 2]", json.dumps({PATTERN: [[1, 2, 3]]}), json.dumps({PATTERN: "x"}), json.dumps({PATTERN: [["a", "bc"]]})])
def test_a_corrupt_cache_only_costs_time(tmp_path, content):
    path = tmp_path / "memo.json"
    path.write_text(content, encoding="utf-8")
    memo = PatternMemo(path)
    assert memo.analyse(PATTERN) == fresh(PATTERN)
    memo.save()
    assert PatternMemo(path).analyse(PATTERN) == fresh(PATTERN)


def test_a_bad_pattern_still_raises_and_is_not_stored(tmp_path):
    memo = PatternMemo(tmp_path / "memo.json")
    with pytest.raises(re.error):
        memo.analyse(r"\bunclosed (group")
    assert r"\bunclosed (group" not in memo._entries


def test_unwritable_folder_is_ignored(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    memo = PatternMemo(blocker / "sub" / "memo.json")
    memo.analyse(PATTERN)
    memo.save()  # no exception


def test_the_key_follows_python_and_the_analysis_code(monkeypatch, tmp_path):
    monkeypatch.setenv("LETTERGUARD_CACHE_DIR", str(tmp_path))
    path = _cache_file()
    assert path.parent == tmp_path and path.name.startswith("patterns-py")
    monkeypatch.setenv("LETTERGUARD_CACHE_DIR", "")
    assert _cache_file() is None


def test_parsed_rubric_text_is_cached_and_errors_are_not(tmp_path, monkeypatch):
    import tomllib

    from letterguard.rubric.memo import parsed_toml

    monkeypatch.setenv("LETTERGUARD_CACHE_DIR", str(tmp_path))
    calls = []

    def parse(text):
        calls.append(text)
        return tomllib.loads(text)

    source = '[[rule]]\nid = "x"\nseverity = "warning"\n'
    assert parsed_toml(source, parse) == parsed_toml(source, parse) == tomllib.loads(source)
    assert len(calls) == 1  # the second call read the cache
    with pytest.raises(tomllib.TOMLDecodeError):
        parsed_toml("[[rule]\n", parse)
    assert len(list(tmp_path.glob("toml-*.json"))) == 1
    monkeypatch.setenv("LETTERGUARD_CACHE_DIR", "")
    assert parsed_toml(source, parse) == tomllib.loads(source) and len(calls) == 3  # off: always parsed
