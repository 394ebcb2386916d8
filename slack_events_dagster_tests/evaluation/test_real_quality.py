"""Rules extraction on hand-labelled real Slack exports (shared/real_slack): figures and floors.

The labels (`real_labels/<workspace>.jsonl`, shared/LABELLING.md) name messages by channel and ts;
the messages are read from ../shared/real_slack, never copied here. The run is the pipeline's own:
default config.yaml policies, `candidate_row` with thread parents, the rules extractor resource.

- Development set (`real_labels/*.jsonl`; the rules were tuned on its failure kinds): olake,
  rcontributors (#events, #r-dev-days, #gsoc, #core-outreach, #c-study-group, #core-dev-help,
  #general, #jobs-opportunities, #random; since session 22 also #core-translation and its four
  language/glossary channels, #0_welcome, #bug-reporting, #core-documentation, #cran-cookbook,
  #gsod, #patches-for-review and the bot feeds #translations-dashboard, #weblate-updates,
  #bugzilla-inbox), houstondatavis (#general, #meetup-, #meetup, #talks, #design-thinking,
  #datasets, #team-d3, #tutorials) and openlineage (all six channels; held out until session
  21, whose fixes used its failure kinds).
- Held out (`real_labels/held_out/*.jsonl`, labelled in session 21 before any rule looked at
  them): rcontributors #r-project-sprint, #work-out-loud, #getting-started, #wishlist-discuss;
  houstondatavis #datajam, #get_feedback, #tools, #examples, #sponsors, #organizations,
  #readings, #sci. Never tune on it: read only its figures.

Floors sit just below the measured values (false positives: a ceiling just above): raise them
when extraction improves, never lower them to let a regression pass (only for a trade made on
purpose, said in the commit). Run with
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
# One label file per workspace, named after its export folder.
DEVELOPMENT = tuple(sorted(LABELS.glob("*.jsonl")))
HELD_OUT = tuple(sorted((LABELS / "held_out").glob("*.jsonl")))

# (metric, floor); false_positive_events_per_1000 is a ceiling.
# Measured in session 22 (5,716 development messages, 629 announcing; 991 held out, 26
# announcing); in brackets session 21's figures on its 3,867 development messages, then the
# first baseline. Session 22 added 1,849 messages of rcontributors' translation and welcome
# channels, measured before any rule looked at them: P 0.564, R 0.282, candidate recall 0.564
# (README "Extraction quality"). Of the targets of issue #12 (P >= 0.85, R >= 0.75, date >= 0.9,
# <= 10 false positives per 1,000 messages, candidate recall >= 0.95) the development set meets
# all (candidate recall since session 29). The held-out set is far below it.
DEVELOPMENT_FLOORS = {
    "message_precision": 0.91,  # measured 0.928 (0.944; baseline 0.812)
    "message_recall": 0.77,  # measured 0.784 in session 27 (0.779; 0.774; 0.768; 0.838; 0.428)
    "event_precision": 0.90,  # measured 0.920 (0.937; 0.686)
    "event_recall": 0.69,  # measured 0.703 (0.755; 0.450)
    "date_accuracy": 0.93,  # measured 0.943 (0.944; 0.757)
    # measured 0.954 in session 29 at threshold 6 with done_now (0.905; 0.902; 0.897; 0.935)
    "candidate_recall": 0.945,
    # share of predicted titles that pass the reviewer's criteria (evaluation/titles.py)
    "titles_kept": 0.85,  # measured 0.865 in session 28 (0.846; 0.835; 0.754; 0.782; 0.698)
}
# Held out: when labelled, then after session 21's fixes, then after session 22's.
HELD_OUT_FLOORS = {
    "message_precision": 0.50,  # measured 0.522 (0.462, 0.480)
    "message_recall": 0.45,  # measured 0.462 (0.462, 0.462)
    "date_accuracy": 0.95,  # measured 1.000 (12 matched events)
    "candidate_recall": 0.75,  # measured 0.769 in session 29 (0.731)
    "titles_kept": 0.63,  # measured 0.652 in session 28 (0.370, 0.385, 0.458, 0.625, 0.609)
}
DEVELOPMENT_MAX_FALSE_POSITIVES_PER_1000 = 10.0  # measured 7.9 in session 26 (8.2; 8.5; 51.7)
HELD_OUT_MAX_FALSE_POSITIVES_PER_1000 = 12.0  # measured 11.1 in session 26 (15.1, 14.1, 12.1)
MAX_CANDIDATE_RATE = 0.35  # scoring must still leave most chatter out (measured 0.314)


def _report(labels: Path, tmp_path: Path) -> Report:
    """The rules extractor's figures on one label file; its name is the workspace's."""
    export = REAL_SLACK_EXPORTS / labels.stem
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
        load_labels(labels),
        export,
        SlackResource(slack=settings.slack).message_filter,
        pipeline.policy().channel_policy,
        lambda inputs: extractor.extract_batch(inputs)[0],
    )


def _check(
    report: Report, floors: dict[str, float], max_false_positives: float, held_out: bool = False
) -> None:
    """Fail below a floor; print the report (only its figures for the held-out set, whose
    messages and misses are never read)."""
    table = format_report(report, examples=2, figures_only=held_out)
    assert held_out != ("Missed announcements" in table)
    print("\n" + table)
    metrics = report.metrics()
    below = {name: metrics[name] for name, floor in floors.items() if metrics[name] < floor}
    assert not below, f"below floor: {below}\n{table}"
    assert metrics["false_positive_events_per_1000"] <= max_false_positives, table
    assert metrics["candidate_rate"] <= MAX_CANDIDATE_RATE, table


def test_labels_cover_enough_real_messages() -> None:
    """The development set is at least 1,000 messages with 60 announcing ones; the held-out set
    is apart from it."""
    labels = [m for path in DEVELOPMENT for m in load_labels(path)]
    assert len(labels) >= 1000
    assert sum(m.announces for m in labels) >= 60
    held_out = [m for path in HELD_OUT for m in load_labels(path)]
    assert len(held_out) >= 900 and sum(m.announces for m in held_out) >= 20

    def names(paths: tuple[Path, ...]) -> set[tuple[str, str, str]]:
        return {(path.stem, m.channel, m.ts) for path in paths for m in load_labels(path)}

    assert not names(DEVELOPMENT) & names(HELD_OUT)


@pytest.mark.slow
def test_rules_meet_floors_on_the_real_development_set(tmp_path: Path) -> None:
    report = combine([_report(path, tmp_path) for path in DEVELOPMENT])
    _check(report, DEVELOPMENT_FLOORS, DEVELOPMENT_MAX_FALSE_POSITIVES_PER_1000)


@pytest.mark.slow
def test_rules_meet_floors_on_the_held_out_real_workspace(tmp_path: Path) -> None:
    report = combine([_report(path, tmp_path) for path in HELD_OUT])
    _check(report, HELD_OUT_FLOORS, HELD_OUT_MAX_FALSE_POSITIVES_PER_1000, held_out=True)
