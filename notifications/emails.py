"""Rendering reminder emails: subject, plain text and HTML (CSS inlined) in the contact's language.

Templates live in ``templates/emails/reminder/``: ``subject.txt``, ``body.txt`` and ``body.html``.
The content follows the guide: the key facts per order, a one-step Renew Now link per order, "renew
early, lose no validity" with the order's own carried days, the benefits of the product, urgency that
rises as the end nears (with the browser-warning picture from 7 days on).

Rendering is most of a sender's work, and Django's template language costs per node (each
translation tag, date filter and variable). Most of an email's text depends on a few small values
(the language, a day count, a date, the product): the templates wrap those parts in
``{% part name=value … %}…{% endpart %}``, rendered once per process for each language and set of
values (see ``PartNode``), so an email renders little more than its names, numbers and links.
"""

import functools
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

import css_inline
from django import template
from django.conf import settings
from django.template import Engine, engines
from django.template.base import token_kwargs
from django.urls import reverse
from django.utils import translation

from renewals.auto_renew import auto_renew_notice, offers_auto_renew
from renewals.links import customer_renewal_path
from renewals.upsell import benefit_labels
from renewals.validity import days_left, local_day, quote_renewal_at
from renewals.windows import CRITICAL, NOTICE, urgency

from .branding import email_branding
from .email_offers import Sales, email_offers
from .links import address_unsubscribe_url, unsubscribe_url
from .policy import AUTO_RENEWED, ISSUANCE, REISSUE, RENEWAL
from .recipients import reason_labels

BROWSER_WARNING_CID = "browser-warning"


# @media rules (the phone layout) cannot be inlined: they stay in a <style> tag.
INLINER = css_inline.CSSInliner(keep_style_tags=False, keep_at_rules=True)

# Template tags of the email templates (``{% load email_parts %}``), loaded by ``email_engine``.
register = template.Library()
PART_CACHE_SIZE = 4096  # rendered parts kept per part of a template; a full cache starts afresh


class PartNode(template.Node):
    """``{% part days=line.expires_in %}…{% endpart %}``: a part of an email that depends only on
    the values it names and on the language, rendered once per process for each language and set
    of values and then reused.

    The part sees only the values it names (and the template's autoescaping), never the rest of the
    email's context, so what it prints cannot depend on anything its key leaves out: a value it
    uses but does not name is a template error (an empty string), not a wrong cached text. Values
    are compared with their types (``1`` and ``True`` differ; so do a ``str`` and a safe string);
    an unhashable value renders the part afresh every time."""

    def __init__(self, nodelist, arguments):
        self.nodelist = nodelist
        self.arguments = arguments
        self.rendered = {}

    def render(self, context):
        values = {name: expression.resolve(context) for name, expression in self.arguments.items()}
        key = (translation.get_language(), context.autoescape, *((type(v), v) for v in values.values()))
        try:
            return self.rendered[key]
        except KeyError:
            pass
        except TypeError:  # an unhashable value: nothing to look it up by
            return self.nodelist.render(context.new(values))
        output = self.nodelist.render(context.new(values))
        if len(self.rendered) >= PART_CACHE_SIZE:
            self.rendered.clear()
        self.rendered[key] = output
        return output


@register.tag("part")
def part(parser, token):
    bits = token.split_contents()
    arguments = token_kwargs(bits[1:], parser, support_legacy=False)
    if len(arguments) != len(bits) - 1:
        raise template.TemplateSyntaxError(f"{bits[0]} takes name=value arguments only")
    nodelist = parser.parse(("endpart",))
    parser.delete_first_token()
    return PartNode(nodelist, arguments)


_engine = {}


def email_engine() -> Engine:
    """The project's Django template engine with the email templates' own tags (``email_parts``).
    Emails are rendered without a request, so no context processor is involved either way."""
    base = engines["django"].engine
    if _engine.get("base") is not base:  # TEMPLATES changed (a test's override_settings)
        _engine.update(
            base=base,
            engine=Engine(
                dirs=base.dirs,
                loaders=base.loaders,
                libraries={**base.libraries, "email_parts": __name__},
                builtins=base.builtins[len(Engine.default_builtins) :],
                debug=base.debug,
                string_if_invalid=base.string_if_invalid,
                file_charset=base.file_charset,
                autoescape=base.autoescape,
            ),
        )
    return _engine["engine"]


def render_to_string(template_name, context):
    return email_engine().render_to_string(template_name, context)


