"""Migration 005: ids and model names that PostgreSQL refused (SQLite stored them) now fit."""

from datetime import UTC, datetime

from slack_events_dagster.settings import Settings
from slack_events_dagster.storage.engine import get_engine
from slack_events_dagster.storage.migrations import ensure_schema
from slack_events_dagster.storage.schema import events, llm_usage, raw_slack_messages

AT = datetime(2026, 11, 23, 9, tzinfo=UTC)
LONG_MODEL = "ft:gpt-4o-mini-2024-07-18:acme-corp:events-v2:AbCdEf12"  # 53 characters


def test_long_user_ids_and_model_names_are_stored_on_both_databases(
    any_settings: Settings,
) -> None:
    engine = get_engine(any_settings.database)
    ensure_schema(engine, migrate=True)
    user_id = "U" + "X" * 254
    with engine.begin() as connection:
        connection.execute(
            raw_slack_messages.insert().values(
                channel_id="C1", ts="1795424400.000100", partition_hour=AT, message_time=AT,
                channel_name="general", user_id=user_id, bot_id="B" * 255, edited_by=user_id,
                is_bot=False, text="hi", mentions={}, is_thread_reply=False, reply_count=0,
                reactions={}, reaction_count=0, attachment_count=0, file_count=0,
            )
        )  # fmt: skip
        connection.execute(
            events.insert().values(
                event_id="e1", partition_hour=AT, channel_id="C1", channel_name="general",
                message_ts="1795424400.000100", message_time=AT, event_index=0, title="t",
                category="other", status="upcoming", date_source="text", event_timezone="UTC",
                confidence=0.9, summary="s", links=[], anchors=[], dedup_key="k",
                extractor=f"openai:{LONG_MODEL}",
            )
        )  # fmt: skip
        connection.execute(
            llm_usage.insert().values(
                day="2026-11-23", model=LONG_MODEL, prompt_tokens=1, completion_tokens=1,
                cost_usd=0.0, created_at=AT,
            )
        )  # fmt: skip
    with engine.connect() as connection:
        assert connection.execute(raw_slack_messages.select()).one().user_id == user_id
        assert connection.execute(events.select()).one().extractor == f"openai:{LONG_MODEL}"
