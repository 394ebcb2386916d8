"""docker-compose.yml, the Dockerfile and deploy/ fit together, without a Docker engine.

The compose file is parsed with PyYAML (anchors and merge keys resolved), every command it runs is
checked against the `--help` of the pinned, installed tools, and the files the commands need are
checked to be in the image. `docker compose config` runs too when a compose CLI is installed.
"""

import fnmatch
import importlib.metadata
import importlib.util
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from devtools.postgres16 import dagster_database_settings
from slack_events_dagster.settings import PROJECT_ROOT

COMPOSE_FILE = PROJECT_ROOT / "docker-compose.yml"
DOCKERFILE = PROJECT_ROOT / "Dockerfile"
DEPLOY_DIR = PROJECT_ROOT / "deploy"
APP_SERVICES = ("migrate", "code", "webserver", "daemon", "dashboard")
SECRET_NAME = re.compile(r"PASSWORD|TOKEN|SECRET|API_KEY", re.IGNORECASE)
INTERPOLATION = re.compile(r"^\$\{[A-Z_][A-Z0-9_]*(:?[-?][^}]*)?\}$")
LITERAL_SECRET = re.compile(r"xox[abposr]-[A-Za-z0-9-]+|sk-[A-Za-z0-9_-]{16,}")
DUMMY_PASSWORD = "dummy-compose-config-password"


def _load(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return _load(COMPOSE_FILE)


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return compose["services"]


@pytest.fixture(scope="module")
def pyproject() -> dict[str, Any]:
    return tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())


def _env(service: Mapping[str, Any]) -> dict[str, str]:
    """A service's `environment`, as a mapping whichever of the two compose syntaxes it uses."""
    environment = service.get("environment") or {}
    if isinstance(environment, list):
        return dict(item.split("=", 1) if "=" in item else (item, "") for item in environment)
    return {key: str(value) for key, value in environment.items()}


def _depends_on(service: Mapping[str, Any]) -> dict[str, str]:
    """{service: condition}; the short list syntax means `service_started`."""
    depends = service.get("depends_on") or {}
    if isinstance(depends, list):
        return dict.fromkeys(depends, "service_started")
    return {
        name: (spec or {}).get("condition", "service_started") for name, spec in depends.items()
    }


def _option(command: list[str], *flags: str) -> str:
    """The value following the first of `flags` in an argv list."""
    for index, token in enumerate(command[:-1]):
        if token in flags:
            return command[index + 1]
    raise AssertionError(f"none of {flags} in {command}")


def _env_refs(config: Any) -> set[str]:
    """Every `{env: NAME}` referenced anywhere in a dagster.yaml structure."""
    if isinstance(config, dict):
        if set(config) == {"env"}:
            return {config["env"]}
        return set().union(*(_env_refs(value) for value in config.values()))
    if isinstance(config, list):
        return set().union(*(_env_refs(value) for value in config))
    return set()


# ---------------------------------------------------------------------------------------------
# The Dockerfile, read just far enough to know what ends up where in the image.


def _dockerfile_instructions() -> list[tuple[str, str]]:
    lines, current = [], ""
    for raw in DOCKERFILE.read_text().splitlines():
        stripped = raw.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        lines.append(current + stripped)
        current = ""
    instructions = []
    for line in lines:
        keyword, _, rest = line.partition(" ")
        instructions.append((keyword.upper(), rest.strip()))
    return instructions


