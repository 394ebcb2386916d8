"""`slack-events`: demo, doctor and migrate, over the same settings and definitions as Dagster."""

import argparse
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from slack_events_dagster.evaluation.labels import LabelError
from slack_events_dagster.launch import (
    JOB_NAME,
    MAX_RUNTIME_TAG,
    PLANNED_ONCE_VAR,
    hours_tags,
    job_launch_command,
    workspace_file,
)
from slack_events_dagster.partitions import HOUR_KEY, ONE_HOUR, hour_start, hourly_partitions
from slack_events_dagster.resources.extractor import ExtractorResource
from slack_events_dagster.resources.pipeline import PipelineResource
from slack_events_dagster.resources.publisher import DigestPublishError
from slack_events_dagster.resources.slack_source import SlackSourceError
from slack_events_dagster.settings import (
    DatabaseSettings,
    Settings,
    SettingsError,
    export_dotenv,
    load_settings,
)
from slack_events_dagster.storage import engine as engines
from slack_events_dagster.storage.backup import BackupError
from slack_events_dagster.storage.migrations import (
    SchemaOutOfDateError,
    current_revision,
    ensure_schema,
    head_revision,
)
from slack_events_dagster.storage.schema import digests, raw_slack_messages
from slack_events_dagster.storage.transfer import TransferError

NOTHING_YET = "none materialised yet (make demo, or start the hourly schedule)"


def _export_partition_range(settings: Settings) -> tuple[str, str]:
    """The hourly keys covering the bundled/configured export, clamped to the partitions def;
    a ValueError (one `error:` line) when there are none."""
    from slack_events_dagster.resources.slack_export import SlackExport

    days = SlackExport(Path(settings.slack.export_path)).covered_days()
    if days is None:
        raise ValueError(f"No day files found in the Slack export at {settings.slack.export_path}")
    first = datetime.combine(days[0], datetime.min.time(), tzinfo=UTC)
    last = datetime.combine(days[1], datetime.min.time(), tzinfo=UTC) + timedelta(hours=23)
    start = max(first, datetime.strptime(settings.partitions.start, HOUR_KEY).replace(tzinfo=UTC))
    newest = hourly_partitions(settings.partitions).get_last_partition_key()
    if newest is None:
        raise ValueError("No complete hourly partition exists yet (check partitions.start)")
    end = min(last, datetime.strptime(newest, HOUR_KEY).replace(tzinfo=UTC))
    if start > end:
        raise ValueError(
            f"The export covers {days[0]}..{days[1]}, outside the partitions "
            f"({settings.partitions.start} .. {newest}); adjust partitions.start in config.yaml"
        )
    return start.strftime(HOUR_KEY), end.strftime(HOUR_KEY)


def _check_database(database: DatabaseSettings) -> str:
    """Connect once; an unreachable server or an unusable SQLite path says what to fix."""
    try:
        return engines.check_connection(database)
    except OSError as error:  # e.g. the SQLite path's folder is a file or not writable
        raise engines.unreachable_error(database, error) from None


def demo_log_path() -> Path:
    """Where the demo writes the full Dagster log: in DAGSTER_HOME when set, else in ./data."""
    return Path(os.environ.get("DAGSTER_HOME") or "data") / "demo-dagster.log"


