"""Generate a deterministic, fictional Slack workspace export for the "Acme" payments team.

Run from the repository root::

    python sample_data/generate_sample_export.py

The script deletes and recreates ``sample_data/slack_export/`` next to this file. It uses
only the standard library, a fixed random seed and no wall-clock time, so every run
produces byte-identical output. Hand-written "scripted" messages (including the planted
facts documented in ``sample_data/README.md``) get timestamps derived from their content,
so tweaking the generated filler noise never moves them.
"""

from __future__ import annotations

import hashlib
import html
import json
import random
import re
import shutil
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

SEED = 20261118
YEAR = 2026
DAYS = ["11-18", "11-19", "11-20", "11-21", "11-22", "11-23", "11-24"]
WEEKEND = {"11-21", "11-22"}
TEAM_ID = "T0A1ACME001"
MIN_MESSAGES, MAX_MESSAGES = 300, 450

OUT_DIR = Path(__file__).resolve().parent / "slack_export"

Message = dict[str, Any]

# --------------------------------------------------------------------------- users


@dataclass(frozen=True)
class Person:
    """A workspace member (human or bot user)."""

    id: str
    name: str
    real_name: str
    display_name: str
    title: str
    tz: str
    deleted: bool = False
    bot_id: str | None = None


TIMEZONES: dict[str, tuple[str, int]] = {
    "Europe/Berlin": ("Central European Time", 3600),
    "Europe/London": ("Greenwich Mean Time", 0),
    "Europe/Madrid": ("Central European Time", 3600),
    "Europe/Warsaw": ("Central European Time", 3600),
    "Europe/Oslo": ("Central European Time", 3600),
    "Africa/Lagos": ("West Africa Standard Time", 3600),
    "America/New_York": ("Eastern Standard Time", -18000),
    "Asia/Kolkata": ("India Standard Time", 19800),
}

MAYA = "U0A1USR0001"
TOMAS = "U0A1USR0002"
PRIYA = "U0A1USR0003"
LUKAS = "U0A1USR0004"
SOFIA = "U0A1USR0005"
DANIEL = "U0A1USR0006"
AISHA = "U0A1USR0007"
JONAS = "U0A1USR0008"
EMMA = "U0A1USR0009"
RAJ = "U0A1USR0010"
OLIVER = "U0A1USR0011"
NINA = "U0A1USR0012"
DEPLOYBOT = "U0A1BOT0001"
PAGERBOT = "U0A1BOT0002"

PEOPLE: list[Person] = [
    Person(MAYA, "maya.chen", "Maya Chen", "maya", "Release Manager", "Europe/Berlin"),
    Person(TOMAS, "tomas.okafor", "Tomas Okafor", "tomas", "Backend Engineer", "Europe/London"),
    Person(PRIYA, "priya.raman", "Priya Raman", "priya", "Product Manager", "Europe/London"),
    Person(LUKAS, "lukas.brandt", "Lukas Brandt", "lukas.b", "SRE", "Europe/Berlin"),
    Person(SOFIA, "sofia.alvarez", "Sofia Alvarez", "sofi", "Frontend Engineer", "Europe/Madrid"),
    Person(DANIEL, "daniel.kim", "Daniel Kim", "dk", "Engineering Manager", "America/New_York"),
    Person(AISHA, "aisha.bello", "Aisha Bello", "aisha", "QA Lead", "Africa/Lagos"),
    Person(JONAS, "jonas.weber", "Jonas Weber", "jonas", "Database Engineer", "Europe/Berlin"),
    Person(EMMA, "emma.larsen", "Emma Larsen", "emma", "Product Designer", "Europe/Oslo"),
    Person(RAJ, "raj.patel", "Raj Patel", "", "Support Operations", "Asia/Kolkata"),
    Person(
        OLIVER,
        "oliver.grant",
        "Oliver Grant",
        "oli",
        "Backend Engineer",
        "Europe/London",
        deleted=True,
    ),
    Person(NINA, "nina.kowalski", "Nina Kowalski", "nina", "Backend Engineer", "Europe/Warsaw"),
    Person(
        DEPLOYBOT,
        "deploybot",
        "deploybot",
        "deploybot",
        "",
        "America/New_York",
        bot_id="B0A1DEPLOY1",
    ),
    Person(
        PAGERBOT,
        "pagerbot",
        "pagerbot",
        "pagerbot",
        "",
        "America/New_York",
        bot_id="B0A1PAGER01",
    ),
]
BY_ID: dict[str, Person] = {p.id: p for p in PEOPLE}


def avatar_hash(user_id: str) -> str:
    """Stable fake avatar hash for a user."""
    return hashlib.sha256(f"avatar:{user_id}".encode()).hexdigest()[:12]


def user_record(person: Person) -> dict[str, Any]:
    """Render a ``users.json`` entry."""
    tz_label, tz_offset = TIMEZONES[person.tz]
    first, _, last = person.real_name.partition(" ")
    profile: dict[str, Any] = {
        "title": person.title,
        "phone": "",
        "skype": "",
        "real_name": person.real_name,
        "real_name_normalized": person.real_name,
        "display_name": person.display_name,
        "display_name_normalized": person.display_name,
        "status_text": "",
        "status_emoji": "",
        "avatar_hash": avatar_hash(person.id),
        "first_name": first,
        "last_name": last,
        "team": TEAM_ID,
    }
    if person.bot_id:
        profile["bot_id"] = person.bot_id
        profile["always_active"] = True
    else:
        profile["email"] = f"{person.name}@acme-payments.example"
    return {
        "id": person.id,
        "team_id": TEAM_ID,
        "name": person.name,
        "deleted": person.deleted,
        "color": hashlib.sha256(person.id.encode()).hexdigest()[:6],
        "real_name": person.real_name,
        "tz": person.tz,
        "tz_label": tz_label,
        "tz_offset": tz_offset,
        "profile": profile,
        "is_admin": person.id == DANIEL,
        "is_owner": False,
        "is_primary_owner": False,
        "is_restricted": False,
        "is_ultra_restricted": False,
        "is_bot": person.bot_id is not None,
        "is_app_user": False,
        "updated": 1794700000 + int(person.id[-3:]) * 3600,
    }


# ------------------------------------------------------------------------ channels


@dataclass(frozen=True)
class Channel:
    """A public channel and its static metadata."""

    id: str
    name: str
    created: int
    creator: str
    members: tuple[str, ...]
    topic: str
    purpose: str
    is_general: bool = False


RELEASES = "releases"
INCIDENTS = "incidents"
ENGINEERING = "engineering"
RANDOM = "random"
LAUNCHES = "product-launches"

CHANNELS: list[Channel] = [
    Channel(
        "C0A1REL0001",
        RELEASES,
        1709200000,
        MAYA,
        (MAYA, TOMAS, LUKAS, SOFIA, DANIEL, AISHA, JONAS, NINA, DEPLOYBOT),
        "Release train: Tue/Thu. Checklist pinned.",
        "Release announcements, deploy notifications and release coordination.",
    ),
    Channel(
        "C0A1INC0001",
        INCIDENTS,
        1709300000,
        LUKAS,
        (TOMAS, LUKAS, DANIEL, JONAS, RAJ, PAGERBOT),
        "Declare with SEV1-SEV4. Status page: status.acme-payments.example",
        "Production incidents, alerts and maintenance windows.",
    ),
    Channel(
        "C0A1ENG0001",
        ENGINEERING,
        1709100000,
        DANIEL,
        (MAYA, TOMAS, LUKAS, SOFIA, DANIEL, AISHA, JONAS, EMMA, NINA),
        "Sprint 47 | on-call: see #incidents",
        "Engineering-wide discussion, reviews and planning.",
    ),
    Channel(
        "C0A1RND0001",
        RANDOM,
        1709000000,
        DANIEL,
        (MAYA, TOMAS, PRIYA, LUKAS, SOFIA, DANIEL, AISHA, JONAS, EMMA, RAJ, NINA),
        "",
        "Non-work banter and water cooler conversation.",
        is_general=False,
    ),
    Channel(
        "C0A1LCH0001",
        LAUNCHES,
        1731400000,
        PRIYA,
        (MAYA, PRIYA, SOFIA, DANIEL, EMMA, RAJ),
        "Q4: checkout redesign, Instant Payouts, Apple Pay",
        "Customer-facing product launches and go-to-market coordination.",
    ),
]
CHANNEL_BY_NAME: dict[str, Channel] = {c.name: c for c in CHANNELS}


