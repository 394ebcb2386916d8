"""The LLM extractor's pure parts: prompt, output schema, validation and repair, cache key, cost.

Everything the model returns is distrusted: the schema is strict, and every field is checked
again here, so neither a confused model nor a prompt injected into a Slack message can change the
shape of what reaches the events table.
"""

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slack_events_dagster.domain.anchors import Anchor
from slack_events_dagster.domain.candidates import MAX_PARENT_CHARS
from slack_events_dagster.domain.messages import storable
from slack_events_dagster.domain.rules import (
    MAX_SUMMARY_CHARS,
    MAX_TITLE_CHARS,
    ExtractedEvent,
    ExtractionInput,
)
from slack_events_dagster.domain.vocabulary import CATEGORIES

PROMPT_VERSION = "v3"
MAX_YEARS_AHEAD = 2  # a later date needs its year written in the message
# Link previews sent to the model, and the characters of each preview's text.
MAX_PREVIEWS = 3
MAX_PREVIEW_CHARS = 500
# A standalone four-digit number: not part of a version ("v2030.1"), an id or a longer number.
_YEAR = re.compile(r"(?<![\w.])(\d{4})(?!\w|\.\d)")
# Worst-case prompt tokens: byte-level BPE tokens are at least one UTF-8 byte each, plus the
# chat format's few tokens per message.
PROMPT_OVERHEAD_TOKENS = 64
STATUSES = (
    "planned",
    "confirmed",
    "started",
    "completed",
    "postponed",
    "canceled",
    "rolled_back",
    "updated",
)
_NULLABLE_STRING = {"type": ["string", "null"]}

EVENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["events"],
    "properties": {
        "events": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": [
                    "title",
                    "category",
                    "status",
                    "date",
                    "time",
                    "end_date",
                    "end_time",
                    "timezone",
                    "confidence",
                    "summary",
                ],
                "properties": {
                    "title": {"type": "string"},
                    "category": {"type": "string", "enum": list(CATEGORIES)},
                    "status": {"type": "string", "enum": list(STATUSES)},
                    "date": {**_NULLABLE_STRING, "description": "YYYY-MM-DD, local"},
                    "time": {**_NULLABLE_STRING, "description": "HH:MM 24-hour, local"},
                    "end_date": _NULLABLE_STRING,
                    "end_time": _NULLABLE_STRING,
                    "timezone": {**_NULLABLE_STRING, "description": "IANA zone"},
                    "confidence": {"type": "number"},
                    "summary": {"type": "string"},
                },
            },
        }
    },
}
RESPONSE_FORMAT = {
    "type": "json_schema",
    "json_schema": {"name": "slack_events", "strict": True, "schema": EVENT_SCHEMA},
}


def system_prompt() -> str:
    """The versioned instructions (prompts/extract_events_<version>.txt)."""
    name = f"extract_events_{PROMPT_VERSION}.txt"
    return resources.files("slack_events_dagster.prompts").joinpath(name).read_text("utf-8")


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(limit - 1, 0)].rstrip() + "…"


def user_payload(message: ExtractionInput, max_input_chars: int = 4000) -> str:
    """The message as JSON data, so its text cannot pose as instructions; cut to
    `max_input_chars`, with a reply's thread parent as context."""
    payload: dict[str, Any] = {
        "message_time": message.message_time.isoformat(),
        "channel_timezone": message.timezone,
        "message": _cut(message.text, max_input_chars),
    }
    if message.thread_parent:
        payload["thread_parent"] = _cut(
            message.thread_parent, min(MAX_PARENT_CHARS, max_input_chars)
        )
    if message.previews:
        payload["link_previews"] = [
            {"title": preview.title, "text": _cut(preview.text, MAX_PREVIEW_CHARS)}
            | ({"site": preview.service} if preview.service else {})
            for preview in message.previews[:MAX_PREVIEWS]
        ]
    return json.dumps(payload, ensure_ascii=False)


