"""Rendering reminder emails: subject, plain text and HTML (CSS inlined) in the contact's language.

Templates live in ``templates/emails/reminder/``: ``subject.txt``, ``body.txt`` and ``body.html``.
The content follows the guide: the key facts per order, a one-step Renew Now link per order, "renew
early, lose no validity" with the order's own carried days, the benefits of the product, urgency that
rises as the end nears (with the browser-warning picture from 7 days on).
"""

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

import css_inline
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from renewals.links import customer_renewal_path
from renewals.selectors import renewal_preview
from renewals.validity import days_left, local_day
from renewals.windows import CRITICAL, urgency

from .links import unsubscribe_url
from .policy import REISSUE, RENEWAL

BROWSER_WARNING_CID = "browser-warning"


def browser_warning_file(language):
    """The picture of the browser's warning, as visitors in that language would see it."""
    return "browser-warning-ko.png" if language == "ko" else "browser-warning.png"


# @media rules (the phone layout) cannot be inlined: they stay in a <style> tag.
INLINER = css_inline.CSSInliner(keep_style_tags=False, keep_at_rules=True)


@dataclass
class OrderLine:
    """One order in a reminder email: what its reminder counts down to, and the dates a person reads.

    ``expires_on`` is the day the serving certificate stops working and ``term_end`` the paid term's
    last day: they differ when certificates are shorter than the term, and the email then says both,
    so a renewal reminder never presents the term's end as the certificate's expiry."""

    order: object
    kind: str  # RENEWAL when a renewal reminder is due (it wins over a reissue due at once)
    also_reissue: bool  # a reissue reminder is due too: the certificate ends before the term
    days_left: int  # to the date this reminder counts down to (term end, or certificate expiry)
    expires_on: object
    expires_in: int
    term_end: object
    issued_on: object
    renew_url: str
    carried_days: int | None
    new_term_end: object
    benefits: list
    stress_seal: bool

    @property
    def is_reissue(self):
        return self.kind == REISSUE

    @property
    def ends_before_term(self):
        """The certificate stops before the paid term ends: a free reissue keeps the site covered."""
        return self.expires_on < self.term_end

    @property
    def ends_on(self):
        """The date this reminder counts down to."""
        return self.expires_on if self.is_reissue else self.term_end

    @property
    def urgency(self):
        return urgency(min(self.days_left, self.expires_in))


def benefits_of(product):
    """What the customer already has with this product, to remind them of its value."""
    benefits = []
    if product.site_seal:
        benefits.append(_("Site seal: shows visitors your identity is verified."))
    if product.warranty_amount:
        benefits.append(_("Warranty of USD %(amount)s.") % {"amount": f"{product.warranty_amount:,.0f}"})
    if product.malware_scan:
        benefits.append(_("Daily malware scan of your website."))
    if product.ct_log_monitoring:
        benefits.append(
            _("Certificate Transparency log monitoring: you hear of any certificate issued for your domain.")
        )
    if product.priority_support:
        benefits.append(_("Priority support around the clock."))
    if product.lifecycle_management:
        benefits.append(_("Certificate lifecycle management in the console."))
    return benefits


def order_line(order, kinds, now, contact=None):
    """The line for one order whose reminders of ``kinds`` are due (one line per order, whatever
    is due for it)."""
    zone = order.customer.tzinfo
    today = local_day(now, zone)
    kind = RENEWAL if RENEWAL in kinds else REISSUE
    latest = order.latest_certificate
    preview = renewal_preview(order=order, at=now) if kind == RENEWAL else None
    quote = preview.quote if preview and preview.quote.is_open else None
    counts_down_to = order.term_end if kind == RENEWAL else order.expires_on
    return OrderLine(
        order=order,
        kind=kind,
        also_reissue=kind == RENEWAL and REISSUE in kinds,
        days_left=days_left(counts_down_to, today),
        expires_on=order.expires_on,
        expires_in=days_left(order.expires_on, today),
        term_end=order.term_end,
        issued_on=local_day(latest.not_before, zone) if latest else None,
        renew_url=settings.PORTAL_BASE_URL + customer_renewal_path(order, contact=contact),
        carried_days=quote.carried_days if quote else None,
        new_term_end=quote.new_term_end if quote else None,
        benefits=benefits_of(order.product),
        stress_seal=order.product.site_seal and order.product.brand.startswith("Secure Site"),
    )


def order_lines(reminders, now, contact):
    """One line per order, the most urgent first."""
    kinds = defaultdict(set)
    orders = {}
    for reminder in reminders:
        kinds[reminder.order.pk].add(reminder.kind)
        orders[reminder.order.pk] = reminder.order
    lines = [order_line(orders[pk], kinds[pk], now, contact) for pk in orders]
    return sorted(lines, key=lambda line: (min(line.days_left, line.expires_in), line.days_left))


@dataclass
class RenderedEmail:
    subject: str
    text: str
    html: str
    browser_warning: bool
    unsubscribe_url: str
    language: str


def one_line(text):
    """Subjects are one line whatever a template or a customer's data holds (no header injection)."""
    return re.sub(r"\s+", " ", text).strip()[:250]


def as_plain_text(text: str) -> str:
    """A plain ``str`` from a template's output: adding a str that is not safe drops the safe mark."""
    return text + ""


def render_reminder(*, contact, partner, reminders, now: datetime, resend=False) -> RenderedEmail:
    """Render the email listing ``reminders`` (Reminder rows with their orders) for ``contact``."""
    language = contact.effective_language
    with translation.override(language):
        lines = order_lines(reminders, now, contact)
        urgent = lines[0]
        context = {
            "partner": partner,
            "contact": contact,
            "customer": contact.customer,
            "lines": lines,
            "urgent": urgent,
            "others": len(lines) - 1,
            "urgency": urgent.urgency,
            # The picture of the browser's warning comes with critical urgency (7 days and after).
            "browser_warning": urgent.urgency == CRITICAL,
            "browser_warning_src": f"cid:{BROWSER_WARNING_CID}",
            "unsubscribe_url": unsubscribe_url(contact),
            "logo_url": settings.PORTAL_BASE_URL + partner.logo.url if partner.logo else "",
            "resend": resend,
            "language": language,
        }
        subject = one_line(render_to_string("emails/reminder/subject.txt", context))
        # body.txt turns autoescape off (it is plain text), so the result is marked safe: unmark it,
        # or a page that shows it (the staff preview) would print customers' names as markup.
        text = as_plain_text(render_to_string("emails/reminder/body.txt", context))
        html = INLINER.inline(render_to_string("emails/reminder/body.html", context))
    return RenderedEmail(
        subject=subject,
        text=text,
        html=html,
        browser_warning=context["browser_warning"],
        unsubscribe_url=context["unsubscribe_url"],
        language=language,
    )
