"""Run the docker-compose topology natively: code server, webserver and daemon as subprocesses.

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
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml

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


def wait_for(what: str, probe: Callable[[], T | None], timeout: float, interval: float = 1.0) -> T:
    """Call `probe` until it returns something truthy; fail with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while True:
        try:
            result = probe()
            if result:
                return result
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
            raise RuntimeError(f"{self.name} exited with {code}:\n{self.tail()}")


@dataclass
class Topology:
    """The processes of one test; `stop()` is safe to call any number of times."""

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
