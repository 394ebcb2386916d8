"""The asset checks pass on a real run and fail on the faults they exist to catch."""

import dagster as dg
from sqlalchemy import delete, update

from slack_events_dagster.assets import ALL_ASSETS
from slack_events_dagster.checks import (
    ALL_CHECKS,
    digest_lines_are_distinct_clusters,
    digests_exist_for_every_materialised_hour,
    events_have_valid_category_and_date,
)
from slack_events_dagster.definitions import build_resources
from slack_events_dagster.settings import Settings
from slack_events_dagster.storage import schema
from slack_events_dagster_tests.helpers import table_rows


def test_checks_pass_on_a_real_run_and_catch_corruption(sqlite_settings: Settings) -> None:
    resources = build_resources(sqlite_settings)
    with dg.instance_for_test() as instance:
        result = dg.materialize(
            [*ALL_ASSETS, *ALL_CHECKS],
            resources=resources,
            instance=instance,
            tags={
                "dagster/asset_partition_range_start": "2026-11-23-08:00",
                "dagster/asset_partition_range_end": "2026-11-23-12:00",
            },
        )
        evaluations = result.get_asset_check_evaluations()
        assert {e.check_name for e in evaluations} == {c.check_key.name for c in ALL_CHECKS}
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

        assert not events_have_valid_category_and_date(database=database).passed
        assert not digest_lines_are_distinct_clusters(database=database).passed
        context = dg.build_asset_check_context(instance=instance)
        missing = digests_exist_for_every_materialised_hour(context=context, database=database)
        assert not missing.passed
        assert missing.metadata["examples"].value == ["2026-11-23-08:00"]
