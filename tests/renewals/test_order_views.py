"""Staff order pages: quick view, Renew Now (GET confirms, POST renews), reissue, recording a PEM."""

import re
import zoneinfo
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.test import override_settings
from django.urls import reverse
from django.utils import formats, timezone, translation

from renewals.issuance import SimulatedCA
from renewals.models import Order, OrderStatus
from renewals.services import renew_order
from tests.factories import CertificateFactory, CustomerFactory, OrderFactory

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]

NOW = "2026-12-01T03:00:00Z"  # noon in Seoul


@pytest.fixture
def order_a(partner_a):
    order = OrderFactory(
        customer=CustomerFactory(partner=partner_a),
        term_end=date(2027, 1, 1),
        order_number="1001",
        common_name="www.shop.example",
        sans=["www.shop.example"],
    )
    CertificateFactory(
        order=order, not_before=datetime(2026, 6, 1, tzinfo=UTC), not_after=datetime(2026, 12, 17, tzinfo=UTC)
    )
    return order


def detail(order):
    return reverse("order-detail", args=[order.order_number])


def renew(order):
    return reverse("order-renew", args=[order.order_number])


ORDER_URLS = [
    ("order-detail", "get"),
    ("order-renew", "get"),
    ("order-renew", "post"),
    ("order-reissue", "get"),
    ("order-reissue", "post"),
    ("order-certificate", "get"),
    ("order-certificate", "post"),
]


@pytest.mark.parametrize("role_user", ["sales_a", "support_a", "admin_a"])
@pytest.mark.parametrize(("name", "method"), ORDER_URLS)
def test_another_partners_order_is_a_404_for_every_role(client, request, role_user, name, method, order_b):
    client.force_login(request.getfixturevalue(role_user))
    url = reverse(name, args=[order_b.order_number])
    response = getattr(client, method)(url, {"plan_years": 1, "product": order_b.product_id, "pem": "x"})
    assert response.status_code == 404
    assert not Order.objects.filter(renewed_from=order_b).exists()
    assert order_b.certificates.count() == 1


@time_machine.travel(NOW, tick=False)
def test_quick_view_shows_the_order_and_what_renewal_would_give(client, sales_a, order_a):
    client.force_login(sales_a)
    page = client.get(detail(order_a)).content.decode()
    assert "www.shop.example" in page
    assert 'data-testid="carried-days">31 days' in page
    assert 'data-testid="renew-now"' in page


@time_machine.travel(NOW, tick=False)
def test_confirmation_shows_the_facts_and_renews_nothing(client, sales_a, order_a):
    client.force_login(sales_a)
    response = client.get(renew(order_a))
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="carried-days">31 days' in page
    assert 'data-testid="total-days">396 days' in page
    assert "at most 200 days" in page  # the first certificate is capped, and the page says why
    assert not Order.objects.filter(renewed_from=order_a).exists()


@time_machine.travel(NOW, tick=False)
def test_confirmation_preview_follows_the_chosen_plan(client, sales_a, order_a):
    client.force_login(sales_a)
    page = client.get(renew(order_a), {"plan_years": 2, "product": order_a.product_id}).content.decode()
    assert 'data-testid="total-days">762 days' in page  # 2028 is a leap year


@time_machine.travel(NOW, tick=False)
def test_confirming_renews_and_the_order_shows_the_renewal(client, sales_a, order_a):
    client.force_login(sales_a)
    response = client.post(renew(order_a), {"plan_years": 1, "product": order_a.product_id})
    assert response.status_code == 302
    renewal = Order.objects.get(renewed_from=order_a)
    assert renewal.carried_days == 31
    page = client.get(detail(order_a)).content.decode()
    assert f'data-testid="renewed-link">#{renewal.order_number}' in page


@time_machine.travel(NOW, tick=False)
def test_double_submit_makes_one_renewal(client, sales_a, order_a):
    client.force_login(sales_a)
    for _ in range(2):
        client.post(renew(order_a), {"plan_years": 1, "product": order_a.product_id})
    assert Order.objects.filter(renewed_from=order_a).count() == 1


