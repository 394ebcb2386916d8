"""A Slack workspace export (a folder or a .zip): its files read safely without interpreting the
messages (SlackExport), and the messages of a time window from it (ExportSource, the
`slack.source: export` SlackSource)."""

import json
import re
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from datetime import date, datetime, timedelta
from pathlib import Path, PurePosixPath
from typing import Any, NamedTuple

import orjson

from slack_events_dagster.domain.messages import (
    MAX_CHANNEL_ID_CHARS,
    MAX_NAME_CHARS,
    MessageFilter,
    SlackChannel,
    SlackUser,
    UndecodableMessage,
    message_time,
    shown,
    user_from_payload,
    whole_seconds,
)
from slack_events_dagster.resources.slack_source import (
    MessageWindow,
    ProgressLog,
    SlackSource,
    SlackSourceError,
    select_channels,
)
from slack_events_dagster.settings import SlackSettings

BATCH_ROWS = 5_000  # rows handed on at a time, however big a day file is
LARGE_FILE_BYTES = 8 * 1024 * 1024
# No single export file is read beyond this by default: a zip's day file of a few MB compressed
# can hold gigabytes. Slack's busiest channels write tens of MB a day; slack.max_export_file_mb
# (SLACK_MAX_EXPORT_FILE_MB) raises it.
MAX_FILE_BYTES = 256 * 1024 * 1024
_SPACE = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()
_STRUCTURE = re.compile(r'[\[\]{}"]')
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_CHANNEL_ID = re.compile(r"[A-Za-z0-9]+")
# A channel name is one folder inside the export: no separators, no '.'/'..', nothing unprintable.
_UNSAFE_NAME = re.compile(r"[/\\\x00-\x1f\x7f\ud800-\udfff]")
# Where an export names its workspace: file permalinks, and links to its own channels' messages.
_WORKSPACE_LINK = re.compile(
    r"https:\\?/\\?/([a-z0-9][a-z0-9-]*(?:\.enterprise)?)\.slack\.com\\?/"
    r"(?:(?:files|docs)\\?/|archives\\?/([A-Z0-9]+))"
)
WORKSPACE_SCAN_BYTES = 32 * 1024 * 1024  # how much of the export is read to find its workspace
WORKSPACE_SCAN_LINKS = 50


def _value_end(text: str, start: int) -> int:
    """Where the JSON array or object at `start` ends, found without recursion (for values
    nested deeper than the parser's limit); json.JSONDecodeError when it never closes."""
    depth, position = 0, start
    while True:
        found = _STRUCTURE.search(text, position)
        if found is None:
            raise json.JSONDecodeError("Unterminated array or object", text, start)
        if found.group() == '"':
            string = _STRING.match(text, found.start())
            if string is None:
                raise json.JSONDecodeError("Unterminated string", text, found.start())
            position = string.end()
            continue
        depth += 1 if found.group() in "[{" else -1
        position = found.end()
        if depth <= 0:
            return position


def _skip_space(text: str, position: int) -> int:
    """The position of the first character after the JSON whitespace at `position`."""
    space = _SPACE.match(text, position)
    return space.end() if space else position


def _array_items(text: str) -> Iterator[Any]:
    """The items of the JSON array `text`, decoded one at a time (json.JSONDecodeError when it
    is not exactly one array)."""
    position = _skip_space(text, text.index("[") + 1)
    if text.startswith("]", position):
        position += 1
    else:
        while True:
            try:
                item, position = _DECODER.raw_decode(text, position)
            except RecursionError:
                item, position = UndecodableMessage(), _value_end(text, position)
            yield item
            position = _skip_space(text, position)
            if text.startswith(",", position):
                position = _skip_space(text, position + 1)
            elif text.startswith("]", position):
                position += 1
                break
            else:
                raise json.JSONDecodeError("Expecting ',' delimiter", text, position)
    if _skip_space(text, position) != len(text):
        raise json.JSONDecodeError("Extra data", text, position)


def _kept_items(text: str, keep: Callable[[Any], bool]) -> list[Any]:
    """The items of the JSON array `text` that `keep` accepts, decoded in one pass
    (json.JSONDecodeError when it is not exactly one array, whatever was kept)."""
    return [item for item in _array_items(text) if keep(item)]


def _check_array(text: str) -> None:
    """Decode the whole array and keep nothing (json.JSONDecodeError when it is not one)."""
    for _ in _array_items(text):
        pass


