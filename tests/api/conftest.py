"""API fixtures: partner A's and B's tokens, an API client, and a webhook receiver on a real socket."""

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from api.models import TokenScope
from api.services import create_token
from partners.models import Role
from tests.factories import MembershipFactory


@pytest.fixture(autouse=True)
def fresh_cache():
    """Throttle counters and the webhook endpoints' cache start empty in every test."""
    cache.clear()
    yield
    cache.clear()


@dataclass
class Tokens:
    read: str
    write: str
    revoked: str


def make_tokens(partner):
    admin = MembershipFactory(partner=partner, role=Role.ADMIN)
    _, read = create_token(partner=partner, by=admin, name="Reporting", scope=TokenScope.READ)
    _, write = create_token(partner=partner, by=admin, name="Billing", scope=TokenScope.READ_WRITE)
    revoked_token, revoked = create_token(partner=partner, by=admin, name="Old", scope=TokenScope.READ_WRITE)
    revoked_token.revoked_at = revoked_token.created_at
    revoked_token.save()
    return Tokens(read=read, write=write, revoked=revoked)


@pytest.fixture
def tokens_a(partner_a):
    return make_tokens(partner_a)


@pytest.fixture
def tokens_b(partner_b):
    return make_tokens(partner_b)


def api_client(secret=None):
    client = APIClient()
    if secret:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


@pytest.fixture
def api_a(tokens_a):
    return api_client(tokens_a.write)


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes

    @property
    def json(self):
        return json.loads(self.body)


@dataclass
class Receiver:
    """A webhook receiver on 127.0.0.1: records every POST and answers ``status`` (a list is
    consumed one answer per request, the last one repeated)."""

    url: str
    received: list = field(default_factory=list)
    statuses: list = field(default_factory=lambda: [200])


@pytest.fixture
def receiver():
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            state.received.append(Received(self.path, dict(self.headers), body))
            status = state.statuses.pop(0) if len(state.statuses) > 1 else state.statuses[0]
            answer = b'{"ok": true}' if status < 300 else b"receiver is down"
            self.send_response(status)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/portal"
    yield state
    server.shutdown()
    server.server_close()