@time_machine.travel(NOW, tick=False)
def test_support_gets_a_clear_403_and_renews_nothing(client, support_a, order_a):
    client.force_login(support_a)
    assert client.get(detail(order_a)).status_code == 200
    response = client.post(renew(order_a), {"plan_years": 1, "product": order_a.product_id})
    assert response.status_code == 403
    assert "Support staff can view orders but not renew them" in response.content.decode()
    assert client.get(renew(order_a)).status_code == 403
    assert not Order.objects.filter(renewed_from=order_a).exists()


@time_machine.travel("2026-09-01T03:00:00Z", tick=False)
def test_before_the_window_the_button_is_disabled_and_says_when(client, sales_a, order_a):
    client.force_login(sales_a)
    page = client.get(detail(order_a)).content.decode()
    assert 'data-testid="renew-now"' not in page
    assert "Renewal opens on" in page
    response = client.post(renew(order_a), {"plan_years": 1, "product": order_a.product_id})
    assert response.status_code == 409
    assert "Renewal opens on 3 Oct 2026, in 32 days." in response.content.decode()
    assert not Order.objects.filter(renewed_from=order_a).exists()
    # The renew page quotes nothing the service would refuse: no carried days, no price, no button.
    confirm = client.get(renew(order_a)).content.decode()
    assert "Renewal opens on 3 Oct 2026, in 32 days." in confirm
    assert 'data-testid="renewal-facts"' not in confirm and 'data-testid="confirm-renewal"' not in confirm


@time_machine.travel("2027-01-10T03:00:00Z", tick=False)
def test_after_the_end_the_renew_page_does_not_promise_carried_days(client, sales_a, order_a):
    client.force_login(sales_a)
    page = client.get(renew(order_a)).content.decode()
    assert "Renewing early loses nothing" not in page
    assert "The current term has ended: the new term starts on the renewal day." in page


def test_quick_view_marks_a_term_that_ran_out_unrenewed_but_not_one_on_its_last_day(client, sales_a, order_a):
    url = reverse("order-detail", args=[order_a.order_number])

    def page_at(instant):
        with time_machine.travel(instant, tick=False):
            client.force_login(sales_a)  # a session of that day
            return client.get(url).content.decode()

    assert 'data-testid="lapsed-badge"' not in page_at("2027-01-01T03:00:00Z")  # the last paid day, in Seoul
    assert "Term ended, not renewed" in page_at("2027-01-02T03:00:00Z")
    OrderFactory(customer=order_a.customer, renewed_from=order_a, term_end=date(2028, 1, 1))
    assert 'data-testid="lapsed-badge"' not in page_at("2027-01-02T03:00:00Z")


@time_machine.travel("2027-01-01T03:00:00Z", tick=False)  # noon in Seoul on the term's last day
def test_on_the_terms_last_day_the_renew_page_says_it_ends_today_not_that_it_has_ended(client, sales_a, order_a):
    client.force_login(sales_a)
    page = client.get(renew(order_a)).content.decode()
    assert "The current term ends today: the new term starts today." in page
    assert "has ended" not in page and "Renewing early loses nothing" not in page


@time_machine.travel(NOW, tick=False)
def test_bad_plan_is_a_form_error_not_a_crash(client, sales_a, order_a):
    client.force_login(sales_a)
    response = client.post(renew(order_a), {"plan_years": 9, "product": "nope"})
    assert response.status_code == 400
    assert not Order.objects.filter(renewed_from=order_a).exists()


@time_machine.travel(NOW, tick=False)
def test_reissue_button_issues_the_next_certificate(client, support_a, order_a):
    client.force_login(support_a)
    assert 'data-testid="reissue"' in client.get(detail(order_a)).content.decode()
    response = client.post(reverse("order-reissue", args=[order_a.order_number]))
    assert response.status_code == 302
    assert order_a.certificates.count() == 2


