"""How many thread replies an hourly API run can reach, measured on real Slack exports.

An hourly run of `raw_slack_messages` in API mode finds replies through their parents: the
parents come from `conversations.history` over the thread window (`slack.thread_window_days`,
formerly only the 7-day `thread_lookback_days`), so a reply whose parent is older than that is
never read.

For each export this prints, for N = 7, 30, 90 (or `--days`):
- `parent_within`: share of replies whose parent is at most N days older: what a thread window of
  N days reaches (the strategy the pipeline uses);
- `registry`: for comparison, an alternative not implemented: a 7-day window plus a registry of
  threads with a stored reply in the last N days, each polled every hour (a thread's first reply
  after 7 days is missed: no stored row says the parent has a thread);
- the cost per channel and hour: top-level messages a window of N days pages through
  (`history_items`), and threads the registry would poll with one conversations.replies each
  (`registry_threads`), as the mean and the maximum over the days of the export (sampled daily).

Run: `.venv/bin/python -m benchmarks.thread_coverage [../shared/real_slack] [--json out.json]`.
"""

import argparse
import bisect
import json
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

DAY = Decimal(86_400)
HOUR = Decimal(3_600)
WINDOWS_DAYS = (7, 30, 90)
LOOKBACK_DAYS = 7
DEFAULT_REAL_SLACK = Path(__file__).absolute().parent.parent.parent / "shared" / "real_slack"


@dataclass
class ChannelMessages:
    """One channel's message times: top-level ts, and every thread's message ts (sorted)."""

    top_level: list[Decimal] = field(default_factory=list)
    threads: dict[Decimal, list[Decimal]] = field(default_factory=lambda: defaultdict(list))


def _ts(value: Any) -> Decimal | None:
    try:
        parsed = Decimal(value) if isinstance(value, str) else None
    except InvalidOperation:
        return None
    return parsed if parsed is not None and parsed.is_finite() else None


def read_export(export: Path) -> dict[str, ChannelMessages]:
    """Every channel folder's messages (`<channel>/<day>.json`), read without the project code."""
    channels: dict[str, ChannelMessages] = {}
    for day_file in sorted(export.glob("*/*.json")):
        try:
            messages = json.loads(day_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        channel = channels.setdefault(day_file.parent.name, ChannelMessages())
        for message in messages if isinstance(messages, list) else []:
            if not isinstance(message, dict) or (ts := _ts(message.get("ts"))) is None:
                continue
            thread_ts = _ts(message.get("thread_ts"))
            if thread_ts is None or thread_ts == ts:
                channel.top_level.append(ts)
            if thread_ts is not None:
                channel.threads[thread_ts].append(ts)
    for channel in channels.values():
        channel.top_level.sort()
        for times in channel.threads.values():
            times.sort()
    return channels


def _replies(channel: ChannelMessages) -> list[tuple[Decimal, Decimal, Decimal]]:
    """(reply ts, parent ts, ts of the thread's previous message) for every reply."""
    found = []
    for parent, times in channel.threads.items():
        previous = parent
        for ts in times:
            if ts != parent:
                found.append((ts, parent, previous))
                previous = max(previous, ts)
    return found


def _replies_between(parent: Decimal, times: list[Decimal], low: Decimal, high: Decimal) -> bool:
    """Whether the thread has a reply (not the parent) with low <= ts < high."""
    first = bisect.bisect_left(times, low)
    return any(ts != parent for ts in times[first : bisect.bisect_left(times, high)])


def _hour_samples(channel: ChannelMessages) -> list[Decimal]:
    """One run a day (at noon UTC) from the channel's first to its last message."""
    every = channel.top_level + [ts for times in channel.threads.values() for ts in times]
    if not every:
        return []
    first = (min(every) // DAY) * DAY + 12 * HOUR
    return [first + day * DAY for day in range(int((max(every) - first) // DAY) + 1)]


def _costs(channel: ChannelMessages, days: int) -> tuple[list[int], list[int]]:
    """Per sampled hourly run: top-level messages in a window of `days`, and registered threads
    (a reply in the last `days`, parent older than the 7-day look-back)."""
    history, registry = [], []
    for start in _hour_samples(channel):
        low = bisect.bisect_left(channel.top_level, start - days * DAY)
        history.append(bisect.bisect_left(channel.top_level, start + HOUR) - low)
        lookback_start = start - LOOKBACK_DAYS * DAY
        registry.append(
            sum(
                1
                for parent, times in channel.threads.items()
                if parent < lookback_start
                and _replies_between(parent, times, start - days * DAY, start)
            )
        )
    return history, registry


def measure_export(export: Path, windows: tuple[int, ...] = WINDOWS_DAYS) -> dict[str, Any]:
    """Coverage and cost figures for one export folder."""
    channels = read_export(export)
    replies = [reply for channel in channels.values() for reply in _replies(channel)]
    report: dict[str, Any] = {"export": export.name, "replies": len(replies), "windows": {}}
    for days in windows:
        span = days * DAY
        lookback = LOOKBACK_DAYS * DAY
        parent_within = sum(1 for ts, parent, _ in replies if ts - parent <= span)
        registered = sum(
            1
            for ts, parent, previous in replies
            if ts - parent <= lookback or (previous != parent and ts - previous <= span)
        )
        history: list[int] = []
        threads: list[int] = []
        for channel in channels.values():
            channel_history, channel_threads = _costs(channel, days)
            history += channel_history
            threads += channel_threads
        report["windows"][days] = {
            "parent_within": round(parent_within / len(replies), 4) if replies else None,
            "registry": round(registered / len(replies), 4) if replies else None,
            "history_items_mean": round(sum(history) / len(history), 1) if history else 0,
            "history_items_max": max(history, default=0),
            "registry_threads_mean": round(sum(threads) / len(threads), 2) if threads else 0,
            "registry_threads_max": max(threads, default=0),
        }
    return report


def measure_all(root: Path, windows: tuple[int, ...] = WINDOWS_DAYS) -> list[dict[str, Any]]:
    """`measure_export` for every export folder under `root` (one with a channels.json)."""
    return [
        measure_export(export, windows)
        for export in sorted(root.iterdir())
        if (export / "channels.json").is_file()
    ]


def format_table(reports: list[dict[str, Any]]) -> str:
    lines = [
        "export          replies  N   parent<=N  7d+registry(N)  history items/run (mean, max)  "
        "registry threads/run (mean, max)"
    ]
    for report in reports:
        for days, figures in report["windows"].items():
            share = figures["parent_within"]
            registry = figures["registry"]
            lines.append(
                f"{report['export']:<15} {report['replies']:>7} {days:>3}   "
                f"{'-' if share is None else f'{share:.1%}':>8}  "
                f"{'-' if registry is None else f'{registry:.1%}':>14}  "
                f"{figures['history_items_mean']:>10} {figures['history_items_max']:>6}"
                f"{'':>14}{figures['registry_threads_mean']:>8} "
                f"{figures['registry_threads_max']:>6}"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.thread_coverage")
    parser.add_argument("root", nargs="?", type=Path, default=DEFAULT_REAL_SLACK)
    parser.add_argument("--days", default=",".join(map(str, WINDOWS_DAYS)))
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    if not args.root.is_dir():
        print(f"{args.root}: no such folder (expected exports as in ../shared/real_slack)")
        return 2
    windows = tuple(int(day) for day in args.days.split(","))
    reports = measure_all(args.root, windows)
    print(format_table(reports))
    if args.json:
        args.json.write_text(json.dumps(reports, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
