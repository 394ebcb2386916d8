"""Overlapping range runs at the same time: they wait for each other per table and hour, and all
succeed with the tables a single sequential run leaves."""

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import dagster as dg
import pandas as pd
import pytest
from sqlalchemy import text

from slack_events_dagster.assets import build_assets
from slack_events_dagster.definitions import build_resources
from slack_events_dagster.partitions import TABLE_ASSET_METADATA, hourly_partitions
from slack_events_dagster.resources.database import DatabaseResource
from slack_events_dagster.resources.io_manager import SqlIOManager
from slack_events_dagster.settings import PartitionSettings, Settings
from slack_events_dagster.storage.locks import MAX_LOCKED_HOURS, table_lock_key
from slack_events_dagster.storage.schema import ASSET_TABLES, digests, raw_slack_messages
from slack_events_dagster_tests.conftest import make_settings
from slack_events_dagster_tests.helpers import materialize_range, table_rows
from slack_events_dagster_tests.storage.test_outages import digest_rows, wait_for_lock_waiter

# config.yaml's partitions (the sample export's first day onwards), built as definitions.py does
HOURLY = hourly_partitions(PartitionSettings())

DAY_HOURS = [f"2026-11-{day}-{hour:02d}:00" for day in (21, 22, 23) for hour in range(24)]
# Four runs of 36 hours, each overlapping the next by 24: 72 hours in all.
RANGES = [(DAY_HOURS[start], DAY_HOURS[start + 35]) for start in (0, 12, 24, 36)]


Outcome = dg.ExecuteInProcessResult | BaseException