class Image:
    """WORKDIR, ENV, what each COPY puts where, and the RUN lines of the Dockerfile."""

    def __init__(self) -> None:
        self.env: dict[str, str] = {}
        self.workdir = "/"
        self.copies: dict[str, str] = {}  # source path in the repo -> destination in the image
        self.runs: list[str] = []
        self.exposed: set[str] = set()
        self.base = ""
        for keyword, rest in _dockerfile_instructions():
            if keyword == "FROM":
                self.base = rest.split()[0]
            elif keyword == "ENV":
                self.env.update(item.split("=", 1) for item in shlex.split(rest))
            elif keyword == "WORKDIR":
                self.workdir = self._absolute(self._expand(rest))
            elif keyword in ("COPY", "ADD"):
                args = [arg for arg in shlex.split(rest) if not arg.startswith("--")]
                *sources, target = (self._expand(arg) for arg in args)
                for source in sources:
                    name = Path(source.rstrip("/")).name
                    base = self._absolute(target)
                    into_dir = target.endswith("/") or len(sources) > 1
                    self.copies[source.rstrip("/")] = f"{base}/{name}" if into_dir else base
            elif keyword == "RUN":
                self.runs.append(rest)
            elif keyword == "EXPOSE":
                self.exposed.update(rest.split())

    def _expand(self, value: str) -> str:
        return re.sub(r"\$\{?(\w+)\}?", lambda match: self.env.get(match[1], match[0]), value)

    def _absolute(self, path: str) -> str:
        joined = path if path.startswith("/") else f"{self.workdir.rstrip('/')}/{path}"
        return "/" + "/".join(part for part in joined.split("/") if part not in ("", "."))

    def destination(self, repo_path: str) -> str | None:
        return self.copies.get(repo_path)


@pytest.fixture(scope="module")
def image() -> Image:
    return Image()


# ---------------------------------------------------------------------------------------------
# Services


def test_postgres_service_is_postgres16_with_a_volume_a_healthcheck_and_no_literal_password(
    compose: dict[str, Any], services: dict[str, dict[str, Any]]
) -> None:
    postgres = services["postgres"]
    assert postgres["image"] == "postgres:16-alpine"

    volumes = [volume.split(":") for volume in postgres["volumes"]]
    data = [parts for parts in volumes if parts[1] == "/var/lib/postgresql/data"]
    assert data, "PostgreSQL data must live on a volume"
    assert data[0][0] in (compose.get("volumes") or {}), "a named (top-level) volume, not a bind"

    test = postgres["healthcheck"]["test"]
    check = " ".join(test[1:]) if isinstance(test, list) else test
    assert "pg_isready" in check
    # TCP, not the unix socket: the image's init phase runs a socket-only temporary server.
    assert re.search(r"(?<![\w-])-h\s+(127\.0\.0\.1|localhost)\b", check), check

    env = _env(postgres)
    assert INTERPOLATION.match(env["POSTGRES_PASSWORD"]), "POSTGRES_PASSWORD must come from .env"
    assert "POSTGRES_PASSWORD" in env["POSTGRES_PASSWORD"]
    app = _env(services["migrate"])
    assert env["POSTGRES_USER"] == app["POSTGRES_USER"]
    assert env["POSTGRES_DB"] == app["POSTGRES_DATABASE"]
    assert f"-U {env['POSTGRES_USER']}" in check and f"-d {env['POSTGRES_DB']}" in check


def test_initdb_creates_the_dagster_storage_database(services: dict[str, dict[str, Any]]) -> None:
    mounts = [volume.split(":") for volume in services["postgres"]["volumes"]]
    (init,) = [parts for parts in mounts if parts[1].startswith("/docker-entrypoint-initdb.d/")]
    script = (PROJECT_ROOT / init[0]).read_text()
    database = _env(services["daemon"])["DAGSTER_POSTGRES_DB"]
    assert re.search(rf"CREATE DATABASE\s+\"?{database}\"?\s*;", script, re.IGNORECASE)
    # Dagster's event writes skip the WAL flush; no other database is touched (the app data
    # stays fully durable).
    assert database == "dagster" and dagster_database_settings() == {"synchronous_commit": "off"}
    assert re.findall(r"ALTER DATABASE\s+\"?(\w+)", script, re.IGNORECASE) == [database]


