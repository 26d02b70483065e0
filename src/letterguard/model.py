"""The model path: any OpenAI-compatible server, structured output through instructor.

This is the only module that imports openai, instructor and tenacity, and it does so inside
functions: ``letterguard check`` and the offline ``draft`` never pay for those imports.

Two kinds of failure, handled in two places:

* Transport failures (timeouts, connection errors, 408/429/5xx) are retried here with
  tenacity: exponential backoff with full jitter, a 429's ``Retry-After`` honoured, and a
  bounded number of tries *and* total wait. When they run out the model is unavailable
  (``ModelUnavailable``) and the guard stops asking it.
* Content failures (unparseable JSON, a schema mismatch) are never retried blindly here:
  they become a ``ModelError`` with one clear line and the guard counts a failed attempt,
  then re-asks with the reason.

So that retries never multiply (SDK x instructor x tenacity x guard), the openai client is
built with ``max_retries=0`` (tenacity owns transport retries) and instructor is called with
``max_retries=0`` (the guard owns content re-asks). One ``write`` therefore makes at most
``transport_attempts`` HTTP requests, and one guard run at most ``max_attempts`` writes.
"""

from __future__ import annotations

import email.utils
import logging
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import cache
from typing import Any

from pydantic import BaseModel, Field, ValidationError, field_validator

from letterguard.letter import Letter
from letterguard.notes import InterviewNotes

__all__ = [
    "AsyncLetterModel",
    "DraftLetter",
    "LetterModel",
    "MODES",
    "ModelConfig",
    "ModelError",
    "ModelUnavailable",
    "Usage",
    "extract_notes",
    "model_configured",
]

DEFAULT_MODEL = "gpt-4o-mini"
# --mode values -> instructor.Mode member names. tools (default): OpenAI and any server
# with tool calling (llama-cpp-python's server constrains tool arguments with a grammar);
# json / json_schema: servers that lack tool calling but honour response_format.
MODES: dict[str, str] = {
    "tools": "TOOLS",
    "json": "JSON",
    "json_schema": "JSON_SCHEMA",
    "md_json": "MD_JSON",
}
Message = Mapping[str, str]

# instructor logs every failed call at ERROR level; we report failures ourselves, once.
logging.getLogger("instructor").addHandler(logging.NullHandler())


@dataclass(frozen=True)
class Usage:
    """Tokens spent; adds up across attempts and letters."""

    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def __add__(self, other: "Usage") -> "Usage":
        return Usage(self.prompt_tokens + other.prompt_tokens, self.completion_tokens + other.completion_tokens)

    def to_dict(self) -> dict[str, int]:
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.total_tokens,
        }

    @classmethod
    def of(cls, raw: Any) -> "Usage":
        """Read a usage object from an SDK response (or None) without trusting its shape."""
        if raw is None:
            return cls()
        get = raw.get if isinstance(raw, Mapping) else lambda key: getattr(raw, key, None)
        return cls(int(get("prompt_tokens") or 0), int(get("completion_tokens") or 0))


class ModelError(RuntimeError):
    """The model's answer was unusable (one line; the guard counts it as a failed attempt)."""

    def __init__(self, message: str, usage: Usage | None = None) -> None:
        super().__init__(" ".join(str(message).split()))
        self.usage = usage or Usage()


class ModelUnavailable(ModelError):
    """The model cannot be reached or refuses the request; asking again will not help."""


class DraftLetter(BaseModel):
    """What the model fills in: a Letter without the signature (added from the notes)."""

    subject: str = Field(description=Letter.model_fields["subject"].description)
    greeting: str = Field(description=Letter.model_fields["greeting"].description)
    body: str = Field(description=Letter.model_fields["body"].description)
    closing: str = Field(description=Letter.model_fields["closing"].description)

    # Subject and body carry the content; the guard repairs a malformed greeting or sign-off
    # from the notes, but an empty body is a content failure worth a re-ask.
    @field_validator("subject", "body")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return value

    def to_letter(self) -> Letter:
        subject = self.subject.strip()
        if subject.lower().startswith("subject:"):
            subject = subject.split(":", 1)[1].strip()
        return Letter(subject=subject, greeting=self.greeting.strip(), body=self.body.strip(), closing=self.closing.strip())


