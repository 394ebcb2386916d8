"""`slack-events evaluate` as a user runs it: labels of their own export in, figures out."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from slack_events_dagster.evaluation.labels import LabelError, load_labels
from slack_events_dagster.settings import PROJECT_ROOT
from slack_events_dagster_tests.conftest import SAMPLE_EXPORT

RELEASE = {
    "title": "payments-api v2.13.2 release",
    "category": "product",
    "date": "2026-11-19T08:30",
    "end_date": None,
    "date_basis": "relative",
}


def _write_labels(path: Path, lines: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    return path


def _evaluate(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "slack_events_dagster.cli", "evaluate", *args],
        cwd=tmp_path,
        env={
            "PATH": "/usr/bin:/bin",
            "SLACK_EVENTS_CONFIG": str(PROJECT_ROOT / "config.yaml"),
            "SQLITE_PATH": str(tmp_path / "slack_events.db"),
            # the code under test, also when a checkout is put ahead of the installed package
            **{k: v for k, v in os.environ.items() if k == "PYTHONPATH"},
            **env,
        },
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_evaluate_scores_the_rules_extractor_on_a_labelled_export(tmp_path: Path) -> None:
    labels = _write_labels(
        tmp_path / "mine.jsonl",
        [
            {"channel": "releases", "ts": "1794989560.695890", "events": [RELEASE]},
            {"channel": "releases", "ts": "1794992730.251898", "events": []},  # "thanks!"
            # A release the rules cannot see: counted as a miss, with its kind.
            {"channel": "releases", "ts": "1795082135.164658", "events": [RELEASE]},
        ],
    )
    figures = tmp_path / "figures.json"
    result = _evaluate(
        tmp_path,
        "--labels",
        str(labels),
        "--export",
        str(SAMPLE_EXPORT),
        "--extractor",
        "rules",
        "--json",
        str(figures),
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Evaluating rules on 3 labelled messages" in result.stderr
    for line in (
        "message precision",
        "candidate recall",
        "false-positive events / 1,000",
        "titles a reviewer keeps unedited",
        "Titles a reviewer would edit, by problem",
    ):
        assert line in result.stdout
    assert "Missed announcements, by kind (1)" in result.stdout
    assert "1795082135.164658" in result.stdout
    written = json.loads(figures.read_text())
    assert written["counts"]["messages"] == 3
    assert written["counts"]["announcing_messages"] == 2
    assert written["metrics"]["message_recall"] == 0.5
    assert written["metrics"]["message_precision"] == 1.0
    assert written["metrics"]["no_event_accuracy"] == 1.0
    assert 0.0 <= written["metrics"]["titles_kept"] <= 1.0


def test_evaluate_names_the_bad_line_and_the_missing_channel(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"channel": "releases", "ts": "1794989560.695890", "events": []}\n{oops\n')
    result = _evaluate(tmp_path, "--labels", str(bad), "--export", str(SAMPLE_EXPORT))
    assert result.returncode == 1
    assert f"{bad}:2: not JSON" in result.stderr
    assert "Traceback" not in result.stderr

    other = _write_labels(
        tmp_path / "other.jsonl", [{"channel": "no-such-channel", "ts": "1.0", "events": []}]
    )
    result = _evaluate(tmp_path, "--labels", str(other), "--export", str(SAMPLE_EXPORT))
    assert result.returncode == 1
    assert "does not have: no-such-channel" in result.stderr


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"channel": "a", "ts": "1.0", "events": [{"category": "party"}]}', "category 'party'"),
        ('{"channel": "a", "ts": "nope", "events": []}', "Slack ts"),
        ('{"channel": "a", "ts": "1.0", "events": [{"category": "org", "date": "May"}]}', "'May'"),
    ],
)
def test_labels_are_validated_line_by_line(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "labels.jsonl"
    path.write_text(line + "\n")
    with pytest.raises(LabelError, match=message):
        load_labels(path)


def test_evaluate_measures_the_llm_path_through_the_openai_client(tmp_path: Path) -> None:
    """--extractor openai runs the extractor resource against an OpenAI-compatible server."""
    from devtools.emulators.openai import OpenAIEmulator

    def model(request: dict[str, object]) -> str:
        message = json.loads(request["messages"][-1]["content"])  # type: ignore[index]
        if "v2.13.2" not in message["message"]:
            return json.dumps({"events": []})
        event = {
            "title": "payments-api v2.13.2 release",
            "category": "product",
            "status": "planned",
            "date": "2026-11-19",
            "time": "08:30",
            "end_date": None,
            "end_time": None,
            "timezone": "UTC",
            "confidence": 0.9,
            "summary": "payments-api v2.13.2 goes out on Thursday.",
        }
        return json.dumps({"events": [event]})

    labels = _write_labels(
        tmp_path / "mine.jsonl",
        [
            {"channel": "releases", "ts": "1794989560.695890", "events": [RELEASE]},
            {"channel": "releases", "ts": "1794992730.251898", "events": []},
        ],
    )
    with OpenAIEmulator(model, api_key="sk-local") as llm:
        result = _evaluate(
            tmp_path,
            "--labels", str(labels), "--export", str(SAMPLE_EXPORT), "--extractor", "openai",
            "--all-messages", "--json", str(tmp_path / "figures.json"),
            OPENAI_API_KEY="sk-local",
            OPENAI_BASE_URL=llm.base_url,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr[-3000:]
        assert llm.request_count() == 2  # --all-messages: "thanks!" is asked too
    assert "Evaluating openai:gpt-4o-mini on 2 labelled messages" in result.stderr
    figures = json.loads((tmp_path / "figures.json").read_text())["metrics"]
    assert figures["message_recall"] == 1.0 and figures["message_precision"] == 1.0
    assert figures["date_accuracy"] == 1.0
    assert "sk-local" not in result.stdout + result.stderr
