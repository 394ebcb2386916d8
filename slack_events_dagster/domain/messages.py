"""Slack message payloads (export or Web API) to `raw_slack_messages` rows: one shape for both."""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from slack_events_dagster.domain.text import normalize_text

TS_PATTERN = re.compile(r"^\d{1,12}\.\d{1,6}$")
USER_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")

# Subtypes that carry a person's (or a bot's) words. Anything else that is not explicitly ignored
# is unknown to us: skipped and counted, so a new Slack subtype is visible instead of silently kept.
CONTENT_SUBTYPES = frozenset(
    {"bot_message", "thread_broadcast", "me_message", "file_share", "slackbot_response"}
)

# The widest strings `raw_slack_messages` stores (storage/schema.py, migration 005): longer values
# are cut, so SQLite and PostgreSQL store exactly the same row. Never the channel id: it is the
# key each run replaces by, so a channel whose id does not fit is refused, not cut.
MAX_NAME_CHARS = 255
MAX_ID_CHARS = 255
MAX_CHANNEL_ID_CHARS = 32
COLUMN_CHARS = {
    "channel_name": MAX_NAME_CHARS,
    "user_id": MAX_ID_CHARS,
    "user_name": MAX_NAME_CHARS,
    "user_real_name": MAX_NAME_CHARS,
    "bot_id": MAX_ID_CHARS,
    "subtype": 64,
    "edited_by": MAX_ID_CHARS,
}
MAX_COUNT = 2**31 - 1  # Integer columns (PostgreSQL int4)
# NUL (PostgreSQL text refuses it) and lone UTF-16 surrogates (no encoder accepts them).
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")

# Why a payload is damaged input rather than skipped by policy (subtype filters, bots, empty).
DUPLICATE_TS = "duplicate_ts"
TOO_DEEPLY_NESTED = "too_deeply_nested"
BAD_CHANNEL_ID = "bad_channel_id"
BAD_INPUT_REASONS = frozenset(
    {
        BAD_CHANNEL_ID,
        "not_an_object",
        "bad_type",
        "missing_or_bad_ts",
        "ts_out_of_range",
        "bad_subtype",
        DUPLICATE_TS,
        TOO_DEEPLY_NESTED,
    }
)
# Prefixes of bad-input reasons: skipped after an unexpected error, or kept after a repair.
BAD_INPUT_PREFIXES = ("unexpected_error:", "bad_field:", "cleaned:", "truncated:")
MAX_BAD_EXAMPLES = 20

# Link previews (`link_previews`): Slack's unfurls of the links a message posts (`attachments`
# with a title, text, service name and URL; a shared Slack message's copy; a bot's cards), kept
# as plain text so scoring and extraction can read what the link announces. A preview past these
# sizes is cut (`truncated:link_previews`), one that is not an object or has no words is skipped
# (`bad_field:link_previews` when it is of the wrong type).
MAX_PREVIEWS = 5
MAX_PREVIEW_TITLE_CHARS = 300
MAX_PREVIEW_TEXT_CHARS = 1000
MAX_PREVIEW_SERVICE_CHARS = 100
MAX_PREVIEW_URL_CHARS = 2000
MAX_PREVIEW_FIELDS = 6


SLACKBOT_USER = "USLACKBOT"


def is_slack_reminder(user_id: str | None, text: str | None) -> bool:
    """A /remind reminder: Slackbot posting what a person asked it to ("Reminder: …"), so a
    person's message, not a bot's."""
    return user_id == SLACKBOT_USER and (text or "").lstrip().startswith("Reminder:")


def is_bad_input(reason: str) -> bool:
    """Whether `reason` means damaged input (counted in `bad_messages_by_reason`)."""
    return reason in BAD_INPUT_REASONS or reason.startswith(BAD_INPUT_PREFIXES)