@cache
def _wire_model(model: type[BaseModel]) -> type[BaseModel]:
    """instructor's schema wrapper for ``model``, built once per process.

    Given a plain pydantic class, instructor creates a new wrapper class and its JSON
    schema on every request (about 1 ms of CPU each), which limits how many concurrent
    requests one core keeps in flight in a batch. The wrapper is built here once and its
    schema computed once (copied per call: some instructor modes edit it in place).
    """
    import copy

    import instructor

    wrapped = instructor.openai_schema(model)
    schema = wrapped.model_json_schema()
    plain = wrapped.model_json_schema

    def model_json_schema(cls: type[BaseModel], *args: Any, **kwargs: Any) -> dict[str, Any]:
        return copy.deepcopy(schema) if not args and not kwargs else plain(*args, **kwargs)

    wrapped.model_json_schema = classmethod(model_json_schema)  # type: ignore[method-assign]
    return wrapped


@dataclass(frozen=True)
class ModelConfig:
    """Where and how to ask: model name, server, instructor mode and retry bounds."""

    model: str = DEFAULT_MODEL
    base_url: str | None = None
    api_key: str | None = field(default=None, repr=False)
    mode: str = "tools"
    timeout: float = 120.0
    temperature: float | None = 0.2
    max_tokens: int | None = 700
    transport_attempts: int = 4
    max_wait: float = 30.0  # longest single backoff (also caps Retry-After)
    wait_budget: float = 90.0  # total time spent retrying one call

    @classmethod
    def resolve(
        cls,
        model: str | None = None,
        base_url: str | None = None,
        mode: str | None = None,
        env: Mapping[str, str] | None = None,
        **overrides: Any,
    ) -> "ModelConfig | None":
        """Config from flags and environment, or None when no model is configured
        (no model name, no OPENAI_API_KEY, no OPENAI_BASE_URL): then draft stays offline.
        LETTERGUARD_MODEL_TIMEOUT sets the per-request timeout in seconds (slow local CPUs)."""
        env = os.environ if env is None else env
        model = model or env.get("LETTERGUARD_MODEL") or None
        base_url = base_url or env.get("OPENAI_BASE_URL") or None
        api_key = env.get("OPENAI_API_KEY") or None
        if not (model or base_url or api_key):
            return None
        if mode is not None and mode not in MODES:
            raise ModelError(f"unknown --mode {mode!r}; choose one of: {', '.join(MODES)}")
        if "timeout" not in overrides and env.get("LETTERGUARD_MODEL_TIMEOUT"):
            try:
                overrides["timeout"] = float(env["LETTERGUARD_MODEL_TIMEOUT"])
            except ValueError:
                raise ModelError("LETTERGUARD_MODEL_TIMEOUT must be a number of seconds") from None
        if base_url is None and api_key is None:
            raise ModelUnavailable(
                f"model {model!r} needs a server: set OPENAI_API_KEY for OpenAI, "
                "or --base-url / OPENAI_BASE_URL for a local server"
            )
        return cls(
            model=model or DEFAULT_MODEL,
            base_url=base_url,
            api_key=api_key,
            mode=mode or "tools",
            **overrides,
        )

    def describe(self) -> str:
        return f"{self.model} at {self.base_url or 'api.openai.com'} (mode {self.mode})"


def model_configured(model: str | None = None, base_url: str | None = None, env: Mapping[str, str] | None = None) -> bool:
    """True when draft should use a model rather than the offline composer."""
    env = os.environ if env is None else env
    return bool(model or base_url or env.get("LETTERGUARD_MODEL") or env.get("OPENAI_API_KEY") or env.get("OPENAI_BASE_URL"))


# -- failure classification -----------------------------------------------------------

_RETRY_STATUS = {408, 409, 429}


def _is_transport(exc: BaseException) -> bool:
    """A failure worth retrying: the request did not get a real answer."""
    import openai

    if isinstance(exc, (openai.APITimeoutError, openai.APIConnectionError)):
        return True
    if isinstance(exc, openai.APIStatusError):
        return exc.status_code in _RETRY_STATUS or exc.status_code >= 500
    return False


def _retry_after(exc: BaseException | None) -> float | None:
    """Seconds a server asked us to wait (Retry-After / retry-after-ms), if any."""
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    if not headers:
        return None
    try:
        if headers.get("retry-after-ms"):
            return float(headers["retry-after-ms"]) / 1000
        value = headers.get("retry-after")
        if not value:
            return None
        try:
            return max(0.0, float(value))
        except ValueError:
            when = email.utils.parsedate_to_datetime(value)
            return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())
    except (TypeError, ValueError):
        return None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:300]


