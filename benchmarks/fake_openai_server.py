"""A fake OpenAI-compatible chat server: a TEST FIXTURE for batch tests and benchmarks.

It is not a model and its letters are not cassettes. It answers
``POST /v1/chat/completions`` with a fixed, rubric-clean letter built from the notes in
the request (so the guard accepts it on the first attempt), after a configurable
latency, and injects a configurable share of ``429`` (with ``Retry-After``) and ``500``
answers so retries and accounting can be exercised. It speaks both structured-output
shapes instructor uses: a tool call when the request has ``tools``, JSON message content
otherwise (json, json_schema, md_json modes).

Standard library only (asyncio streams, HTTP/1.1 keep-alive); it serves any number of
concurrent requests, listens on 127.0.0.1 only, and stops after ``--lifetime`` seconds
so a forgotten fixture never runs forever.

    python benchmarks/fake_openai_server.py --port 0 --latency 0.2 --rate-429 0.05 --rate-500 0.02
    # prints "READY http://127.0.0.1:PORT/v1" on stdout once listening

``GET /stats`` returns the request counts by status and the peak of concurrent requests
(``max_in_flight``); ``GET /v1/models`` lists one model.
In-process use (a background thread): ``with FakeServer(latency=0.05) as url: ...``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

MODEL_ID = "fake-letter-model"
_REQUEST = re.compile(r"Write the (?P<kind>[a-z ]+?) letter from (?P<candidate>.+?) to (?P<interviewer>.+?) about the ")
_NOTES = re.compile(r"<notes>\s*(\{.*?\})\s*</notes>", re.S)
_STATUS_TEXT = {200: "OK", 400: "Bad Request", 404: "Not Found", 429: "Too Many Requests", 500: "Internal Server Error"}


@dataclass
class Behaviour:
    """What the fixture does: latency per request and the share of injected failures."""

    latency: float = 0.2
    rate_429: float = 0.0
    rate_500: float = 0.0
    retry_after: float = 0.2
    seed: int = 1
    rng: random.Random = field(init=False)
    counts: Counter = field(default_factory=Counter)
    in_flight: int = 0  # chat requests being answered now; counts["max_in_flight"] keeps the peak

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def pick_status(self) -> int:
        roll = self.rng.random()
        if roll < self.rate_429:
            return 429
        if roll < self.rate_429 + self.rate_500:
            return 500
        return 200


# -- the letter ---------------------------------------------------------------------------


def _facts(messages: list[dict]) -> dict:
    """Kind, names, company and position from the guard's prompt (its notes JSON block)."""
    text = "\n".join(str(m.get("content") or "") for m in messages if m.get("role") == "user")
    facts: dict = {"kind": "thank you", "company": "the company", "position": "the role", "greet": "Hello", "topic": None}
    if match := _REQUEST.search(text):
        facts["kind"] = match["kind"]
        facts["greet"] = match["interviewer"]
    if match := _NOTES.search(text):
        try:
            notes = json.loads(match.group(1))
        except ValueError:
            notes = {}
        person = notes.get("interviewer") or {}
        topics = person.get("topics") or notes.get("topics") or []
        facts.update(
            company=notes.get("company", facts["company"]),
            position=notes.get("position", facts["position"]),
            greet=person.get("address_as") or person.get("name") or facts["greet"],
            topic=topics[0] if topics else None,
            date=notes.get("interview_date"),
        )
    return facts


def letter_for(messages: list[dict]) -> dict:
    """A short letter that passes the etiquette rubric for the kind the prompt asks for."""
    f = _facts(messages)
    role = f"the {f['position']} role at {f['company']}"
    about = f" I enjoyed our conversation about {f['topic']}." if f["topic"] else ""
    if f["kind"].startswith("status"):
        when = f" on {f['date']}" if f.get("date") else ""
        body = (f"I am writing about my interview{when} for {role}. Could you tell me whether there is news "
                "on the decision, or when one is expected?\n\nI look forward to hearing from you.")
    elif f["kind"].startswith("after"):
        body = (f"Thank you for letting me know your decision about {role}. I would welcome being "
                "considered for future openings.\n\nI wish you and the team all the best.")
    else:
        body = (f"Thank you for meeting with me about {role}.{about} The conversation gave me a clear "
                "picture of the work.\n\nI look forward to hearing from you.")
    return {"subject": f"{f['position']} interview", "greeting": f"Dear {f['greet']},", "body": body, "closing": "Kind regards,"}


def completion(request: dict) -> dict:
    """A chat.completion object: a tool call when tools were offered, JSON content otherwise."""
    letter = json.dumps(letter_for(request.get("messages") or []))
    message: dict = {"role": "assistant", "content": letter}
    finish = "stop"
    if request.get("tools"):
        name = request["tools"][0].get("function", {}).get("name", "DraftLetter")
        call = {"id": "call_fake", "type": "function", "function": {"name": name, "arguments": letter}}
        message = {"role": "assistant", "content": None, "tool_calls": [call]}
        finish = "tool_calls"
    prompt = sum(len(str(m.get("content") or "")) for m in request.get("messages") or []) // 4
    done = len(letter) // 4
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": request.get("model", MODEL_ID),
        "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
        "usage": {"prompt_tokens": prompt, "completion_tokens": done, "total_tokens": prompt + done},
    }