def channel_record(channel: Channel) -> dict[str, Any]:
    """Render a ``channels.json`` entry."""
    return {
        "id": channel.id,
        "name": channel.name,
        "created": channel.created,
        "creator": channel.creator,
        "is_archived": False,
        "is_general": channel.is_general,
        "members": list(channel.members),
        "topic": {
            "value": channel.topic,
            "creator": channel.creator if channel.topic else "",
            "last_set": channel.created + 86400 * 30 if channel.topic else 0,
        },
        "purpose": {
            "value": channel.purpose,
            "creator": channel.creator,
            "last_set": channel.created,
        },
    }


# ------------------------------------------------------------------ markup helpers


def mention(user_id: str) -> str:
    """Slack user mention markup."""
    return f"<@{user_id}>"


def chan(name: str) -> str:
    """Slack channel link markup."""
    return f"<#{CHANNEL_BY_NAME[name].id}|{name}>"


TOKEN_RE = re.compile(
    r"<@(?P<user>U[A-Z0-9]+)>"
    r"|<#(?P<chan>C[A-Z0-9]+)\|(?P<chan_name>[^>]*)>"
    r"|<!(?P<bcast>here|channel|everyone)>"
    r"|<(?P<url>https?://[^|>]+)(?:\|(?P<label>[^>]+))?>"
    r"|:(?P<emoji>\+1|-1|[a-z][a-z0-9_+\-]*):"
    r"|\*(?P<bold>[^*\n]+)\*"
    r"|`(?P<code>[^`\n]+)`"
)


def rich_text_elements(text: str) -> list[dict[str, Any]]:
    """Translate Slack mrkdwn text into ``rich_text_section`` elements."""
    elements: list[dict[str, Any]] = []
    pos = 0

    def plain(chunk: str) -> None:
        if chunk:
            elements.append({"type": "text", "text": html.unescape(chunk)})

    for match in TOKEN_RE.finditer(text):
        plain(text[pos : match.start()])
        pos = match.end()
        if match["user"]:
            elements.append({"type": "user", "user_id": match["user"]})
        elif match["chan"]:
            elements.append({"type": "channel", "channel_id": match["chan"]})
        elif match["bcast"]:
            elements.append({"type": "broadcast", "range": match["bcast"]})
        elif match["url"]:
            link: dict[str, Any] = {"type": "link", "url": match["url"]}
            if match["label"]:
                link["text"] = html.unescape(match["label"])
            elements.append(link)
        elif match["emoji"]:
            elements.append({"type": "emoji", "name": match["emoji"]})
        elif match["bold"]:
            elements.append(
                {"type": "text", "text": html.unescape(match["bold"]), "style": {"bold": True}}
            )
        else:
            elements.append(
                {"type": "text", "text": html.unescape(match["code"]), "style": {"code": True}}
            )
    plain(text[pos:])
    return elements


def rich_text_blocks(text: str, ts: str) -> list[dict[str, Any]]:
    """Blocks a modern Slack client attaches to a message, mirroring its text."""
    return [
        {
            "type": "rich_text",
            "block_id": hashlib.sha256(f"block:{ts}".encode()).hexdigest()[:5],
            "elements": [{"type": "rich_text_section", "elements": rich_text_elements(text)}],
        }
    ]


def user_profile(user_id: str) -> dict[str, Any]:
    """The ``user_profile`` snapshot Slack embeds in human messages."""
    person = BY_ID[user_id]
    return {
        "avatar_hash": avatar_hash(user_id),
        "first_name": person.real_name.split(" ")[0],
        "real_name": person.real_name,
        "display_name": person.display_name,
        "team": TEAM_ID,
        "name": person.name,
        "is_restricted": False,
        "is_ultra_restricted": False,
    }


def github_unfurl(url: str, title: str, body: str) -> dict[str, Any]:
    """Link-unfurl attachment for a GitHub pull request."""
    repo = url.split("/")[4]
    return {
        "id": 1,
        "color": "24292f",
        "fallback": f"[acme/{repo}] {title}",
        "title": title,
        "title_link": url,
        "text": body,
        "from_url": url,
        "original_url": url,
        "service_name": "GitHub",
    }


def file_object(owner: str, epoch: int, name: str, mimetype: str, size: int) -> dict[str, Any]:
    """A shared-file entry as it appears in a message's ``files`` list."""
    file_id = "F0A1" + hashlib.sha256(f"file:{name}:{epoch}".encode()).hexdigest()[:7].upper()
    ext = name.rsplit(".", 1)[-1]
    return {
        "id": file_id,
        "created": epoch,
        "timestamp": epoch,
        "name": name,
        "title": name,
        "mimetype": mimetype,
        "filetype": ext,
        "pretty_type": ext.upper(),
        "user": owner,
        "size": size,
        "url_private": f"https://files.slack.com/files-pri/{TEAM_ID}-{file_id}/{name}",
        "permalink": f"https://acme-demo.slack.com/files/{owner}/{file_id}/{name}",
    }


# ---------------------------------------------------------------- export builder

KEY_ORDER = [
    "client_msg_id",
    "type",
    "subtype",
    "text",
    "user",
    "bot_id",
    "username",
    "ts",
    "edited",
    "blocks",
    "team",
    "user_team",
    "source_team",
    "user_profile",
    "bot_profile",
    "icons",
    "attachments",
    "files",
    "upload",
    "display_as_bot",
    "thread_ts",
    "reply_count",
    "reply_users_count",
    "latest_reply",
    "reply_users",
    "replies",
    "is_locked",
    "subscribed",
    "parent_user_id",
    "root",
    "reactions",
]
ROOT_KEYS = [
    "client_msg_id",
    "type",
    "text",
    "user",
    "ts",
    "blocks",
    "team",
    "thread_ts",
    "reply_count",
    "reply_users_count",
    "latest_reply",
    "reply_users",
    "is_locked",
    "subscribed",
]
BOT_PROFILES: dict[str, dict[str, Any]] = {
    "deploybot": {
        "id": "B0A1DEPLOY1",
        "app_id": "A0A1DEPLOY1",
        "name": "deploybot",
        "icons": {"emoji": ":rocket:"},
        "deleted": False,
        "updated": 1731500000,
        "team_id": TEAM_ID,
    },
    "pagerbot": {
        "id": "B0A1PAGER01",
        "app_id": "A0A1PAGER01",
        "name": "pagerbot",
        "icons": {"emoji": ":rotating_light:"},
        "deleted": False,
        "updated": 1731500000,
        "team_id": TEAM_ID,
        "user_id": PAGERBOT,
    },
}


