"""Asset checks: the guarantees a digest reader relies on, verified on the stored rows.

In a run of some hours, each check reads only the rows those hours can have changed (the
staleness check: the digests whose look-back windows hold them), so an hourly run's checks cost
the same after a year of history as on the first day. Launched on their own (no partition),
they check everything. The four run as one step (one multi-asset check): on the production
instance each step of its own cost about 0.05 s of every hourly run."""

import math
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

import dagster as dg
from sqlalchemy import Select, func, select

from slack_events_dagster.assets.digests import EVENTS_IN_LOOKBACK
from slack_events_dagster.domain.staleness import events_in_lookback, hour_ranges, stale_hours
from slack_events_dagster.domain.vocabulary import CATEGORIES
from slack_events_dagster.partitions import HOUR_KEY, ONE_HOUR, hour_start, run_hours
from slack_events_dagster.resources.database import DatabaseResource
from slack_events_dagster.storage import schema
from slack_events_dagster.storage.frames import where_within

DIGESTS, EVENTS = dg.AssetKey("digests"), dg.AssetKey("events")
Hours = tuple[datetime | None, datetime | None]  # [start, end); None: unbounded
EVERY_HOUR: Hours = (None, None)


def checked_hours(context: dg.AssetCheckExecutionContext) -> Hours:
    """The hours the check's run materialised; every hour for a run of no partition (or a
    check called directly, outside a run)."""
    try:
        window = run_hours(context.run.tags)
    except dg.DagsterError:  # invoked directly: the context has no run
        window = None
    return (window.start, window.end) if window is not None else EVERY_HOUR


def _within(statement: Select, column: Any, hours: Hours) -> Select:
    return where_within(statement, column, *hours)


def _key_within(key: str, hours: Hours) -> bool:
    start, end = hours
    hour = hour_start(key)
    return (start is None or hour >= start) and (end is None or hour < end)


# A window of up to this many hours asks the instance about its own partitions only (one bound
# parameter each: well under SQLite's oldest limit of 999); a longer or open window reads every
# partition's latest record (after a year, 8,760 per asset: 18-20 ms each on SQLite instance
# storage, against 3-7 ms for one hour and its week of digests).
MAX_HOURS_NAMED = 500


def window_keys(hours: Hours) -> list[str] | None:
    """The hour keys of the hours that overlap `hours` (any zone, any minute), oldest first;
    None when the window is open or longer than MAX_HOURS_NAMED hours."""
    start, end = hours
    if start is None or end is None:
        return None
    first = start.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    count = max(0, math.ceil((end - first) / ONE_HOUR))
    if count > MAX_HOURS_NAMED:
        return None
    return [(first + n * ONE_HOUR).strftime(HOUR_KEY) for n in range(count)]


def latest_storage_ids(
    instance: dg.DagsterInstance, asset: dg.AssetKey, hours: Hours
) -> dict[str, int]:
    """The latest materialization's storage id of each partition of `asset` within `hours`."""
    named = window_keys(hours)
    if named == []:
        return {}  # an empty window: Dagster reads an empty partition set as "every partition"
    latest = instance.event_log_storage.get_latest_storage_id_by_partition(
        asset, dg.DagsterEventType.ASSET_MATERIALIZATION, partitions=set(named) if named else None
    )
    return {key: id for key, id in latest.items() if _key_within(key, hours)}


def digest_lines_are_distinct_clusters(
    database: DatabaseResource, hours: Hours = EVERY_HOUR
) -> dg.AssetCheckResult:
    """No event appears on two lines of one digest."""
    table = schema.digests
    query = select(table.c.partition_hour, table.c.target, table.c.entries)
    with database.get_engine().connect() as connection:
        rows = connection.execute(_within(query, table.c.partition_hour, hours))
        offenders = []
        for hour, target, entries in rows:
            ids = [event_id for entry in entries for event_id in entry.get("event_ids", [])]
            if len(ids) != len(set(ids)):
                offenders.append(f"{hour:%Y-%m-%d %H:%M} {target}")
    return dg.AssetCheckResult(
        passed=not offenders,
        metadata={"digests_with_a_repeated_event": len(offenders), "examples": offenders[:10]},
    )


