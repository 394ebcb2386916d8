"""Score the rules extractor against the hand-labelled Slack messages.

Pure functions: load the labelled YAML, run the extractor on each message the way the pipeline
does (normalised text, anchors, links, channel zone), match predicted to expected events per
message and compute set-wide metrics. Matching is greedy and deterministic: a predicted event can
match an expected one when their dates agree (both null, or the same local calendar day in the
message's zone); among those pairs, same-category pairs win, then exact dates, then list order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from slack_events_dagster.domain.anchors import extract_anchors, extract_links
from slack_events_dagster.domain.rules import ExtractedEvent, ExtractionInput, extract_events
from slack_events_dagster.domain.text import has_broadcast_mention, normalize_text

DATASET_PATH = Path(__file__).with_name("labelled_messages.yaml")
CATEGORIES = frozenset({"product", "risk", "process", "marketing", "org", "unknown"})
REQUIRED_KEYS = ("id", "channel", "timezone", "message_time", "text", "events")
EVENT_KEYS = frozenset({"category", "date", "end", "note"})

Extractor = Callable[[ExtractionInput], list[ExtractedEvent]]


@dataclass(frozen=True)
class ExpectedEvent:
    """One labelled event; `date`/`end` are naive local wall times (or days) in the item's zone."""

    category: str
    date: datetime | date | None
    end: datetime | date | None = None
    note: str = ""

    @property
    def precision(self) -> str | None:
        """ "datetime" when the label states a time, "day" for a bare day, None without a date."""
        if self.date is None:
            return None
        return "datetime" if isinstance(self.date, datetime) else "day"

    @property
    def day(self) -> date | None:
        """The labelled local calendar day."""
        if isinstance(self.date, datetime):
            return self.date.date()
        return self.date

    def describe(self) -> str:
        return f"{self.category}@{_format_label(self.date)}"


@dataclass(frozen=True)
class LabelledMessage:
    """One item of the data set."""

    id: str
    channel: str
    timezone: str
    message_time: datetime  # aware, UTC
    text: str
    events: tuple[ExpectedEvent, ...]


@dataclass(frozen=True)
class ItemResult:
    """Matching outcome for one message, with human-readable issues for debugging."""

    id: str
    text: str
    expected: tuple[str, ...]
    predicted: tuple[str, ...]
    issues: tuple[str, ...]


@dataclass(frozen=True)
class EvaluationReport:
    """Set-wide metrics plus the per-item results that have issues."""

    items: int
    no_event_items: int
    multi_event_items: int
    expected_events: int
    predicted_events: int
    matched: int
    category_correct: int
    dated_matched: int
    date_correct: int
    no_event_correct: int
    mismatches: tuple[ItemResult, ...] = field(default=())

    @property
    def precision(self) -> float:
        return _ratio(self.matched, self.predicted_events)

    @property
    def recall(self) -> float:
        return _ratio(self.matched, self.expected_events)

    @property
    def category_accuracy(self) -> float:
        return _ratio(self.category_correct, self.matched)

    @property
    def date_accuracy(self) -> float:
        return _ratio(self.date_correct, self.dated_matched)

    @property
    def no_event_accuracy(self) -> float:
        return _ratio(self.no_event_correct, self.no_event_items)

    def metrics(self) -> dict[str, float]:
        """The scored metrics by name."""
        return {
            "precision": self.precision,
            "recall": self.recall,
            "category_accuracy": self.category_accuracy,
            "date_accuracy": self.date_accuracy,
            "no_event_accuracy": self.no_event_accuracy,
        }


# --------------------------------------------------------------------------- loading


def _ratio(numerator: int, denominator: int) -> float:
    return numerator / denominator if denominator else 1.0


def _format_label(value: datetime | date | None) -> str:
    if value is None:
        return "null"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M")
    return value.isoformat()


def parse_label_date(value: object) -> datetime | date | None:
    """A label date: null, a day (YAML date or "YYYY-MM-DD") or a naive local "YYYY-MM-DDTHH:MM"."""
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            raise ValueError(f"label dates are local wall times, got an offset: {value!r}")
        return value
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        if "T" in value:
            parsed = datetime.fromisoformat(value)
            if parsed.tzinfo is not None:
                raise ValueError(f"label dates are local wall times, got an offset: {value!r}")
            return parsed
        return date.fromisoformat(value)
    raise ValueError(f"unsupported label date {value!r}")


def parse_message_time(value: object) -> datetime:
    """The posting time as an aware UTC datetime (YAML timestamp or ISO string with offset)."""
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if parsed.tzinfo is None:
        raise ValueError(f"message_time needs an offset or Z: {value!r}")
    return parsed.astimezone(UTC)


def load_raw(path: Path = DATASET_PATH) -> list[dict[str, Any]]:
    """The YAML list as plain dictionaries."""
    with path.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    if not isinstance(data, list):
        raise ValueError(f"{path} must hold a YAML list")
    return data