@pytest.mark.parametrize("name", APP_SERVICES)
def test_every_app_service_gets_the_production_environment(
    services: dict[str, dict[str, Any]], image: Image, name: str
) -> None:
    service = services[name]
    env = _env(service)
    assert env["DATABASE_TYPE"] == "postgres"
    assert env["POSTGRES_HOST"] == "postgres" and "postgres" in services
    assert env["POSTGRES_PORT"] == "5432"
    assert env["POSTGRES_DATABASE"] and env["POSTGRES_USER"] and env["DAGSTER_POSTGRES_DB"]
    assert env["DAGSTER_HOME"] == image.env["DAGSTER_HOME"]
    env_files = service["env_file"]
    assert ".env" in ([env_files] if isinstance(env_files, str) else env_files)
    assert "POSTGRES_PASSWORD" not in env or INTERPOLATION.match(env["POSTGRES_PASSWORD"])
    assert service["image"] == services["code"]["image"], "one image for every app service"
    assert service.get("working_dir", image.workdir) == image.workdir


def test_migrate_runs_alembic_once_after_postgres_is_healthy(
    services: dict[str, dict[str, Any]],
) -> None:
    """The app's migrations, then Dagster's instance tables (so the webserver and the daemon,
    started together, never both create them)."""
    migrate = services["migrate"]
    assert migrate["command"] == ["sh", "-c", "alembic upgrade head && dagster instance migrate"]
    assert _depends_on(migrate) == {"postgres": "service_healthy"}
    assert migrate["restart"] == "no"


def test_code_server_serves_the_code_location_after_migrations(
    services: dict[str, dict[str, Any]], pyproject: dict[str, Any]
) -> None:
    code = services["code"]
    command = code["command"]
    assert command[:3] == ["dagster", "code-server", "start"]
    assert _option(command, "-h", "--host") == "0.0.0.0"
    assert _option(command, "-p", "--port") == "4000"
    module = _option(command, "-m", "--module-name")
    assert (
        module == "slack_events_dagster.definitions" == pyproject["tool"]["dagster"]["module_name"]
    )
    assert importlib.util.find_spec(module) is not None
    assert _depends_on(code) == {"migrate": "service_completed_successfully"}


@pytest.mark.parametrize("name", ["webserver", "daemon"])
def test_webserver_and_daemon_load_the_workspace_from_dagster_home(
    services: dict[str, dict[str, Any]], image: Image, name: str
) -> None:
    service = services[name]
    command = service["command"]
    expected = {"webserver": ["dagster-webserver"], "daemon": ["dagster-daemon", "run"]}[name]
    assert command[: len(expected)] == expected
    assert _option(command, "-w", "--workspace") == f"{image.env['DAGSTER_HOME']}/workspace.yaml"
    assert _depends_on(service).get("code") in ("service_started", "service_healthy")


def test_webserver_listens_on_3000_and_publishes_it(services: dict[str, dict[str, Any]]) -> None:
    command = services["webserver"]["command"]
    assert _option(command, "-h", "--host") == "0.0.0.0"
    assert _option(command, "-p", "--port") == "3000"
    published = [str(port) for port in services["webserver"]["ports"]]
    assert any(re.fullmatch(r"(\S+:)?3000:3000(/tcp)?", port) for port in published), published


def test_dashboard_serves_the_app_on_8501_headless_after_migrations(
    services: dict[str, dict[str, Any]], image: Image
) -> None:
    dashboard = services["dashboard"]
    command = dashboard["command"]
    assert command[:3] == ["streamlit", "run", "slack_events_dagster/dashboard/app.py"]
    assert (PROJECT_ROOT / command[2]).is_file()
    assert image.destination("slack_events_dagster") == f"{image.workdir}/slack_events_dagster"
    assert _option(command, "--server.address") == "0.0.0.0"
    assert _option(command, "--server.port") == "8501"
    assert _option(command, "--server.headless") == "true"  # no e-mail prompt, no browser
    assert _option(command, "--browser.gatherUsageStats") == "false"
    published = [str(port) for port in dashboard["ports"]]
    assert any(re.fullmatch(r"(\S+:)?8501:8501(/tcp)?", port) for port in published), published
    assert "8501" in image.exposed
    assert _depends_on(dashboard) == {"migrate": "service_completed_successfully"}


