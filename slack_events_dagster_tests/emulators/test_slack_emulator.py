"""The Slack emulator, driven by the real slack_sdk WebClient over HTTP (no mocks).

Other tests rely on the emulator behaving like slack.com, so these pin the Web API contract it
serves: pagination, ts windows, thread summaries, error payloads and the injected faults.
"""

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from devtools import CHECKOUT
from devtools.emulators.slack import SlackEmulator
from devtools.topology import wait_for
from slack_events_dagster.settings import PROJECT_ROOT

EXPORT = PROJECT_ROOT / "sample_data" / "slack_export"
REAL_EXPORT = PROJECT_ROOT.parent / "shared" / "real_slack" / "olake"
TOKEN = "xoxb-test-token"
# Generous bounds for answers that should come at once: a loaded CI machine can be slow, and a
# wait that only ends early never makes a passing test slower.
PATIENCE_SECONDS = 60
ENG = "C0A1ENG0001"
# engineering, 2026-11-18 (UTC): 33 messages, 15 of them shown by conversations.history.
DAY_START, DAY_END = "1794960000", "1795046400"
PARENT = "1794990453.244944"
REPLIES = ["1794991887.029017", "1794993200.330117", "1794993908.342947", "1794994487.559395"]
BROADCAST = "1794996321.627364"


def _export_messages(channel: str) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = []
    for day in sorted((EXPORT / channel).glob("*.json")):
        messages.extend(json.loads(day.read_text(encoding="utf-8")))
    return messages


def _client(emulator: SlackEmulator, **kwargs: Any) -> WebClient:
    kwargs.setdefault("retry_handlers", [])
    kwargs.setdefault("token", TOKEN)
    return WebClient(base_url=emulator.base_url, **kwargs)


@pytest.fixture(scope="module")
def emulator() -> Iterator[SlackEmulator]:
    """Shared by the read-only tests."""
    with SlackEmulator(EXPORT, token=TOKEN) as running:
        yield running


@pytest.fixture
def fresh() -> Iterator[SlackEmulator]:
    """A private emulator for tests that add faults or change messages."""
    with SlackEmulator(EXPORT, token=TOKEN) as running:
        yield running


@pytest.fixture(scope="module")
def client(emulator: SlackEmulator) -> WebClient:
    return _client(emulator)


def test_auth_test_and_tokens(emulator: SlackEmulator, client: WebClient) -> None:
    assert emulator.base_url.startswith("http://127.0.0.1:")
    assert emulator.base_url.endswith("/api/")
    response = client.auth_test()
    assert response["url"] == "https://acme-demo.slack.com/"  # the export's own workspace
    assert response["team"] == "acme-demo"
    assert response["team_id"] == "T0A1ACME001"
    assert (response["user"], response["user_id"], response["bot_id"]) == (
        "slack-events",
        "U0EMULATOR",
        "B0EMULATOR",
    )
    with pytest.raises(SlackApiError) as wrong:
        _client(emulator, token="xoxb-wrong").auth_test()
    assert wrong.value.response.status_code == 200
    assert wrong.value.response["error"] == "invalid_auth"
    with pytest.raises(SlackApiError) as missing:
        _client(emulator, token=None).auth_test()
    assert missing.value.response["error"] == "not_authed"
    with pytest.raises(SlackApiError) as unknown:
        client.api_call("no.such.method")
    assert unknown.value.response["error"] == "unknown_method"


def test_conversations_list_paginates_over_channels_json(client: WebClient) -> None:
    # slack_sdk follows next_cursor itself; it reuses one response object, so copy each page.
    pages = [dict(page.data) for page in client.conversations_list(limit=2)]
    assert [len(page["channels"]) for page in pages] == [2, 2, 1]
    assert [bool(page["response_metadata"]["next_cursor"]) for page in pages] == [True, True, False]
    listed = [channel for page in pages for channel in page["channels"]]
    expected = json.loads((EXPORT / "channels.json").read_text(encoding="utf-8"))
    assert [c["id"] for c in listed] == [c["id"] for c in expected]
    assert [c["name"] for c in listed] == [
        "releases",
        "incidents",
        "engineering",
        "random",
        "product-launches",
    ]
    assert all(c["is_member"] is True for c in listed)
    assert listed[0]["topic"]["value"] == "Release train: Tue/Thu. Checklist pinned."

    info = client.conversations_info(channel=ENG)["channel"]
    assert (info["id"], info["name"], info["is_member"]) == (ENG, "engineering", True)
    with pytest.raises(SlackApiError) as missing:
        client.conversations_info(channel="C0NOPE")
    assert missing.value.response["error"] == "channel_not_found"
    with pytest.raises(SlackApiError) as bad_cursor:
        client.conversations_list(cursor="not-a-cursor")
    assert bad_cursor.value.response["error"] == "invalid_cursor"