def events_have_valid_category_and_date(
    database: DatabaseResource, hours: Hours = EVERY_HOUR
) -> dg.AssetCheckResult:
    """Every event has a known category and a sane date."""
    table = schema.events
    query = select(
        table.c.event_id,
        table.c.category,
        table.c.event_date,
        table.c.event_end,
        table.c.date_precision,
    )
    query = _within(query, table.c.partition_hour, hours)
    problems: dict[str, int] = {}
    examples: list[str] = []
    with database.get_engine().connect() as connection:
        for event_id, category, start, end, precision in connection.execute(query):
            issue = None
            if category not in CATEGORIES:
                issue = "unknown_category"
            elif start is not None and precision is None:
                issue = "date_without_precision"
            elif start is None and end is not None:
                issue = "end_without_start"
            elif start is not None and end is not None and end < start:
                issue = "end_before_start"
            if issue:
                problems[issue] = problems.get(issue, 0) + 1
                examples.append(f"{event_id}: {issue}")
    return dg.AssetCheckResult(
        passed=not problems, metadata={"problems": problems, "examples": examples[:10]}
    )


def digests_exist_for_every_materialised_hour(
    instance: dg.DagsterInstance, database: DatabaseResource, within: Hours = EVERY_HOUR
) -> dg.AssetCheckResult:
    """Every hour whose events were materialised has a digest."""
    materialised = set(latest_storage_ids(instance, EVENTS, within))
    column = schema.digests.c.partition_hour
    with database.get_engine().connect() as connection:
        hours = connection.execute(_within(select(column).distinct(), column, within)).scalars()
        digested = {hour.astimezone(UTC).strftime(HOUR_KEY) for hour in hours}
    missing = sorted(materialised - digested)
    return dg.AssetCheckResult(
        passed=not missing,
        metadata={"hours_without_digest": len(missing), "examples": missing[:10]},
    )


STORAGE_IDS_PER_QUERY = 500  # well under any database's limit of bound parameters
MAX_RANGES_SHOWN = 20


def _events_in_lookback_when_built(
    instance: dg.DagsterInstance, digest_hours: Hours
) -> dict[datetime, int | None]:
    """Per materialised digest hour among `digest_hours`, the count its latest materialisation
    recorded (None when it was built before the count was recorded)."""
    storage_ids = sorted(latest_storage_ids(instance, DIGESTS, digest_hours).values())
    built_with: dict[datetime, int | None] = {}
    for first in range(0, len(storage_ids), STORAGE_IDS_PER_QUERY):
        chunk = storage_ids[first : first + STORAGE_IDS_PER_QUERY]
        records = instance.fetch_materializations(
            dg.AssetRecordsFilter(asset_key=DIGESTS, storage_ids=chunk), limit=len(chunk)
        ).records
        for record in records:
            materialization = record.asset_materialization
            if materialization is None or materialization.partition is None:
                continue
            hour = hour_start(materialization.partition)
            count = materialization.metadata.get(EVENTS_IN_LOOKBACK)
            built_with[hour] = count.value if isinstance(count, dg.IntMetadataValue) else None
    return built_with


def _events_per_hour(database: DatabaseResource, hours: Hours) -> Mapping[datetime, int]:
    column = schema.events.c.partition_hour
    query = _within(select(column, func.count()), column, hours).group_by(column)
    with database.get_engine().connect() as connection:
        rows = connection.execute(query)
        return {hour: count for hour, count in rows}


class StaleDigests(NamedTuple):
    """Digest hours whose look-back window's events changed since they were built."""

    built_with: dict[datetime, int]  # per digest hour with a recorded count
    stored_now: dict[datetime, int]  # the same hours, counted on the events stored now
    hours: list[datetime]  # the stale ones, oldest first
    ranges: list[tuple[datetime, datetime]]  # the same, as (first, last) runs of hours
    unrecorded: int  # digests built before the count was recorded: not judged


def find_stale_digests(
    instance: dg.DagsterInstance,
    database: DatabaseResource,
    digest_lookback_hours: int,
    changed: Hours = EVERY_HOUR,
) -> StaleDigests:
    """Compare the recorded look-back count of every digest whose window holds the `changed`
    hours (default: every digest) with the events stored now."""
    lookback = timedelta(hours=digest_lookback_hours)
    start, end = changed
    digest_hours = (start, end + lookback if end is not None else None)
    event_hours = (start - lookback if start is not None else None, digest_hours[1])
    recorded = _events_in_lookback_when_built(instance, digest_hours)
    built_with = {hour: count for hour, count in recorded.items() if count is not None}
    stored_now = events_in_lookback(_events_per_hour(database, event_hours), built_with, lookback)
    hours = stale_hours(built_with, stored_now)
    return StaleDigests(
        built_with, stored_now, hours, hour_ranges(hours), len(recorded) - len(built_with)
    )


