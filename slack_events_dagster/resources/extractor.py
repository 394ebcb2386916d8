"""The `extractor` resource: candidate messages to events, by rules or by an OpenAI-compatible LLM.

The LLM path never loses a message: a cached answer costs nothing, and an answer that cannot be
had (budget spent, API failure after retries, garbage output) falls back to the rules extractor
for that message, counted by reason in the run metadata.
"""

import threading
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

import dagster as dg
import openai
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from slack_events_dagster.domain.llm import (
    PROMPT_VERSION,
    RESPONSE_FORMAT,
    InvalidLLMOutput,
    cache_key,
    cost_usd,
    parse_events,
    system_prompt,
    user_payload,
)
from slack_events_dagster.domain.rules import ExtractedEvent, ExtractionInput, extract_events
from slack_events_dagster.resources.database import DatabaseResource
from slack_events_dagster.settings import Settings
from slack_events_dagster.storage.schema import llm_cache, llm_usage

CACHE_LOOKUP_CHUNK = 500


@dataclass
class ExtractionStats:
    """LLM calls, cache hits, tokens, cost and fallbacks of one batch (run metadata)."""

    llm_calls: int = 0
    cache_hits: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    fallbacks: dict[str, int] = field(default_factory=dict)
    repairs: dict[str, int] = field(default_factory=dict)
    budget_exhausted: bool = False

    def fallback(self, reason: str) -> None:
        self.fallbacks[reason] = self.fallbacks.get(reason, 0) + 1

    def repaired(self, counts: dict[str, int]) -> None:
        for kind, count in counts.items():
            self.repairs[kind] = self.repairs.get(kind, 0) + count

    def add(self, other: "ExtractionStats") -> None:
        """Fold another batch's figures into these (a run extracts chunk by chunk)."""
        self.llm_calls += other.llm_calls
        self.cache_hits += other.cache_hits
        self.prompt_tokens += other.prompt_tokens
        self.completion_tokens += other.completion_tokens
        self.cost_usd += other.cost_usd
        for reason, count in other.fallbacks.items():
            self.fallbacks[reason] = self.fallbacks.get(reason, 0) + count
        self.repaired(other.repairs)
        self.budget_exhausted = self.budget_exhausted or other.budget_exhausted


@dataclass
class _Answer:
    content: str | None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    error: str | None = None


