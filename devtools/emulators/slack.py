"""A local Slack Web API emulator that serves a workspace export over the real endpoints.

Tests and demos point the real `slack_sdk.WebClient` at it (`base_url=emulator.base_url`), so the
code under test goes through the same HTTP requests, pagination, error payloads and retry handlers
as against slack.com, without network access or a workspace. Faults (429, 500, slow answers,
`ok: false` errors) and edits/deletions can be injected while it runs.

Run it by hand: `python -m devtools.emulators.slack --export sample_data/slack_export`
(serves until Ctrl-C and prints the environment variables that point the app at it).
"""

from __future__ import annotations

import argparse
import base64
import binascii
import copy
import email.parser
import email.policy
import json
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from devtools import CHECKOUT
from devtools.emulators._server import (
    LocalHTTPService,
    banner,
    check_fault,
    credential_from,
)
from slack_events_dagster.resources.slack_export import SlackExport

DEFAULT_TOKEN = "xoxb-emulator-token"
DEFAULT_WORKSPACE_URL = "https://acme-demo.slack.com"
# "hang": accept the request and never answer (until the emulator stops, or for `delay` seconds
# when given), then drop the connection, as a dead proxy or a black-holed route does.
FAULT_KINDS = frozenset({"rate_limited", "server_error", "slow", "error", "hang"})
MAX_BLOCKS = 50  # per message
MAX_SECTION_TEXT = 3000  # characters of a section's text
BOT_USER_ID = "U0EMULATOR"
BOT_ID = "B0EMULATOR"
BOT_USER_NAME = "slack-events"
BOT_APP_ID = "A0EMULATOR"

# The scope Slack names in `needed` when a token lacks it, so a "missing_scope" fault looks real.
_SCOPE_FOR_METHOD = {
    "conversations.list": "channels:read",
    "conversations.info": "channels:read",
    "users.info": "users:read",
    "chat.postMessage": "chat:write",
    "chat.update": "chat:write",
}
_THREAD_FIELDS = ("reply_count", "reply_users_count", "reply_users", "latest_reply", "replies")
Message = dict[str, Any]


class _ApiError(Exception):
    """An `ok: false` answer; Slack sends these with HTTP 200."""

    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.payload: dict[str, Any] = {"ok": False, "error": error, **extra}


@dataclass
class _Fault:
    method: str
    kind: str
    remaining: int  # -1: forever
    retry_after: int
    delay: float
    error: str


@dataclass(frozen=True)
class _Reply:
    status: int
    headers: dict[str, str]
    body: bytes


def _ts_key(ts: str) -> Decimal:
    """Slack ts values compared exactly: floats would merge ts values a microsecond apart."""
    return Decimal(ts)


