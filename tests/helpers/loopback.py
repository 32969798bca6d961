"""A real HTTP server on 127.0.0.1 around an httpx-style handler (``httpx.Request -> Response``).

The same fake platform then serves in-process tests (``httpx.MockTransport(handler)``) and other
processes (``desk`` run as a subprocess, which must be killed mid-send in crash tests).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

Handler = Callable[[httpx.Request], httpx.Response]


@contextmanager
def serve(handler: Handler) -> Iterator[str]:
    """Serve ``handler`` on a free loopback port; yields the base URL."""

    class _Bridge(BaseHTTPRequestHandler):
        def _any(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            assert isinstance(self.server, ThreadingHTTPServer)  # typed as any BaseServer
            host = f"http://127.0.0.1:{self.server.server_address[1]}"
            request = httpx.Request(
                self.command, host + self.path, headers=dict(self.headers.items()), content=body
            )
            try:
                response = handler(request)
                content = response.read()
            except Exception as exc:  # noqa: BLE001 - a broken fake answers 500, visibly
                response, content = httpx.Response(500), repr(exc).encode()
            self.send_response(response.status_code)
            for name, value in response.headers.items():
                if name.lower() not in ("content-length", "transfer-encoding", "content-encoding"):
                    self.send_header(name, value)
            self.send_header("content-length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

        do_GET = do_POST = do_PUT = do_DELETE = _any  # noqa: N815 - http.server's names

        def log_message(self, *_args: object) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), _Bridge)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