def test_history_pages_newest_first_without_thread_replies(client: WebClient) -> None:
    window = {"channel": ENG, "oldest": DAY_START, "latest": DAY_END, "limit": 5}
    pages = [client.conversations_history(**window)]
    while pages[-1]["has_more"]:
        cursor = pages[-1]["response_metadata"]["next_cursor"]
        again = client.conversations_history(**window, cursor=cursor)
        assert (
            again["messages"] == client.conversations_history(**window, cursor=cursor)["messages"]
        )
        pages.append(again)
    assert [len(p["messages"]) for p in pages] == [5, 5, 5]
    assert [p["has_more"] for p in pages] == [True, True, False]
    assert pages[-1]["response_metadata"]["next_cursor"] == ""
    assert all(p["pin_count"] == 0 for p in pages)

    messages = [m for p in pages for m in p["messages"]]
    ts = [m["ts"] for m in messages]
    assert ts[0] == "1795032955.221238"
    assert ts[-1] == PARENT
    assert ts == sorted(ts, reverse=True)
    assert len(set(ts)) == 15
    replies = [m for m in messages if m.get("thread_ts", m["ts"]) != m["ts"]]
    assert [(m["ts"], m["subtype"]) for m in replies] == [(BROADCAST, "thread_broadcast")]
    assert not set(REPLIES) & set(ts)


def test_history_window_is_exclusive_unless_inclusive(client: WebClient) -> None:
    oldest, latest = BROADCAST, "1795008672.766277"
    between = [
        "1795005326.147752",
        "1794998124.242318",
        "1794997878.977947",
        "1794997296.787877",
        "1794996903.459226",
    ]
    exclusive = client.conversations_history(channel=ENG, oldest=oldest, latest=latest)
    assert [m["ts"] for m in exclusive["messages"]] == between
    inclusive = client.conversations_history(
        channel=ENG, oldest=oldest, latest=latest, inclusive=True
    )
    assert [m["ts"] for m in inclusive["messages"]] == [latest, *between, oldest]
    only_one = client.conversations_history(channel=ENG, oldest=PARENT, latest=PARENT, inclusive=1)
    assert [m["ts"] for m in only_one["messages"]] == [PARENT]
    # A microsecond apart: exact Decimal comparison, not float.
    after = client.conversations_history(channel=ENG, oldest="1794990453.244943", latest=REPLIES[0])
    assert [m["ts"] for m in after["messages"]] == [PARENT]


def test_history_thread_summaries_match_the_export(client: WebClient) -> None:
    fields = ("reply_count", "reply_users_count", "reply_users", "latest_reply", "replies")
    for channel_id, name in [(ENG, "engineering"), ("C0A1INC0001", "incidents")]:
        parents = {m["ts"]: m for m in _export_messages(name) if m.get("reply_count")}
        served = client.conversations_history(channel=channel_id, limit=999)["messages"]
        summaries = {m["ts"]: m for m in served if m.get("reply_count")}
        assert summaries.keys() == parents.keys()
        for ts, parent in parents.items():
            assert {f: summaries[ts][f] for f in fields} == {f: parent[f] for f in fields}


