"""One validated Settings object: pydantic-settings over config.yaml, `.env` and the environment.

Precedence (lowest to highest): built-in defaults, the YAML file, `.env`, the process environment,
keyword arguments. The environment variables are the seed's flat names (ENV_OVERRIDES, e.g.
POSTGRES_HOST for database.postgres.host). Relative paths are resolved against the YAML file's own
folder, so a run started from any working directory (the webserver, `dagster job launch`, a code
server) finds the same data.

Each section (DatabaseSettings, SlackSettings, ...) is a `dagster.Config`: the resources take their
section as config as it is, so a key added here reaches them without being copied field by field.
The three secrets (POSTGRES_PASSWORD, SLACK_BOT_TOKEN, OPENAI_API_KEY) are `SecretStr` fields of
Settings itself, outside every section: resources get them as `dg.EnvVar`, never in run config.
Reading settings never changes os.environ; the entry points call `export_dotenv()` once so that
EnvVar secrets given only in `.env` resolve.
"""

import os
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import dagster as dg
import yaml
from dotenv import dotenv_values, load_dotenv
from pydantic import (
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CONFIG_ENV_VAR = "SLACK_EVENTS_CONFIG"
CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{6,}$")
DEFAULT_CONFIG_NAME = "config.yaml"


class SettingsError(ValueError):
    """The configuration cannot be used; the message names the key and the fix."""


class _Section(dg.Config):
    """A settings section: resource config as it is (frozen; unknown keys are errors)."""

    model_config = ConfigDict(extra="forbid")


class PostgresSettings(_Section):
    host: str = "localhost"
    port: int = Field(default=5432, ge=1, le=65535)
    database: str = "slack_events"
    user: str = "postgres"
    min_connections: int = Field(default=1, ge=0)
    max_connections: int = Field(default=5, ge=1)
    connect_timeout_seconds: int = Field(default=5, ge=1)
    # Not a config field: set in-process by with_password, so it never enters run config.
    _password: SecretStr | None = PrivateAttr(default=None)

    @property
    def password(self) -> SecretStr | None:
        return self._password

    def with_password(self, password: SecretStr | str | None) -> Self:
        """A copy that connects with this password (POSTGRES_PASSWORD)."""
        copy = self.model_copy()
        copy._password = SecretStr(password) if isinstance(password, str) else password
        return copy

    @model_validator(mode="after")
    def _pool_fits(self) -> Self:
        if self.min_connections > self.max_connections:
            raise ValueError(
                f"min_connections ({self.min_connections}) is greater than max_connections "
                f"({self.max_connections}): lower the one or raise the other"
            )
        return self


class DatabaseSettings(_Section):
    type: Literal["sqlite", "postgres"] = "sqlite"
    path: str = "data/slack_events.db"  # absolute once loaded (relative to the config file)
    postgres: PostgresSettings = PostgresSettings()
    auto_migrate: bool | None = None  # None: yes for SQLite, no for PostgreSQL

    @property
    def migrates_automatically(self) -> bool:
        return self.auto_migrate if self.auto_migrate is not None else self.type == "sqlite"

    def with_password(self, password: SecretStr | str | None) -> Self:
        """A copy whose PostgreSQL connection uses this password."""
        return self.model_copy(update={"postgres": self.postgres.with_password(password)})


class SlackSettings(_Section):
    source: Literal["export", "api"] = "export"
    export_path: str = "sample_data/slack_export"  # absolute once loaded
    channels: list[str] = []  # ids or names (with or without '#'); empty means every channel
    include_bots: bool = True
    ignored_subtypes: list[str] = [
        "channel_join",
        "channel_leave",
        "channel_topic",
        "channel_purpose",
        "channel_name",
        "channel_archive",
        "channel_unarchive",
        "group_join",
        "group_leave",
        "bot_add",
        "bot_remove",
        "pinned_item",
        "unpinned_item",
        "reminder_add",
        "huddle_thread",
    ]
    base_url: str | None = None
    thread_lookback_days: int = Field(default=7, ge=0, le=90)
    # API mode: history is read this far back for thread parents, so a reply to an older thread
    # is found (90 days: >= 99 % of replies on real exports, see benchmarks/thread_coverage.py).
    thread_window_days: int = Field(default=90, ge=0, le=365)
    page_size: int = Field(default=200, ge=1, le=999)
    max_retries: int = Field(default=5, ge=0, le=20)
    retry_backoff_seconds: float = Field(default=1.0, ge=0)
    request_timeout_seconds: int = Field(default=30, ge=1)
    workspace_url: str | None = None  # e.g. https://acme.slack.com, for permalinks in exports
    # Export mode: no export file is read beyond this many MiB (a zip bomb's day file is refused).
    max_export_file_mb: int = Field(default=256, ge=1, le=65_536)


class ChannelSettings(_Section):
    """Per-channel overrides, matched by channel id or name."""

    name: str
    threshold: float | None = None
    timezone: str | None = None
    trusted_bots: list[str] = []
    keyword_weights: dict[str, float] = {}

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        return _check_zone(value) if value else value


class ScoringSettings(_Section):
    """Candidate threshold and feature points (names match domain.scoring.ScoreWeights)."""

    threshold: float = 6.0
    keyword: float = 10.0
    parent_keyword: float = 10.0
    incident_ack: float = 10.0
    event_link: float = 10.0
    preview_event: float = 10.0
    starting_now: float = 10.0
    slack_reminder: float = 10.0
    done_now: float = 4.0
    event_channel: float = 4.0
    date: float = 6.0
    broadcast_mention: float = 8.0
    replies: float = 5.0
    reactions: float = 3.0
    anchor: float = 4.0
    anchor_cap: float = 12.0
    link: float = 2.0
    link_cap: float = 6.0
    attachments: float = 3.0
    bot_penalty: float = -19.0
    too_short: float = -5.0
    min_length: int = 15


class ProcessingSettings(_Section):
    tz_default: str = "UTC"

    @field_validator("tz_default")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        return _check_zone(value)


class ExtractorSettings(_Section):
    type: Literal["rules", "openai"] = "rules"
    max_events_per_message: int = Field(default=5, ge=1, le=5)
    min_confidence: float = Field(default=0.5, ge=0.0, le=1.0)


class LLMSettings(_Section):
    """The OpenAI-compatible endpoint used when extractor.type is `openai`."""

    base_url: str | None = None  # OPENAI_BASE_URL: any OpenAI-compatible server
    model: str = "gpt-4o-mini"
    daily_budget_usd: float = Field(default=10.0, ge=0)
    input_price_per_million: float = Field(default=0.15, ge=0)  # USD per 1M prompt tokens
    output_price_per_million: float = Field(default=0.60, ge=0)  # USD per 1M completion tokens
    concurrency: int = Field(default=4, ge=1, le=64)
    max_retries: int = Field(default=3, ge=0, le=10)
    timeout_seconds: float = Field(default=60.0, gt=0)
    # Omitted from requests when unset: some current small models accept only their default.
    temperature: float | None = Field(default=None, ge=0, le=2)
    max_input_chars: int = Field(default=4000, ge=100, le=200_000)  # longer messages are cut
    # Sent as max_completion_tokens: bounds each call's worst-case cost, reserved in the budget.
    max_output_tokens: int = Field(default=2048, ge=256, le=100_000)

    @field_validator("model")
    @classmethod
    def _fits_the_events_table(cls, value: str) -> str:
        from slack_events_dagster.storage.schema import events, llm_cache, llm_usage, string_width

        longest = min(  # events.extractor stores "openai:<model>"
            string_width(events.c.extractor) - len("openai:"),
            string_width(llm_cache.c.model),
            string_width(llm_usage.c.model),
        )
        if not value.strip() or len(value) > longest:
            raise ValueError(
                f"the model name must be 1 to {longest} characters (it is {len(value)}), the "
                "width of the database's model columns (events.extractor holds 'openai:<model>'); "
                "set OPENAI_MODEL / llm.model to the model's id"
            )
        return value


class DigestTargetSettings(_Section):
    """One digest: where it is posted and which events it shows (unset keys inherit digest.*)."""

    channel: str  # the Slack channel id it is posted to, or a name for unpublished digests
    source_channels: list[str] = []  # ids or names; empty means every channel
    min_confidence: float | None = Field(default=None, ge=0.0, le=1.0)
    max_events: int | None = Field(default=None, ge=1)
    timezone: str | None = None
    category_priorities: dict[str, int] = {}

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        return _check_zone(value) if value else value


class DigestSettings(_Section):
    window_hours: int = Field(default=24, ge=1, le=24 * 14)
    min_confidence: float = Field(default=0.7, ge=0.0, le=1.0)
    max_events: int = Field(default=10, ge=1)
    timezone: str = "UTC"
    targets: list[DigestTargetSettings] = []  # none: one unpublished digest named "default"
    publish: bool = False  # post to Slack (chat.postMessage, then chat.update on re-runs)
    publish_hours: list[int] = [9]  # local hours (target time zone) whose digest is posted
    publish_max_age_hours: float = Field(default=6.0, gt=0)  # backfills of old hours never post

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        return _check_zone(value)

    @field_validator("publish_hours")
    @classmethod
    def _hours(cls, value: list[int]) -> list[int]:
        if any(not 0 <= hour <= 23 for hour in value):
            raise ValueError("hours must be between 0 and 23")
        return value

    def resolved_targets(self) -> list[DigestTargetSettings]:
        """Every target with the digest-wide defaults filled in."""
        targets = self.targets or [DigestTargetSettings(channel="default")]
        return [
            target.model_copy(
                update={
                    "min_confidence": target.min_confidence
                    if target.min_confidence is not None
                    else self.min_confidence,
                    "max_events": target.max_events or self.max_events,
                    "timezone": target.timezone or self.timezone,
                }
            )
            for target in targets
        ]


class DeduplicationSettings(_Section):
    title_similarity: float = Field(default=0.8, ge=0.0, le=1.0)
    date_window_hours: float = Field(default=48.0, ge=0)
    lookback_days: int = Field(default=7, ge=1, le=30)  # earlier announcements a digest merges with


class PartitionSettings(_Section):
    start: str = "2026-11-18-00:00"  # the sample export's first day
    # 0: a backfill is one run over its whole range (fastest on one machine). N: a backfill is
    # split into runs of at most N hours, which the run queue runs side by side (parallel
    # workers); each run waits for the hours its look-backs read (partitions.backfill_policy).
    backfill_hours_per_run: int = Field(default=0, ge=0)

    @field_validator("start")
    @classmethod
    def _hour_key(cls, value: str) -> str:
        from datetime import datetime

        try:
            datetime.strptime(value, "%Y-%m-%d-%H:%M")
        except ValueError as error:
            raise ValueError(
                f"expected an hour key like 2026-11-01-00:00, got {value!r}"
            ) from error
        return value


class ScheduleSettings(_Section):
    # The hourly schedule's runs are failed by run monitoring after this long (a dead worker is
    # only caught this way); 0 = no limit. Three hours leaves a rate-limited Slack run room.
    max_runtime_seconds: int = Field(default=3 * 3600, ge=0)


class AlertSettings(_Section):
    """Who hears about failed runs and a stalled schedule (off unless slack_channel is set)."""

    slack_channel: str | None = None  # a channel id (the bot, SLACK_BOT_TOKEN, must be in it)
    webserver_url: str | None = None  # the Dagster UI's address, for links to the failed run
    # The hourly assets' freshness checks fail, and the stale alert posts, when the newest
    # materialisation is older than this: a stalled schedule turns red within it.
    freshness_hours: float = Field(default=2.0, gt=0, le=24 * 7)

    @field_validator("slack_channel")
    @classmethod
    def _channel_id(cls, value: str | None) -> str | None:
        if value and not CHANNEL_ID.match(value):
            raise ValueError(f"expected a Slack channel id like C0123ABCD, got {value!r}")
        return value or None


class BackupSettings(_Section):
    """The daily backup job's schedule (off by default; the compose deployment turns it on)."""

    schedule: bool = False  # run backup_job daily (a RUNNING schedule); else start it by hand
    folder: str = "backups"  # absolute once loaded (relative to the config file)
    keep: int = Field(default=7, ge=1, le=3650)  # newest scheduled backups kept; older deleted
    hour: int = Field(default=3, ge=0, le=23)  # UTC hour of the daily run (at minute 30)


# Environment variable -> dotted key in Settings. Secrets are handled separately.
ENV_OVERRIDES: dict[str, str] = {
    "DATABASE_TYPE": "database.type",
    "SQLITE_PATH": "database.path",
    "DATABASE_AUTO_MIGRATE": "database.auto_migrate",
    "POSTGRES_HOST": "database.postgres.host",
    "POSTGRES_PORT": "database.postgres.port",
    "POSTGRES_DATABASE": "database.postgres.database",
    "POSTGRES_DB": "database.postgres.database",
    "POSTGRES_USER": "database.postgres.user",
    "POSTGRES_MIN_CONNECTIONS": "database.postgres.min_connections",
    "POSTGRES_MAX_CONNECTIONS": "database.postgres.max_connections",
    "POSTGRES_CONNECT_TIMEOUT_SECONDS": "database.postgres.connect_timeout_seconds",
    "SLACK_SOURCE": "slack.source",
    "SLACK_EXPORT_PATH": "slack.export_path",
    "SLACK_CHANNELS": "slack.channels",
    "SLACK_API_BASE_URL": "slack.base_url",
    "SLACK_WORKSPACE_URL": "slack.workspace_url",
    "SLACK_MAX_EXPORT_FILE_MB": "slack.max_export_file_mb",
    "SLACK_THREAD_LOOKBACK_DAYS": "slack.thread_lookback_days",
    "SLACK_THREAD_WINDOW_DAYS": "slack.thread_window_days",
    "SLACK_REQUEST_TIMEOUT_SECONDS": "slack.request_timeout_seconds",
    "SLACK_PAGE_SIZE": "slack.page_size",
    "SLACK_MAX_RETRIES": "slack.max_retries",
    "SLACK_RETRY_BACKOFF_SECONDS": "slack.retry_backoff_seconds",
    "EXTRACTOR": "extractor.type",
    "EXTRACTOR_MAX_EVENTS_PER_MESSAGE": "extractor.max_events_per_message",
    "OPENAI_BASE_URL": "llm.base_url",
    "OPENAI_MODEL": "llm.model",
    "LLM_DAILY_BUDGET_USD": "llm.daily_budget_usd",
    "LLM_CONCURRENCY": "llm.concurrency",
    "LLM_MAX_RETRIES": "llm.max_retries",
    "LLM_TEMPERATURE": "llm.temperature",
    "LLM_MAX_INPUT_CHARS": "llm.max_input_chars",
    "LLM_MAX_OUTPUT_TOKENS": "llm.max_output_tokens",
    "PARTITIONS_START": "partitions.start",
    "BACKFILL_HOURS_PER_RUN": "partitions.backfill_hours_per_run",
    "SCHEDULE_MAX_RUNTIME_SECONDS": "schedule.max_runtime_seconds",
    "TZ_DEFAULT": "processing.tz_default",
    "DIGEST_TIMEZONE": "digest.timezone",
    "DIGEST_PUBLISH": "digest.publish",
    "ALERTS_SLACK_CHANNEL": "alerts.slack_channel",
    "DAGSTER_WEBSERVER_URL": "alerts.webserver_url",
    "ALERTS_FRESHNESS_HOURS": "alerts.freshness_hours",
    "BACKUP_SCHEDULE": "backup.schedule",
    "BACKUP_FOLDER": "backup.folder",
    "BACKUP_KEEP": "backup.keep",
}

# The secrets: environment variable -> the Settings field (never read from the config file).
SECRET_VARIABLES: dict[str, str] = {
    "POSTGRES_PASSWORD": "postgres_password",
    "SLACK_BOT_TOKEN": "slack_bot_token",
    "OPENAI_API_KEY": "openai_api_key",
}
SECRET_WORDS = {"password", "passwd", "pwd", "pass", "token", "secret", "key", "credentials"}
SECRET_KEYS_IN_FILE = {
    ("database", "postgres", "password"),
    ("slack", "bot_token"),
    ("llm", "api_key"),
}


def _check_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(
            f"unknown time zone {value!r} (use an IANA name like Europe/Amsterdam)"
        ) from error
    return value


def find_config_file(environ: Mapping[str, str]) -> Path | None:
    """SLACK_EVENTS_CONFIG, else ./config.yaml, else the project's own config.yaml."""
    if named := environ.get(CONFIG_ENV_VAR):
        path = Path(named).expanduser()
        if not path.is_file():
            raise SettingsError(f"{CONFIG_ENV_VAR}={named}: no such file")
        return path.resolve()
    for candidate in (Path.cwd() / DEFAULT_CONFIG_NAME, PROJECT_ROOT / DEFAULT_CONFIG_NAME):
        if candidate.is_file():
            return candidate.resolve()
    return None


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        # Line and problem only: the YAML error's snippet of the line could show a secret.
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or type(error).__name__
        raise SettingsError(f"{path}: not valid YAML{where} ({problem})") from None
    if not isinstance(data, dict):
        raise SettingsError(f"{path}: expected a mapping at the top level")
    for key_path in SECRET_KEYS_IN_FILE:
        node: Any = data
        for key in key_path:
            node = node.get(key) if isinstance(node, dict) else None
        if node is not None:
            dotted = ".".join(key_path)
            raise SettingsError(
                f"{path}: {dotted} must not be stored in the config file; put it in the "
                "environment or .env instead (POSTGRES_PASSWORD / SLACK_BOT_TOKEN / OPENAI_API_KEY)"
            )
    return data


def _set_dotted(data: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, leaf = dotted.split(".")
    node = data
    for key in parents:
        child = node.get(key)
        if not isinstance(child, dict):
            child = {}
            node[key] = child
        node = child
    node[leaf] = value


def _env_value(dotted: str, raw: str) -> Any:
    if dotted == "slack.channels":
        return [part.strip() for part in raw.split(",") if part.strip()]
    return raw


@dataclass(frozen=True)
class SettingsInputs:
    """What Settings are read from: variables (the process's), `.env`'s, and the YAML file."""

    environ: Mapping[str, str]
    dotenv: Mapping[str, str]
    config_path: Path | None

    @classmethod
    def read(
        cls, environ: Mapping[str, str] | None = None, dotenv_path: Path | None = None
    ) -> "SettingsInputs":
        """`environ` defaults to os.environ, `dotenv_path` to ./.env; the config file is
        SLACK_EVENTS_CONFIG (from either), else ./config.yaml, else the project's."""
        process_env = dict(os.environ if environ is None else environ)
        dotenv_file = dotenv_path or Path.cwd() / ".env"
        values = dotenv_values(dotenv_file) if dotenv_file.is_file() else {}
        from_dotenv = {key: value for key, value in values.items() if value is not None}
        return cls(process_env, from_dotenv, find_config_file({**from_dotenv, **process_env}))

    def origins(self) -> dict[str, str]:
        """Dotted key -> the variable that set it, for error messages."""
        merged = {**self.dotenv, **self.environ}
        found = {
            dotted: f"environment variable {name}"
            for name, dotted in ENV_OVERRIDES.items()
            if merged.get(name, "") != ""
        }
        return found | {
            field: f"environment variable {name}" for name, field in SECRET_VARIABLES.items()
        }


_INPUTS: ContextVar[SettingsInputs | None] = ContextVar("settings_inputs", default=None)


class VariablesSource(PydanticBaseSettingsSource):
    """The seed's flat variable names (ENV_OVERRIDES, SECRET_VARIABLES) as nested settings."""

    def __init__(self, settings_cls: type[BaseSettings], variables: Mapping[str, str]) -> None:
        super().__init__(settings_cls)
        self.variables = variables

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # __call__ builds the whole mapping at once

    def __call__(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for name, dotted in ENV_OVERRIDES.items():
            if self.variables.get(name, "") != "":
                _set_dotted(data, dotted, _env_value(dotted, self.variables[name]))
        for name, field in SECRET_VARIABLES.items():
            if self.variables.get(name, "") != "":
                data[field] = self.variables[name]
        return data


class YamlFileSource(PydanticBaseSettingsSource):
    """config.yaml, refused with the fix when it holds a secret; records its own path."""

    def __init__(self, settings_cls: type[BaseSettings], path: Path | None) -> None:
        super().__init__(settings_cls)
        self.path = path

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        return {**(_read_yaml(self.path) if self.path else {}), "config_path": self.path}


class Settings(BaseSettings):
    """Every setting; build it with load_settings() (or Settings() for os.environ and ./.env)."""

    model_config = SettingsConfigDict(extra="forbid")

    database: DatabaseSettings = DatabaseSettings()
    slack: SlackSettings = SlackSettings()
    partitions: PartitionSettings = PartitionSettings()
    schedule: ScheduleSettings = ScheduleSettings()
    processing: ProcessingSettings = ProcessingSettings()
    scoring: ScoringSettings = ScoringSettings()
    channels: list[ChannelSettings] = []
    extractor: ExtractorSettings = ExtractorSettings()
    llm: LLMSettings = LLMSettings()
    deduplication: DeduplicationSettings = DeduplicationSettings()
    digest: DigestSettings = DigestSettings()
    alerts: AlertSettings = AlertSettings()
    backup: BackupSettings = BackupSettings()
    config_path: Path | None = None
    # Secrets, from the environment or .env only (resources read them through dg.EnvVar).
    postgres_password: SecretStr | None = None
    slack_bot_token: SecretStr | None = None
    openai_api_key: SecretStr | None = None

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        inputs = _INPUTS.get() or SettingsInputs.read()
        return (
            init_settings,
            VariablesSource(settings_cls, inputs.environ),
            VariablesSource(settings_cls, inputs.dotenv),
            YamlFileSource(settings_cls, inputs.config_path),
        )

    @model_validator(mode="after")
    def _cross_field_rules(self) -> Self:
        if self.slack.source == "api" and not self.slack_bot_token:
            raise ValueError(
                "slack.source is 'api' but SLACK_BOT_TOKEN is not set: export it or put it in .env"
            )
        if self.digest.publish and not self.slack_bot_token:
            raise ValueError(
                "digest.publish is true but SLACK_BOT_TOKEN is not set: the bot needs it (with "
                "the chat:write scope) to post digests"
            )
        if self.digest.publish:
            unnamed = [t.channel for t in self.digest.targets if not CHANNEL_ID.match(t.channel)]
            if not self.digest.targets or unnamed:
                raise ValueError(
                    "digest.publish is true but digest.targets does not give a Slack channel id "
                    f"for every target ({unnamed or 'no targets'}): use ids like C0123ABCD"
                )
        if self.alerts.slack_channel and not self.slack_bot_token:
            raise ValueError(
                "alerts.slack_channel is set but SLACK_BOT_TOKEN is not: the bot needs it (with "
                "the chat:write scope) to post alerts"
            )
        if self.extractor.type == "openai" and not self.openai_api_key:
            raise ValueError(
                "extractor.type is 'openai' but OPENAI_API_KEY is not set: export it or put it "
                "in .env (for a local OpenAI-compatible server any non-empty value works)"
            )
        return self

    @model_validator(mode="after")
    def _paths_next_to_the_config_file(self) -> Self:
        """Relative paths are relative to the config file's folder (else the working one)."""
        base = self.config_path.parent if self.config_path else Path.cwd()

        def absolute(path: str) -> str:
            expanded = Path(path).expanduser()
            return str(expanded if expanded.is_absolute() else (base / expanded).resolve())

        self.database = self.database.model_copy(update={"path": absolute(self.database.path)})
        self.slack = self.slack.model_copy(update={"export_path": absolute(self.slack.export_path)})
        self.backup = self.backup.model_copy(update={"folder": absolute(self.backup.folder)})
        return self

    @model_validator(mode="after")
    def _database_connects_with_the_password(self) -> Self:
        """settings.database carries POSTGRES_PASSWORD for the CLI's and storage's engines, as
        a private attribute: it is never part of the section's config (resources use EnvVar)."""
        self.database = self.database.with_password(self.postgres_password)
        return self

    @property
    def database_type(self) -> str:
        return self.database.type

    def channel(self, channel_id: str, channel_name: str) -> ChannelSettings | None:
        """The override block for a channel, by id or by name ('#' optional)."""
        for channel in self.channels:
            key = channel.name.lstrip("#")
            if key in (channel_id, channel_name):
                return channel
        return None


@contextmanager
def settings_inputs(inputs: SettingsInputs) -> Iterator[None]:
    """Settings() built inside this block read `inputs` instead of os.environ and ./.env."""
    token = _INPUTS.set(inputs)
    try:
        yield
    finally:
        _INPUTS.reset(token)


def looks_secret(dotted: str) -> bool:
    """A key path with a part like password, token, api_key, secret or key anywhere in it."""
    words = re.split(r"[^a-z0-9]+", re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", dotted).lower())
    return any(
        word in SECRET_WORDS or word.endswith(("password", "passwd", "secret", "token", "key"))
        for word in words
    )


def _shown_value(dotted: str, value: Any, message: str) -> str:
    """' (got …)' for a plain, non-secret value the message does not already quote."""
    if isinstance(value, dict | list | tuple) or looks_secret(dotted):
        return ""
    return "" if repr(value) in message else f" (got {value!r})"


def _describe(error: ValidationError, origins: dict[str, str]) -> str:
    lines = []
    for item in error.errors():
        dotted = ".".join(str(part) for part in item["loc"])
        message = item["msg"].removeprefix("Value error, ")
        if not dotted:  # a rule across sections: its message names the keys
            lines.append(f"  {message}")
            continue
        inside = sorted({where for key, where in origins.items() if key.startswith(f"{dotted}.")})
        origin = origins.get(dotted) or ", ".join(inside) or "config file"
        shown = _shown_value(dotted, item.get("input"), message)
        lines.append(f"  {dotted}: {message}{shown} [from {origin}]")
    return "Invalid configuration:\n" + "\n".join(lines)


def load_settings(
    environ: Mapping[str, str] | None = None, dotenv_path: Path | None = None
) -> Settings:
    """Settings from the config file, `.env` and `environ` (defaults to os.environ), or a
    SettingsError naming each bad key, where it came from and the fix (never a secret)."""
    inputs = SettingsInputs.read(environ, dotenv_path)
    try:
        with settings_inputs(inputs):
            return Settings()
    except ValidationError as error:
        where = f" ({inputs.config_path})" if inputs.config_path else ""
        raise SettingsError(_describe(error, inputs.origins()) + where) from None


def export_dotenv(dotenv_path: Path | None = None) -> None:
    """Copy `.env` (default ./.env) into os.environ, never overriding a set variable, so that
    dg.EnvVar secrets given only there resolve in this process and the runs it launches. Called
    once by each entry point (definitions.py's `defs`, the CLI); reading Settings never does."""
    load_dotenv(dotenv_path or Path.cwd() / ".env", override=False)
