"""The model client against a mock HTTP transport: parsing, retries, failures, config."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys

import httpx2
import pytest

from letterguard.model import (
    AsyncLetterModel,
    LetterModel,
    ModelConfig,
    ModelError,
    ModelUnavailable,
    Usage,
    model_configured,
)

MESSAGES = [{"role": "system", "content": "Write a letter."}, {"role": "user", "content": "<notes>{}</notes>"}]
LETTER = {"subject": "Subject: Data Engineer interview", "greeting": "Dear Ms. Shah,", "body": "Thank you.", "closing": "Kind regards,\nAnn Lee"}


def completion(content: str, usage=(12, 7)) -> httpx2.Response:
    return httpx2.Response(
        200,
        json={
            "id": "c1",
            "object": "chat.completion",
            "created": 1,
            "model": "m",
            "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content}}],
            "usage": {"prompt_tokens": usage[0], "completion_tokens": usage[1], "total_tokens": sum(usage)},
        },
    )


class Server:
    """Scripted HTTP answers; fails the test on a request it did not plan for."""

    def __init__(self, *responses):
        self.responses = list(responses)
        self.requests: list[dict] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(json.loads(request.content))
        assert self.responses, "unexpected extra HTTP request"
        item = self.responses.pop(0)
        if isinstance(item, Exception):
            raise item
        return item


def make(server, mode="json", **config):
    waits: list[float] = []
    model = LetterModel(
        ModelConfig(model="m", base_url="http://llm.test/v1", mode=mode, **config),
        http_client=httpx2.Client(transport=httpx2.MockTransport(server)),
        sleep=waits.append,
    )
    return model, waits


def test_write_parses_letter_and_usage():
    server = Server(completion(json.dumps(LETTER)))
    model, waits = make(server)
    letter, usage = model.write(MESSAGES)
    assert letter.subject == "Data Engineer interview"  # "Subject:" prefix dropped
    assert letter.closing == "Kind regards,\nAnn Lee" and letter.signature == ""  # the guard adds the signature
    assert usage == Usage(12, 7) and usage.total_tokens == 19
    body = server.requests[0]
    assert body["response_format"] == {"type": "json_object"}
    assert body["model"] == "m" and "tools" not in body
    assert waits == []


def test_json_schema_and_tools_modes_send_what_they_say():
    server = Server(completion(json.dumps(LETTER)))
    make(server, mode="json_schema")[0].write(MESSAGES)
    assert server.requests[0]["response_format"]["type"] == "json_schema"
    call = {"id": "t", "type": "function", "function": {"name": "DraftLetter", "arguments": json.dumps(LETTER)}}
    reply = completion("")
    reply_json = json.loads(reply.content)
    reply_json["choices"][0]["message"] = {"role": "assistant", "content": None, "tool_calls": [call]}
    server = Server(httpx2.Response(200, json=reply_json))
    letter, _ = make(server, mode="tools")[0].write(MESSAGES)
    assert letter.greeting == "Dear Ms. Shah,"
    assert server.requests[0]["tools"][0]["function"]["name"] == "DraftLetter"


def test_transport_failures_are_retried_with_backoff_and_retry_after():
    server = Server(
        httpx2.Response(429, headers={"Retry-After": "3"}, json={"error": {"message": "slow down"}}),
        httpx2.Response(503, json={"error": {"message": "busy"}}),
        httpx2.ConnectError("connection refused"),
        completion(json.dumps(LETTER)),
    )
    model, waits = make(server)
    letter, _ = model.write(MESSAGES)
    assert letter.greeting == "Dear Ms. Shah,"
    assert len(server.requests) == 4
    assert waits[0] == 3.0  # Retry-After honoured
    assert all(0 <= w <= 30 for w in waits[1:]) and len(waits) == 3


def test_transport_retries_are_bounded():
    server = Server(*[httpx2.Response(500, json={"error": {"message": "down"}}) for _ in range(3)])
    model, waits = make(server, transport_attempts=3)
    with pytest.raises(ModelUnavailable, match="after 3 tries") as info:
        model.write(MESSAGES)
    assert len(server.requests) == 3 and len(waits) == 2  # no hidden SDK or instructor retries
    assert "\n" not in str(info.value)


def test_retry_after_is_capped():
    server = Server(httpx2.Response(429, headers={"retry-after": "3600"}, json={}), completion(json.dumps(LETTER)))
    model, waits = make(server, max_wait=5)
    model.write(MESSAGES)
    assert waits == [5]


def test_garbage_is_one_model_error_and_never_retried():
    server = Server(completion("Dear Ms. Shah, thanks!! {not json"))
    model, waits = make(server)
    with pytest.raises(ModelError) as info:
        model.write(MESSAGES)
    assert not isinstance(info.value, ModelUnavailable)
    assert str(info.value).startswith("the model returned unusable output")
    assert "\n" not in str(info.value)
    assert len(server.requests) == 1 and waits == []


def test_schema_mismatch_is_a_model_error():
    server = Server(completion(json.dumps({"subject": "x"})))
    with pytest.raises(ModelError, match="unusable output .*greeting Field required"):
        make(server)[0].write(MESSAGES)


@pytest.mark.parametrize(("field", "value"), [("body", "  "), ("subject", "")])
def test_empty_content_is_a_model_error(field, value):
    server = Server(completion(json.dumps({**LETTER, field: value})))
    with pytest.raises(ModelError, match=f"{field} must not be empty"):
        make(server)[0].write(MESSAGES)


def test_client_errors_are_unavailable_with_a_hint():
    server = Server(httpx2.Response(400, json={"error": {"message": "tools are not supported"}}))
    with pytest.raises(ModelUnavailable, match="HTTP 400.*--mode json"):
        make(server, mode="tools")[0].write(MESSAGES)
    server = Server(httpx2.Response(401, json={"error": {"message": "bad key"}}))
    with pytest.raises(ModelUnavailable, match="HTTP 401"):
        make(server)[0].write(MESSAGES)
    assert len(server.requests) == 1


def test_async_model_same_semantics():
    server = Server(httpx2.Response(503, json={}), completion(json.dumps(LETTER)))
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    async def go():
        model = AsyncLetterModel(
            ModelConfig(model="m", base_url="http://llm.test/v1", mode="json"),
            http_client=httpx2.AsyncClient(transport=httpx2.MockTransport(server)),
            sleep=sleep,
        )
        try:
            return await model.awrite(MESSAGES)
        finally:
            await model.aclose()

    letter, usage = asyncio.run(go())
    assert letter.greeting == "Dear Ms. Shah," and usage == Usage(12, 7)
    assert len(waits) == 1


def test_async_garbage_is_a_model_error():
    server = Server(completion("nope"))

    async def go():
        model = AsyncLetterModel(
            ModelConfig(model="m", base_url="http://llm.test/v1", mode="json"),
            http_client=httpx2.AsyncClient(transport=httpx2.MockTransport(server)),
        )
        return await model.awrite(MESSAGES)

    with pytest.raises(ModelError, match="unusable output"):
        asyncio.run(go())


def test_extract_notes():
    notes = {
        "candidate": {"name": "Ann Lee"},
        "company": "Acme",
        "position": "Data Engineer",
        "interviewers": [{"name": "Priya Shah", "topics": ["Kafka"]}],
    }
    server = Server(completion(json.dumps(notes)))
    parsed, _ = make(server)[0].extract_notes("met Priya at Acme for the data engineer job; talked Kafka")
    assert parsed.interviewers[0].topics == ["Kafka"]
    assert "<notes>" in server.requests[0]["messages"][-1]["content"]


@pytest.mark.parametrize(
    ("env", "flags", "expected"),
    [
        ({}, {}, None),
        ({"OPENAI_API_KEY": "k"}, {}, ("gpt-4o-mini", None, "tools")),
        ({"OPENAI_BASE_URL": "http://localhost:11434/v1"}, {"model": "llama3.2"}, ("llama3.2", "http://localhost:11434/v1", "tools")),
        ({"LETTERGUARD_MODEL": "qwen", "OPENAI_API_KEY": "k"}, {"mode": "json_schema"}, ("qwen", None, "json_schema")),
        ({}, {"model": "m", "base_url": "http://x/v1", "mode": "tools"}, ("m", "http://x/v1", "tools")),
    ],
)
def test_config_resolution(env, flags, expected):
    config = ModelConfig.resolve(env=env, **flags)
    got = None if config is None else (config.model, config.base_url, config.mode)
    assert got == expected
    assert model_configured(env=env, **{k: v for k, v in flags.items() if k != "mode"}) == (expected is not None)


def test_config_errors_are_one_line():
    with pytest.raises(ModelUnavailable, match="needs a server"):
        ModelConfig.resolve(model="m", env={})
    with pytest.raises(ModelError, match="unknown --mode"):
        ModelConfig.resolve(model="m", mode="xml", env={"OPENAI_API_KEY": "k"})


def test_api_key_is_not_in_repr():
    assert "sekrit" not in repr(ModelConfig(model="m", api_key="sekrit"))


def test_importing_model_does_not_import_openai():
    code = "import letterguard.model, letterguard.guard, sys; print(sorted(m for m in ('openai', 'instructor', 'tenacity') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_extract_notes_needs_a_model(monkeypatch):
    from letterguard.model import extract_notes

    for name in ("LETTERGUARD_MODEL", "OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ModelUnavailable, match="no model configured"):
        extract_notes("met Priya")