LONG_RUNNING = ("postgres", "code", "webserver", "daemon", "dashboard")
HTTP_PROBE = re.compile(r"urlopen\('http://127\.0\.0\.1:(\d+)(/[^']*)'")


def test_every_long_running_service_has_a_healthcheck(
    services: dict[str, dict[str, Any]],
) -> None:
    running = {name for name, service in services.items() if service.get("restart") != "no"}
    assert running == set(LONG_RUNNING)
    for name in LONG_RUNNING:
        check = services[name].get("healthcheck")
        assert check and check["test"][0] in ("CMD", "CMD-SHELL"), f"{name}: no healthcheck"
        assert {"interval", "timeout", "retries"} <= set(check), name
    # The webserver and the daemon start once the code location answers.
    for name in ("webserver", "daemon"):
        assert _depends_on(services[name]) == {"code": "service_healthy"}


@pytest.mark.parametrize("name", ["code", "daemon"])
def test_dagster_healthchecks_are_commands_of_the_installed_tools(
    services: dict[str, dict[str, Any]], name: str
) -> None:
    command = services[name]["healthcheck"]["test"][1:]
    executable = Path(sys.executable).with_name(command[0])
    words = [token for token in command[1:] if not token.startswith("-") and not token.isdigit()]
    shown = subprocess.run(
        [str(executable), *words, "--help"], capture_output=True, text=True, timeout=120
    )
    assert shown.returncode == 0, shown.stderr[-2000:]
    for flag in (token for token in command if token.startswith("-")):
        assert re.search(rf"(?<![\w-]){re.escape(flag)}(?![\w-])", shown.stdout), flag
    if name == "code":  # the port it serves on
        assert _option(command, "-p") == _option(services["code"]["command"], "-p", "--port")


def test_http_healthchecks_probe_each_servers_own_port_and_health_route(
    services: dict[str, dict[str, Any]],
) -> None:
    import dagster_webserver
    import streamlit

    routes = {
        "webserver": (Path(dagster_webserver.__file__).parent / "webserver.py", "3000"),
        "dashboard": (
            Path(streamlit.__file__).parent / "web/server/starlette/starlette_routes.py",
            "8501",
        ),
    }
    for name, (source, port) in routes.items():
        test = services[name]["healthcheck"]["test"]
        assert test[:3] == ["CMD", "python", "-c"], name  # the image has no curl
        found = HTTP_PROBE.search(test[3])
        assert found, test
        assert found.group(1) == port == _option(services[name]["command"], "-p", "--server.port")
        route = found.group(2).lstrip("/")
        assert route.split("/")[-1] in source.read_text(), f"{name}: {route} is not served"
        compile(test[3], name, "exec")  # valid Python


def test_make_dashboard_runs_the_same_app_headless_on_8501() -> None:
    # Under `make test` this make is a sub-make: without --no-print-directory and the parent's
    # MAKEFLAGS it prints "make[1]: Entering/Leaving directory" around the recipe.
    outer = {"MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES"}
    shown = subprocess.run(
        ["make", "--no-print-directory", "-n", "dashboard"],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        timeout=60,
        env={key: value for key, value in os.environ.items() if key not in outer},
    )
    assert shown.returncode == 0, shown.stderr
    command = shlex.split(shown.stdout.replace("\\\n", " ").splitlines()[-1])
    assert command[0].endswith("bin/streamlit") and command[1:3] == [
        "run",
        "slack_events_dagster/dashboard/app.py",
    ]
    assert _option(command, "--server.port") == "8501"
    assert _option(command, "--server.headless") == "true"
    assert _option(command, "--browser.gatherUsageStats") == "false"


# ---------------------------------------------------------------------------------------------
# deploy/


