"""Hand labels of a Slack export: one JSONL line per message read (shared/LABELLING.md).

    {"channel": "general", "ts": "1692802510.386629", "events": [
        {"title": "OpenLineage 1.1.0 release", "category": "product", "date": "2023-08-24",
         "end_date": null, "date_basis": "message"}]}

`"events": []` says the message announces nothing. Dates are UTC: a day ("2023-08-24") or a
minute ("2023-08-24T16:00"), or null when the message gives no way to know it.
"""

import json
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from slack_events_dagster.domain.messages import parse_ts
from slack_events_dagster.domain.vocabulary import CATEGORIES

DATE_BASES = ("explicit", "relative", "message", "unknown")


class LabelError(ValueError):
    """A labels file that cannot be read; the message names the file and line."""


@dataclass(frozen=True)
class LabelledEvent:
    title: str
    category: str
    date: date | None  # the UTC calendar day, None when unknowable
    date_basis: str


@dataclass(frozen=True)
class LabelledMessage:
    channel: str
    ts: str
    events: tuple[LabelledEvent, ...]

    @property
    def announces(self) -> bool:
        return bool(self.events)


def _day(value: object, where: str) -> date | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise LabelError(f"{where}: a date is a string or null, got {value!r}")
    try:
        return datetime.fromisoformat(value).date() if "T" in value else date.fromisoformat(value)
    except ValueError:
        raise LabelError(f"{where}: {value!r} is not YYYY-MM-DD or YYYY-MM-DDTHH:MM") from None


def _event(raw: object, where: str) -> LabelledEvent:
    if not isinstance(raw, dict):
        raise LabelError(f"{where}: an event is an object")
    category = raw.get("category")
    if category not in CATEGORIES:
        raise LabelError(f"{where}: category {category!r} is not one of {', '.join(CATEGORIES)}")
    basis = raw.get("date_basis", "unknown" if raw.get("date") is None else "explicit")
    if basis not in DATE_BASES:
        raise LabelError(f"{where}: date_basis {basis!r} is not one of {', '.join(DATE_BASES)}")
    return LabelledEvent(
        title=str(raw.get("title") or ""),
        category=category,
        date=_day(raw.get("date"), where),
        date_basis=basis,
    )


def load_labels(path: Path) -> list[LabelledMessage]:
    """Every labelled message of a JSONL file; LabelError names the first bad line."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise LabelError(f"Cannot read labels file {path}: {error.strerror}") from None
    messages: list[LabelledMessage] = []
    seen: set[tuple[str, str]] = set()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as error:
            raise LabelError(f"{where}: not JSON ({error.msg})") from None
        if not isinstance(raw, dict) or not isinstance(raw.get("events"), list):
            raise LabelError(f'{where}: expected {{"channel", "ts", "events": [...]}}')
        channel, ts = str(raw.get("channel") or "").lstrip("#"), raw.get("ts")
        if not channel or not isinstance(ts, str) or parse_ts(ts) is None:
            raise LabelError(f"{where}: needs a channel name and a Slack ts string")
        if (channel, ts) in seen:
            raise LabelError(f"{where}: #{channel} {ts} is labelled twice")
        seen.add((channel, ts))
        events = tuple(
            _event(event, f"{where} event {index}") for index, event in enumerate(raw["events"])
        )
        messages.append(LabelledMessage(channel, ts, events))
    return messages


def load_label_files(paths: list[Path]) -> list[LabelledMessage]:
    """The labels of several files (a folder stands for its *.jsonl files), in order."""
    files: list[Path] = []
    for path in paths:
        files.extend(sorted(path.glob("*.jsonl")) if path.is_dir() else [path])
    if not files:
        raise LabelError(f"No labels files in {', '.join(map(str, paths))}")
    return [message for file in files for message in load_labels(file)]