def _cause(exc: BaseException) -> BaseException:
    """instructor wraps whatever failed in InstructorRetryException; unwrap it."""
    from instructor.core.exceptions import InstructorError

    while isinstance(exc, InstructorError) and exc.__cause__ is not None:
        exc = exc.__cause__
    return exc


def _translate(exc: BaseException, config: ModelConfig) -> BaseException:
    """Map any failure of one call to: a transport error (to retry), ModelUnavailable, or
    ModelError (content: the guard's business)."""
    import openai

    usage = Usage.of(getattr(exc, "total_usage", None))
    cause = _cause(exc)
    if _is_transport(cause):
        return cause
    if isinstance(cause, openai.APIStatusError):
        hint = ""
        if cause.status_code in (400, 422) and config.mode == "tools":
            hint = " (if this server has no tool calling, try --mode json)"
        return ModelUnavailable(f"{config.describe()} refused the request: HTTP {cause.status_code}: {_first_line(cause)}{hint}", usage)
    if isinstance(cause, openai.OpenAIError):
        return ModelUnavailable(f"{config.describe()}: {_first_line(cause)}", usage)
    if isinstance(cause, ValidationError) and cause.errors():
        first = cause.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "answer"
        detail = f"{where} {first['msg'].removeprefix('Value error, ')}"
        return ModelError(f"the model returned unusable output (ValidationError): {detail}", usage)
    return ModelError(f"the model returned unusable output ({type(cause).__name__}): {_first_line(cause)}", usage)


def _unavailable(exc: BaseException, config: ModelConfig, tries: int) -> ModelUnavailable:
    return ModelUnavailable(f"cannot reach {config.describe()} after {tries} tries: {_first_line(exc)}")


# -- clients --------------------------------------------------------------------------


class _ModelBase:
    """Shared by the sync and async models: request arguments, retry policy, parsing."""

    def __init__(
        self,
        config: ModelConfig,
        *,
        http_client: Any = None,
        sleep: Callable[[float], Any] | None = None,
    ) -> None:
        if config.mode not in MODES:
            raise ModelError(f"unknown mode {config.mode!r}; choose one of: {', '.join(MODES)}")
        self.config = config
        self._http_client = http_client
        self._sleep = sleep
        self._instructor: Any = None

    def _client_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            # Local servers ignore the key but the SDK insists on one.
            "api_key": self.config.api_key or "not-needed",
            "base_url": self.config.base_url,
            "timeout": self.config.timeout,
            "max_retries": 0,  # transport retries are tenacity's (see module docstring)
        }
        if self._http_client is not None:
            kwargs["http_client"] = self._http_client
        return kwargs

    def _mode(self) -> Any:
        import instructor

        return getattr(instructor.Mode, MODES[self.config.mode])

    def _request(self, messages: Sequence[Message], response_model: type[BaseModel]) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "model": self.config.model,
            "messages": [dict(m) for m in messages],
            "response_model": _wire_model(response_model),
            "max_retries": 0,  # content re-asks are the guard's (see module docstring)
        }
        if self.config.temperature is not None:
            kwargs["temperature"] = self.config.temperature
        if self.config.max_tokens is not None:
            kwargs["max_tokens"] = self.config.max_tokens
        return kwargs

    def _policy(self) -> dict[str, Any]:
        from tenacity import retry_if_exception, stop_after_attempt, stop_after_delay, wait_random_exponential

        jitter = wait_random_exponential(multiplier=0.5, max=self.config.max_wait)
        cap = self.config.max_wait

        def wait(state: Any) -> float:
            asked = _retry_after(state.outcome.exception() if state.outcome else None)
            return min(asked, cap) if asked is not None else jitter(state)

        policy: dict[str, Any] = {
            "retry": retry_if_exception(_is_transport),
            "wait": wait,
            "stop": stop_after_attempt(self.config.transport_attempts) | stop_after_delay(self.config.wait_budget),
            "reraise": True,
        }
        if self._sleep is not None:
            policy["sleep"] = self._sleep
        return policy

    @staticmethod
    def _result(parsed: Any, completion: Any) -> tuple[Any, Usage]:
        return parsed, Usage.of(getattr(completion, "usage", None))