def storable(text: str) -> str:
    """`text` without NUL and lone surrogates, which neither database can store."""
    return UNSTORABLE.sub("", text) if UNSTORABLE.search(text) else text


def shown(value: Any, limit: int = 64) -> str:
    """A short, storable rendering of a payload value for reasons and metadata."""
    if isinstance(value, str):
        text = storable(value)
        return text if len(text) <= limit else text[: limit - 1] + "…"
    return f"<{type(value).__name__}>"


@dataclass(frozen=True)
class UndecodableMessage:
    """A day file item the JSON parser could not decode (nested deeper than its limit)."""

    reason: str = TOO_DEEPLY_NESTED


@dataclass(frozen=True)
class SlackUser:
    id: str
    name: str
    real_name: str | None = None
    is_bot: bool = False
    deleted: bool = False


_UNKNOWN_USER = SlackUser("", "")
Users = Mapping[str, SlackUser]  # users by id


@dataclass(frozen=True)
class SlackChannel:
    id: str
    name: str


@dataclass(frozen=True)
class MessageFilter:
    """Which payloads become rows; the rest are skipped with a reason."""

    ignored_subtypes: frozenset[str] = frozenset()
    include_bots: bool = True


@dataclass
class SkipCounter:
    """Skipped-and-why counts for run metadata: `counts` has every payload not stored (by policy
    or damage), `bad` every damage found (a skip's reason, or each repair of a kept payload: a
    message with two repairs counts under both), `damaged` the damaged payloads, `examples`
    where the first few damaged ones are."""

    counts: dict[str, int] = field(default_factory=dict)
    bad: dict[str, int] = field(default_factory=dict)
    damaged: int = 0
    examples: list[dict[str, Any]] = field(default_factory=list)

    def add(self, reason: str, amount: int = 1) -> None:
        self.counts[reason] = self.counts.get(reason, 0) + amount

    def note(self, reasons: tuple[str, ...], kept: bool, source: str, ts: Any) -> None:
        """One payload's outcome from `message_row`: (row, ()), (row, repairs) or
        (None, (why,))."""
        if not kept and reasons:
            self.add(reasons[0])
        bad = [reason for reason in reasons if is_bad_input(reason)]
        if not bad:
            return
        for reason in bad:
            self.bad[reason] = self.bad.get(reason, 0) + 1
        self.damaged += 1
        if len(self.examples) < MAX_BAD_EXAMPLES:
            example = {"file": source, "ts": shown(ts), "reason": ", ".join(bad), "kept": kept}
            self.examples.append(example)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def bad_total(self) -> int:
        """Damaged payloads, each once however many repairs it needed."""
        return self.damaged


@dataclass
class FirstSeen:
    """Keeps the first message of each (channel_id, ts) in a run: two payloads with one key
    would collide on the table's primary key, wherever in the run the second one comes."""

    seen: set[tuple[str, str]] = field(default_factory=set)

    def is_first(self, channel_id: str, ts: str) -> bool:
        key = (channel_id, ts)
        if key in self.seen:
            return False
        self.seen.add(key)
        return True


def _text_of(payload: Mapping[str, Any], key: str) -> str | None:
    value = payload.get(key)
    return value if isinstance(value, str) and value else None


def user_from_payload(payload: Mapping[str, Any]) -> SlackUser | None:
    """A `users.json` / `users.info` entry; None when it has no id."""
    user_id = payload.get("id")
    if not isinstance(user_id, str) or not user_id:
        return None
    profile = payload.get("profile")
    if not isinstance(profile, dict):
        profile = {}  # a list or a string in a damaged users.json: the top-level names still count
    real_name = _text_of(profile, "real_name") or _text_of(payload, "real_name")
    display = _text_of(profile, "display_name") or real_name
    return SlackUser(
        id=user_id,
        name=display or _text_of(payload, "name") or user_id,
        real_name=real_name,
        is_bot=bool(payload.get("is_bot")),
        deleted=bool(payload.get("deleted")),
    )


