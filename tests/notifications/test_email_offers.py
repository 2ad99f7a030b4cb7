"""Reminder emails carry the customer's offer ("Save up to N%", with its end date) and the upgrade and
longer plan with their prices, each linking to the renewal page with that choice preselected; what an
email promises is what the renewal page charges, and a sent email counts its offer as seen."""

from datetime import UTC, date, datetime
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from notifications.email_offers import Sales
from notifications.emails import render_reminder
from notifications.models import Reminder
from offers.models import OfferExposure
from renewals.links import link_for_token
from renewals.money import format_money
from renewals.selectors import renewal_preview
from tests.factories import ContactFactory, CustomerFactory, OrderFactory, PartnerFactory, ProductFactory, price_product
from tests.notifications.helpers import make_order, sweep_and_send
from tests.offers.factories import OfferFactory

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]

TERM_END = date(2027, 1, 30)
NOW = datetime(2026, 12, 1, 3, tzinfo=UTC)  # noon in Seoul, 60 days before the end


@pytest.fixture
def partner():
    return PartnerFactory(time_zone="Asia/Seoul", language="en")


@pytest.fixture
def order(partner):
    pro = ProductFactory(code="pro-ov", name="Secure Site Pro OV", malware_scan=True)
    price_product(partner, pro, yearly="900000")
    current = ProductFactory(code="ss-ov", name="Secure Site OV", upgrade_to=pro)
    price_product(partner, current, yearly="500000")
    customer = CustomerFactory(partner=partner, language="en")
    ContactFactory(customer=customer, name="Jamie Park")
    return OrderFactory(customer=customer, product=current, term_end=TERM_END, plan_years=1)


def render(order, language="en"):
    contact = order.customer.contacts.get()
    contact.language = language
    reminder = Reminder(order=order, kind="renewal", ends_on=TERM_END, threshold_days=60)
    return render_reminder(contact=contact, partner=order.partner, reminders=[reminder], now=NOW)


def links(html):
    """The query of each upsell link (they point at the customer page of the order)."""
    found = []
    for href in (part.split('"', 1)[0] for part in html.split('href="')[1:]):
        parts = urlsplit(href.replace("&amp;", "&"))
        if parts.query:
            found.append((parts.path, parse_qs(parts.query)))
    return found


def test_an_offer_shows_save_up_to_with_its_end_date_and_counts_once_sent(order, partner):
    offer = OfferFactory(partner=partner, amounts=["15"], ends_on=date(2026, 12, 31), headline_en="Winter savings")
    rendered = render(order)
    assert "Save up to 15% when you renew" in rendered.text and "Save up to 15% when you renew" in rendered.html
    assert "Winter savings" in rendered.html
    assert "this offer ends on 31 Dec 2026" in rendered.text
    assert [applied.offer for applied in rendered.offers_shown] == [offer]


def test_no_offer_no_block(order):
    rendered = render(order)
    assert "Save up to" not in rendered.text and 'class="offer"' not in rendered.html
    assert rendered.offers_shown == ()


def test_the_control_group_sees_no_offer_but_is_counted(order, partner):
    OfferFactory(partner=partner, amounts=["0"], ends_on=date(2026, 12, 31))
    rendered = render(order)
    assert "Save up to" not in rendered.text
    assert len(rendered.offers_shown) == 1 and rendered.offers_shown[0].is_control


def test_upgrade_and_longer_plan_are_priced_as_the_page_charges_and_preselected(order, partner):
    OfferFactory(partner=partner, amounts=["10"], ends_on=date(2026, 12, 31))
    rendered = render(order)
    pro = order.product.upgrade_to
    upgrade = renewal_preview(order=order, at=NOW, product=pro).price
    three_years = renewal_preview(order=order, at=NOW, plan_years=3).price
    assert upgrade.discount_percent == 10  # the customer's offer applies to what is suggested too
    for price in (upgrade, three_years):
        assert format_money(price.price, "KRW", "en") in rendered.text
    chosen = [(path, query) for path, query in links(rendered.html) if "product" in query]
    assert {(query["product"][0], query["plan_years"][0]) for _path, query in chosen} == {
        (pro.code, "1"),
        (order.product.code, "3"),
    }
    for path, _query in chosen:  # each link opens this order's renewal page
        assert link_for_token(path.rstrip("/").rsplit("/", 1)[1]).order == order
    assert "Get more from your renewal" in rendered.text
    assert rendered.html.index("RENEW NOW") < rendered.html.index("Get more from your renewal")


def test_the_korean_email_says_it_in_korean(order, partner):
    OfferFactory(partner=partner, amounts=["20"], ends_on=date(2026, 12, 31))
    rendered = render(order, language="ko")
    with translation.override("ko"):
        assert "최대 20% 할인" in rendered.html
        assert "업그레이드" in rendered.text


def test_emails_are_priced_from_one_read_per_partner_and_sending_records_the_exposure(partner, outbox):
    OfferFactory(partner=partner, amounts=["15"], ends_on=date(2026, 12, 31))
    orders = [make_order(partner, TERM_END) for _ in range(3)]
    for order in orders:
        price_product(partner, order.product)
    with CaptureQueriesContext(connection) as sending:
        sweep_and_send(NOW)
    assert len(outbox) == 3 and all("Save up to 15%" in message.body for message in outbox)
    offer_reads = [q for q in sending.captured_queries if 'FROM "offers_offer"' in q["sql"]]
    assert len(offer_reads) == 1  # one read of the partner's offers for the batch, not one per email
    exposures = OfferExposure.objects.filter(channel=OfferExposure.Channel.EMAIL)
    assert sorted(exposures.values_list("customer_id", flat=True)) == sorted(o.customer_id for o in orders)
    sweep_and_send(NOW)  # nothing more to send: nothing more counted
    assert exposures.count() == 3


def test_sales_reads_the_partners_active_offers_and_price_list(order, partner):
    offer = OfferFactory(partner=partner, amounts=["5"], ends_on=date(2026, 12, 31))
    sales = Sales.of(partner, NOW)
    assert sales.offers == [offer]
    assert sales.prices[(order.product_id, 1)] == Decimal("500000")
