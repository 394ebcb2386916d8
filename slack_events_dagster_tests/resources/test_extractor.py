"""extractor.type picks the extractor class; the resource extracts through it."""

from datetime import UTC, datetime

from slack_events_dagster.domain.rules import ExtractionInput
from slack_events_dagster.resources.database import DatabaseResource
from slack_events_dagster.resources.extractor import ExtractorResource
from slack_events_dagster.resources.openai_extractor import OpenAIExtractor
from slack_events_dagster.resources.rules_extractor import RulesExtractor
from slack_events_dagster.settings import ExtractorSettings, LLMSettings, Settings


def test_the_configured_type_chooses_the_class(sqlite_settings: Settings) -> None:
    database = DatabaseResource(database=sqlite_settings.database)
    rules = ExtractorResource(extractor=ExtractorSettings(type="rules"), database=database)
    llm = ExtractorResource(
        extractor=ExtractorSettings(type="openai"),
        llm=LLMSettings(model="small-model"),
        database=database,
        api_key="sk-test",
    )
    assert isinstance(rules.create(), RulesExtractor) and rules.name == "rules"
    assert isinstance(llm.create(), OpenAIExtractor) and llm.name == "openai:small-model"
    message = ExtractionInput(
        "payments-api v2.14.0 ships Thursday", datetime(2026, 11, 23, 9, tzinfo=UTC), "UTC"
    )
    (events,), stats = rules.extract_batch([message])
    assert events and all(event.extractor == "rules" for event in events)
    assert stats.llm_calls == 0