def demo(settings: Settings) -> int:
    """Migrate, materialise every hour the export covers in one run (asset checks included),
    print one line per step, the latest digest and where the full Dagster log is."""
    import dagster as dg

    from slack_events_dagster.alerts import FRESHNESS_CHECK_KEYS
    from slack_events_dagster.definitions import build_definitions
    from slack_events_dagster.demo_log import DemoConsole, demo_loggers
    from slack_events_dagster.jobs import slack_events_job
    from slack_events_dagster.partitions import range_tags

    first, last = _export_partition_range(settings)  # before the database file is created
    _check_database(settings.database)
    engine = engines.get_engine(settings.database)
    ensure_schema(engine, migrate=True)
    where = engines.describe(settings.database)
    print(f"Materialising partitions {first} .. {last} in one run ({where})", flush=True)
    log_path = demo_log_path()
    log_path.parent.mkdir(parents=True, exist_ok=True)
    instance = dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else None
    defs = build_definitions(settings)
    checks = [key for c in defs.asset_checks or [] for key in c.check_keys]
    run_checks = [key for key in checks if key not in FRESHNESS_CHECK_KEYS]  # not in the job
    console = DemoConsole(sys.stdout, checks_expected=len(run_checks))
    with log_path.open("w", encoding="utf-8") as log_file:
        job = defs.resolve_job_def(slack_events_job.name)
        job = job.with_logger_defs(demo_loggers(log_file, console))
        result = job.execute_in_process(
            run_config={"loggers": {"demo": {}}},  # only this logger: no console flood
            instance=instance,
            raise_on_error=False,
            tags=range_tags(first, last),
        )
    if not result.success:
        print(f"The run failed; the full Dagster log is in {log_path}", file=sys.stderr)
        return 1
    with engine.connect() as connection:
        newest_message_hour = connection.execute(
            select(func.max(raw_slack_messages.c.partition_hour))
        ).scalar_one()
        query = select(digests.c.markdown).order_by(digests.c.partition_hour.desc()).limit(1)
        if newest_message_hour is not None:
            query = query.where(digests.c.partition_hour <= newest_message_hour)
        markdown = connection.execute(query).scalar_one_or_none()
    print("\n" + (markdown or "(no digest was written)"))
    print(f"Full Dagster log: {log_path}")
    print(
        "Explore the runs, assets and partitions in the Dagster UI: make dev  (http://localhost:3000)"
    )
    return 0


def _last_hour_line(settings: Settings, now: datetime) -> str:
    """The newest hour with a digest (the hourly job's last step writes one for every hour it
    materialises, events or not) and how long ago that hour ended."""
    from slack_events_dagster.domain.alerts import format_age

    with engines.get_engine(settings.database).connect() as connection:
        newest = connection.execute(select(func.max(digests.c.partition_hour))).scalar_one()
    if newest is None:
        return NOTHING_YET
    age = now - (newest + timedelta(hours=1))
    line = f"{newest:%Y-%m-%d %H:%M} UTC (digests; the hour ended {format_age(age)} ago)"
    limit = settings.alerts.freshness_hours
    if age > timedelta(hours=limit):
        line += (
            f"\n               older than alerts.freshness_hours ({limit:g} h): is the "
            "slack_events_hourly schedule running, and the daemon?"
        )
    return line


def doctor(settings: Settings) -> int:
    """Print what is configured and whether the database is reachable and migrated."""
    database = settings.database
    print(f"config file:   {settings.config_path or '(none, built-in defaults)'}")
    print(f"database_type: {settings.database_type}")
    print(f"database:      {engines.describe(database)}")
    ok = True
    try:
        version = _check_database(database)
        print(f"reachable:     yes ({version})")
        revision = current_revision(engines.get_engine(database))
        head = head_revision()
        state = "up to date" if revision == head else "needs: alembic upgrade head"
        print(f"schema:        revision {revision or 'none'} (head {head}, {state})")
        ok = revision == head or database.migrates_automatically
        last = _last_hour_line(settings, datetime.now(UTC)) if revision else NOTHING_YET
        print(f"last hour:     {last}")
    except engines.DatabaseUnreachableError as error:
        print(f"reachable:     NO\n{error}")
        ok = False
    source = settings.slack
    where = source.export_path if source.source == "export" else (source.base_url or "slack.com")
    print(f"slack source:  {source.source} ({where})")
    if source.source == "export" and not Path(source.export_path).exists():
        print(f"               export not found at {source.export_path}")
        ok = False
    print(f"extractor:     {settings.extractor.type}")
    if settings.extractor.type == "openai":  # one free call (models.list); the key is not shown
        from slack_events_dagster.resources.openai_extractor import check_openai_key

        key = settings.openai_api_key
        key_ok, line = check_openai_key(settings.llm, key.get_secret_value() if key else "")
        print(f"llm:           {line}")
        ok = ok and key_ok
    return 0 if ok else 1


