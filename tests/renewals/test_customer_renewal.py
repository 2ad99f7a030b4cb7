"""The customer's signed renewal page: opening it renews nothing, its POST renews, bad links reveal nothing."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.core import signing
from django.test import override_settings
from django.utils import formats, timezone, translation

from renewals.forms import price_key
from renewals.links import SALT, customer_renewal_path, customer_renewal_token, link_for_token
from renewals.models import Order, OrderStatus, PartnerPrice
from renewals.selectors import renewal_preview
from renewals.templatetags.portal_format import money
from tests.factories import CertificateFactory, ContactFactory, CustomerFactory, OrderFactory

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]

NOW = "2026-12-01T03:00:00Z"
INVALID = "This link is not valid"


def shown_price(order, plan_years=1):
    """The price the page shows now for ``plan_years``."""
    return renewal_preview(order=order, at=timezone.now(), plan_years=plan_years).price


def accepting(order, plan_years=1):
    """The POST of a customer who ticked the box under the price shown."""
    return {"plan_years": plan_years, "accept_price": "on", "accepted_price": price_key(shown_price(order, plan_years))}


def day(value):
    with translation.override("en"):
        return formats.date_format(value, "DATE_FORMAT")


@pytest.fixture
def order(partner_a):
    order = OrderFactory(
        customer=CustomerFactory(partner=partner_a, company_name="Blue River Foods"),
        term_end=date(2027, 1, 1),
        order_number="5001",
        common_name="www.blueriver.example",
    )
    CertificateFactory(
        order=order, not_before=datetime(2026, 6, 1, tzinfo=UTC), not_after=datetime(2026, 12, 17, tzinfo=UTC)
    )
    # Partner A's price list has the product on one- and two-year plans, not on three.
    for years, price in ((1, "590000"), (2, "1120000")):
        PartnerPrice.objects.update_or_create(
            partner=partner_a, product=order.product, plan_years=years, defaults={"price": Decimal(price)}
        )
    PartnerPrice.objects.filter(partner=partner_a, product=order.product, plan_years=3).delete()
    return order


@time_machine.travel(NOW, tick=False)
def test_opening_the_link_shows_the_key_facts_and_renews_nothing(client, order):
    response = client.get(customer_renewal_path(order))
    page = response.content.decode()
    assert response.status_code == 200
    for fact in ("5001", "www.blueriver.example", order.product.name, "Blue River Foods", "1 year"):
        assert fact in page
    assert "the 31 days left on your current term are added" in page
    assert not Order.objects.filter(renewed_from=order).exists()


@time_machine.travel(NOW, tick=False)
def test_confirming_renews_once(client, order):
    path = customer_renewal_path(order)
    first = client.post(path, accepting(order))
    second = client.post(path, accepting(order))
    renewal = Order.objects.get(renewed_from=order)
    assert renewal.carried_days == 31
    assert renewal.created_by is None
    assert renewal.order_number in first.content.decode()
    assert "renewed already" in second.content.decode()


@time_machine.travel(NOW, tick=False)
def test_page_speaks_the_customers_language(client, order):
    order.customer.language = "ko"
    order.customer.save()
    page = client.get(customer_renewal_path(order)).content.decode()
    assert '<html lang="ko">' in page


@time_machine.travel(NOW, tick=False)
def test_a_tampered_link_gets_a_plain_error(client, order):
    path = customer_renewal_path(order)
    response = client.get(path[:-3] + "abc/")
    assert response.status_code == 404
    page = response.content.decode()
    assert INVALID in page
    assert "5001" not in page and "blueriver" not in page


def test_an_expired_link_gets_the_same_plain_error(client, order):
    with time_machine.travel("2026-08-01T00:00:00Z", tick=False):
        path = customer_renewal_path(order)
    with time_machine.travel(NOW, tick=False), override_settings(CUSTOMER_LINK_MAX_AGE_DAYS=30):
        response = client.post(path, accepting(order))
    assert response.status_code == 404
    assert INVALID in response.content.decode()
    assert not Order.objects.filter(renewed_from=order).exists()


@time_machine.travel(NOW, tick=False)
def test_a_link_for_one_order_cannot_act_on_another(client, order, order_b):
    # A validly signed token that pairs this order with another partner is still refused.
    forged = signing.dumps({"order": order.pk, "partner": order_b.partner_id}, salt=SALT, compress=True)
    assert client.post(f"/r/{forged}/", accepting(order)).status_code == 404
    client.post(customer_renewal_path(order), accepting(order))
    assert not Order.objects.filter(renewed_from=order_b).exists()
    assert Order.objects.filter(renewed_from=order).exists()


@time_machine.travel(NOW, tick=False)
def test_a_token_signed_for_another_purpose_is_refused(client, order):
    other = signing.dumps({"order": order.pk, "partner": order.partner_id}, compress=True)
    assert client.get(f"/r/{other}/").status_code == 404


@time_machine.travel("2026-09-01T03:00:00Z", tick=False)
def test_before_the_window_the_page_says_when_renewal_opens(client, order):
    page = client.get(customer_renewal_path(order)).content.decode()
    assert "Renewal opens on" in page
    assert 'data-testid="confirm-renewal"' not in page
    assert client.post(customer_renewal_path(order), accepting(order)).status_code == 409
    assert not Order.objects.filter(renewed_from=order).exists()


@time_machine.travel(NOW, tick=False)
def test_choosing_another_plan_updates_the_preview_without_renewing(client, order):
    page = client.get(customer_renewal_path(order), {"plan_years": 2}).content.decode()
    assert "762 days from today" in page
    assert not Order.objects.filter(renewed_from=order).exists()


# The contact in the link: greeting, language, and a contact that is not the customer's


@time_machine.travel(NOW, tick=False)
def test_a_link_sent_to_a_contact_greets_them_by_name(client, order):
    contact = ContactFactory(customer=order.customer, name="Minji Kim")
    page = client.get(customer_renewal_path(order, contact=contact)).content.decode()
    assert "Dear Minji Kim," in page
    assert "Dear Blue River Foods," not in page


@time_machine.travel(NOW, tick=False)
def test_a_link_without_a_contact_greets_the_company(client, order):
    ContactFactory(customer=order.customer, name="Minji Kim")
    page = client.get(customer_renewal_path(order)).content.decode()
    assert "Dear Blue River Foods," in page
    assert "Minji Kim" not in page


@time_machine.travel(NOW, tick=False)
def test_an_old_style_token_without_a_contact_still_renews(client, order):
    # Links emailed before tokens carried a contact: exactly what the old code signed.
    old = signing.dumps({"order": order.pk, "partner": order.partner_id}, salt=SALT, compress=True)
    page = client.get(f"/r/{old}/").content.decode()
    assert "Dear Blue River Foods," in page
    response = client.post(f"/r/{old}/", accepting(order))
    assert Order.objects.filter(renewed_from=order).exists()
    assert "Dear Blue River Foods," in response.content.decode()


@time_machine.travel(NOW, tick=False)
def test_a_token_naming_another_customers_contact_gets_the_plain_error(client, order, order_b):
    neighbour = ContactFactory(customer=CustomerFactory(partner=order.partner), name="Neighbour Lee")
    foreign = ContactFactory(customer=order_b.customer, name="Foreign Park")
    for contact in (neighbour, foreign):
        # Validly signed, as a leaked secret or a bug elsewhere would make it.
        data = {"order": order.pk, "partner": order.partner_id, "contact": contact.pk}
        path = f"/r/{signing.dumps(data, salt=SALT, compress=True)}/"
        for response in (client.get(path), client.post(path, accepting(order))):
            page = response.content.decode()
            assert response.status_code == 404
            assert INVALID in page
            assert "5001" not in page and "blueriver" not in page and contact.name not in page
    assert not Order.objects.filter(renewed_from=order).exists()


@time_machine.travel(NOW, tick=False)
def test_a_removed_contacts_link_stops_working(client, order):
    contact = ContactFactory(customer=order.customer)
    path = customer_renewal_path(order, contact=contact)
    contact.delete()
    assert client.get(path).status_code == 404


def test_a_token_reads_its_order_and_contact(order):
    contact = ContactFactory(customer=order.customer)
    link = link_for_token(customer_renewal_token(order, contact=contact))
    assert (link.order, link.contact) == (order, contact)
    assert link_for_token(customer_renewal_token(order)).contact is None
    with pytest.raises(ValueError):
        customer_renewal_token(order, contact=ContactFactory())


@time_machine.travel(NOW, tick=False)
def test_the_page_speaks_the_contacts_language_unless_the_visitor_chose_one(client, order):
    contact = ContactFactory(customer=order.customer, name="김민지", language="ko")
    path = customer_renewal_path(order, contact=contact)
    page = client.get(path).content.decode()
    assert '<html lang="ko">' in page
    assert "김민지" in page
    client.cookies["django_language"] = "en"
    assert '<html lang="en">' in client.get(path).content.decode()


# The price, and accepting it


@time_machine.travel(NOW, tick=False)
def test_the_page_shows_the_price_and_plan_and_asks_to_accept_it(client, order):
    price = shown_price(order, plan_years=1)
    page = client.get(customer_renewal_path(order)).content.decode()
    amount = money(price.price, price.currency)
    assert f'data-testid="price">{amount}<' in page
    assert f"{order.product.name} for 1 year" in page
    assert f"I accept the price of {amount} for 1 year." in page
    assert 'name="accept_price"' in page


@time_machine.travel(NOW, tick=False)
def test_the_price_follows_the_plan_chosen(client, order):
    two_years = shown_price(order, plan_years=2)
    page = client.get(customer_renewal_path(order), {"plan_years": 2}).content.decode()
    assert f"I accept the price of {money(two_years.price, two_years.currency)} for 2 years." in page
    assert f'value="{price_key(two_years)}"' in page


@time_machine.travel(NOW, tick=False)
def test_renewing_without_accepting_the_price_renews_nothing(client, order):
    data = accepting(order, plan_years=2)
    del data["accept_price"]
    response = client.post(customer_renewal_path(order), data)
    page = response.content.decode()
    assert response.status_code == 400
    assert "Please tick the box to accept the price before renewing." in page
    assert 'data-testid="confirm-renewal"' in page
    # It comes back with the plan and price the customer was looking at.
    two_years = shown_price(order, plan_years=2)
    assert f"I accept the price of {money(two_years.price, two_years.currency)} for 2 years." in page
    assert not Order.objects.filter(renewed_from=order).exists()


@time_machine.travel(NOW, tick=False)
def test_a_price_other_than_the_one_shown_now_renews_nothing(client, order):
    data = accepting(order) | {"accepted_price": "KRW 1"}
    response = client.post(customer_renewal_path(order), data)
    assert response.status_code == 400
    assert "The price has changed since the page was opened." in response.content.decode()
    assert not Order.objects.filter(renewed_from=order).exists()


@time_machine.travel(NOW, tick=False)
def test_a_plan_missing_from_the_partners_price_list_cannot_be_renewed_online(client, order):
    path = customer_renewal_path(order)
    page = client.get(path, {"plan_years": 3}).content.decode()
    assert "This plan cannot be renewed online. Please contact Partner A to renew." in page
    assert 'data-testid="confirm-renewal"' not in page
    response = client.post(path, {"plan_years": 3, "accept_price": "on", "accepted_price": "KRW 1770000"})
    assert response.status_code == 409
    assert not Order.objects.filter(renewed_from=order).exists()


@time_machine.travel(NOW, tick=False)
def test_a_get_never_renews_even_with_the_acceptance_in_the_query(client, order):
    response = client.get(customer_renewal_path(order), accepting(order))
    assert response.status_code == 200
    assert not Order.objects.filter(renewed_from=order).exists()


# The thank-you page


@time_machine.travel(NOW, tick=False)
def test_the_thank_you_page_repeats_what_was_bought_and_the_price_paid(client, order):
    order.partner.reply_to = "billing@partner-a.example"
    order.partner.save()
    contact = ContactFactory(customer=order.customer, name="Minji Kim")
    response = client.post(customer_renewal_path(order, contact=contact), accepting(order))
    renewal = Order.objects.get(renewed_from=order)
    page = response.content.decode()
    assert "Thank you: your certificate is renewed" in page
    assert "Dear Minji Kim," in page
    assert (renewal.price, renewal.currency) == (shown_price(order).price, shown_price(order).currency)
    for fact in (
        renewal.order_number,
        renewal.product.name,
        "1 year",
        "www.blueriver.example",
        day(renewal.term_end),
        f"{renewal.carried_days} days",
        money(renewal.price, renewal.currency),
    ):
        assert fact in page


@time_machine.travel(NOW, tick=False)
def test_the_thank_you_page_says_what_happens_next(client, order):
    order.partner.reply_to = "billing+renewals@partner-a.example"
    order.partner.save()
    page = client.post(customer_renewal_path(order), accepting(order)).content.decode()
    renewal = Order.objects.get(renewed_from=order)
    assert renewal.status == OrderStatus.ACTIVE
    assert f"Partner A sends you the invoice for {money(renewal.price, renewal.currency)}." in page
    # Percent-encoded: some mail clients read a bare "+" in a mailto as a space.
    assert 'href="mailto:billing%2Brenewals@partner-a.example">billing+renewals@partner-a.example</a>' in page
    assert f"Your new certificate is issued and valid until {day(renewal.expires_on)}." in page
    assert "intermediate (chain) certificates" in page
    assert "Restart or reload the web server" in page
    assert "shows the new expiry date" in page


@time_machine.travel(NOW, tick=False)
@override_settings(RENEWALS_ISSUANCE_BACKEND="renewals.issuance.ManualIssuance")
def test_with_manual_issuance_the_thank_you_page_says_the_certificate_is_awaited(client, order):
    page = client.post(customer_renewal_path(order), accepting(order)).content.decode()
    assert Order.objects.get(renewed_from=order).status == OrderStatus.AWAITING_ISSUANCE
    assert "awaiting issuance by the certificate authority. Partner A sends it to you as soon as it is issued" in page
    assert "Your new certificate is issued" not in page


@time_machine.travel(NOW, tick=False)
def test_without_a_reply_to_address_the_invoice_step_names_only_the_partner(client, order):
    page = client.post(customer_renewal_path(order), accepting(order)).content.decode()
    assert "Partner A sends you the invoice" in page
    assert "mailto:" not in page


@time_machine.travel(NOW, tick=False)
def test_a_repeat_visit_after_renewing_shows_the_same_facts(client, order):
    path = customer_renewal_path(order)
    client.post(path, accepting(order))
    renewal = Order.objects.get(renewed_from=order)
    for response in (client.get(path), client.post(path, {})):
        page = response.content.decode()
        assert response.status_code == 200
        assert "This certificate is renewed already" in page
        for fact in (renewal.order_number, day(renewal.term_end), money(renewal.price, renewal.currency)):
            assert fact in page
        assert "Partner A sends you the invoice" in page
        assert 'data-testid="accept-price"' not in page
    assert Order.objects.filter(renewed_from=order).count() == 1
