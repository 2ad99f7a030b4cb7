"""The Expiring Certificates list's rows: what each cell shows, worked out in Python, printed by a
Jinja2 template (``templates/jinja2/renewals/rows.html``).

A page shows 50 rows. Rendered with Django's template language (four ``{% url %}``, five translation
tags, date filters and a renewal-status filter per row, and the notices switch included per row),
they cost more than all the page's queries. Here each value is computed once per row with the same
functions the tags called (``reverse``, ``ngettext``, ``date_format``, ``renewal_status``), and the
markup is a compiled Jinja2 template, an order of magnitude faster per node. Quick View and the
services decide "renewal open" through the same ``renewal_status``.
"""

from functools import partial
from types import SimpleNamespace
from urllib.parse import quote

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, ngettext

from .auto_renew import auto_renewal_of
from .models import AutoRenewalStatus
from .quick_view import NOT_OPEN, renewal_status
from .reversed_once import path_around
from .windows import CRITICAL, urgency

# What ``reverse`` leaves unquoted in a path (RFC 3986's sub-delimiters and ~ : @).
SAFE = "!$&'()*+,;=~:@"


def order_url(name: str, order_number: str, around: tuple[str, str] | None = None) -> str:
    """``reverse(name, args=[order_number])`` for the order URLs, the pattern reversed once
    (``reversed_once``) and the number quoted as ``reverse`` quotes it. A number that ``reverse``
    could not place goes through it. ``around``: the pattern's ``path_around``, looked up already."""
    if not order_number or "/" in order_number:
        return reverse(name, args=[order_number])  # refused as reverse refuses it
    before, after = around or path_around(name, "")
    return f"{before}{quote(order_number, safe=SAFE)}{after}"


def days_label(days: int) -> str:
    if days > 0:
        return ngettext("in %(n)s day", "in %(n)s days", days) % {"n": days}
    if days == 0:
        return gettext("today")
    return ngettext("%(n)s day ago", "%(n)s days ago", -days) % {"n": -days}


def expires_class(days: int) -> str:
    """The expiry cell's colour: by urgency, red once expired."""
    level = urgency(days)
    if days < 0:
        return f"urgency-{level} text-danger"
    return f"urgency-{level} text-warning-emphasis" if level == CRITICAL else f"urgency-{level}"


def page_urls() -> SimpleNamespace:
    """The order URLs one page links to, each pattern looked up once for the page."""
    names = {kind: f"order-{kind}" for kind in ("detail", "renew", "notices")}
    return SimpleNamespace(
        **{kind: partial(order_url, name, around=path_around(name, "")) for kind, name in names.items()}
    )


def action_of(order, *, now, can_renew, urls=None) -> SimpleNamespace:
    """The row's action button: what it says, where it leads, how it looks (and its test id)."""
    number = order.order_number
    action = order.action
    urls = urls or page_urls()
    if action == "renewed":
        label = f"{gettext('Renewed')} → #{order.renewal.order_number}"
        url = urls.detail(order.renewal.order_number)
        return SimpleNamespace(
            action=action, url=url, label=label, css="badge text-bg-success text-decoration-none", opens=""
        )
    if action == "reissue":
        url = urls.detail(number)
        return SimpleNamespace(
            action=action, url=url, label=gettext("Reissue"), css="btn btn-sm btn-outline-primary", opens=""
        )
    if renewal_status(order, at=now).state == NOT_OPEN:
        opens = gettext("Opens %(date)s") % {"date": date_format(order.renewal_opens_on, "DATE_FORMAT")}
        return SimpleNamespace(action="renew-later", url="", label=gettext("Renew Now"), css="", opens=opens)
    if can_renew:
        url = urls.renew(number)
        return SimpleNamespace(
            action="renew-now", url=url, label=gettext("Renew Now"), css="btn btn-sm btn-primary", opens=""
        )
    url = urls.detail(number)
    return SimpleNamespace(
        action="renew-view", url=url, label=gettext("Renew"), css="btn btn-sm btn-outline-secondary", opens=""
    )


def row_for(order, *, now, today, can_renew, labels, urls) -> SimpleNamespace:
    """One order as the list shows it."""
    number = order.order_number
    days = (order.expires_on - today).days
    others = [name for name in order.sans if name != order.common_name]
    return SimpleNamespace(
        order=order,
        number=number,
        common_name=order.common_name,
        customer=order.customer.company_name,
        product=order.product.name,
        detail_url=urls.detail(number),
        days=days,
        expires_class=expires_class(days),
        expires_label=date_format(order.expires_on, "DATE_FORMAT"),
        days_label=days_label(days),
        plan_label=ngettext("%(years)s year", "%(years)s years", order.plan_years) % {"years": order.plan_years},
        other_names=", ".join(others),
        other_names_label=ngettext("+%(n)s name", "+%(n)s names", len(others)) % {"n": len(others)} if others else "",
        action=action_of(order, now=now, can_renew=can_renew, urls=urls),
        auto_renew=auto_renew_label(order),
        switch=notices_switch(order, urls.notices(number), labels=labels),
    )


def auto_renew_label(order) -> str:
    """ "Auto-renew on <day>" when the order's renewal is scheduled to be made by itself (so a
    salesperson does not call about a sale already arranged); empty otherwise."""
    auto = auto_renewal_of(order)
    if auto is None or auto.status != AutoRenewalStatus.SCHEDULED or order.action == "renewed":
        return ""
    return gettext("Auto-renew on %(date)s") % {"date": date_format(auto.renew_on, "DATE_FORMAT")}


def rows_for(orders, *, now, today, can_renew) -> list[SimpleNamespace]:
    labels, urls = switch_labels(), page_urls()
    return [row_for(order, now=now, today=today, can_renew=can_renew, labels=labels, urls=urls) for order in orders]


def switch_labels() -> dict:
    """The switch's words, translated once per page."""
    return {
        "stopped_label": gettext("Renewed: notices stop"),
        "label": gettext("Renewal notices"),
        "save_label": gettext("Save"),
        "saved_label": gettext("Saved"),
    }


def notices_switch(order, url, *, error="", saved=False, labels=None) -> SimpleNamespace:
    """The Renewal Notices switch of an order's row, posting to ``url``; after a post, the error that
    kept it from being saved or ``saved``. The row and the switch's own answer render it alike."""
    return SimpleNamespace(
        **(labels or switch_labels()),
        stopped=order.action == "renewed",
        url=url,
        pk=order.pk,
        checked=order.renewal_notices,
        error=error,
        saved=saved,
    )


def render_rows(request, orders, *, now, today, can_renew):
    """The table rows of ``orders`` as HTML (escaped by Jinja2's autoescape)."""
    rows = rows_for(orders, now=now, today=today, can_renew=can_renew)
    return mark_safe(render_to_string("renewals/rows.html", {"rows": rows}, request=request, using="jinja2"))


def render_switch(request, switch):
    return render_to_string("renewals/notices_switch_answer.html", {"switch": switch}, request=request, using="jinja2")