def migrate(settings: Settings) -> int:
    _check_database(settings.database)
    engine = engines.get_engine(settings.database)
    try:
        ensure_schema(engine, migrate=True)
    except SchemaOutOfDateError as error:
        print(error, file=sys.stderr)
        return 1
    print(f"{engines.describe(settings.database)} is at revision {current_revision(engine)}")
    return 0


def _as_of(text: str | None) -> datetime:
    """--as-of as an aware UTC datetime (naive input is UTC); default: the last full hour."""
    if not text:
        return datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"--as-of {text!r} is not a date and time: use ISO 8601, e.g. 2026-11-24T09:00 (UTC)"
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _hour_end(text: str | None) -> datetime:
    """--as-of as the end of an hour (digests are hourly: the `digests` asset's partitions)."""
    as_of = _as_of(text)
    if as_of != as_of.replace(minute=0, second=0, microsecond=0):
        raise ValueError(
            f"--as-of {text!r} is not the end of an hour: digests are built per hour, so give "
            f"e.g. {as_of:%Y-%m-%dT%H}:00 (the digest of the hour before it)"
        )
    return as_of


def _day_as_of(text: str, timezone: str, publish_hours: list[int]) -> datetime:
    """--date as the end of the hour its digest is posted for: the first publish hour
    (digest.publish_hours) of that day in the target's time zone, as digest_posts picks it (the
    first hour end, in UTC, whose local hour it is)."""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"--date {text!r} is not a date: use YYYY-MM-DD, e.g. 2026-11-24"
        ) from None
    hour = min(publish_hours, default=9)
    local = datetime.combine(day, time(hour), tzinfo=ZoneInfo(timezone)).astimezone(UTC)
    whole_hour = local.replace(minute=0, second=0, microsecond=0)
    return whole_hour if whole_hour == local else whole_hour + timedelta(hours=1)


@dataclass(frozen=True)
class DigestRequest:
    """What `slack-events digest` was asked for (its options)."""

    channel: str
    as_of: str | None = None  # --as-of: an hour end
    date: str | None = None  # --date: that day's digest
    min_confidence: float | None = None
    max_events: int | None = None
    post: bool = False

    def check(self) -> None:
        if self.min_confidence is not None and not 0.0 <= self.min_confidence <= 1.0:
            raise ValueError(f"--min-confidence {self.min_confidence} is not between 0 and 1")
        if self.max_events is not None and self.max_events < 1:
            raise ValueError(f"--max-events {self.max_events} is less than 1")


def digest(settings: Settings, request: DigestRequest) -> int:
    """Render (and optionally post) the digest for the channel as the `digests` asset builds it
    for the hour ending at --as-of (or the publish hour of --date): the events of the look-back's
    partition hours, merged by the same engine (MergeGraph) through the same function
    (hourly_digest); --min-confidence and --max-events override the target's."""
    import dagster as dg

    from slack_events_dagster.definitions import build_resources
    from slack_events_dagster.domain.dedup import EventRecord, MergeGraph
    from slack_events_dagster.domain.digest import (
        hourly_digest,
        notification_text,
        render_blocks,
        render_markdown,
    )
    from slack_events_dagster.storage.schema import events

    request.check()
    channel = request.channel
    _check_database(settings.database)
    engine = engines.get_engine(settings.database)
    ensure_schema(engine, migrate=settings.database.migrates_automatically)
    window = timedelta(hours=settings.digest.window_hours)
    with dg.build_resources(build_resources(settings)) as resources:
        policy = resources.pipeline.policy()
        lookback = timedelta(hours=policy.digest_lookback_hours)
        target = policy.digest_target(channel)
        options = replace(
            target.options,
            min_confidence=target.options.min_confidence
            if request.min_confidence is None
            else request.min_confidence,
            max_events=target.options.max_events
            if request.max_events is None
            else request.max_events,
        )
        if request.date is not None:
            as_of = _day_as_of(request.date, options.timezone, settings.digest.publish_hours)
        else:
            as_of = _hour_end(request.as_of)
        graph = MergeGraph(policy.dedup)
        with engine.connect() as connection:
            rows = connection.execute(
                select(events).where(
                    events.c.partition_hour >= as_of - lookback, events.c.partition_hour < as_of
                )
            ).mappings()
            graph.add(EventRecord.from_row(dict(row)) for row in rows)
        result = hourly_digest(graph, as_of, window, lookback, options)
        print(render_markdown(result, options.timezone))
        if request.post:
            outcome = resources.publisher.publish(
                as_of - timedelta(hours=1),
                target.channel,
                notification_text(result, options.timezone),
                render_blocks(result, options.timezone),
            )
            parts = f", {outcome.parts} messages" if outcome.parts > 1 else ""
            print(
                f"Slack message {outcome.action} in {outcome.channel_id} (ts {outcome.ts}{parts})"
            )
    return 0