def test_workspace_points_at_the_code_service(
    services: dict[str, dict[str, Any]], pyproject: dict[str, Any]
) -> None:
    (entry,) = _load(DEPLOY_DIR / "workspace.yaml")["load_from"]
    server = entry["grpc_server"]
    assert server["host"] == "code"
    assert str(server["port"]) == _option(services["code"]["command"], "-p", "--port")
    assert server["location_name"] == pyproject["tool"]["dagster"]["code_location_name"]


def test_instance_uses_postgres_storage_queued_runs_and_the_daemon_scheduler(
    services: dict[str, dict[str, Any]],
) -> None:
    instance = _load(DEPLOY_DIR / "dagster.yaml")
    database = instance["storage"]["postgres"]["postgres_db"]
    # SQLAlchemy 2.1 maps a bare postgresql:// to psycopg 3, which is not installed.
    assert database["scheme"] == "postgresql+psycopg2"
    for key in ("hostname", "port", "username", "password", "db_name"):
        assert set(database[key]) == {"env"}, f"storage.postgres.postgres_db.{key} from the env"
    assert instance["run_coordinator"] == {
        "module": "dagster._core.run_coordinator",
        "class": "QueuedRunCoordinator",
    }
    assert instance["scheduler"] == {
        "module": "dagster._core.scheduler",
        "class": "DagsterDaemonScheduler",
    }
    # Runs execute in the code server's container (DefaultRunLauncher): no docker.sock needed.
    assert "run_launcher" not in instance

    # Every variable the instance reads reaches every app service (the password through .env).
    provided = set(_env(services["daemon"])) | {"POSTGRES_PASSWORD"}
    assert _env_refs(instance) <= provided
    for name in APP_SERVICES:
        assert _env_refs(instance) - {"POSTGRES_PASSWORD"} <= set(_env(services[name]))


def test_instance_config_passes_dagsters_own_schema(tmp_path: Path) -> None:
    from dagster._core.instance.config import dagster_instance_config

    shutil.copy(DEPLOY_DIR / "dagster.yaml", tmp_path / "dagster.yaml")
    config, _ = dagster_instance_config(str(tmp_path))  # raises on an unknown or mistyped key
    assert "postgres" in config["storage"]


# ---------------------------------------------------------------------------------------------
# The image


def test_dagster_processes_store_run_events_in_batches(image: Image) -> None:
    """A long range run writes one materialization event per hour and asset: batched, they are
    one INSERT per batch on PostgreSQL storage instead of one transaction each."""
    assert int(image.env["DAGSTER_EVENT_BATCH_SIZE"]) >= 100


def test_image_holds_what_the_commands_need(
    services: dict[str, dict[str, Any]], image: Image, pyproject: dict[str, Any]
) -> None:
    workdir, home = image.workdir, image.env["DAGSTER_HOME"]
    python = pyproject["project"]["requires-python"]
    assert re.fullmatch(r"python:3\.11[-.\w]*", image.base), image.base
    assert ">=3.11" in python

    for source in image.copies:
        assert (PROJECT_ROOT / source).exists(), f"COPY {source}: not in the repository"
    # The product only: emulators and test support stay in the checkout (as out of the wheel).
    assert not {"devtools", "slack_events_dagster_tests", "benchmarks", "."} & set(image.copies)
    # The project is installed from the copied sources.
    for needed in ("pyproject.toml", "README.md", "slack_events_dagster"):
        assert image.destination(needed) == f"{workdir}/{needed}", needed
    assert any(re.search(r"pip install\b.*(?<![\w/])\.(\s|$)", run) for run in image.runs)
    # migrate: `alembic upgrade head` runs in WORKDIR and needs alembic.ini (the migrations are
    # in the installed package, slack_events_dagster/migrations).
    assert image.destination("alembic.ini") == f"{workdir}/alembic.ini"
    # The default source: the bundled export named in config.yaml (relative to that file).
    export = Path(_load(PROJECT_ROOT / "config.yaml")["slack"]["export_path"]).parts[0]
    assert image.destination(export) == f"{workdir}/{export}"
    # DAGSTER_HOME holds the production instance and workspace that -w points at.
    assert image.destination("deploy/dagster.yaml") == f"{home}/dagster.yaml"
    assert image.destination("deploy/workspace.yaml") == f"{home}/workspace.yaml"
    assert {"3000", "4000"} <= image.exposed


