"""A deterministic synthetic Slack workspace export of N messages over D days in C channels.

Same shapes as `sample_data/slack_export` (and real exports): `channels.json`, `users.json` and
`<channel>/<YYYY-MM-DD>.json` day files, each a JSON array sorted by `ts`, with Block Kit
`rich_text` blocks mirroring the text, threads (parents carry `reply_count`, `reply_users`,
`latest_reply`, `replies`; replies sit in the day file of their own `ts`), `thread_broadcast`
replies with a `root`, bot messages with attachments, `channel_join` system messages, edits,
reactions, files, link unfurls and Slack markup (`<@U..>`, `<#C..|name>`, `<url|label>`,
`<!here>`, emoji, `*bold*`, `` `code` ``, `&amp;` entities). About one message in eight announces
something with a date (absolute or relative) and anchors (Jira keys, GitHub PRs, versions, docs,
meeting links), which is the share that makes a message an event candidate.

Streaming: the day files are written one (channel, day) at a time; only the messages of that one
file are in memory, so N = 1,000,000 needs a few MB. The same (spec) always gives byte-identical
files: every (channel, day) has its own seeded random generator, and no wall-clock time is read.

    python -m benchmarks.synthetic /tmp/export --messages 100000 --days 7 --channels 8
"""

from __future__ import annotations

import argparse
import json
import random
import re
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

TEAM_ID = "T0BENCH0001"
DEFAULT_START = date(2026, 10, 5)  # a Monday, in the past of the real clock and of PARTITIONS_START
WORKSPACE_URL = "https://bench-corp.slack.com"

Message = dict[str, Any]


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


CHANNEL_NAMES = (
    "releases",
    "incidents",
    "engineering",
    "random",
    "product-launches",
    "platform",
    "data-eng",
    "security",
    "support",
    "marketing",
    "design",
    "general",
)
FIRST_NAMES = _words(
    "Maya Tomas Priya Lukas Sofia Daniel Aisha Jonas Emma Raj Oliver Nina Kenji Lea Omar "
    "Ines Pavel Chloe Mateo Freya Hugo Amara Viktor Zoe Felix Mira Dev Ana Sven Yara"
)
LAST_NAMES = _words(
    "Chen Okafor Raman Brandt Alvarez Kim Bello Weber Larsen Patel Grant Kowalski Sato "
    "Moreau Haddad Silva Novak Dubois Rossi Berg"
)
TIMEZONES = (
    ("Europe/Berlin", "Central European Summer Time", 7200),
    ("Europe/London", "British Summer Time", 3600),
    ("America/New_York", "Eastern Daylight Time", -14400),
    ("Asia/Kolkata", "India Standard Time", 19800),
    ("America/Los_Angeles", "Pacific Daylight Time", -25200),
)
BOTS = (
    ("deploybot", "B0BENCHDPL1", ":rocket:"),
    ("pagerbot", "B0BENCHPGR1", ":rotating_light:"),
    ("jirabot", "B0BENCHJRA1", ":jira:"),
)
AREAS = _words(
    "billing payout checkout ledger fraud search loyalty invoice kyc reporting analytics "
    "webhook session catalog pricing refund dispute identity notification onboarding "
    "subscription tax currency ads export partner mobile merchant settlement treasury "
    "card wallet consent routing ranking inventory shipping support"
)
THINGS = _words(
    "api dashboard pipeline service worker cluster gateway portal sdk scheduler cache "
    "database index importer exporter widget flow engine queue console report model cron "
    "proxy"
)
SERVICES = tuple(f"{area}-{thing}" for area in AREAS[:24] for thing in THINGS[:6])
FEATURES = tuple(
    f"{adjective} {area} {thing}"
    for adjective in ("new", "instant", "regional", "self-serve", "unified", "v2")
    for area in AREAS
    for thing in ("flow", "page", "dashboard", "api", "report", "settings")
)
# Every announcement names at most one subject (a service or a feature), so a digest line whose
# titles name two of them merged announcements of different things.
_SUBJECT = re.compile(
    "|".join(re.escape(s) for s in sorted({*SERVICES, *FEATURES}, key=len, reverse=True)),
    re.IGNORECASE,
)


def subject_of(title: str) -> str | None:
    """The service or feature a title names, if any."""
    match = _SUBJECT.search(title)
    return match.group(0).lower() if match else None


