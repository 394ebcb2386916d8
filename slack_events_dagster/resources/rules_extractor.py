"""The `rules` extractor (offline, deterministic, the default) and the figures every extractor
reports per batch (ExtractionStats). The rules themselves are in domain/rules.py."""

from dataclasses import dataclass, field
from typing import Any

from slack_events_dagster.domain.rules import ExtractedEvent, ExtractionInput, extract_events
from slack_events_dagster.settings import ExtractorSettings


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
    dropped: dict[str, int] = field(default_factory=dict)  # events dropped, by reason
    calls_without_usage: int = 0  # answered without `usage`: their worst case stays booked
    budget_exhausted: bool = False
    auth_failed: bool = False

    def fallback(self, reason: str) -> None:
        self.fallbacks[reason] = self.fallbacks.get(reason, 0) + 1

    def repaired(self, counts: dict[str, int]) -> None:
        for kind, count in counts.items():
            self.repairs[kind] = self.repairs.get(kind, 0) + count

    def dropped_events(self, counts: dict[str, int]) -> None:
        for reason, count in counts.items():
            self.dropped[reason] = self.dropped.get(reason, 0) + count

    def add(self, other: "ExtractionStats") -> None:
        """Fold another batch's figures into these (a run extracts chunk by chunk)."""
        self.llm_calls += other.llm_calls
        self.cache_hits += other.cache_hits
        self.prompt_tokens += other.prompt_tokens
        self.completion_tokens += other.completion_tokens
        self.cost_usd += other.cost_usd
        self.calls_without_usage += other.calls_without_usage
        for reason, count in other.fallbacks.items():
            self.fallbacks[reason] = self.fallbacks.get(reason, 0) + count
        self.repaired(other.repairs)
        self.dropped_events(other.dropped)
        self.budget_exhausted = self.budget_exhausted or other.budget_exhausted
        self.auth_failed = self.auth_failed or other.auth_failed


class RulesExtractor:
    """Events by the rules of domain/rules.py, those below extractor.min_confidence dropped."""

    name = "rules"

    def __init__(self, extractor: ExtractorSettings) -> None:
        self.extractor = extractor

    def events(self, message: ExtractionInput) -> list[ExtractedEvent]:
        """Every event the rules find (at most extractor.max_events_per_message), unfiltered."""
        return extract_events(message, max_events=self.extractor.max_events_per_message)

    def keep(self, events: list[ExtractedEvent]) -> list[ExtractedEvent]:
        """The events confident enough to store (extractor.min_confidence)."""
        return [e for e in events if e.confidence >= self.extractor.min_confidence]

    def extract_batch(
        self, messages: list[ExtractionInput], log: Any | None = None
    ) -> tuple[list[list[ExtractedEvent]], ExtractionStats]:
        """Events per message (same order); rules cost nothing, so the stats stay empty."""
        return [self.keep(self.events(m)) for m in messages], ExtractionStats()