@time_machine.travel(NOW, tick=False)
@override_settings(RENEWALS_ISSUANCE_BACKEND="renewals.issuance.ManualIssuance")
def test_pasting_a_bad_pem_shows_why(client, sales_a, order_a):
    client.force_login(sales_a)
    client.post(renew(order_a), {"plan_years": 1, "product": order_a.product_id})
    renewal = Order.objects.get(renewed_from=order_a)
    assert renewal.status == OrderStatus.AWAITING_ISSUANCE
    url = reverse("order-certificate", args=[renewal.order_number])
    response = client.post(url, {"pem": "-----BEGIN CERTIFICATE-----\nxyz"})
    assert response.status_code == 400
    assert "not a PEM certificate" in response.content.decode()
    now = datetime(2026, 12, 1, 3, tzinfo=UTC)
    good = SimulatedCA.sign(["www.shop.example"], now, now + timedelta(days=199))[0]
    assert client.post(url, {"pem": good}).status_code == 302
    renewal.refresh_from_db()
    assert renewal.status == OrderStatus.ACTIVE


@time_machine.travel(NOW, tick=False)
def test_confirmation_speaks_korean(client, sales_a, order_a):
    client.force_login(sales_a)
    client.post(reverse("set_language"), {"language": "ko"})
    page = client.get(renew(order_a)).content.decode()
    assert "이월 일수" in page
    assert "31일" in page
    assert "1년" in page


# Quick View: what it offers follows what renewing would do now.


@time_machine.travel("2026-09-01T03:00:00Z", tick=False)
def test_quick_view_before_the_window_says_when_it_opens_instead_of_the_facts(client, sales_a, order_a):
    client.force_login(sales_a)
    page = client.get(detail(order_a)).content.decode()
    assert "Renewal opens on 3 Oct 2026, in 32 days." in page  # term ends 2027-01-01; today 1 Sep in Seoul
    assert 'data-testid="renewal-facts"' not in page  # no "396 days carried / 762 total" for a later day
    assert "disabled>Renew Now" not in page and 'data-testid="renew-now"' not in page
    assert 'data-testid="customer-link"' not in page


@time_machine.travel("2026-10-02T14:59:59Z", tick=False)  # 23:59:59 on 2 Oct in Seoul
def test_quick_view_counts_the_day_the_window_opens_in_the_customers_zone(client, sales_a, order_a):
    client.force_login(sales_a)
    assert "Renewal opens on 3 Oct 2026, in 1 day." in client.get(detail(order_a)).content.decode()
    with time_machine.travel("2026-10-02T15:00:00Z", tick=False):  # midnight: 3 Oct has begun in Seoul
        page = client.get(detail(order_a)).content.decode()
    assert 'data-testid="renew-now"' in page and 'data-testid="customer-link"' in page


def cancel(order):
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.CANCELLED)


def renew_it(order):
    renew_order(order=order, by=order.partner.memberships.get(role="sales"), at=timezone.now())


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("change", "shown"),
    [(None, True), (cancel, False), (renew_it, False)],
    ids=["open", "cancelled", "renewed"],
)
def test_the_customer_link_is_shown_only_when_the_order_can_renew(client, sales_a, order_a, change, shown):
    if change:
        change(order_a)
    client.force_login(sales_a)
    page = client.get(detail(order_a)).content.decode()
    assert ('data-testid="customer-link"' in page) is shown
    assert ("/r/" in page) is shown


@time_machine.travel(NOW, tick=False)
def test_a_renewed_order_reads_renewed_and_its_notices_stop(client, sales_a, order_a):
    client.force_login(sales_a)
    client.post(renew(order_a), {"plan_years": 1, "product": order_a.product_id})
    renewal = Order.objects.get(renewed_from=order_a)
    order_a.refresh_from_db()
    assert order_a.renewal_notices  # the stored switch is untouched; the sender skips a renewed order
    page = client.get(detail(order_a)).content.decode()
    assert f'Renewed → <a href="/orders/{renewal.order_number}/" data-testid="renewed-link">' in page
    notices = re.search(r'data-testid="notices">(.*?)</dd>', page, re.S).group(1)
    assert "Renewed: notices stop" in notices and ">On<" not in notices and "On" != notices.strip()
    assert 'data-testid="renewal-facts"' not in page
    listing = client.get(reverse("expiring"), {"action": "renewed"}).content.decode()
    assert "Renewed: notices stop" in listing
    assert f'action="/orders/{order_a.order_number}/notices/"' not in listing
    url = reverse("order-notices", args=[order_a.order_number])
    switched = client.post(url, {"enabled": "false"}, HTTP_HX_REQUEST="true")  # the dashboard's switch
    assert 'data-testid="notices-stopped"' in switched.content.decode()
    assert 'data-testid="notices-switch"' not in switched.content.decode()
    posted = client.post(url, {"enabled": "false"}, follow=True)  # a plain form post
    assert "notices have stopped" in posted.content.decode()
    order_a.refresh_from_db()
    assert order_a.renewal_notices


