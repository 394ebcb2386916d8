"""What every local emulator shares: a threaded HTTP server on a daemon thread, start/stop."""

from __future__ import annotations

import os
import threading
from collections.abc import Collection
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self


class LocalHTTPService:
    """Serves `_handler_class()` on host:port (port 0 picks a free one) until `stop()`."""

    service_name = "emulator"

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        raise NotImplementedError

    def start(self) -> Self:
        """Serves on a daemon thread so a forgotten emulator never keeps a test run alive."""
        if self._server is not None:
            raise RuntimeError(f"the {self.service_name} is already running")
        server = ThreadingHTTPServer((self.host, self.port), self._handler_class())
        server.daemon_threads = True
        self._server = server
        self.port = server.server_address[1]
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"{self.service_name.replace(' ', '-')}-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stops accepting requests; answers still sleeping (latency, faults) are abandoned."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def serve_until_interrupted(self, banner: str = "") -> None:
        """Print `banner`, then block until Ctrl-C (the command-line entry points), then stop.
        The banner is printed inside the interrupt handling: a client may use the server (and
        press Ctrl-C) as soon as it reads the banner."""
        try:
            if banner:
                print(banner, flush=True)
            while self._thread is not None and self._thread.is_alive():
                self._thread.join(timeout=0.5)
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def origin(self) -> str:
        """http://host:port of the running server."""
        if self.port == 0:
            raise RuntimeError(f"start() the {self.service_name} first: port 0 picks the port then")
        host = "127.0.0.1" if self.host in ("", "0.0.0.0") else self.host
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}"


def credential_from(given: str | None, env_var: str, default: str) -> tuple[str, str]:
    """The credential a command line accepts: `given`, else $env_var, else `default`; with how to
    show it in the banner (never the value read from the environment)."""
    if given is not None:
        return given, given
    if os.environ.get(env_var):
        return os.environ[env_var], f"<from {env_var}>"
    return default, default


def banner(title: str, api: str, base_url: str, app_env: str) -> str:
    """What a command-line emulator prints once it serves: where, and the app's variables."""
    return (
        f"{title}\nServing the {api} at {base_url}\nPoint the app at it with:\n"
        f"  {app_env}\nPress Ctrl-C to stop."
    )


def check_fault(kind: str, kinds: Collection[str], times: int) -> None:
    """Refuse a fault kind the emulator does not know, or a count neither positive nor -1."""
    if kind not in kinds:
        raise ValueError(f"unknown fault kind {kind!r}; use one of {sorted(kinds)}")
    if times == 0 or times < -1:
        raise ValueError("times must be a positive count or -1 (forever)")
