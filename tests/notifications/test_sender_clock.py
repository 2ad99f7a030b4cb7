"""The sender's clock: the retry backoff the README promises, and claims renewed on the real time
(a renewed claim that lost its time stamp would never be released if its sender died)."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone

from notifications.models import OutboxEmail
from notifications.sender import CLAIM_LEASE, backoff, claim, release_stale_claims, renew
from notifications.sweep import run_sweep

from .helpers import make_order

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]

NOW = datetime(2027, 1, 30, 3, tzinfo=UTC)


def test_retries_back_off_2_4_8_16_32_minutes_then_an_hour():
    assert [backoff(n) for n in range(1, 8)] == [timedelta(minutes=m) for m in (2, 4, 8, 16, 32, 60, 60)]


def test_a_renewed_claim_is_stamped_with_the_real_time_and_still_expires(seoul_partner, monkeypatch):
    make_order(seoul_partner, date(2027, 3, 1))
    run_sweep(now=NOW)
    batch = claim(NOW)
    later = timezone.now() + timedelta(minutes=4)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert renew(batch, batch.ids) == 1
    assert OutboxEmail.objects.get().claimed_at == later
    monkeypatch.setattr(timezone, "now", lambda: later + CLAIM_LEASE + timedelta(seconds=1))
    assert release_stale_claims(NOW) == 1  # its sender died after renewing: another may take it
