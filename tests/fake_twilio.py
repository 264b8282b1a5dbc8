"""A stand-in for Twilio's REST API on a real local HTTP port: the official twilio
client talks to it over HTTP exactly as it talks to api.twilio.com, and the tests read
what arrived. `replies` scripts the answers (201 by default). Accepted messages can be
listed back (GET …/Messages.json?To=…, newest first), as Twilio lists them; `clock`
gives their creation time.

Calls (POST …/Calls.json) are accepted the same way and kept in `calls`: listed back
(GET …/Calls.json?To=…&From=…) and fetched one by one (GET …/Calls/{sid}.json) with
the status a test gives them (`set_call_status`; "queued" until then)."""

from __future__ import annotations

import base64
import json
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


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
    accepted: list[dict] = field(default_factory=list)  # what a GET lists, oldest first
    calls: list[dict] = field(default_factory=list)  # calls placed, oldest first
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    server: ThreadingHTTPServer | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeTwilio:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def answer(self, status: int, body: dict) -> None:
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def do_GET(self):  # noqa: N802
                address = urlsplit(self.path)
                query = parse_qs(address.query)
                to = query.get("To", [None])[0]
                from_ = query.get("From", [None])[0]
                size = int(query.get("PageSize", ["50"])[0])
                if "/Calls/" in address.path:  # one call: …/Calls/{sid}.json
                    sid = address.path.rsplit("/", 1)[1].removesuffix(".json")
                    with fake.lock:
                        found = [c for c in fake.calls if c["sid"] == sid]
                    if found:
                        self.answer(200, found[0])
                    else:
                        self.answer(404, {"code": 20404, "message": "Not found", "status": 404})
                    return
                key, items = (
                    ("calls", fake.calls)
                    if address.path.endswith("/Calls.json")
                    else ("messages", fake.accepted)
                )
                with fake.lock:
                    found = [
                        m
                        for m in reversed(items)
                        if (to is None or m["to"] == to) and (from_ is None or m["from"] == from_)
                    ]
                self.answer(
                    200,
                    {
                        key: found[:size],
                        "end": min(size, len(found)) - 1,
                        "first_page_uri": address.path,
                        "next_page_uri": None,
                        "page": 0,
                        "page_size": size,
                        "previous_page_uri": None,
                        "start": 0,
                        "uri": address.path,
                    },
                )

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
                with fake.lock:
                    fake.received.append(
                        ReceivedMessage(self.path, parts[3], (user, password), form)
                    )
                    if (user, password) != (fake.account_sid, fake.auth_token):
                        status, body = (
                            401,
                            {"code": 20003, "message": "Authenticate", "status": 401},
                        )
                    elif fake.replies:
                        status, body = fake.replies.pop(0)
                    elif self.path.endswith("/Calls.json"):
                        status, body = 201, fake._new_call(form)
                        fake.calls.append(body)
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
                                "date_created": format_datetime(
                                    fake.clock().astimezone(UTC), usegmt=True
                                ),
                            },
                        )
                        fake.accepted.append(body)
                self.answer(status, body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def _new_call(self, form: dict[str, str]) -> dict:
        return {
            "sid": "CA" + secrets.token_hex(16),
            "status": "queued",
            "to": form.get("To"),
            "from": form.get("From"),
            "account_sid": self.account_sid,
            "direction": "outbound-api",
            "date_created": format_datetime(self.clock().astimezone(UTC), usegmt=True),
            # What Twilio was told, for the tests to read (Twilio does not list it).
            "url": form.get("Url"),
            "status_callback": form.get("StatusCallback"),
        }

    def set_call_status(self, sid: str, status: str) -> None:
        with self.lock:
            for call in self.calls:
                if call["sid"] == sid:
                    call["status"] = status

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