def _loads(text: str) -> Any:
    """json.loads, faster: orjson parses, and whatever it refuses goes to json.loads, which
    decides (NaN, an infinite number, a lone surrogate, nesting past orjson's limit: accepted,
    or the same error as before). An integer past 64 bits comes back as a float."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


class NestedTooDeeply(ValueError):
    """A file's JSON is nested deeper than the parser's recursion limit."""


def unsafe_channel_name(name: str) -> str | None:
    """Why `name` cannot be a channel folder inside the export, or None when it can."""
    if name in (".", ".."):
        return "is a relative path"
    if _UNSAFE_NAME.search(name):
        return "holds a path separator or an unprintable character"
    if len(name) > MAX_NAME_CHARS:
        return f"is longer than {MAX_NAME_CHARS} characters"
    return None


class RefusedChannel(NamedTuple):
    """A channels.json entry that is not read: `kind` is its count in `skipped_by_reason`."""

    kind: str  # unsafe_channel or duplicate_channel_id
    note: str  # names the file, the channel and why


def _unusable_channel_id(channel_id: str) -> str | None:
    """Why `channel_id` cannot key stored rows (never cut: runs replace rows by it), or None."""
    if not _CHANNEL_ID.fullmatch(channel_id):
        return "has an id that is not a Slack id"
    if len(channel_id) > MAX_CHANNEL_ID_CHARS:
        return f"has an id longer than {MAX_CHANNEL_ID_CHARS} characters"
    return None


class SlackExport:
    """A Slack workspace export, as a folder or a .zip (optionally with one top-level folder)."""

    def __init__(self, path: Path, max_file_bytes: int = MAX_FILE_BYTES) -> None:
        self.path = path
        self.max_file_bytes = max_file_bytes
        if not path.exists():
            raise SlackSourceError(
                f"Slack export not found at {path}. Set slack.export_path in config.yaml or "
                "SLACK_EXPORT_PATH to a workspace export folder or .zip"
            )
        try:
            self._zip = zipfile.ZipFile(path) if path.is_file() else None
        except (zipfile.BadZipFile, OSError) as error:
            raise SlackSourceError(
                f"{path} is neither a folder nor a readable .zip ({error}): point "
                "slack.export_path or SLACK_EXPORT_PATH at a workspace export folder or .zip"
            ) from None
        self._root = path.resolve()
        self._prefix = self._find_prefix()
        self.refused_channels: list[RefusedChannel] = []  # channels.json entries not read

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

    def _inside(self, relative: str) -> Path:
        """The folder export's file `relative`; ValueError when it resolves outside the export
        (a '..' or an absolute name, or a symlink out of it)."""
        file = (self.path / relative).resolve()
        if not file.is_relative_to(self._root):
            raise ValueError(
                f"{self._label(relative)} resolves to {file}, outside the export {self._root}: "
                "not read"
            )
        return file

    def _too_large(self, relative: str, size: int) -> ValueError:
        return ValueError(
            f"{self._label(relative)} is {size:,} bytes uncompressed, over the "
            f"{self.max_file_bytes:,} byte limit for one export file: not read. If the file is "
            "genuine and the machine has the memory, raise slack.max_export_file_mb in "
            f"config.yaml or SLACK_MAX_EXPORT_FILE_MB (now {self.max_file_bytes / (1 << 20):g})"
        )

    def _read_bytes(self, relative: str) -> bytes | None:
        """A file's bytes, never more than `max_file_bytes` (checked before reading, and while)."""
        limit = self.max_file_bytes
        if self._zip is not None:
            inner = f"{self._prefix}/{relative}" if self._prefix else relative
            info = self._zip.NameToInfo.get(inner)
            if info is None:
                return None
            if info.file_size > limit:
                raise self._too_large(relative, info.file_size)
            with self._zip.open(info) as handle:
                data = handle.read(limit + 1)
        else:
            file = self._inside(relative)
            if not file.is_file():
                return None
            if file.stat().st_size > limit:
                raise self._too_large(relative, file.stat().st_size)
            with file.open("rb") as handle:
                data = handle.read(limit + 1)
        if len(data) > limit:
            raise self._too_large(relative, len(data))
        return data

    def _read_text(self, relative: str) -> str | None:
        data = self._read_bytes(relative)
        return None if data is None else data.decode("utf-8")

    def read_json(self, relative: str) -> Any:
        """Parsed JSON, None when absent; a ValueError naming the file when it is malformed."""
        raw = self._decoded(relative)
        return None if raw is None else self._parsed(raw, relative, _loads)

    def read_messages(
        self, relative: str, keep: Callable[[Any], bool] | None = None
    ) -> list[Any] | Iterator[Any] | None:
        """A day file's messages (None when absent); a ValueError naming the file when it is not
        a JSON list. Files above LARGE_FILE_BYTES never exist as a parsed list (still all or
        nothing): given `keep`, they are decoded once, keeping only the messages it accepts (an
        hour of a busy day); without it, checked whole, then decoded one message at a time."""
        raw = self._decoded(relative)
        if raw is None:
            return None
        is_array = raw.lstrip()[:1] == "["
        if len(raw) > LARGE_FILE_BYTES and is_array:
            if keep is not None:
                return self._parsed(raw, relative, lambda text: _kept_items(text, keep))
            self._parsed(raw, relative, _check_array)
            return _array_items(raw)  # checked above: a bad file yields nothing
        try:
            payload = self._parsed(raw, relative, _loads)
        except NestedTooDeeply:
            if not is_array:
                raise
            # Item by item: a message nested too deeply is skipped, the others still load.
            payload = self._parsed(raw, relative, lambda text: list(_array_items(text)))
        if not isinstance(payload, list):
            raise ValueError(f"{relative}: expected a JSON list of messages")
        return payload

    def _decoded(self, relative: str) -> str | None:
        try:
            return self._read_text(relative)
        except UnicodeDecodeError as error:
            raise ValueError(f"{self._label(relative)}: not UTF-8 ({error})") from error
        except (OSError, EOFError, zipfile.BadZipFile, zlib.error) as error:
            raise ValueError(f"{self._label(relative)}: cannot be read ({error})") from error

    def _parsed(self, raw: str, relative: str, parse: Callable[[str], Any]) -> Any:
        try:
            return parse(raw)
        except json.JSONDecodeError as error:
            raise ValueError(f"{self._label(relative)}: invalid JSON ({error})") from error
        except RecursionError:
            raise NestedTooDeeply(f"{self._label(relative)}: JSON nested too deeply") from None

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
        self.refused_channels = []
        by_id: dict[str, SlackChannel] = {}
        for item in payload:
            if not isinstance(item, dict) or not isinstance(item.get("id"), str):
                continue
            channel_id, name = item["id"], item.get("name")
            name = name if isinstance(name, str) and name else channel_id
            kind, problem = "unsafe_channel", _unusable_channel_id(channel_id)
            problem = problem or unsafe_channel_name(name)
            if problem is None and channel_id in by_id:
                # Read twice, its messages would collide on the (channel_id, ts) key.
                kind = "duplicate_channel_id"
                problem = f"repeats the id of channel {by_id[channel_id].name!r}, which is read"
            if problem is not None:
                note = (
                    f"{self._label('channels.json')}: channel {shown(name)!r} "
                    f"(id {shown(channel_id)!r}) {problem}; its messages are not read"
                )
                self.refused_channels.append(RefusedChannel(kind, note))
                continue
            by_id[channel_id] = SlackChannel(id=channel_id, name=name)
        return sorted(by_id.values(), key=lambda c: c.name)

    def workspace_url(self) -> str | None:
        """The workspace's URL as the export states it, in file permalinks or links to its own
        channels' messages (the most frequent in the first files, read in name order); None
        when it says nothing. Read afresh each call: a quarter of a second on a 1,700-file
        export, and no cache key can see every change inside the channel folders."""
        try:
            channel_ids = {channel.id for channel in self.channels()}
        except SlackSourceError:
            return None
        found: Counter[str] = Counter()
        scanned = 0
        for relative in self._day_file_names():
            try:
                text = self._decoded(relative) or ""
            except ValueError:
                continue
            for link in _WORKSPACE_LINK.finditer(text):
                if link.group(2) is None or link.group(2) in channel_ids:
                    found[link.group(1)] += 1
            scanned += len(text)
            if sum(found.values()) >= WORKSPACE_SCAN_LINKS or scanned >= WORKSPACE_SCAN_BYTES:
                break
        if not found:
            return None
        domain = min(found, key=lambda name: (-found[name], name))
        return f"https://{domain}.slack.com"

    def _day_file_names(self) -> list[str]:
        """`<channel>/<day>.json` paths relative to the export, sorted."""
        if self._zip is not None:
            names = (n.removeprefix(self._prefix).lstrip("/") for n in self._zip.namelist())
        else:
            names = (str(p.relative_to(self.path)) for p in self.path.glob("*/*.json"))
        return sorted(n for n in names if n.endswith(".json") and n.count("/") == 1)

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
        return (self.path / relative).is_file()  # read_messages refuses it if outside the export

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