def test_replies_parent_first_then_replies_in_order(client: WebClient) -> None:
    thread = client.conversations_replies(channel=ENG, ts=PARENT)
    assert [m["ts"] for m in thread["messages"]] == [PARENT, *REPLIES]
    assert thread["messages"][0]["reply_count"] == 4
    assert thread["has_more"] is False

    pages = [client.conversations_replies(channel=ENG, ts=PARENT, limit=2)]
    while pages[-1]["has_more"]:
        cursor = pages[-1]["response_metadata"]["next_cursor"]
        pages.append(client.conversations_replies(channel=ENG, ts=PARENT, limit=2, cursor=cursor))
    assert [[m["ts"] for m in p["messages"]] for p in pages] == [
        [PARENT, REPLIES[0]],
        REPLIES[1:3],
        REPLIES[3:],
    ]

    later = client.conversations_replies(channel=ENG, ts=PARENT, oldest=REPLIES[1])
    assert [m["ts"] for m in later["messages"]] == [PARENT, *REPLIES[2:]]

    cross_day = client.conversations_replies(channel=ENG, ts="1795082737.077156")
    assert [m["ts"] for m in cross_day["messages"]] == [
        "1795082737.077156",
        "1795084315.079524",
        "1795161914.882400",
    ]
    lonely = client.conversations_replies(channel=ENG, ts="1795023171.985964")
    assert [m["ts"] for m in lonely["messages"]] == ["1795023171.985964"]
    one_reply = client.conversations_replies(channel=ENG, ts=REPLIES[1])
    assert [m["ts"] for m in one_reply["messages"]] == [REPLIES[1]]
    with pytest.raises(SlackApiError) as missing:
        client.conversations_replies(channel=ENG, ts="1700000000.000001")
    assert missing.value.response["error"] == "thread_not_found"


def test_users_info(client: WebClient) -> None:
    maya = client.users_info(user="U0A1USR0001")["user"]
    assert (maya["name"], maya["real_name"], maya["deleted"]) == ("maya.chen", "Maya Chen", False)
    oliver = client.users_info(user="U0A1USR0011")["user"]
    assert (oliver["name"], oliver["deleted"]) == ("oliver.grant", True)
    with pytest.raises(SlackApiError) as unknown:
        client.users_info(user="U0NOBODY")
    assert unknown.value.response["error"] == "user_not_found"


def test_chat_get_permalink(client: WebClient) -> None:
    top = client.chat_getPermalink(channel=ENG, message_ts=PARENT)
    assert top["channel"] == ENG
    assert top["permalink"] == "https://acme-demo.slack.com/archives/C0A1ENG0001/p1794990453244944"
    reply = client.chat_getPermalink(channel=ENG, message_ts=REPLIES[0])
    assert reply["permalink"] == (
        "https://acme-demo.slack.com/archives/C0A1ENG0001/p1794991887029017"
        "?thread_ts=1794990453.244944&cid=C0A1ENG0001"
    )
    with pytest.raises(SlackApiError) as missing:
        client.chat_getPermalink(channel=ENG, message_ts="1700000000.000001")
    assert missing.value.response["error"] == "message_not_found"


def test_rate_limit_is_retried_by_slack_sdk(fresh: SlackEmulator) -> None:
    fresh.add_fault("conversations.history", "rate_limited", retry_after=1)
    retrying = _client(fresh, retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)])
    response = retrying.conversations_history(channel=ENG, limit=1)
    assert [m["ts"] for m in response["messages"]] == ["1795553824.514979"]
    assert fresh.call_count("conversations.history") == 2

    fresh.add_fault("*", "rate_limited", retry_after=7)
    with pytest.raises(SlackApiError) as limited:
        _client(fresh).users_info(user="U0A1USR0001")
    assert limited.value.response.status_code == 429
    assert limited.value.response.headers["Retry-After"] == "7"
    assert limited.value.response["error"] == "ratelimited"


def test_server_error_and_error_faults(fresh: SlackEmulator) -> None:
    client = _client(fresh)
    fresh.add_fault("conversations.history", "server_error")
    with pytest.raises(SlackApiError) as broken:
        client.conversations_history(channel=ENG)
    assert broken.value.response.status_code == 500
    assert client.conversations_history(channel=ENG, limit=1)["ok"] is True  # consumed

    fresh.add_fault("conversations.replies", "error", error="not_in_channel", times=2)
    for _ in range(2):
        with pytest.raises(SlackApiError) as kicked:
            client.conversations_replies(channel=ENG, ts=PARENT)
        assert kicked.value.response["error"] == "not_in_channel"
    assert client.conversations_replies(channel=ENG, ts=PARENT)["ok"] is True

    fresh.add_fault("conversations.history", "error", error="missing_scope", times=-1)
    for _ in range(3):
        with pytest.raises(SlackApiError) as scope:
            client.conversations_history(channel=ENG)
        assert scope.value.response["needed"] == "channels:history"
    fresh.clear_faults()
    assert client.conversations_history(channel=ENG, limit=1)["ok"] is True
    assert fresh.call_count("conversations.history") == 6
    with pytest.raises(ValueError):
        fresh.add_fault("*", "meltdown")


