"""Run the docker-compose topology natively: code server, webserver and daemon as subprocesses.

Used by the deploy tests and by the benchmarks' split backfill (`--only split`).

The processes are the ones `docker-compose.yml` starts (same commands, same instance config from
`deploy/`), bound to 127.0.0.1 on free ports. Every wait has a deadline, every process gets its
own process group and log file, and `Topology.stop()` ends the groups it started (SIGTERM, then
SIGKILL), so nothing outlives a failing test.
"""

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any, TypeVar

import yaml
from sqlalchemy.engine import URL

from devtools.postgres16 import free_port
from slack_events_dagster.settings import CONFIG_ENV_VAR, ENV_OVERRIDES, PROJECT_ROOT

DEPLOY_DIR = PROJECT_ROOT / "deploy"
# Everything the app or the instance reads from the environment; a developer's values must not
# leak into the topology, so these are dropped from the inherited environment first.
APP_SECRETS = ("POSTGRES_PASSWORD", "SLACK_BOT_TOKEN", "OPENAI_API_KEY")
INHERITED_BUT_DROPPED = (*ENV_OVERRIDES, *APP_SECRETS, CONFIG_ENV_VAR, "DAGSTER_HOME")

T = TypeVar("T")


def console_script(name: str) -> str:
    """The console script `name` of the running interpreter's environment (as on the image PATH)."""
    path = Path(sys.executable).with_name(name)
    if not path.exists():
        raise FileNotFoundError(f"{name} is not installed next to {sys.executable}")
    return str(path)


class StopWaiting(AssertionError):
    """A probe's verdict that waiting longer cannot help (a service exited, a backfill failed)."""


def wait_for(what: str, probe: Callable[[], T | None], timeout: float, interval: float = 1.0) -> T:
    """Call `probe` until it returns something truthy; fail with `what` after `timeout` seconds,
    or at once when the probe raises StopWaiting (any other error means "not up yet")."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while True:
        try:
            result = probe()
            if result:
                return result
        except StopWaiting:
            raise
        except Exception as error:  # the thing probed is not up yet
            last_error = error
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}: {last_error}")
        time.sleep(interval)


def app_environment(
    postgres: Mapping[str, str], dagster_db: str, dagster_home: Path
) -> dict[str, str]:
    """The environment every compose app service gets, pointed at local PostgreSQL databases.

    `postgres` holds POSTGRES_HOST/PORT/DATABASE/USER (and POSTGRES_PASSWORD when the server needs
    one); deploy/dagster.yaml reads the same variables plus DAGSTER_POSTGRES_DB.
    """
    env = {key: value for key, value in os.environ.items() if key not in INHERITED_BUT_DROPPED}
    env.update(
        {
            "DATABASE_TYPE": "postgres",
            **postgres,
            # dagster.yaml requires the variable; a trust-auth test server ignores its value.
            "POSTGRES_PASSWORD": postgres.get("POSTGRES_PASSWORD") or "unused-with-trust-auth",
            "DAGSTER_POSTGRES_DB": dagster_db,
            "DAGSTER_HOME": str(dagster_home),
            CONFIG_ENV_VAR: str(PROJECT_ROOT / "config.yaml"),
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
            "PYTHONUNBUFFERED": "1",
            "DAGSTER_EVENT_BATCH_SIZE": "1000",  # as the image sets it (Dockerfile ENV)
        }
    )
    return env


def write_dagster_home(home: Path, grpc_host: str, grpc_port: int) -> None:
    """DAGSTER_HOME as the image builds it: deploy/dagster.yaml verbatim (every value comes from
    the environment) and deploy/workspace.yaml with the code server's address filled in."""
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_text((DEPLOY_DIR / "dagster.yaml").read_text())
    workspace = yaml.safe_load((DEPLOY_DIR / "workspace.yaml").read_text())
    for entry in workspace["load_from"]:
        entry["grpc_server"].update({"host": grpc_host, "port": grpc_port})
    (home / "workspace.yaml").write_text(yaml.safe_dump(workspace, sort_keys=False))