def migrate_data(source_url: str, target_url: str, replace: bool) -> int:
    """Copy every table between two databases (e.g. SQLite -> PostgreSQL), verified."""
    from sqlalchemy import create_engine

    from slack_events_dagster.storage.transfer import copy_database, normalize_url

    source = create_engine(normalize_url(source_url))
    target = create_engine(normalize_url(target_url))
    for role, engine in (("source", source), ("target", target)):
        try:
            ensure_schema(engine, migrate=role == "target")
        except SchemaOutOfDateError as error:
            raise SchemaOutOfDateError(f"The {role}: {error}") from None
        except OperationalError as error:
            reason = str(getattr(error, "orig", error)).strip().splitlines()[0]
            raise engines.DatabaseUnreachableError(
                f"Cannot open the {role} {engine.url.render_as_string()}: {reason}"
            ) from None
    print(f"Copying {source.url.render_as_string()} -> {target.url.render_as_string()}")
    reports = copy_database(source, target, replace=replace, progress=print)
    total = sum(report.rows for report in reports)
    print(f"Done: {total} rows in {len(reports)} tables, counts and checksums verified.")
    return 0


def backup_command(settings: Settings, output: str | None, force: bool) -> int:
    from slack_events_dagster.storage.backup import backup, default_backup_path

    path = Path(output) if output else default_backup_path(settings.database, Path("backups"))
    if settings.database.type == "postgres":
        _check_database(settings.database)
    backup(settings.database, path, force=force)
    print(f"Backed up {engines.describe(settings.database)} to {path}")
    return 0


def restore_command(settings: Settings, backup_file: str, yes: bool) -> int:
    from slack_events_dagster.storage.backup import restore, verify_backup

    where = engines.describe(settings.database)
    verify_backup(settings.database, Path(backup_file))
    if not yes:
        print(f"This replaces every table of {where} with {backup_file}. Re-run with --yes.")
        return 1
    _check_database(settings.database)  # also: an unusable SQLite path is named, not a traceback
    revision = restore(settings.database, Path(backup_file))
    print(f"Restored {where} from {backup_file}")
    head = head_revision()
    if revision != head:
        print(
            f"The backup is at schema revision {revision}; this code needs {head}. "
            "Run `slack-events migrate` before the next run."
        )
    return 0


def evaluate_command(
    settings: Settings,
    labels: list[Path],
    export: Path,
    extractor_type: str | None,
    all_messages: bool,
    examples: int,
    json_path: Path | None,
) -> int:
    """Score an extractor on a hand-labelled export and print the metrics and failure kinds."""
    from slack_events_dagster.definitions import build_resources
    from slack_events_dagster.evaluation.labels import load_label_files
    from slack_events_dagster.evaluation.measure import evaluate_export, format_report

    labelled = load_label_files(labels)
    resources = build_resources(settings)
    pipeline: PipelineResource = resources["pipeline"]  # type: ignore[assignment]
    extractor: ExtractorResource = resources["extractor"]  # type: ignore[assignment]
    if extractor_type is not None:
        chosen = settings.extractor.model_copy(update={"type": extractor_type})
        extractor = build_resources(settings.model_copy(update={"extractor": chosen}))["extractor"]  # type: ignore[assignment]
    if extractor.extractor.type == "openai":
        engine = engines.get_engine(settings.database)
        ensure_schema(engine, migrate=settings.database.migrates_automatically)
    # Initialised as Dagster would: OPENAI_API_KEY is read from the environment here.
    with extractor.process_config_and_initialize_cm() as live:
        print(
            f"Evaluating {live.name} on {len(labelled)} labelled messages of {export}",
            file=sys.stderr,
        )
        report = evaluate_export(
            labelled,
            export,
            resources["slack"].message_filter,  # type: ignore[attr-defined]
            pipeline.policy().channel_policy,
            lambda inputs: live.extract_batch(inputs)[0],
            all_messages=all_messages,
        )
    print(format_report(report, examples=examples))
    if json_path is not None:
        json_path.write_text(
            json.dumps({"counts": report.counts(), "metrics": report.metrics()}, indent=2) + "\n"
        )
    return 0