class ExtractorResource(dg.ConfigurableResource):
    """`rules` (offline, deterministic, the default) or `openai` (any OpenAI-compatible API)."""

    type: Literal["rules", "openai"] = "rules"
    max_events_per_message: int = 5
    min_confidence: float = 0.5
    database: dg.ResourceDependency[DatabaseResource]
    api_key: str | None = None  # EnvVar("OPENAI_API_KEY")
    base_url: str | None = None
    model: str = "gpt-4o-mini"
    daily_budget_usd: float = 10.0
    input_price_per_million: float = 0.15
    output_price_per_million: float = 0.60
    concurrency: int = 4
    max_retries: int = 3
    timeout_seconds: float = 60.0
    temperature: float | None = None  # omitted when unset
    max_input_chars: int = 4000

    @classmethod
    def from_settings(cls, settings: Settings, database: DatabaseResource) -> "ExtractorResource":
        llm = settings.llm
        return cls(
            type=settings.extractor.type,
            max_events_per_message=settings.extractor.max_events_per_message,
            min_confidence=settings.extractor.min_confidence,
            database=database,
            api_key=dg.EnvVar("OPENAI_API_KEY") if llm.api_key_set else None,
            **llm.model_dump(exclude={"api_key_set"}),
        )

    @property
    def name(self) -> str:
        return "rules" if self.type == "rules" else f"openai:{self.model}"

    def _rules(self, message: ExtractionInput) -> list[ExtractedEvent]:
        return extract_events(message, max_events=self.max_events_per_message)

    def _keep(self, events: list[ExtractedEvent]) -> list[ExtractedEvent]:
        return [e for e in events if e.confidence >= self.min_confidence]

    def extract_batch(
        self, messages: list[ExtractionInput], log: Any | None = None
    ) -> tuple[list[list[ExtractedEvent]], ExtractionStats]:
        """Events per message (same order) and what it cost."""
        stats = ExtractionStats()
        if self.type == "rules":
            return [self._keep(self._rules(m)) for m in messages], stats
        return self._extract_with_llm(messages, stats, log), stats

    # --- the LLM path -------------------------------------------------------------------------

    def _client(self) -> openai.OpenAI:
        if not self.api_key:
            raise RuntimeError(
                "EXTRACTOR=openai needs OPENAI_API_KEY (environment or .env); for a local "
                "OpenAI-compatible server any non-empty value works"
            )
        return openai.OpenAI(
            api_key=self.api_key,
            base_url=self.base_url or None,
            max_retries=self.max_retries,
            timeout=self.timeout_seconds,
        )

    def _cached(self, keys: list[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        with self.database.get_engine().connect() as connection:
            for offset in range(0, len(keys), CACHE_LOOKUP_CHUNK):
                chunk = keys[offset : offset + CACHE_LOOKUP_CHUNK]
                query = select(llm_cache.c.cache_key, llm_cache.c.response).where(
                    llm_cache.c.cache_key.in_(chunk)
                )
                found.update({row.cache_key: row.response for row in connection.execute(query)})
        return found

    def _spent_today(self) -> float:
        today = datetime.now(UTC).date().isoformat()
        with self.database.get_engine().connect() as connection:
            spent = connection.execute(
                select(func.coalesce(func.sum(llm_usage.c.cost_usd), 0.0)).where(
                    llm_usage.c.day == today
                )
            ).scalar_one()
        return float(spent)

    def _record(self, key: str | None, answer: _Answer, cost: float) -> None:
        """Book the call in the usage ledger and, for a valid answer, in the cache."""
        now = datetime.now(UTC)
        with self.database.get_engine().begin() as connection:
            connection.execute(
                insert(llm_usage).values(
                    day=now.date().isoformat(),
                    model=self.model,
                    prompt_tokens=answer.prompt_tokens,
                    completion_tokens=answer.completion_tokens,
                    cost_usd=cost,
                    created_at=now,
                )
            )
        if key is None:
            return
        try:
            with self.database.get_engine().begin() as connection:
                connection.execute(
                    insert(llm_cache).values(
                        cache_key=key,
                        prompt_version=PROMPT_VERSION,
                        model=self.model,
                        response=answer.content,
                        prompt_tokens=answer.prompt_tokens,
                        completion_tokens=answer.completion_tokens,
                        created_at=now,
                    )
                )
        except IntegrityError:
            pass  # the same message was answered by a concurrent run: either answer is fine

    def _ask(self, client: openai.OpenAI, message: ExtractionInput) -> _Answer:
        sampling = {} if self.temperature is None else {"temperature": self.temperature}
        try:
            response = client.chat.completions.create(
                model=self.model,
                messages=[
                    {"role": "system", "content": system_prompt()},
                    {"role": "user", "content": user_payload(message, self.max_input_chars)},
                ],
                response_format=RESPONSE_FORMAT,  # type: ignore[arg-type]
                **sampling,  # type: ignore[arg-type]
            )
        except openai.APIError as error:
            return _Answer(None, error=type(error).__name__)
        usage = response.usage
        return _Answer(
            response.choices[0].message.content if response.choices else None,
            prompt_tokens=usage.prompt_tokens if usage else 0,
            completion_tokens=usage.completion_tokens if usage else 0,
        )

    def _parse(
        self, content: str | None, message: ExtractionInput, stats: ExtractionStats
    ) -> list[ExtractedEvent] | None:
        try:
            events, repairs = parse_events(
                content or "", message, message.anchors, message.links, extractor=self.name
            )
        except InvalidLLMOutput:
            return None
        stats.repaired(repairs.counts)
        return events[: self.max_events_per_message]

    def _extract_with_llm(
        self, messages: list[ExtractionInput], stats: ExtractionStats, log: Any | None
    ) -> list[list[ExtractedEvent]]:
        keys = [cache_key(self.model, m, self.max_input_chars, self.temperature) for m in messages]
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

        budget_left = self.daily_budget_usd - self._spent_today()
        if pending and budget_left <= 0:
            stats.budget_exhausted = True
        if pending and not stats.budget_exhausted:
            client = self._client()
            lock = threading.Lock()
            spent = [0.0]

            def ask(index: int) -> tuple[int, _Answer | None]:
                with lock:
                    if spent[0] >= budget_left:
                        return index, None  # the budget ran out during this batch
                answer = self._ask(client, messages[index])
                with lock:
                    spent[0] += cost_usd(
                        answer.prompt_tokens,
                        answer.completion_tokens,
                        self.input_price_per_million,
                        self.output_price_per_million,
                    )
                return index, answer

            with ThreadPoolExecutor(max_workers=max(self.concurrency, 1)) as pool:
                futures = [pool.submit(ask, index) for index in pending]
                for done, future in enumerate(as_completed(futures), start=1):
                    index, answer = future.result()
                    if answer is None:
                        stats.budget_exhausted = True
                        continue
                    results[index] = self._settle(keys[index], messages[index], answer, stats)
                    if log is not None and done % 50 == 0:
                        log.info(f"LLM extraction: {done}/{len(pending)} messages answered")
        if stats.budget_exhausted and log is not None:
            log.warning(
                f"Daily LLM budget of ${self.daily_budget_usd:.2f} is spent: the remaining "
                "messages use the rules extractor (raise llm.daily_budget_usd to change this)"
            )
        final: list[list[ExtractedEvent]] = []
        for index, events in enumerate(results):
            if events is None:  # only messages the budget did not cover are left unanswered
                stats.fallback("budget_exhausted")
                events = self._rules(messages[index])
            final.append(self._keep(events))
        return final

    def _settle(
        self, key: str, message: ExtractionInput, answer: _Answer, stats: ExtractionStats
    ) -> list[ExtractedEvent]:
        """Account for one answer; fall back to rules (counted) when it is unusable."""
        if answer.error is not None:
            stats.fallback(f"api_error:{answer.error}")
            return self._rules(message)
        stats.llm_calls += 1
        stats.prompt_tokens += answer.prompt_tokens
        stats.completion_tokens += answer.completion_tokens
        cost = cost_usd(
            answer.prompt_tokens,
            answer.completion_tokens,
            self.input_price_per_million,
            self.output_price_per_million,
        )
        stats.cost_usd += cost
        events = self._parse(answer.content, message, stats)
        self._record(key if events is not None else None, answer, cost)
        if events is None:
            stats.fallback("invalid_output")
            return self._rules(message)
        return events
