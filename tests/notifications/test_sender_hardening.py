"""The sender under a slow batch, a second sender and emails that cannot be sent: each email is sent
and recorded only by the holder of its live claim, and one bad email never stops the rest."""

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.mail.backends import locmem
from django.test import override_settings
from django.utils import timezone

from notifications.models import EmailStatus, OutboxEmail
from notifications.sender import CLAIM_LEASE, claim, release_stale_claims, send_pending
from notifications.sweep import run_sweep
from tests.factories import PartnerFactory

from .helpers import make_order

pytestmark = [pytest.mark.django_db]

NOW = datetime(2027, 2, 22, 3, tzinfo=UTC)  # noon in Seoul, 7 days before 1 March
HOOKED = "tests.notifications.test_sender_hardening.HookedBackend"


class HookedBackend(locmem.EmailBackend):
    """The test backend, calling ``hook(message)`` as each message goes out (before it is stored)."""

    hook = None

    def send_messages(self, messages):
        for message in messages:
            if HookedBackend.hook:
                HookedBackend.hook(message)
        return super().send_messages(messages)


@pytest.fixture
def hooked(outbox):
    HookedBackend.hook = None
    with override_settings(EMAIL_BACKEND=HOOKED):
        yield HookedBackend
    HookedBackend.hook = None


def queued_emails(count):
    """``count`` emails due at NOW, one per contact, in claim order."""
    partner = PartnerFactory(time_zone="Asia/Seoul", language="en")
    for _ in range(count):
        make_order(partner, date(2027, 3, 1))
    run_sweep(now=NOW)
    emails = list(OutboxEmail.objects.order_by("next_attempt_at", "id"))
    assert len(emails) == count
    return emails


def message_ids(outbox):
    return [message.extra_headers["Message-ID"] for message in outbox]


class Clock:
    """The wall clock, moved by hand: a slow SMTP server is four minutes per email here."""

    def __init__(self):
        self.instant = timezone.now()

    def __call__(self):
        return self.instant


def test_a_slow_batch_keeps_its_claims_so_the_next_sender_does_not_send_it_again(hooked, outbox, monkeypatch):
    emails = queued_emails(5)
    clock = Clock()
    monkeypatch.setattr(timezone, "now", clock)
    later_runs = []

    def slow_server(message):
        clock.instant += timedelta(minutes=4)
        if len(outbox) == 2 and not later_runs:  # sending the third email, 12 minutes into the batch
            later_runs.append(None)
            later_runs[0] = send_pending(now=NOW + timedelta(minutes=12))  # beat's sender of minute 12

    hooked.hook = slow_server
    first = send_pending(now=NOW)
    assert (first.sent, later_runs[0].sent) == (5, 0)
    assert sorted(message_ids(outbox)) == sorted(email.message_id for email in emails)
    assert set(OutboxEmail.objects.values_list("status", flat=True)) == {EmailStatus.SENT}


def test_an_email_taken_over_by_another_sender_is_neither_sent_nor_recorded_by_the_first(hooked, outbox):
    first, second = queued_emails(2)
    other_sender = uuid.uuid4()

    def claims_expire_meanwhile(message):
        # While the first email is on the wire, both claims expired and another sender took them.
        OutboxEmail.objects.filter(pk__in=[first.pk, second.pk]).update(claim=other_sender)

    hooked.hook = claims_expire_meanwhile
    result = send_pending(now=NOW)
    assert message_ids(outbox) == [first.message_id]  # the second is left to the sender holding it
    assert (result.sent, result.lost_claim) == (0, 2)
    for email in OutboxEmail.objects.all():  # its outcome is the holder's to record, not ours
        assert (email.status, email.claim, email.sent_at) == (EmailStatus.SENDING, other_sender, None)


def test_claims_and_their_lease_run_on_the_real_clock_when_now_is_simulated(outbox):
    [email] = queued_emails(1)
    before = timezone.now()
    batch = claim(NOW)  # as `send_reminders --now 2027-02-22T03:00Z` does, whatever today is
    email.refresh_from_db()
    assert batch.ids == [email.pk]
    assert before <= email.claimed_at <= timezone.now()
    # A run simulating a later day does not take a claim made a moment ago for abandoned.
    assert release_stale_claims(NOW + timedelta(days=1)) == 0
    OutboxEmail.objects.filter(pk=email.pk).update(claimed_at=timezone.now() - CLAIM_LEASE - timedelta(seconds=1))
    assert release_stale_claims(NOW) == 1


def test_an_address_whose_domain_cannot_be_encoded_fails_at_once_and_the_batch_goes_on(outbox):
    emails = queued_emails(3)
    bad = emails[1]
    address = f"jamie@{'한' * 60}.kr"  # no IDNA encoding exists for a label this long
    OutboxEmail.objects.filter(pk=bad.pk).update(to_email=address)
    result = send_pending(now=NOW)
    assert (result.sent, result.failed, result.retrying) == (2, 1, 0)
    assert sorted(message_ids(outbox)) == sorted([emails[0].message_id, emails[2].message_id])
    bad.refresh_from_db()
    assert (bad.status, bad.attempts, bad.next_attempt_at) == (EmailStatus.FAILED, 1, None)
    assert bad.last_error.startswith(f"Undeliverable: invalid address {address!r}")  # support sees why


def test_any_error_while_sending_one_email_marks_it_and_the_run_goes_on(hooked, outbox):
    emails = queued_emails(3)
    broken = emails[0]

    def fails_for_one(message):
        if message.extra_headers["Message-ID"] == broken.message_id:
            raise RuntimeError("backend bug")

    hooked.hook = fails_for_one
    result = send_pending(now=NOW)
    assert (result.sent, result.retrying) == (2, 1)
    broken.refresh_from_db()
    assert broken.status == EmailStatus.PENDING and broken.next_attempt_at == NOW + timedelta(minutes=2)
    assert broken.last_error == "RuntimeError: backend bug"
    hooked.hook = None
    assert send_pending(now=NOW + timedelta(minutes=2)).sent == 1


@override_settings(OUTBOX_MAX_ATTEMPTS=2)
def test_a_transient_error_on_every_attempt_ends_failed_with_its_reason(hooked, outbox):
    [email] = queued_emails(1)

    def always_fails(message):
        raise ConnectionResetError("reset by peer")

    hooked.hook = always_fails
    assert send_pending(now=NOW).retrying == 1
    assert send_pending(now=NOW + timedelta(minutes=2)).failed == 1
    email.refresh_from_db()
    assert (email.status, email.attempts) == (EmailStatus.FAILED, 2)
    assert email.last_error == "ConnectionResetError: reset by peer"