@dataclass
class OrderLine:
    """One order in a reminder email: what its reminder counts down to, and the dates a person reads.

    ``expires_on`` is the day the serving certificate stops working and ``term_end`` the paid term's
    last day: they differ when certificates are shorter than the term, and the email then counts down
    to the certificate's expiry alone (``headline_days``) and gives the term's end as a date, so a
    renewal reminder never presents the term's end as the certificate's expiry."""

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
    benefits: tuple
    stress_seal: bool
    renewal: object = None  # AUTO_RENEWED: the order auto-renew made
    auto_renew: object = None  # renewal: its scheduled auto-renewal (``auto_renew.AutoRenewNotice``)
    may_auto_renew: bool = False  # its renewal page (the RENEW NOW link) can turn auto-renew on

    @property
    def is_reissue(self):
        return self.kind == REISSUE

    @property
    def is_auto_renewed(self):
        """The "renewed automatically" notice, not a reminder: no call to action, no urgency."""
        return self.kind == AUTO_RENEWED

    @property
    def renews_on(self):
        """The day auto-renew renews this order (None: it is not on): said instead of RENEW NOW."""
        return self.auto_renew.renews_on if self.auto_renew else None

    @property
    def renews_today(self):
        """Auto-renew renews this order today: the email says "today", not the date."""
        return bool(self.auto_renew and self.auto_renew.day.today)

    @property
    def has_renew_link(self):
        """The block carries RENEW NOW: a renewal reminder renewed by hand (not a reissue, not
        auto-renew's notices). The email's "open the link" sentences need one."""
        return not (self.is_auto_renewed or self.auto_renew or self.is_reissue)

    @property
    def needs_reissue(self):
        """The block says "Free reissue: reply to this email"."""
        return self.is_reissue or self.also_reissue

    @property
    def ends_before_term(self):
        """The certificate stops before the paid term ends: a free reissue keeps the site covered."""
        return self.expires_on < self.term_end

    @property
    def ends_on(self):
        """The date this reminder counts down to."""
        return self.expires_on if self.is_reissue else self.term_end

    @property
    def headline_days(self):
        """The one countdown the email leads with (subject and badge): to the day the site stops being
        covered, the certificate's expiry when it comes before the term's end; the term's end is then
        said as a date, never as a second count of days."""
        return min(self.days_left, self.expires_in)

    @property
    def urgency(self):
        if self.is_auto_renewed:
            return NOTICE
        return urgency(self.headline_days)


def benefits_of(product):
    """What the customer already has with this product, to remind them of its value."""
    return _benefits(
        translation.get_language(),
        product.site_seal,
        product.warranty_amount,
        product.malware_scan,
        product.ct_log_monitoring,
        product.priority_support,
        product.lifecycle_management,
    )


@functools.lru_cache(maxsize=256)
def _benefits(
    language, site_seal, warranty_amount, malware_scan, ct_log_monitoring, priority_support, lifecycle_management
) -> tuple:
    """``benefits_of`` for a language and a product's features: the same few products fill most emails.
    The labels' one home is ``renewals.upsell.benefit_labels`` (the renewal page lists them too)."""
    return benefit_labels(
        site_seal=site_seal,
        warranty_amount=warranty_amount,
        malware_scan=malware_scan,
        ct_log_monitoring=ct_log_monitoring,
        priority_support=priority_support,
        lifecycle_management=lifecycle_management,
    )


def order_line(order, kinds, now, contact=None):
    """The line for one order whose reminders of ``kinds`` are due (one line per order, whatever
    is due for it)."""
    zone = order.customer.tzinfo
    today = local_day(now, zone)
    kind = AUTO_RENEWED if AUTO_RENEWED in kinds else RENEWAL if RENEWAL in kinds else REISSUE
    latest = order.latest_certificate
    quote = None
    if kind == RENEWAL:
        # The quote alone (what renewing now carries over), not ``renewal_preview``: the email shows
        # no price, and reading the partner and its price list cost two queries per order.
        quote = quote_renewal_at(term_end=order.term_end, at=now, zone=zone, plan_years=order.plan_years)
        quote = quote if quote.is_open else None
    counts_down_to = order.term_end if kind == RENEWAL else order.expires_on
    renewal = getattr(order, "renewal", None) if kind == AUTO_RENEWED else None
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
        new_term_end=quote.new_term_end if quote else renewal.term_end if renewal else None,
        benefits=benefits_of(order.product),  # a tuple: a key of the email's cached parts
        stress_seal=order.product.site_seal and order.product.brand.startswith("Secure Site"),
        renewal=renewal,
    )


def order_lines(reminders, now, contact):
    """One line per order, the most urgent first."""
    kinds = defaultdict(set)
    orders = {}
    for reminder in reminders:
        kinds[reminder.order.pk].add(reminder.kind)
        orders[reminder.order.pk] = reminder.order
    return most_urgent_first([order_line(orders[pk], kinds[pk], now, contact) for pk in orders])


def most_urgent_first(lines):
    """The email's order: the nearest countdown first; a "renewed automatically" notice never leads a
    digest that has a reminder."""
    return sorted(lines, key=lambda line: (line.is_auto_renewed, line.headline_days, line.days_left))


@dataclass
class RenderedEmail:
    subject: str
    text: str
    html: str
    browser_warning: bool
    unsubscribe_url: str
    language: str
    offers_shown: tuple = ()  # the offers (variants) this email showed: exposures once it is sent


