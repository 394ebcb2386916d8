"""config.yaml + .env + environment -> one validated Settings object."""

import dataclasses
import os
from pathlib import Path

import pytest

from slack_events_dagster.domain.policy import Policy
from slack_events_dagster.domain.scoring import ScoreWeights
from slack_events_dagster.resources.slack import SlackResource
from slack_events_dagster.settings import (
    DigestSettings,
    ScoringSettings,
    Settings,
    SettingsError,
    SettingsInputs,
    load_settings,
    settings_inputs,
)


def _load(tmp_path: Path, yaml_text: str | None = None, dotenv: str = "", **env: str):
    environ = dict(env)
    if yaml_text is not None:
        config = tmp_path / "config.yaml"
        config.write_text(yaml_text, encoding="utf-8")
        environ["SLACK_EVENTS_CONFIG"] = str(config)
    dotenv_path = tmp_path / ".env"
    dotenv_path.write_text(dotenv, encoding="utf-8")
    return load_settings(environ=environ, dotenv_path=dotenv_path)


def test_seed_postgres_shape_works_verbatim(tmp_path: Path) -> None:
    settings = _load(
        tmp_path,
        "database:\n  type: postgres\n  postgres:\n    host: db.internal\n    port: 5433\n"
        "    database: events\n    user: slack\n",
    )
    assert settings.database_type == "postgres"
    pg = settings.database.postgres
    assert (pg.host, pg.port, pg.database, pg.user) == ("db.internal", 5433, "events", "slack")
    assert not settings.database.migrates_automatically


def test_seed_sqlite_shape_resolves_paths_next_to_the_config(tmp_path: Path) -> None:
    settings = _load(tmp_path, "database:\n  type: sqlite\n  path: data/slack_events.db\n")
    assert settings.database_type == "sqlite"
    assert settings.database.path == str(tmp_path / "data" / "slack_events.db")
    assert settings.database.migrates_automatically


def test_environment_beats_dotenv_beats_the_file(tmp_path: Path) -> None:
    yaml_text = "database:\n  type: sqlite\n  postgres:\n    host: from-file\n    port: 5432\n"
    settings = _load(
        tmp_path,
        yaml_text,
        dotenv="POSTGRES_HOST=from-dotenv\nPOSTGRES_PORT=6000\nPOSTGRES_PASSWORD=s3cret\n",
        POSTGRES_HOST="from-env",
        DATABASE_TYPE="postgres",
        EXTRACTOR="rules",
        SLACK_SOURCE="export",
        SLACK_EXPORT_PATH="/data/export.zip",
        SLACK_CHANNELS="#releases, C0A1ENG0001",
        POSTGRES_DATABASE="db",
        POSTGRES_USER="me",
        SQLITE_PATH="/abs/x.db",
    )
    pg = settings.database.postgres
    assert (settings.database_type, pg.host, pg.port, pg.database, pg.user) == (
        "postgres",
        "from-env",
        6000,
        "db",
        "me",
    )
    assert pg.password is not None and pg.password.get_secret_value() == "s3cret"
    assert "s3cret" not in repr(settings)
    assert settings.slack.export_path == "/data/export.zip"
    assert settings.slack.channels == ["#releases", "C0A1ENG0001"]
    assert settings.database.path == "/abs/x.db"


@pytest.mark.parametrize(
    ("env", "yaml_text", "message"),
    [
        ({"DATABASE_TYPE": "mysql"}, None, "database.type: Input should be 'sqlite' or 'postgres'"),
        ({"POSTGRES_PORT": "abc"}, None, "database.postgres.port"),
        ({"EXTRACTOR": "magic"}, None, "extractor.type"),
        ({"SLACK_SOURCE": "carrier-pigeon"}, None, "slack.source"),
        ({"SCHEDULE_MAX_RUNTIME_SECONDS": "-1"}, None, "schedule.max_runtime_seconds"),
        ({}, "database:\n  tpye: sqlite\n", "database.tpye: Extra inputs are not permitted"),
        ({}, "digest:\n  timezone: Mars/Base\n", "unknown time zone 'Mars/Base'"),
        ({}, "database:\n  postgres:\n    password: hunter2\n", "must not be stored in the config"),
        ({"SLACK_SOURCE": "api"}, None, "SLACK_BOT_TOKEN is not set"),
        ({}, "- a list\n", "expected a mapping"),
    ],
)
def test_bad_values_name_the_key(
    tmp_path: Path, env: dict, yaml_text: str | None, message: str
) -> None:
    with pytest.raises(SettingsError) as error:
        _load(tmp_path, yaml_text or "{}\n", **env)
    assert message in str(error.value)
    if env:
        name = next(iter(env))
        if name != "SLACK_SOURCE" or "api" not in env.values():
            assert f"environment variable {name}" in str(error.value)