JIRA_PROJECTS = ("PAY", "PLAT", "OPS", "SEC", "MOB", "DATA", "LAUNCH")
TEAMS = ("payments", "platform", "data", "growth", "mobile", "risk", "core", "infra", "web")
TAILS = (
    "",
    "",
    "",
    " as agreed in standup",
    " after the load test passed",
    ", runbook in the thread",
    ", ping me with questions",
    " :rocket:",
    " - please plan around it",
    " (details in the doc)",
    ", thanks all for the help",
    " unless QA finds blockers",
)
EMOJI = ("tada", "+1", "eyes", "white_check_mark", "rocket", "heart", "joy", "fire", "pray")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
EVENT_KINDS = (
    "release",
    "release",
    "deploy",
    "deploy",
    "launch",
    "maintenance",
    "meeting",
    "meeting",
    "deadline",
    "incident",
    "security",
    "migration",
    "marketing",
    "freeze",
    "org",
)
ZONES = ("UTC", "CET", "UTC", "PT", "ET")

# Shares, chosen to resemble real workspaces (the bundled sample and the OLake export).
P_REPLY = 0.33  # of messages: thread replies (when a thread is open)
P_THREAD = 0.14  # of top-level human messages: start a thread
P_BROADCAST = 0.04  # of replies: also sent to the channel
P_EVENT = 0.12  # of human messages: announce something with a date and anchors
P_BOT = 0.05  # of top-level messages: a bot post
P_JOIN = 0.004  # of top-level messages: channel_join (skipped by the pipeline, counted)
P_EDIT = 0.08
P_REACTIONS = 0.25
P_FILES = 0.03
P_UNFURL = 0.04
P_BLOCKS = 0.9  # human messages from modern clients carry rich_text blocks


@dataclass(frozen=True)
class SyntheticSpec:
    messages: int = 100_000
    days: int = 7
    channels: int = 8
    seed: int = 7
    start: date = DEFAULT_START
    users: int = 40

    @property
    def last_day(self) -> date:
        return self.start + timedelta(days=max(self.days, 1) - 1)

    def partition_range(self) -> tuple[str, str]:
        """First and last hourly partition key the export covers (all of its days)."""
        last = self.last_day
        return f"{self.start.isoformat()}-00:00", f"{last.isoformat()}-23:00"


@dataclass
class ExportSummary:
    path: Path
    messages: int = 0
    files: int = 0
    bytes: int = 0
    kinds: Counter[str] = field(default_factory=Counter)

    def as_json(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "messages": self.messages,
            "day_files": self.files,
            "bytes": self.bytes,
            "kinds": dict(sorted(self.kinds.items())),
        }


@dataclass(frozen=True)
class _Person:
    id: str
    name: str
    real_name: str
    display_name: str
    tz: tuple[str, str, int]


@dataclass(frozen=True)
class _Channel:
    id: str
    name: str
    weight: float
    bots: tuple[int, ...]  # indexes into BOTS that post here


# ------------------------------------------------------------------ workspace (users, channels)


