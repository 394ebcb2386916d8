"""What an alert says: a failed run, or hourly assets not materialised for too long (pure)."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

MAX_ERROR_CHARS = 1500  # of the failure's message in the alert (a section holds 3,000)


@dataclass(frozen=True)
class StaleAsset:
    name: str
    last_update: datetime | None  # None: never materialised

    def age(self, now: datetime) -> timedelta | None:
        return None if self.last_update is None else now - self.last_update


def format_age(age: timedelta) -> str:
    """'3 h 05 min', '12 min', '2 d 4 h'."""
    minutes = int(age.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} d {hours} h"
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"


def stale_assets(
    last_updates: Mapping[str, float | None], now: datetime, max_age: timedelta
) -> list[StaleAsset]:
    """The assets whose newest materialisation (a POSIX timestamp, None for never) is older
    than `max_age` at `now`, in the order given."""
    stale = []
    for name, timestamp in last_updates.items():
        moment = None if timestamp is None else datetime.fromtimestamp(timestamp, UTC)
        if moment is None or now - moment > max_age:
            stale.append(StaleAsset(name, moment))
    return stale


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def run_failure_alert(
    job_name: str, run_id: str, error: str, run_url: str | None
) -> tuple[str, list[dict[str, Any]]]:
    """The notification text and blocks of a failed run's alert."""
    text = f":red_circle: Dagster run of {job_name} failed"
    link = f"<{run_url}|run {run_id[:8]}>" if run_url else f"run {run_id}"
    shown = error.strip() or "(no error message)"
    if len(shown) > MAX_ERROR_CHARS:
        shown = shown[:MAX_ERROR_CHARS] + " …"
    fenced = shown.replace("```", "'''")  # a fence inside would end the code block
    blocks = [_section(f"*{text}* ({link})"), _section(f"```{fenced}```")]
    return text, blocks


def stale_alert(
    stale: list[StaleAsset], now: datetime, max_age: timedelta
) -> tuple[str, list[dict[str, Any]]]:
    """The notification text and blocks of an alert about assets not materialised in time."""
    names = ", ".join(asset.name for asset in stale)
    text = f":warning: No new materialisation of {names} for over {format_age(max_age)}"
    lines = []
    for asset in stale:
        age = asset.age(now)
        when = (
            "never materialised"
            if asset.last_update is None or age is None
            else f"last materialised {asset.last_update:%Y-%m-%d %H:%M} UTC, {format_age(age)} ago"
        )
        lines.append(f"• `{asset.name}`: {when}")
    advice = (
        "Is the `slack_events_hourly` schedule running and the daemon up? See the Dagster UI "
        "(Automation, and the freshness checks on these assets)."
    )
    return text, [_section(f"*{text}*"), _section("\n".join(lines)), _section(advice)]
