"""The `openai` extractor: candidate messages to events through any OpenAI-compatible chat API.

It never loses a message: a cached answer (table llm_cache) costs nothing, and an answer that
cannot be had (budget spent, API failure after retries, a rejected key, an HTTP body that is not a
chat completion, garbage output) falls back to the rules extractor for that message, counted by
reason in the run metadata. Before each call its worst-case cost is reserved in the usage ledger
(table llm_usage), so concurrent calls and runs never spend past the daily budget; the answer
settles it to the actual (an answer without `usage` keeps the worst case, counted as
llm_calls_without_usage).
"""

import logging
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

import openai
from openai.types.chat import ChatCompletionMessageParam
from openai.types.shared_params import ResponseFormatJSONSchema
from sqlalchemy import Connection, Engine, delete, func, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from slack_events_dagster.domain.llm import (
    PROMPT_VERSION,
    RESPONSE_FORMAT,
    InvalidLLMOutput,
    cache_key,
    cost_usd,
    max_prompt_tokens,
    parse_events,
    system_prompt,
    user_payload,
)
from slack_events_dagster.domain.messages import storable
from slack_events_dagster.domain.rules import ExtractedEvent, ExtractionInput
from slack_events_dagster.resources.rules_extractor import ExtractionStats, RulesExtractor
from slack_events_dagster.settings import ExtractorSettings, LLMSettings
from slack_events_dagster.storage.locks import table_lock_key
from slack_events_dagster.storage.schema import llm_cache, llm_usage
from slack_events_dagster.urls import without_credentials

# domain/llm.py writes the response format as plain JSON, free of the openai package; it has
# the shape of openai's ResponseFormatJSONSchema (a TypedDict, so nothing checks it at run time).
OPENAI_RESPONSE_FORMAT = cast(ResponseFormatJSONSchema, RESPONSE_FORMAT)

logger = logging.getLogger(__name__)
CACHE_LOOKUP_CHUNK = 500
AUTH_FAILED = "AuthenticationError"
MALFORMED_RESPONSE = "malformed_response"


class _OverBudget(Exception):
    """A reservation would take the day's ledger past the budget (rolled back)."""


@dataclass
class _Answer:
    content: str | None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    error: str | None = None
    usage_reported: bool = True
    reserved_usd: float = 0.0  # the worst case booked before the call


