"""Auto-renew's rules and pages: who may turn it on or off and when, its renewal day, one run renews
once (or fails with the reason), and what the customer page, Quick View and /auto-renewals/ show."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import translation

from notifications.services import update_reminder_policy
from partners.actors import CUSTOMER
from partners.models import Role, StaffMembership
from renewals.auto_renew import (
    AutoRenewError,
    AutoRenewNotAllowed,
    renew_on_for,
    run_auto_renewal,
    turn_off,
    turn_on,
)
from renewals.links import customer_renewal_path
from renewals.models import AutoRenewal, AutoRenewalStatus, Order, OrderStatus, PartnerPrice
from renewals.services import renew_order
from tests.factories import ContactFactory, CustomerFactory, MembershipFactory, OrderFactory, PartnerFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 1, 3, tzinfo=UTC)  # noon in Seoul
TERM_END = date(2027, 3, 1)
RENEW_ON = date(2027, 1, 30)  # 30 days before the term's last day
ON_THE_DAY = datetime(2027, 1, 30, 0, tzinfo=UTC)  # 09:00 in Seoul, the send hour


@pytest.fixture
def order(partner_a):
    return OrderFactory(customer=CustomerFactory(partner=partner_a), term_end=TERM_END, order_number="5001")


def membership(user, role=None):
    return StaffMembership.objects.get(user=user) if role is None else StaffMembership.objects.get(user=user, role=role)


# The renewal day


def test_renew_on_is_the_partners_days_before_the_term_ends(order, partner_a):
    assert renew_on_for(order, partner_a) == RENEW_ON
    partner_a.auto_renew_days = 60
    assert renew_on_for(order, partner_a) == date(2026, 12, 31)


def test_turned_on_later_than_its_day_it_renews_at_the_next_sweep_not_in_the_past(order, partner_a):
    assert renew_on_for(order, partner_a, today=date(2027, 2, 10)) == date(2027, 2, 10)
    assert renew_on_for(order, partner_a, today=date(2026, 12, 1)) == RENEW_ON


@pytest.mark.smoke
def test_the_customer_turns_it_on_for_a_plan(order):
    auto = turn_on(order=order, by=CUSTOMER, plan_years=2, now=NOW)
    assert (auto.status, auto.plan_years, auto.renew_on) == (AutoRenewalStatus.SCHEDULED, 2, RENEW_ON)
    assert auto.enabled_by is None and auto.enabled_at == NOW and auto.partner_id == order.partner_id


@pytest.mark.parametrize("role_user", ["sales_a", "admin_a"])
def test_sales_staff_and_partner_admins_turn_it_on_and_off(request, order, role_user):
    user = request.getfixturevalue(role_user)
    auto = turn_on(order=order, by=membership(user), plan_years=1, now=NOW)
    assert auto.enabled_by == user
    auto = turn_off(order=order, by=membership(user), now=NOW + timedelta(days=1))
    assert (auto.status, auto.cancelled_by, auto.cancelled_at) == (
        AutoRenewalStatus.CANCELLED,
        user,
        NOW + timedelta(days=1),
    )


@pytest.mark.smoke
def test_support_staff_may_neither_turn_it_on_nor_off(order, support_a, sales_a):
    with pytest.raises(AutoRenewNotAllowed):
        turn_on(order=order, by=membership(support_a), plan_years=1, now=NOW)
    assert not AutoRenewal.objects.exists()
    turn_on(order=order, by=membership(sales_a), plan_years=1, now=NOW)
    with pytest.raises(AutoRenewNotAllowed):
        turn_off(order=order, by=membership(support_a), now=NOW)
    assert AutoRenewal.objects.get().status == AutoRenewalStatus.SCHEDULED


def test_another_partners_sales_staff_may_not(order, partner_b):
    outsider = MembershipFactory(partner=partner_b, role=Role.SALES)
    with pytest.raises(AutoRenewNotAllowed):
        turn_on(order=order, by=outsider, plan_years=1, now=NOW)


def test_turning_it_on_twice_keeps_one_row_and_takes_the_new_plan(order):
    first = turn_on(order=order, by=CUSTOMER, plan_years=1, now=NOW)
    second = turn_on(order=order, by=CUSTOMER, plan_years=3, now=NOW + timedelta(hours=1))
    assert first.pk == second.pk and AutoRenewal.objects.get().plan_years == 3
    assert AutoRenewal.objects.get().enabled_at == NOW


def test_turned_on_again_after_it_was_off_it_is_scheduled_afresh(order, sales_a):
    turn_on(order=order, by=CUSTOMER, plan_years=1, now=NOW)
    turn_off(order=order, by=CUSTOMER, now=NOW)
    later = NOW + timedelta(days=3)
    auto = turn_on(order=order, by=membership(sales_a), plan_years=2, now=later)
    assert (auto.status, auto.cancelled_at, auto.enabled_by, auto.enabled_at) == (
        AutoRenewalStatus.SCHEDULED,
        None,
        sales_a,
        later,
    )
    assert AutoRenewal.objects.count() == 1


def test_turning_off_what_is_not_on_changes_nothing(order):
    assert turn_off(order=order, by=CUSTOMER, now=NOW) is None
    assert not AutoRenewal.objects.exists()


@pytest.mark.parametrize("plan_years", [0, 4, None, "2"])
def test_a_plan_out_of_range_is_refused(order, plan_years):
    with pytest.raises(AutoRenewError, match="Choose a plan of 1 to 3 years"):
        turn_on(order=order, by=CUSTOMER, plan_years=plan_years, now=NOW)


def test_a_cancelled_order_is_refused(order):
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.CANCELLED)
    with pytest.raises(AutoRenewError, match="cancelled order"):
        turn_on(order=order, by=CUSTOMER, plan_years=1, now=NOW)


def test_a_renewed_order_is_refused(order, sales_a):
    renew_order(order=order, by=membership(sales_a), at=datetime(2027, 1, 5, tzinfo=UTC))
    with pytest.raises(AutoRenewError, match="renewed already"):
        turn_on(order=order, by=CUSTOMER, plan_years=1, now=NOW)


def test_an_order_whose_term_has_ended_is_refused(order):
    with pytest.raises(AutoRenewError, match="has ended: renew it now"):
        turn_on(order=order, by=CUSTOMER, plan_years=1, now=datetime(2027, 3, 2, 3, tzinfo=UTC))


def test_a_product_no_longer_on_sale_is_refused(order):
    order.product.is_active = False
    order.product.save()
    with pytest.raises(AutoRenewError, match="no longer on sale"):
        turn_on(order=order, by=CUSTOMER, plan_years=1, now=NOW)


def test_an_unpriced_plan_is_refused_in_words_for_each_reader(order, sales_a):
    PartnerPrice.objects.filter(partner=order.partner, plan_years=2).delete()
    with pytest.raises(AutoRenewError, match="Please contact"):
        turn_on(order=order, by=CUSTOMER, plan_years=2, now=NOW)
    with pytest.raises(AutoRenewError, match="no price for a 2-year plan on your price list"):
        turn_on(order=order, by=membership(sales_a), plan_years=2, now=NOW)
    turn_on(order=order, by=CUSTOMER, plan_years=1, now=NOW)  # the plans it prices still work


def test_turning_off_after_it_renewed_is_refused(order):
    auto = turn_on(order=order, by=CUSTOMER, plan_years=1, now=NOW)
    assert run_auto_renewal(auto, ON_THE_DAY).renewal is not None
    with pytest.raises(AutoRenewError, match="renewed automatically already"):
        turn_off(order=order, by=CUSTOMER, now=ON_THE_DAY)


# The partner's days


def test_changing_the_partners_days_moves_every_scheduled_day(order, admin_a, partner_a):
    auto = turn_on(order=order, by=CUSTOMER, plan_years=1, now=NOW)
    other = OrderFactory(customer=order.customer, term_end=date(2027, 6, 1))
    cancelled = turn_on(order=other, by=CUSTOMER, plan_years=1, now=NOW)
    turn_off(order=other, by=CUSTOMER, now=NOW)
    foreign = turn_on(order=OrderFactory(term_end=TERM_END), by=CUSTOMER, plan_years=1, now=NOW)
    update_reminder_policy(
        partner=partner_a,
        by=membership(admin_a),
        reminder_thresholds=[90, 60, 30, 7],
        reissue_thresholds=[30, 14, 7, 3],
        send_hour=9,
        now=NOW,
        auto_renew_days=45,
    )
    auto.refresh_from_db()
    assert auto.renew_on == TERM_END - timedelta(days=45)
    assert AutoRenewal.objects.get(pk=cancelled.pk).renew_on == date(2027, 5, 2)  # only scheduled ones move
    assert AutoRenewal.objects.get(pk=foreign.pk).renew_on == RENEW_ON  # another partner's stay


def test_a_day_moved_before_today_becomes_today(order, admin_a, partner_a):
    auto = turn_on(order=order, by=CUSTOMER, plan_years=1, now=NOW)
    update_reminder_policy(
        partner=partner_a,
        by=membership(admin_a),
        reminder_thresholds=[90, 60, 30, 7],
        reissue_thresholds=[30, 14, 7, 3],
        send_hour=9,
        now=datetime(2027, 1, 15, 3, tzinfo=UTC),
        auto_renew_days=60,
    )
    auto.refresh_from_db()
    assert auto.renew_on == date(2027, 1, 15)


def settings_form(**changes):
    data = {
        "reminder_thresholds": "90, 60, 30, 7",
        "reissue_thresholds": "30, 14, 7, 3",
        "reminder_send_hour": "9",
        "support_email": "",
        "issuance_reminder_days": "",
        "auto_renew_days": "",
        "call_threshold_days": "",
        "call_min_value": "",
    }
    return {**data, **changes}


@time_machine.travel(NOW, tick=False)
def test_the_reminder_settings_page_sets_the_days_and_moves_the_scheduled_ones(client, admin_a, partner_a, order):
    auto = turn_on(order=order, by=CUSTOMER, plan_years=1, now=NOW)
    client.force_login(admin_a)
    assert 'name="auto_renew_days"' in client.get(reverse("reminder-settings")).content.decode()
    response = client.post(reverse("reminder-settings"), settings_form(auto_renew_days="14"))
    assert response.status_code == 302
    partner_a.refresh_from_db()
    auto.refresh_from_db()
    assert partner_a.auto_renew_days == 14 and auto.renew_on == date(2027, 2, 15)
    client.post(reverse("reminder-settings"), settings_form())  # left empty: kept
    partner_a.refresh_from_db()
    assert partner_a.auto_renew_days == 14


@pytest.mark.parametrize("days", ["0", "91", "x"])
@time_machine.travel(NOW, tick=False)
def test_the_settings_page_refuses_days_out_of_range(client, admin_a, partner_a, days):
    client.force_login(admin_a)
    response = client.post(reverse("reminder-settings"), settings_form(auto_renew_days=days))
    assert response.status_code == 400
    partner_a.refresh_from_db()
    assert partner_a.auto_renew_days == 30


# One run


@pytest.mark.smoke
def test_a_run_renews_on_its_plan_once(order):
    auto = turn_on(order=order, by=CUSTOMER, plan_years=2, now=NOW)
    outcome = run_auto_renewal(auto, ON_THE_DAY)
    renewal = Order.objects.get(renewed_from=order)
    assert outcome.renewal == renewal and renewal.plan_years == 2
    assert renewal.term_end == date(2029, 3, 1)  # old end + plan: the 30 days left carry over
    auto.refresh_from_db()
    assert (auto.status, auto.renewal, auto.attempted_at) == (AutoRenewalStatus.RENEWED, renewal, ON_THE_DAY)
    again = run_auto_renewal(auto, ON_THE_DAY + timedelta(hours=1))
    assert not again.ran and again.renewal is None
    assert Order.objects.filter(renewed_from=order).count() == 1


def test_a_run_of_what_staff_turned_on_is_their_sale_while_they_sell(order, sales_a):
    auto = turn_on(order=order, by=membership(sales_a), plan_years=1, now=NOW)
    run_auto_renewal(auto, ON_THE_DAY)
    assert Order.objects.get(renewed_from=order).created_by == sales_a


def test_a_run_of_what_a_former_salesperson_turned_on_is_the_customers(order, sales_a):
    auto = turn_on(order=order, by=membership(sales_a), plan_years=1, now=NOW)
    StaffMembership.objects.filter(user=sales_a).update(role=Role.SUPPORT)
    assert run_auto_renewal(auto, ON_THE_DAY).renewal is not None
    assert Order.objects.get(renewed_from=order).created_by is None


def test_a_run_for_a_product_no_longer_on_sale_fails_with_the_reason(order):
    auto = turn_on(order=order, by=CUSTOMER, plan_years=1, now=NOW)
    order.product.is_active = False
    order.product.save()
    outcome = run_auto_renewal(auto, ON_THE_DAY)
    auto.refresh_from_db()
    assert outcome.status == auto.status == AutoRenewalStatus.FAILED
    assert auto.failure_reason == f"{order.product} is no longer on sale."
    assert auto.attempted_at == ON_THE_DAY
    assert not Order.objects.filter(renewed_from=order).exists()
    assert not run_auto_renewal(auto, ON_THE_DAY).ran  # a failed one is not tried again by itself


def test_a_run_for_an_unpriced_plan_fails_with_the_reason_in_the_partners_language(order, partner_a):
    partner_a.language = "ko"
    partner_a.save()
    auto = turn_on(order=order, by=CUSTOMER, plan_years=1, now=NOW)
    PartnerPrice.objects.filter(partner=partner_a).delete()
    run_auto_renewal(auto, ON_THE_DAY)
    auto.refresh_from_db()
    with translation.override("ko"):
        expected = translation.gettext(
            "%(product)s has no price for a %(years)s-year plan on your price list, so it cannot be renewed "
            "on that plan. Choose another plan or product, or ask a partner admin to add the price."
        ) % {"product": order.product, "years": 1}
    assert auto.status == AutoRenewalStatus.FAILED and auto.failure_reason == expected[:300]


def test_an_order_renewed_by_hand_before_its_day_is_not_renewed_again(order, sales_a):
    auto = turn_on(order=order, by=CUSTOMER, plan_years=1, now=NOW)
    by_hand = renew_order(order=order, by=membership(sales_a), at=datetime(2027, 1, 5, tzinfo=UTC)).order
    outcome = run_auto_renewal(auto, ON_THE_DAY)
    auto.refresh_from_db()
    assert outcome.renewal is None and auto.status == AutoRenewalStatus.CANCELLED
    assert list(Order.objects.filter(renewed_from=order)) == [by_hand]


def test_a_cancelled_one_is_not_run(order):
    auto = turn_on(order=order, by=CUSTOMER, plan_years=1, now=NOW)
    turn_off(order=order, by=CUSTOMER, now=NOW)
    assert not run_auto_renewal(auto, ON_THE_DAY).ran
    assert not Order.objects.filter(renewed_from=order).exists()


# The customer page (the signed link)


def customer_page(order, contact=None):
    return customer_renewal_path(order, contact=contact)


def switch_url(order):
    token = customer_page(order).rstrip("/").rsplit("/", 1)[1]
    return reverse("customer-auto-renew", kwargs={"token": token})


@pytest.mark.smoke
@time_machine.travel(NOW, tick=False)
def test_the_customer_turns_it_on_and_off_on_the_renewal_page(client, order):
    page = client.get(customer_page(order)).content.decode()
    assert 'data-testid="auto-renew-form"' in page and 'data-state="off"' in page
    response = client.post(switch_url(order), {"auto-action": "on", "auto-plan_years": "2"})
    assert response.status_code == 302 and response.url == customer_page(order)
    auto = AutoRenewal.objects.get(order=order)
    assert (auto.status, auto.plan_years, auto.enabled_by) == (AutoRenewalStatus.SCHEDULED, 2, None)
    page = client.get(customer_page(order)).content.decode()
    assert 'data-testid="auto-renew-on"' in page and "Auto-renew is on" in page
    assert "renews automatically on 30 Jan 2027 for 2 years at ₩1,180,000" in page
    client.post(switch_url(order), {"auto-action": "off"})
    auto.refresh_from_db()
    assert auto.status == AutoRenewalStatus.CANCELLED and auto.cancelled_by is None


@time_machine.travel(NOW, tick=False)
def test_the_customer_page_says_why_it_cannot_be_turned_on(client, order):
    PartnerPrice.objects.filter(partner=order.partner, plan_years=3).delete()
    response = client.post(switch_url(order), {"auto-action": "on", "auto-plan_years": "3"}, follow=True)
    assert "This plan cannot be renewed automatically online" in response.content.decode()
    assert not AutoRenewal.objects.exists()
    response = client.post(switch_url(order), {"auto-action": "on", "auto-plan_years": "9"}, follow=True)
    assert response.status_code == 200 and not AutoRenewal.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_the_switch_needs_the_csrf_token(order):
    client = Client(enforce_csrf_checks=True)
    response = client.post(switch_url(order), {"auto-action": "on", "auto-plan_years": "1"})
    assert response.status_code == 403 and not AutoRenewal.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_a_get_of_the_switch_changes_nothing(client, order):
    assert client.get(switch_url(order)).status_code == 405
    assert not AutoRenewal.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_a_tampered_link_switches_nothing(client, order):
    url = switch_url(order).replace("/auto-renew/", "x/auto-renew/")
    response = client.post(url, {"auto-action": "on", "auto-plan_years": "1"})
    assert response.status_code == 404 and order.order_number not in response.content.decode()
    assert not AutoRenewal.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_a_link_switches_its_own_order_only(client, order, order_b):
    client.post(switch_url(order), {"auto-action": "on", "auto-plan_years": "1"})
    assert list(AutoRenewal.objects.values_list("order_id", flat=True)) == [order.pk]


@time_machine.travel(NOW, tick=False)
def test_the_customer_page_speaks_the_contacts_language(client, order):
    contact = ContactFactory(customer=order.customer, language="ko")
    turn_on(order=order, by=CUSTOMER, plan_years=1, now=NOW)
    page = client.get(customer_page(order, contact)).content.decode()
    with translation.override("ko"):
        expected = translation.ngettext(
            "Auto-renew is on: your certificate renews automatically on %(date)s for %(years)s year at %(price)s.",
            "Auto-renew is on: your certificate renews automatically on %(date)s for %(years)s years at %(price)s.",
            1,
        ) % {"date": "2027년 1월 30일", "years": 1, "price": "590,000원"}
    assert expected in page


@time_machine.travel(ON_THE_DAY + timedelta(hours=1), tick=False)
def test_after_the_renewal_the_page_shows_it_was_renewed_automatically(client, order):
    auto = turn_on(order=order, by=CUSTOMER, plan_years=1, now=NOW)
    run_auto_renewal(auto, ON_THE_DAY)
    page = client.get(customer_page(order)).content.decode()
    assert 'data-testid="renewed-automatically"' in page
    assert Order.objects.get(renewed_from=order).order_number in page


# Quick View


def quick_view(order):
    return reverse("order-detail", args=[order.order_number])


def staff_switch(order):
    return reverse("order-auto-renew", args=[order.order_number])


@time_machine.travel(NOW, tick=False)
def test_sales_turn_it_on_and_off_in_quick_view(client, sales_a, order):
    client.force_login(sales_a)
    page = client.get(quick_view(order)).content.decode()
    assert 'data-testid="auto-renew-card"' in page and 'data-testid="auto-renew-on"' in page
    response = client.post(staff_switch(order), {"auto-action": "on", "auto-plan_years": "1"}, follow=True)
    auto = AutoRenewal.objects.get(order=order)
    assert auto.status == AutoRenewalStatus.SCHEDULED and auto.enabled_by == sales_a
    page = response.content.decode()
    assert "Renews automatically on 30 Jan 2027 for 1 year" in page and "₩590,000" in page
    assert 'data-testid="auto-renew-off"' in page
    client.post(staff_switch(order), {"auto-action": "off"})
    auto.refresh_from_db()
    assert auto.status == AutoRenewalStatus.CANCELLED and auto.cancelled_by == sales_a


@time_machine.travel(NOW, tick=False)
def test_quick_view_in_the_panel_posts_the_switch_with_htmx(client, sales_a, order):
    client.force_login(sales_a)
    page = client.get(quick_view(order), HTTP_HX_REQUEST="true").content.decode()
    assert f'hx-post="{staff_switch(order)}"' in page


@time_machine.travel(NOW, tick=False)
def test_support_sees_the_state_but_cannot_switch_it(client, support_a, order):
    turn_on(order=order, by=CUSTOMER, plan_years=1, now=NOW)
    client.force_login(support_a)
    page = client.get(quick_view(order)).content.decode()
    assert "Renews automatically on 30 Jan 2027" in page and 'data-testid="auto-renew-off"' not in page
    response = client.post(staff_switch(order), {"auto-action": "off"})
    assert response.status_code == 403
    assert AutoRenewal.objects.get().status == AutoRenewalStatus.SCHEDULED


@time_machine.travel(ON_THE_DAY + timedelta(hours=1), tick=False)
def test_support_sees_a_failure_and_its_reason_in_quick_view(client, support_a, order):
    auto = turn_on(order=order, by=CUSTOMER, plan_years=1, now=NOW)
    order.product.is_active = False
    order.product.save()
    run_auto_renewal(auto, ON_THE_DAY)
    client.force_login(support_a)
    page = client.get(quick_view(order)).content.decode()
    assert 'data-testid="auto-renew-failure"' in page and "is no longer on sale." in page


@pytest.mark.parametrize("role_user", ["sales_a", "support_a", "admin_a"])
@pytest.mark.parametrize("method", ["get", "post"])
@time_machine.travel(NOW, tick=False)
def test_another_partners_order_is_a_404_for_every_role(client, request, role_user, method, order_b):
    client.force_login(request.getfixturevalue(role_user))
    response = getattr(client, method)(staff_switch(order_b), {"auto-action": "on", "auto-plan_years": "1"})
    assert response.status_code == 404
    assert not AutoRenewal.objects.exists()


# /auto-renewals/


def auto_renewals(client, **query):
    return client.get(reverse("auto-renewals"), query).content.decode()


def rows_of(page):
    return [chunk.split('"', 1)[0] for chunk in page.split('data-testid="auto-renewal-row" data-status="')[1:]]


@pytest.mark.parametrize("role_user", ["sales_a", "support_a", "admin_a"])
@time_machine.travel(ON_THE_DAY + timedelta(hours=1), tick=False)
def test_every_role_lists_the_partners_auto_renewals_failed_first(client, request, role_user, partner_a, order):
    scheduled = OrderFactory(customer=order.customer, term_end=date(2027, 6, 1))
    turn_on(order=scheduled, by=CUSTOMER, plan_years=1, now=NOW)
    failing = turn_on(order=order, by=CUSTOMER, plan_years=1, now=NOW)
    order.product.is_active = False
    order.product.save()
    run_auto_renewal(failing, ON_THE_DAY)
    turn_on(order=OrderFactory(term_end=TERM_END), by=CUSTOMER, plan_years=1, now=NOW)  # another partner's
    client.force_login(request.getfixturevalue(role_user))
    page = auto_renewals(client)
    assert rows_of(page) == ["failed", "scheduled"]
    assert "is no longer on sale." in page
    assert rows_of(auto_renewals(client, status="failed")) == ["failed"]
    assert rows_of(auto_renewals(client, status="scheduled")) == ["scheduled"]


@time_machine.travel(NOW, tick=False)
def test_the_list_says_when_it_is_empty_and_ignores_a_status_it_does_not_know(client, support_a, order):
    client.force_login(support_a)
    assert 'data-testid="no-auto-renewals"' in auto_renewals(client)
    turn_on(order=order, by=CUSTOMER, plan_years=1, now=NOW)
    assert 'data-testid="no-auto-renewals"' in auto_renewals(client, status="renewed")
    page = auto_renewals(client, status="<b>bogus</b>")
    assert rows_of(page) == ["scheduled"] and 'data-testid="ignored"' in page and "<b>bogus" not in page


@time_machine.travel(NOW, tick=False)
def test_the_list_pages(client, support_a, partner_a, monkeypatch):
    from renewals import auto_renew_views

    monkeypatch.setattr(auto_renew_views, "AUTO_RENEWALS_PER_PAGE", 2)
    customer = CustomerFactory(partner=partner_a)
    for offset in range(3):
        turn_on(
            order=OrderFactory(customer=customer, term_end=TERM_END + timedelta(days=offset)),
            by=CUSTOMER,
            plan_years=1,
            now=NOW,
        )
    client.force_login(support_a)
    first, second = auto_renewals(client), auto_renewals(client, page="2")
    assert len(rows_of(first)) == 2 and len(rows_of(second)) == 1
    assert "Page 2 of 2" in second
    assert len(rows_of(auto_renewals(client, page="999999999999999999999"))) == 1  # past the end: the last


def test_a_partner_without_rows_sees_none_of_another_partners(client, partner_a, order):
    turn_on(order=order, by=CUSTOMER, plan_years=1, now=NOW)
    stranger = MembershipFactory(partner=PartnerFactory(), role=Role.ADMIN).user
    client.force_login(stranger)
    page = auto_renewals(client)
    assert rows_of(page) == [] and order.order_number not in page
