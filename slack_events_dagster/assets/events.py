"""events: structured events extracted from the partition's candidates, with dedup keys. The
extractor is the class `extractor.type` names (resources/extractor.py); the rows and the
in-message dedup are domain/events.py's."""

from collections import Counter
from typing import Any

import dagster as dg

from slack_events_dagster.domain.candidates import extraction_input
from slack_events_dagster.domain.events import event_rows
from slack_events_dagster.domain.llm import PROMPT_VERSION
from slack_events_dagster.partitions import hourly_table_asset
from slack_events_dagster.resources.extractor import ExtractorResource
from slack_events_dagster.resources.pipeline import PipelineResource
from slack_events_dagster.resources.rules_extractor import ExtractionStats
from slack_events_dagster.storage.bulk import Columns
from slack_events_dagster.storage.frames import FrameStream, PartitionRows
from slack_events_dagster.storage.schema import events as table


def events(
    context: dg.AssetExecutionContext,
    event_candidates: PartitionRows,
    extractor: ExtractorResource,
    pipeline: PipelineResource,
) -> FrameStream:
    """0..5 events per candidate: title, category, status, date resolved against the message time
    in the channel's time zone, confidence, links and anchors; exact duplicates within a message
    (same dedup key) are dropped. Candidates are read chunk by chunk; the events are stored
    once all are extracted (an LLM's minutes never hold the table's write lock)."""
    blocks: list[Columns] = []  # a block per chunk: far smaller than the rows' dicts
    categories: Counter[str] = Counter()
    stats = ExtractionStats()
    candidates_seen = duplicates = without_events = 0
    policy = pipeline.policy()
    chosen = extractor.create()  # the class extractor.type names (rules or openai)
    context.log.info(f"Extracting events with {chosen.name}")
    for candidates in event_candidates.record_chunks():
        inputs = [
            extraction_input(
                candidate,
                policy.timezone_for(candidate["channel_id"], candidate["channel_name"]),
            )
            for candidate in candidates
        ]
        extracted_per_message, chunk_stats = chosen.extract_batch(inputs, log=context.log)
        stats.add(chunk_stats)
        candidates_seen += len(candidates)
        rows: list[dict[str, Any]] = []
        for candidate, message, extracted in zip(
            candidates, inputs, extracted_per_message, strict=True
        ):
            if not extracted:
                without_events += 1
            new_rows, dropped = event_rows(candidate, message, extracted)
            duplicates += dropped
            categories.update(row["category"] for row in new_rows)
            rows.extend(new_rows)
        blocks.append(Columns.of(table, rows))
        context.log.info(f"{candidates_seen} candidates -> {sum(map(len, blocks))} events so far")
    context.add_output_metadata(
        {
            "candidates": candidates_seen,
            "events": sum(map(len, blocks)),
            "events_by_category": dg.MetadataValue.json(dict(sorted(categories.items()))),
            "candidates_without_events": without_events,
            "duplicates_in_message_dropped": duplicates,
            "extractor": chosen.name,
            "llm_calls": stats.llm_calls,
            "llm_cache_hits": stats.cache_hits,
            "llm_prompt_tokens": stats.prompt_tokens,
            "llm_completion_tokens": stats.completion_tokens,
            "llm_cost_usd": round(stats.cost_usd, 6),
            "llm_calls_without_usage": stats.calls_without_usage,
            "llm_fallbacks": sum(stats.fallbacks.values()),
            "llm_fallbacks_by_reason": dg.MetadataValue.json(dict(sorted(stats.fallbacks.items()))),
            "llm_repairs": dg.MetadataValue.json(dict(sorted(stats.repairs.items()))),
            "llm_budget_exhausted": stats.budget_exhausted,
            "llm_auth_failed": stats.auth_failed,
            "llm_events_dropped": sum(stats.dropped.values()),
            "llm_events_dropped_by_reason": dg.MetadataValue.json(
                dict(sorted(stats.dropped.items()))
            ),
        }
    )
    warnings = []
    if stats.auth_failed:  # the budget's warning is logged by the extractor as it runs out
        warnings.append(
            "The LLM endpoint rejected OPENAI_API_KEY (401): messages used the rules extractor; "
            "set the right key and check it with `slack-events doctor`"
        )
        context.log.warning(warnings[-1])
    if stats.budget_exhausted:
        warnings.append("Daily LLM budget spent: some messages used the rules extractor")
    if warnings:
        context.add_output_metadata({"warning": " | ".join(warnings)})
    return FrameStream(blocks)


def build_events(partitions_def: dg.PartitionsDefinition[str]) -> dg.AssetsDefinition:
    """The `events` asset over these partitions."""
    return dg.asset(
        **hourly_table_asset(partitions_def),
        group_name="extract",
        # Caps concurrent LLM steps across runs: `dagster instance concurrency set llm 1`
        pool="llm",
        kinds={"python", "sql"},
        code_version=f"4-prompt-{PROMPT_VERSION}",
    )(events)
