"""PostgreSQL advisory locks that make overlapping writers of the same hours take turns (SQLite
admits one writer at a time by itself), and the hour-range texts their log lines use."""

import time
import zlib
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, Table, text

from slack_events_dagster.storage.frames import TimeBounds
from slack_events_dagster.storage.schema import utc

# PostgreSQL: a write locks its table's hours one by one up to this many; a longer range locks
# the whole table instead (each advisory lock takes a slot in the server's shared lock table).
MAX_LOCKED_HOURS = 168


def hour_count(window: TimeBounds) -> int:
    return int((window.end - window.start).total_seconds() // 3600)


def hours_text(window: TimeBounds) -> str:
    last = utc(window.end) - timedelta(hours=1)
    first = utc(window.start)
    if first >= last:
        return f"hour {first:%Y-%m-%d %H:00} UTC"
    return f"hours {first:%Y-%m-%d %H:00}..{last:%Y-%m-%d %H:00} UTC ({hour_count(window)} h)"


def table_lock_key(table: Table) -> int:
    """A stable 31-bit number for the table: the first key of its advisory locks."""
    return zlib.crc32(table.name.encode()) & 0x7FFFFFFF


def lock_hours(connection: Connection, table: Table, window: TimeBounds | None, log: Any) -> None:
    """PostgreSQL: wait until no other transaction writes any of the window's hours of `table`,
    and hold them until this one ends (transaction-level advisory locks, released on commit or
    rollback). Hours are locked oldest first, so overlapping windows queue instead of
    deadlocking; each run holds the table's shared lock meanwhile. A window longer than
    MAX_LOCKED_HOURS (or none) takes the table's exclusive lock instead. SQLite needs none of
    this: it admits one writer at a time (and waits up to its busy timeout)."""
    if connection.dialect.name != "postgresql":
        return
    key = table_lock_key(table)
    locks: list[tuple[str, tuple[int, ...]]]
    if window is None or hour_count(window) > MAX_LOCKED_HOURS:
        what = f"all of {table.name} ({hours_text(window) if window else 'unpartitioned'})"
        locks = [("pg_advisory_xact_lock", (key,))]
    else:
        what = f"{table.name} {hours_text(window)}"
        first_hour = int(utc(window.start).timestamp() // 3600)
        hours = range(first_hour, first_hour + hour_count(window))
        locks = [("pg_advisory_xact_lock_shared", (key,))]
        locks += [("pg_advisory_xact_lock", (key, hour)) for hour in hours]
    waited_since: float | None = None
    for function, keys in locks:
        names = ", ".join(f":k{index}" for index in range(len(keys)))
        params = {f"k{index}": value for index, value in enumerate(keys)}
        try_function = function.replace("pg_advisory", "pg_try_advisory", 1)
        if connection.execute(text(f"select {try_function}({names})"), params).scalar():
            continue
        if waited_since is None:
            waited_since = time.monotonic()
            log.info(f"Waiting for {what} held by another run (overlapping runs take turns)")
        connection.execute(text(f"select {function}({names})"), params)
    if waited_since is not None:
        log.info(f"Got {what} after {time.monotonic() - waited_since:.1f} s of waiting")
