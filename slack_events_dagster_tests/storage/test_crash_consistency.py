"""kill -9 in the middle of a partition's write: the hour keeps its previous rows, whole, and
the next write goes through (no lock or half-written rows left behind), on both databases."""

import json
import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
import pytest
from sqlalchemy import select

from slack_events_dagster.partitions import TABLE_ASSET_METADATA, hourly_partitions
from slack_events_dagster.resources.database import DatabaseResource
from slack_events_dagster.resources.io_manager import SqlIOManager
from slack_events_dagster.settings import PartitionSettings, Settings
from slack_events_dagster.storage.engine import get_engine
from slack_events_dagster.storage.schema import digests
from slack_events_dagster_tests.conftest import make_settings
from slack_events_dagster_tests.storage.test_outages import digest_rows

# config.yaml's partitions (the sample export's first day onwards), built as definitions.py does
HOURLY = hourly_partitions(PartitionSettings())
HOURS = [datetime(2026, 11, 23, 9, tzinfo=UTC) + timedelta(hours=n) for n in range(3)]
KEYS = dg.PartitionKeyRange(
    HOURS[0].strftime("%Y-%m-%d-%H:%M"), HOURS[-1].strftime("%Y-%m-%d-%H:%M")
)

# The child stores the first hours' frames of a three-hour write, says so, and then hangs, its
# transaction open, until it is killed.
CHILD = """
import json, sys, time
from pathlib import Path
import dagster as dg
from slack_events_dagster.storage.frames import FrameStream
from slack_events_dagster_tests.storage import test_crash_consistency as crash

env = json.loads(sys.argv[1])
io = crash.io_manager(crash.settings_from(Path(sys.argv[2]), env))

def frames():
    for hour in crash.HOURS[:2]:
        yield crash.digest_rows(hour, "new")
    print("STREAMING", flush=True)
    time.sleep(600)
    yield crash.digest_rows(crash.HOURS[2], "new")

io.handle_output(crash.output_context(), FrameStream(frames()))
"""


def settings_from(tmp_path: Path, env: dict[str, str]) -> Settings:
    return make_settings(tmp_path, DATABASE_AUTO_MIGRATE="true", **env)


def io_manager(settings: Settings) -> SqlIOManager:
    return SqlIOManager(database=DatabaseResource(database=settings.database))


def output_context() -> dg.OutputContext:
    return dg.build_output_context(
        definition_metadata=TABLE_ASSET_METADATA,
        asset_key=dg.AssetKey("digests"),
        asset_partitions_def=HOURLY,
        asset_partition_key_range=KEYS,
    )


def _stored(settings: Settings) -> list[tuple[int, str]]:
    with get_engine(settings.database).connect() as connection:
        rows = connection.execute(
            select(digests.c.partition_hour, digests.c.markdown).order_by(digests.c.partition_hour)
        )
        return [(row[0].hour, row[1]) for row in rows]


def _kill_while_streaming(tmp_path: Path, env: dict[str, str]) -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, json.dumps(env), str(tmp_path)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert child.stdout is not None
        line = child.stdout.readline()  # blocks until the child is mid-write (or has died)
        assert line.strip() == "STREAMING", f"the child never started its write: {line!r}"
        child.send_signal(signal.SIGKILL)
    finally:
        child.kill()
        child.wait(timeout=60)


@pytest.mark.parametrize("database", ["sqlite", "postgres"])
def test_kill_9_mid_write_keeps_every_hour_whole(
    database: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    env = {} if database == "sqlite" else dict(request.getfixturevalue("postgres_env"))
    settings = settings_from(tmp_path, env)
    io = io_manager(settings)
    io.handle_output(output_context(), digest_rows(HOURS[0], "old"))
    before = _stored(settings)
    assert before == [(9, "# old")]

    _kill_while_streaming(tmp_path, env)

    assert _stored(settings) == before  # nothing of the killed write, the old hour whole
    for hour in HOURS:  # and no lock or journal left behind blocks the next write
        io.handle_output(
            dg.build_output_context(
                definition_metadata=TABLE_ASSET_METADATA,
                asset_key=dg.AssetKey("digests"),
                asset_partitions_def=HOURLY,
                partition_key=hour.strftime("%Y-%m-%d-%H:%M"),
            ),
            digest_rows(hour, "after"),
        )
    assert _stored(settings) == [(9, "# after"), (10, "# after"), (11, "# after")]