class ExportWindow(MessageWindow):
    """A window read from export day files, a batch per file (at most BATCH_ROWS rows)."""

    def __init__(
        self,
        export: SlackExport,
        channels: list[SlackChannel],
        users: Mapping[str, SlackUser],
        window: tuple[datetime, datetime],
        message_filter: MessageFilter,
        workspace_url: str | None,
        log: Any | None,
    ) -> None:
        super().__init__(channels, message_filter, workspace_url)
        self.files_read = 0
        self._export = export
        self._users = users
        self._start, self._end = window
        self._log = log
        for refused in export.refused_channels:
            self.bad_files.append(refused.note)
            self.skipped.add(refused.kind)
            if log is not None:
                log.warning(f"Skipping channel: {refused.note}")

    def metadata(self) -> dict[str, Any]:
        return {**super().metadata(), "files_read": self.files_read}

    def batches(self) -> Iterator[list[dict[str, Any]]]:
        # Day files are named by date; read one extra day each side so the export's time zone
        # cannot hide a message, then keep exactly the window.
        start, end = self._start, self._end
        first, last = (start - timedelta(days=1)).date(), (end + timedelta(days=1)).date()
        start_s, end_s = start.timestamp(), end.timestamp()

        def in_window(message: Any) -> bool:
            """Possibly in the window, by the ts's whole seconds (unreadable ts: kept, to be
            counted where it is skipped)."""
            seconds = whole_seconds(message.get("ts")) if isinstance(message, dict) else None
            return seconds is None or (start_s < seconds + 1 and seconds < end_s)

        progress = ProgressLog(self._log)
        for number, channel in enumerate(self._selected, start=1):
            kept = 0
            for relative in self._export.day_files(channel, first, last):
                self.files_read += 1
                try:
                    messages = self._export.read_messages(relative, in_window) or []
                except ValueError as error:
                    self.bad_files.append(str(error))
                    self.skipped.add("bad_file")
                    if self._log is not None:
                        self._log.warning(f"Skipping unreadable export file: {error}")
                    continue
                batch: list[dict[str, Any]] = []
                for message in messages:
                    if not in_window(message):
                        continue  # surely another partition's (without parsing the ts fully)
                    moment = message_time(message.get("ts") if isinstance(message, dict) else None)
                    if moment is not None and not start <= moment < end:
                        continue  # another partition's message
                    row = self._row(channel, message, self._users, relative)
                    if row is not None:
                        batch.append(row)
                    if len(batch) >= BATCH_ROWS:
                        kept += len(batch)
                        yield batch
                        batch = []
                kept += len(batch)
                if batch:
                    yield batch
            progress.info(
                f"#{channel.name}: {kept} messages in the window"
                f" (channel {number} of {len(self._selected)})"
            )


class ExportSource(SlackSource):
    """A workspace export (slack.export_path), read within slack.max_export_file_mb per file."""

    name = "export"

    def __init__(self, slack: SlackSettings, message_filter: MessageFilter) -> None:
        self.slack = slack
        self.message_filter = message_filter

    def export(self) -> SlackExport:
        return SlackExport(
            Path(self.slack.export_path), max_file_bytes=self.slack.max_export_file_mb << 20
        )

    def read(self, start: datetime, end: datetime, log: Any | None = None) -> ExportWindow:
        # Opened here, not in the batches, so a wrong path or channel fails right away.
        export = self.export()
        channels = select_channels(export.channels(), self.slack.channels)
        users = export.users()
        workspace_url = self.slack.workspace_url or export.workspace_url()
        window = ExportWindow(
            export, channels, users, (start, end), self.message_filter, workspace_url, log
        )
        if not workspace_url and log is not None:
            log.warning(
                "The export names no workspace (no file permalinks or links to its channels): "
                "messages are stored without permalinks. Set SLACK_WORKSPACE_URL "
                "(slack.workspace_url), e.g. https://acme.slack.com, to add them"
            )
        return window
