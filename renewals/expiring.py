"""The Expiring Certificates list: its filters (the URL contract) and the query behind them.

Query parameters: ``window`` (expired, a threshold such as 7/30/60/90, later, all), ``q``, ``notices``
(on/off), ``product``, ``level``, ``customer``, ``action`` (renew/reissue/renewed), ``silent`` (notices
off and expiring within 30 days), ``sort`` (expires/-expires), ``page``; ``format=csv`` exports.
"""

from datetime import timedelta

from django import forms
from django.db.models import Count, F, Q
from django.utils.translation import gettext_lazy as _

from .models import Order, OrderStatus, Product, ValidationLevel
from .selectors import count_by_window, window_condition
from .windows import ALL

SILENT_WITHIN_DAYS = 30
PAGE_SIZE = 50
# The deepest page a list accepts (5 million rows at 50 a page): a larger number is not a page, and
# its OFFSET would overflow the database's bigint.
MAX_PAGE = 100_000
# The largest id a row can have (bigint): SQLite cannot even compare a larger number with its ids.
MAX_ID = 2**63 - 1
ACTIONS = [("renew", _("Renew")), ("reissue", _("Reissue")), ("renewed", _("Renewed"))]
# What each row's action means, as a query (``Order.action`` says the same of one order): a term to
# renew (a sale), a certificate that ends inside a paid term (a free reissue), or renewed already.
ACTION_CONDITIONS = {
    "renew": Q(renewal__isnull=True, expires_on__gte=F("term_end")),
    "reissue": Q(renewal__isnull=True, expires_on__lt=F("term_end")),
    "renewed": Q(renewal__isnull=False),
}


class ExpiringFilterForm(forms.Form):
    """Validates the query string; a value it does not know is dropped and reported, never a 500."""

    window = forms.CharField(required=False)
    q = forms.CharField(required=False, max_length=100, strip=True)
    notices = forms.ChoiceField(required=False, choices=[("", ""), ("on", _("On")), ("off", _("Off"))])
    product = forms.ModelChoiceField(required=False, queryset=Product.objects.all())
    level = forms.ChoiceField(required=False, choices=[("", ""), *ValidationLevel.choices])
    customer = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    action = forms.ChoiceField(required=False, choices=[("", ""), *ACTIONS])
    silent = forms.BooleanField(required=False)
    sort = forms.ChoiceField(required=False, choices=[("", ""), ("expires", "expires"), ("-expires", "-expires")])
    page = forms.IntegerField(required=False, min_value=1, max_value=MAX_PAGE)

    def __init__(self, data, *, windows):
        self.windows = {window.key: window for window in windows}
        super().__init__(data)

    def clean_window(self):
        key = self.cleaned_data["window"] or ALL.key
        if key != ALL.key and key not in self.windows:
            raise forms.ValidationError(_("Unknown window."))
        return key

    def filters(self):
        """The valid filters, with defaults for what was missing or wrong."""
        self.is_valid()
        values = {name: self.cleaned_data.get(name) for name in self.fields if name not in self.errors}
        values["window"] = values.get("window") or ALL.key
        values["sort"] = values.get("sort") or "expires"
        values["page"] = values.get("page") or 1
        return values

    def ignored(self):
        return list(self.errors)


def filtered_orders(*, partner, filters, today):
    """The partner's orders matching every filter but the window (each tab counts its own)."""
    queryset = Order.objects.for_partner(partner).exclude(status=OrderStatus.CANCELLED)
    if filters.get("q"):
        q = filters["q"]
        queryset = queryset.filter(
            Q(order_number__icontains=q) | Q(common_name__icontains=q) | Q(customer__company_name__icontains=q)
        )
    if filters.get("notices"):
        queryset = queryset.filter(renewal_notices=filters["notices"] == "on")
    if filters.get("product"):
        queryset = queryset.filter(product=filters["product"])
    if filters.get("level"):
        queryset = queryset.filter(product__validation_level=filters["level"])
    if filters.get("customer"):
        queryset = queryset.filter(customer_id=filters["customer"])
    if filters.get("action"):
        queryset = queryset.filter(ACTION_CONDITIONS[filters["action"]])
    if filters.get("silent"):
        queryset = queryset.filter(
            renewal_notices=False,
            renewal__isnull=True,
            expires_on__range=(today, today + timedelta(days=SILENT_WITHIN_DAYS)),
        )
    return queryset


def selected_window(partner, filters):
    return ALL if filters["window"] == ALL.key else next(w for w in partner.windows if w.key == filters["window"])


def in_window(queryset, *, window, today):
    return queryset if window is ALL else queryset.filter(window_condition(window, today))


def listing_order(sort):
    """By expiry then id either way: a total order, so pages never repeat or skip a row."""
    return ("expires_on", "id") if sort == "expires" else ("-expires_on", "-id")


def ordered_for_listing(queryset, sort):
    return queryset.select_related("customer__partner", "product", "renewal").order_by(*listing_order(sort))


def page_rows(queryset, sort, page):
    """One page in two steps: the page's ids from the (partner, expires_on, id) index alone, however
    deep the page, then those rows with their joins. Deep OFFSETs no longer drag joined rows along."""
    ids = list(
        queryset.order_by(*listing_order(sort)).values_list("id", flat=True)[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    )
    return list(ordered_for_listing(Order.objects.filter(pk__in=ids), sort))


def expiring_page(*, partner, filters, today):
    """Everything the page shows, in a constant number of queries: counts per window, one page of
    rows and the page numbers. A page past the end shows the last page."""
    windows = partner.windows
    base = filtered_orders(partner=partner, filters=filters, today=today)
    counts = count_by_window(base, windows=windows, today=today)
    window = selected_window(partner, filters)
    total = counts[window.key]
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    page = min(filters["page"], pages)
    rows = page_rows(in_window(base, window=window, today=today), filters["sort"], page)
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
    row count of the list ``?window=<key>&action=<action>`` opens, because both read the same
    ``filtered_orders`` and the same conditions."""
    windows = partner.windows
    base = filtered_orders(partner=partner, filters={}, today=today)
    aggregates = {
        f"{action}__{window.key}": Count("pk", filter=window_condition(window, today) & ACTION_CONDITIONS[action])
        for window in windows
        for action in actions
    }
    counts = base.aggregate(**aggregates)
    return [(window, {action: counts[f"{action}__{window.key}"] for action in actions}) for window in windows]


def export_rows(*, partner, filters, today, stream=True):
    """The whole filtered list for CSV export, streamed from the database in chunks (``stream=False``
    gives the queryset itself, for benchmarks)."""
    window = selected_window(partner, filters)
    base = filtered_orders(partner=partner, filters=filters, today=today)
    rows = ordered_for_listing(in_window(base, window=window, today=today), filters["sort"])
    return rows.iterator(chunk_size=2000) if stream else rows
