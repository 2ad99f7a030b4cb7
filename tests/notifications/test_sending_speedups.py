"""What the sender's speed-ups (issue 17) must not change: an email's cached parts render exactly what
a fresh rendering gives, the renewal link is the one ``reverse`` builds, and the stamp's unflushed
commit never outlives its own statement.

Proposed for tests/notifications/test_sending_speedups.py (written by the "sending" helper).
"""

import itertools
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.core import signing
from django.db import connection, transaction
from django.template import Context
from django.urls import reverse, set_script_prefix
from django.utils import timezone

from notifications.emails import PartNode, email_engine, render_reminder
from notifications.models import EmailStatus, OutboxEmail, Reminder
from notifications.sender import claim, stamp
from notifications.sweep import run_sweep
from renewals.links import customer_renewal_path, customer_renewal_token
from tests.factories import (
    CertificateFactory,
    ContactFactory,
    CustomerFactory,
    OrderFactory,
    PartnerFactory,
    ProductFactory,
)

TERM_END = date(2027, 3, 1)


def rendered_without_parts(**kwargs):
    """The same email with every ``{% part %}`` rendered afresh (no cache at all)."""
    with mock.patch.object(
        PartNode,
        "render",
        lambda self, context: self.nodelist.render(
            context.new({name: expression.resolve(context) for name, expression in self.arguments.items()})
        ),
    ):
        return render_reminder(**kwargs)


@pytest.mark.django_db
@pytest.mark.smoke
def test_cached_parts_render_every_email_exactly_as_a_fresh_rendering():
    """Emails that differ in every value a part depends on, rendered twice in a row (the second from
    the parts' cache) and once without it: the same bytes. A part whose key leaves out a value it
    prints would give the first email's text to a later one here."""
    frozen = mock.patch.object(signing, "time", mock.Mock(time=lambda: 1_900_000_000.0))
    products = [
        ProductFactory(code="ss", brand="Secure Site Pro", site_seal=True, warranty_amount=Decimal("1750000")),
        ProductFactory(code="basic", brand="Basic", site_seal=False, warranty_amount=Decimal("0")),
    ]
    cases = []
    for language, product, days_before, short_certificate, resend in itertools.product(
        ["en", "ko"], products, [90, 30, 7, 0, -3], [False, True], [False, True]
    ):
        partner = PartnerFactory(time_zone="Asia/Seoul", reply_to="" if resend else "help@partner.example")
        customer = CustomerFactory(partner=partner, language=language, company_name=f"Co <{len(cases)}>")
        contact = ContactFactory(customer=customer, name=f"Jamie & {len(cases)}")
        order = OrderFactory(customer=customer, term_end=TERM_END, product=product, plan_years=1 + len(cases) % 3)
        kinds = ["renewal"]
        if short_certificate:
            not_after = datetime(2027, 1, 4, 9, 59, 59, tzinfo=UTC)
            CertificateFactory(order=order, not_before=not_after - timedelta(days=200), not_after=not_after)
            order.refresh_from_db()
            kinds.append("reissue")
        reminders = [Reminder(order=order, kind=kind, ends_on=TERM_END, threshold_days=days_before) for kind in kinds]
        now = datetime.combine(TERM_END - timedelta(days=days_before), datetime.min.time(), tzinfo=UTC)
        cases.append(
            dict(contact=contact, partner=partner, reminders=reminders, now=now.replace(hour=3), resend=resend)
        )
    with frozen:
        first = [render_reminder(**case) for case in cases]
        again = [render_reminder(**case) for case in cases]
        fresh = [rendered_without_parts(**case) for case in cases]
    assert again == first
    assert fresh == first
    assert len({email.html for email in first}) == len(cases)  # the cases do differ


@pytest.mark.smoke
def test_a_part_prints_only_the_values_it_names():
    template = email_engine().from_string(
        "{% load email_parts %}{% part days=days %}{{ days }}/{{ other }}{% endpart %}"
    )
    assert template.render(Context({"days": 1, "other": "x"})) == "1/"
    assert template.render(Context({"days": 1, "other": "y"})) == "1/"
    assert template.render(Context({"days": True, "other": "y"})) == "True/"  # 1 == True, not the same part
    assert template.render(Context({"days": [1], "other": "y"})) == "[1]/"  # unhashable: rendered afresh


@pytest.mark.django_db
@pytest.mark.smoke
def test_the_renewal_link_is_the_path_reverse_gives_under_any_script_prefix():
    order = OrderFactory()
    contact = ContactFactory(customer=order.customer)
    with mock.patch.object(signing, "time", mock.Mock(time=lambda: 1_900_000_000.0)):
        token = customer_renewal_token(order, contact=contact)
        for prefix in ["/", "/portal/"]:
            set_script_prefix(prefix)
            try:
                assert customer_renewal_path(order, contact=contact) == reverse(
                    "customer-renew", kwargs={"token": token}
                )
            finally:
                set_script_prefix("/")


NOW = datetime(2027, 2, 22, 3, tzinfo=UTC)


def setting():
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
def test_the_stamp_commits_without_a_flush_only_in_its_own_statement():
    assert connection.vendor == "postgresql"
    partner = PartnerFactory(time_zone="Asia/Seoul", language="en")
    for _ in range(2):
        customer = CustomerFactory(partner=partner)
        ContactFactory(customer=customer)
        OrderFactory(customer=customer, term_end=date(2027, 3, 1), next_reminder_at=datetime(2000, 1, 1, tzinfo=UTC))
    run_sweep(now=NOW)
    batch = claim(NOW)
    ours, taken = OutboxEmail.objects.filter(pk__in=batch.ids).order_by("pk")
    OutboxEmail.objects.filter(pk=taken.pk).update(claim=None, status=EmailStatus.PENDING)
    before = timezone.now()
    assert stamp(ours) == 1
    assert setting() == "on"  # the next statement (the outcome) is flushed as before
    ours.refresh_from_db()
    assert ours.claimed_at >= before
    assert stamp(taken) == 0
    with transaction.atomic():
        assert stamp(ours) == 1
        assert setting() == "on"  # inside a caller's transaction: a plain UPDATE
