"""An outbox email's page says where its body would be when it has none (the demo's history keeps the
subject only; a pending email is written when sent; a skipped one never is), in both languages, and
still shows a body that is there."""

import pytest
from django.urls import reverse

from notifications.models import EmailKind, EmailStatus, OutboxEmail
from tests.factories import ContactFactory, CustomerFactory

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]

SAID = {
    "en": {
        "not kept": "The content of this email was not kept.",
        "written when sent": "The content of this email is written when it is sent.",
        "not sent": "This email was not sent, so it has no content.",
    },
    "ko": {
        "not kept": "이 이메일의 본문은 보관되지 않았습니다.",
        "written when sent": "이 이메일의 본문은 발송할 때 작성됩니다.",
        "not sent": "이 이메일은 발송되지 않아 본문이 없습니다.",
    },
}


def email_of(partner, **fields):
    contact = ContactFactory(customer=CustomerFactory(partner=partner))
    email = OutboxEmail.new(
        partner_id=partner.pk, contact=contact, to_email=contact.email, kind=EmailKind.REMINDER, **fields
    )
    email.save()
    return email


def page_of(client, user, email, language):
    client.force_login(user)
    response = client.get(reverse("outbox-email", args=[email.pk]), HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode()


def no_body_line(page):
    """The text of the line said instead of the body, or None."""
    marker = 'data-testid="no-body">'
    return page.split(marker, 1)[1].split("</p>", 1)[0] if marker in page else None


@pytest.mark.parametrize("language", ["en", "ko"])
def test_an_email_kept_without_its_body_says_so_where_the_body_would_be(client, support_a, partner_a, language):
    """Bug (fixed): the demo's history emails (subject only) opened to the header fields and nothing."""
    email = email_of(partner_a, subject="Your certificate expires in 30 days", status=EmailStatus.SENT)
    page = page_of(client, support_a, email, language)
    assert no_body_line(page) == SAID[language]["not kept"]
    assert "<iframe" not in page


@pytest.mark.parametrize("language", ["en", "ko"])
@pytest.mark.parametrize(
    ("status", "said"),
    [(EmailStatus.PENDING, "written when sent"), (EmailStatus.SKIPPED, "not sent"), (EmailStatus.FAILED, "not sent")],
)
def test_an_email_never_written_says_why_it_has_no_body(client, support_a, partner_a, language, status, said):
    """Pending: written when sent. Skipped (opted out) or failed before it was written: never was."""
    page = page_of(client, support_a, email_of(partner_a, status=status), language)
    assert no_body_line(page) == SAID[language][said]


def test_a_kept_body_is_shown_as_before(client, support_a, partner_a):
    email = email_of(
        partner_a,
        subject="Your certificate expires in 30 days",
        status=EmailStatus.SENT,
        body_text="Dear Jamie, your certificate expires soon.",
        body_html="<p>Dear Jamie, your certificate expires soon.</p>",
    )
    page = page_of(client, support_a, email, "en")
    assert no_body_line(page) is None
    assert "<iframe" in page and "Dear Jamie, your certificate expires soon." in page
    email.body_html = ""
    email.save()
    page = page_of(client, support_a, email, "en")
    assert no_body_line(page) is None and '<pre class="email-text">Dear Jamie' in page