class LetterModel(_ModelBase):
    """Blocking model client: ``write(messages) -> (Letter, Usage)``."""

    def _client(self) -> Any:
        if self._instructor is None:
            import instructor
            import openai

            self._instructor = instructor.from_openai(openai.OpenAI(**self._client_kwargs()), mode=self._mode())
        return self._instructor

    def _once(self, messages: Sequence[Message], response_model: type[BaseModel]) -> tuple[Any, Usage]:
        try:
            parsed, completion = self._client().create_with_completion(**self._request(messages, response_model))
        except Exception as exc:  # noqa: BLE001 - every failure is classified below
            raise _translate(exc, self.config) from exc
        return self._result(parsed, completion)

    def _structured(self, messages: Sequence[Message], response_model: type[BaseModel]) -> tuple[Any, Usage]:
        from tenacity import Retrying

        retrying = Retrying(**self._policy())
        try:
            return retrying(self._once, messages, response_model)
        except ModelError:
            raise
        except Exception as exc:  # transport failures that outlasted the retries
            raise _unavailable(exc, self.config, retrying.statistics.get("attempt_number", 1)) from exc

    def write(self, messages: Sequence[Message]) -> tuple[Letter, Usage]:
        draft, usage = self._structured(messages, DraftLetter)
        return draft.to_letter(), usage

    def extract_notes(self, text: str) -> tuple[InterviewNotes, Usage]:
        from letterguard.prompts import extract_messages

        return self._structured(extract_messages(text), InterviewNotes)


class AsyncLetterModel(_ModelBase):
    """The same model over AsyncOpenAI: ``await awrite(messages) -> (Letter, Usage)``.

    One instance holds one AsyncOpenAI client; share it across concurrent tasks.
    ``max_in_flight`` caps the HTTP requests open at once (a batch's ``--concurrency``) as
    the connection pool's size: a letter holds a connection only while its request is on
    the wire, not while the SDK builds it, its draft is checked or a retry waits, so the
    server always has the next request ready.
    """

    def __init__(self, config: ModelConfig, *, max_in_flight: int | None = None, **kwargs: Any) -> None:
        super().__init__(config, **kwargs)
        self._max_in_flight = max_in_flight

    def _client_kwargs(self) -> dict[str, Any]:
        kwargs = super()._client_kwargs()
        if self._max_in_flight and "http_client" not in kwargs:
            import openai

            limits = type(openai.DEFAULT_CONNECTION_LIMITS)  # httpx.Limits of the SDK's own httpx
            n = self._max_in_flight
            kwargs["http_client"] = openai.DefaultAsyncHttpxClient(limits=limits(max_connections=n, max_keepalive_connections=n))
        return kwargs

    def _client(self) -> Any:
        if self._instructor is None:
            import instructor
            import openai

            self._instructor = instructor.from_openai(openai.AsyncOpenAI(**self._client_kwargs()), mode=self._mode())
        return self._instructor

    async def _once(self, messages: Sequence[Message], response_model: type[BaseModel]) -> tuple[Any, Usage]:
        try:
            parsed, completion = await self._client().create_with_completion(**self._request(messages, response_model))
        except Exception as exc:  # noqa: BLE001 - every failure is classified below
            raise _translate(exc, self.config) from exc
        return self._result(parsed, completion)

    async def _structured(self, messages: Sequence[Message], response_model: type[BaseModel]) -> tuple[Any, Usage]:
        from tenacity import AsyncRetrying

        retrying = AsyncRetrying(**self._policy())
        try:
            return await retrying(self._once, messages, response_model)
        except ModelError:
            raise
        except Exception as exc:  # transport failures that outlasted the retries
            raise _unavailable(exc, self.config, retrying.statistics.get("attempt_number", 1)) from exc

    async def awrite(self, messages: Sequence[Message]) -> tuple[Letter, Usage]:
        draft, usage = await self._structured(messages, DraftLetter)
        return draft.to_letter(), usage

    async def aextract_notes(self, text: str) -> tuple[InterviewNotes, Usage]:
        from letterguard.prompts import extract_messages

        return await self._structured(extract_messages(text), InterviewNotes)

    async def aclose(self) -> None:
        if self._instructor is not None:
            await self._instructor.client.close()


def extract_notes(text: str, model: LetterModel | None = None) -> InterviewNotes:
    """Free-form pasted notes -> InterviewNotes via the model (callers try the offline
    parser first). Without ``model``, the one configured in the environment is used."""
    if model is None:
        config = ModelConfig.resolve()
        if config is None:
            raise ModelUnavailable("no model configured: set LETTERGUARD_MODEL, OPENAI_API_KEY or OPENAI_BASE_URL")
        model = LetterModel(config)
    notes, _ = model.extract_notes(text)
    return notes