def test_slow_fault_delays_the_answer(fresh: SlackEmulator) -> None:
    fresh.add_fault("auth.test", "slow", delay=0.3)
    started = time.monotonic()
    assert _client(fresh).auth_test()["ok"] is True
    assert time.monotonic() - started >= 0.3
    fresh.add_fault("auth.test", "slow", delay=30.0)  # far beyond the client's timeout
    with pytest.raises(TimeoutError):
        _client(fresh, timeout=0.2).auth_test()


def test_hang_fault_never_answers_and_stop_releases_it(tmp_path: Path) -> None:
    with SlackEmulator(EXPORT, token=TOKEN) as hanging:
        hanging.add_fault("auth.test", "hang")
        with pytest.raises(TimeoutError):
            _client(hanging, timeout=0.5).auth_test()
        assert _client(hanging).auth_test()["ok"] is True  # only the one request hung
        hanging.add_fault("auth.test", "hang", delay=0.1)  # then the connection is dropped
        with pytest.raises(OSError):
            _client(hanging, timeout=PATIENCE_SECONDS).auth_test()
        hanging.add_fault("*", "hang", times=-1)
        with pytest.raises(TimeoutError):
            _client(hanging, timeout=0.5).conversations_list()
        assert hanging.call_count("auth.test") == 3
        # A request held with no end in sight (its client waits PATIENCE_SECONDS) ...
        outcome: dict[str, Any] = {}
        held = threading.Thread(
            target=_call_into, args=(_client(hanging, timeout=PATIENCE_SECONDS), outcome)
        )
        held.start()
        wait_for(
            "the emulator to hold auth.test",
            lambda: hanging.call_count("auth.test") == 4,
            PATIENCE_SECONDS,
            0.05,
        )
    # ... is let go by stop(): the client sees the connection closed, not its own timeout.
    held.join(PATIENCE_SECONDS / 2)
    assert not held.is_alive(), "stop() left a hung request waiting"
    error = outcome["error"]
    assert isinstance(error, OSError) and not isinstance(error, TimeoutError), repr(error)


def _call_into(client: WebClient, outcome: dict[str, Any]) -> None:
    try:
        outcome["answer"] = client.auth_test()
    except Exception as error:  # what the caller saw
        outcome["error"] = error


def _one_message_export(folder: Path, text: str) -> Path:
    (folder / "general").mkdir(parents=True)
    (folder / "channels.json").write_text(json.dumps([{"id": "C1", "name": "general"}]))
    (folder / "general" / "2026-11-20.json").write_text(json.dumps([{"ts": "1.0", "text": text}]))
    return folder


def test_workspace_url_is_the_exports_own_unless_given(tmp_path: Path) -> None:
    plain_export = _one_message_export(tmp_path / "no_links", "hi")
    with SlackEmulator(plain_export, token=TOKEN) as plain:  # says nothing: the default
        assert _client(plain).auth_test()["url"] == "https://acme-demo.slack.com/"
    link = "see <https://tiny-team.slack.com/archives/C1/p1000000|this>"
    with SlackEmulator(_one_message_export(tmp_path / "linked", link), token=TOKEN) as own:
        assert _client(own).auth_test()["url"] == "https://tiny-team.slack.com/"
    with SlackEmulator(EXPORT, token=TOKEN, workspace_url="https://other.slack.com/") as given:
        assert _client(given).auth_test()["url"] == "https://other.slack.com/"


def test_remove_bot_from_channel(fresh: SlackEmulator) -> None:
    client = _client(fresh)
    fresh.remove_bot_from(ENG)
    for call in (
        lambda: client.conversations_history(channel=ENG),
        lambda: client.conversations_replies(channel=ENG, ts=PARENT),
    ):
        with pytest.raises(SlackApiError) as kicked:
            call()
        assert kicked.value.response["error"] == "not_in_channel"
    members = {c["id"]: c["is_member"] for c in client.conversations_list()["channels"]}
    assert members[ENG] is False
    assert sum(members.values()) == 4
    assert client.conversations_history(channel="C0A1INC0001", limit=1)["ok"] is True


