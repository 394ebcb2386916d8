"""The Slack Web API client (slack_sdk) the pipeline reads and posts with, politely.

Paging: slack_sdk's SlackResponse iteration follows the cursors (`SlackClient._pages`). Retries:
Retry-After honoured on 429, 5xx and connection errors retried with backoff (slack_sdk retry
handlers). Errors: every failure becomes a SlackSourceError that names what was being done and
what to fix; PermanentSlackError when a retry would get the same answer.

Only a process that talks to Slack imports this module (and slack_sdk, about 0.07 s): an export
run that posts nothing never does.
"""

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.http_retry.handler import RetryHandler

from slack_events_dagster.domain.messages import (
    SlackChannel,
    SlackUser,
    parse_ts,
    user_from_payload,
)
from slack_events_dagster.resources.slack_source import PermanentSlackError, SlackSourceError
from slack_events_dagster.urls import without_credentials

PAGE_SIZE = 200
SERVER_ERROR_STATUSES = (500, 502, 503, 504)

# What a Slack error code means for the person running the pipeline.
ERROR_ADVICE = {
    "invalid_auth": "Slack rejected the token: check that SLACK_BOT_TOKEN is the app's Bot User "
    "OAuth Token (xoxb-...) and that the app is still installed in the workspace",
    "not_authed": "No token was sent: set SLACK_BOT_TOKEN (environment or .env)",
    "token_revoked": "The token was revoked: reinstall the Slack app and update SLACK_BOT_TOKEN",
    "account_inactive": "The bot's account is deactivated: reinstall the Slack app",
    "not_in_channel": "The bot is not a member of the channel: invite it there with "
    "`/invite @<your app>`",
    "channel_not_found": "Slack does not know this channel or the bot cannot see it: check the id "
    "or name in slack.channels (reading) or digest.targets (posting); private channels also need "
    "the groups:read and groups:history scopes and an invitation",
    "missing_scope": "The app lacks an OAuth scope: add it under OAuth & Permissions, reinstall "
    "the app and update SLACK_BOT_TOKEN",
    "ratelimited": "Slack kept rate-limiting after all retries: lower the concurrency with "
    "`dagster instance concurrency set slack_api 1` or retry later",
}


# Slack's own transient answers; any other error code Slack answers with (HTTP below 500, not
# 429) is permanent: the same request gets the same answer until a person fixes the cause.
TRANSIENT_ERRORS = frozenset(
    {
        "ratelimited",
        "rate_limited",
        "internal_error",
        "fatal_error",
        "service_unavailable",
        "request_timeout",
    }
)


@dataclass
class ApiStats:
    """Counters reported as materialisation metadata."""

    api_calls: int = 0
    retries: int = 0
    rate_limit_wait_seconds: float = 0.0
    calls_by_method: dict[str, int] = field(default_factory=dict)


class _CountingRateLimitHandler(RateLimitErrorRetryHandler):
    """Honours Retry-After (slack_sdk's behaviour) and records the time spent waiting."""

    def __init__(self, stats: ApiStats, max_retry_count: int) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.stats = stats

    def prepare_for_next_attempt(self, **kwargs: Any) -> None:
        started = time.monotonic()
        super().prepare_for_next_attempt(**kwargs)
        self.stats.retries += 1
        self.stats.rate_limit_wait_seconds += time.monotonic() - started


class _CountingServerErrorHandler(ServerErrorRetryHandler):
    """Retries 5xx answers with exponential backoff."""

    def __init__(self, stats: ApiStats, max_retry_count: int, backoff: float) -> None:
        super().__init__(
            max_retry_count=max_retry_count,
            interval_calculator=BackoffRetryIntervalCalculator(backoff_factor=backoff),
        )
        self.stats = stats

    def _can_retry(self, *, response: Any = None, **kwargs: Any) -> bool:
        return response is not None and response.status_code in SERVER_ERROR_STATUSES

    def prepare_for_next_attempt(self, **kwargs: Any) -> None:
        super().prepare_for_next_attempt(**kwargs)
        self.stats.retries += 1


class _CountingConnectionErrorHandler(ConnectionErrorRetryHandler):
    def __init__(self, stats: ApiStats, max_retry_count: int, backoff: float) -> None:
        super().__init__(
            max_retry_count=max_retry_count,
            interval_calculator=BackoffRetryIntervalCalculator(backoff_factor=backoff),
            error_types=[OSError],
        )
        self.stats = stats

    def prepare_for_next_attempt(self, **kwargs: Any) -> None:
        super().prepare_for_next_attempt(**kwargs)
        self.stats.retries += 1


