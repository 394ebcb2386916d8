"""A local OpenAI-compatible HTTP server (chat completions and models) for tests and demos.

Tests point the real `openai.OpenAI` client at it (`base_url=emulator.base_url`), so the code under
test goes through the same HTTP requests, error payloads, retries and timeouts as against
api.openai.com, without network access or a key. A responder function decides each answer; faults
(429 with retry-after, 500, slow answers, bad content) can be injected while it runs.

Run it by hand: `python -m devtools.emulators.openai` (serves a naive keyword-based
demo responder until Ctrl-C and prints the environment variables that point the app at it).
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import unquote, urlsplit

from devtools.emulators._server import (
    LocalHTTPService,
    banner,
    check_fault,
    credential_from,
)

Responder = Callable[[dict[str, Any]], str | dict[str, Any]]

DEFAULT_API_KEY = "sk-emulator"
DEFAULT_MODELS = ("gpt-4o-mini",)
FAULT_KINDS = frozenset({"rate_limited", "server_error", "timeout", "content", "body"})
_EMPTY_EVENTS = json.dumps({"events": []})


@dataclass
class _Fault:
    kind: str
    remaining: int  # -1: forever
    retry_after: float
    delay: float
    content: str
    content_type: str = "application/json"


@dataclass(frozen=True)
class _Reply:
    status: int
    headers: dict[str, str]
    body: bytes


def _json_reply(
    payload: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None
) -> _Reply:
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    return _Reply(status, {"Content-Type": "application/json", **(headers or {})}, body)


def _error_reply(
    status: int,
    message: str,
    error_type: str,
    code: str | None,
    headers: dict[str, str] | None = None,
) -> _Reply:
    """OpenAI's error envelope; the client reads `error.message` / `type` / `code` from it."""
    return _json_reply(
        {"error": {"message": message, "type": error_type, "code": code}}, status, headers
    )