def one_line(text):
    """Subjects are one line whatever a template or a customer's data holds (no header injection)."""
    return re.sub(r"\s+", " ", text).strip()[:250]


def as_plain_text(text: str) -> str:
    """A plain ``str`` from a template's output: adding a str that is not safe drops the safe mark."""
    return text + ""


@dataclass(frozen=True)
class Addressee:
    """An address of the customer's that is no contact (an additional recipient, an order's own):
    greeted by the company's name."""

    name: str


def render_reminder(
    *, contact, partner, reminders, now: datetime, resend=False, address="", sales: Sales | None = None
) -> RenderedEmail:
    """Render the email listing ``reminders`` (Reminder rows with their orders) for ``contact``, or
    with no contact for ``address``, another address of the reminders' customer. ``sales`` (the
    partner's offers and prices, ``email_offers.Sales``) is read here when not given: the sender
    reads it once per batch and partner."""
    customer = contact.customer if contact is not None else reminders[0].order.customer
    language = contact.effective_language if contact is not None else customer.effective_language
    with translation.override(language):
        lines = order_lines(reminders, now, contact)
        urgent = lines[0]
        sales = sales or Sales.of(partner, now)
        today = local_day(now, customer.tzinfo)
        for line in lines:
            if line.kind == RENEWAL:  # its auto-renewal, if scheduled, replaces RENEW NOW
                line.auto_renew = auto_renew_notice(
                    line.order, partner=partner, prices=sales.prices, offers=sales.offers, now=now
                )
            line.may_auto_renew = line.has_renew_link and offers_auto_renew(
                line.order, today=today, prices=sales.prices
            )
        offers = email_offers(lines, partner=partner, now=now, sales=sales)
        context = {
            "partner": partner,
            "contact": contact if contact is not None else Addressee(customer.company_name),
            "customer": customer,
            "lines": lines,
            "urgent": urgent,
            "others": len(lines) - 1,
            # The closing sentences say only what the email holds: "open the link" needs a RENEW NOW
            # link, the auto-renew hint an order whose page can turn it on, else the reissue's reply.
            "renew_links": any(line.has_renew_link for line in lines),
            "auto_renew_hint": any(line.may_auto_renew for line in lines),
            "reissues": any(line.needs_reissue for line in lines),
            "urgency": urgent.urgency,
            # The picture of the browser's warning comes with critical urgency (7 days and after).
            "browser_warning": urgent.urgency == CRITICAL,
            "browser_warning_src": f"cid:{BROWSER_WARNING_CID}",
            "unsubscribe_url": (
                unsubscribe_url(contact) if contact is not None else address_unsubscribe_url(customer.pk, address)
            ),
            "logo_url": settings.PORTAL_BASE_URL + partner.logo.url if partner.logo else "",
            "resend": resend,
            "language": language,
            "offers": offers,
            # The partner's message in this language, its footer and colour (never in staff emails).
            "branding": email_branding(partner, language),
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
        offers_shown=offers.shown,
    )


@dataclass
class StaffLine:
    """One order in a staff email: whose, what is due, and its page in the portal."""

    order: object
    customer: object
    kind: str
    threshold: int
    days_left: int  # to the end of the term (renewals), or days waited for the certificate (issuance)
    reasons: str
    url: str

    @property
    def is_issuance(self):
        return self.kind == ISSUANCE


def staff_lines(items, now):
    lines = []
    for item in items:
        reminder, order = item.reminder, item.reminder.order
        today = local_day(now, order.customer.tzinfo)
        counts_down_to = order.expires_on if reminder.kind == REISSUE else order.term_end
        lines.append(
            StaffLine(
                order=order,
                customer=order.customer,
                kind=reminder.kind,
                threshold=reminder.threshold_days,
                days_left=days_left(reminder.ends_on if reminder.kind == ISSUANCE else counts_down_to, today),
                reasons=", ".join(reason_labels(item.reasons, reminder.threshold_days)),
                url=settings.PORTAL_BASE_URL + reverse("order-detail", kwargs={"order_number": order.order_number}),
            )
        )
    return sorted(lines, key=lambda line: (line.is_issuance, line.days_left, line.order.order_number))


def render_staff(*, partner, items, now: datetime, kind) -> RenderedEmail:
    """The email to the partner's own people (``EmailKind.ESCALATION`` or ``ISSUANCE``): the orders
    it lists with why each reached them, in the partner's language, with no unsubscribe link."""
    language = partner.language
    with translation.override(language):
        context = {
            "partner": partner,
            "lines": staff_lines(items, now),
            "issuance": kind == "issuance",
            "language": language,
            "settings_url": settings.PORTAL_BASE_URL + reverse("reminder-settings"),
        }
        subject = one_line(render_to_string("emails/staff/subject.txt", context))
        text = as_plain_text(render_to_string("emails/staff/body.txt", context))
        html = INLINER.inline(render_to_string("emails/staff/body.html", context))
    return RenderedEmail(
        subject=subject, text=text, html=html, browser_warning=False, unsubscribe_url="", language=language
    )
