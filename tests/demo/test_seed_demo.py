"""seed_demo builds a realistic data set, the same every time, and is safe to run twice."""

import re
import statistics
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from dateutil.relativedelta import relativedelta
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

from demo import seeding
from demo.seeding import DEMO_PASSWORD, name_pools
from notifications.models import OutboxEmail, Reminder
from notifications.policy import RENEWAL
from partners.models import Contact, Customer, Partner, StaffMembership
from renewals.expiring import action_counts, listed_orders
from renewals.models import Certificate, NoticeChange, Order, Product
from renewals.validity import max_certificate_days
from renewals.windows import partner_windows
from reports.periods import month_period
from reports.series import renewal_by_month

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]

TODAY = date(2026, 11, 25)
MODELS = [Partner, StaffMembership, Customer, Contact, Product, Order, Certificate]


def table_counts():
    return {model.__name__: model.objects.count() for model in MODELS}


@pytest.fixture
def seeded(db, monkeypatch):
    """The demo as ``seed_demo`` builds it, but its reminder history (``test_demo_history.py`` pins
    that): the history more than doubles the seed's time, and these tests read the book alone."""
    without = [replace(spec, reminder_history=False) for spec in seeding.DEMO_PARTNERS]
    monkeypatch.setattr(seeding, "DEMO_PARTNERS", without)
    call_command("seed_demo", today=TODAY, no_progress=True, verbosity=0)
    return table_counts()


def test_seed_builds_the_demo_partners_at_their_sizes(seeded):
    assert set(Partner.objects.values_list("slug", flat=True)) == {"acme", "hanbit", "harbor"}
    assert 1900 <= seeded["Customer"] <= 2100
    book = Order.objects.filter(renewed_from__isnull=True, term_end__gte=TODAY)
    assert book.count() == 2 * seeding.DEMO_BOOK + seeding.DEMO_BOOK // 2
    history = Order.objects.filter(renewed_from__isnull=True, term_end__lt=TODAY)
    assert history.count() == 2 * seeding.HISTORY + seeding.HISTORY // 2
    assert seeded["Certificate"] == seeded["Order"]
    assert seeded["Contact"] > seeded["Customer"]


def test_second_run_changes_nothing(seeded):
    call_command("seed_demo", today=TODAY, no_progress=True, verbosity=0)
    assert table_counts() == seeded


def test_every_window_is_populated_for_every_partner(seeded):
    for partner in Partner.objects.all():
        ends = list(
            Order.objects.for_partner(partner).filter(renewed_from__isnull=True).values_list("expires_on", flat=True)
        )
        for window in partner_windows(partner):
            assert any(window.contains((end - TODAY).days) for end in ends), (partner.slug, window.key)


def test_some_orders_have_notices_off_and_some_are_renewed(seeded):
    assert Order.objects.filter(renewal_notices=False).count() > 100
    renewed = Order.objects.filter(renewed_from__isnull=False, renewed_from__term_end__gte=TODAY)
    assert 10 <= renewed.count() <= 300  # of the current book, renewed early
    ended = Order.objects.filter(renewed_from__isnull=True, term_end__lt=TODAY - timedelta(days=7))
    renewals = list(Order.objects.filter(renewed_from__in=ended).select_related("renewed_from"))
    days_late = [(renewal.created_at.date() - renewal.renewed_from.term_end).days for renewal in renewals]
    in_time = sum(days <= 0 for days in days_late) / ended.count()
    assert abs(in_time - seeding.HISTORY_RENEWED) < 0.05  # of the past year's terms, renewed before the end
    late = [days for days in days_late if days > 0]  # and a few after it
    assert 0 < len(late) / ended.count() < seeding.HISTORY_RENEWED_LATE + 0.02
    assert max(late) <= seeding.HISTORY_LATE_DAYS
    for renewal in renewed.select_related("renewed_from")[:20]:
        assert renewal.term_end > renewal.renewed_from.term_end
        assert renewal.carried_days == max((renewal.renewed_from.term_end - renewal.term_start).days, 0)


def terms_ending_per_month(partner, months):
    """``{month: terms ending in it}``: the partner's orders (cancelled aside), renewed or not."""
    return {
        month: listed_orders(partner).filter(term_end__gte=month, term_end__lt=month + relativedelta(months=1)).count()
        for month in months
    }