def _content_text(content: Any) -> str:
    """A message's text: a plain string, or the text parts of a content-part list."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            part["text"]
            for part in content
            if isinstance(part, dict) and isinstance(part.get("text"), str)
        )
    return ""


def _approx_tokens(text: str) -> int:
    """Roughly four characters per token: deterministic, good enough for usage numbers."""
    return math.ceil(len(text) / 4)


def default_responder(request: dict[str, Any]) -> str:
    """Finds nothing: an empty event list, as the extraction prompt asks for."""
    return _EMPTY_EVENTS


class OpenAIEmulator(LocalHTTPService):
    """Serves `/v1/chat/completions` and `/v1/models` like the OpenAI API, with faults."""

    service_name = "OpenAI emulator"

    def __init__(
        self,
        responder: Responder | None = None,
        *,
        api_key: str = DEFAULT_API_KEY,
        host: str = "127.0.0.1",
        port: int = 0,
        latency: float = 0.0,
        models: tuple[str, ...] = DEFAULT_MODELS,
    ) -> None:
        if latency < 0:
            raise ValueError("latency must be >= 0 seconds")
        self.api_key = api_key
        super().__init__(host, port)
        self.latency = latency
        self.models = tuple(models)
        self._responder: Responder = responder or default_responder
        self._lock = threading.RLock()
        self._faults: list[_Fault] = []
        self._requests: list[dict[str, Any]] = []
        self._completions = 0
        self._replies = 0
        self._in_flight = 0
        self._peak = 0

    # ----------------------------------------------------------------- lifecycle

    @property
    def base_url(self) -> str:
        """Ends in /v1 without a slash, as `openai.OpenAI(base_url=...)` expects."""
        return self.origin + "/v1"

    # ----------------------------------------------------------------- behaviour and faults

    def set_responder(self, responder: Responder) -> None:
        """Replaces the function that answers chat completions."""
        with self._lock:
            self._responder = responder

    def add_fault(
        self,
        kind: str,
        *,
        times: int = 1,
        retry_after: float = 0.0,
        delay: float = 0.0,
        content: str = "",
        content_type: str = "application/json",
    ) -> None:
        """Makes the next `times` chat completions (-1: all) fail, stall or answer `content`.

        `content` is the assistant message's text; with kind "body" it is the whole HTTP 200
        response body instead (served as `content_type`), e.g. a proxy's HTML page or JSON
        that is not a chat completion."""
        check_fault(kind, FAULT_KINDS, times)
        if retry_after < 0 or delay < 0:
            raise ValueError("retry_after and delay must be >= 0 seconds")
        with self._lock:
            self._faults.append(_Fault(kind, times, retry_after, delay, content, content_type))

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def _take_fault(self) -> _Fault | None:
        with self._lock:
            if not self._faults:
                return None
            fault = self._faults[0]
            if fault.remaining > 0:
                fault.remaining -= 1
                if fault.remaining == 0:
                    self._faults.pop(0)
            return fault

    # ----------------------------------------------------------------- call log

    @property
    def requests(self) -> list[dict[str, Any]]:
        """Parsed JSON bodies of chat completion calls in arrival order, faulted ones included."""
        with self._lock:
            return copy.deepcopy(self._requests)

    def request_count(self) -> int:
        with self._lock:
            return len(self._requests)

    def reset(self) -> None:
        """Forgets recorded requests, pending faults and the concurrency peak."""
        with self._lock:
            self._requests.clear()
            self._faults.clear()
            self._peak = self._in_flight

    @property
    def concurrency_peak(self) -> int:
        """The most chat completions that were being handled at the same time."""
        with self._lock:
            return self._peak

    # ----------------------------------------------------------------- request handling

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        emulator = self

        class Handler(BaseHTTPRequestHandler):
            server_version = "OpenAIEmulator/1.0"

            def do_GET(self) -> None:
                self._serve("GET", b"")

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self._serve("POST", self.rfile.read(length) if length > 0 else b"")

            def do_PUT(self) -> None:
                self._serve("PUT", b"")

            def do_PATCH(self) -> None:
                self._serve("PATCH", b"")

            def do_DELETE(self) -> None:
                self._serve("DELETE", b"")

            def _serve(self, verb: str, body: bytes) -> None:
                reply = emulator._respond(
                    verb, self.path, body, self.headers.get("Authorization", "")
                )
                try:
                    self.send_response(reply.status)
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(reply.body)))
                    self.end_headers()
                    self.wfile.write(reply.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (its timeout); nothing left to tell it

            def log_message(self, format: str, *args: Any) -> None:
                pass  # tests stay quiet; `requests` is the record

        return Handler

    def _respond(self, verb: str, raw_path: str, body: bytes, authorization: str) -> _Reply:
        path = urlsplit(raw_path).path.rstrip("/")
        if verb == "POST" and path == "/v1/chat/completions":
            reply = self._chat_completion(body, authorization)
        elif verb == "GET" and (path == "/v1/models" or path.startswith("/v1/models/")):
            reply = self._models(unquote(path.removeprefix("/v1/models").lstrip("/")))
            if not self._authorized(authorization):
                reply = self._unauthorized()
        else:
            reply = _error_reply(
                404, f"Unknown request URL: {verb} {path}.", "invalid_request_error", None
            )
        with self._lock:
            self._replies += 1
            request_id = f"req_emu_{self._replies}"
        return _Reply(reply.status, {**reply.headers, "x-request-id": request_id}, reply.body)

    def _authorized(self, authorization: str) -> bool:
        scheme, _, key = authorization.partition(" ")
        return scheme.lower() == "bearer" and key.strip() == self.api_key

    @staticmethod
    def _unauthorized() -> _Reply:
        return _error_reply(
            401, "Incorrect API key provided", "invalid_request_error", "invalid_api_key"
        )

    def _models(self, model_id: str) -> _Reply:
        def card(model: str) -> dict[str, Any]:
            return {"id": model, "object": "model", "created": 0, "owned_by": "emulator"}

        if not model_id:
            return _json_reply({"object": "list", "data": [card(m) for m in self.models]})
        if model_id in self.models:
            return _json_reply(card(model_id))
        return _error_reply(
            404,
            f"The model '{model_id}' does not exist",
            "invalid_request_error",
            "model_not_found",
        )

    def _chat_completion(self, body: bytes, authorization: str) -> _Reply:
        with self._lock:
            self._in_flight += 1
            self._peak = max(self._peak, self._in_flight)
        try:
            return self._answer(body, authorization)
        finally:
            with self._lock:
                self._in_flight -= 1

    def _answer(self, body: bytes, authorization: str) -> _Reply:
        if not self._authorized(authorization):
            return self._unauthorized()
        try:
            request = json.loads(body.decode("utf-8"))
        except (UnicodeError, json.JSONDecodeError):
            request = None
        if not isinstance(request, dict):
            return _error_reply(
                400, "The request body is not a JSON object.", "invalid_request_error", None
            )
        with self._lock:
            self._requests.append(copy.deepcopy(request))
            responder = self._responder
        if not isinstance(request.get("model"), str) or not isinstance(
            request.get("messages"), list
        ):
            return _error_reply(
                400,
                "Missing required parameters: 'model' (string) and 'messages' (array).",
                "invalid_request_error",
                "missing_required_parameter",
            )

        fault = self._take_fault()
        if fault is not None and fault.kind == "rate_limited":
            return _error_reply(
                429,
                "Rate limit reached",
                "requests",
                "rate_limit_exceeded",
                headers={
                    "retry-after": str(math.ceil(fault.retry_after)),
                    "retry-after-ms": str(round(fault.retry_after * 1000)),
                },
            )
        if fault is not None and fault.kind == "server_error":
            return _error_reply(
                500,
                "The server had an error while processing your request. Sorry about that!",
                "server_error",
                None,
            )
        if fault is not None and fault.kind == "body":
            body = fault.content.encode("utf-8")
            return _Reply(200, {"Content-Type": fault.content_type}, body)
        if fault is not None and fault.kind == "timeout":
            time.sleep(fault.delay)
        if self.latency:
            time.sleep(self.latency)

        if fault is not None and fault.kind == "content":
            result: str | dict[str, Any] = fault.content
        else:
            try:
                result = responder(copy.deepcopy(request))
            except Exception as error:  # a broken test responder: say so, like a 500 would
                return _error_reply(
                    500, f"The emulator's responder failed: {error!r}", "server_error", None
                )
        if isinstance(result, dict):
            return _json_reply(result)
        return _json_reply(self._completion(request, str(result)))

    def _completion(self, request: dict[str, Any], content: str) -> dict[str, Any]:
        """A `chat.completion` object with one assistant choice and approximate usage; content
        over `max_completion_tokens` (or `max_tokens`) is cut, finish_reason "length"."""
        with self._lock:
            self._completions += 1
            number = self._completions
        prompt = "".join(
            _content_text(m.get("content")) for m in request["messages"] if isinstance(m, dict)
        )
        prompt_tokens, completion_tokens = _approx_tokens(prompt), _approx_tokens(content)
        limit = request.get("max_completion_tokens") or request.get("max_tokens")
        finish_reason = "stop"
        if isinstance(limit, int) and limit > 0 and completion_tokens > limit:
            content, completion_tokens, finish_reason = content[: limit * 4], limit, "length"
        return {
            "id": f"chatcmpl-emu-{number}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": request["model"],
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content, "refusal": None},
                    "finish_reason": finish_reason,
                    "logprobs": None,
                }
            ],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
        }


# --------------------------------------------------------------------- demo responder

_DEMO_KEYWORDS = (
    ("incident", "risk"),
    ("outage", "risk"),
    ("release", "product"),
    ("deploy", "product"),
    ("launch", "product"),
    ("deadline", "process"),
    ("meeting", "process"),
)


def demo_responder(request: dict[str, Any]) -> str:
    """A naive keyword stand-in for an LLM, only so the OpenAI path can be seen working offline.

    Reads the last user message (the app sends the Slack message as a JSON object with a
    `message` field; plain text works too) and reports at most one undated event in the app's
    output schema (domain/llm.py).
    """
    messages = [m for m in request.get("messages", []) if isinstance(m, dict)]
    users = [m for m in messages if m.get("role") == "user"]
    text = _content_text(users[-1].get("content")) if users else ""
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, dict) and isinstance(data.get("message"), str):
        text = data["message"]
    flat = " ".join(text.split())
    lowered = flat.lower()
    category = next((cat for word, cat in _DEMO_KEYWORDS if word in lowered), None)
    if category is None:
        return _EMPTY_EVENTS
    first_sentence = re.split(r"(?<=[.!?])\s", flat, maxsplit=1)[0]
    # The confidence is above the digest threshold, so the demo shows its events.
    return one_undated_event(first_sentence[:140], category, 0.75, flat[:320])


def one_undated_event(title: str, category: str, confidence: float, summary: str) -> str:
    """An answer in the app's output schema (domain/llm.py) holding one planned, undated event."""
    event = {
        "title": title,
        "category": category,
        "status": "planned",
        "date": None,
        "time": None,
        "end_date": None,
        "end_time": None,
        "timezone": None,
        "confidence": confidence,
        "summary": summary,
    }
    return json.dumps({"events": [event]}, ensure_ascii=False)


# --------------------------------------------------------------------- command line


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m devtools.emulators.openai",
        description="Serve a local OpenAI-compatible API with a naive demo responder.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8766, help="0 picks a free port")
    parser.add_argument(
        "--api-key",
        default=None,
        help=f"API key to accept (default: $OPENAI_API_KEY or {DEFAULT_API_KEY})",
    )
    parser.add_argument(
        "--latency", type=float, default=0.0, help="seconds to wait before each answer"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    """Serves until Ctrl-C, printing how to point the app at the emulator."""
    args = build_parser().parse_args(argv)
    api_key, shown = credential_from(args.api_key, "OPENAI_API_KEY", DEFAULT_API_KEY)
    emulator = OpenAIEmulator(
        demo_responder, api_key=api_key, host=args.host, port=args.port, latency=args.latency
    ).start()
    emulator.serve_until_interrupted(
        banner(
            f"OpenAI emulator: models {', '.join(emulator.models)}, demo responder",
            "OpenAI API",
            emulator.base_url,
            f"EXTRACTOR=openai OPENAI_BASE_URL={emulator.base_url} OPENAI_API_KEY={shown}",
        )
    )


if __name__ == "__main__":
    main()
