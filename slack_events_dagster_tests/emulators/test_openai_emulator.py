"""The OpenAI emulator, driven by the real `openai.OpenAI` client over HTTP (no mocks).

Other tests rely on the emulator behaving like api.openai.com, so these pin the contract it
serves: completion and model shapes, error payloads, the client's own retries and timeouts, the
injected faults and the concurrency it observes.
"""

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import openai
import pytest

from devtools import CHECKOUT
from devtools.emulators.openai import OpenAIEmulator, demo_responder

API_KEY = "sk-test-key"
# Generous bounds for answers that should come at once: a loaded CI machine can be slow, and a
# wait that only ends early never makes a passing test slower.
PATIENCE_SECONDS = 60
EVENT_SCHEMA = {
    "name": "events",
    "strict": True,
    "schema": {
        "type": "object",
        "properties": {"events": {"type": "array", "items": {"type": "object"}}},
        "required": ["events"],
        "additionalProperties": False,
    },
}


@pytest.fixture
def emulator() -> Iterator[OpenAIEmulator]:
    with OpenAIEmulator(api_key=API_KEY) as running:
        yield running


def _client(emulator: OpenAIEmulator, **kwargs: Any) -> openai.OpenAI:
    kwargs.setdefault("api_key", API_KEY)
    kwargs.setdefault("max_retries", 0)
    kwargs.setdefault("timeout", float(PATIENCE_SECONDS))
    return openai.OpenAI(base_url=emulator.base_url, **kwargs)


def _ask(client: openai.OpenAI, text: str = "hello", **kwargs: Any) -> Any:
    return client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": text}], **kwargs
    )


def test_completion_with_a_custom_responder(emulator: OpenAIEmulator) -> None:
    assert emulator.base_url.startswith("http://127.0.0.1:")
    assert emulator.base_url.endswith("/v1")
    seen: list[dict[str, Any]] = []

    def responder(request: dict[str, Any]) -> str:
        seen.append(request)
        return "echo: " + request["messages"][-1]["content"]

    emulator.set_responder(responder)
    completion = _client(emulator).chat.completions.create(
        model="gpt-4.1-nano",
        messages=[
            {"role": "system", "content": "12345678"},
            {"role": "user", "content": "abcd"},
        ],
        temperature=0,
    )
    assert completion.object == "chat.completion"
    assert completion.id == "chatcmpl-emu-1"
    assert completion.model == "gpt-4.1-nano"
    choice = completion.choices[0]
    assert (choice.index, choice.finish_reason) == (0, "stop")
    assert choice.message.role == "assistant"
    assert choice.message.content == "echo: abcd"
    assert choice.message.refusal is None
    assert completion.usage is not None
    # 12 prompt characters -> 3 tokens; "echo: abcd" (10 characters) -> 3 tokens.
    assert (completion.usage.prompt_tokens, completion.usage.completion_tokens) == (3, 3)
    assert completion.usage.total_tokens == 6
    assert completion._request_id is not None
    assert seen[0]["temperature"] == 0
    assert emulator.request_count() == 1


def test_default_responder_and_full_response_dicts(emulator: OpenAIEmulator) -> None:
    client = _client(emulator)
    assert json.loads(_ask(client).choices[0].message.content or "") == {"events": []}

    canned = {
        "id": "chatcmpl-canned",
        "object": "chat.completion",
        "created": 1,
        "model": "canned-model",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": None, "refusal": "I can't."},
                "finish_reason": "stop",
                "logprobs": None,
            }
        ],
    }
    emulator.set_responder(lambda request: canned)
    completion = _ask(client)
    assert (completion.id, completion.model) == ("chatcmpl-canned", "canned-model")
    assert completion.choices[0].message.refusal == "I can't."
    assert completion.usage is None


def test_response_format_is_passed_through(emulator: OpenAIEmulator) -> None:
    response_format = {"type": "json_schema", "json_schema": EVENT_SCHEMA}
    _ask(_client(emulator), response_format=response_format)  # type: ignore[arg-type]
    recorded = emulator.requests[-1]
    assert recorded["response_format"] == response_format
    assert recorded["model"] == "gpt-4o-mini"
    assert recorded["messages"] == [{"role": "user", "content": "hello"}]
    # `requests` hands out copies: changing them does not change the log.
    emulator.requests[-1]["model"] = "changed"
    assert emulator.requests[-1]["model"] == "gpt-4o-mini"


def test_rate_limit_is_retried_by_the_client(emulator: OpenAIEmulator) -> None:
    emulator.set_responder(lambda request: "after the wait")
    emulator.add_fault("rate_limited", retry_after=0)
    completion = _ask(_client(emulator, max_retries=2))
    assert completion.choices[0].message.content == "after the wait"
    assert emulator.request_count() == 2


