"""Auto-renew in the sweep: renewed on its day (the customer's working day) exactly once, at the price in
force that day; told before (in the reminders) and after (once), in the customer's language and in
both parts; turned off, it stops; failed, the ordinary reminders go on; a dry run renews nothing."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import translation
from django.utils.formats import date_format

from notifications.models import OutboxEmail, OutboxItem, Reminder
from notifications.policy import AUTO_RENEWED, RENEWAL
from notifications.sender import send_pending
from notifications.sweep import run_sweep
from partners.actors import CUSTOMER
from renewals import issuance
from renewals.auto_renew import turn_off, turn_on
from renewals.links import link_for_token
from renewals.models import AutoRenewal, AutoRenewalStatus, Order
from renewals.money import format_money
from tests.factories import CustomerFactory, PartnerFactory
from tests.offers.factories import OfferFactory

from .helpers import make_order

pytestmark = pytest.mark.django_db

TERM_END = date(2027, 3, 1)
RENEW_ON = date(2027, 1, 30)  # the partner's default: 30 days before the term's last day
TURNED_ON = datetime(2026, 11, 20, 3, tzinfo=UTC)
FIRST_REMINDER = datetime(2026, 12, 1, 0, tzinfo=UTC)  # the 90-day reminder: 09:00 in Seoul
ON_THE_DAY = datetime(2027, 1, 30, 0, tzinfo=UTC)  # 09:00 in Seoul on the renewal day
PRICE = Decimal("590000")


def auto_renewing_order(language="en", contacts=1):
    partner = PartnerFactory(time_zone="Asia/Seoul", language="en")
    customer = CustomerFactory(partner=partner, language=language)
    order = make_order(partner, TERM_END, customer=customer, contacts=contacts)
    turn_on(order=order, by=CUSTOMER, plan_years=1, now=TURNED_ON)
    return order


def tick(now, **kwargs):
    """Beat's sweep and the worker's sending at ``now``, with the clock there too."""
    with time_machine.travel(now, tick=False):
        swept = run_sweep(now=now, **kwargs)
        send_pending(now=now)
    return swept


def html(message):
    return message.alternatives[0][0]


def in_language(language, text, plural=None, count=1, **values):
    """``text`` as the catalogue has it in ``language`` (the template's msgid), filled in."""
    with translation.override(language):
        message = translation.ngettext(text, plural, count) if plural else translation.gettext(text)
        formatted = {
            key: date_format(value, "DATE_FORMAT") if isinstance(value, date) else value
            for key, value in values.items()
        }
        if "price" in formatted:
            formatted["price"] = format_money(formatted["price"], "KRW")
        return message % formatted


def advance_notice(language):
    return in_language(
        language,
        "Renews automatically on %(date)s for %(years)s year at %(price)s.",
        "Renews automatically on %(date)s for %(years)s years at %(price)s.",
        date=RENEW_ON,
        years=1,
        price=PRICE,
    )


def renewed_notice(language, renewal):
    return in_language(
        language,
        "Renewed automatically: new term ends %(end)s, order %(number)s, %(price)s.",
        end=renewal.term_end,
        number=renewal.order_number,
        price=renewal.price,
    )


@pytest.mark.smoke
def test_not_renewed_before_its_day_and_renewed_on_it_once(outbox):
    order = auto_renewing_order()
    swept = tick(ON_THE_DAY - timedelta(minutes=1))  # 08:59 in Seoul: still the day before
    assert swept.auto_renewed == 0 and not Order.objects.filter(renewed_from=order).exists()
    swept = tick(ON_THE_DAY)
    assert swept.auto_renewed == 1
    renewal = Order.objects.get(renewed_from=order)
    assert (renewal.plan_years, renewal.term_end, renewal.price) == (1, date(2028, 3, 1), PRICE)
    auto = AutoRenewal.objects.get(order=order)
    assert (auto.status, auto.renewal, auto.attempted_at) == (AutoRenewalStatus.RENEWED, renewal, ON_THE_DAY)
    for hours in (0, 1, 24):  # a retried task, the next hourly sweep, the next day
        assert tick(ON_THE_DAY + timedelta(hours=hours)).auto_renewed == 0
    assert Order.objects.filter(renewed_from=order).count() == 1


def test_renewed_on_its_day_the_order_gets_no_reminder_that_day(outbox):
    order = auto_renewing_order()
    tick(ON_THE_DAY)  # also the 30-day reminder's instant
    assert not Reminder.objects.filter(order=order, kind=RENEWAL, threshold_days=30).exists()
    assert [message.subject for message in outbox] == [outbox[0].subject] and "renewed" in outbox[0].subject


@pytest.mark.parametrize("set_based", [False, None])
def test_both_sweep_paths_renew_it(outbox, set_based):
    order = auto_renewing_order()
    assert tick(ON_THE_DAY, set_based=set_based).auto_renewed == 1
    assert Order.objects.filter(renewed_from=order).count() == 1


def test_the_renewal_is_at_the_price_in_force_that_day_with_the_customers_offer(outbox):
    order = auto_renewing_order()
    offer = OfferFactory(
        partner=order.partner, amounts=["20"], starts_on=date(2027, 1, 1), ends_on=date(2027, 2, 28), shown_from_days=60
    )
    order.partner.prices.filter(product=order.product, plan_years=1).update(price=Decimal("600000"))
    tick(ON_THE_DAY)
    renewal = Order.objects.get(renewed_from=order)
    assert (renewal.list_price, renewal.discount_percent, renewal.price) == (
        Decimal("600000"),
        Decimal("20"),
        Decimal("480000"),
    )
    assert renewal.offer == offer


def test_turned_off_before_its_day_it_is_not_renewed_and_reminders_go_on(outbox):
    order = auto_renewing_order()
    turn_off(order=order, by=CUSTOMER, now=ON_THE_DAY - timedelta(days=1))
    tick(ON_THE_DAY)
    assert not Order.objects.filter(renewed_from=order).exists()
    assert AutoRenewal.objects.get(order=order).status == AutoRenewalStatus.CANCELLED
    assert Reminder.objects.filter(order=order, kind=RENEWAL, threshold_days=30).exists()
    assert len(outbox) == 1 and "RENEW NOW" in outbox[0].body and "Renews automatically" not in outbox[0].body


@pytest.mark.smoke
def test_a_failed_auto_renewal_falls_back_to_the_ordinary_reminders(outbox):
    order = auto_renewing_order()
    order.product.is_active = False
    order.product.save()
    swept = tick(ON_THE_DAY)
    assert swept.auto_renew_failed == 1 and swept.auto_renewed == 0
    auto = AutoRenewal.objects.get(order=order)
    assert auto.status == AutoRenewalStatus.FAILED and auto.failure_reason == f"{order.product} is no longer on sale."
    # The 30-day reminder of the same sweep goes out as ever, asking to renew by hand...
    assert len(outbox) == 1 and "RENEW NOW" in outbox[0].body and "Renews automatically" not in outbox[0].body
    # ...and so does the next one; the failed auto-renewal is not tried again.
    tick(datetime(2027, 2, 22, 0, tzinfo=UTC))
    assert [r.threshold_days for r in Reminder.objects.filter(order=order).order_by("-threshold_days")] == [30, 7]
    assert len(outbox) == 2 and AutoRenewal.objects.get(order=order).status == AutoRenewalStatus.FAILED


@pytest.mark.parametrize("language", ["en", "ko"])
def test_the_first_reminder_announces_the_auto_renewal_instead_of_renew_now(outbox, language):
    order = auto_renewing_order(language)
    tick(FIRST_REMINDER)
    [message] = outbox
    notice = advance_notice(language)
    assert notice in message.body and notice in html(message)
    renew_now = in_language(language, "RENEW NOW")
    assert renew_now not in message.body and renew_now not in html(message)
    assert f'lang="{language}"' in html(message)
    # "To cancel, open" the customer's own renewal page, at its auto-renew section.
    cancel = in_language(language, "To cancel, open")
    link = message.body.split(f"{cancel}: ", 1)[1].split()[0]
    assert link.endswith("#auto-renew")
    token = link.split("#")[0].rstrip("/").rsplit("/", 1)[1]
    assert link_for_token(token).order == order
    assert f'href="{link}"' in html(message)


def test_a_reminder_without_auto_renew_keeps_renew_now(outbox):
    order = auto_renewing_order()
    turn_off(order=order, by=CUSTOMER, now=TURNED_ON)
    tick(FIRST_REMINDER)
    assert "RENEW NOW" in outbox[0].body and "Renews automatically" not in outbox[0].body


@pytest.mark.smoke
@pytest.mark.parametrize("language", ["en", "ko"])
def test_the_customer_is_told_once_after_the_renewal_in_both_parts(outbox, language):
    order = auto_renewing_order(language)
    tick(ON_THE_DAY)
    renewal = Order.objects.get(renewed_from=order)
    [message] = outbox
    notice = renewed_notice(language, renewal)
    assert notice in message.body and notice in html(message)
    subject = in_language(
        language, "Your certificate is renewed automatically: the new term ends %(date)s", date=renewal.term_end
    )
    assert message.subject == subject
    assert in_language(language, "RENEW NOW") not in message.body
    reminder = Reminder.objects.get(order=order, kind=AUTO_RENEWED)
    assert (reminder.ends_on, reminder.threshold_days) == (renewal.term_end, 0)
    tick(ON_THE_DAY + timedelta(hours=1))
    tick(ON_THE_DAY + timedelta(days=1))
    assert len(outbox) == 1 and Reminder.objects.filter(kind=AUTO_RENEWED).count() == 1


def test_the_renewed_notice_waits_for_the_send_hour_and_reaches_every_contact(outbox, settings):
    order = auto_renewing_order(contacts=2)
    order.partner.reminder_send_hour = 10  # the renewal day comes at 10:00 in Seoul
    order.partner.save()
    tick(datetime(2027, 1, 30, 0, 30, tzinfo=UTC))  # 09:30 in Seoul: not yet the working day
    assert not Order.objects.filter(renewed_from=order).exists()
    tick(datetime(2027, 1, 30, 1, tzinfo=UTC))
    assert sorted(message.to[0].split("<")[-1].rstrip(">") for message in outbox) == sorted(
        order.customer.contacts.values_list("email", flat=True)
    )


def test_an_unsubscribed_contact_is_not_told(outbox):
    order = auto_renewing_order()
    order.customer.contacts.update(unsubscribed_at=TURNED_ON)
    tick(ON_THE_DAY)
    assert Order.objects.filter(renewed_from=order).exists()
    assert outbox == []
    assert Reminder.objects.filter(order=order, kind=AUTO_RENEWED).exists()  # recorded, told to no one
    assert not OutboxEmail.objects.exists()


def test_a_dry_run_renews_nothing(outbox):
    order = auto_renewing_order()
    with time_machine.travel(ON_THE_DAY, tick=False):
        result = run_sweep(now=ON_THE_DAY, dry_run=True)
    assert result.auto_renew_planned == [order.order_number]
    assert not Order.objects.filter(renewed_from=order).exists()
    assert AutoRenewal.objects.get(order=order).status == AutoRenewalStatus.SCHEDULED
    assert not Reminder.objects.exists()


def test_an_unexpected_error_leaves_it_for_the_next_sweep_which_renews_it_once(outbox, monkeypatch):
    order = auto_renewing_order()
    original = issuance.SimulatedCA.request_issuance
    calls = []

    def flaky(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("the CA is down")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(issuance.SimulatedCA, "request_issuance", flaky)
    first = tick(ON_THE_DAY)
    assert first.auto_renewed == 0 and not Order.objects.filter(renewed_from=order).exists()
    assert AutoRenewal.objects.get(order=order).status == AutoRenewalStatus.SCHEDULED
    assert tick(ON_THE_DAY + timedelta(hours=1)).auto_renewed == 1
    tick(ON_THE_DAY + timedelta(hours=2))
    assert Order.objects.filter(renewed_from=order).count() == 1
    assert OutboxItem.objects.filter(reminder__kind=AUTO_RENEWED).count() == 1


def test_one_failing_order_does_not_stop_the_others(outbox):
    failing, renewing = auto_renewing_order(), auto_renewing_order()
    failing.product.is_active = False
    failing.product.save()
    swept = tick(ON_THE_DAY)
    assert (swept.auto_renew_failed, swept.auto_renewed) == (1, 1)
    assert Order.objects.filter(renewed_from=renewing).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_renew_each_order_once_and_tell_each_customer_once():
    from django.core import mail
    from django.db import connection

    from .test_concurrent_sweeps import in_parallel

    assert connection.vendor == "postgresql", "the race needs real row locks"
    mail.outbox = []
    orders = [auto_renewing_order() for _ in range(12)]
    with time_machine.travel(ON_THE_DAY, tick=False):
        in_parallel(lambda: run_sweep(now=ON_THE_DAY))
        in_parallel(lambda: run_sweep(now=ON_THE_DAY))  # and retried
        in_parallel(lambda: send_pending(now=ON_THE_DAY))
    for order in orders:
        assert Order.objects.filter(renewed_from=order).count() == 1
    assert AutoRenewal.objects.filter(status=AutoRenewalStatus.RENEWED).count() == 12
    assert Reminder.objects.filter(kind=AUTO_RENEWED).count() == 12
    assert OutboxItem.objects.filter(reminder__kind=AUTO_RENEWED).count() == 12
    assert len(mail.outbox) == 12
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        f"{contact.name} <{contact.email}>" for order in orders for contact in order.customer.contacts.all()
    )