def search_command(
    settings: Settings, query: str, since_text: str | None, channel: str | None, limit: int
) -> int:
    """Print the stored events `query` finds (storage/search.py: the database's full-text
    index), newest announcement first: when, channel, title and the message's permalink."""
    from slack_events_dagster.storage.search import search_events

    since = None
    if since_text:
        try:
            moment = datetime.fromisoformat(since_text)
        except ValueError:
            raise ValueError(
                f"--since {since_text!r} is not a date: use ISO 8601, e.g. 2026-11-24 or "
                "2026-11-24T09:00 (UTC)"
            ) from None
        since = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    if limit < 1:
        raise ValueError(f"--limit {limit} must be at least 1")
    _check_database(settings.database)
    engine = engines.get_engine(settings.database)
    ensure_schema(engine, migrate=settings.database.migrates_automatically)
    found = search_events(engine, query, since=since, channel=channel, limit=limit)
    for event in found:
        when = event["event_date"]
        shown = "no date"
        if when is not None:
            shown = f"{when:%Y-%m-%d}" + (
                "" if event["date_precision"] == "day" else f" {when:%H:%M}"
            )
        print(f"{shown}  #{event['channel_name']}  {event['title']}  {event['permalink'] or ''}")
    print(
        f"{len(found)} event{'' if len(found) == 1 else 's'} found"
        + (f" (the newest {limit}; --limit shows more)" if len(found) == limit else "")
    )
    return 0


def _hour_key(text: str, last: bool) -> str:
    """An hour key from an hour ("2026-05-10-09:00") or a day ("2026-05-10": its first hour, or
    its last when `last`)."""
    try:
        moment = datetime.strptime(text, HOUR_KEY)
    except ValueError:
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise ValueError(
                f"{text!r} is neither an hour (2026-05-10-09:00) nor a day (2026-05-10)"
            ) from None
        moment = datetime.combine(day, time(23 if last else 0))
    if moment.minute:
        raise ValueError(f"{text!r} is not on the hour: the partitions are whole UTC hours")
    return moment.strftime(HOUR_KEY)


def backfill_hours(settings: Settings, first: str | None, last: str | None) -> tuple[str, str]:
    """The first and last hour to backfill: those given (hours or days), else the export's."""
    if first is None and last is None:
        if settings.slack.source != "export":
            raise ValueError(
                "name the hours to read from Slack: --first 2026-05-10 --last 2026-08-21"
            )
        return _export_partition_range(settings)
    if first is None or last is None:
        raise ValueError("give both --first and --last, or neither (the export's days)")
    first_key, last_key = _hour_key(first, last=False), _hour_key(last, last=True)
    partitions = hourly_partitions(settings.partitions)
    oldest, newest = partitions.get_first_partition_key(), partitions.get_last_partition_key()
    if hour_start(first_key) > hour_start(last_key):
        raise ValueError(f"--first {first_key} is after --last {last_key}")
    if oldest is None or newest is None:
        raise ValueError(
            f"no complete hour yet since partitions.start ({settings.partitions.start})"
        )
    if hour_start(first_key) < hour_start(oldest):
        raise ValueError(
            f"{first_key} is before the first partition, {oldest}: lower partitions.start in "
            "config.yaml (PARTITIONS_START)"
        )
    if hour_start(last_key) > hour_start(newest):
        raise ValueError(f"{last_key} is after the last complete hour, {newest}")
    return first_key, last_key


