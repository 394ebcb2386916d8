"""The asset checks pass on a real run and fail on the faults they exist to catch."""

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import dagster as dg
from sqlalchemy import delete, update

from slack_events_dagster.alerts import FRESHNESS_CHECK_KEYS
from slack_events_dagster.checks import (
    EVENTS,
    HOUR_KEY,
    MAX_HOURS_NAMED,
    digest_lines_are_distinct_clusters,
    digests_exist_for_every_materialised_hour,
    events_have_valid_category_and_date,
    latest_storage_ids,
)
from slack_events_dagster.definitions import build_definitions, build_resources
from slack_events_dagster.settings import Settings
from slack_events_dagster.storage import schema
from slack_events_dagster_tests.helpers import table_rows


def _checks(settings: Settings) -> list[dg.AssetChecksDefinition]:
    """The checks the jobs run with the assets (the freshness checks run on their own sensor:
    test_alerts.py)."""
    return [
        c
        for c in build_definitions(settings).asset_checks or []
        if not set(c.check_keys) & set(FRESHNESS_CHECK_KEYS)
    ]


def _run_with_checks(
    settings: Settings,
    resources: Mapping[str, Any],
    instance: dg.DagsterInstance,
    first: str,
    last: str,
) -> dg.ExecuteInProcessResult:
    """One single-run range of every asset and every asset check, as a backfill would run."""
    defs = build_definitions(settings)
    return dg.materialize(
        [*(defs.assets or []), *_checks(settings)],  # type: ignore[list-item]
        resources=resources,
        instance=instance,
        tags={
            "dagster/asset_partition_range_start": first,
            "dagster/asset_partition_range_end": last,
        },
    )


def test_checks_pass_on_a_real_run_and_catch_corruption(sqlite_settings: Settings) -> None:
    resources = build_resources(sqlite_settings)
    with dg.instance_for_test() as instance:
        result = _run_with_checks(
            sqlite_settings, resources, instance, "2026-11-23-08:00", "2026-11-23-12:00"
        )
        evaluations = result.get_asset_check_evaluations()
        assert {e.check_name for e in evaluations} == {
            key.name for c in _checks(sqlite_settings) for key in c.check_keys
        }
        assert all(e.passed for e in evaluations)

        database = resources["database"]
        digests = table_rows(sqlite_settings, "digests")
        first_hour, last = digests[0]["partition_hour"], digests[-1]
        with database.get_engine().begin() as connection:
            some_event = table_rows(sqlite_settings, "events")[0]["event_id"]
            connection.execute(
                update(schema.events)
                .where(schema.events.c.event_id == some_event)
                .values(category="party")
            )
            doubled = [*last["entries"], last["entries"][0]]  # one cluster on two lines
            connection.execute(
                update(schema.digests)
                .where(schema.digests.c.partition_hour == last["partition_hour"])
                .values(entries=doubled)
            )
            connection.execute(
                delete(schema.digests).where(schema.digests.c.partition_hour == first_hour)
            )

        # A later hour's run checks only the rows it can have changed: all pass ...
        later = _run_with_checks(
            sqlite_settings, resources, instance, "2026-11-23-13:00", "2026-11-23-14:00"
        )
        assert all(e.passed for e in later.get_asset_check_evaluations())
        assert len(later.get_asset_check_evaluations()) == len(evaluations) == 4
        # ... while the same checks over every hour find each fault.
        assert not events_have_valid_category_and_date(database).passed
        assert not digest_lines_are_distinct_clusters(database).passed
        missing = digests_exist_for_every_materialised_hour(instance, database)
        assert not missing.passed
        assert missing.metadata["examples"].value == ["2026-11-23-08:00"]


# Two consecutive days of the sample, the later one first; the earlier one has events.
LATER = ("2026-11-20-12:00", "2026-11-21-11:00")
EARLIER = ("2026-11-19-12:00", "2026-11-20-11:00")


def _staleness(result: dg.ExecuteInProcessResult) -> dg.AssetCheckEvaluation:
    (evaluation,) = [
        e
        for e in result.get_asset_check_evaluations()
        if e.check_name == "digests_match_the_events_now_stored"
    ]
    return evaluation


