"""The parallel-worker deployments fit the compose stack and the instance, without Docker or
Kubernetes: deploy/run_launcher.docker.yaml (each run in its own container, validated against
dagster-docker's own schema), deploy/compose.docker-runs.yml, and deploy/helm/values.yaml for
Dagster's Helm chart (K8sRunLauncher). The split backfill itself runs in
test_production_topology.py."""

import importlib.metadata
import re
import shutil
import tomllib
from pathlib import Path
from typing import Any

import yaml
from dagster._config import process_config
from dagster._core.instance.config import dagster_instance_config
from dagster_docker import DockerRunLauncher

from slack_events_dagster.settings import PROJECT_ROOT

DEPLOY_DIR = PROJECT_ROOT / "deploy"
DOCKER_OVERLAY = DEPLOY_DIR / "run_launcher.docker.yaml"
DOCKER_RUNS_COMPOSE = DEPLOY_DIR / "compose.docker-runs.yml"
HELM_VALUES = DEPLOY_DIR / "helm" / "values.yaml"
APP_SERVICES = ("migrate", "code", "webserver", "daemon", "dashboard")
# Only for the daemon's own schedule list, not for what a run computes.
NOT_FOR_RUNS = {"BACKUP_SCHEDULE"}
LITERAL_SECRET = re.compile(r"xox[abposr]-[A-Za-z0-9-]+|sk-[A-Za-z0-9_-]{16,}|password:\s*\S")


def _load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _compose() -> dict[str, Any]:
    return _load(PROJECT_ROOT / "docker-compose.yml")


def _env_example_names() -> set[str]:
    text = (PROJECT_ROOT / ".env.example").read_text(encoding="utf-8")
    return set(re.findall(r"^(?:# )?([A-Z_][A-Z0-9_]*)=", text, flags=re.MULTILINE))


def _mounts(volumes: list[str]) -> dict[str, str]:
    """Short-syntax mounts as {container path: host path or volume name}."""
    return {mount.split(":")[1]: mount.split(":")[0] for mount in volumes}


def _docker_instance(tmp_path: Path) -> dict[str, Any]:
    """deploy/dagster.yaml with the overlay appended, as the README's `cat` makes it."""
    combined = DEPLOY_DIR.joinpath("dagster.yaml").read_text() + DOCKER_OVERLAY.read_text()
    (tmp_path / "dagster.yaml").write_text(combined, encoding="utf-8")
    config, _ = dagster_instance_config(str(tmp_path))  # raises on an unknown or mistyped key
    return config


def test_docker_overlay_is_the_instance_plus_a_run_launcher_dagster_docker_accepts(
    tmp_path: Path,
) -> None:
    combined = _docker_instance(tmp_path)
    plain_folder = tmp_path / "plain"
    plain_folder.mkdir()
    shutil.copy(DEPLOY_DIR / "dagster.yaml", plain_folder / "dagster.yaml")
    plain, _ = dagster_instance_config(str(plain_folder))
    assert {key: value for key, value in combined.items() if key != "run_launcher"} == plain
    launcher = combined["run_launcher"]
    assert (launcher["module"], launcher["class"]) == ("dagster_docker", "DockerRunLauncher")
    checked = process_config(DockerRunLauncher.config_type(), launcher["config"])
    assert checked.success, checked.errors


def test_run_containers_get_the_configuration_the_code_server_has(tmp_path: Path) -> None:
    """A run in its own container must compute what it would in the code server: the same
    variables (by name, from the daemon), the same mounted config.yaml and backups volume, the
    same image, on the stack's network."""
    config = _docker_instance(tmp_path)["run_launcher"]["config"]
    compose = _compose()
    code = compose["services"]["code"]
    passed = set(config["env_vars"])
    assert all("=" not in name for name in passed)  # names only: values stay in .env
    wanted = (set(code["environment"]) | _env_example_names()) - NOT_FOR_RUNS
    assert not wanted - passed, sorted(wanted - passed)

    assert config["image"] == code["image"]
    assert config["network"] == compose["networks"]["default"]["name"]
    code_mounts = _mounts(code["volumes"])
    run_mounts = _mounts(config["container_kwargs"]["volumes"])
    assert set(run_mounts) == set(code_mounts)
    assert code["environment"]["SLACK_EVENTS_CONFIG"] in run_mounts
    for target, source in code_mounts.items():
        if source in compose["volumes"]:  # a named volume: a run mounts it by its fixed name
            assert run_mounts[target] == compose["volumes"][source]["name"], target
    assert not LITERAL_SECRET.search(DOCKER_OVERLAY.read_text())


