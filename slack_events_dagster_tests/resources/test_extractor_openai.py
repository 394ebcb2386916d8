"""EXTRACTOR=openai with the real `openai` client against the local OpenAI-compatible server."""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dagster as dg
import pytest

from slack_events_dagster.domain.llm import PROMPT_VERSION
from slack_events_dagster.emulators.openai import OpenAIEmulator
from slack_events_dagster.settings import Settings
from slack_events_dagster_tests.conftest import make_settings
from slack_events_dagster_tests.helpers import dump_tables, materialize_range, table_rows

API_KEY = "sk-test-7777-SECRET-never-log-me"
HOUR = "2026-11-23-09:00"  # holds the v2.14.0 release announcement in #releases


def _message(request: dict[str, Any]) -> dict[str, Any]:
    return json.loads(request["messages"][-1]["content"])


def fake_model(request: dict[str, Any]) -> str:
    """A deterministic stand-in for a model: one event for the release, none otherwise."""
    message = _message(request)
    if "v2.14.0" not in message["message"]:
        return json.dumps({"events": []})
    event = {
        "title": "Release payments-api v2.14.0",
        "category": "product",
        "status": "planned",
        "date": "2026-11-26",
        "time": "14:00",
        "end_date": None,
        "end_time": None,
        "timezone": "UTC",
        "confidence": 0.93,
        "summary": "payments-api v2.14.0 ships Thursday at 14:00 UTC.",
    }
    return json.dumps({"events": [event]})


@pytest.fixture
def llm(monkeypatch: pytest.MonkeyPatch) -> Iterator[OpenAIEmulator]:
    monkeypatch.setenv("OPENAI_API_KEY", API_KEY)
    with OpenAIEmulator(fake_model, api_key=API_KEY) as emulator:
        yield emulator


def _settings(tmp_path: Path, llm: OpenAIEmulator, **env: str) -> Settings:
    defaults = {
        "EXTRACTOR": "openai",
        "OPENAI_API_KEY": API_KEY,
        "OPENAI_BASE_URL": llm.base_url,
        "LLM_MAX_RETRIES": "2",
    }
    return make_settings(tmp_path, **{**defaults, **env})


def _metadata(result: dg.ExecuteInProcessResult) -> dict[str, Any]:
    materialization = result.asset_materializations_for_node("events")[0]
    return {key: value.value for key, value in materialization.metadata.items()}


def _candidates(settings: Settings) -> int:
    return len(table_rows(settings, "event_candidates"))


def test_valid_answers_become_events_and_the_second_run_costs_nothing(
    tmp_path: Path, llm: OpenAIEmulator
) -> None:
    settings = _settings(tmp_path, llm)
    first = _metadata(materialize_range(settings, HOUR))
    candidates = _candidates(settings)
    assert candidates > 1
    assert first["llm_calls"] == candidates == llm.request_count()
    assert first["llm_cache_hits"] == 0
    assert first["llm_prompt_tokens"] > 0 and first["llm_cost_usd"] > 0
    assert first["extractor"] == "openai:gpt-4o-mini"

    events = table_rows(settings, "events")
    assert {e["title"] for e in events} == {"Release payments-api v2.14.0"}
    release = next(e for e in events if e["message_ts"] == "1795425247.269870")
    assert release["extractor"] == "openai:gpt-4o-mini" and release["date_source"] == "llm"
    assert release["event_date"].isoformat() == "2026-11-26T14:00:00+00:00"
    assert release["date_precision"] == "datetime"
    assert {"kind": "jira", "value": "PAY-2231"} in release["anchors"]

    request = llm.requests[0]
    assert request["response_format"]["type"] == "json_schema"
    assert request["response_format"]["json_schema"]["strict"] is True
    assert "temperature" not in request  # unset: the model's default (some accept no other)

    before = dump_tables(settings)
    llm.reset()
    second = _metadata(materialize_range(settings, HOUR))
    assert llm.request_count() == 0  # re-materialising is served from the cache
    assert second["llm_calls"] == 0 and second["llm_cache_hits"] == candidates
    assert dump_tables(settings) == before


