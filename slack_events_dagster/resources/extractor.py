"""The `extractor` resource: turns a candidate message into events (rules now, an LLM later)."""

from typing import Literal

import dagster as dg

from slack_events_dagster.domain.rules import ExtractedEvent, ExtractionInput, extract_events


class ExtractorResource(dg.ConfigurableResource):
    """`rules`: offline and deterministic (the default)."""

    type: Literal["rules", "openai"] = "rules"
    max_events_per_message: int = 5
    min_confidence: float = 0.5

    @property
    def name(self) -> str:
        return self.type

    def extract(self, message: ExtractionInput) -> list[ExtractedEvent]:
        if self.type != "rules":
            raise NotImplementedError(
                "EXTRACTOR=openai is not available in this build; use EXTRACTOR=rules"
            )
        events = extract_events(message, max_events=self.max_events_per_message)
        return [event for event in events if event.confidence >= self.min_confidence]