def cache_key(
    model: str,
    message: ExtractionInput,
    max_input_chars: int = 4000,
    temperature: float | None = None,
) -> str:
    """Prompt version + model + sampling + everything the answer depends on."""
    material = "\x1f".join(
        (PROMPT_VERSION, model, repr(temperature), user_payload(message, max_input_chars))
    )
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def cost_usd(
    prompt_tokens: int, completion_tokens: int, input_per_million: float, output_per_million: float
) -> float:
    return (prompt_tokens * input_per_million + completion_tokens * output_per_million) / 1e6


def max_prompt_tokens(system: str, user: str) -> int:
    """An upper bound of a request's prompt tokens: its UTF-8 bytes (each token is at least one
    byte), the output schema (structured outputs send it along) and the chat format's overhead."""
    schema = json.dumps(RESPONSE_FORMAT, separators=(",", ":"))
    return sum(len(part.encode("utf-8")) for part in (system, user, schema)) + (
        PROMPT_OVERHEAD_TOKENS
    )


def stated_years(message: ExtractionInput) -> frozenset[int]:
    """Four-digit numbers written in the message, its thread parent or its link previews
    (candidate years)."""
    previews = [part for preview in message.previews for part in (preview.title, preview.text)]
    text = "\n".join([message.text, message.thread_parent or "", *previews])
    return frozenset(int(year) for year in _YEAR.findall(text))