def _rebuild_advice(ranges: list[tuple[datetime, datetime]]) -> str:
    commands = "\n".join(
        "dagster asset materialize -m slack_events_dagster.definitions --select digests "
        f'--partition-range "{first.strftime(HOUR_KEY)}...{last.strftime(HOUR_KEY)}"'
        for first, last in ranges[:MAX_RANGES_SHOWN]
    )
    more = len(ranges) - MAX_RANGES_SHOWN
    if more > 0:
        commands += f"\n... and {more} more ranges (metadata: stale_hour_ranges)"
    return (
        "These digests were built before events of their look-back window were stored (an "
        "earlier range materialised later: a second run, a retry, a late backfill). Rebuild "
        "them (UI: Assets > digests > Materialize, those partitions; one run per range), or "
        "with DAGSTER_HOME set to this instance (the sensor rebuild_stale_digests, when on, "
        "does it by itself):\n" + commands
    )


def digests_match_the_events_now_stored(
    instance: dg.DagsterInstance,
    database: DatabaseResource,
    digest_lookback_hours: int,
    changed: Hours = EVERY_HOUR,
) -> dg.AssetCheckResult:
    """Every digest whose look-back window holds the `changed` hours was built from the events
    stored there now (a warning naming the stale hours and the rebuild otherwise)."""
    found = find_stale_digests(instance, database, digest_lookback_hours, changed)
    shown = [
        f"{first.strftime(HOUR_KEY)}...{last.strftime(HOUR_KEY)}" for first, last in found.ranges
    ]
    examples = [
        f"{hour.strftime(HOUR_KEY)}: built with {found.built_with[hour]} events, "
        f"{found.stored_now[hour]} now"
        for hour in found.hours[:10]
    ]
    return dg.AssetCheckResult(
        passed=not found.hours,
        severity=dg.AssetCheckSeverity.WARN,
        description=_rebuild_advice(found.ranges) if found.hours else None,
        metadata={
            "stale_digests": len(found.hours),
            "stale_hour_ranges": shown[:MAX_RANGES_SHOWN],
            "examples": examples,
            "digests_compared": len(found.built_with),
            "digests_without_a_recorded_count": found.unrecorded,
        },
    )


CHECKS = (
    dg.AssetCheckSpec(
        "digest_lines_are_distinct_clusters",
        asset=DIGESTS,
        description="No event appears on two lines of one digest.",
    ),
    dg.AssetCheckSpec(
        "events_have_valid_category_and_date",
        asset=EVENTS,
        description="Every event has a known category and a sane date.",
    ),
    dg.AssetCheckSpec(
        "digests_exist_for_every_materialised_hour",
        asset=DIGESTS,
        additional_deps=[EVENTS],
        description="Every hour whose events were materialised has a digest.",
    ),
    dg.AssetCheckSpec(
        "digests_match_the_events_now_stored",
        asset=DIGESTS,
        additional_deps=[EVENTS],
        description=(
            "Every digest was built from the events now stored in its look-back window (warns, "
            "naming the hours and how to rebuild them, when an earlier range was materialised "
            "later)."
        ),
    ),
)


def build_asset_checks(digest_lookback_hours: int) -> list[dg.AssetChecksDefinition]:
    """Every asset check, as one step; the staleness check compares each digest's look-back
    window."""
    evaluate: dict[str, Callable[..., dg.AssetCheckResult]] = {
        "digest_lines_are_distinct_clusters": lambda _instance, database, hours: (
            digest_lines_are_distinct_clusters(database, hours)
        ),
        "events_have_valid_category_and_date": lambda _instance, database, hours: (
            events_have_valid_category_and_date(database, hours)
        ),
        "digests_exist_for_every_materialised_hour": digests_exist_for_every_materialised_hour,
        "digests_match_the_events_now_stored": lambda instance, database, hours: (
            digests_match_the_events_now_stored(instance, database, digest_lookback_hours, hours)
        ),
    }

    @dg.multi_asset_check(specs=list(CHECKS), can_subset=True)
    def stored_rows_checks(
        context: dg.AssetCheckExecutionContext, database: DatabaseResource
    ) -> Iterator[dg.AssetCheckResult]:
        """Each selected check on the rows the run's hours can have changed."""
        hours = checked_hours(context)
        for spec in CHECKS:
            if spec.key in context.selected_asset_check_keys:
                result = evaluate[spec.name](context.instance, database, hours)
                yield dg.AssetCheckResult(
                    asset_key=spec.asset_key,
                    check_name=spec.name,
                    passed=result.passed,
                    severity=result.severity,
                    description=result.description,
                    metadata=result.metadata,
                )

    return [stored_rows_checks]