def test_edits_and_deletions_change_what_is_served(fresh: SlackEmulator) -> None:
    client = _client(fresh)

    def history_message(ts: str) -> dict[str, Any] | None:
        served = client.conversations_history(channel=ENG, oldest=DAY_START, latest=DAY_END)
        return next((m for m in served["messages"] if m["ts"] == ts), None)

    fresh.edit_message(
        ENG, "1795023171.985964", "filed a ticket", editor="U0A1USR0006", edited_ts="1795030000.0"
    )
    edited = history_message("1795023171.985964")
    assert edited is not None
    assert edited["text"] == "filed a ticket"
    assert edited["edited"] == {"user": "U0A1USR0006", "ts": "1795030000.0"}
    assert "blocks" not in edited

    fresh.delete_message(ENG, REPLIES[3])  # the only reply by U0A1USR0007
    parent = history_message(PARENT)
    assert parent is not None
    assert parent["reply_count"] == 3
    assert parent["latest_reply"] == REPLIES[2]
    assert parent["reply_users"] == ["U0A1USR0008", "U0A1USR0006", "U0A1USR0005"]
    thread = client.conversations_replies(channel=ENG, ts=PARENT)["messages"]
    assert [m["ts"] for m in thread] == [PARENT, *REPLIES[:3]]

    fresh.add_message(
        ENG,
        {"type": "message", "user": "U0A1USR0003", "text": "late", "ts": "1795000000.000100"}
        | {"thread_ts": PARENT},
    )
    parent = history_message(PARENT)
    assert parent is not None
    assert (parent["reply_count"], parent["latest_reply"]) == (4, "1795000000.000100")

    for ts in [*REPLIES[:3], "1795000000.000100"]:
        fresh.delete_message(ENG, ts)
    parent = history_message(PARENT)
    assert parent is not None
    assert "reply_count" not in parent
    assert "thread_ts" not in parent

    fresh.delete_message(ENG, "1795032955.221238")
    assert history_message("1795032955.221238") is None
    with pytest.raises(KeyError):
        fresh.delete_message(ENG, "1795032955.221238")


def test_calls_are_recorded_without_the_token(fresh: SlackEmulator) -> None:
    client = _client(fresh)
    fresh.add_fault("users.info", "error", error="invalid_auth")
    with pytest.raises(SlackApiError):
        client.users_info(user="U0A1USR0001")
    client.conversations_history(channel=ENG, limit=5)
    client.api_call("auth.test", params={"token": TOKEN})  # a token in the body is accepted too
    assert fresh.calls == [
        ("users.info", {"user": "U0A1USR0001"}),
        ("conversations.history", {"channel": ENG, "limit": "5"}),
        ("auth.test", {}),
    ]
    assert TOKEN not in repr(fresh.calls)
    assert (fresh.call_count(), fresh.call_count("users.info")) == (3, 1)
    fresh.reset_calls()
    assert fresh.calls == []


