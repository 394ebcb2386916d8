"""Stage times of one Dagster run, read from its event log.

Per step (one step per asset) the event log holds, in order:

    STEP_START -> LOADED_INPUT (after the IO manager's load_input) -> STEP_INPUT
    -> STEP_OUTPUT (the asset function returned) -> the IO manager's handle_output runs
    -> ASSET_MATERIALIZATION x partitions (Dagster, one per hour of the range)
    -> HANDLED_OUTPUT -> STEP_SUCCESS

so a step splits into:

- `load_s`: STEP_START -> last LOADED_INPUT (SqlIOManager.load_input: SELECT + DataFrame),
- `compute_s`: last LOADED_INPUT (or STEP_START) -> STEP_OUTPUT (the asset function),
- `write_s`: STEP_OUTPUT -> first ASSET_MATERIALIZATION (SqlIOManager.handle_output),
- `materialization_events_s`: first ASSET_MATERIALIZATION -> HANDLED_OUTPUT (Dagster storing
  one materialization event per partition),
- `step_s`: STEP_START -> STEP_SUCCESS (or STEP_FAILURE).

The stage function time of a run is the sum of load + compute + write over its steps (all the
project's code: IO manager and asset functions); the Dagster overhead is the run's wall time
(measured around `dagster.materialize`) minus that: building the job, creating the run and its
ASSET_MATERIALIZATION_PLANNED events, resource initialisation, per-partition materialization
events, event-log writes and step orchestration.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

ASSET_ORDER = ("raw_slack_messages", "event_candidates", "events", "digests", "digest_posts")


def step_times(records: Iterable[Any]) -> dict[str, dict[str, Any]]:
    """{step key: {load_s, compute_s, write_s, materialization_events_s, step_s, ...}}."""
    marks: dict[str, dict[str, Any]] = {}
    for record in records:
        event = record.dagster_event
        if event is None or record.step_key is None:
            continue
        kind, ts = event.event_type_value, record.timestamp
        step = marks.setdefault(record.step_key, {"materializations": 0})
        if kind == "STEP_START":
            step["start"] = ts
        elif kind == "LOADED_INPUT":
            step["loaded"] = ts
        elif kind == "STEP_OUTPUT":
            step.setdefault("output", ts)
        elif kind == "ASSET_MATERIALIZATION":
            step.setdefault("first_materialization", ts)
            step["materializations"] += 1
        elif kind == "HANDLED_OUTPUT":
            step["handled"] = ts
        elif kind in ("STEP_SUCCESS", "STEP_FAILURE"):
            step["end"] = ts
            step["status"] = "success" if kind == "STEP_SUCCESS" else "failure"
    return {key: _split(marks[key]) for key in _ordered(marks) if "start" in marks[key]}


def _ordered(marks: dict[str, Any]) -> list[str]:
    known = [key for key in ASSET_ORDER if key in marks]
    return known + sorted(key for key in marks if key not in ASSET_ORDER)


def _split(step: dict[str, Any]) -> dict[str, Any]:
    start = step["start"]
    end = step.get("end")
    loaded = step.get("loaded", start)
    output = step.get("output")
    first_materialization = step.get("first_materialization")
    handled = step.get("handled")
    result: dict[str, Any] = {
        "status": step.get("status", "unfinished"),
        "partitions_materialized": step["materializations"],
        "load_s": loaded - start,
        "compute_s": None,
        "write_s": None,
        "materialization_events_s": None,
        "step_s": (end - start) if end is not None else None,
        "started_at": start,  # epoch seconds: when the step ran (e.g. for RSS samples)
        "ended_at": end,
    }
    if output is not None:
        result["compute_s"] = output - loaded
        if first_materialization is not None:
            result["write_s"] = first_materialization - output
            if handled is not None:
                result["materialization_events_s"] = handled - first_materialization
        elif handled is not None:
            result["write_s"] = handled - output
    elif end is not None:
        result["compute_s"] = end - loaded  # failed (or interrupted) inside the asset function
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in result.items()}


def stage_function_seconds(steps: dict[str, dict[str, Any]]) -> float:
    """Load + compute + write over every step: the time spent in the project's own code."""
    return sum(
        (step["load_s"] or 0) + (step["compute_s"] or 0) + (step["write_s"] or 0)
        for step in steps.values()
    )


def run_overview(records: list[Any], wall_start: float, wall_end: float) -> dict[str, float]:
    """Where the Dagster overhead sits: before the first step, between/after steps."""
    starts = [r.timestamp for r in records if _kind(r) == "STEP_START"]
    ends = [r.timestamp for r in records if _kind(r) in ("STEP_SUCCESS", "STEP_FAILURE")]
    planned = [r.timestamp for r in records if _kind(r) == "ASSET_MATERIALIZATION_PLANNED"]
    overview = {
        "before_first_step_s": (min(starts) - wall_start) if starts else wall_end - wall_start,
        "after_last_step_s": (wall_end - max(ends)) if ends else 0.0,
        "planned_events": float(len(planned)),
        "planned_events_s": (max(planned) - min(planned)) if planned else 0.0,
    }
    return {k: round(v, 4) for k, v in overview.items()}


def _kind(record: Any) -> str | None:
    return record.dagster_event.event_type_value if record.dagster_event else None