def _years_later(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def implausible_date(
    event_day: date,
    message_day: date,
    years_in_text: frozenset[int],
    end_day: date | None = None,
) -> str | None:
    """Why a model's event dates cannot be right, or None: events are upcoming or ongoing, so
    one that ends (or, without an end, starts) before the message's day (same zone) is dropped;
    so is one that starts more than MAX_YEARS_AHEAD years before or after it, or ends more than
    that after it, unless the message writes that year. Same-day times that have passed are kept
    ("the CFP closed at noon today"), and so is a conference that started yesterday and ends
    Friday."""
    if (end_day or event_day) < message_day:
        return "date_before_message"
    if event_day < _years_later(message_day, -MAX_YEARS_AHEAD) and (
        event_day.year not in years_in_text
    ):
        return "date_before_message"  # "ongoing" since long before the message: injected
    for day in (event_day, end_day or event_day):
        if day > _years_later(message_day, MAX_YEARS_AHEAD) and day.year not in years_in_text:
            return f"date_over_{MAX_YEARS_AHEAD}_years_ahead"
    return None


class InvalidLLMOutput(ValueError):
    """The answer is unusable as a whole (not JSON, or not {"events": [...]})."""


@dataclass
class Repairs:
    """What validation had to fix, and which events it dropped, by kind, for run metadata."""

    counts: dict[str, int] = field(default_factory=dict)
    dropped: dict[str, int] = field(default_factory=dict)

    def add(self, kind: str) -> None:
        self.counts[kind] = self.counts.get(kind, 0) + 1

    def drop(self, reason: str) -> None:
        self.dropped[reason] = self.dropped.get(reason, 0) + 1


def _zone(value: Any, fallback: str, repairs: Repairs) -> str:
    if value in (None, ""):
        return fallback
    name = storable(str(value))
    try:
        ZoneInfo(name)
        return name
    except (ZoneInfoNotFoundError, ValueError):
        repairs.add("invalid_timezone")
        return fallback


def _local_moment(
    day_text: Any, time_text: Any, zone: str, repairs: Repairs
) -> tuple[datetime | None, bool]:
    """(aware datetime, has a clock time); (None, False) when absent or invalid."""
    if day_text in (None, ""):
        return None, False
    try:
        day = date.fromisoformat(str(day_text))
    except ValueError:
        repairs.add("invalid_date")
        return None, False
    clock: time | None = None
    if time_text not in (None, ""):
        try:
            clock = time.fromisoformat(str(time_text))
        except ValueError:
            repairs.add("invalid_time")
    moment = datetime.combine(day, clock or time(0, 0), tzinfo=ZoneInfo(zone))
    return moment, clock is not None


def _text(value: Any, limit: int, kind: str, repairs: Repairs) -> str:
    """The model's text, storable (no NUL or lone surrogate), on one line and at most `limit`."""
    text = " ".join(storable(str(value or "")).split())
    if len(text) > limit:
        repairs.add(kind)
        text = text[: limit - 1].rstrip() + "…"
    return text


def parse_events(
    content: str,
    message: ExtractionInput,
    anchors: tuple[Anchor, ...],
    links: tuple[str, ...],
    extractor: str = "llm",
    *,
    max_events: int,
) -> tuple[list[ExtractedEvent], Repairs]:
    """Validate and repair a model answer into at most `max_events` events (the rest dropped as
    over_max_events_per_message); InvalidLLMOutput when it is unusable. Every text is storable.
    Events dated implausibly for the message (implausible_date) are dropped and counted before
    the cap, so injected ones cannot crowd out the real ones."""
    try:
        payload = json.loads(content)
    except (json.JSONDecodeError, TypeError) as error:
        raise InvalidLLMOutput(f"not JSON: {error}") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("events"), list):
        raise InvalidLLMOutput('expected an object {"events": [...]}')
    repairs = Repairs()
    years_in_text = stated_years(message)
    events: list[ExtractedEvent] = []
    for item in payload["events"]:  # as many as max_output_tokens allowed; capped when valid
        if not isinstance(item, dict):
            repairs.add("event_not_an_object")
            continue
        title = _text(item.get("title"), MAX_TITLE_CHARS, "title_too_long", repairs)
        if not title:
            repairs.add("missing_title")
            continue
        category = item.get("category")
        if category not in CATEGORIES:
            repairs.add("unknown_category")
            category = "unknown"
        status = item.get("status")
        if status not in STATUSES:
            repairs.add("unknown_status")
            status = "planned"
        confidence = item.get("confidence")
        if isinstance(confidence, bool) or not isinstance(confidence, (int, float)):
            repairs.add("invalid_confidence")
            continue
        if not 0.0 <= confidence <= 1.0:
            repairs.add("confidence_out_of_range")
            confidence = min(max(float(confidence), 0.0), 1.0)
        zone = _zone(item.get("timezone"), message.timezone, repairs)
        start, has_time = _local_moment(item.get("date"), item.get("time"), zone, repairs)
        end = None
        if start is not None and (item.get("end_date") or item.get("end_time")):
            end_day = item.get("end_date") or item.get("date")
            end, _ = _local_moment(end_day, item.get("end_time"), zone, repairs)
            if end is not None and end < start:
                repairs.add("end_before_start")
                end = None
        if start is not None:
            message_day = message.message_time.astimezone(start.tzinfo).date()
            rejection = implausible_date(
                start.date(), message_day, years_in_text, end.date() if end else None
            )
            if rejection is not None:
                repairs.drop(rejection)
                continue
        events.append(
            ExtractedEvent(
                title=title,
                category=category,
                action="Other",
                status=status,
                event_date=start.astimezone(ZoneInfo(message.timezone)) if start else None,
                event_end=end.astimezone(ZoneInfo(message.timezone)) if end else None,
                date_precision=("datetime" if has_time else "day") if start else None,
                date_source="llm" if start else "unknown",
                confidence=round(float(confidence), 2),
                summary=_text(item.get("summary"), MAX_SUMMARY_CHARS, "summary_too_long", repairs),
                links=tuple(storable(link) for link in links[:3]),
                anchors=anchors,
                extractor=extractor,
            )
        )
    if len(events) > max_events:
        repairs.dropped["over_max_events_per_message"] = len(events) - max_events
    return events[:max_events], repairs