# -- HTTP -------------------------------------------------------------------------------


def _error(status: int, message: str) -> dict:
    kind = {429: "rate_limit_exceeded", 500: "server_error"}.get(status, "invalid_request_error")
    return {"error": {"message": message, "type": kind, "code": kind}}


async def _answer(behaviour: Behaviour, method: str, path: str, body: bytes) -> tuple[int, dict, dict]:
    if method == "GET" and path.rstrip("/") == "/stats":
        return 200, dict(behaviour.counts), {}
    if method == "GET" and path.rstrip("/") == "/v1/models":
        return 200, {"object": "list", "data": [{"id": MODEL_ID, "object": "model", "owned_by": "fixture"}]}, {}
    if method != "POST" or path.rstrip("/") != "/v1/chat/completions":
        return 404, _error(404, f"no route {method} {path}"), {}
    try:
        request = json.loads(body or b"{}")
    except ValueError:
        return 400, _error(400, "body is not JSON"), {}
    behaviour.in_flight += 1
    behaviour.counts["max_in_flight"] = max(behaviour.counts["max_in_flight"], behaviour.in_flight)
    try:
        await asyncio.sleep(behaviour.latency)
    finally:
        behaviour.in_flight -= 1
    status = behaviour.pick_status()
    if status == 429:
        seconds = behaviour.retry_after
        return 429, _error(429, "rate limit (injected)"), {"Retry-After": str(max(1, round(seconds))), "retry-after-ms": str(int(seconds * 1000))}
    if status == 500:
        return 500, _error(500, "server error (injected)"), {}
    return 200, completion(request), {}


async def _read_request(reader: asyncio.StreamReader) -> tuple[str, str, dict, bytes] | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
        return None
    lines = head.decode("latin-1").split("\r\n")
    method, path, _ = (lines[0].split(" ", 2) + ["", ""])[:3]
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
    length = int(headers.get("content-length") or 0)
    body = await reader.readexactly(length) if length else b""
    return method, path.split("?", 1)[0], headers, body


async def _connection(behaviour: Behaviour, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while (request := await _read_request(reader)) is not None:
            method, path, headers, body = request
            if method == "POST":
                behaviour.counts["requests"] += 1
            status, payload, extra = await _answer(behaviour, method, path, body)
            if method == "POST":
                behaviour.counts[str(status)] += 1
            data = json.dumps(payload).encode()
            head = [f"HTTP/1.1 {status} {_STATUS_TEXT.get(status, 'Error')}", "Content-Type: application/json",
                    f"Content-Length: {len(data)}", "Connection: keep-alive", *(f"{k}: {v}" for k, v in extra.items())]
            writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + data)
            await writer.drain()
            if headers.get("connection", "").lower() == "close":
                break
    except (ConnectionError, asyncio.IncompleteReadError):
        pass
    finally:
        writer.close()


async def serve(behaviour: Behaviour, port: int = 0, lifetime: float = 600.0, ready=None) -> None:
    """Listen on 127.0.0.1:``port`` until ``lifetime`` seconds pass (or the task is cancelled)."""
    server = await asyncio.start_server(lambda r, w: _connection(behaviour, r, w), "127.0.0.1", port, backlog=512)
    bound = server.sockets[0].getsockname()[1]
    if ready is not None:
        ready(bound)
    async with server:
        try:
            await asyncio.wait_for(server.serve_forever(), timeout=lifetime)
        except TimeoutError:
            pass


class FakeServer:
    """Run the fixture in a background thread: ``with FakeServer(latency=0.01) as base_url``."""

    def __init__(self, lifetime: float = 300.0, **behaviour) -> None:
        self.behaviour = Behaviour(**behaviour)
        self.lifetime = lifetime
        self.port: int | None = None
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def _run(self) -> None:
        async def main() -> None:
            self._loop = asyncio.get_running_loop()
            self._task = asyncio.current_task()
            try:
                await serve(self.behaviour, 0, self.lifetime, ready=self._bound)
            except asyncio.CancelledError:
                pass

        asyncio.run(main())

    def _bound(self, port: int) -> None:
        self.port = port
        self._ready.set()

    def __enter__(self) -> str:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("fake OpenAI server did not start")
        return self.base_url

    def __exit__(self, *exc_info) -> None:
        if self._loop is not None and self._task is not None:
            self._loop.call_soon_threadsafe(self._task.cancel)
        self._thread.join(5)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--latency", type=float, default=0.2, help="seconds per chat request")
    parser.add_argument("--rate-429", type=float, default=0.0, help="share of requests answered 429")
    parser.add_argument("--rate-500", type=float, default=0.0, help="share of requests answered 500")
    parser.add_argument("--retry-after", type=float, default=0.2, help="seconds a 429 asks the client to wait")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--lifetime", type=float, default=600.0, help="stop after this many seconds")
    args = parser.parse_args(argv)
    behaviour = Behaviour(args.latency, args.rate_429, args.rate_500, args.retry_after, args.seed)

    def ready(port: int) -> None:
        print(f"READY http://127.0.0.1:{port}/v1", flush=True)

    try:
        asyncio.run(serve(behaviour, args.port, args.lifetime, ready))
    except KeyboardInterrupt:
        pass
    print(json.dumps(dict(behaviour.counts)), file=sys.stderr)


if __name__ == "__main__":
    main()