def _dagster_home() -> Path:
    """The instance folder DAGSTER_HOME names, which must hold its dagster.yaml."""
    home = os.environ.get("DAGSTER_HOME")
    if not home:
        raise ValueError(
            "DAGSTER_HOME is not set: point it at the Dagster instance to launch on (the folder "
            "of its dagster.yaml; make dev and make demo make .dagster_home in the checkout)"
        )
    if not (Path(home) / "dagster.yaml").is_file():
        raise ValueError(
            f"DAGSTER_HOME ({home}) holds no dagster.yaml: run make dev or make demo once (they "
            "copy the checkout's), or point DAGSTER_HOME at the instance's folder"
        )
    return Path(home)


@dataclass(frozen=True)
class BackfillRequest:
    """What `slack-events backfill` was asked for."""

    first: str | None
    last: str | None
    workspace: Path | None
    plan_each_hour: bool
    max_runtime_hours: float | None


def backfill_command(settings: Settings, request: BackfillRequest) -> int:
    """Launch one run of slack_events_job over a range of hours on the instance DAGSTER_HOME
    names, its planned events written once per asset unless `request.plan_each_hour`."""
    home = _dagster_home()
    first_key, last_key = backfill_hours(settings, request.first, request.last)
    where = workspace_file(request.workspace, home, Path.cwd())
    hours = (hour_start(last_key) - hour_start(first_key)) // ONE_HOUR + 1
    tags = hours_tags(first_key, last_key)
    if request.max_runtime_hours is not None:
        if request.max_runtime_hours <= 0:
            raise ValueError(f"--max-runtime-hours {request.max_runtime_hours} is not positive")
        tags[MAX_RUNTIME_TAG] = str(round(request.max_runtime_hours * 3600))
    environment = dict(os.environ)
    if request.plan_each_hour:
        environment.pop(PLANNED_ONCE_VAR, None)
    else:
        environment[PLANNED_ONCE_VAR] = "true"
    planning = "planned per hour" if request.plan_each_hour else "planned once per asset"
    print(
        f"Launching {JOB_NAME} over {hours:,} hour{'s' if hours > 1 else ''}, {first_key} to "
        f"{last_key}, in one run ({planning}) on the instance in {home}",
        flush=True,
    )
    launched = subprocess.run(
        job_launch_command(where, JOB_NAME, tags), env=environment, check=False
    )
    if launched.returncode != 0:
        print(
            f"error: dagster job launch exited with {launched.returncode} (above): check that "
            f"the code location in {where} is reachable (the compose stack's code server up)",
            file=sys.stderr,
        )
        return launched.returncode
    print(
        "Launched. Follow it in the Dagster UI (Runs); a local instance (dagster.yaml) runs it "
        "now, a production one (deploy/dagster.yaml) when the daemon takes it from the queue."
    )
    return 0