def test_the_image_carries_pg_dump_and_pg_restore_16(
    services: dict[str, dict[str, Any]], image: Image
) -> None:
    from slack_events_dagster.storage.backup import PG_BIN_ENV

    server_major = re.fullmatch(r"postgres:(\d+)[-.\w]*", services["postgres"]["image"])
    assert server_major and server_major.group(1) == "16"
    codename = re.fullmatch(r"python:3\.11-slim-(\w+)", image.base)
    assert codename, f"pin the Debian release of the base image: {image.base}"
    install = " ".join(image.runs)
    # PostgreSQL's own repository for the base image's release, signed by its key ...
    repository = re.search(
        r"deb \[signed-by=(\S+)\] https://apt\.postgresql\.org/pub/repos/apt (\S+) main", install
    )
    assert repository and repository.group(2) == f"{codename.group(1)}-pgdg", install
    assert f"-o {repository.group(1)}" in install  # the key is downloaded to that path
    # ... the client tools of the server's major version, and the backup code pointed at them.
    assert re.search(r"apt-get install -y --no-install-recommends postgresql-client-16\b", install)
    assert image.env[PG_BIN_ENV] == "/usr/lib/postgresql/16/bin"
    assert install.index("postgresql-client-16") < install.index("rm -rf /var/lib/apt/lists/*")


def test_the_compose_deployment_backs_up_daily_to_a_volume(
    compose: dict[str, Any], services: dict[str, dict[str, Any]], image: Image, tmp_path: Path
) -> None:
    from slack_events_dagster.settings import load_settings

    config = _load(PROJECT_ROOT / "config.yaml")
    assert config["backup"]["schedule"] is False  # off by default ...
    for name in APP_SERVICES:
        env = _env(services[name])
        assert env["BACKUP_SCHEDULE"] == "true", name  # ... on in the compose deployment
        settings = load_settings(
            environ={**env, "SLACK_EVENTS_CONFIG": str(PROJECT_ROOT / "config.yaml")},
            dotenv_path=tmp_path / "no.env",
        )
        assert settings.backup.schedule
        # backup.folder, relative to config.yaml in WORKDIR, is a named volume in the container.
        folder = f"{image.workdir}/{config['backup']['folder']}"
        mounts = [str(volume).split(":") for volume in services[name].get("volumes", [])]
        assert [folder] == [target for source, target, *_ in mounts if source == "backups"], name
    assert "backups" in compose["volumes"]


ENV_EXAMPLE = PROJECT_ROOT / ".env.example"


def _variables_the_production_path_reads(compose: dict[str, Any]) -> set[str]:
    """Every settings alias and secret, and every variable docker-compose.yml and the production
    instance (deploy/dagster.yaml) set or interpolate."""
    from slack_events_dagster.settings import CONFIG_ENV_VAR, ENV_OVERRIDES, SECRET_VARIABLES

    names = {*ENV_OVERRIDES, *SECRET_VARIABLES, CONFIG_ENV_VAR}
    for service in compose["services"].values():
        names |= set(_env(service))
    names |= set(re.findall(r"\$\{([A-Z_][A-Z0-9_]*)", COMPOSE_FILE.read_text()))
    names |= set(
        re.findall(r"\{env: ([A-Z_][A-Z0-9_]*)\}", (DEPLOY_DIR / "dagster.yaml").read_text())
    )
    return names