def _valid_ts(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        return Decimal(value).is_finite()
    except InvalidOperation:
        return False


def _is_root(message: Message) -> bool:
    """A top-level message: no thread, or the parent of one."""
    thread_ts = message.get("thread_ts")
    return thread_ts is None or thread_ts == message["ts"]


def _format_ts(micros: int) -> str:
    seconds, fraction = divmod(micros, 1_000_000)
    return f"{seconds}.{fraction:06d}"


def _encode_cursor(kind: str, value: str) -> str:
    """Opaque to clients, like Slack's, but stable: the same cursor always gives the same page."""
    return base64.urlsafe_b64encode(f"{kind}:{value}".encode()).decode("ascii")


def _decode_cursor(cursor: str, kind: str) -> str:
    try:
        decoded = base64.urlsafe_b64decode(cursor.encode("ascii")).decode("utf-8")
    except (binascii.Error, UnicodeError, ValueError):
        raise _ApiError("invalid_cursor") from None
    prefix, _, value = decoded.partition(":")
    if prefix != kind or not value:
        raise _ApiError("invalid_cursor")
    return value


def _json_reply(
    payload: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None
) -> _Reply:
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    content_type = {"Content-Type": "application/json; charset=utf-8"}
    return _Reply(status, {**content_type, **(headers or {})}, body)


def _form_value(value: Any) -> str:
    """JSON body values as the strings a form body would carry."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    return json.dumps(value)


class SlackEmulator(LocalHTTPService):
    """Serves one Slack export over HTTP as the Slack Web API, with injectable faults."""

    service_name = "Slack emulator"

    def __init__(
        self,
        export_path: Path,
        *,
        token: str = DEFAULT_TOKEN,
        workspace_url: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.token = token
        super().__init__(host, port)
        self._lock = threading.RLock()
        self._stopping = threading.Event()  # releases requests held by a "hang" fault
        self._faults: list[_Fault] = []
        self._calls: list[tuple[str, dict[str, str]]] = []
        self._removed_from: set[str] = set()
        self._channels: list[dict[str, Any]] = []
        self._users: dict[str, dict[str, Any]] = {}
        self._messages: dict[str, dict[str, Message]] = {}
        self._posted: list[tuple[str, str]] = []  # (channel, ts) of chat.postMessage, in order
        self._posted_last: dict[tuple[str, str], Message] = {}  # kept for deleted posts
        self._clock_us = 0  # last ts handed out, in microseconds
        export = SlackExport(Path(export_path))
        self._load(export)
        # The workspace the export is from (its own links say), as slack.com would answer.
        self.workspace_url = (
            workspace_url or export.workspace_url() or DEFAULT_WORKSPACE_URL
        ).rstrip("/")
        self._team_id = self._guess_team_id()
        self._handlers: dict[str, Callable[[dict[str, str]], dict[str, Any]]] = {
            "auth.test": self._auth_test,
            "conversations.list": self._conversations_list,
            "conversations.info": self._conversations_info,
            "conversations.history": self._conversations_history,
            "conversations.replies": self._conversations_replies,
            "users.info": self._users_info,
            "chat.getPermalink": self._chat_get_permalink,
            "chat.postMessage": self._chat_post_message,
            "chat.update": self._chat_update,
        }

    # ----------------------------------------------------------------- loading

    def _load(self, export: SlackExport) -> None:
        """Reads everything up front, so a broken export fails at construction, not mid-test."""
        channels = export.read_json("channels.json")
        if not isinstance(channels, list):
            raise ValueError(f"{export.path}: channels.json is missing or not a list")
        users = export.read_json("users.json") or []
        self._users = {
            user["id"]: user
            for user in users
            if isinstance(user, dict) and isinstance(user.get("id"), str)
        }
        by_id = {c.id: c for c in export.channels()}
        covered = export.covered_days()
        for payload in channels:
            if not isinstance(payload, dict) or payload.get("id") not in by_id:
                continue
            self._channels.append(payload)
            store: dict[str, Message] = {}
            if covered is not None:
                for relative in export.day_files(by_id[payload["id"]], *covered):
                    day = export.read_json(relative)
                    for message in day if isinstance(day, list) else []:
                        if isinstance(message, dict) and _valid_ts(message.get("ts")):
                            store[message["ts"]] = message
            self._messages[payload["id"]] = store

    def _guess_team_id(self) -> str:
        teams = Counter(u["team_id"] for u in self._users.values() if u.get("team_id"))
        return teams.most_common(1)[0][0] if teams else "T0EMULATOR"

    # ----------------------------------------------------------------- lifecycle

    def start(self) -> SlackEmulator:
        self._stopping.clear()
        return super().start()

    def stop(self) -> None:
        """Also lets go of requests a "hang" fault is holding."""
        self._stopping.set()
        super().stop()

    @property
    def base_url(self) -> str:
        """With the trailing slash: slack_sdk joins the method name onto it."""
        return self.origin + "/api/"

    # ----------------------------------------------------------------- faults and call log

    def add_fault(
        self,
        method: str,
        kind: str,
        *,
        times: int = 1,
        retry_after: int = 1,
        delay: float = 0.0,
        error: str = "",
    ) -> None:
        """Makes the next `times` matching requests (-1: all) fail or stall in the given way."""
        check_fault(kind, FAULT_KINDS, times)
        if kind == "error" and not error:
            raise ValueError('an "error" fault needs error=..., e.g. "invalid_auth"')
        with self._lock:
            self._faults.append(_Fault(method, kind, times, retry_after, delay, error))

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def _take_fault(self, method: str) -> _Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.method in (method, "*"):
                    if fault.remaining > 0:
                        fault.remaining -= 1
                        if fault.remaining == 0:
                            self._faults.remove(fault)
                    return fault
        return None

    @property
    def calls(self) -> list[tuple[str, dict[str, str]]]:
        """Every request in arrival order, faulted ones included; never the token."""
        with self._lock:
            return [(method, dict(params)) for method, params in self._calls]

    def call_count(self, method: str | None = None) -> int:
        with self._lock:
            return sum(1 for called, _ in self._calls if method is None or called == method)

    def reset_calls(self) -> None:
        with self._lock:
            self._calls.clear()

    @property
    def posted(self) -> list[dict[str, Any]]:
        """Copies of the messages the bot posted, in order, as they read now (after chat.update
        or edit_message; a deleted one as it last was), each with its `channel`."""
        with self._lock:
            posted = []
            for channel_id, ts in self._posted:
                current = self._messages[channel_id].get(ts)
                message = copy.deepcopy(current or self._posted_last[(channel_id, ts)])
                posted.append({**message, "channel": channel_id})
            return posted

    # ----------------------------------------------------------------- changing the workspace

    def _channel_store(self, channel_id: str) -> dict[str, Message]:
        if channel_id not in self._messages:
            raise KeyError(f"unknown channel {channel_id!r}")
        return self._messages[channel_id]

    def _stored(self, channel_id: str, ts: str) -> Message:
        store = self._channel_store(channel_id)
        if ts not in store:
            raise KeyError(f"no message {ts!r} in channel {channel_id!r}")
        return store[ts]

    def edit_message(
        self, channel_id: str, ts: str, text: str, *, editor: str, edited_ts: str
    ) -> None:
        """Edits like Slack does; drops `blocks` so the new text is the only content."""
        with self._lock:
            message = self._stored(channel_id, ts)
            message["text"] = text
            message["edited"] = {"user": editor, "ts": edited_ts}
            message.pop("blocks", None)

    def delete_message(self, channel_id: str, ts: str) -> None:
        """Removes the message; a deleted reply changes its parent's recomputed thread fields."""
        with self._lock:
            self._stored(channel_id, ts)
            del self._messages[channel_id][ts]

    def add_message(self, channel_id: str, message: dict[str, Any]) -> None:
        """Stores a copy (a reply when it carries another message's `thread_ts`)."""
        if not _valid_ts(message.get("ts")):
            raise ValueError("a message needs a string ts such as '1700000000.000100'")
        with self._lock:
            self._channel_store(channel_id)[message["ts"]] = copy.deepcopy(message)

    def remove_bot_from(self, channel_id: str) -> None:
        """History and replies for the channel then answer not_in_channel, as after a kick."""
        with self._lock:
            self._channel_store(channel_id)
            self._removed_from.add(channel_id)

    # ----------------------------------------------------------------- request handling

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        emulator = self

        class Handler(BaseHTTPRequestHandler):
            server_version = "SlackEmulator/1.0"

            def do_GET(self) -> None:
                self._serve(b"")

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self._serve(self.rfile.read(length) if length > 0 else b"")

            def _serve(self, body: bytes) -> None:
                reply = emulator._respond(
                    self.path,
                    self.headers.get("Content-Type", ""),
                    body,
                    self.headers.get("Authorization", ""),
                )
                if reply is None:  # a "hang" fault: no answer at all
                    self.close_connection = True
                    return
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # tests stay quiet; `calls` is the record

        return Handler

    @staticmethod
    def _parse_params(query: str, content_type: str, body: bytes) -> dict[str, str]:
        """Query string and body merged, as Slack accepts either for any method."""
        params = {
            key: values[-1] for key, values in parse_qs(query, keep_blank_values=True).items()
        }
        mime = content_type.split(";", 1)[0].strip().lower()
        if not body:
            return params
        if mime == "application/json":
            try:
                data = json.loads(body.decode("utf-8"))
            except (UnicodeError, json.JSONDecodeError):
                raise _ApiError("invalid_json") from None
            if not isinstance(data, dict):
                raise _ApiError("invalid_json")
            params.update({str(key): _form_value(value) for key, value in data.items()})
        elif mime == "multipart/form-data":
            header = f"Content-Type: {content_type}\r\n\r\n".encode()
            parsed = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(header + body)
            for part in parsed.iter_parts():
                name = part.get_param("name", header="content-disposition")
                payload = part.get_payload(decode=True)
                if isinstance(name, str) and isinstance(payload, bytes):
                    params[name] = payload.decode("utf-8", errors="replace")
        else:
            form = parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)
            params.update({key: values[-1] for key, values in form.items()})
        return params

    def _respond(
        self, path: str, content_type: str, body: bytes, authorization: str
    ) -> _Reply | None:
        """One request: log it, apply a fault if one matches, check the token, answer."""
        url = urlsplit(path)
        if not url.path.startswith("/api/"):
            return _json_reply({"ok": False, "error": "unknown_method"}, status=404)
        method = url.path.removeprefix("/api/").strip("/")
        try:
            params = self._parse_params(url.query, content_type, body)
        except _ApiError as error:
            with self._lock:
                self._calls.append((method, {}))
            return _json_reply(error.payload)
        token = params.pop("token", None)
        with self._lock:
            self._calls.append((method, dict(params)))

        fault = self._take_fault(method)
        if fault is not None:
            if fault.kind == "rate_limited":
                return _json_reply(
                    {"ok": False, "error": "ratelimited"},
                    status=429,
                    headers={"Retry-After": str(fault.retry_after)},
                )
            if fault.kind == "server_error":
                page = b"<html><body><h1>500 Internal Server Error</h1></body></html>"
                return _Reply(500, {"Content-Type": "text/html; charset=utf-8"}, page)
            if fault.kind == "error":
                extra: dict[str, Any] = {}
                if fault.error == "missing_scope":
                    extra = {
                        "needed": _SCOPE_FOR_METHOD.get(method, "channels:history"),
                        "provided": "channels:read,users:read",
                    }
                return _json_reply({"ok": False, "error": fault.error, **extra})
            if fault.kind == "hang":
                self._stopping.wait(fault.delay or None)
                return None
            time.sleep(fault.delay)  # "slow": then answer normally

        handler = self._handlers.get(method)
        if handler is None:
            return _json_reply({"ok": False, "error": "unknown_method"})
        if authorization.lower().startswith("bearer "):
            token = authorization[len("bearer ") :].strip()
        if not token:
            return _json_reply({"ok": False, "error": "not_authed"})
        if token != self.token:
            return _json_reply({"ok": False, "error": "invalid_auth"})
        try:
            with self._lock:
                return _json_reply(handler(params))
        except _ApiError as error:
            return _json_reply(error.payload)

    # ----------------------------------------------------------------- shared helpers

    def _channel_payload(self, channel_id: str | None) -> dict[str, Any]:
        for payload in self._channels:
            if payload["id"] == channel_id:
                return payload
        raise _ApiError("channel_not_found")

    def _render_channel(self, payload: dict[str, Any]) -> dict[str, Any]:
        channel = copy.deepcopy(payload)
        private = bool(channel.get("is_private"))
        channel["is_member"] = channel["id"] not in self._removed_from
        channel.setdefault("is_channel", not private)
        channel.setdefault("is_group", private)
        channel.setdefault("is_im", False)
        channel.setdefault("is_mpim", False)
        channel.setdefault("is_private", private)
        channel.setdefault("is_archived", False)
        channel.setdefault("name_normalized", channel.get("name", ""))
        if isinstance(channel.get("members"), list):
            channel.setdefault("num_members", len(channel["members"]))
        return channel

    def _readable_channel(self, params: dict[str, str]) -> dict[str, Message]:
        channel_id = params.get("channel", "")
        self._channel_payload(channel_id)
        if channel_id in self._removed_from:
            raise _ApiError("not_in_channel")
        return self._messages[channel_id]

    def _next_ts(self) -> str:
        """Now, but strictly after every ts handed out before and never a stored message's."""
        micros = max(self._clock_us + 1, time.time_ns() // 1000)
        while any(_format_ts(micros) in store for store in self._messages.values()):
            micros += 1
        self._clock_us = micros
        return _format_ts(micros)

    def _postable_channel(self, params: dict[str, str]) -> str:
        """chat.* take the channel id, or its name as `#name` or `name`, like Slack."""
        wanted = params.get("channel", "")
        name = wanted.removeprefix("#")
        for payload in self._channels:
            if payload["id"] == wanted or (name and payload.get("name") == name):
                channel_id = payload["id"]
                if channel_id in self._removed_from:
                    raise _ApiError("not_in_channel")
                if payload.get("is_archived"):
                    raise _ApiError("is_archived")
                return channel_id
        raise _ApiError("channel_not_found")

    @staticmethod
    def _json_list(params: dict[str, str], name: str) -> list[Any] | None:
        """`blocks`/`attachments`: a JSON string in form bodies; JSON bodies carry the list, which
        `_parse_params` has serialised back to the same string. None when absent."""
        raw = params.get(name)
        if raw is None or raw == "":
            return None
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            value = None
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            raise _ApiError(f"invalid_{name}_format" if name == "blocks" else f"invalid_{name}")
        return value

    @staticmethod
    def _check_block_limits(blocks: list[Any] | None) -> None:
        """Slack's limits on a message's blocks: at most 50, section texts of at most 3,000
        characters; beyond them chat.postMessage and chat.update answer `invalid_blocks`."""
        if not blocks:
            return
        errors = []
        if len(blocks) > MAX_BLOCKS:
            errors.append(f"must be less than {MAX_BLOCKS + 1} items [json-pointer:/blocks]")
        for index, block in enumerate(blocks):
            text = block.get("text")
            section = block.get("type") == "section" and isinstance(text, dict)
            if section and len(str(text.get("text", ""))) > MAX_SECTION_TEXT:
                errors.append(
                    f"must be less than {MAX_SECTION_TEXT + 1} characters "
                    f"[json-pointer:/blocks/{index}/text/text]"
                )
        if errors:
            raise _ApiError("invalid_blocks", errors=errors)

    @staticmethod
    def _is_bot_message(message: Message) -> bool:
        return message.get("bot_id") == BOT_ID or message.get("user") == BOT_USER_ID

    @staticmethod
    def _limit(params: dict[str, str], *, default: int, maximum: int) -> int:
        raw = params.get("limit", "")
        if raw == "":
            return default
        try:
            limit = int(raw)
        except ValueError:
            raise _ApiError("invalid_limit") from None
        return default if limit <= 0 else min(limit, maximum)

    @staticmethod
    def _window(params: dict[str, str]) -> Callable[[str], bool]:
        """The oldest/latest filter. No `latest` means no upper bound, not "now": exports can be
        dated in the future, and a clock-dependent default would make tests flaky."""
        bounds: dict[str, Decimal | None] = {}
        for name in ("oldest", "latest"):
            raw = params.get(name, "")
            try:
                bounds[name] = Decimal(raw) if raw not in ("", "now") else None
            except InvalidOperation:
                raise _ApiError(f"invalid_ts_{name}") from None
        oldest, latest = bounds["oldest"], bounds["latest"]
        inclusive = params.get("inclusive", "").lower() in ("true", "1")

        def within(ts: str) -> bool:
            key = _ts_key(ts)
            if oldest is not None and (key < oldest if inclusive else key <= oldest):
                return False
            return latest is None or (key <= latest if inclusive else key < latest)

        return within

    @staticmethod
    def _threads(store: dict[str, Message]) -> dict[str, list[Message]]:
        """Replies per parent ts, oldest first."""
        threads: dict[str, list[Message]] = {}
        for message in store.values():
            if not _is_root(message):
                threads.setdefault(message["thread_ts"], []).append(message)
        for replies in threads.values():
            replies.sort(key=lambda m: _ts_key(m["ts"]))
        return threads

    @staticmethod
    def _render(message: Message, threads: dict[str, list[Message]]) -> Message:
        """A copy with the thread summary recomputed from the replies that exist now."""
        rendered = copy.deepcopy(message)
        if not _is_root(message):
            return rendered
        replies = threads.get(message["ts"], [])
        if not replies:
            for field in _THREAD_FIELDS:
                rendered.pop(field, None)
            rendered.pop("thread_ts", None)
            return rendered
        users: list[str] = []
        for reply in replies:
            author = reply.get("user") or reply.get("bot_id")
            if isinstance(author, str) and author not in users:
                users.append(author)
        rendered["thread_ts"] = message["ts"]
        rendered["reply_count"] = len(replies)
        rendered["reply_users_count"] = len(users)
        rendered["reply_users"] = users
        rendered["latest_reply"] = replies[-1]["ts"]
        rendered["replies"] = [
            {"user": r.get("user") or r.get("bot_id"), "ts": r["ts"]} for r in replies
        ]
        rendered.setdefault("is_locked", False)
        rendered.setdefault("subscribed", False)
        return rendered

    # ----------------------------------------------------------------- methods

    def _auth_test(self, params: dict[str, str]) -> dict[str, Any]:
        team = urlsplit(self.workspace_url).hostname or "emulator"
        return {
            "ok": True,
            "url": self.workspace_url + "/",
            "team": team.split(".", 1)[0],
            "team_id": self._team_id,
            "user": BOT_USER_NAME,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    def _conversations_list(self, params: dict[str, str]) -> dict[str, Any]:
        types = {t.strip() for t in (params.get("types") or "public_channel").split(",")}
        exclude_archived = params.get("exclude_archived", "").lower() in ("true", "1")
        limit = self._limit(params, default=100, maximum=1000)
        matching = [
            channel
            for channel in self._channels
            if ("private_channel" if channel.get("is_private") else "public_channel") in types
            and not (exclude_archived and channel.get("is_archived"))
        ]
        start = 0
        if params.get("cursor"):
            next_id = _decode_cursor(params["cursor"], "next_channel")
            ids = [channel["id"] for channel in matching]
            if next_id not in ids:
                raise _ApiError("invalid_cursor")
            start = ids.index(next_id)
        page, rest = matching[start : start + limit], matching[start + limit :]
        return {
            "ok": True,
            "channels": [self._render_channel(channel) for channel in page],
            "response_metadata": {
                "next_cursor": _encode_cursor("next_channel", rest[0]["id"]) if rest else ""
            },
        }

    def _conversations_info(self, params: dict[str, str]) -> dict[str, Any]:
        channel = self._channel_payload(params.get("channel"))
        return {"ok": True, "channel": self._render_channel(channel)}

    def _conversations_history(self, params: dict[str, str]) -> dict[str, Any]:
        store = self._readable_channel(params)
        within = self._window(params)
        limit = self._limit(params, default=100, maximum=999)
        visible = [
            m
            for m in store.values()
            if (_is_root(m) or m.get("subtype") == "thread_broadcast") and within(m["ts"])
        ]
        visible.sort(key=lambda m: _ts_key(m["ts"]), reverse=True)
        if params.get("cursor"):
            start = _ts_key(_decode_cursor(params["cursor"], "next_ts"))
            visible = [m for m in visible if _ts_key(m["ts"]) <= start]
        page, rest = visible[:limit], visible[limit:]
        threads = self._threads(store)
        return {
            "ok": True,
            "messages": [self._render(m, threads) for m in page],
            "has_more": bool(rest),
            "pin_count": 0,
            "response_metadata": {
                "next_cursor": _encode_cursor("next_ts", rest[0]["ts"]) if rest else ""
            },
        }

    def _conversations_replies(self, params: dict[str, str]) -> dict[str, Any]:
        store = self._readable_channel(params)
        ts = params.get("ts", "")
        if not ts:
            raise _ApiError("invalid_arguments")
        within = self._window(params)
        limit = self._limit(params, default=100, maximum=1000)
        threads = self._threads(store)
        message = store.get(ts)
        if message is not None and not _is_root(message):
            thread: list[Message] = [message]  # a reply's own ts gives just that reply
        else:
            replies = [r for r in threads.get(ts, []) if within(r["ts"])]
            if message is None and ts not in threads:
                raise _ApiError("thread_not_found")
            thread = ([message] if message is not None else []) + replies
        if params.get("cursor"):
            start = _ts_key(_decode_cursor(params["cursor"], "next_ts"))
            thread = [m for m in thread if m is not message and _ts_key(m["ts"]) >= start]
        page, rest = thread[:limit], thread[limit:]
        return {
            "ok": True,
            "messages": [self._render(m, threads) for m in page],
            "has_more": bool(rest),
            "response_metadata": {
                "next_cursor": _encode_cursor("next_ts", rest[0]["ts"]) if rest else ""
            },
        }

    def _users_info(self, params: dict[str, str]) -> dict[str, Any]:
        user = self._users.get(params.get("user", ""))
        if user is None:
            raise _ApiError("user_not_found")
        return {"ok": True, "user": copy.deepcopy(user)}

    def _chat_get_permalink(self, params: dict[str, str]) -> dict[str, Any]:
        channel_id = params.get("channel", "")
        self._channel_payload(channel_id)
        message = self._messages[channel_id].get(params.get("message_ts", ""))
        if message is None:
            raise _ApiError("message_not_found")
        permalink = f"{self.workspace_url}/archives/{channel_id}/p{message['ts'].replace('.', '')}"
        if not _is_root(message):
            permalink += f"?thread_ts={message['thread_ts']}&cid={channel_id}"
        return {"ok": True, "channel": channel_id, "permalink": permalink}

    def _chat_post_message(self, params: dict[str, str]) -> dict[str, Any]:
        channel_id = self._postable_channel(params)
        store = self._messages[channel_id]
        text = params.get("text", "")
        blocks = self._json_list(params, "blocks")
        attachments = self._json_list(params, "attachments")
        if not text and not blocks and not attachments:
            raise _ApiError("no_text")
        self._check_block_limits(blocks)
        parent: Message | None = None
        thread_ts = params.get("thread_ts", "")
        if thread_ts:
            parent = store.get(thread_ts) if _valid_ts(thread_ts) else None
            if parent is None:
                raise _ApiError("invalid_thread_ts")
            if not _is_root(parent):  # replying to a reply lands in the same thread
                parent = store.get(parent["thread_ts"], parent)
        ts = self._next_ts()
        message: Message = {
            "user": BOT_USER_ID,
            "type": "message",
            "ts": ts,
            "bot_id": BOT_ID,
            "app_id": BOT_APP_ID,
            "text": text,
            "team": self._team_id,
            "bot_profile": {
                "id": BOT_ID,
                "app_id": BOT_APP_ID,
                "name": BOT_USER_NAME,
                "deleted": False,
                "team_id": self._team_id,
            },
        }
        if blocks is not None:
            message["blocks"] = blocks
        if attachments is not None:
            message["attachments"] = attachments
        if parent is not None:
            message["thread_ts"] = parent.get("thread_ts") or parent["ts"]
            message["parent_user_id"] = parent.get("user") or parent.get("bot_id")
            if params.get("reply_broadcast", "").lower() in ("true", "1"):
                message["subtype"] = "thread_broadcast"
        store[ts] = message
        self._posted.append((channel_id, ts))
        self._posted_last[(channel_id, ts)] = copy.deepcopy(message)
        return {"ok": True, "channel": channel_id, "ts": ts, "message": copy.deepcopy(message)}

    def _chat_update(self, params: dict[str, str]) -> dict[str, Any]:
        """Blocks and attachments left out are kept, an empty list removes them, as on Slack."""
        channel_id = self._postable_channel(params)
        ts = params.get("ts", "")
        message = self._messages[channel_id].get(ts)
        if message is None:
            raise _ApiError("message_not_found")
        if not self._is_bot_message(message):
            raise _ApiError("cant_update_message")
        text = params.get("text")
        blocks = self._json_list(params, "blocks")
        attachments = self._json_list(params, "attachments")
        if not text and not blocks and not attachments:
            raise _ApiError("no_text")
        self._check_block_limits(blocks)
        if text is not None:
            message["text"] = text
        for name, value in (("blocks", blocks), ("attachments", attachments)):
            if value:
                message[name] = value
            elif value is not None:
                message.pop(name, None)
        message["edited"] = {"user": BOT_USER_ID, "ts": self._next_ts()}
        if (channel_id, ts) in self._posted_last:
            self._posted_last[(channel_id, ts)] = copy.deepcopy(message)
        return {
            "ok": True,
            "channel": channel_id,
            "ts": ts,
            "text": message["text"],
            "message": copy.deepcopy(message),
        }


# --------------------------------------------------------------------- command line


def _resolve_export(raw: str) -> Path:
    """Relative paths from the working directory, else from the project root (the default)."""
    path = Path(raw).expanduser()
    if path.exists() or path.is_absolute():
        return path
    return CHECKOUT / path


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m devtools.emulators.slack",
        description="Serve a Slack workspace export as a local Slack Web API.",
    )
    parser.add_argument(
        "--export", default="sample_data/slack_export", help="export folder or .zip"
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    parser.add_argument(
        "--token",
        default=None,
        help="bot token to accept (default: $SLACK_BOT_TOKEN or a fixed one)",
    )
    parser.add_argument(
        "--workspace-url",
        default=None,
        help=f"default: the export's own workspace, else {DEFAULT_WORKSPACE_URL}",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    """Serves until Ctrl-C, printing how to point the app at the emulator."""
    args = build_parser().parse_args(argv)
    token, shown = credential_from(args.token, "SLACK_BOT_TOKEN", DEFAULT_TOKEN)
    emulator = SlackEmulator(
        _resolve_export(args.export),
        token=token,
        workspace_url=args.workspace_url,
        host=args.host,
        port=args.port,
    ).start()
    messages = sum(len(store) for store in emulator._messages.values())
    emulator.serve_until_interrupted(
        banner(
            f"Slack emulator: {len(emulator._channels)} channels, {messages} messages",
            "Slack Web API",
            emulator.base_url,
            f"SLACK_SOURCE=api SLACK_API_BASE_URL={emulator.base_url} SLACK_BOT_TOKEN={shown}",
        )
    )


if __name__ == "__main__":
    main()