COMMANDS = {"demo": demo, "doctor": doctor, "migrate": migrate}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="slack-events", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("demo", help="migrate, materialise the export's hours, print the digest")
    commands.add_parser("doctor", help="show the configuration and check the database")
    commands.add_parser("migrate", help="apply database migrations (alembic upgrade head)")
    render = commands.add_parser("digest", help="render (and post) a digest from stored events")
    render.add_argument("--channel", required=True, help="digest target: a Slack channel id")
    when = render.add_mutually_exclusive_group()
    when.add_argument(
        "--as-of", help="end of the hour, e.g. 2026-11-24T09:00 (UTC; default: the last one)"
    )
    when.add_argument(
        "--date",
        help="that day's digest, e.g. 2026-11-24: as of its publish hour (digest.publish_hours) "
        "in the target's time zone",
    )
    render.add_argument(
        "--min-confidence", type=float, help="show events at least this confident (0..1)"
    )
    render.add_argument("--max-events", type=int, help="show at most this many events")
    render.add_argument("--post", action="store_true", help="post it (or update the earlier post)")
    copy = commands.add_parser("migrate-data", help="copy all data between two databases")
    copy.add_argument("--from", dest="source", required=True, help="e.g. sqlite:///data/x.db")
    copy.add_argument("--to", dest="target", required=True, help="e.g. postgresql://u@h/db")
    copy.add_argument("--replace", action="store_true", help="overwrite a non-empty target")
    save = commands.add_parser("backup", help="back up the configured database")
    save.add_argument("--output", help="file to write (default backups/slack_events-<time>)")
    save.add_argument("--force", action="store_true", help="overwrite an existing --output file")
    load = commands.add_parser("restore", help="replace the configured database with a backup")
    load.add_argument("backup_file")
    load.add_argument("--yes", action="store_true", help="confirm replacing the data")
    score = commands.add_parser(
        "evaluate", help="score an extractor on a hand-labelled Slack export (README: Evaluate)"
    )
    score.add_argument(
        "--labels", required=True, nargs="+", type=Path, help="JSONL labels files or folders"
    )
    score.add_argument("--export", required=True, type=Path, help="the Slack export they label")
    score.add_argument("--extractor", choices=["rules", "openai"], help="default: config.yaml")
    score.add_argument(
        "--all-messages",
        action="store_true",
        help="send every message to the extractor, not only those that pass scoring",
    )
    score.add_argument("--examples", type=int, default=3, help="examples shown per failure kind")
    score.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    backfill = commands.add_parser(
        "backfill",
        help="launch one Dagster run over a range of hours (default: the export's days)",
    )
    backfill.add_argument("--first", help="first hour or day, e.g. 2026-05-10 (UTC)")
    backfill.add_argument("--last", help="last hour or day, e.g. 2026-08-21-23:00 (UTC)")
    backfill.add_argument(
        "--workspace",
        type=Path,
        help="workspace.yaml to launch from (default: DAGSTER_HOME's, else the current folder's)",
    )
    backfill.add_argument(
        "--plan-each-hour",
        action="store_true",
        help="record a planned event per asset and hour (Dagster's default; slow on long ranges, "
        "but a failed run marks its hours failed)",
    )
    backfill.add_argument(
        "--max-runtime-hours",
        type=float,
        help="fail the run after this long (default: the instance's limit for runs, 24 h)",
    )
    find = commands.add_parser(
        "search", help="find stored events by words in their title, summary or Slack message"
    )
    find.add_argument("query", help='words (each must match; "quoted phrase" for exact words)')
    find.add_argument("--since", help="announced on or after, e.g. 2026-11-24 (UTC)")
    find.add_argument("--channel", help="only this channel (name, e.g. releases)")
    find.add_argument("--limit", type=int, default=50, help="events shown at most (default 50)")
    args = parser.parse_args(argv)
    try:
        if args.command == "migrate-data":
            return migrate_data(args.source, args.target, args.replace)
        export_dotenv()  # EnvVar secrets of the resources resolve from .env too
        settings = load_settings()
        if args.command == "digest":
            request = DigestRequest(
                args.channel,
                args.as_of,
                args.date,
                args.min_confidence,
                args.max_events,
                args.post,
            )
            return digest(settings, request)
        if args.command == "backup":
            return backup_command(settings, args.output, args.force)
        if args.command == "evaluate":
            return evaluate_command(
                settings,
                args.labels,
                args.export,
                args.extractor,
                args.all_messages,
                args.examples,
                args.json,
            )
        if args.command == "search":
            return search_command(settings, args.query, args.since, args.channel, args.limit)
        if args.command == "backfill":
            wanted = BackfillRequest(
                args.first, args.last, args.workspace, args.plan_each_hour, args.max_runtime_hours
            )
            return backfill_command(settings, wanted)
        if args.command == "restore":
            return restore_command(settings, args.backup_file, args.yes)
        return COMMANDS[args.command](settings)
    except (
        SettingsError,
        engines.DatabaseUnreachableError,
        SchemaOutOfDateError,
        DigestPublishError,
        TransferError,
        BackupError,
        LabelError,
        SlackSourceError,
        ValueError,
    ) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