def test_missing_named_config_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="no such file"):
        load_settings(environ={"SLACK_EVENTS_CONFIG": str(tmp_path / "nope.yaml")})


@pytest.mark.parametrize(
    "yaml_text",
    [
        "database:\n  password: SECRET-1\n",
        "database:\n  postgres:\n    passwd: SECRET-1\n",
        "llm:\n  api_token: SECRET-1\n",
        "slack:\n  botToken: SECRET-1\n",
        "scoring:\n  threshold: 10\nprivate_key: SECRET-1\n",
        "channels:\n  - name: general\n    client_secret: SECRET-1\n",
        "extra:\n  - user: me\n    password: SECRET-1\n",
        'database:\n  password: "SECRET-1\n',  # not even valid YAML: no snippet of the line
    ],
)
def test_settings_errors_never_print_secret_looking_values(tmp_path: Path, yaml_text: str) -> None:
    with pytest.raises(SettingsError) as error:
        _load(tmp_path, yaml_text)
    assert "SECRET-1" not in str(error.value)
    assert str(tmp_path / "config.yaml") in str(error.value)


def test_a_validator_message_that_quotes_the_value_is_not_followed_by_it_again(
    tmp_path: Path,
) -> None:
    with pytest.raises(SettingsError) as error:
        _load(tmp_path, "{}\n", PARTITIONS_START="garbage", POSTGRES_PORT="abc")
    message = str(error.value)
    assert message.count("'garbage'") == 1
    assert "database.postgres.port" in message and "(got 'abc')" in message


def test_the_export_file_size_limit_is_a_slack_setting(tmp_path: Path) -> None:
    assert _load(tmp_path, "{}\n").slack.max_export_file_mb == 256
    settings = _load(tmp_path, "{}\n", SLACK_MAX_EXPORT_FILE_MB="1024")
    assert SlackResource(slack=settings.slack).slack.max_export_file_mb == 1024
    with pytest.raises(SettingsError, match=r"slack\.max_export_file_mb"):
        _load(tmp_path, "{}\n", SLACK_MAX_EXPORT_FILE_MB="0")


def test_reading_settings_leaves_the_process_environment_alone(tmp_path: Path) -> None:
    before = dict(os.environ)
    settings = _load(
        tmp_path,
        "{}\n",
        dotenv="SLACK_BOT_TOKEN=xoxb-dotenv\nOPENAI_API_KEY=sk-dotenv\nPOSTGRES_PASSWORD=pw\n",
        EXTRACTOR="openai",
    )
    assert dict(os.environ) == before
    secrets = (settings.slack_bot_token, settings.openai_api_key, settings.postgres_password)
    assert [secret.get_secret_value() for secret in secrets if secret] == [
        "xoxb-dotenv",
        "sk-dotenv",
        "pw",
    ]
    assert "xoxb-dotenv" not in repr(settings) and "sk-dotenv" not in str(settings.model_dump())


def test_keyword_arguments_beat_every_source(tmp_path: Path) -> None:
    """Settings is a pydantic-settings BaseSettings: init kwargs > variables > .env > YAML."""
    config = tmp_path / "config.yaml"
    config.write_text("digest:\n  window_hours: 12\n", encoding="utf-8")
    environ = {"SLACK_EVENTS_CONFIG": str(config), "DIGEST_TIMEZONE": "Asia/Tokyo"}
    with settings_inputs(SettingsInputs.read(environ, tmp_path / "no.env")):
        settings = Settings(digest=DigestSettings(window_hours=6))
    assert settings.digest.window_hours == 6  # not the file's 12
    assert settings.config_path == config


def test_cross_section_rules_name_the_keys_and_the_fix(tmp_path: Path) -> None:
    with pytest.raises(SettingsError) as error:
        _load(tmp_path, "{}\n", POSTGRES_MIN_CONNECTIONS="9", POSTGRES_MAX_CONNECTIONS="2")
    assert "min_connections (9) is greater than max_connections (2)" in str(error.value)
    with pytest.raises(SettingsError, match="OPENAI_API_KEY is not set"):
        _load(tmp_path, "{}\n", EXTRACTOR="openai")
    with pytest.raises(SettingsError, match=r"channels\.0\.timezone.*unknown time zone"):
        _load(tmp_path, "channels:\n  - name: x\n    timezone: Mars/Base\n")


def test_the_scoring_sections_defaults_are_the_domains() -> None:
    """The scoring defaults live twice: in the settings section (config schema, no domain
    import at start-up) and in the domain's ScoreWeights and Policy. A change to one must be
    made to the other (session 29 moved the threshold and the bot penalty in both)."""
    section = ScoringSettings()
    domain = {
        field.name: getattr(ScoreWeights(), field.name)
        for field in dataclasses.fields(ScoreWeights)
        if field.name != "keyword_weights"
    }
    assert section.model_dump(exclude={"threshold"}) == domain
    assert section.threshold == Policy().threshold
