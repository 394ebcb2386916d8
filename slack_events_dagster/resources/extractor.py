"""The `extractor` resource: which extractor turns candidate messages into events, by config.

`extractor.type` picks the class: `rules` (RulesExtractor, resources/rules_extractor.py: offline,
deterministic, the default) or `openai` (OpenAIExtractor, resources/openai_extractor.py: any
OpenAI-compatible API, with its answer cache, daily budget ledger and rules fallback). Both have
the Extractor interface: `name` and `extract_batch(messages) -> (events per message, stats)`.
"""

from typing import Any, Protocol

import dagster as dg

from slack_events_dagster.domain.rules import ExtractedEvent, ExtractionInput
from slack_events_dagster.resources.database import DatabaseResource
from slack_events_dagster.resources.rules_extractor import ExtractionStats, RulesExtractor
from slack_events_dagster.settings import ExtractorSettings, LLMSettings


class Extractor(Protocol):
    """Candidate messages to events."""

    @property
    def name(self) -> str: ...

    def extract_batch(
        self, messages: list[ExtractionInput], log: Any | None = None
    ) -> tuple[list[list[ExtractedEvent]], ExtractionStats]:
        """Events per message (same order) and what it cost."""
        ...


class ExtractorResource(dg.ConfigurableResource):
    """config.yaml's `extractor` and `llm` sections; `create()` gives the configured Extractor,
    and the resource itself extracts through it."""

    extractor: ExtractorSettings = ExtractorSettings()  # config.yaml's `extractor` section
    llm: LLMSettings = LLMSettings()  # config.yaml's `llm` section (used when type is openai)
    database: dg.ResourceDependency[DatabaseResource]
    api_key: str | None = None  # EnvVar("OPENAI_API_KEY"): never a literal in run config

    def create(self) -> Extractor:
        """The extractor `extractor.type` names."""
        if self.extractor.type == "openai":
            # Imported here: the openai package takes half a second to import, which every run
            # of the (default) rules extractor would pay for nothing.
            from slack_events_dagster.resources.openai_extractor import OpenAIExtractor

            return OpenAIExtractor(self.extractor, self.llm, self.database.get_engine, self.api_key)
        return RulesExtractor(self.extractor)

    @property
    def name(self) -> str:
        return self.create().name

    def extract_batch(
        self, messages: list[ExtractionInput], log: Any | None = None
    ) -> tuple[list[list[ExtractedEvent]], ExtractionStats]:
        """Events per message (same order) and what it cost, by the configured extractor."""
        return self.create().extract_batch(messages, log)