def test_terms_end_at_a_steady_pace_over_the_past_year_and_the_year_ahead(seeded):
    """A sales lead reads the renewal-rate chart's "Due" column month by month: no month of the last
    12 towers over the others (the book's last week once made this month three times the median),
    and the year ahead ends about as many terms a month, with plenty to renew in each window."""
    this_month = TODAY.replace(day=1)
    for partner in Partner.objects.all():
        period = month_period(this_month - relativedelta(months=11), TODAY, partner.tzinfo)
        past = [row[1] for row in renewal_by_month(partner=partner, period=period, today=TODAY)]
        assert max(past) <= 1.6 * statistics.median(past), (partner.slug, past)
        ahead = terms_ending_per_month(partner, [this_month + relativedelta(months=n) for n in range(1, 13)])
        assert max(ahead.values()) <= 1.6 * statistics.median(ahead.values()), (partner.slug, ahead)
        assert 0.8 <= sum(ahead.values()) / sum(past) <= 1.25, (partner.slug, past, ahead)
        for window, counts in action_counts(partner=partner, today=TODAY):
            if window.first_day is not None and window.last_day is not None and window.first_day >= 0:
                assert counts["renew"] >= 15, (partner.slug, window.key, counts)


def test_notices_turned_off_and_unsubscribes_are_events_spread_over_the_year(seeded):
    """The home page counts the orders with notices off; the reports' "customers we stopped reaching"
    counts when notices were turned off and contacts unsubscribed: each such order has its change,
    and neither lands all in one month."""
    for partner in Partner.objects.filter(slug__in=[spec.slug for spec in seeding.DEMO_PARTNERS]):
        zone = partner.tzinfo
        off = Order.objects.filter(partner=partner, renewal_notices=False).count()
        changed = NoticeChange.objects.for_partner(partner).filter(old_value=True, new_value=False)
        assert changed.count() == off > 0, partner.slug
        assert len({at.astimezone(zone).strftime("%Y-%m") for at in changed.values_list("changed_at", flat=True)}) >= 10
        unsubscribed = Contact.objects.for_partner(partner).exclude(unsubscribed_at=None)
        months = {
            at.astimezone(zone).strftime("%Y-%m") for at in unsubscribed.values_list("unsubscribed_at", flat=True)
        }
        assert len(months) >= 6, (partner.slug, months)


def test_benchmark_partners_keep_their_own_calendar():
    """``--scale`` results stay comparable across versions: the steady year is the demo's alone."""
    assert all(spec.steady for spec in seeding.DEMO_PARTNERS)
    assert not any(spec.steady for spec in seeding.scaled_partners(1000, 5, None))


def test_no_certificate_outlives_its_term_or_the_cap(seeded):
    for certificate in Certificate.objects.select_related("order__customer__partner")[:2000]:
        lifetime = certificate.not_after - certificate.not_before + timedelta(seconds=1)
        # 200 days since 15 March 2026; the past year's terms had certificates issued before that.
        assert lifetime <= timedelta(days=max_certificate_days(certificate.not_before.date()))
        assert certificate.expires_on(certificate.order.customer.tzinfo) <= certificate.order.term_end
        order = certificate.order
        assert order.expires_on == min(order.term_end, certificate.expires_on(order.customer.tzinfo))


def test_some_certificates_end_inside_their_term_and_need_a_reissue(seeded):
    from django.db.models import F

    assert Order.objects.filter(expires_on__lt=F("term_end")).count() > 500


def test_demo_logins_work_for_every_role(seeded, rf):
    for slug in ("acme", "hanbit", "harbor"):
        for role in ("sales", "support", "admin"):
            user = authenticate(rf.post("/accounts/login/"), username=f"{slug}-{role}", password=DEMO_PASSWORD)
            assert user is not None
            assert user.memberships.get(partner__slug=slug).role == role


def test_products_cover_the_trade(seeded):
    levels = set(Product.objects.values_list("validation_level", flat=True))
    assert levels == {"DV", "OV", "EV"}
    assert Product.objects.filter(is_wildcard=True).exists()
    assert Product.objects.filter(is_multi_domain=True).exists()
    assert Product.objects.filter(name__startswith="Secure Site Pro").count() >= 2


def seeded_rows():
    orders = Order.objects.order_by("partner__slug", "order_number")
    return (
        list(orders.values_list("order_number", "term_end", "plan_years", "common_name", "customer__company_name")),
        list(Contact.objects.order_by("email").values_list("email", "name")),
    )


def test_same_seed_same_rows(db):
    call_command("seed_demo", scale=300, partners=2, today=TODAY, no_progress=True, verbosity=0)
    first = seeded_rows()
    Partner.objects.all().delete()
    name_pools.cache_clear()  # the names too are drawn again, from a fresh seeded Faker
    call_command("seed_demo", scale=300, partners=2, today=TODAY, no_progress=True, verbosity=0)
    assert seeded_rows() == first