def parse_ts(ts: Any) -> Decimal | None:
    """Slack's `ts` as an exact decimal (never a float), or None when it is not a ts."""
    if not isinstance(ts, str) or not TS_PATTERN.match(ts):
        return None
    try:
        return Decimal(ts)
    except InvalidOperation:
        return None


def ts_to_datetime(ts: str) -> datetime:
    seconds, _, fraction = ts.partition(".")
    micros = int((fraction + "000000")[:6])
    return datetime.fromtimestamp(int(seconds), tz=UTC) + timedelta(microseconds=micros)


def message_time(ts: Any) -> datetime | None:
    """The moment of a Slack ts, or None when it is not a ts or lies beyond year 9999."""
    if parse_ts(ts) is None:
        return None
    try:
        return ts_to_datetime(ts)
    except (OverflowError, ValueError, OSError):
        return None


# Below this a ts that matches TS_PATTERN is a moment for message_time; above it may not be.
LAST_SAFE_SECOND = 253_402_000_000  # early 9999-12-30 UTC


def whole_seconds(ts: Any) -> int | None:
    """The whole seconds of a well-formed Slack ts, cheaply (no Decimal, no datetime), so a
    reader can drop messages far outside its window; None for anything message_time might not
    turn into a moment (it then decides)."""
    if not isinstance(ts, str) or not TS_PATTERN.match(ts):
        return None
    seconds = int(ts.partition(".")[0])
    return seconds if seconds < LAST_SAFE_SECOND else None


def datetime_to_ts(moment: datetime) -> Decimal:
    """The Slack ts of an aware datetime, exact to the microsecond."""
    delta = moment.astimezone(UTC) - datetime(1970, 1, 1, tzinfo=UTC)
    micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    return Decimal(micros).scaleb(-6)