def test_an_earlier_range_materialised_later_makes_the_later_digests_warn_until_rebuilt(
    any_settings: Settings,
) -> None:
    """The issue's finding: later range first, earlier range second; the later digests keep their
    old content and every run was green. Now the check warns, naming the hours and the rebuild,
    and the rebuild the sensor requests makes it pass."""
    resources = build_resources(any_settings)
    with dg.instance_for_test() as instance:
        later = _run_with_checks(any_settings, resources, instance, *LATER)
        assert _staleness(later).passed
        before = {
            row["partition_hour"]: row["markdown"] for row in table_rows(any_settings, "digests")
        }

        earlier = _run_with_checks(any_settings, resources, instance, *EARLIER)
        assert earlier.success  # the run itself is green: the check is what tells
        stale = _staleness(earlier)
        assert not stale.passed
        assert stale.severity == dg.AssetCheckSeverity.WARN
        metadata = {key: value.value for key, value in stale.metadata.items()}
        assert metadata["stale_digests"] > 0
        (hours,) = metadata["stale_hour_ranges"]
        first, last = hours.split("...")
        assert LATER[0] <= first <= last <= LATER[1]
        assert f'--select digests --partition-range "{hours}"' in (stale.description or "")
        # Every later digest's 7-day window gained the earlier day's events.
        assert (first, last) == LATER and metadata["stale_digests"] == 24

        # The sensor (off by default) asks for that rebuild: one run for the range.
        database = {"database": resources["database"]}
        rebuild_stale_digests = build_definitions(any_settings).resolve_sensor_def(
            "rebuild_stale_digests"
        )
        with dg.build_sensor_context(instance=instance, resources=database) as sensor_context:
            (request,) = rebuild_stale_digests(sensor_context).run_requests
        assert request.tags["dagster/asset_partition_range_start"] == first
        assert request.tags["dagster/asset_partition_range_end"] == last
        rebuilt = (
            build_definitions(any_settings)
            .resolve_job_def("rebuild_digests_job")
            .execute_in_process(instance=instance, tags=request.tags)
        )
        assert _staleness(rebuilt).passed
        with dg.build_sensor_context(instance=instance, resources=database) as sensor_context:
            assert isinstance(rebuild_stale_digests(sensor_context), dg.SkipReason)
        after = {
            row["partition_hour"]: row["markdown"] for row in table_rows(any_settings, "digests")
        }
        # Rebuilding what the check named changed those digests' content, and only theirs.
        changed = {hour for hour in before if before[hour] != after[hour]}
        assert changed and all(first <= hour.strftime(HOUR_KEY) <= last for hour in changed)


def test_a_runs_window_asks_the_instance_for_exactly_its_own_partitions() -> None:
    """An hourly run's checks name its hours to the instance (a year of partitions is not read
    each hour); the answer is the same as filtering every partition, edges included, and a
    window too long to name, or open, still reads them all."""
    start = datetime(2026, 1, 1, tzinfo=UTC)
    hours = [start + timedelta(hours=n) for n in (0, 1, 5, 6, 7, MAX_HOURS_NAMED + 3)]
    with dg.instance_for_test() as instance:
        for hour in hours:
            instance.report_runless_asset_event(
                dg.AssetMaterialization(EVENTS, partition=hour.strftime(HOUR_KEY))
            )
        storage = instance.event_log_storage
        asked: list[set[str] | None] = []
        read = storage.get_latest_storage_id_by_partition

        def recorded(*args: Any, partitions: set[str] | None = None, **kwargs: Any) -> Any:
            asked.append(partitions)  # what the check asks; the real storage answers
            return read(*args, partitions=partitions, **kwargs)

        storage.get_latest_storage_id_by_partition = recorded  # type: ignore[method-assign]

        def keys(first: float, end: float | None) -> set[str]:
            window = (
                start + timedelta(hours=first),
                None if end is None else start + timedelta(hours=end),
            )
            return set(latest_storage_ids(instance, EVENTS, window))

        def named(*offsets: int) -> set[str]:
            return {(start + timedelta(hours=n)).strftime(HOUR_KEY) for n in offsets}

        assert keys(5, 7) == named(5, 6)  # [start, end): the end hour is the next run's
        assert asked.pop() == named(5, 6)
        assert keys(1, 2) == named(1) and asked.pop() == named(1)
        assert keys(2, 5) == set() and asked.pop() == named(2, 3, 4)
        assert keys(4.5, 6) == named(5)  # not on the hour: the hours it overlaps are asked
        assert asked.pop() == named(4, 5)
        assert keys(6, 6) == set() and not asked  # an empty window asks nothing
        assert keys(0, MAX_HOURS_NAMED) == named(0, 1, 5, 6, 7)
        assert asked.pop() == named(*range(MAX_HOURS_NAMED))
        assert keys(0, MAX_HOURS_NAMED + 4) == named(0, 1, 5, 6, 7, MAX_HOURS_NAMED + 3)
        assert asked.pop() is None  # too long to name: every partition, then the window
        assert keys(6, None) == named(6, 7, MAX_HOURS_NAMED + 3) and asked.pop() is None