HANGUL = re.compile("[가-힣]")
# A DNS name as a certificate carries it: ASCII labels of letters, digits and inner hyphens.
HOSTNAME = re.compile(r"(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")


def test_the_korean_partner_has_korean_names_and_the_others_english(seeded):
    for slug, korean in (("hanbit", True), ("acme", False), ("harbor", False)):
        companies = Customer.objects.filter(partner__slug=slug).values_list("company_name", flat=True)
        people = Contact.objects.filter(customer__partner__slug=slug).values_list("name", flat=True)
        for name in [*companies, *people]:
            if korean:
                assert HANGUL.search(name), (slug, name)
            else:
                assert name.isascii(), (slug, name)


def test_a_partners_customers_have_distinct_company_names(seeded):
    for partner in Partner.objects.all():
        names = list(Customer.objects.for_partner(partner).values_list("company_name", flat=True))
        assert len(set(names)) == len(names), partner.slug


def test_every_common_name_and_san_is_a_valid_hostname(seeded):
    """Korean names are not hostnames: the domains stay ASCII for every partner, Korean ones too."""
    names = set()
    for common_name, sans in Order.objects.values_list("common_name", "sans"):
        names.update([common_name, *sans])
    bad = [name for name in names if not HOSTNAME.fullmatch(name) or len(name) > 253]
    assert not bad, bad[:10]
    assert any(name.endswith(".kr") for name in names)  # the Korean partner's domains follow its locale


def test_scale_spreads_orders_over_partners_with_a_largest_one(db):
    call_command("seed_demo", scale=1000, partners=5, largest=600, today=TODAY, no_progress=True, verbosity=0)
    book = Order.objects.filter(renewed_from__isnull=True, term_end__gte=TODAY - timedelta(days=7))
    per_partner = dict(book.values_list("partner__slug").annotate(n=Count("pk")))
    assert per_partner["acme"] == 600
    assert sorted(per_partner.values()) == [100, 100, 100, 100, 600]


def test_scale_rejects_impossible_arguments(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("seed_demo", scale=10, partners=20, no_progress=True, verbosity=0)


def test_seeding_shows_progress_without_tqdm_too(db, monkeypatch):
    """tqdm is a development tool (requirements-dev.txt): without it the data is the same, with no bar."""
    monkeypatch.setattr(seeding, "tqdm", None)
    small = [replace(spec, customers=5, orders=20, history=0) for spec in seeding.DEMO_PARTNERS]
    created, _skipped = seeding.seed(partners=small, today=TODAY, show_progress=True)
    assert created == ["acme", "hanbit", "harbor"]
    assert Order.objects.filter(renewed_from__isnull=True).count() == 60


def seeded_at(instant):
    with time_machine.travel(instant, tick=False):
        call_command("seed_demo", scale=300, partners=2, today=TODAY, no_progress=True, verbosity=0)


def sweep_at(instant):
    from notifications.sweep import run_sweep

    with time_machine.travel(instant, tick=False):
        return run_sweep(now=timezone.now())


def renewal_days_off():
    """Per renewal reminder recorded: days left on the reminder's day (TODAY) less its threshold."""
    return [(r.ends_on - TODAY).days - r.threshold_days for r in Reminder.objects.filter(kind=RENEWAL)]


def emails_per_address():
    return {row["to_email"]: row["n"] for row in OutboxEmail.objects.values("to_email").annotate(n=Count("id"))}


def test_the_first_sweep_in_working_hours_sends_that_days_batch_once_per_address(db):
    seeded_at(datetime(2026, 11, 25, 1, 30, tzinfo=UTC))  # 10:30 in Seoul
    assert sweep_at(datetime(2026, 11, 25, 1, 30, tzinfo=UTC)).due > 0
    days_off = renewal_days_off()
    assert days_off.count(0) > 0
    # An order swept for its reissue may also get its current renewal threshold (the seed records no
    # past reminders): further from its day, never a day late.
    assert -1 not in days_off
    assert max(emails_per_address().values()) == 1


def test_seeded_before_the_send_hour_nothing_is_pending_and_the_send_hour_brings_one_email_each(db):
    """The run command started at 08:30: yesterday's batch went out yesterday; at 09:05 beat's sweep
    records today's, one digest per address, none of it a day late."""
    seeded_at(datetime(2026, 11, 24, 23, 30, tzinfo=UTC))  # 08:30 on the 25th in Seoul
    assert sweep_at(datetime(2026, 11, 24, 23, 30, tzinfo=UTC)).due == 0
    assert sweep_at(datetime(2026, 11, 25, 0, 5, tzinfo=UTC)).due > 0  # 09:05
    assert -1 not in renewal_days_off()
    assert max(emails_per_address().values()) == 1
