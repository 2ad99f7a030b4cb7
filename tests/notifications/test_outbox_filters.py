"""The outbox list: django-filter's FilterSet filters it and renders its form; Django's Paginator pages it."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.urls import reverse

from notifications.filters import OutboxFilter
from notifications.models import EmailKind, EmailStatus, OutboxEmail, OutboxItem, Reminder
from notifications.selectors import OUTBOX_PAGE_SIZE, outbox_page
from tests.factories import ContactFactory, CustomerFactory

from .helpers import make_order

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]

CREATED = datetime(2027, 1, 30, 3, tzinfo=UTC)


def add_emails(partner, count, *, status=EmailStatus.SENT, subject="Your certificate expires in 7 days"):
    """``count`` emails to one contact, the first created earliest."""
    contact = ContactFactory(customer=CustomerFactory(partner=partner))
    emails = [
        OutboxEmail.new(
            partner_id=partner.pk,
            contact=contact,
            to_email=f"person{number}@example.com",
            subject=subject,
            status=status,
            kind=EmailKind.REMINDER,
        )
        for number in range(count)
    ]
    OutboxEmail.objects.bulk_create(emails)
    for number, email in enumerate(emails):
        OutboxEmail.objects.filter(pk=email.pk).update(created_at=CREATED + timedelta(minutes=number))
    return emails


def listed(client, user, **params):
    client.force_login(user)
    response = client.get(reverse("outbox"), params)
    assert response.status_code == 200
    return response


def test_the_status_menu_offers_every_status_from_the_model_and_any(client, support_a, partner_a):
    page = listed(client, support_a, status="failed").content.decode()
    for value, label in EmailStatus.choices:
        assert f'value="{value}"' in page
        assert str(label) in page
    assert '<option value="">Any</option>' in page
    assert '<option value="failed" selected>' in page


def test_the_search_box_keeps_what_was_typed(client, support_a, partner_a):
    page = listed(client, support_a, q="acme").content.decode()
    assert 'name="q"' in page and 'value="acme"' in page
    assert 'placeholder="Recipient, subject or order #"' in page


def test_the_status_filter_lists_only_emails_of_that_status(client, support_a, partner_a):
    add_emails(partner_a, 2, status=EmailStatus.SENT)
    failed = add_emails(partner_a, 1, status=EmailStatus.FAILED)
    emails = listed(client, support_a, status="failed").context["emails"]
    assert [email.pk for email in emails] == [failed[0].pk]


def test_an_unknown_status_filters_nothing_and_says_so(client, support_a, partner_a):
    add_emails(partner_a, 3)
    response = listed(client, support_a, status="bogus")
    assert len(response.context["emails"]) == 3
    assert response.context["filter"].form.errors["status"]


def test_search_matches_recipient_and_subject_as_substrings_and_an_order_number_exactly(partner_a):
    add_emails(partner_a, 2, subject="Reminder: renew soon")
    order = make_order(partner_a, date(2027, 3, 1))
    reminder = Reminder.objects.create(order=order, kind="renewal", ends_on=order.term_end, threshold_days=30)
    email = add_emails(partner_a, 1, subject="Something else")[0]
    OutboxItem.objects.create(email=email, reminder=reminder, contact=email.contact)

    def found(query):
        return [email.to_email for email in outbox_page(partner=partner_a, params={"q": query}).page]

    assert found("person1@") == ["person1@example.com"]
    assert sorted(found("renew soon")) == ["person0@example.com", "person1@example.com"]
    assert found(order.order_number) == ["person0@example.com"]
    assert found(order.order_number[:-1]) == []  # an order number is matched whole


def test_a_long_search_is_cut_not_refused(partner_a):
    add_emails(partner_a, 1, subject="x" * 120)
    filterset = OutboxFilter({"q": "x" * 5000}, queryset=OutboxEmail.objects.for_partner(partner_a))
    assert filterset.is_valid()
    assert filterset.qs.count() == 1


def test_pages_hold_fifty_emails_newest_first(client, support_a, partner_a):
    emails = add_emails(partner_a, OUTBOX_PAGE_SIZE + 3)
    first = listed(client, support_a).context
    second = listed(client, support_a, page=2).context
    assert [email.pk for email in first["emails"]] == [email.pk for email in reversed(emails)][:OUTBOX_PAGE_SIZE]
    assert [email.pk for email in second["emails"]] == [email.pk for email in reversed(emails[:3])]
    assert first["page_obj"].has_next() and not second["page_obj"].has_next()


def test_a_page_past_the_end_shows_the_last_page(client, support_a, partner_a):
    emails = add_emails(partner_a, OUTBOX_PAGE_SIZE + 1)
    response = listed(client, support_a, page=7)
    assert response.context["page"] == 2
    assert [email.pk for email in response.context["emails"]] == [emails[0].pk]
    page = response.content.decode()
    assert "Page 2 of 2 · 51 emails" in page
    assert "page=1" in page and "page=3" not in page


def test_the_page_links_keep_the_filters(client, support_a, partner_a):
    add_emails(partner_a, OUTBOX_PAGE_SIZE + 1, status=EmailStatus.FAILED)
    page = listed(client, support_a, status="failed", q="example").content.decode()
    assert "?status=failed&amp;q=example&amp;page=2" in page


def test_the_outbox_lists_only_the_partners_own_emails(client, support_a, partner_a, partner_b):
    add_emails(partner_b, 2)
    own = add_emails(partner_a, 1)
    assert [email.pk for email in listed(client, support_a).context["emails"]] == [own[0].pk]
    assert listed(client, support_a, q="person1").context["emails"] == []


def test_a_pending_email_says_when_it_leaves(client, support_a, partner_a):
    waiting, sent = add_emails(partner_a, 2, status=EmailStatus.PENDING)
    OutboxEmail.objects.filter(pk=waiting.pk).update(next_attempt_at=datetime(2027, 1, 31, 0, tzinfo=UTC))
    OutboxEmail.objects.filter(pk=sent.pk).update(status=EmailStatus.SENT, sent_at=CREATED)
    page = listed(client, support_a).content.decode()
    assert page.count('data-testid="leaves-at"') == 1
    assert "leaves 31 Jan 2027" in page
