"""Reading a Slack workspace export (a folder or a .zip) without interpreting the messages."""

import json
import re
import zipfile
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path, PurePosixPath
from typing import Any

from slack_events_dagster.domain.messages import SlackChannel, SlackUser, user_from_payload

LARGE_FILE_BYTES = 8 * 1024 * 1024
_SPACE = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()


def _array_items(text: str) -> Iterator[Any]:
    """The items of the JSON array `text`, decoded one at a time (json.JSONDecodeError when it
    is not exactly one array)."""
    position = _SPACE.match(text, text.index("[") + 1).end()
    if text.startswith("]", position):
        position += 1
    else:
        while True:
            item, position = _DECODER.raw_decode(text, position)
            yield item
            position = _SPACE.match(text, position).end()
            if text.startswith(",", position):
                position = _SPACE.match(text, position + 1).end()
            elif text.startswith("]", position):
                position += 1
                break
            else:
                raise json.JSONDecodeError("Expecting ',' delimiter", text, position)
    if _SPACE.match(text, position).end() != len(text):
        raise json.JSONDecodeError("Extra data", text, position)


def _check_array(text: str) -> None:
    """Decode the whole array and keep nothing (json.JSONDecodeError when it is not one)."""
    for _ in _array_items(text):
        pass


class SlackSourceError(RuntimeError):
    """The Slack source cannot be read; the message says which file or setting to fix."""


class SlackExport:
    """A Slack workspace export, as a folder or a .zip (optionally with one top-level folder)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        if not path.exists():
            raise SlackSourceError(
                f"Slack export not found at {path}. Set slack.export_path in config.yaml or "
                "SLACK_EXPORT_PATH to a workspace export folder or .zip"
            )
        self._zip = zipfile.ZipFile(path) if path.is_file() else None
        self._prefix = self._find_prefix()

    def _find_prefix(self) -> str:
        if self._zip is None:
            return ""
        names = [n for n in self._zip.namelist() if PurePosixPath(n).name == "channels.json"]
        if not names:
            raise SlackSourceError(f"{self.path}: no channels.json inside the zip")
        return str(PurePosixPath(min(names, key=len)).parent).removeprefix(".").strip("/")

    def _label(self, relative: str) -> str:
        inner = f"{self._prefix}/{relative}" if self._prefix else relative
        return f"{self.path}!{inner}" if self._zip else str(self.path / relative)

    def _read_text(self, relative: str) -> str | None:
        if self._zip is not None:
            inner = f"{self._prefix}/{relative}" if self._prefix else relative
            try:
                return self._zip.read(inner).decode("utf-8")
            except KeyError:
                return None
        file = self.path / relative
        return file.read_text(encoding="utf-8") if file.is_file() else None

    def read_json(self, relative: str) -> Any:
        """Parsed JSON, None when absent; a ValueError naming the file when it is malformed."""
        raw = self._decoded(relative)
        return None if raw is None else self._parsed(raw, relative, json.loads)

    def read_messages(self, relative: str) -> list[Any] | Iterator[Any] | None:
        """A day file's messages (None when absent); a ValueError naming the file when it is not
        a JSON list. Files above LARGE_FILE_BYTES are checked whole, then decoded one message at
        a time, so a 60 MB day file never exists as a parsed list (still all or nothing)."""
        raw = self._decoded(relative)
        if raw is None:
            return None
        if len(raw) > LARGE_FILE_BYTES and raw.lstrip()[:1] == "[":
            self._parsed(raw, relative, _check_array)
            return _array_items(raw)  # checked above: a bad file yields nothing
        payload = self._parsed(raw, relative, json.loads)
        if not isinstance(payload, list):
            raise ValueError(f"{relative}: expected a JSON list of messages")
        return payload

    def _decoded(self, relative: str) -> str | None:
        try:
            return self._read_text(relative)
        except UnicodeDecodeError as error:
            raise ValueError(f"{self._label(relative)}: not UTF-8 ({error})") from error

    def _parsed(self, raw: str, relative: str, parse: Callable[[str], Any]) -> Any:
        try:
            return parse(raw)
        except json.JSONDecodeError as error:
            raise ValueError(f"{self._label(relative)}: invalid JSON ({error})") from error

    def channels(self) -> list[SlackChannel]:
        try:
            payload = self.read_json("channels.json")
        except ValueError as error:
            raise SlackSourceError(str(error)) from None
        if payload is None:
            raise SlackSourceError(
                f"{self._label('channels.json')} is missing: is this a Slack export?"
            )
        if not isinstance(payload, list):
            raise SlackSourceError(f"{self._label('channels.json')}: expected a list of channels")
        channels = [
            SlackChannel(id=item["id"], name=item.get("name") or item["id"])
            for item in payload
            if isinstance(item, dict) and isinstance(item.get("id"), str)
        ]
        return sorted(channels, key=lambda c: c.name)

    def users(self) -> dict[str, SlackUser]:
        try:
            payload = self.read_json("users.json")
        except ValueError as error:
            raise SlackSourceError(str(error)) from None
        if payload is None:
            return {}  # names fall back to the profile copied into each message
        if not isinstance(payload, list):
            raise SlackSourceError(f"{self._label('users.json')}: expected a list of users")
        users = (user_from_payload(item) for item in payload if isinstance(item, dict))
        return {user.id: user for user in users if user is not None}

    def day_files(self, channel: SlackChannel, first: date, last: date) -> Iterator[str]:
        """Relative paths of the channel's day files from `first` to `last` that exist."""
        day = first
        while day <= last:
            relative = f"{channel.name}/{day.isoformat()}.json"
            if self._exists(relative):
                yield relative
            day += timedelta(days=1)

    def _exists(self, relative: str) -> bool:
        if self._zip is not None:
            inner = f"{self._prefix}/{relative}" if self._prefix else relative
            return inner in self._zip.NameToInfo
        return (self.path / relative).is_file()

    def covered_days(self) -> tuple[date, date] | None:
        """The first and last day with a day file, to find the partitions a demo should run."""
        names: list[str] = (
            [n.removeprefix(self._prefix).lstrip("/") for n in self._zip.namelist()]
            if self._zip is not None
            else [str(p.relative_to(self.path)) for p in self.path.glob("*/*.json")]
        )
        days = []
        for name in names:
            stem = PurePosixPath(name).stem
            try:
                days.append(date.fromisoformat(stem))
            except ValueError:
                continue
        return (min(days), max(days)) if days else None