def _run_at_once(settings: Settings) -> tuple[list[Outcome], list[str]]:
    """The four ranges in four threads, started together: each thread's result (or error), and
    every message the runs logged."""
    results: list[Outcome] = [RuntimeError("did not run")] * len(RANGES)
    instances = [dg.DagsterInstance.ephemeral() for _ in RANGES]
    barrier = threading.Barrier(len(RANGES))

    def run(index: int, first: str, last: str) -> None:
        barrier.wait()
        try:
            results[index] = materialize_range(
                settings, first, last, instance=instances[index], raise_on_error=False
            )
        except BaseException as error:  # reported by _assert_all_succeeded
            results[index] = error

    threads = [
        threading.Thread(target=run, args=(index, first, last))
        for index, (first, last) in enumerate(RANGES)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    messages = [
        entry.user_message
        for instance, result in zip(instances, results, strict=True)
        if isinstance(result, dg.ExecuteInProcessResult)
        for entry in instance.all_logs(result.run_id)
    ]
    return results, messages


def _assert_all_succeeded(results: list[Outcome]) -> None:
    for (first, last), result in zip(RANGES, results, strict=True):
        assert not isinstance(result, BaseException), f"{first}..{last}: {result!r}"
        failures = [
            event.event_specific_data.error.to_string()
            for event in result.get_step_failure_events()
        ]
        assert result.success, f"{first}..{last} failed: {failures}"


def _tables(settings: Settings, digest_keys_only: bool = False) -> dict[str, list[dict[str, Any]]]:
    """Every stored row; with `digest_keys_only`, a digest by its key only: what a digest's
    24-hour look-back found depends on which run stored those events first (the digests
    check flags a digest whose window gained events since, until it is rebuilt)."""
    tables = {name: table_rows(settings, name) for name in ASSET_TABLES}
    if digest_keys_only:
        tables["digests"] = [
            {"partition_hour": row["partition_hour"], "target": row["target"]}
            for row in tables["digests"]
        ]
    return tables


def _one_sequential_run(tmp_path: Path) -> Settings:
    """Settings of a database holding one run over the whole 72 hours (SQLite: same rows as
    PostgreSQL)."""
    settings = make_settings(tmp_path / "sequential")
    materialize_range(settings, DAY_HOURS[0], DAY_HOURS[-1])
    return settings


def _assert_same_tables_once_digests_are_rebuilt(settings: Settings, tmp_path: Path) -> None:
    """The raw, candidate and event tables equal one sequential run's at once; the digests do
    after the rebuild the stale-digest check asks for."""
    sequential = _one_sequential_run(tmp_path)
    assert _tables(settings, digest_keys_only=True) == _tables(sequential, digest_keys_only=True)
    rebuilt = dg.materialize(
        build_assets(settings),
        selection=["digests"],
        resources=build_resources(settings),
        tags={
            "dagster/asset_partition_range_start": DAY_HOURS[0],
            "dagster/asset_partition_range_end": DAY_HOURS[-1],
        },
    )
    assert rebuilt.success
    assert _tables(settings) == _tables(sequential)


@pytest.mark.postgres
def test_four_overlapping_runs_on_postgres_take_turns_and_all_succeed(
    postgres_settings: Settings, tmp_path: Path
) -> None:
    # An hour two of the ranges write is held until a run waits for it, so a run takes its turn
    # however the threads happen to be scheduled (without it, the runs may not collide at all).
    engine = DatabaseResource(database=postgres_settings.database).get_engine()
    held_hour = datetime.strptime(DAY_HOURS[30], "%Y-%m-%d-%H:%M").replace(tzinfo=UTC)
    holder = engine.connect()
    holder.begin()
    holder.execute(
        text("select pg_advisory_xact_lock(:key, :hour)"),
        {"key": table_lock_key(raw_slack_messages), "hour": int(held_hour.timestamp() // 3600)},
    )
    outcome: list[tuple[list[Outcome], list[str]]] = []
    runs = threading.Thread(target=lambda: outcome.append(_run_at_once(postgres_settings)))
    runs.start()
    try:
        wait_for_lock_waiter(engine.url.render_as_string(hide_password=False))
    finally:
        holder.commit()
        holder.close()
        runs.join()
    results, messages = outcome[0]
    _assert_all_succeeded(results)
    assert any("held by another run" in message for message in messages)
    _assert_same_tables_once_digests_are_rebuilt(postgres_settings, tmp_path)


def test_four_overlapping_runs_on_sqlite_all_succeed(
    sqlite_settings: Settings, tmp_path: Path
) -> None:
    results, _ = _run_at_once(sqlite_settings)
    _assert_all_succeeded(results)
    _assert_same_tables_once_digests_are_rebuilt(sqlite_settings, tmp_path)


@pytest.mark.postgres
def test_a_range_too_long_for_hour_locks_waits_for_the_whole_table(
    postgres_settings: Settings,
) -> None:
    """A write of more than MAX_LOCKED_HOURS hours takes the table's exclusive lock: it waits
    while any shorter write (holding the table's shared lock) is in progress."""
    io = SqlIOManager(database=DatabaseResource(database=postgres_settings.database))
    engine = io.database.get_engine()
    first = datetime(2026, 11, 18, tzinfo=UTC)  # partitions.start in config.yaml
    last = first + timedelta(hours=MAX_LOCKED_HOURS)  # MAX_LOCKED_HOURS + 1 hours in all
    holder = engine.connect()
    holder.begin()
    holder.execute(
        text("select pg_advisory_xact_lock_shared(:key)"), {"key": table_lock_key(digests)}
    )
    key_range = dg.PartitionKeyRange(*(hour.strftime("%Y-%m-%d-%H:%M") for hour in (first, last)))
    context = dg.build_output_context(
        definition_metadata=TABLE_ASSET_METADATA,
        asset_key=dg.AssetKey("digests"),
        asset_partitions_def=HOURLY,
        asset_partition_key_range=key_range,
    )
    failure: list[BaseException] = []

    def write() -> None:
        try:
            io.handle_output(
                context, pd.concat([digest_rows(first, "v1"), digest_rows(last, "v1")])
            )
        except BaseException as error:  # reported below
            failure.append(error)

    writer = threading.Thread(target=write)
    writer.start()
    try:
        wait_for_lock_waiter(engine.url.render_as_string(hide_password=False))
        assert writer.is_alive()  # still waiting: nothing written while the other write runs
    finally:
        holder.commit()
        holder.close()
        writer.join()
    assert not failure, failure
    assert context.get_logged_metadata()["dagster/row_count"].value == 2
