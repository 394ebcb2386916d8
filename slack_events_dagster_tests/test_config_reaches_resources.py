"""Every key of config.yaml reaches what uses it: a key lost between Settings and a resource (as
`database.postgres.connect_timeout_seconds` once was) fails here, naming the key."""

import copy
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dagster as dg
import yaml

from slack_events_dagster.definitions import build_definitions
from slack_events_dagster.settings import PROJECT_ROOT, Settings, load_settings

# String leaves whose valid values are a fixed set: each gets another valid, non-default value.
OTHER_VALUES: dict[str, Any] = {
    "database.type": "postgres",
    "slack.source": "api",
    "extractor.type": "openai",
    "partitions.start": "2026-11-19-05:00",
    "processing.tz_default": "Europe/Amsterdam",
    "digest.timezone": "Asia/Tokyo",
}
PATHS = {
    "database.path",
    "slack.export_path",
    "backup.folder",
}  # resolved against the config file's folder
# Keys that shape the asset graph or the schedule rather than a resource.
NOT_IN_A_RESOURCE = {
    "partitions.start",
    "partitions.backfill_hours_per_run",
    "schedule.max_runtime_seconds",
}


def leaves(node: Any, path: str = "") -> dict[str, Any]:
    """{"a.b.0.c": value} for every scalar (and every empty list or mapping) in `node`."""
    if isinstance(node, dict) and node:
        items = node.items()
    elif isinstance(node, list) and node:
        items = enumerate(node)
    else:
        return {path: node}
    found: dict[str, Any] = {}
    for key, child in items:
        found |= leaves(child, f"{path}.{key}" if path else str(key))
    return found


def changed(dotted: str, value: Any) -> Any:
    """A valid value that differs from `value` and from the built-in default."""
    if dotted in OTHER_VALUES:
        return OTHER_VALUES[dotted]
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, float):
        return round(value + 0.01, 4)
    if isinstance(value, str):
        return f"{value}-changed"
    if value == []:
        return ["C0CHANGED1"]
    raise AssertionError(f"{dotted}: no rule for a {type(value).__name__}; add one to this test")


def set_leaf(node: Any, dotted: str, value: Any) -> None:
    *parents, last = dotted.split(".")
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value


def resource_leaves(defs: dg.Definitions) -> dict[str, dict[str, Any]]:
    """Each resource's config as leaves (nested sections included)."""
    assert defs.resources
    return {
        name: leaves(resource.model_dump())
        for name, resource in defs.resources.items()
        if isinstance(resource, dg.ConfigurableResource | dg.ConfigurableIOManager)
    }


def not_in_a_resource(defs: dg.Definitions, dotted: str) -> Any:
    if dotted == "partitions.start":
        (node,) = [defs.resolve_asset_graph().get(dg.AssetKey("raw_slack_messages"))]
        partitions = node.partitions_def
        assert isinstance(partitions, dg.TimeWindowPartitionsDefinition)
        return partitions.start.strftime("%Y-%m-%d-%H:%M")
    if dotted == "partitions.backfill_hours_per_run":
        policies = {node.backfill_policy for node in defs.resolve_asset_graph().asset_nodes}
        (policy,) = policies  # one policy for every asset
        assert policy is not None
        return policy.max_partitions_per_run
    assert dotted == "schedule.max_runtime_seconds"
    schedule = defs.resolve_schedule_def("slack_events_hourly")
    tick = dg.build_schedule_context(
        scheduled_execution_time=datetime(2026, 11, 24, 10, 5, tzinfo=UTC)
    )
    (request,) = schedule.evaluate_tick(tick).run_requests or []
    return int(request.tags["dagster/max_runtime"])


def _changed_settings(tmp_path: Path) -> tuple[Settings, dict[str, Any]]:
    """Settings from config.yaml with every leaf changed, and the changed leaves."""
    original = yaml.safe_load((PROJECT_ROOT / "config.yaml").read_text(encoding="utf-8"))
    config = copy.deepcopy(original)
    for dotted, value in leaves(original).items():
        set_leaf(config, dotted, changed(dotted, value))
    wanted = leaves(config)  # an empty list, once changed, is one leaf per item
    # digest.publish (now true) needs a target with a channel id; not a key of the sample.
    config["digest"]["targets"] = [{"channel": "C0TARGET01"}]
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    settings = load_settings(
        environ={
            "SLACK_EVENTS_CONFIG": str(tmp_path / "config.yaml"),
            "SLACK_BOT_TOKEN": "xoxb-not-used",
            "OPENAI_API_KEY": "sk-not-used",
            "POSTGRES_PASSWORD": "pg-not-used",
        },
        dotenv_path=tmp_path / "no.env",
    )
    for dotted in PATHS:
        wanted[dotted] = str((tmp_path / wanted[dotted]).resolve())
    return settings, wanted


def test_every_key_of_config_yaml_reaches_the_resource_that_uses_it(tmp_path: Path) -> None:
    settings, wanted = _changed_settings(tmp_path)
    (tmp_path / "empty.yaml").write_text("{}\n", encoding="utf-8")
    built_in = load_settings(
        environ={"SLACK_EVENTS_CONFIG": str(tmp_path / "empty.yaml")},
        dotenv_path=tmp_path / "no.env",
    )
    defaults = leaves(built_in.model_dump())
    assert len(wanted) > 40, "the walk over config.yaml found too few keys"
    defs = build_definitions(settings)
    in_resources = resource_leaves(defs)
    lost = []
    for dotted, value in wanted.items():
        assert defaults.get(dotted) != value, f"{dotted}: the changed value is the default"
        if dotted in NOT_IN_A_RESOURCE:
            if not_in_a_resource(defs, dotted) != value:
                lost.append(dotted)
            continue
        # The resource holds the section as it is: its config has the same key path (a
        # resource field named after the section, e.g. pipeline's `channels` or `digest`).
        reached = [
            name
            for name, found in in_resources.items()
            if any(
                key == dotted or key.endswith(f".{dotted}")
                for key, held in found.items()
                if held == value
            )
        ]
        if not reached:
            lost.append(dotted)
    assert not lost, f"config.yaml keys that reach no resource with their value: {lost}"


def test_secrets_reach_the_resources_only_as_environment_variable_names(tmp_path: Path) -> None:
    settings, _ = _changed_settings(tmp_path)
    defs = build_definitions(settings)
    assert defs.resources
    dumped = repr({name: resource for name, resource in defs.resources.items()})
    dumped += repr({name: resource.model_dump() for name, resource in defs.resources.items()})  # type: ignore[attr-defined]
    assert not [secret for secret in ("xoxb-", "sk-not", "pg-not") if secret in dumped]
    # In-process, the database section carries the password for the CLI's engines ...
    password = settings.database.postgres.password
    assert password is not None and password.get_secret_value() == "pg-not-used"
    # ... but a resource's config holds only the variable's name.
    assert defs.resources["database"].password == dg.EnvVar("POSTGRES_PASSWORD")  # type: ignore[attr-defined]
    assert defs.resources["slack"].bot_token == dg.EnvVar("SLACK_BOT_TOKEN")  # type: ignore[attr-defined]
    assert defs.resources["extractor"].api_key == dg.EnvVar("OPENAI_API_KEY")  # type: ignore[attr-defined]