@dataclass
class Service:
    """One started process (in its own process group) and the file its output goes to."""

    name: str
    process: subprocess.Popen[bytes]
    log: Path

    def tail(self, lines: int = 60) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def assert_running(self) -> None:
        code = self.process.poll()
        if code is not None:
            raise StopWaiting(f"{self.name} exited with {code}:\n{self.tail()}")


@dataclass
class Topology:
    """The processes of one test or benchmark; `stop()` is safe to call any number of times."""

    env: dict[str, str]
    cwd: Path
    log_dir: Path
    services: list[Service] = field(default_factory=list)

    def start(self, name: str, command: list[str]) -> Service:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = self.log_dir / f"{name}.log"
        with log.open("wb") as sink:
            process = subprocess.Popen(
                command,
                cwd=self.cwd,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=sink,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        service = Service(name, process, log)
        self.services.append(service)
        return service

    def assert_running(self) -> None:
        for service in self.services:
            service.assert_running()

    def while_running(self, probe: Callable[[], T]) -> T:
        """`probe()`, after checking that every service still runs (for `wait_for`)."""
        self.assert_running()
        return probe()

    def log_tails(self, lines: int = 60) -> str:
        return "\n".join(
            f"===== {service.name} ({service.log}) =====\n{service.tail(lines)}"
            for service in self.services
        )

    def stop(self, grace_seconds: float = 15.0) -> None:
        """SIGTERM each process group (the code server's run workers included), then SIGKILL."""
        for service in reversed(self.services):
            _signal_group(service.process, signal.SIGTERM)
        deadline = time.monotonic() + grace_seconds
        for service in reversed(self.services):
            with contextlib.suppress(subprocess.TimeoutExpired):
                service.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            # Children (code server workers, run workers) may outlive their parent: kill the group.
            _signal_group(service.process, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                service.process.wait(timeout=10)


def _signal_group(process: subprocess.Popen[bytes], signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signum)  # the group id is the pid: start_new_session=True


class GraphQLError(AssertionError):
    """The webserver answered with GraphQL errors."""


def graphql(url: str, query: str, variables: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """POST one GraphQL document to the webserver and return its `data`."""
    body = json.dumps({"query": query, "variables": dict(variables or {})}).encode()
    request = urllib.request.Request(
        f"{url}/graphql", data=body, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            answer = json.load(response)
    except urllib.error.HTTPError as error:
        raise GraphQLError(f"HTTP {error.code}: {error.read().decode(errors='replace')}") from None
    if answer.get("errors"):
        raise GraphQLError(json.dumps(answer["errors"], indent=1))
    return answer["data"]


def http_json(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)


# ------------------------------------------------------------------ the production services
# Start them as the compose file does and drive them as an operator does in the UI (GraphQL).

STARTUP_TIMEOUT = 90

BAD_BACKFILL_STATES = {"FAILED", "COMPLETED_FAILED", "CANCELED", "CANCELING", "FAILING"}

REQUIRED_DAEMONS = {"SCHEDULER", "BACKFILL", "QUEUED_RUN_COORDINATOR"}

WORKSPACE_QUERY = """
query {
  workspaceOrError {
    __typename
    ... on Workspace {
      locationEntries {
        name
        loadStatus
        locationOrLoadError {
          __typename
          ... on RepositoryLocation { repositories { name } }
          ... on PythonError { message }
        }
      }
    }
  }
}"""

DAEMON_HEALTH_QUERY = """
query { instance { daemonHealth { allDaemonStatuses { daemonType required healthy } } } }"""

LAUNCH_BACKFILL = """
mutation ($params: LaunchBackfillParams!) {
  launchPartitionBackfill(backfillParams: $params) {
    __typename
    ... on LaunchBackfillSuccess { backfillId }
    ... on Error { message }
  }
}"""

BACKFILL_QUERY = """
query ($id: String!) {
  partitionBackfillOrError(backfillId: $id) {
    __typename
    ... on PartitionBackfill {
      status
      partitionNames
      error { message }
      runs {
        runId status jobName startTime endTime tags { key value } assetSelection { path }
      }
    }
    ... on Error { message }
  }
}"""


def postgres_variables(app_db: URL) -> dict[str, str]:
    """The app's POSTGRES_* variables for a database URL (the password only when it has one)."""
    variables = {
        "POSTGRES_HOST": app_db.host or "127.0.0.1",
        "POSTGRES_PORT": str(app_db.port or 5432),
        "POSTGRES_DATABASE": str(app_db.database),
        "POSTGRES_USER": app_db.username or "postgres",
    }
    if app_db.password:
        variables["POSTGRES_PASSWORD"] = app_db.password
    return variables


def only_location() -> str:
    """The code location deploy/workspace.yaml names."""
    (entry,) = yaml.safe_load((DEPLOY_DIR / "workspace.yaml").read_text())["load_from"]
    return entry["grpc_server"]["location_name"]


def loaded_repository(url: str, location: str) -> str | None:
    """The repository name once the webserver has loaded the code location from the code server."""
    entries = graphql(url, WORKSPACE_QUERY)["workspaceOrError"]["locationEntries"]
    (entry,) = [entry for entry in entries if entry["name"] == location]
    loaded = entry["locationOrLoadError"]
    if entry["loadStatus"] != "LOADED" or loaded is None:
        return None
    if loaded["__typename"] != "RepositoryLocation":
        raise StopWaiting(f"code location {location} did not load: {loaded}")
    (repository,) = loaded["repositories"]
    return repository["name"]


def daemons_healthy(url: str) -> bool:
    """Whether the scheduler, backfill and run-queue daemons report healthy heartbeats."""
    statuses = graphql(url, DAEMON_HEALTH_QUERY)["instance"]["daemonHealth"]["allDaemonStatuses"]
    healthy = {status["daemonType"] for status in statuses if status["healthy"]}
    return healthy >= REQUIRED_DAEMONS


def finished_backfill(url: str, backfill_id: str, topology: Topology) -> dict[str, Any] | None:
    """The backfill once it and all its runs succeeded, else None; StopWaiting when a run or
    the backfill failed, or a service exited."""
    topology.assert_running()
    backfill = graphql(url, BACKFILL_QUERY, {"id": backfill_id})["partitionBackfillOrError"]
    if backfill["__typename"] != "PartitionBackfill":
        raise StopWaiting(f"no backfill {backfill_id}: {backfill}")
    runs = backfill["runs"]
    failed = [run for run in runs if run["status"] in {"FAILURE", "CANCELED"}]
    if backfill["status"] in BAD_BACKFILL_STATES or failed:
        raise StopWaiting(f"backfill {backfill_id} went wrong: {backfill}")
    done = backfill["status"] == "COMPLETED_SUCCESS" and runs
    return backfill if done and all(run["status"] == "SUCCESS" for run in runs) else None


def succeeds(command: list[str], env: dict[str, str], cwd: Path) -> bool:
    """Whether `command` exits 0 within 30 s."""
    finished = subprocess.run(command, env=env, cwd=cwd, capture_output=True, timeout=30)
    return finished.returncode == 0


def launch_asset_backfill(
    url: str, assets: Sequence[str], first: str, last: str, title: str
) -> str:
    """Launch a backfill of these assets' hours `first`..`last` over GraphQL, as the asset
    graph's Materialize button does with a partition range: an asset backfill, whose runs wait
    for the upstream hours their partition mappings read (a job's backfill does not:
    dagster-io/dagster#11962). Each asset gets the range itself: the look-backs would otherwise
    pull in every later hour that reads these (up to now)."""
    launched = graphql(
        url,
        LAUNCH_BACKFILL,
        {
            "params": {
                "partitionsByAssets": [
                    {
                        "assetKey": {"path": [name]},
                        "partitions": {"range": {"start": first, "end": last}},
                    }
                    for name in assets
                ],
                "title": title,
            }
        },
    )["launchPartitionBackfill"]
    if launched["__typename"] != "LaunchBackfillSuccess":
        raise RuntimeError(f"the backfill was not launched: {launched}")
    return str(launched["backfillId"])


def start_services(topology: Topology) -> tuple[str, dict[str, str], int]:
    """The topology's DAGSTER_HOME (from its environment) as the image has it, then the code
    server and (once it answers, as a compose healthcheck would) the webserver and daemon.
    Returns the URL, repository selector and port."""
    env, cwd, home = topology.env, topology.cwd, Path(topology.env["DAGSTER_HOME"])
    grpc_port, web_port = free_port(), free_port()
    while web_port == grpc_port:
        web_port = free_port()
    write_dagster_home(home, "127.0.0.1", grpc_port)
    workspace = str(home / "workspace.yaml")
    url = f"http://127.0.0.1:{web_port}"
    location = only_location()
    dagster = console_script("dagster")
    code = [dagster, "code-server", "start", "-h", "127.0.0.1", "-p", str(grpc_port)]
    topology.start("code", [*code, "-m", "slack_events_dagster.definitions"])
    health = [dagster, "api", "grpc-health-check", "-h", "127.0.0.1", "-p", str(grpc_port)]
    wait_for(
        "the code server's gRPC health check",
        lambda: topology.while_running(lambda: succeeds(health, env, cwd)),
        timeout=STARTUP_TIMEOUT,
    )
    web = [console_script("dagster-webserver"), "-h", "127.0.0.1", "-p", str(web_port)]
    topology.start("webserver", [*web, "-w", workspace])
    topology.start("daemon", [console_script("dagster-daemon"), "run", "-w", workspace])
    info = wait_for(
        "the webserver's /server_info",
        lambda: topology.while_running(lambda: http_json(f"{url}/server_info")),
        timeout=STARTUP_TIMEOUT,
    )
    if info["dagster_version"] != version("dagster"):
        raise RuntimeError(f"the webserver runs Dagster {info['dagster_version']}")
    repository_name = wait_for(
        f"code location {location} to load in the webserver",
        lambda: topology.while_running(lambda: loaded_repository(url, location)),
        timeout=STARTUP_TIMEOUT,
    )
    wait_for(
        "the daemons' heartbeats",
        lambda: topology.while_running(lambda: daemons_healthy(url)),
        STARTUP_TIMEOUT,
        2,
    )
    return url, {"repositoryName": repository_name, "repositoryLocationName": location}, web_port


def run_migrations(env: dict[str, str], cwd: Path, log_dir: Path) -> None:
    """The compose `migrate` service: `alembic upgrade head` once, before the others start."""
    migrated = Topology(env=env, cwd=cwd, log_dir=log_dir)
    alembic = [console_script("alembic"), "-c", str(PROJECT_ROOT / "alembic.ini")]
    migration = migrated.start("migrate", [*alembic, "upgrade", "head"])
    try:
        code = migration.process.wait(timeout=300)
    finally:
        migrated.stop()
    if code != 0:
        raise RuntimeError(f"alembic upgrade head exited with {code}:\n{migration.tail()}")


def most_at_once(spans: Sequence[tuple[float, float]]) -> int:
    """The most (start, end) spans open at the same moment (an end before a start at the same
    time): how many runs ran side by side."""
    moments = sorted([(start, 1) for start, _ in spans] + [(end, -1) for _, end in spans])
    running = most = 0
    for _, step in moments:
        running += step
        most = max(most, running)
    return most