def hour_floor(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


# Tuples, not sets: a malformed payload's "type" may be a list, which a set lookup rejects.
TEXT_KINDS = ("text", "mrkdwn", "plain_text")
LINE_KINDS = ("rich_text_section", "rich_text_preformatted", "rich_text_quote", "section")


_LINE_END = object()  # marks where a line block's children end


def blocks_to_text(blocks: Any) -> str:
    """Plain text of Block Kit blocks (rich_text, section, header, context), Slack markup kept.
    Walked with a stack, not recursion, so blocks of any depth cannot raise RecursionError."""
    parts: list[str] = []
    stack: list[Any] = [blocks]
    while stack:
        node = stack.pop()
        if node is _LINE_END:
            parts.append("\n")
            continue
        if isinstance(node, list):
            stack.extend(reversed(node))
            continue
        if not isinstance(node, dict):
            continue
        kind = node.get("type")
        text = node.get("text")
        if kind in TEXT_KINDS:
            if isinstance(text, str):
                parts.append(text)
        elif kind == "link" and (url := _text_of(node, "url")):
            parts.append(f"<{url}|{text}>" if isinstance(text, str) and text else f"<{url}>")
        elif kind == "user" and (user_id := _text_of(node, "user_id")):
            parts.append(f"<@{user_id}>")
        elif kind == "channel" and (channel_id := _text_of(node, "channel_id")):
            parts.append(f"<#{channel_id}>")
        elif kind == "emoji" and (name := _text_of(node, "name")):
            parts.append(f":{name}:")
        elif kind == "broadcast" and (scope := _text_of(node, "range")):
            parts.append(f"<!{scope}>")
        if kind in LINE_KINDS:
            stack.append(_LINE_END)
        # Children in the order "elements", "text", "fields" (rich text, section, section).
        children = (node.get("elements"), text, node.get("fields"))
        stack.extend(child for child in reversed(children) if isinstance(child, (list, dict)))
    return "".join(parts).strip()


def _preview_text(value: Any, limit: int, repairs: list[str]) -> str:
    """A preview's string field as plain text (Slack markup and entities resolved) cut to
    `limit`; "" for a missing field or one of another type (noted as a repair)."""
    if value is None:
        return ""
    if not isinstance(value, str):
        repairs.append("bad_field:link_previews")
        return ""
    text = normalize_text(storable(value[: limit * 4]))  # markup shrinks, never grows much
    if len(text) > limit or len(value) > limit * 4:
        repairs.append("truncated:link_previews")
        text = text[: limit - 1].rstrip() + "…"
    return text


def _without_service(title: str, service: str) -> str:
    """A page title without the site name it ends with ("Swirl Package in R | Meetup")."""
    if service:
        for separator in (" | ", " · ", " - ", " – ", " — ", ": "):
            if title.casefold().endswith((separator + service).casefold()):
                return title[: -len(separator + service)].strip()
    return title.strip()


def _field_lines(fields: Any, repairs: list[str]) -> list[str]:
    """An attachment's `fields` as "Title: value" lines."""
    if fields is None:
        return []
    if not isinstance(fields, list):
        repairs.append("bad_field:link_previews")
        return []
    lines = []
    for item in fields[:MAX_PREVIEW_FIELDS]:
        if not isinstance(item, dict):
            continue
        title = _preview_text(item.get("title"), 80, repairs)
        value = _preview_text(item.get("value"), 200, repairs)
        if value:
            lines.append(f"{title}: {value}" if title else value)
    return lines


def link_previews(attachments: list[Any], repairs: list[str]) -> list[dict[str, str]]:
    """The link previews of a message's `attachments` (export and Web API share the shape):
    {title, text, service, url}, plain text and cut to size. Attachments with neither a title
    nor text are skipped; damage is noted in `repairs`, each kind once (see MAX_PREVIEWS)."""
    found: list[str] = []
    previews = _previews(attachments, found)
    repairs.extend(dict.fromkeys(found))
    return previews


def _previews(attachments: list[Any], repairs: list[str]) -> list[dict[str, str]]:
    previews: list[dict[str, str]] = []
    for attachment in attachments:
        if not isinstance(attachment, dict):
            repairs.append("bad_field:link_previews")
            continue
        service = _preview_text(attachment.get("service_name"), MAX_PREVIEW_SERVICE_CHARS, repairs)
        title = _preview_text(attachment.get("title"), MAX_PREVIEW_TITLE_CHARS, repairs)
        body = attachment.get("text")
        if body is None and isinstance(attachment.get("blocks"), list):
            body = blocks_to_text(attachment["blocks"])  # an app's unfurl in Block Kit
        lines = [_preview_text(body, MAX_PREVIEW_TEXT_CHARS, repairs)]
        lines += _field_lines(attachment.get("fields"), repairs)
        text = "\n".join(line for line in lines if line)[:MAX_PREVIEW_TEXT_CHARS]
        title = _without_service(title, service)
        if not title and not text:
            continue
        url = ""
        for key in ("title_link", "from_url", "original_url"):
            candidate = attachment.get(key)
            if isinstance(candidate, str) and candidate.startswith(("http://", "https://")):
                url = storable(candidate)
                break
        if len(url) > MAX_PREVIEW_URL_CHARS:
            repairs.append("truncated:link_previews")
            url = ""
        if len(previews) == MAX_PREVIEWS:
            repairs.append("truncated:link_previews")
            break
        previews.append({"title": title, "text": text, "service": service, "url": url})
    return previews


def permalink_for(
    workspace_url: str | None, channel_id: str, ts: str, thread_ts: str | None
) -> str:
    """Slack's permalink shape; None-safe so exports without a workspace URL still work."""
    if not workspace_url:
        return ""
    link = f"{workspace_url.rstrip('/')}/archives/{channel_id}/p{ts.replace('.', '')}"
    if thread_ts and thread_ts != ts:
        link += f"?thread_ts={thread_ts}&cid={channel_id}"
    return link


def _author(
    message: Mapping[str, Any],
    users: Mapping[str, SlackUser],
    user_id: str | None,
    repairs: list[str],
) -> tuple[str | None, str | None]:
    if user_id is not None and user_id in users:
        user = users[user_id]
        return user.name, user.real_name
    profile = _field(message, "user_profile", dict, repairs) or {}
    bot_profile = _field(message, "bot_profile", dict, repairs) or {}
    name = (
        _text_of(profile, "display_name")
        or _text_of(profile, "real_name")
        or _text_of(message, "username")
        or _text_of(bot_profile, "name")
        or user_id
    )
    return name, _text_of(profile, "real_name")


def _mentions(texts: Iterable[str], users: Mapping[str, SlackUser]) -> dict[str, str]:
    found: dict[str, str] = {}
    for text in texts:
        for user_id in USER_MENTION.findall(text):
            found[user_id] = users[user_id].name if user_id in users else user_id
    return dict(sorted(found.items()))


def _reactions(reactions: list[Any]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for reaction in reactions:
        if isinstance(reaction, dict) and isinstance(reaction.get("name"), str):
            count = reaction.get("count")
            if not isinstance(count, int) or isinstance(count, bool):
                voters = reaction.get("users")
                count = len(voters) if isinstance(voters, list) else 0
            name = reaction["name"]
            counts[name] = min(MAX_COUNT, counts.get(name, 0) + max(0, count))
    return dict(sorted(counts.items()))


def _field(
    message: Mapping[str, Any], name: str, kind: type | tuple[type, ...], repairs: list[str]
) -> Any:
    """`message[name]` when absent or of the expected JSON type; else None, noted as a repair."""
    value = message.get(name)
    if value is None or isinstance(value, kind):
        return value
    repairs.append(f"bad_field:{name}")
    return None


def _storable_row(row: dict[str, Any], repairs: list[str]) -> dict[str, Any]:
    """Every string without NUL or lone surrogates, and cut to its column's width."""
    for column, value in row.items():
        if isinstance(value, str):
            cleaned = storable(value)
            limit = COLUMN_CHARS.get(column)
            if cleaned != value:
                repairs.append(f"cleaned:{column}")
            if limit is not None and len(cleaned) > limit:
                cleaned = cleaned[:limit]
                repairs.append(f"truncated:{column}")
            row[column] = cleaned
        elif isinstance(value, dict):
            cleaned_map = {
                storable(key): storable(item) if isinstance(item, str) else item
                for key, item in value.items()
            }
            if cleaned_map != value:
                repairs.append(f"cleaned:{column}")
            row[column] = cleaned_map
    return row


def message_row(
    channel: SlackChannel,
    message: Any,
    users: Mapping[str, SlackUser],
    message_filter: MessageFilter,
    workspace_url: str | None = None,
) -> tuple[dict[str, Any] | None, tuple[str, ...]]:
    """A `raw_slack_messages` row with every repair made to damaged input (`bad_field:files`,
    `cleaned:text`, `truncated:user_name`; none for clean input), or (None, (reason,)) for a
    payload we skip. Never raises: one bad message must not fail the whole range."""
    try:
        skipped = _skip_reason(channel, message, message_filter)
        if skipped is not None:
            return None, (skipped,)
        return _kept_row(channel, message, users, message_filter.include_bots, workspace_url)
    except RecursionError:
        return None, (TOO_DEEPLY_NESTED,)
    except Exception as error:  # any surprise in one payload skips that payload, counted
        return None, (f"unexpected_error:{type(error).__name__}",)


def _skip_reason(channel: SlackChannel, message: Any, message_filter: MessageFilter) -> str | None:
    """Why the payload is skipped before it is read, or None when it may become a row."""
    if len(channel.id) > MAX_CHANNEL_ID_CHARS or storable(channel.id) != channel.id:
        return BAD_CHANNEL_ID  # the key each run replaces by: never cut or cleaned
    if isinstance(message, UndecodableMessage):
        return message.reason
    if not isinstance(message, dict):
        return "not_an_object"
    kind = message.get("type", "message")
    if kind != "message":
        return f"type:{shown(kind)}" if isinstance(kind, str) else "bad_type"
    ts = message.get("ts")
    if parse_ts(ts) is None:
        return "missing_or_bad_ts"
    if message_time(ts) is None:
        return "ts_out_of_range"
    subtype = message.get("subtype")
    if subtype is not None and not isinstance(subtype, str):
        return "bad_subtype"
    if subtype in message_filter.ignored_subtypes:
        return f"ignored_subtype:{shown(subtype)}"
    if subtype is not None and subtype not in CONTENT_SUBTYPES:
        return f"unknown_subtype:{shown(subtype)}"
    return None


def _kept_row(
    channel: SlackChannel, message: dict, users: Users, include_bots: bool, link_base: str | None
) -> tuple[dict[str, Any] | None, tuple[str, ...]]:
    """The row of a message `_skip_reason` let through, with its repairs, or (None, (why,)) for
    an excluded bot's or an empty one. `link_base` is the workspace URL permalinks start with."""
    repairs: list[str] = []
    ts, subtype = message["ts"], message.get("subtype")
    moment = ts_to_datetime(ts)  # a ts in range: _skip_reason checked it
    user_id = _field(message, "user", str, repairs)
    bot_id = _field(message, "bot_id", str, repairs)
    is_bot = (
        bool(bot_id)
        or subtype == "bot_message"
        or bool(user_id and users.get(user_id, _UNKNOWN_USER).is_bot)
    )
    if is_bot and not include_bots:
        return None, ("bot_excluded",)

    text = _field(message, "text", str, repairs) or ""
    blocks = _field(message, "blocks", (list, dict), repairs)
    files = _field(message, "files", list, repairs) or []
    attachments = _field(message, "attachments", list, repairs) or []
    blocks_text = blocks_to_text(blocks) if blocks else ""
    if not text and not blocks_text and not files and not attachments:
        return None, ("empty",)
    raw_thread_ts = message.get("thread_ts")
    thread_ts = raw_thread_ts if parse_ts(raw_thread_ts) else None
    if raw_thread_ts is not None and thread_ts is None:
        repairs.append("bad_field:thread_ts")
    edited = _field(message, "edited", dict, repairs) or {}
    user_name, real_name = _author(message, users, user_id, repairs)
    reactions = _reactions(_field(message, "reactions", list, repairs) or [])
    reply_count = _field(message, "reply_count", int, repairs)
    row = {
        "channel_id": channel.id,
        "ts": ts,
        "partition_hour": hour_floor(moment),
        "message_time": moment,
        "channel_name": channel.name,
        "user_id": user_id,
        "user_name": user_name,
        "user_real_name": real_name,
        "bot_id": bot_id,
        "is_bot": is_bot,
        "subtype": subtype,
        "text": text or blocks_text,
        "blocks_text": blocks_text or None,
        "mentions": _mentions((text, blocks_text), users),
        "thread_ts": thread_ts,
        "is_thread_reply": bool(thread_ts and thread_ts != ts),
        "reply_count": min(MAX_COUNT, max(0, reply_count or 0)),
        "reactions": reactions,
        "reaction_count": min(MAX_COUNT, sum(reactions.values())),
        "attachment_count": len(attachments),
        "link_previews": link_previews(attachments, repairs) or None,
        "file_count": len(files),
        "permalink": permalink_for(link_base, channel.id, ts, thread_ts) or None,
        "edited_ts": edited.get("ts") if parse_ts(edited.get("ts")) else None,
        "edited_by": _text_of(edited, "user"),
    }
    row = _storable_row(row, repairs)
    return row, tuple(repairs)