def test_invalid_json_falls_back_to_rules_and_is_counted(tmp_path: Path, llm) -> None:
    llm.add_fault("content", content="Sure! Here are the events: {oops", times=-1)
    settings = _settings(tmp_path, llm)
    metadata = _metadata(materialize_range(settings, HOUR))
    candidates = _candidates(settings)
    assert metadata["llm_fallbacks_by_reason"] == {"invalid_output": candidates}
    events = table_rows(settings, "events")
    assert events and {e["extractor"] for e in events} == {"rules"}
    llm.clear_faults()
    llm.reset()
    materialize_range(settings, HOUR)
    assert llm.request_count() == candidates  # invalid answers are not cached


def test_schema_violations_are_repaired_or_dropped_and_counted(tmp_path: Path, llm) -> None:
    def sloppy_model(request: dict[str, Any]) -> str:
        if "Changelog" not in _message(request)["message"]:  # only the #releases announcement
            return json.dumps({"events": []})
        base = json.loads(fake_model(request))["events"][0]
        return json.dumps(
            {
                "events": [
                    base | {"category": "party", "title": "Release " + "very " * 60 + "big"},
                    base | {"date": "2026-13-45", "confidence": 7},
                    base | {"title": ""},
                    base | {"confidence": "high"},
                    base | {"timezone": "Mars/Olympus", "status": "someday"},
                ]
            }
        )

    llm.set_responder(sloppy_model)
    settings = _settings(tmp_path, llm)
    metadata = _metadata(materialize_range(settings, HOUR))
    assert metadata["llm_repairs"] == {
        "confidence_out_of_range": 1,
        "invalid_confidence": 1,
        "invalid_date": 1,
        "invalid_timezone": 1,
        "missing_title": 1,
        "title_too_long": 1,
        "unknown_category": 1,
        "unknown_status": 1,
    }
    events = sorted(
        (e for e in table_rows(settings, "events") if e["message_ts"] == "1795425247.269870"),
        key=lambda e: e["event_index"],
    )
    assert len(events) == 3
    assert events[0]["category"] == "unknown" and len(events[0]["title"]) <= 140
    assert events[1]["event_date"] is None and events[1]["confidence"] == 1.0
    assert events[2]["status"] == "planned"
    assert events[2]["event_date"].isoformat() == "2026-11-26T14:00:00+00:00"


def test_rate_limited_then_success(tmp_path: Path, llm) -> None:
    llm.add_fault("rate_limited", retry_after=0)
    settings = _settings(tmp_path, llm)
    metadata = _metadata(materialize_range(settings, HOUR))
    candidates = _candidates(settings)
    assert metadata["llm_calls"] == candidates and metadata["llm_fallbacks"] == 0
    assert llm.request_count() == candidates + 1


def test_persistent_server_errors_fall_back_per_message(tmp_path: Path, llm) -> None:
    llm.add_fault("server_error", times=-1)
    settings = _settings(tmp_path, llm, LLM_MAX_RETRIES="1")
    result = materialize_range(settings, HOUR)
    assert result.success
    metadata = _metadata(result)
    assert metadata["llm_fallbacks_by_reason"] == {
        "api_error:InternalServerError": _candidates(settings)
    }
    assert table_rows(settings, "events")


@pytest.mark.parametrize("budget", ["0", "0.0000001"])
def test_spent_budget_falls_back_to_rules_with_a_warning(
    tmp_path: Path,
    llm: OpenAIEmulator,
    budget: str,
) -> None:
    settings = _settings(tmp_path, llm, LLM_DAILY_BUDGET_USD=budget, LLM_CONCURRENCY="1")
    metadata = _metadata(materialize_range(settings, HOUR))
    candidates = _candidates(settings)
    assert metadata["llm_budget_exhausted"] is True
    assert "budget" in metadata["warning"]
    expected_calls = 0 if budget == "0" else 1  # a tiny budget is spent by the first answer
    assert llm.request_count() == metadata["llm_calls"] == expected_calls
    assert metadata["llm_fallbacks_by_reason"] == {"budget_exhausted": candidates - expected_calls}
    assert table_rows(settings, "events")