def test_env_example_lists_every_variable_the_production_path_reads(
    compose: dict[str, Any],
) -> None:
    text = ENV_EXAMPLE.read_text()
    listed = set(re.findall(r"^(?:# )?([A-Z_][A-Z0-9_]*)=", text, flags=re.MULTILINE))
    missing = _variables_the_production_path_reads(compose) - listed
    assert not missing, f"not in .env.example: {sorted(missing)}"
    assert re.search(r"^SLACK_SOURCE=api\b", text, flags=re.MULTILINE)  # the live workspace
    assert not LITERAL_SECRET.search(text)
    for secret in ("POSTGRES_PASSWORD", "SLACK_BOT_TOKEN", "OPENAI_API_KEY"):
        assert re.search(rf"^{secret}=\s", text, flags=re.MULTILINE), f"{secret}: left empty"


def test_env_example_with_its_secrets_filled_in_is_a_valid_production_configuration(
    services: dict[str, dict[str, Any]], tmp_path: Path
) -> None:
    from dotenv import dotenv_values

    from slack_events_dagster.settings import load_settings

    values = {key: value or "" for key, value in dotenv_values(ENV_EXAMPLE).items()}
    values |= {"POSTGRES_PASSWORD": "pw", "SLACK_BOT_TOKEN": "xoxb-filled-in"}
    dotenv = tmp_path / ".env"
    dotenv.write_text("".join(f"{key}={value}\n" for key, value in values.items()))
    container = _env(services["code"])  # what compose sets wins over .env, as in compose
    container["SLACK_EVENTS_CONFIG"] = str(PROJECT_ROOT / "config.yaml")  # the mounted file
    settings = load_settings(environ=container, dotenv_path=dotenv)
    assert settings.slack.source == "api" and settings.database.type == "postgres"
    assert settings.database.postgres.host == "postgres" and settings.backup.schedule


def test_config_yaml_is_mounted_not_baked(
    services: dict[str, dict[str, Any]], image: Image
) -> None:
    assert image.destination("config.yaml") is None, "config.yaml must not be in the image"
    target = f"{image.workdir}/config.yaml"  # relative paths in it resolve in WORKDIR
    for name in APP_SERVICES:
        mounts = [str(volume).split(":") for volume in services[name].get("volumes", [])]
        assert ["./config.yaml", target, "ro"] in mounts, name
        assert _env(services[name])["SLACK_EVENTS_CONFIG"] == target, name
        assert "working_dir" not in services[name]
    config = _load(PROJECT_ROOT / "config.yaml")
    export = Path(config["slack"]["export_path"]).parts[0]  # the sample, baked, beside it
    assert image.destination(export) == f"{image.workdir}/{export}"


def test_pinned_tools_are_the_installed_ones(pyproject: dict[str, Any]) -> None:
    pins = dict(
        re.fullmatch(r"([A-Za-z0-9_.-]+)==(\S+)", requirement).groups()
        for requirement in pyproject["project"]["dependencies"]
    )
    for package in ("dagster", "dagster-webserver", "dagster-graphql", "dagster-postgres"):
        assert importlib.metadata.version(package) == pins[package], package
    assert importlib.metadata.version("alembic") == pins["alembic"]


@pytest.mark.parametrize("name", APP_SERVICES)
def test_every_command_and_flag_exists_in_the_installed_tools(
    services: dict[str, dict[str, Any]], name: str
) -> None:
    command = services[name]["command"]
    if command[:2] == ["sh", "-c"]:  # "a && b": each command is checked
        commands = [shlex.split(part) for part in command[2].split("&&")]
    else:
        commands = [command]
    for one in commands:
        _check_command(one)


