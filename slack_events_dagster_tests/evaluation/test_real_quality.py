"""Rules extraction on hand-labelled real Slack exports (shared/real_slack): figures and floors.

The labels (`real_labels/<workspace>.jsonl`, shared/LABELLING.md) name messages by channel and ts;
the messages are read from ../shared/real_slack, never copied here. The run is the pipeline's own:
default config.yaml policies, `candidate_row` with thread parents, the rules extractor resource.

- Development set (the rules were tuned on its failure kinds): olake, rcontributors (the
  #events, #r-dev-days, #gsoc, #core-outreach channels and a 2025-26 window of #general,
  #jobs-opportunities and #random), houstondatavis (#general, #meetup-, #meetup, #talks).
- Held out: openlineage (all six channels). Its figures were printed beside the others while
  tuning, but none of its messages was used to design a rule.

Floors are the measured values rounded down to 0.05 (false positives: rounded up to 5): raise
them when extraction improves, never lower them to let a regression pass. Run with
`pytest -s slack_events_dagster_tests/evaluation/test_real_quality.py` to see the report.
"""

import os
from pathlib import Path

import pytest

from slack_events_dagster.definitions import build_resources
from slack_events_dagster.evaluation.labels import load_labels
from slack_events_dagster.evaluation.measure import Report, combine, evaluate_export, format_report
from slack_events_dagster.resources.extractor import ExtractorResource
from slack_events_dagster.resources.pipeline import PipelineResource
from slack_events_dagster.resources.slack import SlackResource
from slack_events_dagster_tests.conftest import REAL_SLACK_EXPORTS, make_settings

LABELS = Path(__file__).with_name("real_labels")
DEVELOPMENT = ("olake", "rcontributors", "houstondatavis")
HELD_OUT = ("openlineage",)

# (metric, floor); false_positive_events_per_1000 is a ceiling.
# Measured in session 19 (1,933 development messages, 383 announcing; 686 held out, 38
# announcing); in brackets the figures before that session's fixes, then the first baseline.
# The targets of issue #12 (P >= 0.85, R >= 0.75, date >= 0.9, <= 10 false positives per 1,000
# messages, candidate recall >= 0.95) hold on the development set; the held-out set is still
# more than 0.1 below it in recall and date accuracy (README "Extraction quality").
DEVELOPMENT_FLOORS = {
    "message_precision": 0.95,  # measured 0.961 (0.958; 0.918; baseline 0.812)
    "message_recall": 0.86,  # measured 0.890 (0.849 with link previews; 0.830; 0.815; 0.428)
    "event_precision": 0.95,  # measured 0.957 (0.956; 0.891; 0.686)
    "event_recall": 0.75,  # measured 0.775 (0.742 with link previews; 0.725; 0.713; 0.450)
    "date_accuracy": 0.93,  # measured 0.960 (0.959 with link previews; 0.949; 0.936; 0.757)
    "candidate_recall": 0.955,  # measured 0.966 with preview scoring (0.961; 0.958; 0.755)
    # share of predicted titles that pass the reviewer's criteria (evaluation/titles.py)
    "titles_kept": 0.75,  # measured 0.798 (0.793; 0.698)
}
HELD_OUT_FLOORS = {
    "message_precision": 0.80,  # measured 0.833 (0.833; baseline 0.667)
    "message_recall": 0.65,  # measured 0.658 (0.658; 0.526)
    "date_accuracy": 0.80,  # measured 0.840 with link previews (0.760; 0.760; 0.900)
    "candidate_recall": 0.90,  # measured 0.921 (0.921; 0.842)
    "titles_kept": 0.65,  # measured 0.700
}
DEVELOPMENT_MAX_FALSE_POSITIVES_PER_1000 = 10.0  # measured 8.8 (8.3; 21.7; 51.7)
HELD_OUT_MAX_FALSE_POSITIVES_PER_1000 = 10.0  # measured 7.3 (7.3; 16.0)
MAX_CANDIDATE_RATE = 0.40  # scoring must still leave most chatter out


def _report(workspace: str, tmp_path: Path) -> Report:
    export = REAL_SLACK_EXPORTS / workspace
    if not export.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"{export} is missing: CI must measure the real exports")
        pytest.skip("shared/real_slack is not present on this clone")
    settings = make_settings(tmp_path)
    resources = build_resources(settings)
    pipeline = resources["pipeline"]
    extractor = resources["extractor"]
    assert isinstance(pipeline, PipelineResource) and isinstance(extractor, ExtractorResource)
    assert extractor.extractor.type == "rules"
    return evaluate_export(
        load_labels(LABELS / f"{workspace}.jsonl"),
        export,
        SlackResource(slack=settings.slack).message_filter,
        pipeline.policy().channel_policy,
        lambda inputs: extractor.extract_batch(inputs)[0],
    )


def _check(report: Report, floors: dict[str, float], max_false_positives: float) -> None:
    table = format_report(report, examples=2)
    print("\n" + table)
    metrics = report.metrics()
    below = {name: metrics[name] for name, floor in floors.items() if metrics[name] < floor}
    assert not below, f"below floor: {below}\n{table}"
    assert metrics["false_positive_events_per_1000"] <= max_false_positives, table
    assert metrics["candidate_rate"] <= MAX_CANDIDATE_RATE, table


def test_labels_cover_enough_real_messages() -> None:
    """The development set is at least 1,000 messages with 60 announcing ones."""
    labels = [m for name in DEVELOPMENT for m in load_labels(LABELS / f"{name}.jsonl")]
    assert len(labels) >= 1000
    assert sum(m.announces for m in labels) >= 60


@pytest.mark.slow
def test_rules_meet_floors_on_the_real_development_set(tmp_path: Path) -> None:
    report = combine([_report(name, tmp_path) for name in DEVELOPMENT])
    _check(report, DEVELOPMENT_FLOORS, DEVELOPMENT_MAX_FALSE_POSITIVES_PER_1000)


@pytest.mark.slow
def test_rules_meet_floors_on_the_held_out_real_workspace(tmp_path: Path) -> None:
    report = combine([_report(name, tmp_path) for name in HELD_OUT])
    _check(report, HELD_OUT_FLOORS, HELD_OUT_MAX_FALSE_POSITIVES_PER_1000)
