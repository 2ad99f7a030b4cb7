"""Who is acting: one staff check (``partners.actors``) that every service asks, and the customer actor."""

from datetime import UTC, date, datetime

import pytest

from notifications.models import EmailKind, EmailStatus, OutboxEmail
from notifications.services import ReminderError, resend_latest_reminder, retry_failed_email, update_reminder_policy
from partners.actors import CUSTOMER, Actor, acting_user, is_customer, require_staff_of, staff_of
from partners.models import RENEWING_ROLES, Role
from renewals.models import OrderNote
from renewals.pricing import PriceListNotAllowed, set_price_list
from renewals.services import RenewalNotAllowed, add_note, reissue_certificate, renew_order, set_renewal_notices
from tests.factories import ContactFactory, CustomerFactory, MembershipFactory, OrderFactory

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]

AT = datetime(2020, 12, 1, 3, tzinfo=UTC)


@pytest.fixture
def order_a(partner_a):
    return OrderFactory(customer=CustomerFactory(partner=partner_a), term_end=date(2021, 1, 1), plan_years=1)


@pytest.fixture
def seats(partner_a, partner_b):
    return {
        "sales": MembershipFactory(partner=partner_a, role=Role.SALES),
        "support": MembershipFactory(partner=partner_a, role=Role.SUPPORT),
        "admin": MembershipFactory(partner=partner_a, role=Role.ADMIN),
        "other partner's admin": MembershipFactory(partner=partner_b, role=Role.ADMIN),
    }


def test_staff_of_is_a_seat_in_that_partner_and_nothing_else(seats, partner_a):
    assert staff_of(seats["support"], partner_a.pk) is seats["support"]
    assert staff_of(seats["other partner's admin"], partner_a.pk) is None
    assert staff_of(CUSTOMER, partner_a.pk) is None
    assert staff_of(seats["support"].user, partner_a.pk) is None  # a user is not a seat
    assert staff_of(None, partner_a.pk) is None


def test_roles_narrow_the_staff_check(seats, partner_a):
    assert staff_of(seats["sales"], partner_a.pk, roles=RENEWING_ROLES) is seats["sales"]
    assert staff_of(seats["admin"], partner_a.pk, roles=RENEWING_ROLES) is seats["admin"]
    assert staff_of(seats["support"], partner_a.pk, roles=RENEWING_ROLES) is None


def test_require_staff_of_raises_the_services_own_error(seats, partner_a):
    refused = RenewalNotAllowed("Only the partner's staff may do this.")
    assert require_staff_of(seats["sales"], partner_a.pk, refused) is seats["sales"]
    with pytest.raises(RenewalNotAllowed, match="Only the partner's staff may do this."):
        require_staff_of(seats["other partner's admin"], partner_a.pk, refused)


def test_the_customer_is_an_enum_member_not_the_string_customer():
    assert CUSTOMER is Actor.CUSTOMER and is_customer(CUSTOMER)
    assert not is_customer("customer")
    assert acting_user(CUSTOMER) is None


def test_a_renewal_by_the_string_customer_is_refused(order_a):
    """Only the enum member is the customer: a stray string never passes as an actor."""
    with pytest.raises(RenewalNotAllowed):
        renew_order(order=order_a, by="customer", at=AT)


def test_the_staff_who_acted_is_recorded_as_author(seats, order_a):
    assert acting_user(seats["sales"]) == seats["sales"].user
    note = add_note(order=order_a, by=seats["support"], body="Called the customer.")
    assert note.author == seats["support"].user


def sent_email(order):
    contact = ContactFactory(customer=order.customer)
    email = OutboxEmail.new(
        partner_id=order.partner_id, contact=contact, to_email=contact.email, kind=EmailKind.REMINDER
    )
    email.status = EmailStatus.FAILED
    email.save()
    return email


# Every service that staff call refuses another partner's staff and the customer, through the one check.
SERVICES = {
    "renew": (RenewalNotAllowed, lambda order, by: renew_order(order=order, by=by, at=AT)),
    "reissue": (RenewalNotAllowed, lambda order, by: reissue_certificate(order=order, by=by, at=AT)),
    "notices": (RenewalNotAllowed, lambda order, by: set_renewal_notices(order=order, by=by, enabled=False)),
    "note": (RenewalNotAllowed, lambda order, by: add_note(order=order, by=by, body="hello")),
    "resend": (ReminderError, lambda order, by: resend_latest_reminder(order=order, by=by, now=AT)),
    "retry": (ReminderError, lambda order, by: retry_failed_email(email=sent_email(order), by=by)),
    "policy": (
        ReminderError,
        lambda order, by: update_reminder_policy(
            partner=order.partner, by=by, reminder_thresholds=[30], reissue_thresholds=[7], send_hour=9, now=AT
        ),
    ),
    "prices": (PriceListNotAllowed, lambda order, by: set_price_list(partner=order.partner, by=by, prices={})),
}


@pytest.mark.parametrize("actor", ["other partner's admin", "customer"])
@pytest.mark.parametrize("service", [name for name in SERVICES if name != "renew"])
def test_staff_services_refuse_another_partners_staff_and_the_customer(seats, order_a, service, actor):
    error, call = SERVICES[service]
    by = CUSTOMER if actor == "customer" else seats[actor]
    with pytest.raises(error):
        call(order_a, by)
    order_a.refresh_from_db()
    assert order_a.renewal_notices and not OrderNote.objects.exists()


def test_renewing_refuses_another_partners_staff_and_support_but_not_the_customer(seats, order_a):
    error, call = SERVICES["renew"]
    for seat in ("other partner's admin", "support"):
        with pytest.raises(error):
            call(order_a, seats[seat])
    assert call(order_a, CUSTOMER).order.created_by is None


@pytest.mark.parametrize(("service", "seat"), [("policy", "sales"), ("prices", "support")])
def test_admin_only_services_refuse_other_roles(seats, order_a, service, seat):
    error, call = SERVICES[service]
    with pytest.raises(error):
        call(order_a, seats[seat])


def test_a_partner_admin_passes_the_admin_only_services(seats, order_a):
    SERVICES["policy"][1](order_a, seats["admin"])
    SERVICES["prices"][1](order_a, seats["admin"])
    order_a.partner.refresh_from_db()
    assert order_a.partner.reminder_thresholds == [30]
