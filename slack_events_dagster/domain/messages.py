"""Slack message payloads (export or Web API) to `raw_slack_messages` rows: one shape for both."""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

TS_PATTERN = re.compile(r"^\d{1,12}\.\d{1,6}$")
USER_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")

# Subtypes that carry a person's (or a bot's) words. Anything else that is not explicitly ignored
# is unknown to us: skipped and counted, so a new Slack subtype is visible instead of silently kept.
CONTENT_SUBTYPES = frozenset(
    {"bot_message", "thread_broadcast", "me_message", "file_share", "slackbot_response"}
)


@dataclass(frozen=True)
class SlackUser:
    id: str
    name: str
    real_name: str | None = None
    is_bot: bool = False
    deleted: bool = False


_UNKNOWN_USER = SlackUser("", "")


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
    """Skipped-and-why counts for run metadata."""

    counts: dict[str, int] = field(default_factory=dict)

    def add(self, reason: str, amount: int = 1) -> None:
        self.counts[reason] = self.counts.get(reason, 0) + amount

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def user_from_payload(payload: Mapping[str, Any]) -> SlackUser | None:
    """A `users.json` / `users.info` entry; None when it has no id."""
    user_id = payload.get("id")
    if not isinstance(user_id, str) or not user_id:
        return None
    profile = payload.get("profile") or {}
    display = profile.get("display_name") or profile.get("real_name") or payload.get("real_name")
    return SlackUser(
        id=user_id,
        name=display or payload.get("name") or user_id,
        real_name=profile.get("real_name") or payload.get("real_name"),
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


def blocks_to_text(blocks: Any) -> str:
    """Plain text of Block Kit blocks (rich_text, section, header, context), Slack markup kept."""
    parts: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
            return
        if not isinstance(node, dict):
            return
        kind = node.get("type")
        text = node.get("text")
        if kind in TEXT_KINDS:
            if isinstance(text, str):
                parts.append(text)
        elif kind == "link" and node.get("url"):
            parts.append(f"<{node['url']}|{text}>" if text else f"<{node['url']}>")
        elif kind == "user" and node.get("user_id"):
            parts.append(f"<@{node['user_id']}>")
        elif kind == "channel" and node.get("channel_id"):
            parts.append(f"<#{node['channel_id']}>")
        elif kind == "emoji" and node.get("name"):
            parts.append(f":{node['name']}:")
        elif kind == "broadcast" and node.get("range"):
            parts.append(f"<!{node['range']}>")
        # Children in the order "elements", "text", "fields" (rich text, section, section).
        elements = node.get("elements")
        if isinstance(elements, (list, dict)):
            walk(elements)
        if isinstance(text, (list, dict)):
            walk(text)
        fields = node.get("fields")
        if isinstance(fields, (list, dict)):
            walk(fields)
        if kind in LINE_KINDS:
            parts.append("\n")

    walk(blocks)
    return "".join(parts).strip()


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
    message: Mapping[str, Any], users: Mapping[str, SlackUser]
) -> tuple[str | None, str | None]:
    user_id = message.get("user")
    if isinstance(user_id, str) and user_id in users:
        user = users[user_id]
        return user.name, user.real_name
    profile = message.get("user_profile") or {}
    bot_profile = message.get("bot_profile") or {}
    name = (
        profile.get("display_name")
        or profile.get("real_name")
        or message.get("username")
        or bot_profile.get("name")
        or (user_id if isinstance(user_id, str) else None)
    )
    return name, profile.get("real_name")


def _mentions(texts: Iterable[str], users: Mapping[str, SlackUser]) -> dict[str, str]:
    found: dict[str, str] = {}
    for text in texts:
        for user_id in USER_MENTION.findall(text):
            found[user_id] = users[user_id].name if user_id in users else user_id
    return dict(sorted(found.items()))


def _reactions(message: Mapping[str, Any]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for reaction in message.get("reactions") or []:
        if isinstance(reaction, dict) and isinstance(reaction.get("name"), str):
            count = reaction.get("count")
            if not isinstance(count, int):
                count = len(reaction.get("users") or [])
            counts[reaction["name"]] = counts.get(reaction["name"], 0) + count
    return dict(sorted(counts.items()))


def message_row(
    channel: SlackChannel,
    message: Any,
    users: Mapping[str, SlackUser],
    message_filter: MessageFilter,
    workspace_url: str | None = None,
) -> tuple[dict[str, Any] | None, str | None]:
    """A `raw_slack_messages` row, or (None, reason) for a payload we skip."""
    if not isinstance(message, dict):
        return None, "not_an_object"
    if message.get("type", "message") != "message":
        return None, f"type:{message.get('type')}"
    ts = message.get("ts")
    if parse_ts(ts) is None:
        return None, "missing_or_bad_ts"
    subtype = message.get("subtype")
    if subtype is not None and not isinstance(subtype, str):
        return None, "bad_subtype"
    if subtype in message_filter.ignored_subtypes:
        return None, f"ignored_subtype:{subtype}"
    if subtype is not None and subtype not in CONTENT_SUBTYPES:
        return None, f"unknown_subtype:{subtype}"
    user, bot = message.get("user"), message.get("bot_id")
    user_id = user if isinstance(user, str) else None
    bot_id = bot if isinstance(bot, str) else None
    is_bot = (
        bool(bot_id)
        or subtype == "bot_message"
        or bool(user_id and users.get(user_id, _UNKNOWN_USER).is_bot)
    )
    if is_bot and not message_filter.include_bots:
        return None, "bot_excluded"

    raw_text, blocks = message.get("text"), message.get("blocks")
    files, attachments = message.get("files"), message.get("attachments")
    text = raw_text if isinstance(raw_text, str) else ""
    blocks_text = blocks_to_text(blocks) if blocks else ""
    if not text and not blocks_text and not files and not attachments:
        return None, "empty"
    raw_thread_ts, raw_edited = message.get("thread_ts"), message.get("edited")
    thread_ts = raw_thread_ts if parse_ts(raw_thread_ts) else None
    edited = raw_edited if isinstance(raw_edited, dict) else {}
    user_name, real_name = _author(message, users)
    reactions = _reactions(message)
    moment = ts_to_datetime(ts)
    reply_count = message.get("reply_count")
    return {
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
        "reply_count": reply_count if isinstance(reply_count, int) and reply_count >= 0 else 0,
        "reactions": reactions,
        "reaction_count": sum(reactions.values()),
        "attachment_count": len(attachments or []),
        "file_count": len(files or []),
        "permalink": permalink_for(workspace_url, channel.id, ts, thread_ts) or None,
        "edited_ts": edited.get("ts") if parse_ts(edited.get("ts")) else None,
        "edited_by": edited.get("user") if isinstance(edited.get("user"), str) else None,
    }, None
