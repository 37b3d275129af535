"""A real HTTP server on loopback that plays a one-stop system's webhook
endpoint (or an SMS gateway, Zalo ZNS): it records every request and answers
with the status codes (and bodies) it is told to, in order (then 200)."""

from __future__ import annotations

import http.server
import threading
from dataclasses import dataclass, field


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    url: str
    requests: list[Received] = field(default_factory=list)
    # Answers to give in order: a status, or (status, JSON body); then 200.
    statuses: list = field(default_factory=list)


def start_receiver() -> tuple[Receiver, http.server.ThreadingHTTPServer]:
    receiver = Receiver(url="")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            body = self.rfile.read(length)
            receiver.requests.append(Received(self.path, dict(self.headers), body))
            status = receiver.statuses.pop(0) if receiver.statuses else 200
            body = None
            if isinstance(status, tuple):  # (status, body to answer)
                status, body = status
            if body is None:
                body = b'{"ok": true}' if status < 300 else b'{"ok": false}'
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:  # keep the test output quiet
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return receiver, server
