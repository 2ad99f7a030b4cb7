#!/usr/bin/env python3
"""A small receiver for the portal's webhooks that checks every signature. Standard library only:
copy it into your own system as a starting point.

Each delivery is a POST of JSON with these headers:

    X-Portal-Event:      order.renewed | reminder.sent | reminder.failed | order.expired
    X-Portal-Event-Id:   the event's id (also the body's "id"): the same event may come twice, ignore repeats
    X-Portal-Delivery:   the delivery's number
    X-Portal-Signature:  t=<unix time>,v1=<hex HMAC-SHA256(secret, "<t>." + raw body)>

To verify: take ``t`` and every ``v1`` from the header, compute HMAC-SHA256 with the endpoint's signing
secret (shown on the webhook's page in the portal, ``whsec_…``) over the bytes ``"<t>."`` followed by
the raw body exactly as received (before any JSON parsing), compare in constant time, and refuse a ``t``
more than 5 minutes from your clock (a replayed old delivery). Answer 2xx once the event is stored;
anything else (or no answer within 10 seconds) is retried with growing pauses.

Usage:
    python scripts/webhook_receiver.py --port 8765 --secret whsec_...   (or PORTAL_WEBHOOK_SECRET=...)
and register http://<this host>:8765/ at Settings → Webhooks. Each event is printed as it arrives
(``--json``: one JSON object a line).
"""

import argparse
import hashlib
import hmac
import json
import os
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SIGNATURE_HEADER = "X-Portal-Signature"
TOLERANCE_SECONDS = 300


def signature(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def verify(secret: str, header: str, body: bytes, *, now=None, tolerance=TOLERANCE_SECONDS) -> bool:
    """True when ``header`` (``t=…,v1=…``) signs ``body`` with ``secret`` and its time is recent."""
    parts = [part.strip().split("=", 1) for part in (header or "").split(",") if "=" in part]
    timestamps = [value for key, value in parts if key == "t"]
    if len(timestamps) != 1 or not timestamps[0].isdigit():
        return False
    timestamp = int(timestamps[0])
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        return False
    expected = signature(secret, timestamp, body)
    return any(hmac.compare_digest(expected, value) for key, value in parts if key == "v1")


@dataclass
class Event:
    """One delivery as received: whether its signature verified, its headers and raw body."""

    verified: bool
    event_type: str
    event_id: str
    delivery: str
    signature: str
    body: bytes
    repeat: bool = False

    @property
    def payload(self):
        return json.loads(self.body)

    def summary(self):
        return {
            "verified": self.verified,
            "repeat": self.repeat,
            "type": self.event_type,
            "id": self.event_id,
            "delivery": self.delivery,
            "data": self.payload.get("data") if self.verified else None,
        }


@dataclass
class Receiver:
    """An HTTP server on ``host:port`` (port 0: any free one) in a background thread, keeping the
    events it received. ``wait_for`` blocks until one matching a condition arrives."""

    secret: str
    host: str = "127.0.0.1"
    port: int = 0
    on_event: object = None
    events: list = field(default_factory=list)

    def __post_init__(self):
        self.arrived = threading.Condition()
        self.seen = set()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.receive(self, body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer((self.host, self.port), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self):
        return f"http://{self.host}:{self.port}/"

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def receive(self, request, body):
        event = Event(
            verified=verify(self.secret, request.headers.get(SIGNATURE_HEADER, ""), body),
            event_type=request.headers.get("X-Portal-Event", ""),
            event_id=request.headers.get("X-Portal-Event-Id", ""),
            delivery=request.headers.get("X-Portal-Delivery", ""),
            signature=request.headers.get(SIGNATURE_HEADER, ""),
            body=body,
        )
        if event.verified:
            # A delivery whose answer was lost comes again with the same event id: store it once.
            event.repeat = event.event_id in self.seen
            self.seen.add(event.event_id)
        answer = {"ok": event.verified} if event.verified else {"error": "signature does not verify"}
        encoded = json.dumps(answer).encode()
        request.send_response(200 if event.verified else 400)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(encoded)))
        request.end_headers()
        request.wfile.write(encoded)
        with self.arrived:
            self.events.append(event)
            self.arrived.notify_all()
        if self.on_event is not None:
            self.on_event(event)

    def wait_for(self, condition, timeout):
        """The first event for which ``condition(event)`` is true, or None after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        with self.arrived:
            while True:
                for event in self.events:
                    if condition(event):
                        return event
                left = deadline - time.monotonic()
                if left <= 0 or not self.arrived.wait(left):
                    return next((event for event in self.events if condition(event)), None)


def main():
    parser = argparse.ArgumentParser(description="Receive the portal's webhooks and verify their signatures.")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--secret", default=os.environ.get("PORTAL_WEBHOOK_SECRET"), help="the signing secret")
    parser.add_argument("--json", action="store_true", help="print one JSON object per event")
    args = parser.parse_args()
    if not args.secret:
        parser.error("give the endpoint's signing secret: --secret or PORTAL_WEBHOOK_SECRET")

    def show(event):
        if args.json:
            print(json.dumps(event.summary(), ensure_ascii=False), flush=True)
        elif not event.verified:
            print(f"REFUSED {event.event_type or '?'}: the signature does not verify", flush=True)
        else:
            note = " (a repeat: ignored)" if event.repeat else ""
            print(f"{event.event_type} {event.event_id}: signature verified{note}", flush=True)

    receiver = Receiver(secret=args.secret, host=args.host, port=args.port, on_event=show).start()
    print(f"Listening on {receiver.url}", file=sys.stderr, flush=True)
    try:
        receiver.thread.join()
    except KeyboardInterrupt:
        receiver.stop()


if __name__ == "__main__":
    main()
