"""Configuration enters at the code location's entry point only: importing any other module reads
nothing, and definitions.py copies `.env` into the process so EnvVar secrets resolve (each test
starts a fresh interpreter, as Dagster's code server does)."""

import json
import os
import subprocess
import sys
from pathlib import Path

from slack_events_dagster.settings import PROJECT_ROOT, SECRET_VARIABLES

MODULES_WITHOUT_CONFIGURATION = [
    "slack_events_dagster.assets",
    "slack_events_dagster.partitions",
    "slack_events_dagster.jobs",
    "slack_events_dagster.checks",
    "slack_events_dagster.sensors",
    "slack_events_dagster.resources.database",
    "slack_events_dagster.resources.extractor",
    "slack_events_dagster.resources.pipeline",
    "slack_events_dagster.resources.publisher",
    "slack_events_dagster.resources.slack",
    "slack_events_dagster.cli",
]


def _python(code: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """`code` in a fresh interpreter (nothing imported yet), in `cwd`, with `env` added."""
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=cwd,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_importing_the_modules_reads_no_configuration(tmp_path: Path) -> None:
    """Only the code location's entry point reads settings: with a broken SLACK_EVENTS_CONFIG
    every other module imports, and definitions.py fails naming the file."""
    broken = {"SLACK_EVENTS_CONFIG": str(tmp_path / "missing.yaml")}
    imports = "; ".join(f"import {module}" for module in MODULES_WITHOUT_CONFIGURATION)
    imported = _python(f"{imports}; print('imported')", tmp_path, **broken)
    assert imported.returncode == 0 and "imported" in imported.stdout, imported.stderr[-2000:]

    entry_point = _python("import slack_events_dagster.definitions", tmp_path, **broken)
    assert entry_point.returncode != 0
    assert f"{tmp_path / 'missing.yaml'}: no such file" in entry_point.stderr


def test_the_code_location_resolves_secrets_given_only_in_dotenv(tmp_path: Path) -> None:
    """definitions.py copies ./.env into the process (never over a set variable), so an
    EnvVar secret given only there resolves, in this process and in the runs it launches."""
    (tmp_path / ".env").write_text(
        "SLACK_BOT_TOKEN=xoxb-from-dotenv\nSLACK_SOURCE=api\nOPENAI_API_KEY=sk-from-dotenv\n",
        encoding="utf-8",
    )
    code = """
import json, os
import dagster as dg
from slack_events_dagster.definitions import defs
with dg.build_resources({"slack": defs.resources["slack"]}) as resources:
    print(json.dumps([resources.slack.bot_token, os.environ["OPENAI_API_KEY"]]))
"""
    clean = {key: value for key, value in os.environ.items() if key not in SECRET_VARIABLES}
    loaded = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env={**clean, "SLACK_EVENTS_CONFIG": str(PROJECT_ROOT / "config.yaml")},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert loaded.returncode == 0, loaded.stderr[-2000:]
    assert json.loads(loaded.stdout.splitlines()[-1]) == ["xoxb-from-dotenv", "sk-from-dotenv"]
