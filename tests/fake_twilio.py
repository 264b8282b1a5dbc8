"""A stand-in for Twilio's REST API on a real local HTTP port: the official twilio
client talks to it over HTTP exactly as it talks to api.twilio.com, and the tests read
what arrived. `replies` scripts the answers (201 by default)."""

from __future__ import annotations

import base64
import json
import secrets
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs


@dataclass
class ReceivedMessage:
    path: str
    account_sid: str
    auth: tuple[str, str]
    form: dict[str, str]


@dataclass
class FakeTwilio:
    account_sid: str = "AC" + "1" * 32
    auth_token: str = "fake-twilio-token"
    received: list[ReceivedMessage] = field(default_factory=list)
    replies: list[tuple[int, dict]] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeTwilio:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's naming)
                length = int(self.headers.get("Content-Length", 0))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                user, _, password = (
                    base64.b64decode(
                        self.headers.get("Authorization", "Basic ").split(" ", 1)[1] or b""
                    )
                    .decode()
                    .partition(":")
                )
                parts = self.path.split("/")  # /2010-04-01/Accounts/{sid}/Messages.json
                fake.received.append(ReceivedMessage(self.path, parts[3], (user, password), form))
                if (user, password) != (fake.account_sid, fake.auth_token):
                    status, body = 401, {"code": 20003, "message": "Authenticate", "status": 401}
                elif fake.replies:
                    status, body = fake.replies.pop(0)
                else:
                    status, body = (
                        201,
                        {
                            "sid": "SM" + secrets.token_hex(16),
                            "status": "queued",
                            "to": form.get("To"),
                            "from": form.get("From"),
                            "body": form.get("Body"),
                            "account_sid": fake.account_sid,
                            "num_segments": "1",
                        },
                    )
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