def test_rate_limit_error_body_and_headers(emulator: OpenAIEmulator) -> None:
    emulator.add_fault("rate_limited", retry_after=1.5)
    with pytest.raises(openai.RateLimitError) as caught:
        _ask(_client(emulator))
    error = caught.value
    assert error.status_code == 429
    assert error.code == "rate_limit_exceeded"
    assert error.type == "requests"
    assert error.body == {
        "message": "Rate limit reached",
        "type": "requests",
        "code": "rate_limit_exceeded",
    }
    assert error.response.headers["retry-after"] == "2"
    assert error.response.headers["retry-after-ms"] == "1500"


def test_server_error_without_retries(emulator: OpenAIEmulator) -> None:
    emulator.add_fault("server_error")
    with pytest.raises(openai.InternalServerError) as caught:
        _ask(_client(emulator))
    assert caught.value.status_code == 500
    assert caught.value.type == "server_error"
    assert emulator.request_count() == 1
    assert _ask(_client(emulator)).choices[0].message.content == '{"events": []}'


def test_wrong_or_missing_key(emulator: OpenAIEmulator) -> None:
    with pytest.raises(openai.AuthenticationError) as caught:
        _ask(_client(emulator, api_key="sk-wrong"))
    assert caught.value.status_code == 401
    assert caught.value.code == "invalid_api_key"
    assert caught.value.body == {
        "message": "Incorrect API key provided",
        "type": "invalid_request_error",
        "code": "invalid_api_key",
    }
    request = urllib.request.Request(
        emulator.base_url + "/chat/completions", data=b"{}", method="POST"
    )
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(request, timeout=PATIENCE_SECONDS)
    assert missing.value.code == 401
    assert emulator.request_count() == 0


def test_timeout_fault_makes_the_client_time_out(emulator: OpenAIEmulator) -> None:
    emulator.add_fault("timeout", delay=PATIENCE_SECONDS)
    started = time.monotonic()
    with pytest.raises(openai.APITimeoutError):
        _ask(_client(emulator, timeout=0.3))
    assert time.monotonic() - started < PATIENCE_SECONDS  # the client gave up, not the server
    assert emulator.request_count() == 1
    # The fault was used up: the next request is answered (no delay to wait out).
    assert _ask(_client(emulator)).choices[0].message.content == '{"events": []}'


def test_content_fault_then_the_responder_again(emulator: OpenAIEmulator) -> None:
    emulator.set_responder(lambda request: '{"events": []}')
    emulator.add_fault("content", content="not json {")
    client = _client(emulator)
    assert _ask(client).choices[0].message.content == "not json {"
    assert _ask(client).choices[0].message.content == '{"events": []}'
    assert emulator.request_count() == 2


def test_faults_in_order_forever_and_cleared(emulator: OpenAIEmulator) -> None:
    client = _client(emulator)
    emulator.add_fault("content", content="first")
    emulator.add_fault("content", times=-1, content="always")
    assert [_ask(client).choices[0].message.content for _ in range(3)] == [
        "first",
        "always",
        "always",
    ]
    emulator.clear_faults()
    assert _ask(client).choices[0].message.content == '{"events": []}'
    with pytest.raises(ValueError, match="unknown fault kind"):
        emulator.add_fault("slow")
    with pytest.raises(ValueError, match="times"):
        emulator.add_fault("content", times=0)
    emulator.add_fault("server_error", times=-1)
    emulator.reset()
    assert emulator.request_count() == 0
    assert _ask(client).choices[0].message.content == '{"events": []}'


def test_concurrency_peak() -> None:
    # The responder waits until all four requests are being answered at once: the peak is then
    # certain, however slowly a loaded machine starts the threads.
    all_in_flight = threading.Barrier(4, timeout=PATIENCE_SECONDS)

    def answer_together(request: dict[str, Any]) -> str:
        all_in_flight.wait()
        return '{"events": []}'

    with OpenAIEmulator(answer_together, api_key=API_KEY, latency=0.05) as emulator:
        client = _client(emulator)
        barrier = threading.Barrier(4)
        answers: list[str | None] = []

        def call() -> None:
            barrier.wait()
            answers.append(_ask(client).choices[0].message.content)

        threads = [threading.Thread(target=call) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=PATIENCE_SECONDS)
        assert answers == ['{"events": []}'] * 4
        assert emulator.request_count() == 4
        assert emulator.concurrency_peak == 4
        emulator.set_responder(lambda request: '{"events": []}')
        _ask(client)
        assert emulator.concurrency_peak == 4  # a peak, not the current count


