"""Settings for a throwaway working folder, and the real asset graph run over a range of hours.
The `dagster job launch` command line the tests and benchmarks launch runs with is the
product's own (`slack_events_dagster.launch`)."""

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import dagster as dg

from devtools import CHECKOUT
from slack_events_dagster.assets import build_assets
from slack_events_dagster.definitions import build_resources
from slack_events_dagster.partitions import HOUR_KEY, range_tags
from slack_events_dagster.settings import Settings, load_settings


def make_settings(workdir: Path, **env: str) -> Settings:
    """Settings from the checkout's config.yaml plus `env`, isolated from the caller's .env; the
    SQLite database lives in `workdir`."""
    base = {
        "SLACK_EVENTS_CONFIG": str(CHECKOUT / "config.yaml"),
        "SQLITE_PATH": str(workdir / "slack_events.db"),
    }
    return load_settings(environ={**base, **env}, dotenv_path=workdir / "no.env")


def materialize_range(
    settings: Settings,
    first: str,
    last: str | None = None,
    instance: dg.DagsterInstance | None = None,
    resources: Mapping[str, Any] | None = None,
    raise_on_error: bool = True,
    assets: Sequence[dg.AssetsDefinition] | None = None,
    selection: Sequence[str] | None = None,
) -> dg.ExecuteInProcessResult:
    """Every asset built from `settings` (or `assets`, or a `selection`) for one hour or a range
    of hours, in one run, as a backfill would."""
    tags = range_tags(first, last) if last else {}
    return dg.materialize(
        build_assets(settings) if assets is None else assets,
        selection=selection,
        resources={**build_resources(settings), **(resources or {})},
        partition_key=None if last else first,
        tags=tags,
        instance=instance,
        raise_on_error=raise_on_error,
    )


def export_hour_range(export: Path) -> tuple[str, str]:
    """The first and last hour key of the days a Slack export has day files for."""
    days = sorted({day_file.stem for day_file in export.glob("*/*.json")})
    first = datetime.strptime(days[0], "%Y-%m-%d")
    last = datetime.strptime(days[-1], "%Y-%m-%d") + timedelta(hours=23)
    return first.strftime(HOUR_KEY), last.strftime(HOUR_KEY)