@time_machine.travel(NOW, tick=False)
def test_a_cancelled_order_says_it_cannot_renew_and_notices_stop(client, sales_a, order_a):
    cancel(order_a)
    client.force_login(sales_a)
    page = client.get(detail(order_a)).content.decode()
    assert "A cancelled order cannot be renewed." in page
    assert "Cancelled: notices stop" in page
    assert 'data-testid="renewal-facts"' not in page


# Dates and times: dates are the customer's calendar days, instants the partner's zone, labelled.


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("language", "term", "expires", "noted"),
    [
        ("en", "1 Dec 2025 – 1 Jan 2027", "17 Dec 2026", "1 Dec 2026, 12:00 KST"),
        ("ko", "2025년 12월 1일 – 2027년 1월 1일", "2026년 12월 17일", "2026년 12월 1일 12:00 KST"),
    ],
)
def test_quick_view_uses_one_date_format_per_language_and_labels_times(
    client, sales_a, order_a, language, term, expires, noted
):
    Order.objects.filter(pk=order_a.pk).update(term_start=date(2025, 12, 1))
    client.force_login(sales_a)
    client.post(reverse("set_language"), {"language": language})
    client.post(reverse("order-notes", args=[order_a.order_number]), {"body": "Called the customer"})
    page = client.get(detail(order_a)).content.decode()
    assert f'data-testid="term">{term}</dd>' in page
    assert f'data-testid="certificate-expires">{expires}</td>' in page  # notAfter 2026-12-17 09:00 in Seoul
    assert noted in page  # the note's instant, 03:00 UTC, in the partner's zone


@time_machine.travel("2026-12-01T03:30:00Z", tick=False)  # 12:30 in Seoul, 22:30 the day before in New York
def test_instants_read_in_the_viewers_partner_zone_and_dates_in_the_customers(client, partner_a, sales_a):
    customer = CustomerFactory(partner=partner_a, time_zone="America/New_York")
    order = OrderFactory(customer=customer, term_end=date(2027, 1, 1), order_number="2002")
    CertificateFactory(  # notAfter 2026-12-17 03:00 UTC: still 16 Dec in New York, the customer's day
        order=order, not_before=datetime(2026, 6, 1, tzinfo=UTC), not_after=datetime(2026, 12, 17, 3, tzinfo=UTC)
    )
    client.force_login(sales_a)
    client.post(reverse("order-notes", args=[order.order_number]), {"body": "Note"})
    page = client.get(detail(order)).content.decode()
    assert 'data-testid="certificate-expires">16 Dec 2026</td>' in page
    assert "1 Dec 2026, 12:30 KST" in page  # the viewer's partner is in Seoul
    assert "America/New_York" in page  # the page names the customer's zone its dates are counted in


@pytest.mark.parametrize(
    ("language", "day", "instant"),
    [("en", "1 Dec 2026", "1 Dec 2026, 09:00 KST"), ("ko", "2026년 12월 1일", "2026년 12월 1일 09:00 KST")],
)
def test_each_language_has_one_date_format_and_one_labelled_datetime_format(language, day, instant):
    seoul = zoneinfo.ZoneInfo("Asia/Seoul")
    moment = datetime(2026, 12, 1, 0, tzinfo=UTC)
    with translation.override(language), timezone.override(seoul):
        assert {formats.date_format(date(2026, 12, 1), name) for name in ("DATE_FORMAT", "SHORT_DATE_FORMAT")} == {day}
        local = timezone.localtime(moment)
        assert {formats.date_format(local, name) for name in ("DATETIME_FORMAT", "SHORT_DATETIME_FORMAT")} == {instant}