def epoch_of(at: str) -> int:
    """Convert ``"MM-DD HH:MM:SS"`` (UTC, year 2026) to unix seconds."""
    parsed = datetime.strptime(f"{YEAR}-{at}", "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    return int(parsed.timestamp())


def ts_epoch(ts: str) -> int:
    """Whole seconds of a Slack ``ts`` string."""
    return int(ts.split(".")[0])


def ts_key(ts: str) -> tuple[int, int]:
    """Sort key for Slack ``ts`` strings."""
    seconds, micros = ts.split(".")
    return int(seconds), int(micros)


def stable_uuid(*parts: str) -> str:
    """Deterministic UUID4-shaped id derived from ``parts``."""
    digest = hashlib.sha256("|".join(parts).encode()).digest()[:16]
    return str(uuid.UUID(bytes=digest, version=4))


@dataclass
class Export:
    """Accumulates messages per channel and renders the export folder."""

    rng: random.Random
    messages: dict[str, list[Message]] = field(default_factory=lambda: defaultdict(list))
    used_ts: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    replies: dict[tuple[str, str], list[Message]] = field(default_factory=lambda: defaultdict(list))
    facts: list[tuple[str, str, Message]] = field(default_factory=list)
    edits: list[tuple[str, Message]] = field(default_factory=list)

    # -- timestamps -------------------------------------------------------------

    def new_ts(self, channel: str, epoch: int, salt: str) -> str:
        """Allocate a unique ``ts`` whose microseconds derive from ``salt``."""
        digest = hashlib.sha256(f"{channel}|{epoch}|{salt}".encode()).hexdigest()
        micros = int(digest[:8], 16) % 1_000_000
        ts = f"{epoch}.{micros:06d}"
        while ts in self.used_ts[channel]:
            micros = (micros + 1) % 1_000_000
            ts = f"{epoch}.{micros:06d}"
        self.used_ts[channel].add(ts)
        return ts

    # -- message constructors -----------------------------------------------------

    def post(
        self,
        channel: str,
        at: str | int,
        user: str,
        text: str,
        *,
        rich: bool = True,
        reactions: list[tuple[str, list[str]]] | None = None,
        edited_after: int | None = None,
        files: list[tuple[str, str, int]] | None = None,
        attachments: list[dict[str, Any]] | None = None,
        fact: str | None = None,
    ) -> Message:
        """Add a top-level human message. ``at`` is ``"MM-DD HH:MM:SS"`` or unix seconds."""
        epoch = epoch_of(at) if isinstance(at, str) else at
        ts = self.new_ts(channel, epoch, text)
        msg: Message = {"type": "message", "text": text, "user": user, "ts": ts}
        if rich:
            msg["client_msg_id"] = stable_uuid(channel, ts, user)
            msg["blocks"] = rich_text_blocks(text, ts)
        msg.update(
            team=TEAM_ID, user_team=TEAM_ID, source_team=TEAM_ID, user_profile=user_profile(user)
        )
        if edited_after is not None:
            edit_ts = self.new_ts(channel, epoch + edited_after, f"edit:{ts}")
            self.used_ts[channel].discard(edit_ts)
            msg["edited"] = {"user": user, "ts": edit_ts}
            self.edits.append((channel, msg))
        if files:
            msg["files"] = [file_object(user, epoch, n, m, s) for n, m, s in files]
            msg["upload"] = False
            msg["display_as_bot"] = False
        if attachments:
            msg["attachments"] = attachments
        if reactions is not None:
            msg["reactions"] = [
                {"name": name, "users": users, "count": len(users)} for name, users in reactions
            ]
        else:
            self.maybe_react(channel, msg, user, 0.18)
        self.messages[channel].append(msg)
        if fact:
            self.facts.append((fact, channel, msg))
        return msg

    def reply(
        self,
        channel: str,
        parent: Message,
        at: str | int,
        user: str,
        text: str,
        *,
        broadcast: bool = False,
        **kwargs: Any,
    ) -> Message:
        """Add a thread reply (optionally also broadcast to the channel)."""
        msg = self.post(channel, at, user, text, **kwargs)
        if ts_key(msg["ts"]) <= ts_key(parent["ts"]):
            raise ValueError(f"reply {msg['ts']} precedes parent {parent['ts']}")
        msg["thread_ts"] = parent["ts"]
        if broadcast:
            msg["subtype"] = "thread_broadcast"
        else:
            msg["parent_user_id"] = parent.get("user", "")
        self.replies[(channel, parent["ts"])].append(msg)
        return msg

    def bot(
        self,
        channel: str,
        at: str,
        username: str,
        text: str,
        attachments: list[dict[str, Any]] | None = None,
        fact: str | None = None,
    ) -> Message:
        """Add a ``bot_message`` from deploybot (no user) or pagerbot (bot user id)."""
        epoch = epoch_of(at)
        profile = BOT_PROFILES[username]
        msg: Message = {
            "type": "message",
            "subtype": "bot_message",
            "text": text,
            "ts": self.new_ts(channel, epoch, text),
            "bot_id": profile["id"],
            "username": username,
            "icons": profile["icons"],
        }
        if "user_id" in profile:
            msg["user"] = profile["user_id"]
            msg["bot_profile"] = profile
        if attachments:
            msg["attachments"] = attachments
        self.maybe_react(channel, msg, "", 0.15)
        self.messages[channel].append(msg)
        if fact:
            self.facts.append((fact, channel, msg))
        return msg

    def join(self, channel: str, at: str, user: str, fact: str | None = None) -> Message:
        """Add a ``channel_join`` system message."""
        msg: Message = {
            "type": "message",
            "subtype": "channel_join",
            "text": f"{mention(user)} has joined the channel",
            "user": user,
            "ts": self.new_ts(channel, epoch_of(at), f"join:{user}"),
        }
        self.messages[channel].append(msg)
        if fact:
            self.facts.append((fact, channel, msg))
        return msg

    def maybe_react(self, channel: str, msg: Message, author: str, prob: float) -> None:
        """Attach random reactions to roughly ``prob`` of messages."""
        if self.rng.random() >= prob:
            return
        humans = [m for m in CHANNEL_BY_NAME[channel].members if m != author and m in HUMAN_IDS]
        names = self.rng.sample(REACTION_EMOJI[channel], k=self.rng.choice([1, 1, 1, 2]))
        msg["reactions"] = []
        for name in names:
            users = self.rng.sample(humans, k=min(len(humans), self.rng.randint(1, 4)))
            msg["reactions"].append({"name": name, "users": users, "count": len(users)})

    # -- rendering --------------------------------------------------------------------

    def finalize(self) -> None:
        """Fill thread metadata on parents, broadcast roots, and canonical key order."""
        for (channel, parent_ts), replies in self.replies.items():
            parent = next(m for m in self.messages[channel] if m["ts"] == parent_ts)
            replies.sort(key=lambda m: ts_key(m["ts"]))
            reply_users: list[str] = []
            for reply in replies:
                if reply["user"] not in reply_users:
                    reply_users.append(reply["user"])
            parent.update(
                thread_ts=parent_ts,
                reply_count=len(replies),
                reply_users_count=len(reply_users),
                latest_reply=replies[-1]["ts"],
                reply_users=reply_users,
                replies=[{"user": r["user"], "ts": r["ts"]} for r in replies],
                is_locked=False,
                subscribed=False,
            )
        for channel, parent_ts in self.replies:
            parent = next(m for m in self.messages[channel] if m["ts"] == parent_ts)
            for reply in self.replies[(channel, parent_ts)]:
                if reply.get("subtype") == "thread_broadcast":
                    reply["root"] = {k: parent[k] for k in ROOT_KEYS if k in parent}
        for channel, msgs in self.messages.items():
            msgs.sort(key=lambda m: ts_key(m["ts"]))
            self.messages[channel] = [order_keys(m) for m in msgs]

    def write(self, out_dir: Path) -> list[Path]:
        """Delete and rewrite ``out_dir``; return the written files."""
        if out_dir.name != "slack_export":
            raise ValueError(f"refusing to delete unexpected directory {out_dir}")
        if out_dir.exists():
            shutil.rmtree(out_dir)
        out_dir.mkdir(parents=True)
        written = [
            dump_json(out_dir / "users.json", [user_record(p) for p in PEOPLE]),
            dump_json(out_dir / "channels.json", [channel_record(c) for c in CHANNELS]),
        ]
        for channel in CHANNELS:
            by_day: dict[str, list[Message]] = defaultdict(list)
            for msg in self.messages[channel.name]:
                by_day[day_of(msg["ts"])].append(msg)
            for day in sorted(by_day):
                written.append(dump_json(out_dir / channel.name / f"{day}.json", by_day[day]))
        return written


HUMAN_IDS = {p.id for p in PEOPLE if p.bot_id is None and not p.deleted}


def order_keys(msg: Message) -> Message:
    """Return ``msg`` with keys in the order Slack exports use."""
    ordered = {k: msg[k] for k in KEY_ORDER if k in msg}
    ordered.update({k: v for k, v in msg.items() if k not in ordered})
    return ordered


def day_of(ts: str) -> str:
    """UTC calendar day (``YYYY-MM-DD``) of a ``ts``."""
    return datetime.fromtimestamp(ts_epoch(ts), tz=UTC).strftime("%Y-%m-%d")


def hour_key(ts: str) -> str:
    """UTC hourly partition key (``YYYY-MM-DD-HH:00``) of a ``ts``."""
    return datetime.fromtimestamp(ts_epoch(ts), tz=UTC).strftime("%Y-%m-%d-%H:00")


def dump_json(path: Path, payload: Any) -> Path:
    """Write ``payload`` the way Slack does (2-space indent, UTF-8)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="\n") as fh:
        json.dump(payload, fh, indent=2, ensure_ascii=False)
        fh.write("\n")
    return path


# ----------------------------------------------------------------- bot attachments


def deploy_attachment(service: str, version: str, env: str, by: str, ok: bool = True) -> Message:
    """deploybot's summary attachment."""
    commit = hashlib.sha256(f"{service}{version}{env}".encode()).hexdigest()[:7]
    return {
        "id": 1,
        "color": "2eb886" if ok else "daa038",
        "fallback": f"{service} {version} to {env}",
        "fields": [
            {"title": "Service", "value": service, "short": True},
            {"title": "Version", "value": version, "short": True},
            {"title": "Environment", "value": env, "short": True},
            {
                "title": "Commit",
                "value": f"<https://github.com/acme/{service}/commit/{commit}|{commit}>",
                "short": True,
            },
            {"title": "Triggered by", "value": mention(by), "short": True},
        ],
        "footer": "deploybot | ArgoCD",
    }


def page_attachment(summary: str, triggered: bool, incident_no: int) -> Message:
    """pagerbot's alert attachment."""
    return {
        "id": 1,
        "color": "a30200" if triggered else "2eb886",
        "fallback": summary,
        "title": f"#{incident_no} {summary}",
        "title_link": f"https://acme.pagerduty.example/incidents/Q{incident_no}",
        "footer": "pagerbot",
    }


# --------------------------------------------------------------- scripted content

PR = "https://github.com/acme/payments-api/pull"
RCA_URL = "https://docs.google.com/document/d/1AbCdEfGhIjK/edit"


def scripted(ex: Export) -> None:
    """Hand-written conversations, including every planted fact."""
    day_18(ex)
    day_19(ex)
    day_20(ex)
    weekend(ex)
    day_23(ex)
    day_24(ex)


def day_18(ex: Export) -> None:
    """Wednesday 2026-11-18."""
    train = ex.post(
        RELEASES,
        "11-18 08:12:40",
        MAYA,
        "Release train this week: *payments-api v2.13.2* goes out tomorrow 08:30 UTC, "
        "*webhooks-worker v1.8.0* on Friday. Tracking in PAY-2198, checklist: "
        "<https://acme.atlassian.net/wiki/spaces/REL/pages/70012/Release+checklist"
        "|release checklist>",
        reactions=[("+1", [TOMAS, AISHA]), ("train", [LUKAS])],
    )
    ex.reply(RELEASES, train, "11-18 08:40:11", AISHA, "QA for v2.13.2 is done :white_check_mark:")
    ex.reply(
        RELEASES,
        train,
        "11-18 09:02:57",
        TOMAS,
        "webhooks-worker still needs <https://github.com/acme/webhooks-worker/pull/233|PR #233>,"
        " will merge today",
    )
    ex.reply(RELEASES, train, "11-18 09:05:30", MAYA, "thanks!", rich=False)

    freeze = ex.post(
        ENGINEERING,
        "11-18 09:31:18",
        DANIEL,
        "<!here> heads up: code freeze starts next Friday. Only fixes for PAY-tagged blockers "
        f"after that, ask {mention(MAYA)} for exceptions.",
        reactions=[("eyes", [SOFIA, TOMAS, JONAS]), ("snowflake", [MAYA])],
        fact="4b",
    )
    ex.reply(
        ENGINEERING,
        freeze,
        "11-18 09:40:02",
        SOFIA,
        "does that include the checkout redesign branch?",
    )
    ex.reply(
        ENGINEERING,
        freeze,
        "11-18 09:45:49",
        DANIEL,
        "yes, anything not merged by then waits until after the freeze",
    )
    ex.reply(
        ENGINEERING,
        freeze,
        "11-18 10:05:21",
        MAYA,
        f"I'll post the exact freeze window in {chan(RELEASES)}",
        broadcast=True,
    )
    ex.post(
        ENGINEERING,
        "11-18 10:15:03",
        OLIVER,
        f"handing over the fraud-rules service to {mention(TOMAS)} before I leave, notes are in "
        "<https://acme.atlassian.net/wiki/spaces/ENG/pages/66001/fraud-rules+handover"
        "|handover doc>. It's been fun &amp; thanks for everything :wave:",
        reactions=[("pray", [TOMAS, DANIEL]), ("heart", [MAYA, SOFIA, JONAS, AISHA])],
    )
    ex.post(
        ENGINEERING,
        "11-18 14:20:36",
        JONAS,
        "Design review for the ledger v2 partitioning on Monday at 10:00 UTC, doc: "
        "<https://docs.google.com/document/d/1LedgerV2Part/edit|ledger v2 design>. "
        "Comments welcome before then",
        files=[("ledger-v2-partitioning.pdf", "application/pdf", 482113)],
    )

    ex.bot(
        INCIDENTS,
        "11-18 10:48:05",
        "pagerbot",
        "[TRIGGERED] webhooks-worker queue depth &gt; 5000 (eu-west-1)",
        [page_attachment("webhooks-worker queue depth &gt; 5000 (eu-west-1)", True, 8807)],
    )
    sev3 = ex.post(
        INCIDENTS,
        "11-18 10:52:44",
        LUKAS,
        "SEV3: delayed webhook deliveries, backlog draining. No customer impact beyond ~15 min "
        "delay.",
    )
    ex.reply(
        INCIDENTS,
        sev3,
        "11-18 11:05:12",
        TOMAS,
        "consumer pool was scaled down by the autoscaler, bumped min replicas to 6",
    )
    ex.bot(
        INCIDENTS,
        "11-18 11:20:31",
        "pagerbot",
        "[RESOLVED] webhooks-worker queue depth &gt; 5000 (eu-west-1)",
        [page_attachment("webhooks-worker queue depth &gt; 5000 (eu-west-1)", False, 8807)],
    )
    ex.reply(
        INCIDENTS,
        sev3,
        "11-18 11:21:09",
        LUKAS,
        "backlog cleared, closing this out. Follow-up in OPS-398",
    )

    ex.join(LAUNCHES, "11-18 08:50:00", EMMA, fact="6c")
    ex.post(
        LAUNCHES,
        "11-18 11:30:27",
        PRIYA,
        "Kicking off this channel for Q4 launches :wave: Tracker: "
        "<https://acme.atlassian.net/jira/software/projects/LAUNCH/boards/12|LAUNCH board>",
        reactions=[("wave", [EMMA, SOFIA, RAJ])],
    )


def day_19(ex: Export) -> None:
    """Thursday 2026-11-19."""
    ex.bot(
        RELEASES,
        "11-19 08:31:12",
        "deploybot",
        "Deployed payments-api v2.13.2 to prod",
        [deploy_attachment("payments-api", "v2.13.2", "prod", MAYA)],
        fact="6b",
    )
    ex.post(
        RELEASES,
        "11-19 08:45:03",
        MAYA,
        f"v2.13.2 is live :tada: includes the refund rounding fix from <{PR}/498|PR #498>",
        reactions=[("tada", [TOMAS, AISHA, SOFIA])],
        attachments=[
            github_unfurl(f"{PR}/498", "Fix refund rounding for JPY #498", "Closes PAY-2187")
        ],
    )

    retro = ex.post(
        ENGINEERING,
        "11-19 10:05:37",
        DANIEL,
        "Sprint 47 retro tomorrow at 15:00 UTC, Zoom: <https://acme.zoom.us/j/91234567890>. "
        "Add your notes to the board beforehand :pray:",
        reactions=[("+1", [AISHA, SOFIA])],
        fact="4a",
    )
    ex.reply(ENGINEERING, retro, "11-19 10:31:55", AISHA, "added a few items already")
    ex.reply(
        ENGINEERING,
        retro,
        "11-20 08:05:14",
        MAYA,
        "reminder: retro today, board is here <https://miro.com/app/board/uXjVAcme47=/|Miro>",
    )
    slow = ex.post(
        ENGINEERING,
        "11-19 16:40:22",
        TOMAS,
        "anyone know why payments-api p99 jumped after v2.13.2? seeing 450ms on `/v1/charges`",
    )
    ex.reply(ENGINEERING, slow, "11-19 16:55:40", LUKAS, "looking :eyes:")
    ex.reply(
        ENGINEERING,
        slow,
        "11-19 17:10:08",
        JONAS,
        "could be the new index on charges, EXPLAIN looks off",
    )
    ex.reply(
        ENGINEERING,
        slow,
        "11-20 07:48:31",
        TOMAS,
        "still there this morning, opened PAY-2240",
    )

    launch = ex.post(
        LAUNCHES,
        "11-19 10:22:16",
        PRIYA,
        "Checkout redesign launch planned for December 1st (LAUNCH-88). Design sign-off is done,"
        " eng is finishing the last A/B hooks.",
        reactions=[("rocket", [EMMA, SOFIA, DANIEL]), ("tada", [MAYA])],
        fact="2a",
    )
    ex.reply(
        LAUNCHES,
        launch,
        "11-19 10:30:48",
        EMMA,
        "final assets are in Figma <https://www.figma.com/file/Acme4Checkout/Checkout-redesign"
        "|Figma>",
    )
    ex.reply(
        LAUNCHES,
        launch,
        "11-19 11:02:19",
        SOFIA,
        "frontend is feature-complete behind the `checkout_v2` flag",
    )
    ex.post(
        LAUNCHES,
        "11-19 15:10:44",
        PRIYA,
        "Launch readiness review for Instant Payouts beta: Monday 16:00 UTC, Meet "
        "<https://meet.google.com/xkq-pnrd-tvw>",
    )


def day_20(ex: Export) -> None:
    """Friday 2026-11-20: the SEV2 incident."""
    ex.bot(
        INCIDENTS,
        "11-20 13:17:02",
        "pagerbot",
        "[TRIGGERED] payments-api 5xx rate &gt; 2% (eu-west-1)",
        [page_attachment("payments-api 5xx rate &gt; 2% (eu-west-1)", True, 8812)],
    )
    sev2 = ex.post(
        INCIDENTS,
        "11-20 13:21:33",
        LUKAS,
        ":rotating_light: SEV2: elevated 5xx on payments-api in eu-west-1, investigating. "
        f"I'm IC, {mention(RAJ)} on comms.",
        reactions=[("eyes", [TOMAS, JONAS, DANIEL]), ("rotating_light", [RAJ])],
        fact="3",
    )
    ex.reply(
        INCIDENTS,
        sev2,
        "11-20 13:26:50",
        TOMAS,
        "errors are all on `/v1/charges`, looks like DB connection timeouts",
        files=[("grafana-5xx-eu-west-1.png", "image/png", 184220)],
    )
    ex.reply(
        INCIDENTS,
        sev2,
        "11-20 13:34:18",
        JONAS,
        "connection pool on payments-db is saturated, the new query from PAY-2240 is doing a "
        "seq scan",
    )
    ex.reply(
        INCIDENTS,
        sev2,
        "11-20 13:48:05",
        RAJ,
        "status page updated: <https://status.acme-payments.example/incidents/8812|status page>."
        " ~4% of EU checkouts failing",
    )
    ex.reply(INCIDENTS, sev2, "11-20 14:06:27", LUKAS, "rolling back payments-api to v2.13.1")
    ex.reply(
        INCIDENTS,
        sev2,
        "11-20 14:19:42",
        LUKAS,
        "Mitigated: rolled back to v2.13.1, 5xx rate back under 0.1% :white_check_mark:",
        broadcast=True,
        fact="6d",
    )
    ex.reply(
        INCIDENTS, sev2, "11-20 14:41:13", JONAS, "dropped the bad index, DB load back to normal"
    )
    ex.bot(
        INCIDENTS,
        "11-20 14:52:08",
        "pagerbot",
        "[RESOLVED] payments-api 5xx rate &gt; 2% (eu-west-1)",
        [page_attachment("payments-api 5xx rate &gt; 2% (eu-west-1)", False, 8812)],
    )
    ex.reply(
        INCIDENTS,
        sev2,
        "11-20 15:04:36",
        LUKAS,
        f"Resolved at 14:52 UTC, RCA doc to follow: <{RCA_URL}|RCA>",
        reactions=[("pray", [RAJ, TOMAS, DANIEL, JONAS])],
        fact="3r",
    )

    ex.bot(
        RELEASES,
        "11-20 11:02:40",
        "deploybot",
        "Deployed webhooks-worker v1.8.0 to staging",
        [deploy_attachment("webhooks-worker", "v1.8.0", "staging", TOMAS)],
    )
    ex.bot(
        RELEASES,
        "11-20 14:09:55",
        "deploybot",
        "Deployed payments-api v2.13.1 to prod (rollback)",
        [deploy_attachment("payments-api", "v2.13.1", "prod", LUKAS, ok=False)],
    )
    ex.post(
        RELEASES,
        "11-20 16:30:19",
        MAYA,
        "webhooks-worker v1.8.0 prod deploy postponed to Monday because of today's incident. "
        "payments-api v2.13.3 with the fix for PAY-2240 also goes out Monday 10:00 UTC.",
        edited_after=240,
        reactions=[("+1", [TOMAS, LUKAS])],
        fact="6a",
    )

    ex.post(
        ENGINEERING,
        "11-20 12:10:51",
        DANIEL,
        "Company all-hands next Friday 16:00 CET, agenda: "
        "<https://docs.google.com/document/d/1AllHandsQ4Acme/edit|agenda>. Questions for the "
        "AMA go in the doc.",
    )
    ex.post(
        ENGINEERING,
        "11-20 16:20:07",
        DANIEL,
        "thanks all for the retro :pray: action items are PAY-2245 and PAY-2246",
    )

    ex.post(
        LAUNCHES,
        "11-20 09:40:29",
        PRIYA,
        "Instant Payouts beta opens to the first 50 merchants on Tuesday Nov 24 (LAUNCH-90) "
        ":money_with_wings:",
        reactions=[("money_with_wings", [RAJ, EMMA])],
    )


def weekend(ex: Export) -> None:
    """Saturday/Sunday 2026-11-21/22: a quiet overnight page."""
    disk = ex.bot(
        INCIDENTS,
        "11-21 03:12:26",
        "pagerbot",
        "[TRIGGERED] disk usage &gt; 85% on ledger-db-replica-2",
        [page_attachment("disk usage &gt; 85% on ledger-db-replica-2", True, 8815)],
    )
    ex.reply(INCIDENTS, disk, "11-21 03:25:10", JONAS, "ack, expanding the volume")
    ex.bot(
        INCIDENTS,
        "11-21 03:58:44",
        "pagerbot",
        "[RESOLVED] disk usage &gt; 85% on ledger-db-replica-2",
        [page_attachment("disk usage &gt; 85% on ledger-db-replica-2", False, 8815)],
    )
    ex.reply(INCIDENTS, disk, "11-21 04:02:51", JONAS, "volume resized to 2 TB, all good")


def day_23(ex: Export) -> None:
    """Monday 2026-11-23: the v2.14.0 announcement in two channels."""
    ex.join(RELEASES, "11-23 08:55:12", NINA)
    ex.join(ENGINEERING, "11-23 08:56:03", NINA)
    ex.join(RANDOM, "11-23 08:57:40", NINA)
    ex.post(
        RANDOM,
        "11-23 09:03:18",
        DANIEL,
        f"everyone please welcome {mention(NINA)} :wave:",
        reactions=[("wave", [MAYA, SOFIA, TOMAS, EMMA]), ("tada", [AISHA, RAJ])],
    )

    rel = ex.post(
        RELEASES,
        "11-23 09:14:07",
        MAYA,
        ":rocket: Release *payments-api v2.14.0* is scheduled for Thursday Nov 26 at 14:00 UTC. "
        f"Changelog: <{PR}/512|PR #512>, tracking PAY-2231",
        reactions=[("rocket", [TOMAS, SOFIA, AISHA, DANIEL]), ("+1", [LUKAS])],
        attachments=[
            github_unfurl(f"{PR}/512", "Release v2.14.0 #512", "Changelog and version bump")
        ],
        fact="1a",
    )
    ex.reply(
        RELEASES,
        rel,
        "11-23 09:30:55",
        AISHA,
        "QA plan for v2.14.0 is in PAY-2232, regression run starts Wednesday",
    )
    ex.reply(
        RELEASES,
        rel,
        "11-23 10:02:14",
        TOMAS,
        "anything else that needs to land should be merged by Wednesday 12:00 UTC then?",
    )
    ex.reply(RELEASES, rel, "11-23 10:05:48", MAYA, "yes please :pray:")
    ex.bot(
        RELEASES,
        "11-23 10:03:20",
        "deploybot",
        "Deployed payments-api v2.13.3 to prod",
        [deploy_attachment("payments-api", "v2.13.3", "prod", MAYA)],
    )
    ex.bot(
        RELEASES,
        "11-23 10:41:37",
        "deploybot",
        "Deployed webhooks-worker v1.8.0 to prod",
        [deploy_attachment("webhooks-worker", "v1.8.0", "prod", TOMAS)],
    )

    ex.post(
        ENGINEERING,
        "11-23 11:05:26",
        JONAS,
        "notes from the ledger v2 design review are in the doc, migration PAY-2250 planned in "
        "two weeks",
    )
    eng = ex.post(
        ENGINEERING,
        "11-23 11:37:42",
        MAYA,
        "Heads up <!here>: payments-api v2.14.0 ships Thu Nov 26, 14:00 UTC (PAY-2231). "
        "Please finish merges before then.",
        reactions=[("eyes", [SOFIA, JONAS, NINA])],
        fact="1b",
    )
    ex.reply(ENGINEERING, eng, "11-23 11:45:09", SOFIA, f"does <{PR}/517|PR #517> make it in?")
    ex.reply(ENGINEERING, eng, "11-23 12:20:33", MAYA, "if it's approved by Wednesday noon, yes")

    ex.post(
        INCIDENTS,
        "11-23 09:50:15",
        LUKAS,
        "Post-incident review for Friday's SEV2 is on Wednesday Nov 25 at 13:00 UTC, Meet: "
        f"<https://meet.google.com/abc-defg-hij>. RCA draft: <{RCA_URL}|RCA>",
    )
    maint = ex.post(
        INCIDENTS,
        "11-23 16:05:58",
        JONAS,
        ":wrench: DB maintenance Sat Nov 28 02:00-04:00 UTC on payments-db (primary &amp; "
        "replicas). Expect ~15 min of read-only mode, runbook: "
        "<https://acme.atlassian.net/wiki/spaces/OPS/pages/48213/payments-db+maintenance"
        "|runbook>, OPS-412",
        reactions=[("+1", [LUKAS, RAJ])],
        fact="5",
    )
    ex.reply(INCIDENTS, maint, "11-23 16:20:40", RAJ, "I'll post a status page notice 48h before")
    ex.reply(
        INCIDENTS, maint, "11-23 16:31:02", LUKAS, "I'm on call that weekend, will join the bridge"
    )

    ex.post(
        LAUNCHES,
        "11-23 13:10:31",
        SOFIA,
        "Apple Pay support: GA targeted for end of month, LAUNCH-91. Still waiting on the "
        "merchant-ID certificates.",
    )
    ex.post(
        LAUNCHES,
        "11-23 16:45:12",
        PRIYA,
        "Instant Payouts readiness review done :white_check_mark: beta still on track for tomorrow",
    )


def day_24(ex: Export) -> None:
    """Tuesday 2026-11-24: the rescheduled launch."""
    moved = ex.post(
        LAUNCHES,
        "11-24 08:24:51",
        PRIYA,
        "Update: the checkout redesign launch moved to December 3rd (LAUNCH-88) because of the "
        "code freeze",
        reactions=[("eyes", [EMMA, DANIEL]), ("+1", [SOFIA])],
        fact="2b",
    )
    ex.reply(LAUNCHES, moved, "11-24 08:40:26", EMMA, "marketing page goes live the same day then?")
    ex.reply(
        LAUNCHES,
        moved,
        "11-24 08:52:03",
        PRIYA,
        "yes, and the merchant email goes out 12/03 at 09:00 UTC",
    )
    ex.post(
        LAUNCHES,
        "11-24 10:00:45",
        PRIYA,
        "Instant Payouts beta is open for the first 50 merchants :tada: LAUNCH-90",
        reactions=[("tada", [EMMA, SOFIA, RAJ, DANIEL, MAYA])],
    )

    ex.post(
        RELEASES,
        "11-24 09:05:33",
        MAYA,
        "Release notes draft for v2.14.0: "
        "<https://acme.atlassian.net/wiki/spaces/REL/pages/77120/v2.14.0+release+notes"
        "|Confluence>. Please review by Wednesday EOD.",
        edited_after=95,
    )
    ex.post(
        RELEASES,
        "11-24 15:40:09",
        MAYA,
        "Reminder: code freeze Friday EOD :snowflake: freeze window is 2026-11-27 18:00 UTC to "
        "2026-12-02 18:00 UTC.",
        reactions=[("snowflake", [TOMAS, SOFIA, AISHA])],
    )

    ex.post(
        ENGINEERING,
        "11-24 10:30:14",
        DANIEL,
        "Deprecation reminder: v1 webhooks API gets switched off on 2026-12-15, migration guide "
        "<https://acme.atlassian.net/wiki/spaces/ENG/pages/70555/Webhooks+v2+migration|here>, "
        "tracking PAY-2260",
    )
    ex.post(
        ENGINEERING,
        "11-24 14:00:52",
        JONAS,
        "PCI evidence collection deadline is December 10th, please upload your access review "
        "screenshots to the shared drive",
        edited_after=600,
    )

    ex.post(
        INCIDENTS,
        "11-24 09:15:27",
        LUKAS,
        f"on-call handover tomorrow 09:00 UTC, {mention(TOMAS)} takes primary, "
        f"{mention(JONAS)} secondary",
    )


# -------------------------------------------------------------------- filler noise

SERVICES = ["payments-api", "webhooks-worker", "ledger", "fraud-rules", "checkout-web"]
ERRORS = [
    "connection reset by peer",
    "ModuleNotFoundError: No module named 'orjson'",
    "pq: too many connections",
    "ETIMEDOUT",
    "ssl: CERTIFICATE_VERIFY_FAILED",
]
FLAGS = ["checkout_v2", "async_refunds", "new_fx_rates", "strict_idempotency"]
FEATURES = ["Instant Payouts", "checkout redesign", "Apple Pay", "merchant dashboard"]

ENGINEERING_NOISE = [
    "can someone take a look at {pr}? small one, mostly tests",
    "{pr} is ready for another pass, addressed all comments",
    "CI on {svc} is flaky again :upside_down_face: rerunning",
    "anyone else getting `{err}` when running {svc} locally?",
    "merged {pr}, thanks for the review {user}",
    "is staging free? want to test {jira} there for ~30 min",
    "heads down on {jira}, ping me if it's urgent",
    "pushed a fix for the failing lint job on main",
    "who owns the {svc} dashboards these days?",
    "quick q: do we still need the `{flag}` feature flag?",
    "pairing on {jira} after lunch if anyone wants to join",
    "the {svc} README is out of date, opened {pr} to fix it",
    "nit for everyone: please squash fixup commits before merging :pray:",
    "docker build cache on CI got wiped, first builds will be slow",
    "reminder that `make lint &amp;&amp; make test` should pass before you ask for review",
    "anyone know why {svc} pins protobuf &lt; 5?",
    "benchmarks for {jira} look good: p99 down from {ms_hi}ms to {ms_lo}ms",
    "+1 to what {user} said",
    ":eyes:",
    "thanks!",
    "rebasing {pr} on main, conflicts in the migrations folder again",
    "dependabot opened a dozen PRs overnight :sweat_smile:",
    "filed {issue} for the flaky integration test",
    "TIL `git rebase --update-refs` exists, stacked PRs got much nicer",
    "does anyone have a good example of a contract test for {svc}?",
    "{user} your comment on {pr} makes sense, changing it",
    "local dev setup docs got a refresh, shout if something is missing",
    "what's our convention for money types in {svc}, Decimal or integer cents?",
]
ENGINEERING_REPLIES = [
    "looking",
    "LGTM :+1:",
    "approved",
    "on it",
    "thanks!",
    "good catch",
    "same here",
    "fixed on main",
    "works for me now",
    "I'll take it",
    ":+1:",
    "integer cents, always",
    "can you share the full stack trace?",
    "rerun fixed it",
    "yep, known issue",
    "{user} knows this one best",
]

RANDOM_NOISE = [
    "anyone want to grab lunch? thinking ramen",
    "the coffee machine on the 3rd floor is fixed :coffee:",
    "my cat just walked across the keyboard and sent half a commit message",
    "who left the sourdough starter in the fridge? it's alive :scream:",
    "recommendations for a good mechanical keyboard under 150 EUR?",
    "weekend plans: hiking if the weather holds :mountain:",
    "finally finished that 1000 piece puzzle",
    "there's cake in the kitchen :cake:",
    "anyone reading anything good lately?",
    "it's snowing here! :snowflake:",
    "the place around the corner has a new menu, the curry is great",
    "TIL octopuses have three hearts",
    ":joy:",
    "does anyone have a spare HDMI adapter?",
    "plant update: the office monstera has a new leaf :seedling:",
    "coffee or tea, settle this once and for all",
    'my kid asked what I do at work and I said "move numbers around, carefully"',
    "the office playlist is great lately, who picked it?",
    "the bakery next door now does cardamom buns &amp; they are dangerous",
    "learning to knit, the first scarf looks like a fishing net :sweat_smile:",
]
RANDOM_PHOTOS = [
    ("dog photo of the day :dog:", "biscuit.jpg"),
    ("view from the balcony, not bad", "balcony.jpg"),
    ("made pierogi, ate too many", "pierogi.jpg"),
]
RANDOM_REPLIES = [
    "haha",
    ":joy:",
    "same",
    "count me in",
    "so cute :heart_eyes:",
    "tea, obviously",
    "+1",
    "link?",
    "the ramen place near the station is great",
    "I have one, will drop it by",
    "love this",
    ":100:",
]

RELEASES_NOISE = [
    "is staging in sync with main right now?",
    "changelog for {svc} updated: {pr}",
    "smoke tests passed on staging :white_check_mark:",
    "tagging {svc} now",
    "can we squeeze {pr} into the next train?",
    "QA sign-off for {jira} :white_check_mark:",
    "rollback plan for {svc} is in the usual runbook",
    "who's on release duty next week?",
    "release dashboard is slow again, anyone else?",
]
RELEASES_REPLIES = ["done", "yes", "thanks!", "I think so, checking", ":+1:", "me, I think"]

INCIDENTS_NOISE = [
    "anyone else seeing slow {svc} responses or is it just me?",
    "false alarm on the {svc} latency alert, threshold is too tight",
    "updated the runbook for {svc}: <https://acme.atlassian.net/wiki/spaces/OPS/pages/{page}>",
    "ack'd the page for {svc} disk usage, looking",
    "on-call swap: {user} is covering for me this afternoon",
    "error budget for {svc} is at 62% for the month, fine for now",
    "silenced the noisy {svc} health check for an hour while I fix it",
]
INCIDENTS_REPLIES = ["thanks", "looking", "ack", "it was a blip, fine now", ":+1:", "fixed"]

LAUNCHES_NOISE = [
    "new screenshots for the {feature} landing page are in Figma",
    "feedback from {feature} beta merchants is positive so far",
    "copy review for {feature} done :memo:",
    "support macros for {feature} are drafted, {user} can you review?",
    "who's the DRI for {feature} comms?",
    "legal approved the updated T&amp;Cs wording for {feature}",
    "sales asked for a one-pager on {feature}, on it",
]
LAUNCHES_REPLIES = ["nice!", "me", "will do", "thanks!", ":+1:", "looks great"]

REACTION_EMOJI: dict[str, list[str]] = {
    ENGINEERING: ["+1", "eyes", "white_check_mark", "pray", "joy", "rocket"],
    RANDOM: ["joy", "heart", "heart_eyes", "+1", "100", "raised_hands"],
    RELEASES: ["+1", "rocket", "tada", "white_check_mark", "eyes"],
    INCIDENTS: ["eyes", "+1", "pray", "white_check_mark"],
    LAUNCHES: ["tada", "rocket", "+1", "heart", "eyes"],
}


@dataclass(frozen=True)
class NoiseSpec:
    """How much filler a channel gets and what it sounds like."""

    templates: list[str]
    replies: list[str]
    weekday: int
    weekend: int
    thread_prob: float


NOISE: dict[str, NoiseSpec] = {
    ENGINEERING: NoiseSpec(ENGINEERING_NOISE, ENGINEERING_REPLIES, 11, 1, 0.25),
    RANDOM: NoiseSpec(RANDOM_NOISE, RANDOM_REPLIES, 6, 2, 0.25),
    RELEASES: NoiseSpec(RELEASES_NOISE, RELEASES_REPLIES, 3, 0, 0.2),
    INCIDENTS: NoiseSpec(INCIDENTS_NOISE, INCIDENTS_REPLIES, 3, 1, 0.3),
    LAUNCHES: NoiseSpec(LAUNCHES_NOISE, LAUNCHES_REPLIES, 3, 0, 0.25),
}
WEEKDAY_HOURS = list(range(6, 21))
WEEKDAY_HOUR_WEIGHTS = [1, 4, 7, 9, 9, 8, 6, 8, 9, 8, 7, 5, 2, 1, 1]


def fill(template: str, rng: random.Random, author: str, members: list[str]) -> str:
    """Substitute ``{placeholders}`` in a noise template."""
    others = [m for m in members if m != author] or members

    def pr_link() -> str:
        repo = rng.choice(["payments-api", "webhooks-worker", "ledger", "checkout-web"])
        number = rng.randint(300, 480)
        return f"<https://github.com/acme/{repo}/pull/{number}|PR #{number}>"

    fillers: dict[str, Callable[[], str]] = {
        "pr": pr_link,
        "issue": lambda: (
            f"<https://github.com/acme/{rng.choice(SERVICES)}/issues/{rng.randint(40, 290)}>"
        ),
        "svc": lambda: rng.choice(SERVICES),
        "err": lambda: rng.choice(ERRORS),
        "flag": lambda: rng.choice(FLAGS),
        "jira": lambda: f"PAY-{rng.randint(1800, 2099)}",
        "user": lambda: mention(rng.choice(others)),
        "ms_hi": lambda: str(rng.randint(300, 420)),
        "ms_lo": lambda: str(rng.randint(120, 250)),
        "feature": lambda: rng.choice(FEATURES),
        "page": lambda: str(rng.randint(40000, 49999)),
    }
    return re.sub(r"\{(\w+)\}", lambda m: fillers[m.group(1)](), template)


def noise_epoch(rng: random.Random, day: str) -> int:
    """A plausible posting time on ``day`` (busier in working hours)."""
    if day in WEEKEND:
        hour = rng.randint(9, 19)
    else:
        hour = rng.choices(WEEKDAY_HOURS, weights=WEEKDAY_HOUR_WEIGHTS)[0]
    return epoch_of(f"{day} {hour:02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}")


def noise(ex: Export) -> None:
    """Generated chit-chat for every channel and day."""
    rng = ex.rng
    for channel in CHANNELS:
        spec = NOISE[channel.name]
        members = [m for m in channel.members if m in HUMAN_IDS and m != NINA]
        for day in DAYS:
            count = spec.weekend if day in WEEKEND else spec.weekday
            for template in rng.sample(spec.templates, k=count):
                author = rng.choice(members)
                epoch = noise_epoch(rng, day)
                rich = rng.random() < 0.45
                edited = rng.randint(20, 400) if rng.random() < 0.04 else None
                files = None
                if channel.name == RANDOM and rng.random() < 0.1:
                    text, photo = rng.choice(RANDOM_PHOTOS)
                    files = [(photo, "image/jpeg", rng.randint(900_000, 3_000_000))]
                else:
                    text = fill(template, rng, author, members)
                parent = ex.post(
                    channel.name, epoch, author, text, rich=rich, edited_after=edited, files=files
                )
                if rng.random() < spec.thread_prob:
                    at, previous = epoch, author
                    for reply_template in rng.sample(spec.replies, k=rng.randint(2, 4)):
                        at += rng.randint(40, 1500)
                        replier = rng.choice([m for m in members if m != previous])
                        text = fill(reply_template, rng, replier, members)
                        ex.reply(channel.name, parent, at, replier, text, rich=rng.random() < 0.4)
                        previous = replier


# ------------------------------------------------------------------------- checks

NOT_AN_EVENT_RE = re.compile(
    r"\b(release|deploy|launch|incident|sev\d|outage|meeting|retro|review|deadline|freeze|"
    r"maintenance|migration|all-hands|standup|sync|call|demo|tomorrow|today|tonight|"
    r"next week|eod|monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
    r"january|february|march|april|may|june|july|august|september|october|november|"
    r"december|jan|feb|mar|apr|jun|jul|aug|sep|oct|nov|dec)\b|\d{1,2}:\d{2}|v\d+\.\d+",
    re.IGNORECASE,
)
JIRA_RE = re.compile(r"\b[A-Z][A-Z0-9]+-\d+\b")
MARKUP_RE = re.compile(r"<(?:[@#!]|https?://)[^<>]+>")
ENTITY_RE = re.compile(r"&(amp|lt|gt);")


def check(ex: Export) -> None:
    """Sanity checks so regressions in the generator fail loudly."""
    total = sum(len(m) for m in ex.messages.values())
    if not MIN_MESSAGES <= total <= MAX_MESSAGES:
        raise RuntimeError(f"{total} messages, expected {MIN_MESSAGES}-{MAX_MESSAGES}")
    for msg in ex.messages[RANDOM]:
        if msg.get("subtype") == "channel_join":
            continue
        if NOT_AN_EVENT_RE.search(msg["text"]) or JIRA_RE.search(msg["text"]):
            raise RuntimeError(f"#random message looks like an event: {msg['text']!r}")
    first, last = epoch_of(f"{DAYS[0]} 00:00:00"), epoch_of(f"{DAYS[-1]} 23:59:59")
    for msgs in ex.messages.values():
        for msg in msgs:
            if not first <= ts_epoch(msg["ts"]) <= last:
                raise RuntimeError(f"message outside the export window: {msg['ts']}")
            bare = ENTITY_RE.sub("", MARKUP_RE.sub("", msg["text"]))
            if any(ch in bare for ch in "<>&"):
                raise RuntimeError(f"unescaped <, > or & in message text: {msg['text']!r}")


def summary(ex: Export, written: list[Path]) -> str:
    """Human-readable report of what was generated."""
    lines = [f"wrote {len(written)} files to {OUT_DIR}"]
    for channel in CHANNELS:
        per_day: dict[str, int] = defaultdict(int)
        for msg in ex.messages[channel.name]:
            per_day[day_of(msg["ts"])] += 1
        days = ", ".join(f"{d[5:]}={n}" for d, n in sorted(per_day.items()))
        lines.append(f"  {channel.name:<17} {len(ex.messages[channel.name]):>4}  ({days})")
    lines.append(f"  {'TOTAL':<17} {sum(len(m) for m in ex.messages.values()):>4}")
    lines.append("planted facts:")
    for label, channel, msg in sorted(ex.facts, key=lambda fact: fact[0]):
        key = hour_key(msg["ts"])
        lines.append(f"  {label:<3} {channel:<17} {key}  {msg['ts']}  {msg['text']}")
    lines.append("edited messages:")
    for channel, msg in ex.edits:
        lines.append(f"  {channel:<17} {msg['ts']}  {msg['text'][:60]}")
    return "\n".join(lines)


def main() -> None:
    """Build, validate and write the sample export."""
    ex = Export(rng=random.Random(SEED))
    scripted(ex)
    noise(ex)
    ex.finalize()
    check(ex)
    written = ex.write(OUT_DIR)
    print(summary(ex, written))


if __name__ == "__main__":
    main()