def test_the_docker_runs_compose_file_mounts_that_instance_and_gives_the_daemon_docker(
    tmp_path: Path,
) -> None:
    override = _load(DOCKER_RUNS_COMPOSE)["services"]
    home = _compose()["x-app"]["environment"]["DAGSTER_HOME"]
    assert set(override) == set(APP_SERVICES)
    for name in APP_SERVICES:
        assert override[name]["build"]["args"]["EXTRAS"] == "docker", name
    for name in ("code", "webserver", "daemon"):  # every process that loads the instance
        assert (
            _mounts(override[name]["volumes"])[f"{home}/dagster.yaml"]
            == "./deploy/dagster.docker-runs.yaml"
        ), name
    assert "/var/run/docker.sock" in _mounts(override["daemon"]["volumes"])
    # The README's `cat` line is the one the overlay's comments give.
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    cat = (
        "cat deploy/dagster.yaml deploy/run_launcher.docker.yaml > deploy/dagster.docker-runs.yaml"
    )
    assert cat in readme and cat in DOCKER_OVERLAY.read_text()


def test_the_image_build_can_add_the_run_launchers_pinned_like_dagster() -> None:
    pyproject = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())
    extras = pyproject["project"]["optional-dependencies"]
    assert extras["docker"] == ["dagster-docker==0.29.27"]
    assert extras["k8s"] == ["dagster-k8s==0.29.27"]
    assert importlib.metadata.version("dagster-docker") == "0.29.27"  # the one validated above
    dockerfile = (PROJECT_ROOT / "Dockerfile").read_text()
    assert (
        'ARG EXTRAS=""' in dockerfile and 'pip install --no-cache-dir -e ".[$EXTRAS]"' in dockerfile
    )


def test_helm_values_run_each_run_as_a_kubernetes_job_from_the_queue() -> None:
    values = _load(HELM_VALUES)
    assert values["runLauncher"]["type"] == "K8sRunLauncher"
    coordinator = values["dagsterDaemon"]["runCoordinator"]
    assert coordinator["enabled"] and coordinator["type"] == "QueuedRunCoordinator"
    queue = coordinator["config"]["queuedRunCoordinator"]
    (backfills,) = [
        limit for limit in queue["tagConcurrencyLimits"] if limit["key"] == "dagster/backfill"
    ]
    assert queue["maxConcurrentRuns"] > backfills["limit"]  # a slot stays for the schedule
    assert values["postgresql"]["enabled"] is False  # Dagster's storage on our PostgreSQL 16
    assert not LITERAL_SECRET.search(HELM_VALUES.read_text())


def test_helm_code_deployment_matches_the_compose_code_service() -> None:
    (deployment,) = _load(HELM_VALUES)["dagster-user-deployments"]["deployments"]
    code = _compose()["services"]["code"]
    command = code["command"]
    assert deployment["codeServerArgs"] == command[command.index("-m") :]
    assert deployment["includeConfigInLaunchedRuns"]["enabled"] is True
    assert deployment["image"]["tag"] != "latest"
    env = {item["name"]: item["value"] for item in deployment["env"]}
    # The chart sets DAGSTER_HOME and Dagster's storage itself.
    expected = set(code["environment"]) - {"DAGSTER_HOME", "DAGSTER_POSTGRES_DB"} - NOT_FOR_RUNS
    assert expected <= set(env), sorted(expected - set(env))
    mounts = {mount["name"]: mount["mountPath"] for mount in deployment["volumeMounts"]}
    assert any(env["SLACK_EVENTS_CONFIG"].startswith(f"{path}/") for path in mounts.values())
    assert [secret["name"] for secret in deployment["envSecrets"]] == ["slack-events-secrets"]


def test_both_instances_leave_a_run_slot_for_the_hourly_schedule() -> None:
    queue = _load(DEPLOY_DIR / "dagster.yaml")["concurrency"]["runs"]
    (backfills,) = [
        limit for limit in queue["tag_concurrency_limits"] if limit["key"] == "dagster/backfill"
    ]
    assert queue["max_concurrent_runs"] > backfills["limit"]
