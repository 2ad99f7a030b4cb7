"""The Expiring Certificates list: what each filter means and the queries behind the page.

The URL contract (which parameters, their values and bounds) is declared once in ``filters.py``,
whose FilterSet applies the conditions below; this module holds the conditions, the page's queries
and the CSV export's, and the home page's counts, which read the same conditions.
"""

from datetime import timedelta

from django.db.models import Case, CharField, Q, Sum, Value, When
from django.utils.translation import gettext_lazy as _

from . import expiry_counts
from .models import ENDS_INSIDE_TERM, RENEWED, Order, OrderStatus
from .selectors import count_by_window, grouped_count_by_window, window_condition
from .windows import ALL, partner_windows

SILENT_WITHIN_DAYS = 30
PAGE_SIZE = 50
SEARCH_MAX_LENGTH = 100
# The deepest page a list accepts (5 million rows at 50 a page): a larger number is not a page, and
# its OFFSET would overflow the database's bigint.
MAX_PAGE = 100_000
ACTIONS = [("renew", _("Renew")), ("reissue", _("Reissue")), ("renewed", _("Renewed")), ("open", _("Not renewed"))]
# What each row's action means, as a query (``Order.action`` says the same of one order): a term to
# renew (a sale), a certificate that ends inside a paid term (a free reissue), or renewed already.
ACTION_CONDITIONS = {
    "renew": ~RENEWED & ~ENDS_INSIDE_TERM,
    "reissue": ~RENEWED & ENDS_INSIDE_TERM,
    "renewed": RENEWED,
    "open": ~RENEWED,  # renew or reissue: something still to do
}
# The count table's action values each filter covers (``expiry_counts``).
TABLE_ACTIONS = {"renew": ("renew",), "reissue": ("reissue",), "renewed": ("renewed",), "open": ("renew", "reissue")}
DEFAULT_SORT = "expires"
SORTS = [("expires", _("Expires soonest first")), ("-expires", _("Expires latest first"))]


def listed_orders(partner):
    """Every order the list can show: the partner's, but cancelled ones."""
    return Order.objects.for_partner(partner).exclude(status=OrderStatus.CANCELLED)


def silent_condition(today):
    """``silent``: notices off, not renewed, and expiring within SILENT_WITHIN_DAYS: orders that will
    lapse without a word to the customer."""
    return Q(renewal_notices=False, expires_on__range=(today, today + timedelta(days=SILENT_WITHIN_DAYS))) & ~RENEWED


def count_silent(partner, today) -> int:
    """How many orders the dashboard's ``silent=on`` lists: from the count table where the database
    keeps it (notices off, an action still open, expiring within the days), else by scanning."""
    if not expiry_counts.kept():
        return listed_orders(partner).filter(silent_condition(today)).count()
    rows = expiry_counts.ExpiryCount.objects.for_partner(partner).filter(
        notices=False,
        action__in=TABLE_ACTIONS["open"],
        expires_on__range=(today, today + timedelta(days=SILENT_WITHIN_DAYS)),
    )
    return rows.aggregate(orders=Sum("orders", default=0))["orders"]


def in_window(queryset, *, window, today):
    return queryset if window is ALL else queryset.filter(window_condition(window, today))


def listing_order(sort):
    """By expiry then id either way: a total order, so pages never repeat or skip a row."""
    return ("expires_on", "id") if sort == "expires" else ("-expires_on", "-id")


def ordered_for_listing(queryset, sort):
    return queryset.select_related("customer__partner", "product", "renewal", "auto_renewal").order_by(
        *listing_order(sort)
    )


def page_rows(queryset, sort, page):
    """One page in two steps: the page's ids from the (partner, expires_on, id) index alone, however
    deep the page, then those rows with their joins. Deep OFFSETs no longer drag joined rows along."""
    ids = list(
        queryset.order_by(*listing_order(sort)).values_list("id", flat=True)[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    )
    return list(ordered_for_listing(Order.objects.filter(pk__in=ids), sort))


def expiring_page(*, partner, orders, window, sort, page, today, counted=None):
    """Everything the page shows of ``orders`` (the filtered list, every window), in a constant
    number of queries: counts per window, one page of the window's rows and the page numbers. A page
    past the end shows the last page. When the filters are ``counted``, a condition on the table the
    database keeps (``expiry_counts``: ``Q()`` unfiltered, or on action and notices), the counts come
    from it rather than a scan of the partner's orders."""
    windows = partner_windows(partner)
    if counted is not None and expiry_counts.kept():
        counts = expiry_counts.window_counts(partner, windows=windows, today=today, where=counted)
    else:
        counts = count_by_window(orders, windows=windows, today=today)
    total = counts[window.key]
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    page = min(page, pages)
    rows = page_rows(in_window(orders, window=window, today=today), sort, page)
    return {
        "windows": [(w, counts[w.key]) for w in (*windows, ALL)],
        "window": window,
        "rows": rows,
        "total": total,
        "page": page,
        "pages": pages,
    }


def action_counts(*, partner, today, actions=("renew", "reissue")):
    """``[(window, {action: count})]`` for the home page, in one query: each number is exactly the
    row count of the list ``?window=<key>&action=<action>`` opens, because both read
    ``listed_orders`` under the same window and ``ACTION_CONDITIONS``."""
    windows = partner_windows(partner)
    if expiry_counts.kept():  # the count table keys its rows by the same action
        groups = {action: Q(action=action) for action in actions}
        counts = expiry_counts.grouped_window_counts(partner, windows=windows, today=today, groups=groups)
    else:
        groups = {action: ACTION_CONDITIONS[action] for action in actions}
        counts = grouped_count_by_window(listed_orders(partner), windows=windows, today=today, groups=groups)
    return [(window, {action: counts[action, window.key] for action in actions}) for window in windows]


# The CSV's columns, read as plain values (no model instances: 100,000 rows export in a few
# seconds); the action comes from ACTION_CONDITIONS, as the list's filter reads it.
EXPORT_FIELDS = (
    "order_number",
    "common_name",
    "sans",
    "customer__company_name",
    "customer__account_number",
    "expires_on",
    "term_end",
    "product__name",
    "product__validation_level",
    "plan_years",
    "price",
    "currency",
    "renewal_notices",
    "action_needed",
    "renewal__order_number",
)


def export_rows(*, orders, window, sort, today):
    """The window's rows of ``orders`` (the filtered list) for CSV export, as tuples of
    ``EXPORT_FIELDS``, streamed from the database in chunks."""
    action = Case(
        *(When(ACTION_CONDITIONS[key], then=Value(key)) for key in ("renewed", "reissue")),
        default=Value("renew"),
        output_field=CharField(),
    )
    rows = (
        in_window(orders, window=window, today=today)
        .annotate(action_needed=action)
        .order_by(*listing_order(sort))
        .values_list(*EXPORT_FIELDS)
    )
    return rows.iterator(chunk_size=5000)