def test_models_list_and_retrieve() -> None:
    with OpenAIEmulator(api_key=API_KEY, models=("gpt-4o-mini", "gpt-4.1")) as emulator:
        client = _client(emulator)
        models = list(client.models.list())
        assert [(m.id, m.object, m.owned_by, m.created) for m in models] == [
            ("gpt-4o-mini", "model", "emulator", 0),
            ("gpt-4.1", "model", "emulator", 0),
        ]
        assert client.models.retrieve("gpt-4.1").id == "gpt-4.1"
        with pytest.raises(openai.NotFoundError):
            client.models.retrieve("gpt-9")
        with pytest.raises(openai.AuthenticationError):
            list(_client(emulator, api_key="sk-wrong").models.list())
        assert emulator.request_count() == 0  # only chat completions are recorded


def test_unknown_paths_are_404(emulator: OpenAIEmulator) -> None:
    client = _client(emulator)
    with pytest.raises(openai.NotFoundError) as caught:
        client.embeddings.create(model="text-embedding-3-small", input="hi")
    assert caught.value.type == "invalid_request_error"


def test_demo_responder() -> None:
    def ask(content: str) -> dict[str, Any]:
        request = {"messages": [{"role": "system", "content": "rules"}, {"role": "user"}]}
        request["messages"][-1]["content"] = content
        return json.loads(demo_responder(request))

    assert ask("thanks, see you tomorrow") == {"events": []}
    slack_message = json.dumps(
        {"message": "We deploy payments-api v2 on Friday. Ping me " + "x" * 400}
    )
    (event,) = ask(slack_message)["events"]
    assert event["title"] == "We deploy payments-api v2 on Friday."
    assert event["category"] == "product"
    assert (event["date"], event["time"], event["confidence"]) == (None, None, 0.75)
    assert len(event["summary"]) == 320
    from slack_events_dagster.domain.llm import EVENT_SCHEMA

    assert set(event) == set(EVENT_SCHEMA["properties"]["events"]["items"]["required"])
    assert ask("SEV-2 incident on checkout")["events"][0]["category"] == "risk"
    assert ask("x" * 200 + " meeting")["events"][0]["title"] == "x" * 140


def test_command_line_serves_until_interrupted() -> None:
    env = {**os.environ, "OPENAI_API_KEY": "sk-secret-from-env"}
    with subprocess.Popen(
        [sys.executable, "-m", "devtools.emulators.openai", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
        cwd=CHECKOUT,  # `python -m devtools...` works from a checkout
    ) as process:
        try:
            assert process.stdout is not None
            lines = [process.stdout.readline() for _ in range(4)]
            output = "".join(lines)
            base_url = lines[1].split(" at ", 1)[1].strip()
            assert base_url.startswith("http://127.0.0.1:")
            assert f"EXTRACTOR=openai OPENAI_BASE_URL={base_url} " in output
            assert "OPENAI_API_KEY=<from OPENAI_API_KEY>" in output
            assert "sk-secret-from-env" not in output
            client = openai.OpenAI(api_key="sk-secret-from-env", base_url=base_url, max_retries=0)
            completion = client.chat.completions.create(
                model="gpt-4o-mini",
                messages=[{"role": "user", "content": "Release v2.0 goes out today."}],
            )
            events = json.loads(completion.choices[0].message.content or "")["events"]
            assert events[0]["title"] == "Release v2.0 goes out today."
            process.send_signal(signal.SIGINT)  # it serves: it has just answered a completion
            assert process.wait(timeout=PATIENCE_SECONDS) == 0
        finally:
            if process.poll() is None:
                process.kill()


def test_body_fault_serves_any_http_200_body(emulator: OpenAIEmulator) -> None:
    emulator.add_fault("body", content="<html>sign in</html>", content_type="text/html")
    request = urllib.request.Request(
        emulator.base_url + "/chat/completions",
        data=json.dumps({"model": "gpt-4o-mini", "messages": []}).encode(),
        headers={"Authorization": f"Bearer {emulator.api_key}"},
    )
    with urllib.request.urlopen(request) as response:
        assert response.status == 200 and response.headers["Content-Type"] == "text/html"
        assert response.read() == b"<html>sign in</html>"


def test_max_completion_tokens_cuts_the_answer(emulator: OpenAIEmulator) -> None:
    emulator.set_responder(lambda request: "x" * 400)  # ~100 tokens
    completion = _ask(_client(emulator), max_completion_tokens=10)
    assert (
        completion.usage.completion_tokens == 10 and completion.choices[0].finish_reason == "length"
    )
    assert completion.choices[0].message.content == "x" * 40