def _people(spec: SyntheticSpec) -> list[_Person]:
    rng = random.Random(f"{spec.seed}:people")
    people = []
    for index in range(spec.users):
        first = FIRST_NAMES[index % len(FIRST_NAMES)]
        last = LAST_NAMES[(index * 7 + index // len(FIRST_NAMES)) % len(LAST_NAMES)]
        handle = f"{first}.{last}".lower() + (f"{index}" if index >= len(FIRST_NAMES) else "")
        people.append(
            _Person(
                id=f"U0BENCH{index:04d}",
                name=handle,
                real_name=f"{first} {last}",
                display_name=first.lower() if rng.random() < 0.8 else "",
                tz=TIMEZONES[rng.randrange(len(TIMEZONES))],
            )
        )
    return people


def _channels(spec: SyntheticSpec) -> list[_Channel]:
    channels = []
    for index in range(spec.channels):
        base = CHANNEL_NAMES[index % len(CHANNEL_NAMES)]
        name = base if index < len(CHANNEL_NAMES) else f"{base}-{index // len(CHANNEL_NAMES)}"
        bots = {"releases": (0, 2), "incidents": (1,), "platform": (0,), "engineering": (2,)}
        channels.append(
            _Channel(
                id=f"C0BENCH{index:04d}",
                name=name,
                weight=1.0 / (1 + index) ** 0.6,  # a few busy channels, a long tail
                bots=bots.get(base, ()),
            )
        )
    return channels


def _user_record(person: _Person) -> dict[str, Any]:
    zone, label, offset = person.tz
    first, _, last = person.real_name.partition(" ")
    return {
        "id": person.id,
        "team_id": TEAM_ID,
        "name": person.name,
        "deleted": False,
        "real_name": person.real_name,
        "tz": zone,
        "tz_label": label,
        "tz_offset": offset,
        "profile": {
            "title": "",
            "real_name": person.real_name,
            "real_name_normalized": person.real_name,
            "display_name": person.display_name,
            "display_name_normalized": person.display_name,
            "first_name": first,
            "last_name": last,
            "team": TEAM_ID,
        },
        "is_admin": False,
        "is_bot": False,
        "updated": 1790000000,
    }


def _bot_user_record(index: int) -> dict[str, Any]:
    name, bot_id, _ = BOTS[index]
    return {
        "id": f"U0BENCHBOT{index}",
        "team_id": TEAM_ID,
        "name": name,
        "deleted": False,
        "real_name": name,
        "profile": {"real_name": name, "display_name": name, "bot_id": bot_id, "team": TEAM_ID},
        "is_bot": True,
        "updated": 1790000000,
    }


def _channel_record(channel: _Channel, people: list[_Person]) -> dict[str, Any]:
    return {
        "id": channel.id,
        "name": channel.name,
        "created": 1700000000,
        "creator": people[0].id,
        "is_archived": False,
        "is_general": channel.name == "general",
        "members": [p.id for p in people],
        "topic": {"value": f"#{channel.name}", "creator": people[0].id, "last_set": 1700000000},
        "purpose": {"value": f"Benchmark channel {channel.name}", "creator": people[0].id},
    }


# ------------------------------------------------------------------ message counts per file


def _allocate(total: int, weights: list[float]) -> list[int]:
    """Split `total` by `weights` exactly (largest remainder), deterministically."""
    if total <= 0 or not weights:
        return [0] * len(weights)
    scale = total / sum(weights)
    raw = [w * scale for w in weights]
    counts = [int(r) for r in raw]
    order = sorted(range(len(raw)), key=lambda i: (counts[i] - raw[i], i))
    for index in order[: total - sum(counts)]:
        counts[index] += 1
    return counts


def _day_weight(day: date) -> float:
    return 0.3 if day.weekday() >= 5 else 1.0  # quiet weekends


# ------------------------------------------------------------------ text


class _Writer:
    """Builds the text of one message: markup, dates relative to the message's day, anchors."""

    def __init__(
        self, rng: random.Random, day: date, people: list[_Person], channels: list[_Channel]
    ):
        self.rng = rng
        self.day = day
        self.people = people
        self.channels = channels
        self.recent: list[tuple[str, str, str]] = []  # (kind, subject, anchor) of this file

    def pick(self, items: Any) -> Any:
        return items[self.rng.randrange(len(items))]

    def mention(self) -> str:
        return f"<@{self.pick(self.people).id}>"

    def channel_ref(self) -> str:
        channel = self.pick(self.channels)
        return f"<#{channel.id}|{channel.name}>"

    def version(self) -> str:
        r = self.rng
        return f"v{r.randint(1, 4)}.{r.randint(0, 30)}.{r.randint(0, 9)}"

    def jira(self) -> str:
        return f"{self.pick(JIRA_PROJECTS)}-{self.rng.randint(100, 4999)}"

    def pr_link(self, service: str) -> str:
        number = self.rng.randint(100, 9999)
        return f"<https://github.com/bench-corp/{service}/pull/{number}|{service}#{number}>"

    def doc_link(self) -> str:
        kind = self.rng.random()
        if kind < 0.4:
            doc = uuid.UUID(int=self.rng.getrandbits(128)).hex[:24]
            return f"<https://docs.google.com/document/d/{doc}/edit?usp=sharing|the doc>"
        if kind < 0.7:
            page = self.rng.randint(100000, 999999)
            return f"<https://bench-corp.atlassian.net/wiki/spaces/ENG/pages/{page}|Confluence>"
        return f"https://www.notion.so/bench/Plan-{uuid.UUID(int=self.rng.getrandbits(128)).hex}"

    def meeting_link(self) -> str:
        if self.rng.random() < 0.5:
            return f"<https://bench-corp.zoom.us/j/{self.rng.randint(10**9, 10**10 - 1)}|Zoom>"
        letters = "abcdefghijklmnopqrstuvwxyz"
        parts = ["".join(self.pick(letters) for _ in range(n)) for n in (3, 4, 3)]
        return f"https://meet.google.com/{'-'.join(parts)}"

    def time(self) -> str:
        return f"{self.rng.choice((9, 10, 11, 13, 14, 15, 16, 17)):02d}:{self.pick(('00', '30'))}"

    def when(self) -> str:
        """A date mention a few days after the message day, written the way people write it."""
        target = self.day + timedelta(days=self.rng.randint(1, 20))
        style = self.rng.randrange(11)
        if style == 0:
            return f"on {target.isoformat()}"
        if style == 1:
            return f"on {target:%b} {target.day}"
        if style == 2:
            return f"on {target:%B} {target.day}{_ordinal(target.day)}"
        if style == 3:
            return f"on {target.month}/{target.day:02d}"
        if style == 4:
            return f"on {target:%a %b} {target.day}"
        if style == 5:
            return "tomorrow"
        if style == 6:
            return f"next {self.pick(WEEKDAYS)}"
        if style == 7:
            return f"on {self.pick(WEEKDAYS)}"
        if style == 8:
            return f"by EOD {self.pick(WEEKDAYS)}"
        if style == 9:
            return "in two weeks"
        return f"on {target:%b} {target.day}-{target.day + 2}" if target.day < 27 else "tomorrow"

    def subject(self) -> str:
        return self.pick(FEATURES) if self.rng.random() < 0.5 else self.pick(SERVICES)

    def event_text(self) -> str:
        """An announcement: a phrase by kind, a subject, a date, anchors and extras. One in five
        re-announces a recent one (reminder, moved date, cross-post) with the same anchors."""
        r, recent = self.rng, self.recent
        if recent and r.random() < 0.2:
            kind, subject, anchor = self.pick(recent)
            opener = self.pick(("Reminder:", "Update:", "Heads-up, moved:", "Re-posting:"))
            text = f"{opener} {self.phrase(kind, subject)} {self.when()}{anchor}"
            return text + self.pick(TAILS)
        kind = self.pick(EVENT_KINDS)
        subject = self.subject()
        anchor = ""
        if r.random() < 0.6:
            anchor = f" ({self.jira()})"
        elif r.random() < 0.3:
            anchor = f" ({self.pr_link(self.pick(SERVICES))})"
        recent.append((kind, subject, anchor))
        del recent[:-20]
        text = f"{self.phrase(kind, subject)} {self.when()}"
        if r.random() < 0.5 and kind not in ("incident",):
            text += f" at {self.time()} {self.pick(ZONES)}"
        text += anchor
        if kind == "meeting" and r.random() < 0.7:
            text += f" on {self.meeting_link()}"
        elif r.random() < 0.3:
            text += f", see {self.doc_link()}"
        if r.random() < 0.1:
            text = "<!here> " + text
        if r.random() < 0.3:
            text += f" cc {self.mention()}"
        return text + self.pick(TAILS)

    def phrase(self, kind: str, subject: str) -> str:
        version = self.version()
        phrases = {
            "release": (
                f"Release of {subject} {version} is scheduled",
                f"{subject} {version} ships",
                f"We are releasing {subject} {version}",
                f"{subject} {version} goes out",
            ),
            "deploy": (
                f"Prod deploy of {subject}",
                f"Deploying {subject} {version} to prod",
                f"{subject} canary deploy starts",
            ),
            "launch": (
                f"Launch of the {subject}",
                f"We launch the {subject}",
                f"{subject} beta opens",
            ),
            "maintenance": (
                f"Maintenance window for the {subject}",
                f"{subject} failover drill",
                f"Planned {subject} maintenance",
            ),
            "meeting": (
                f"{subject} design review",
                f"Sync on the {subject}",
                f"{self.pick(TEAMS)} planning for {subject}",
                f"Workshop about the {subject}",
            ),
            "deadline": (
                f"Deadline for the {subject} sign-off is",
                f"{subject} feedback submissions close",
                f"{subject} budget is due",
            ),
            "incident": (
                f"SEV{self.rng.randint(1, 3)}: {subject} returning 5xx since {self.time()} UTC, "
                "investigating; next update",
                f"{subject} is degraded for EU merchants, incident review",
            ),
            "security": (
                f"The TLS certificate for {subject.replace(' ', '-')}.bench-corp.com expires",
                f"Pen test of the {subject}",
                f"Token rotation for the {subject}",
            ),
            "migration": (
                f"{subject} migration to Postgres 16 cutover",
                f"The old {subject} is deprecated and switched off",
            ),
            "marketing": (
                f"Webinar about the {subject}",
                f"Blog post announcing the {subject} goes live",
            ),
            "freeze": (f"Code freeze for the {self.pick(TEAMS)} {subject}",),
            "org": (f"{self.pick(FIRST_NAMES)} joins the {self.pick(TEAMS)} team",),
        }
        return self.pick(phrases[kind])

    def chatter_text(self) -> str:
        """Conversation: short acks, questions, status chatter and the odd long update, built
        from parts so that (as in a real workspace) few messages repeat word for word."""
        r, service = self.rng, self.pick(SERVICES)
        thing = self.pick(
            (
                "the flaky test",
                "the p99 latency",
                "the retry logic",
                "the cache",
                "the config",
                "the dashboard",
                "the memory usage",
                "the error budget",
                "the queue depth",
                "the new endpoint",
                "the feature flag",
                "the SDK",
            )
        )
        short = (
            "thanks!",
            "lgtm",
            "+1",
            "makes sense to me",
            "on it",
            "nice work everyone :tada:",
            f"thanks {self.mention()} :pray:",
            f"lunch anyone? :{self.pick(EMOJI)}:",
        )
        if r.random() < 0.3:
            return self.pick(short)
        opener = self.pick(("", "", "hmm, ", "fwiw ", "quick one: ", "ok so ", "btw "))
        body = self.pick(
            (
                f"anyone else seeing {thing} in {service} acting up?",
                f"can someone review {self.pr_link(service)}? small one, mostly renames",
                f"{thing} of {service} looks odd since this morning, looking",
                f"&gt; is {thing} expected to change?\nyes, {service} restarted around "
                f"{self.time()}",
                f"I pushed a change for {self.jira()}, *should* be green now",
                f"moving the {service} question to {self.channel_ref()}",
                f"`kubectl get pods -n {self.pick(TEAMS)}` shows {r.randint(2, 9)} restarts of "
                f"{service} in the last hour",
                f"good question, {self.mention()} knows more about {thing} than me",
                f"notes on {thing} are here: {self.doc_link()}",
                f"The {service} config lives in the infra repo, "
                f"<https://github.com/bench-corp/infra/blob/main/{service}.yaml|here>",
                f"I'm OOO {self.pick(WEEKDAYS)} afternoon, {self.mention()} covers {service}",
                f"did anyone change {thing} for {service}? numbers moved by {r.randint(3, 40)}%",
                f"pairing with {self.mention()} on {thing} of {service} after lunch",
                f"Update on {thing}: p99 went from {r.randint(300, 900)} ms to "
                f"{r.randint(100, 299)} ms after the pool change on {service}, CPU is flat. Next "
                "step is trying the same on the read replicas &amp; checking the lag.",
            )
        )
        closer = self.pick(("", "", "", " :eyes:", " :thinking_face:", " thoughts?", " :+1:"))
        return f"{opener}{body}{closer}"


def _ordinal(day: int) -> str:
    if 11 <= day % 100 <= 13:
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")


def _rich_text_blocks(text: str, block_id: str) -> list[dict[str, Any]]:
    """What a modern client attaches: the text as one rich_text section (markup kept simple)."""
    return [
        {
            "type": "rich_text",
            "block_id": block_id,
            "elements": [
                {"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}
            ],
        }
    ]


# ------------------------------------------------------------------ one day file


def _timestamps(rng: random.Random, day: date, count: int) -> list[str]:
    """`count` distinct ts values in the UTC day, busier in working hours, sorted."""
    midnight = int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())
    hour_weights = [0.2] * 7 + [1.0] * 12 + [0.5] * 5
    hours = rng.choices(range(24), weights=hour_weights, k=count)
    seen: set[tuple[int, int]] = set()
    values = []
    for hour in hours:
        while True:
            key = (midnight + hour * 3600 + rng.randrange(3600), rng.randrange(1_000_000))
            if key not in seen:
                seen.add(key)
                values.append(key)
                break
    values.sort()
    return [f"{seconds}.{micros:06d}" for seconds, micros in values]


def _day_messages(
    spec: SyntheticSpec,
    channel: _Channel,
    day: date,
    count: int,
    people: list[_Person],
    channels: list[_Channel],
    kinds: Counter[str],
) -> list[Message]:
    rng = random.Random(f"{spec.seed}:{channel.id}:{day.isoformat()}")
    writer = _Writer(rng, day, people, channels)
    messages: list[Message] = []
    open_threads: list[list[Any]] = []  # [parent message, replies left, replies]
    threads: list[tuple[Message, list[Message]]] = []
    for ts in _timestamps(rng, day, count):
        author = writer.pick(people)
        if open_threads and rng.random() < P_REPLY:
            thread = open_threads[rng.randrange(len(open_threads))]
            message = _human(writer, author, ts, event=rng.random() < P_EVENT / 2)
            message["thread_ts"] = thread[0]["ts"]
            if rng.random() < P_BROADCAST:
                message["subtype"] = "thread_broadcast"
                kinds["thread_broadcast"] += 1
            else:
                message["parent_user_id"] = thread[0].get("user", "")
            thread[2].append(message)
            thread[1] -= 1
            if thread[1] == 0:
                open_threads.remove(thread)
            kinds["reply"] += 1
        else:
            roll = rng.random()
            if roll < P_JOIN:
                message = {
                    "type": "message",
                    "subtype": "channel_join",
                    "ts": ts,
                    "user": author.id,
                    "text": f"<@{author.id}> has joined the channel",
                }
                kinds["channel_join"] += 1
            elif roll < P_JOIN + P_BOT and channel.bots:
                message = _bot(writer, BOTS[writer.pick(channel.bots)], ts)
                kinds["bot_message"] += 1
            else:
                message = _human(writer, author, ts, event=rng.random() < P_EVENT)
                if rng.random() < P_THREAD:
                    replies: list[Message] = []
                    open_threads.append([message, rng.randint(1, 8), replies])
                    threads.append((message, replies))
            kinds["top_level"] += 1
        kinds["event_text" if message.pop("_event", False) else "other_text"] += 1
        messages.append(message)
    for parent, replies in threads:
        if not replies:
            continue
        users = list(dict.fromkeys(r.get("user", "") for r in replies))
        parent.update(
            thread_ts=parent["ts"],
            reply_count=len(replies),
            reply_users_count=len(users),
            latest_reply=replies[-1]["ts"],
            reply_users=users,
            replies=[{"user": r.get("user", ""), "ts": r["ts"]} for r in replies],
            is_locked=False,
            subscribed=False,
        )
        for reply in replies:
            if reply.get("subtype") == "thread_broadcast":
                reply["root"] = {
                    k: parent[k]
                    for k in ("type", "text", "user", "ts", "thread_ts", "reply_count")
                    if k in parent
                }
        kinds["thread"] += 1
    return messages


def _human(writer: _Writer, author: _Person, ts: str, event: bool) -> Message:
    rng = writer.rng
    text = writer.event_text() if event else writer.chatter_text()
    message: Message = {"type": "message", "text": text, "user": author.id, "ts": ts}
    if rng.random() < P_BLOCKS:
        message["client_msg_id"] = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        message["blocks"] = _rich_text_blocks(text, f"{rng.getrandbits(20):05x}")
    message.update(
        team=TEAM_ID,
        user_team=TEAM_ID,
        source_team=TEAM_ID,
        user_profile={
            "first_name": author.real_name.split(" ")[0],
            "real_name": author.real_name,
            "display_name": author.display_name,
            "team": TEAM_ID,
            "name": author.name,
            "is_restricted": False,
            "is_ultra_restricted": False,
        },
    )
    if rng.random() < P_EDIT:
        seconds, _, micros = ts.partition(".")
        message["edited"] = {"user": author.id, "ts": f"{int(seconds) + 120}.{micros}"}
    if rng.random() < P_FILES:
        message["files"] = [
            {
                "id": f"F0B{rng.getrandbits(32):08X}",
                "name": "screenshot.png",
                "mimetype": "image/png",
                "filetype": "png",
                "size": rng.randint(10_000, 900_000),
            }
        ]
        message["upload"] = False
    if rng.random() < P_UNFURL:
        service = writer.pick(SERVICES)
        message["attachments"] = [
            {
                "id": 1,
                "service_name": "GitHub",
                "title": f"Fix retries in {service}",
                "title_link": f"https://github.com/bench-corp/{service}/pull/{rng.randrange(9999)}",
                "text": "Retries now back off exponentially.",
                "fallback": f"[bench-corp/{service}] Fix retries",
            }
        ]
    if rng.random() < P_REACTIONS:
        message["reactions"] = [
            {
                "name": writer.pick(EMOJI),
                "users": [writer.pick(writer.people).id for _ in range(count)],
                "count": count,
            }
            for count in (rng.randint(1, 5) for _ in range(rng.choice((1, 1, 2))))
        ]
    message["_event"] = event
    return message


def _bot(writer: _Writer, bot: tuple[str, str, str], ts: str) -> Message:
    name, bot_id, icon = bot
    rng, service, version = writer.rng, writer.pick(SERVICES), writer.version()
    env = writer.pick(("staging", "staging", "prod"))
    if name == "deploybot":
        text = f"Deployed {service} {version} to {env}"
        attachment = {
            "id": 1,
            "color": "2eb886",
            "fallback": f"{service} {version} to {env}",
            "fields": [
                {"title": "Service", "value": service, "short": True},
                {"title": "Version", "value": version, "short": True},
                {"title": "Environment", "value": env, "short": True},
                {"title": "Triggered by", "value": writer.mention(), "short": True},
            ],
            "footer": "deploybot | ArgoCD",
        }
    elif name == "pagerbot":
        number = rng.randint(1000, 9999)
        text = f":rotating_light: [Triggered] #{number} {service} error rate above 2% for 5m"
        attachment = {
            "id": 1,
            "color": "a30200",
            "fallback": text,
            "title": f"#{number} {service} error rate",
            "title_link": f"https://bench-corp.pagerduty.example/incidents/Q{number}",
        }
    else:
        key = writer.jira()
        text = f"{writer.mention()} moved {key} to *In Review*"
        attachment = {"id": 1, "fallback": key, "title": f"{key}: {service} cleanup"}
    return {
        "type": "message",
        "subtype": "bot_message",
        "text": text,
        "ts": ts,
        "bot_id": bot_id,
        "username": name,
        "icons": {"emoji": icon},
        "attachments": [attachment],
        "_event": False,
    }


# ------------------------------------------------------------------ the export


def _dump(path: Path, payload: Any) -> int:
    """Write JSON the way Slack's exporter does (indented, UTF-8), streamed to the file chunk by
    chunk (json.dump) so a big day file never exists as one string; returns the bytes written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        json.dump(payload, handle, indent=4, ensure_ascii=False)
        handle.write("\n")
    return path.stat().st_size


def write_export(out_dir: Path, spec: SyntheticSpec) -> ExportSummary:
    """Write the export into `out_dir` (created; must be empty or absent), one day file at a
    time. Exactly `spec.messages` message objects are written over `spec.days` days."""
    out_dir.mkdir(parents=True, exist_ok=True)
    if any(out_dir.iterdir()):
        raise ValueError(f"{out_dir} is not empty: refusing to mix exports")
    people, channels = _people(spec), _channels(spec)
    summary = ExportSummary(path=out_dir)
    users = [_user_record(p) for p in people] + [_bot_user_record(i) for i in range(len(BOTS))]
    summary.bytes += _dump(out_dir / "users.json", users)
    channel_records = [_channel_record(c, people) for c in channels]
    summary.bytes += _dump(out_dir / "channels.json", channel_records)
    days = [spec.start + timedelta(days=offset) for offset in range(spec.days)]
    cells = [(channel, day) for day in days for channel in channels]
    counts = _allocate(spec.messages, [c.weight * _day_weight(d) for c, d in cells])
    for (channel, day), count in zip(cells, counts, strict=True):
        (out_dir / channel.name).mkdir(exist_ok=True)
        if count == 0:
            continue
        messages = _day_messages(spec, channel, day, count, people, channels, summary.kinds)
        summary.bytes += _dump(out_dir / channel.name / f"{day.isoformat()}.json", messages)
        summary.messages += len(messages)
        summary.files += 1
    return summary


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.synthetic", description=__doc__)
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--channels", type=int, default=8)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--start", type=date.fromisoformat, default=DEFAULT_START)
    args = parser.parse_args(argv)
    spec = SyntheticSpec(args.messages, args.days, args.channels, args.seed, args.start)
    print(json.dumps(write_export(args.out_dir, spec).as_json(), indent=2))


if __name__ == "__main__":
    main()