class _CountingWebClient(WebClient):
    """A WebClient that counts the API calls it makes (one per request, not per retry)."""

    def __init__(self, stats: ApiStats, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.stats = stats

    def _count(self, api_method: str) -> None:
        self.stats.api_calls += 1
        self.stats.calls_by_method[api_method] = self.stats.calls_by_method.get(api_method, 0) + 1

    def api_call(self, api_method: str, **kwargs: Any) -> Any:
        self._count(api_method)
        return super().api_call(api_method, **kwargs)

    def _request_for_pagination(self, api_url: str, req_args: dict[str, Any]) -> dict[str, Any]:
        """The next page of a SlackResponse being iterated (counted like a first call)."""
        self._count(api_url.rstrip("/").rsplit("/", 1)[-1])
        return super()._request_for_pagination(api_url, req_args)


def _ts_param(value: Decimal) -> str:
    return f"{value:.6f}"


def describe_error(error: SlackApiError, doing: str) -> SlackSourceError:
    """A SlackApiError turned into a message that says what to do (never includes the token)."""
    response = error.response
    status = getattr(response, "status_code", None)
    data = response.data if isinstance(getattr(response, "data", None), dict) else {}
    code = data.get("error") or (f"HTTP {status}" if status else "unknown error")
    advice = ERROR_ADVICE.get(code, "")
    if code == "missing_scope" and data.get("needed"):
        advice = f"The app needs the OAuth scope {data['needed']}: " + advice.split(": ", 1)[1]
    if status and status >= 500:
        advice = (
            f"Slack answered HTTP {status} after every retry: Slack may be degraded, retry later"
        )
    permanent = (
        bool(data.get("error"))
        and code not in TRANSIENT_ERRORS
        and (status is None or (status < 500 and status != 429))
    )
    message = f"Slack API error while {doing}: {code}. {advice}".strip()
    return PermanentSlackError(message, code) if permanent else SlackSourceError(message)


class SlackClient:
    """The Slack Web API as the pipeline uses it: it reads (channels, history, threads, users,
    permalinks) and posts (chat.postMessage, chat.update), pages with slack_sdk's cursor
    iteration, retries what slack_sdk retries, counts its calls in `stats`, and turns every
    failure into a SlackSourceError that says what to do (PermanentSlackError when a retry
    cannot help)."""

    def __init__(
        self,
        token: str,
        base_url: str | None = None,
        max_retries: int = 5,
        backoff_seconds: float = 1.0,
        timeout_seconds: int = 30,
        page_size: int = PAGE_SIZE,
    ) -> None:
        self.page_size = page_size
        self.max_retries = max_retries
        self.timeout_seconds = timeout_seconds
        self.stats = ApiStats()
        handlers: list[RetryHandler] = [
            _CountingRateLimitHandler(self.stats, max_retries),
            _CountingServerErrorHandler(self.stats, max_retries, backoff_seconds),
            _CountingConnectionErrorHandler(self.stats, max_retries, backoff_seconds),
        ]
        options: dict[str, Any] = {"token": token, "timeout": timeout_seconds}
        if base_url:
            options["base_url"] = base_url if base_url.endswith("/") else base_url + "/"
        self.client = _CountingWebClient(self.stats, retry_handlers=handlers, **options)
        self._users: dict[str, SlackUser | None] = {}
        self._permalinks: dict[tuple[str, str], str] = {}

    def _call(self, doing: str, method: str, **params: Any) -> dict[str, Any]:
        """One API call's data; a failure becomes a SlackSourceError saying what to do."""
        with self._errors(doing):
            return getattr(self.client, method)(**params).data

    def _pages(self, doing: str, method: str, **params: Any) -> Iterator[dict[str, Any]]:
        """Every page of a cursor-paginated method, by slack_sdk's SlackResponse iteration
        (it follows response_metadata.next_cursor until Slack gives none)."""
        with self._errors(doing):
            for page in getattr(self.client, method)(limit=self.page_size, **params):
                yield page.data

    @contextmanager
    def _errors(self, doing: str) -> Iterator[None]:
        try:
            yield
        except SlackApiError as error:
            raise describe_error(error, doing) from None
        except OSError as error:  # refused, timed out, DNS, TLS: after slack_sdk's retries
            raise self.unreachable(error, doing) from error

    def unreachable(self, error: OSError, doing: str) -> SlackSourceError:
        """A connection failure that outlived every retry, with what to check."""
        reason = getattr(error, "reason", None) or error
        if isinstance(reason, TimeoutError) or "timed out" in str(reason):
            what = f"no answer within slack.request_timeout_seconds ({self.timeout_seconds} s)"
        else:
            what = f"{type(reason).__name__}: {reason}"
        return SlackSourceError(
            f"Could not reach the Slack API at {without_credentials(self.client.base_url)} "
            f"while {doing} "
            f"({what}, after {self.max_retries} retries). Check the network and any proxy "
            "(HTTPS_PROXY), that SLACK_API_BASE_URL (slack.base_url) is unset for slack.com or "
            "points at a server that answers, and raise slack.request_timeout_seconds "
            "(SLACK_REQUEST_TIMEOUT_SECONDS) if Slack is merely slow."
        )

    def check_auth(self) -> dict[str, Any]:
        """auth.test: fail fast with advice when the token is wrong."""
        return self._call("checking the bot token (auth.test)", "auth_test")

    def channels(self) -> tuple[list[SlackChannel], set[str]]:
        """Every channel the token can list (public and private) and the ids the bot is in."""
        found: list[SlackChannel] = []
        members: set[str] = set()
        pages = self._pages(
            "listing channels (conversations.list)",
            "conversations_list",
            types="public_channel,private_channel",
            exclude_archived=True,
        )
        for page in pages:
            for item in page.get("channels", []):
                if isinstance(item, dict) and item.get("id"):
                    found.append(SlackChannel(item["id"], item.get("name") or item["id"]))
                    if item.get("is_member"):
                        members.add(item["id"])
        return sorted(found, key=lambda c: c.name), members

    def channel_by_id(self, channel_id: str) -> SlackChannel:
        data = self._call(
            f"looking up channel {channel_id}", "conversations_info", channel=channel_id
        )
        return SlackChannel(channel_id, data["channel"].get("name") or channel_id)

    def _messages(self, doing: str, method: str, **params: Any) -> Iterator[dict[str, Any]]:
        for page in self._pages(doing, method, **params):
            yield from (m for m in page.get("messages", []) if isinstance(m, dict))

    def history(self, channel: SlackChannel, oldest: Decimal, latest: Decimal) -> list[dict]:
        """Top-level messages (and broadcasts) with oldest <= ts < latest, oldest first."""
        messages = self._messages(
            f"reading #{channel.name} ({channel.id}) history",
            "conversations_history",
            channel=channel.id,
            oldest=_ts_param(oldest),
            latest=_ts_param(latest),
            inclusive=True,  # [oldest, latest]; the exclusive end is applied below, exactly
        )
        kept = [m for m in messages if (ts := parse_ts(m.get("ts"))) and oldest <= ts < latest]
        return sorted(kept, key=lambda m: Decimal(m["ts"]))

    def replies(
        self, channel: SlackChannel, thread_ts: str, oldest: Decimal, latest: Decimal
    ) -> list[dict]:
        """The thread's replies (not the parent) with oldest <= ts < latest, oldest first."""
        messages = self._messages(
            f"reading a thread in #{channel.name} ({channel.id})",
            "conversations_replies",
            channel=channel.id,
            ts=thread_ts,
            oldest=_ts_param(oldest),
            latest=_ts_param(latest),
            inclusive=True,
        )
        kept = [
            m
            for m in messages
            if m.get("ts") != thread_ts and (ts := parse_ts(m.get("ts"))) and oldest <= ts < latest
        ]
        return sorted(kept, key=lambda m: Decimal(m["ts"]))

    def post(
        self, channel_id: str, text: str, blocks: list[dict[str, Any]], what: str = "the digest"
    ) -> str:
        """chat.postMessage of `what` (named in errors); the new message's ts."""
        data = self._call(
            f"posting {what} to {channel_id} (chat.postMessage)",
            "chat_postMessage",
            channel=channel_id,
            text=text,
            blocks=blocks,
            unfurl_links=False,
        )
        return data["ts"]

    def update(self, channel_id: str, ts: str, text: str, blocks: list[dict[str, Any]]) -> str:
        """chat.update of a message the bot posted earlier."""
        data = self._call(
            f"updating the digest in {channel_id} (chat.update)",
            "chat_update",
            channel=channel_id,
            ts=ts,
            text=text,
            blocks=blocks,
        )
        return data.get("ts") or ts

    def user(self, user_id: str) -> SlackUser | None:
        """users.info, cached per run; a deleted or unknown user is None, never a failure."""
        if user_id not in self._users:
            try:
                data = self.client.users_info(user=user_id).data
                self._users[user_id] = user_from_payload(data.get("user") or {})  # type: ignore[union-attr]
            except SlackApiError as error:
                if error.response.get("error") not in ("user_not_found", "users_not_found"):
                    raise describe_error(error, f"looking up user {user_id}") from None
                self._users[user_id] = None
            except OSError as error:
                raise self.unreachable(error, f"looking up user {user_id}") from error
        return self._users[user_id]

    def permalink(self, channel_id: str, ts: str) -> str | None:
        """chat.getPermalink, cached per run (only used when no workspace URL is configured)."""
        key = (channel_id, ts)
        if key not in self._permalinks:
            data = self._call(
                f"getting a permalink in {channel_id}",
                "chat_getPermalink",
                channel=channel_id,
                message_ts=ts,
            )
            self._permalinks[key] = data.get("permalink") or ""
        return self._permalinks[key] or None