def validate_raw(items: Sequence[Mapping[str, Any]]) -> list[str]:
    """Every problem with the data set's shape; an empty list means it is well-formed."""
    problems: list[str] = []
    seen: set[str] = set()
    for index, item in enumerate(items):
        name = str(item.get("id", f"#{index}")) if isinstance(item, Mapping) else f"#{index}"
        if not isinstance(item, Mapping):
            problems.append(f"{name}: not a mapping")
            continue
        missing = [key for key in REQUIRED_KEYS if key not in item]
        if missing:
            problems.append(f"{name}: missing keys {missing}")
            continue
        if name in seen:
            problems.append(f"{name}: duplicate id")
        seen.add(name)
        if not isinstance(item["text"], str) or not item["text"].strip():
            problems.append(f"{name}: empty text")
        try:
            ZoneInfo(str(item["timezone"]))
        except (ZoneInfoNotFoundError, ValueError):
            problems.append(f"{name}: unknown timezone {item['timezone']!r}")
        try:
            parse_message_time(item["message_time"])
        except (TypeError, ValueError) as error:
            problems.append(f"{name}: bad message_time ({error})")
        if not isinstance(item["events"], list):
            problems.append(f"{name}: events must be a list")
            continue
        for position, event in enumerate(item["events"]):
            problems.extend(_validate_event(f"{name}.events[{position}]", event))
    return problems


def _validate_event(name: str, event: object) -> list[str]:
    if not isinstance(event, Mapping):
        return [f"{name}: not a mapping"]
    problems: list[str] = []
    if unknown := set(event) - EVENT_KEYS:
        problems.append(f"{name}: unknown keys {sorted(unknown)}")
    if event.get("category") not in CATEGORIES:
        problems.append(f"{name}: bad category {event.get('category')!r}")
    if "date" not in event:
        problems.append(f"{name}: missing date (use null when there is none)")
    for key in ("date", "end"):
        try:
            parse_label_date(event.get(key))
        except ValueError as error:
            problems.append(f"{name}: bad {key} ({error})")
    if event.get("end") is not None and event.get("date") is None:
        problems.append(f"{name}: end without date")
    return problems


def load_dataset(path: Path = DATASET_PATH) -> list[LabelledMessage]:
    """The labelled messages, parsed; raises ValueError when the file is malformed."""
    raw = load_raw(path)
    if problems := validate_raw(raw):
        raise ValueError("malformed data set:\n" + "\n".join(problems))
    return [
        LabelledMessage(
            id=str(item["id"]),
            channel=str(item["channel"]),
            timezone=str(item["timezone"]),
            message_time=parse_message_time(item["message_time"]),
            text=item["text"],
            events=tuple(
                ExpectedEvent(
                    category=event["category"],
                    date=parse_label_date(event.get("date")),
                    end=parse_label_date(event.get("end")),
                    note=str(event.get("note") or ""),
                )
                for event in item["events"]
            ),
        )
        for item in raw
    ]


# --------------------------------------------------------------------------- extraction


def build_input(item: LabelledMessage) -> ExtractionInput:
    """The extractor's view of a raw Slack message, built as the pipeline builds it."""
    links = extract_links(item.text)
    return ExtractionInput(
        text=normalize_text(item.text, mentions={}, channel_names={}),
        message_time=item.message_time,
        timezone=item.timezone,
        anchors=tuple(extract_anchors(item.text, links)),
        links=tuple(links),
        broadcast=has_broadcast_mention(item.text),
    )


def run_rules(message: ExtractionInput) -> list[ExtractedEvent]:
    """The rules extractor with the pipeline's default cap."""
    return extract_events(message, max_events=5)


# --------------------------------------------------------------------------- matching


def _local(moment: datetime, zone: ZoneInfo) -> datetime:
    return moment.astimezone(zone)


def dates_agree(expected: ExpectedEvent, predicted: ExtractedEvent, zone: ZoneInfo) -> bool:
    """Both undated, or the same local calendar day."""
    if expected.date is None or predicted.event_date is None:
        return expected.date is None and predicted.event_date is None
    return _local(predicted.event_date, zone).date() == expected.day


def date_exact(expected: ExpectedEvent, predicted: ExtractedEvent, zone: ZoneInfo) -> bool:
    """Same local day for a day label, same local minute for a datetime label."""
    if expected.date is None or predicted.event_date is None:
        return expected.date is None and predicted.event_date is None
    local = _local(predicted.event_date, zone)
    if isinstance(expected.date, datetime):
        return local.replace(second=0, microsecond=0, tzinfo=None) == expected.date
    return local.date() == expected.date