def _check_command(command: list[str]) -> None:
    """The command's executable is installed and its subcommands and flags exist."""
    executable = Path(sys.executable).with_name(command[0])
    assert executable.exists(), f"{command[0]} is not installed by the project's dependencies"
    words = [token for token in command[1:] if not token.startswith("-")]
    flag_values = {command[i + 1] for i, token in enumerate(command[:-1]) if token.startswith("-")}
    subcommands = [word for word in words if word not in flag_values]
    if command[0] == "alembic":
        subcommands = subcommands[:1]  # `head` is the revision argument
    shown = subprocess.run(
        [str(executable), *subcommands, "--help"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=PROJECT_ROOT,
    )
    assert shown.returncode == 0, shown.stderr[-2000:]
    for flag in (token for token in command if token.startswith("-")):
        assert re.search(rf"(?<![\w-]){re.escape(flag)}(?![\w-])", shown.stdout), (
            f"{' '.join(command[:3])}: {flag} is not an option of the installed version"
        )


# ---------------------------------------------------------------------------------------------
# Secrets


def test_no_secret_is_committed(compose: dict[str, Any], image: Image) -> None:
    ignored = [
        line.strip()
        for line in (PROJECT_ROOT / ".gitignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert any(fnmatch.fnmatch(".env", pattern.lstrip("/")) for pattern in ignored), ignored

    for path in (COMPOSE_FILE, DOCKERFILE, *(p for p in DEPLOY_DIR.rglob("*") if p.is_file())):
        assert not LITERAL_SECRET.search(path.read_text()), f"a token-like literal in {path}"
    for name, service in compose["services"].items():
        for key, value in _env(service).items():
            if SECRET_NAME.search(key):
                assert INTERPOLATION.match(value), f"{name}: {key} must not be a literal"
    instance = _load(DEPLOY_DIR / "dagster.yaml")
    assert set(instance["storage"]["postgres"]["postgres_db"]["password"]) == {"env"}

    assert not any(SECRET_NAME.search(key) for key in image.env), "no secret baked into the image"
    dockerignore = PROJECT_ROOT / ".dockerignore"
    whole_context = any(source in (".", "./") for source in image.copies)
    if whole_context:  # `COPY . .` would bake .env into the image unless it is ignored
        assert dockerignore.exists() and ".env" in dockerignore.read_text().split()


# ---------------------------------------------------------------------------------------------
# The real compose parser, when one is installed (`docker compose` plugin or docker-compose).


def _compose_cli() -> list[str] | None:
    candidates = [["docker", "compose"], ["docker-compose"]]
    for candidate in candidates:
        if shutil.which(candidate[0]) is None:
            continue
        probe = subprocess.run([*candidate, "version"], capture_output=True, text=True, timeout=60)
        if probe.returncode == 0:
            return candidate
    return None


def test_docker_compose_config_accepts_the_file(tmp_path: Path) -> None:
    cli = _compose_cli()
    if cli is None:
        pytest.skip("no compose CLI here (`docker compose` plugin or docker-compose) to parse with")
    shutil.copy(COMPOSE_FILE, tmp_path / "docker-compose.yml")
    shutil.copytree(DEPLOY_DIR, tmp_path / "deploy")
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("POSTGRES_", "COMPOSE_", "DOCKER_"))
    }

    def config(dotenv: str) -> subprocess.CompletedProcess[str]:
        (tmp_path / ".env").write_text(dotenv)
        return subprocess.run(
            [*cli, "-f", "docker-compose.yml", "config"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    rendered = config(f"POSTGRES_PASSWORD={DUMMY_PASSWORD}\n")
    assert rendered.returncode == 0, rendered.stderr
    resolved = yaml.safe_load(rendered.stdout)["services"]
    assert set(resolved) == {"postgres", *APP_SERVICES}
    assert _env(resolved["postgres"])["POSTGRES_PASSWORD"] == DUMMY_PASSWORD
    for name in APP_SERVICES:
        assert _env(resolved[name])["DATABASE_TYPE"] == "postgres", name  # the x-app merge

    # Without a password the file refuses to start instead of running with an empty one.
    missing = config("# no POSTGRES_PASSWORD\n")
    assert missing.returncode != 0
    assert "POSTGRES_PASSWORD" in missing.stderr