def test_plain_http_get_query_json_and_multipart_bodies(emulator: SlackEmulator) -> None:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    get = urllib.request.Request(
        emulator.base_url + f"conversations.info?channel={ENG}", headers=headers
    )
    with urllib.request.urlopen(get, timeout=PATIENCE_SECONDS) as response:
        assert response.headers["Content-Type"] == "application/json; charset=utf-8"
        assert json.load(response)["channel"]["name"] == "engineering"
    post = urllib.request.Request(
        emulator.base_url + "users.info",
        data=json.dumps({"user": "U0A1BOT0001"}).encode(),
        headers={**headers, "Content-Type": "application/json; charset=utf-8"},
    )
    with urllib.request.urlopen(post, timeout=PATIENCE_SECONDS) as response:
        assert json.load(response)["user"]["name"] == "deploybot"
    boundary = "emulator-test"
    multipart = urllib.request.Request(
        emulator.base_url + "users.info",
        data=(
            f'--{boundary}\r\nContent-Disposition: form-data; name="user"\r\n\r\n'
            f"U0A1BOT0002\r\n--{boundary}--\r\n"
        ).encode(),
        headers={**headers, "Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    with urllib.request.urlopen(multipart, timeout=PATIENCE_SECONDS) as response:
        assert json.load(response)["user"]["name"] == "pagerbot"


def test_zip_export_and_clean_stop(tmp_path: Path) -> None:
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for file in EXPORT.rglob("*.json"):
            zipped.write(file, f"acme/{file.relative_to(EXPORT).as_posix()}")
    emulator = SlackEmulator(archive, token=TOKEN)
    with pytest.raises(RuntimeError):
        _ = emulator.base_url
    with emulator:
        url = emulator.base_url
        thread = _client(emulator).conversations_replies(channel=ENG, ts=PARENT)
        assert len(thread["messages"]) == 5
    emulator.stop()  # a second stop is harmless
    with pytest.raises(OSError):
        urllib.request.urlopen(url + "auth.test", timeout=1)


@pytest.mark.skipif(not REAL_EXPORT.is_dir(), reason="../shared/real_slack is not checked out")
def test_every_message_of_a_real_export_is_reachable() -> None:
    expected: dict[str, set[str]] = {}
    for channel in json.loads((REAL_EXPORT / "channels.json").read_text(encoding="utf-8")):
        for day in (REAL_EXPORT / channel["name"]).glob("*.json"):
            day_messages = json.loads(day.read_text(encoding="utf-8"))
            expected.setdefault(channel["id"], set()).update(m["ts"] for m in day_messages)
    with SlackEmulator(REAL_EXPORT, token=TOKEN) as emulator:
        client = _client(emulator)
        for channel_id, wanted in expected.items():
            seen: set[str] = set()
            threads: set[str] = set()
            for page in client.conversations_history(channel=channel_id, limit=200):
                for message in page["messages"]:
                    seen.add(message["ts"])
                    threads.add(message.get("thread_ts", message["ts"]))
            orphans = wanted - seen  # replies, maybe to a parent outside the export
            for thread_ts in threads | orphans:
                try:
                    replies = client.conversations_replies(channel=channel_id, ts=thread_ts)
                except SlackApiError:
                    continue
                seen.update(m["ts"] for m in replies["messages"])
            assert seen == wanted, channel_id


def test_command_line_serves_until_interrupted() -> None:
    env = {**os.environ, "SLACK_BOT_TOKEN": "xoxb-secret-from-env"}
    with subprocess.Popen(
        [sys.executable, "-m", "devtools.emulators.slack", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
        cwd=CHECKOUT,  # `python -m devtools...` works from a checkout
    ) as process:
        try:
            assert process.stdout is not None
            lines = [process.stdout.readline() for _ in range(4)]
            output = "".join(lines)
            assert "5 channels" in lines[0]
            base_url = lines[1].split(" at ", 1)[1].strip()
            assert f"SLACK_SOURCE=api SLACK_API_BASE_URL={base_url} " in output
            assert "SLACK_BOT_TOKEN=<from SLACK_BOT_TOKEN>" in output
            assert "xoxb-secret-from-env" not in output
            client = WebClient(token="xoxb-secret-from-env", base_url=base_url, retry_handlers=[])
            assert client.auth_test()["user_id"] == "U0EMULATOR"
            process.send_signal(signal.SIGINT)  # it serves: it has just answered auth.test
            assert process.wait(timeout=PATIENCE_SECONDS) == 0
        finally:
            if process.poll() is None:
                process.kill()


class _CtrlCOnWrite:
    """A stdout whose first write is interrupted, as by a Ctrl-C right after the banner."""

    def write(self, text: str) -> int:
        raise KeyboardInterrupt

    def flush(self) -> None:
        pass


def test_ctrl_c_as_the_banner_is_printed_is_a_clean_stop() -> None:
    """A client may press Ctrl-C (or a test send SIGINT) as soon as it reads the banner: the
    banner is printed inside the interrupt handling, so that is a clean stop, never a crash."""
    emulator = SlackEmulator(EXPORT, token=TOKEN).start()
    base_url = emulator.base_url
    with contextlib.redirect_stdout(_CtrlCOnWrite()):  # type: ignore[type-var]
        emulator.serve_until_interrupted("Serving the Slack Web API")
    with pytest.raises(urllib.error.URLError):  # stopped: nothing listens any more
        urllib.request.urlopen(base_url + "api.test", timeout=PATIENCE_SECONDS)


BLOCKS = [
    {"type": "header", "text": {"type": "plain_text", "text": "Weekly digest"}},
    {"type": "section", "text": {"type": "mrkdwn", "text": "*3* incidents, *2* releases"}},
]


def _history_message(client: WebClient, ts: str) -> dict[str, Any]:
    served = client.conversations_history(channel=ENG, oldest=ts, latest=ts, inclusive=True)
    assert [m["ts"] for m in served["messages"]] == [ts]
    return served["messages"][0]


def test_post_message_with_text_and_blocks(fresh: SlackEmulator) -> None:
    client = _client(fresh)
    response = client.chat_postMessage(
        channel=ENG, text="Weekly digest", blocks=BLOCKS, unfurl_links=False, mrkdwn=True
    )
    ts = response["ts"]
    assert (response["ok"], response["channel"]) == (True, ENG)
    message = response["message"]
    assert (message["type"], message["user"], message["bot_id"]) == (
        "message",
        "U0EMULATOR",
        "B0EMULATOR",
    )
    assert (message["ts"], message["text"], message["blocks"]) == (ts, "Weekly digest", BLOCKS)
    assert message["app_id"] == "A0EMULATOR"
    assert "subtype" not in message
    # slack_sdk sends JSON; the params log shows the body's values as form strings.
    assert fresh.calls[-1][1]["unfurl_links"] == "false"
    assert fresh.call_count("chat.postMessage") == 1

    assert fresh.posted == [{**message, "channel": ENG}]
    served = _history_message(client, ts)
    assert (served["text"], served["blocks"], served["bot_id"]) == (
        "Weekly digest",
        BLOCKS,
        "B0EMULATOR",
    )
    permalink = client.chat_getPermalink(channel=ENG, message_ts=ts)["permalink"]
    assert permalink.endswith("/p" + ts.replace(".", ""))

    # A form body carries blocks as a JSON string; posting by channel name works as on Slack.
    form = urllib.request.Request(
        fresh.base_url + "chat.postMessage",
        data=urllib.parse.urlencode(
            {"channel": "#engineering", "blocks": json.dumps(BLOCKS[:1])}
        ).encode(),
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    with urllib.request.urlopen(form, timeout=PATIENCE_SECONDS) as reply:
        posted_form = json.load(reply)
    assert (posted_form["ok"], posted_form["channel"]) == (True, ENG)
    assert (posted_form["message"]["text"], posted_form["message"]["blocks"]) == ("", BLOCKS[:1])
    assert [p["ts"] for p in fresh.posted] == [ts, posted_form["ts"]]


def test_posted_ts_are_unique_increasing_and_threads_work(fresh: SlackEmulator) -> None:
    client = _client(fresh)
    stamps = [client.chat_postMessage(channel=ENG, text=f"n{i}")["ts"] for i in range(5)]
    assert len(set(stamps)) == 5
    assert [Decimal(ts) for ts in stamps] == sorted(Decimal(ts) for ts in stamps)
    assert all(re.fullmatch(r"\d+\.\d{6}", ts) for ts in stamps)
    assert not set(stamps) & {m["ts"] for m in _export_messages("engineering")}

    reply = client.chat_postMessage(channel=ENG, text="in thread", thread_ts=PARENT)["message"]
    assert (reply["thread_ts"], reply["parent_user_id"]) == (PARENT, "U0A1USR0004")
    nested = client.chat_postMessage(channel=ENG, text="to a reply", thread_ts=REPLIES[0])
    assert nested["message"]["thread_ts"] == PARENT
    thread = client.conversations_replies(channel=ENG, ts=PARENT)["messages"]
    assert thread[0]["reply_count"] == 6
    assert {reply["ts"], nested["ts"]} <= {m["ts"] for m in thread}
    with pytest.raises(SlackApiError) as bad_thread:
        client.chat_postMessage(channel=ENG, text="x", thread_ts="1700000000.000001")
    assert bad_thread.value.response["error"] == "invalid_thread_ts"
    texts = [p["text"] for p in fresh.posted]
    assert texts == ["n0", "n1", "n2", "n3", "n4", "in thread", "to a reply"]
    assert fresh.call_count("chat.postMessage") == 8


def test_update_changes_text_and_blocks_and_keeps_ts(fresh: SlackEmulator) -> None:
    client = _client(fresh)
    ts = client.chat_postMessage(channel=ENG, text="draft", blocks=BLOCKS)["ts"]
    new_blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "final"}}]
    updated = client.chat_update(channel=ENG, ts=ts, text="final", blocks=new_blocks)
    assert (updated["channel"], updated["ts"], updated["text"]) == (ENG, ts, "final")
    message = updated["message"]
    assert (message["ts"], message["text"], message["blocks"]) == (ts, "final", new_blocks)
    assert message["edited"]["user"] == "U0EMULATOR"
    assert Decimal(message["edited"]["ts"]) > Decimal(ts)

    served = _history_message(client, ts)
    assert (served["text"], served["blocks"], served["edited"]) == (
        "final",
        new_blocks,
        message["edited"],
    )
    assert [(p["ts"], p["text"], p["blocks"], p["channel"]) for p in fresh.posted] == [
        (ts, "final", new_blocks, ENG)
    ]

    # As on Slack: blocks left out are kept, an empty list removes them.
    assert client.chat_update(channel=ENG, ts=ts, text="again")["message"]["blocks"] == new_blocks
    cleared = client.chat_update(channel=ENG, ts=ts, text="plain", blocks=[])["message"]
    assert "blocks" not in cleared
    assert "blocks" not in fresh.posted[0]
    with pytest.warns(UserWarning), pytest.raises(SlackApiError) as empty:
        client.chat_update(channel=ENG, ts=ts, text="")
    assert empty.value.response["error"] == "no_text"

    fresh.delete_message(ENG, ts)  # still listed as posted, as it last read
    assert [(p["ts"], p["text"]) for p in fresh.posted] == [(ts, "plain")]
    with pytest.raises(SlackApiError) as gone:
        client.chat_update(channel=ENG, ts=ts, text="too late")
    assert gone.value.response["error"] == "message_not_found"


def test_update_refuses_messages_the_bot_did_not_post(fresh: SlackEmulator) -> None:
    client = _client(fresh)
    with pytest.raises(SlackApiError) as foreign:
        client.chat_update(channel=ENG, ts=PARENT, text="hijacked")
    assert foreign.value.response["error"] == "cant_update_message"
    assert _history_message(client, PARENT)["text"] != "hijacked"
    with pytest.raises(SlackApiError) as missing:
        client.chat_update(channel=ENG, ts="1700000000.000001", text="x")
    assert missing.value.response["error"] == "message_not_found"
    with pytest.raises(SlackApiError) as nowhere:
        client.chat_update(channel="C0NOPE", ts=PARENT, text="x")
    assert nowhere.value.response["error"] == "channel_not_found"
    assert fresh.posted == []


def test_post_message_errors(fresh: SlackEmulator) -> None:
    client = _client(fresh)
    with pytest.raises(SlackApiError) as unknown:
        client.chat_postMessage(channel="C0NOPE", text="hello")
    assert unknown.value.response["error"] == "channel_not_found"
    # slack_sdk warns about the missing text itself before sending.
    with pytest.warns(UserWarning), pytest.raises(SlackApiError) as empty:
        client.chat_postMessage(channel=ENG)
    assert empty.value.response["error"] == "no_text"
    with pytest.raises(SlackApiError) as bad_blocks:
        client.chat_postMessage(channel=ENG, text="x", blocks="not json")
    assert bad_blocks.value.response["error"] == "invalid_blocks_format"

    ts = client.chat_postMessage(channel=ENG, text="before the kick")["ts"]
    fresh.remove_bot_from(ENG)
    for call in (
        lambda: client.chat_postMessage(channel=ENG, text="after the kick"),
        lambda: client.chat_update(channel=ENG, ts=ts, text="after the kick"),
    ):
        with pytest.raises(SlackApiError) as kicked:
            call()
        assert kicked.value.response["error"] == "not_in_channel"
    assert client.chat_postMessage(channel="C0A1INC0001", text="elsewhere")["ok"] is True
    assert [(p["channel"], p["text"]) for p in fresh.posted] == [
        (ENG, "before the kick"),
        ("C0A1INC0001", "elsewhere"),
    ]


def test_faults_apply_to_posting(fresh: SlackEmulator) -> None:
    client = _client(fresh)
    fresh.add_fault("chat.postMessage", "server_error")
    with pytest.raises(SlackApiError) as broken:
        client.chat_postMessage(channel=ENG, text="hello")
    assert broken.value.response.status_code == 500
    assert fresh.posted == []
    ts = client.chat_postMessage(channel=ENG, text="hello")["ts"]  # the fault was consumed

    fresh.add_fault("chat.update", "error", error="missing_scope")
    with pytest.raises(SlackApiError) as scope:
        client.chat_update(channel=ENG, ts=ts, text="edited")
    assert (scope.value.response["error"], scope.value.response["needed"]) == (
        "missing_scope",
        "chat:write",
    )
    fresh.add_fault("chat.postMessage", "rate_limited", retry_after=1)
    retrying = _client(fresh, retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)])
    assert retrying.chat_postMessage(channel=ENG, text="after a 429")["ok"] is True
    assert [p["text"] for p in fresh.posted] == ["hello", "after a 429"]
    assert (fresh.call_count("chat.postMessage"), fresh.call_count("chat.update")) == (4, 1)