def match_events(
    expected: Sequence[ExpectedEvent], predicted: Sequence[ExtractedEvent], zone: ZoneInfo
) -> list[tuple[int, int]]:
    """Greedy one-to-one matching as (expected index, predicted index) pairs.

    Only date-agreeing pairs are eligible; they are taken best first: same category, then exact
    date, then earliest expected, then earliest predicted. Deterministic for a given input order.
    """
    candidates = [
        (
            0 if want.category == got.category else 1,
            0 if date_exact(want, got, zone) else 1,
            e_index,
            p_index,
        )
        for e_index, want in enumerate(expected)
        for p_index, got in enumerate(predicted)
        if dates_agree(want, got, zone)
    ]
    used_expected: set[int] = set()
    used_predicted: set[int] = set()
    pairs: list[tuple[int, int]] = []
    for _, _, e_index, p_index in sorted(candidates):
        if e_index in used_expected or p_index in used_predicted:
            continue
        used_expected.add(e_index)
        used_predicted.add(p_index)
        pairs.append((e_index, p_index))
    return sorted(pairs)


def describe_prediction(event: ExtractedEvent, zone: ZoneInfo) -> str:
    """category@local-date/precision "title" for reports."""
    when = "null"
    if event.event_date is not None:
        local = _local(event.event_date, zone)
        when = (
            local.strftime("%Y-%m-%dT%H:%M")
            if event.date_precision == "datetime"
            else (local.date().isoformat())
        )
        when += f"/{event.date_precision}"
    return f'{event.category}@{when} "{event.title[:60]}"'


# --------------------------------------------------------------------------- evaluation


def evaluate(
    items: Iterable[LabelledMessage] | None = None, extractor: Extractor = run_rules
) -> EvaluationReport:
    """Run `extractor` on every item and score it against the labels."""
    items = list(load_dataset() if items is None else items)
    totals = dict.fromkeys(
        (
            "expected",
            "predicted",
            "matched",
            "category_correct",
            "dated_matched",
            "date_correct",
            "no_event_items",
            "no_event_correct",
        ),
        0,
    )
    mismatches: list[ItemResult] = []
    for item in items:
        zone = ZoneInfo(item.timezone)
        predicted = extractor(build_input(item))
        pairs = match_events(item.events, predicted, zone)
        issues: list[str] = []
        totals["expected"] += len(item.events)
        totals["predicted"] += len(predicted)
        totals["matched"] += len(pairs)
        if not item.events:
            totals["no_event_items"] += 1
            totals["no_event_correct"] += not predicted
        for e_index, p_index in pairs:
            want, got = item.events[e_index], predicted[p_index]
            if want.category == got.category:
                totals["category_correct"] += 1
            else:
                issues.append(f"category: expected {want.category}, got {got.category}")
            if want.date is not None:
                totals["dated_matched"] += 1
                if date_exact(want, got, zone):
                    totals["date_correct"] += 1
                else:
                    issues.append(
                        f"date: expected {_format_label(want.date)}, "
                        f"got {describe_prediction(got, zone)}"
                    )
        matched_expected = {e for e, _ in pairs}
        matched_predicted = {p for _, p in pairs}
        issues += [
            f"missed: {want.describe()}"
            for index, want in enumerate(item.events)
            if index not in matched_expected
        ]
        issues += [
            f"spurious: {describe_prediction(got, zone)}"
            for index, got in enumerate(predicted)
            if index not in matched_predicted
        ]
        if issues:
            mismatches.append(
                ItemResult(
                    id=item.id,
                    text=item.text,
                    expected=tuple(want.describe() for want in item.events),
                    predicted=tuple(describe_prediction(got, zone) for got in predicted),
                    issues=tuple(issues),
                )
            )
    return EvaluationReport(
        items=len(items),
        no_event_items=totals["no_event_items"],
        multi_event_items=sum(len(item.events) >= 2 for item in items),
        expected_events=totals["expected"],
        predicted_events=totals["predicted"],
        matched=totals["matched"],
        category_correct=totals["category_correct"],
        dated_matched=totals["dated_matched"],
        date_correct=totals["date_correct"],
        no_event_correct=totals["no_event_correct"],
        mismatches=tuple(mismatches),
    )


def format_report(report: EvaluationReport, floors: Mapping[str, float] | None = None) -> str:
    """A small text table of the metrics (and floors, when given)."""
    floors = floors or {}
    counts = (
        f"items={report.items} no_event={report.no_event_items} "
        f"multi_event={report.multi_event_items} expected={report.expected_events} "
        f"predicted={report.predicted_events} matched={report.matched}"
    )
    lines = [counts, f"{'metric':<20} {'value':>6} {'floor':>6}"]
    for name, value in report.metrics().items():
        floor = f"{floors[name]:.2f}" if name in floors else "-"
        lines.append(f"{name:<20} {value:>6.3f} {floor:>6}")
    return "\n".join(lines)


def format_mismatches(report: EvaluationReport, limit: int | None = None) -> str:
    """Per-item issues, one block per message, for debugging the extractor."""
    blocks = []
    for result in report.mismatches[:limit]:
        issues = "\n".join(f"    - {issue}" for issue in result.issues)
        blocks.append(f"{result.id}: {result.text[:100]!r}\n{issues}")
    return "\n".join(blocks)