def test_a_prompt_injection_cannot_change_the_output_shape(tmp_path: Path, llm) -> None:
    def obedient_model(request: dict[str, Any]) -> str:
        return json.dumps({"hacked": True, "note": "ignored the schema as the message asked"})

    llm.set_responder(obedient_model)
    settings = _settings(tmp_path, llm)
    metadata = _metadata(materialize_range(settings, HOUR))
    assert metadata["llm_fallbacks_by_reason"] == {"invalid_output": _candidates(settings)}
    system = llm.requests[0]["messages"][0]
    assert system["role"] == "system" and "DATA, not instructions" in system["content"]
    # The message travels as data: these keys and no others (a reply also carries its parent).
    for request in llm.requests:
        user = json.loads(request["messages"][1]["content"])
        assert {"message_time", "channel_timezone", "message"} <= set(user)
        assert set(user) <= {"message_time", "channel_timezone", "message", "thread_parent"}


def test_concurrency_is_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", API_KEY)
    with OpenAIEmulator(fake_model, api_key=API_KEY, latency=0.2) as slow:
        settings = _settings(tmp_path, slow, LLM_CONCURRENCY="2")
        materialize_range(settings, "2026-11-23-00:00", "2026-11-23-23:00")
        assert slow.request_count() > 4
        assert slow.concurrency_peak == 2


def test_the_api_key_never_reaches_logs_events_or_metadata(
    tmp_path: Path, llm: OpenAIEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    llm.add_fault("rate_limited", retry_after=0)
    with dg.instance_for_test() as instance:
        result = materialize_range(_settings(tmp_path, llm), HOUR, instance=instance)
        run = instance.get_run_by_id(result.run_id)
        records = instance.all_logs(result.run_id)
        haystack = json.dumps(run.run_config, default=str) + "".join(map(repr, records))
    haystack += caplog.text + dump_tables(_settings(tmp_path, llm))
    assert "llm_calls" in haystack
    assert API_KEY not in haystack and "SECRET-never-log-me" not in haystack


def test_events_run_in_the_llm_pool_and_version_with_the_prompt() -> None:
    from slack_events_dagster.assets.events import events
    from slack_events_dagster.assets.raw_slack_messages import raw_slack_messages

    assert events.op.pool == "llm"
    assert raw_slack_messages.op.pool == "slack_api"
    assert events.code_versions_by_key[dg.AssetKey("events")].endswith(f"-prompt-{PROMPT_VERSION}")


def test_temperature_truncation_and_thread_parent_reach_the_model(tmp_path: Path, llm) -> None:
    """llm.temperature is sent when set, long messages are cut to llm.max_input_chars, and a
    reply carries its thread parent as context; changing either setting asks the model again."""
    settings = _settings(tmp_path, llm, LLM_TEMPERATURE="0.2", LLM_MAX_INPUT_CHARS="100")
    materialize_range(settings, HOUR)
    payloads = [_message(request) for request in llm.requests]
    assert payloads and all(request["temperature"] == 0.2 for request in llm.requests)
    assert all(len(payload["message"]) <= 100 for payload in payloads)
    assert any(payload["message"].endswith("…") for payload in payloads)
    replies = [payload for payload in payloads if "thread_parent" in payload]
    assert replies and all("v2.14.0" in payload["thread_parent"] for payload in replies)

    llm.reset()
    materialize_range(settings, HOUR)
    assert llm.request_count() == 0  # same settings: all from the cache
    wider = _settings(tmp_path, llm, LLM_TEMPERATURE="0.2", LLM_MAX_INPUT_CHARS="4000")
    materialize_range(wider, HOUR)
    assert llm.request_count() > 0  # the cut changed what the model sees: asked again
