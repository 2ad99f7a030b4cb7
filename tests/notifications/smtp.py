"""A real SMTP server on a loopback port (aiosmtpd), recording what it accepts.

``SmtpServer`` runs in a thread of the test process. ``python -m tests.notifications.smtp`` runs the
soak test's faulty server in a process of its own (so the test's threads cannot slow its replies
by accident): slow, dropping connections now and then, and sometimes answering after storing the
message too late for the client. It logs what it stored and which faults it induced, one JSON
object a line."""

import argparse
import asyncio
import json
import random
import socket
import sys
from email import message_from_bytes, message_from_string, policy
from email.parser import BytesHeaderParser

from aiosmtpd.controller import Controller


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def parse(envelope):
    """The message as received; an SMTPUTF8 message's headers are raw UTF-8."""
    if envelope.smtp_utf8:
        return message_from_string(envelope.content.decode("utf-8"), policy=policy.default)
    return message_from_bytes(envelope.content, policy=policy.default)


class RecordingHandler:
    """Accepts mail, or refuses the next ``refuse`` messages with a temporary error. The next
    ``late_replies`` messages are stored and answered only after ``late_seconds`` (a reply that may
    come after the client's timeout)."""

    def __init__(self):
        self.messages = []
        self.envelopes = []  # (MAIL FROM, RCPT TOs, SMTPUTF8 asked) of each stored message
        self.refuse = 0
        self.late_replies = 0
        self.late_seconds = 0.0

    async def handle_DATA(self, server, session, envelope):
        if self.refuse > 0:
            self.refuse -= 1
            return "451 4.3.0 Mailbox busy, try again later"
        self.messages.append(parse(envelope))
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.smtp_utf8))
        if self.late_replies > 0:
            self.late_replies -= 1
            await asyncio.sleep(self.late_seconds)
        return "250 OK"


class SmtpServer:
    def __init__(self, *, smtputf8=False):
        self.handler = RecordingHandler()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port, enable_SMTPUTF8=smtputf8)

    @property
    def messages(self):
        return self.handler.messages

    @property
    def envelopes(self):
        return self.handler.envelopes

    def start(self):
        self.controller.start()
        return self

    def stop(self):
        self.controller.stop()


class FaultyHandler:
    """The soak test's server. Every message waits a little (slow); every ``drop_every``-th RCPT
    drops the connection before anything is stored; every ``late_every``-th message is stored and
    answered after ``late_seconds``; every ``lost_every``-th message is stored and the connection
    dropped instead of answering. Faults are counted, not random, so a run always induces some."""

    def __init__(self, log, *, slow, drop_every, late_every, late_seconds, lost_every, seed=12):
        self.log = log
        self.slow = slow
        self.drop_every, self.late_every, self.lost_every = drop_every, late_every, lost_every
        self.late_seconds = late_seconds
        self.random = random.Random(seed)
        self.rcpts = 0
        self.stored = 0

    def write(self, **event):
        self.log.write(json.dumps(event) + "\n")
        self.log.flush()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.rcpts += 1
        if self.rcpts % self.drop_every == 0:
            self.write(event="dropped", rcpt=address)
            server.transport.abort()
            return "421 4.4.2 Dropped"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(self.random.uniform(0, self.slow))
        message = BytesHeaderParser(policy=policy.default).parsebytes(envelope.content)  # headers are enough
        self.stored += 1
        self.write(event="stored", message_id=message["Message-ID"], rcpt=envelope.rcpt_tos)
        if self.stored % self.late_every == 0:
            self.write(event="late", message_id=message["Message-ID"])
            await asyncio.sleep(self.late_seconds)
        elif self.stored % self.lost_every == 0:
            self.write(event="lost", message_id=message["Message-ID"])
            server.transport.abort()
        return "250 OK"


def main(argv=None):
    parser = argparse.ArgumentParser(description="The soak test's slow, faulty SMTP server.")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--slow", type=float, default=0.01)
    parser.add_argument("--drop-every", type=int, default=97)
    parser.add_argument("--late-every", type=int, default=211)
    parser.add_argument("--late-seconds", type=float, default=1.5)
    parser.add_argument("--lost-every", type=int, default=307)
    parser.add_argument("--smtputf8", action="store_true", help="offer SMTPUTF8 (off: like many servers)")
    args = parser.parse_args(argv)
    with open(args.log, "a", encoding="utf-8") as log:
        handler = FaultyHandler(
            log,
            slow=args.slow,
            drop_every=args.drop_every,
            late_every=args.late_every,
            late_seconds=args.late_seconds,
            lost_every=args.lost_every,
        )
        controller = Controller(handler, hostname="127.0.0.1", port=args.port, enable_SMTPUTF8=args.smtputf8)
        controller.start()
        print("ready", flush=True)
        try:
            sys.stdin.read()  # serve until the test closes our stdin
        finally:
            controller.stop()


if __name__ == "__main__":
    main()
