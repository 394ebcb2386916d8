"""Quality floors for the rules extractor on the hand-labelled evaluation set.

Run with `pytest -s slack_events_dagster_tests/evaluation` to see the metrics table. Floors are the
values measured when the set was labelled, rounded down to the nearest 0.05: raise them when the
extractor improves, never lower them to make a regression pass.
"""

from zoneinfo import available_timezones

from slack_events_dagster_tests.evaluation.scoring import (
    CATEGORIES,
    REQUIRED_KEYS,
    evaluate,
    format_mismatches,
    format_report,
    load_dataset,
    load_raw,
    validate_raw,
)

# Measured values rounded down to 0.05. The first measurement (before the extractor was tuned
# on this set's failure kinds) was P 0.757, R 0.538, category 0.756, date 0.974, no-event 0.724.
FLOORS: dict[str, float] = {
    "precision": 0.90,  # measured 0.926
    "recall": 0.85,  # measured 0.856
    "category_accuracy": 0.85,  # measured 0.872 (0.880 before "registration page" read as a page)
    "date_accuracy": 0.95,  # measured 0.968
    "no_event_accuracy": 0.85,  # measured 0.883
}
MIN_ITEMS = 160
MIN_NO_EVENT_ITEMS = 40
MIN_MULTI_EVENT_ITEMS = 15


def test_dataset_is_well_formed() -> None:
    """Required keys, known zones and categories, unique ids, parseable dates."""
    raw = load_raw()
    assert validate_raw(raw) == []
    ids = [item["id"] for item in raw]
    assert len(ids) == len(set(ids))
    zones = available_timezones()
    for item in raw:
        assert all(key in item for key in REQUIRED_KEYS), item.get("id")
        assert item["timezone"] in zones, item["id"]
        assert all(event["category"] in CATEGORIES for event in item["events"]), item["id"]
    assert len(load_dataset()) == len(raw)


def test_rules_extractor_meets_quality_floors() -> None:
    """Precision, recall, category/date accuracy and no-event accuracy stay at their floors."""
    report = evaluate()
    table = format_report(report, FLOORS)
    print("\n" + table)
    assert report.items >= MIN_ITEMS, table
    assert report.no_event_items >= MIN_NO_EVENT_ITEMS, table
    assert report.multi_event_items >= MIN_MULTI_EVENT_ITEMS, table
    below = {name: value for name, value in report.metrics().items() if value + 1e-9 < FLOORS[name]}
    assert not below, f"metrics below floor: {below}\n{table}\n{format_mismatches(report)}"