class OpenAIExtractor:
    """Events by an LLM, with the rules extractor as the fallback per message; answers are
    cached and their cost booked in the database that `engine()` connects to."""

    def __init__(
        self,
        extractor: ExtractorSettings,
        llm: LLMSettings,
        engine: Callable[[], Engine],
        api_key: str | None,
    ) -> None:
        self.extractor = extractor
        self.llm = llm
        self._engine = engine
        self._api_key = api_key
        self.rules = RulesExtractor(extractor)

    @property
    def name(self) -> str:
        return f"openai:{self.llm.model}"

    def extract_batch(
        self, messages: list[ExtractionInput], log: Any | None = None
    ) -> tuple[list[list[ExtractedEvent]], ExtractionStats]:
        """Events per message (same order) and what it cost."""
        stats = ExtractionStats()
        return self._extract_with_llm(messages, stats, log), stats

    def _rules(self, message: ExtractionInput) -> list[ExtractedEvent]:
        return self.rules.events(message)

    def _keep(self, events: list[ExtractedEvent]) -> list[ExtractedEvent]:
        return self.rules.keep(events)

    def _client(self) -> openai.OpenAI:
        if not self._api_key:
            raise RuntimeError(
                "EXTRACTOR=openai needs OPENAI_API_KEY (environment or .env); for a local "
                "OpenAI-compatible server any non-empty value works"
            )
        return openai.OpenAI(
            api_key=self._api_key,
            base_url=self.llm.base_url or None,
            max_retries=self.llm.max_retries,
            timeout=self.llm.timeout_seconds,
        )

    def _cached(self, keys: list[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        with self._engine().connect() as connection:
            for offset in range(0, len(keys), CACHE_LOOKUP_CHUNK):
                chunk = keys[offset : offset + CACHE_LOOKUP_CHUNK]
                query = select(llm_cache.c.cache_key, llm_cache.c.response).where(
                    llm_cache.c.cache_key.in_(chunk)
                )
                found.update({row.cache_key: row.response for row in connection.execute(query)})
        return found

    def _spent_today(self) -> float:
        """Today's ledger: settled calls plus the reservations of calls still in flight."""
        with self._engine().connect() as connection:
            return _ledger_total(connection, datetime.now(UTC).date().isoformat())

    def worst_case_cost(self, system: str, message: ExtractionInput) -> float:
        """The most one call for `message` can cost: every prompt byte a token, and the full
        max_output_tokens."""
        prompt = max_prompt_tokens(system, user_payload(message, self.llm.max_input_chars))
        return cost_usd(
            prompt,
            self.llm.max_output_tokens,
            self.llm.input_price_per_million,
            self.llm.output_price_per_million,
        )

    def _reserve(self, cost: float) -> int | None:
        """Book `cost` in today's ledger before a call; None (nothing booked) when that would
        pass the daily budget. One reservation at a time: PostgreSQL takes an advisory lock,
        SQLite's first write holds its single writer lock; so the ledger never passes it."""
        now = datetime.now(UTC)
        day = now.date().isoformat()
        try:
            with self._engine().begin() as connection:
                if connection.dialect.name == "postgresql":
                    connection.execute(
                        text("SELECT pg_advisory_xact_lock(:key)"),
                        {"key": table_lock_key(llm_usage)},
                    )
                row_id = connection.execute(
                    insert(llm_usage)
                    .values(
                        day=day,
                        model=self.llm.model,
                        prompt_tokens=0,
                        completion_tokens=0,
                        cost_usd=cost,
                        created_at=now,
                    )
                    .returning(llm_usage.c.id)
                ).scalar_one()
                if _ledger_total(connection, day) > self.llm.daily_budget_usd:
                    raise _OverBudget
        except _OverBudget:
            return None
        return int(row_id)

    def _settle_reservation(self, row_id: int, answer: _Answer | None, log: Any) -> None:
        """Replace a reservation by what the call cost: its usage, or nothing for a failed call.
        It stays at the worst case when the server reported no usage (so the budget still
        holds against it) or the call ended in an exception; and when settling fails, which is
        logged as a warning (the day's budget then counts the worst case)."""
        try:
            self._settle(row_id, answer)
        except Exception as error:  # the answer is paid for: use it, and say what stays booked
            (log or logger).warning(
                f"Could not settle LLM budget reservation {row_id} in table llm_usage "
                f"({type(error).__name__}: {error}): its worst-case cost stays booked for today, "
                "so the daily budget runs out early; check the database"
            )

    def _settle(self, row_id: int, answer: _Answer | None) -> None:
        if answer is None or (answer.error is None and not answer.usage_reported):
            return  # keep the worst case
        with self._engine().begin() as connection:
            if answer.error is not None:
                connection.execute(delete(llm_usage).where(llm_usage.c.id == row_id))
                return
            connection.execute(
                update(llm_usage)
                .where(llm_usage.c.id == row_id)
                .values(
                    prompt_tokens=answer.prompt_tokens,
                    completion_tokens=answer.completion_tokens,
                    cost_usd=self._cost(answer),
                    created_at=datetime.now(UTC),
                )
            )

    def _cost(self, answer: _Answer) -> float:
        return cost_usd(
            answer.prompt_tokens,
            answer.completion_tokens,
            self.llm.input_price_per_million,
            self.llm.output_price_per_million,
        )

    def _cache(self, key: str, answer: _Answer) -> None:
        """Keep a valid answer (the date rules apply again whenever it is read)."""
        try:
            with self._engine().begin() as connection:
                connection.execute(
                    insert(llm_cache).values(
                        cache_key=key,
                        prompt_version=PROMPT_VERSION,
                        model=self.llm.model,
                        response=storable(answer.content or ""),
                        prompt_tokens=answer.prompt_tokens,
                        completion_tokens=answer.completion_tokens,
                        created_at=datetime.now(UTC),
                    )
                )
        except IntegrityError:
            pass  # the same message was answered by a concurrent run: either answer is fine

    def _ask(self, client: openai.OpenAI, system: str, message: ExtractionInput) -> _Answer:
        messages: list[ChatCompletionMessageParam] = [
            {"role": "system", "content": system},
            {"role": "user", "content": user_payload(message, self.llm.max_input_chars)},
        ]
        try:
            response = client.chat.completions.create(
                model=self.llm.model,
                messages=messages,
                response_format=OPENAI_RESPONSE_FORMAT,
                max_completion_tokens=self.llm.max_output_tokens,
                # omit: not sent at all (some small models accept only their default)
                temperature=openai.omit if self.llm.temperature is None else self.llm.temperature,
            )
        except openai.APIError as error:
            return _Answer(None, error=type(error).__name__)
        except ValueError:  # an HTTP 200 whose JSON body does not parse
            return _Answer(None, error=MALFORMED_RESPONSE)
        return _read_completion(response)

    def _parse(
        self, content: str | None, message: ExtractionInput, stats: ExtractionStats
    ) -> list[ExtractedEvent] | None:
        """Validated events of an answer (fresh or cached): implausible dates dropped, at most
        max_events_per_message kept; None when the answer is unusable."""
        try:
            events, repairs = parse_events(
                content or "",
                message,
                message.anchors,
                message.links,
                extractor=self.name,
                max_events=self.extractor.max_events_per_message,
            )
        except InvalidLLMOutput:
            return None
        stats.repaired(repairs.counts)
        stats.dropped_events(repairs.dropped)
        return events

    def _extract_with_llm(
        self, messages: list[ExtractionInput], stats: ExtractionStats, log: Any | None
    ) -> list[list[ExtractedEvent]]:
        keys = [
            cache_key(self.llm.model, m, self.llm.max_input_chars, self.llm.temperature)
            for m in messages
        ]
        cached = self._cached(sorted(set(keys)))
        results: list[list[ExtractedEvent] | None] = [None] * len(messages)
        pending: list[int] = []  # indexes that need a model answer
        for index, (key, message) in enumerate(zip(keys, messages, strict=True)):
            events = self._parse(cached[key], message, stats) if key in cached else None
            if events is None:
                pending.append(index)
            else:
                stats.cache_hits += 1
                results[index] = events

        if pending and self._spent_today() >= self.llm.daily_budget_usd:
            stats.budget_exhausted = True
        if pending and not stats.budget_exhausted:
            client = self._client()
            system = system_prompt()
            budget_spent = threading.Event()
            key_rejected = threading.Event()

            def ask(index: int) -> tuple[int, _Answer | None]:
                if key_rejected.is_set():  # every further call would be refused the same way
                    return index, _Answer(None, error=AUTH_FAILED)
                if budget_spent.is_set():
                    return index, None
                worst_case = self.worst_case_cost(system, messages[index])
                reservation = self._reserve(worst_case)
                if reservation is None:
                    budget_spent.set()
                    return index, None  # the budget ran out during this batch
                answer = None
                try:
                    answer = self._ask(client, system, messages[index])
                    answer.reserved_usd = worst_case
                finally:
                    self._settle_reservation(reservation, answer, log)
                if answer.error == AUTH_FAILED:
                    key_rejected.set()
                return index, answer

            with ThreadPoolExecutor(max_workers=max(self.llm.concurrency, 1)) as pool:
                futures = [pool.submit(ask, index) for index in pending]
                for done, future in enumerate(as_completed(futures), start=1):
                    index, answer = future.result()
                    if answer is None:
                        stats.budget_exhausted = True
                        continue
                    results[index] = self._use(keys[index], messages[index], answer, stats)
                    if log is not None and done % 50 == 0:
                        log.info(f"LLM extraction: {done}/{len(pending)} messages answered")
            stats.auth_failed = key_rejected.is_set()
        if stats.budget_exhausted and log is not None:
            log.warning(
                f"Daily LLM budget of ${self.llm.daily_budget_usd:.2f} is spent: the remaining "
                "messages use the rules extractor (raise llm.daily_budget_usd to change this)"
            )
        final: list[list[ExtractedEvent]] = []
        for index, events in enumerate(results):
            if events is None:  # only messages the budget did not cover are left unanswered
                stats.fallback("budget_exhausted")
                events = self._rules(messages[index])
            final.append(self._keep(events))
        return final

    def _use(
        self, key: str, message: ExtractionInput, answer: _Answer, stats: ExtractionStats
    ) -> list[ExtractedEvent]:
        """Account for one answer; fall back to rules (counted) when it is unusable."""
        if answer.error is not None:
            reason = (
                answer.error if answer.error == MALFORMED_RESPONSE else f"api_error:{answer.error}"
            )
            stats.fallback(reason)
            return self._rules(message)
        stats.llm_calls += 1
        stats.prompt_tokens += answer.prompt_tokens
        stats.completion_tokens += answer.completion_tokens
        if answer.usage_reported:
            stats.cost_usd += self._cost(answer)
        else:  # the ledger keeps the reserved worst case: report what the budget counts
            stats.calls_without_usage += 1
            stats.cost_usd += answer.reserved_usd
        events = self._parse(answer.content, message, stats)
        if events is None:
            stats.fallback("invalid_output")
            return self._rules(message)
        self._cache(key, answer)
        return events


def _ledger_total(connection: Connection, day: str) -> float:
    spent = connection.execute(
        select(func.coalesce(func.sum(llm_usage.c.cost_usd), 0.0)).where(llm_usage.c.day == day)
    ).scalar_one()
    return float(spent)


def _token_count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _read_completion(response: Any) -> _Answer:
    """The content and usage of a chat completion; a MALFORMED_RESPONSE error when the body is
    something else (a proxy's page, another API's JSON, missing choices or message)."""
    choices = getattr(response, "choices", None)
    message = (
        getattr(choices[0], "message", None) if isinstance(choices, list) and choices else None
    )
    content = getattr(message, "content", None)
    if message is None or not isinstance(content, (str, type(None))):
        return _Answer(None, error=MALFORMED_RESPONSE)
    usage = getattr(response, "usage", None)
    if usage is None:  # some compatible servers report no usage: the worst case stays booked
        return _Answer(content, usage_reported=False)
    prompt_tokens = _token_count(getattr(usage, "prompt_tokens", None))
    completion_tokens = _token_count(getattr(usage, "completion_tokens", None))
    if prompt_tokens is None or completion_tokens is None:
        return _Answer(None, error=MALFORMED_RESPONSE)
    return _Answer(content, prompt_tokens, completion_tokens)


def check_openai_key(llm: LLMSettings, api_key: str | None = None) -> tuple[bool, str]:
    """`doctor`'s check of the LLM endpoint and key with one free call (models.list): (ok, a
    line to print). The key comes from OPENAI_API_KEY and is never part of the line."""
    key = api_key if api_key is not None else os.environ.get("OPENAI_API_KEY", "")
    where = without_credentials(llm.base_url or "https://api.openai.com/v1")
    if not key:
        return False, "OPENAI_API_KEY is not set: export it or put it in .env"
    client = openai.OpenAI(api_key=key, base_url=llm.base_url or None, max_retries=0, timeout=10)
    try:
        listed = [model.id for model in client.models.list()]
    except openai.AuthenticationError:
        return False, (
            f"{where} rejected OPENAI_API_KEY (401): set the right key in the environment or .env"
        )
    except openai.APIConnectionError:
        return False, f"cannot reach {where}: check OPENAI_BASE_URL and the network"
    except (openai.APIError, ValueError) as error:
        return False, f"{where} did not list models ({type(error).__name__}): check OPENAI_BASE_URL"
    if llm.model not in listed:
        return True, f"key accepted by {where}; note: model {llm.model!r} is not in its model list"
    return True, f"key accepted by {where}; model {llm.model} available"
