"""Asset checks: the guarantees a digest reader relies on, verified on the stored rows."""

from datetime import UTC

import dagster as dg
from sqlalchemy import select

from slack_events_dagster.assets.digests import digests
from slack_events_dagster.assets.events import events
from slack_events_dagster.domain.vocabulary import CATEGORIES
from slack_events_dagster.resources.database import DatabaseResource
from slack_events_dagster.storage import schema

HOUR_KEY = "%Y-%m-%d-%H:%M"


@dg.asset_check(asset=digests, description="No event appears on two lines of one digest.")
def digest_lines_are_distinct_clusters(database: DatabaseResource) -> dg.AssetCheckResult:
    table = schema.digests
    with database.get_engine().connect() as connection:
        rows = connection.execute(select(table.c.partition_hour, table.c.target, table.c.entries))
        offenders = []
        for hour, target, entries in rows:
            ids = [event_id for entry in entries for event_id in entry.get("event_ids", [])]
            if len(ids) != len(set(ids)):
                offenders.append(f"{hour:%Y-%m-%d %H:%M} {target}")
    return dg.AssetCheckResult(
        passed=not offenders,
        metadata={"digests_with_a_repeated_event": len(offenders), "examples": offenders[:10]},
    )


@dg.asset_check(asset=events, description="Every event has a known category and a sane date.")
def events_have_valid_category_and_date(database: DatabaseResource) -> dg.AssetCheckResult:
    table = schema.events
    query = select(
        table.c.event_id,
        table.c.category,
        table.c.event_date,
        table.c.event_end,
        table.c.date_precision,
    )
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


@dg.asset_check(
    asset=digests,
    additional_deps=[events],
    description="Every hour whose events were materialised has a digest.",
)
def digests_exist_for_every_materialised_hour(
    context: dg.AssetCheckExecutionContext, database: DatabaseResource
) -> dg.AssetCheckResult:
    materialised = context.instance.get_materialized_partitions(events.key)
    with database.get_engine().connect() as connection:
        hours = connection.execute(select(schema.digests.c.partition_hour).distinct()).scalars()
        digested = {hour.astimezone(UTC).strftime(HOUR_KEY) for hour in hours}
    missing = sorted(materialised - digested)
    return dg.AssetCheckResult(
        passed=not missing,
        metadata={"hours_without_digest": len(missing), "examples": missing[:10]},
    )


ALL_CHECKS = [
    digest_lines_are_distinct_clusters,
    events_have_valid_category_and_date,
    digests_exist_for_every_materialised_hour,
]
