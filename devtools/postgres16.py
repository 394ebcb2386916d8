"""A throwaway PostgreSQL 16 server on 127.0.0.1 from the pgserver wheel's binaries.

pgserver's own `get_server()` only listens on a unix socket; tests (and the production-topology
test) want TCP like a real deployment, so initdb/pg_ctl are run directly. PostgreSQL refuses to run
as root, so as root the server runs as the `postgres` (or `pgserver`) system user. Also: the
settings deploy/initdb.sql gives Dagster's storage database, for tests and benchmarks that mirror
it.
"""

import os
import pwd
import re
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, text

from devtools import CHECKOUT


@dataclass
class Postgres16:
    data_dir: Path
    host: str
    port: int
    user: str = "postgres"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg2://{self.user}@{self.host}:{self.port}/{database}"

    def restart(self) -> None:
        """Restart the server (same port and options): every open connection is dropped."""
        log = str(self.data_dir / "server.log")
        pg_ctl = [str(_bin("pg_ctl")), "-D", str(self.data_dir), "-l", log]
        _run_as_owner([*pg_ctl, "-m", "fast", "-w", "-t", "60", "restart"])

    def stop(self) -> None:
        """Stop the server; a server that is already gone (its folder removed) is fine."""
        if (self.data_dir / "postmaster.pid").exists():
            _run_as_owner(
                [str(_bin("pg_ctl")), "-D", str(self.data_dir), "-m", "fast", "-w", "stop"],
                check=False,
            )


def _bin(name: str) -> Path:
    import pgserver

    return Path(pgserver.__file__).parent / "pginstall" / "bin" / name


def _system_user() -> str | None:
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "pgserver"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    subprocess.run(["useradd", "--system", "--no-create-home", "pgserver"], check=True)
    return "pgserver"


def _run_as_owner(command: list[str], check: bool = True) -> subprocess.CompletedProcess[str]:
    user = _system_user()
    if user is not None:
        command = ["runuser", "-u", user, "--", *command]
    return subprocess.run(command, check=check, capture_output=True, text=True, timeout=60)


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def _open_parents(path: Path) -> None:
    """The server user must be able to traverse every folder above its data and binaries."""
    for parent in path.parents:
        mode = parent.stat().st_mode
        if not mode & 0o001:
            parent.chmod(mode | 0o011)


def start_postgres16(data_dir: Path, host: str = "127.0.0.1", durable: bool = False) -> Postgres16:
    """initdb + pg_ctl start on a free TCP port; trust auth, user `postgres`. Tests skip fsync
    (throwaway data); `durable` keeps PostgreSQL's defaults, as in production (benchmarks)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    user = _system_user()
    if user is not None:
        entry = pwd.getpwnam(user)
        os.chown(data_dir, entry.pw_uid, entry.pw_gid)
        _open_parents(data_dir)
        _open_parents(_bin("postgres"))
    port = free_port(host)
    _run_as_owner(
        [
            str(_bin("initdb")),
            "-D",
            str(data_dir),
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
        ]
    )
    log = data_dir / "server.log"
    options = f"-h {host} -p {port} -k {data_dir}"
    if not durable:
        options += " -c fsync=off -c full_page_writes=off"
    try:
        _run_as_owner(
            [
                str(_bin("pg_ctl")),
                "-D",
                str(data_dir),
                "-l",
                str(log),
                "-o",
                options,
                "-w",
                "-t",
                "60",
                "start",
            ]
        )
    except subprocess.CalledProcessError as error:
        server_log = log.read_text() if log.exists() else ""
        raise RuntimeError(f"PostgreSQL 16 did not start: {error.stderr}\n{server_log}") from error
    return Postgres16(data_dir=data_dir, host=host, port=port)


def dagster_database_settings() -> dict[str, str]:
    """The settings deploy/initdb.sql gives Dagster's storage database in production."""
    script = (CHECKOUT / "deploy" / "initdb.sql").read_text(encoding="utf-8")
    pattern = r"^ALTER DATABASE dagster SET (\w+)\s*=\s*(\w+);"
    return dict(re.findall(pattern, script, re.IGNORECASE | re.MULTILINE))


def apply_dagster_database_settings(connection: Connection, database: str) -> None:
    """Give `database` the production settings of Dagster's storage (an AUTOCOMMIT connection)."""
    for name, value in dagster_database_settings().items():
        connection.execute(text(f'ALTER DATABASE "{database}" SET {name} = {value}'))
