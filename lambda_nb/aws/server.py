"""The local AWS: moto's server, in this process, on 127.0.0.1.

moto runs as a WSGI app under werkzeug's threaded server, as its own `ThreadedMotoServer`
does (triggers.md 3.1), with two differences that matter in a notebook: the request log is
silent (werkzeug would print a line per request into the cell's output), and a restart asks
for the port the last server had, so functions published with `aws="local"` before a `stop()`
still reach it. State lives in memory and ends with the kernel (`atexit`); `reset()` empties
every service (`POST /moto-api/reset`, moto's public reset endpoint).

Running in the kernel's process is what lets the S3 triggers hear every object write, the
notebook's and the functions' (see `s3_notifications`).
"""

from __future__ import annotations

import atexit
import socket
import threading
import urllib.request
from collections.abc import Callable
from typing import Any

from lambda_nb.engine.config import REGION

# Credentials moto accepts; any non-empty strings would do (triggers.md 3.4). The same values
# reach functions with aws="local", as Lambda gives each function its role's session.
DUMMY_CREDENTIALS = {
    "aws_access_key_id": "testing",
    "aws_secret_access_key": "testing",
    "aws_session_token": "testing",
}
INSTALL_HINT = "the local AWS needs moto and boto3: pip install 'lambda-nb[aws]'"


def require(module: str) -> Any:
    """Import `module` (moto's or boto3's), or say which extra to install."""
    import importlib

    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.split(".")[0] in (
            "moto", "boto3", "botocore", "flask", "flask_cors", "werkzeug",
        ):  # fmt: skip
            raise ModuleNotFoundError(f"{INSTALL_HINT} ({exc})", name=exc.name) from None
        raise


class LocalAWS:
    """One moto server; `start()` is idempotent. Hooks run on stop and reset (triggers end)."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._last_port = 0
        self.on_stop: list[Callable[[], None]] = []
        self.on_reset: list[Callable[[], None]] = []
        self._atexit = False
        self._clients: dict[tuple[str, str], Any] = {}

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def endpoint(self) -> str:
        with self._lock:
            if self._server is None:
                raise RuntimeError("the local AWS is not running: lambda_nb.aws.start()")
            host, port = self._server.server_address[:2]
            return f"http://{host}:{port}"

    def start(self, port: int = 0) -> str:
        """Start the server if it is not running; `port` 0 picks the last one if free, else
        any free port. Returns the endpoint URL."""
        with self._lock:
            if self._server is not None:
                return self.endpoint
            serving = require("werkzeug.serving")
            app_module = require("moto.moto_server.werkzeug_app")
            require("boto3")

            class QuietHandler(app_module.MotoRequestHandler):  # type: ignore[misc,name-defined]
                def log_request(self, *args: Any, **kwargs: Any) -> None:
                    pass

            app = app_module.DomainDispatcherApplication(app_module.create_backend_app)
            if not port:
                port = self._last_port if _free(self._last_port) else 0
            self._server = serving.make_server(
                "127.0.0.1", port, app, threaded=True, request_handler=QuietHandler
            )
            self._last_port = self._server.server_address[1]
            self._thread = threading.Thread(
                target=self._server.serve_forever, name="lambda_nb-local-aws", daemon=True
            )
            self._thread.start()
            if not self._atexit:
                atexit.register(self.stop)
                self._atexit = True
            from lambda_nb.aws import destinations, s3_notifications

            s3_notifications.install()
            destinations.register()
            return self.endpoint

    def client(self, service: str, **kwargs: Any) -> Any:
        """A boto3 client of `service` wired to this server (started if need be). Without
        `kwargs` it is one shared client per service (boto3 clients are thread-safe, and making
        one costs a few hundred ms: pollers and deliveries must not pay that each time)."""
        endpoint = self.start()
        if not kwargs:
            with self._lock:
                cached = self._clients.get((service, endpoint))
                if cached is None:
                    cached = self._clients[(service, endpoint)] = self._make(service, endpoint)
                return cached
        return self._make(service, endpoint, **kwargs)

    def own_client(self, service: str) -> Any:
        """A client of its own, for a poller: its long polls hold a connection each."""
        return self._make(service, self.start())

    def _make(self, service: str, endpoint: str, **kwargs: Any) -> Any:
        boto3 = require("boto3")
        config = require("botocore.config").Config(retries={"max_attempts": 2, "mode": "standard"})
        options: dict[str, Any] = {
            "endpoint_url": endpoint, "region_name": REGION, "config": config,
            **DUMMY_CREDENTIALS,
        }  # fmt: skip
        options.update(kwargs)
        return boto3.session.Session().client(service, **options)

    def reset(self) -> None:
        """Empty every service; the triggers on them end too (their sources are gone)."""
        with self._lock:
            if self._server is None:
                return
            endpoint = self.endpoint
        for hook in list(self.on_reset):
            hook()
        request = urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST", data=b"")
        with urllib.request.urlopen(request, timeout=30) as answer:
            answer.read()

    def stop(self) -> None:
        """End the triggers, then the server; its state is gone. Idempotent."""
        for hook in list(self.on_stop):
            try:
                hook()
            except Exception:  # stopping must go on: the kernel may be exiting
                pass
        with self._lock:
            server, thread = self._server, self._thread
            self._server = self._thread = None
            self._clients.clear()
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=10)
        if server is not None:  # a fresh start must find empty backends, as a new process would
            require("moto.moto_api._internal").moto_api_backend.reset()


def _free(port: int) -> bool:
    if not port:
        return False
    with socket.socket() as probe:
        # as the server will bind it: the last server's closed connections may still hold the
        # port in TIME_WAIT, which does not stop a listener with SO_REUSEADDR
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


LOCAL = LocalAWS()
