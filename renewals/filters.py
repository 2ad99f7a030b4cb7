"""The Expiring Certificates list's URL contract, declared once: the FilterSet validates the query
string, filters the partner's orders and renders its own filter bar.

Query parameters: ``window`` (expired, a threshold such as 7/30/60/90, later, all), ``q``, ``notices``
(on/off), ``product``, ``level``, ``customer``, ``action`` (renew/reissue/renewed), ``silent`` (notices
off and expiring within 30 days), ``sort`` (expires/-expires), ``page``; ``format=csv`` exports (the
view reads it). A value the list does not understand is dropped and named, never a 500.
"""

from functools import cached_property

import django_filters
from django import forms
from django.db.models import Q
from django.forms.renderers import Jinja2 as Jinja2Renderer
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from partners.models import MAX_ID

from .expiring import (
    ACTION_CONDITIONS,
    ACTIONS,
    DEFAULT_SORT,
    MAX_PAGE,
    SEARCH_MAX_LENGTH,
    SORTS,
    TABLE_ACTIONS,
    listed_orders,
    silent_condition,
)
from .models import Product, ValidationLevel
from .search import search_condition
from .windows import ALL, partner_windows

SELECT = {"class": "form-select form-select-sm"}


EMPTY = (None, "", False)
# The filters the count table can answer, as conditions on its columns.
COUNT_TABLE_FILTERS = {
    "action": lambda value: Q(action__in=TABLE_ACTIONS[value]),
    "notices": lambda value: Q(notices=value == "on"),
}


class SearchInput(forms.TextInput):
    input_type = "search"


class IntegerFilter(django_filters.Filter):
    """A whole number (django-filter's NumberFilter takes decimals)."""

    field_class = forms.IntegerField


class FlagFilter(django_filters.Filter):
    """Present and not "false"/"0": on (``silent=on``)."""

    field_class = forms.BooleanField


class FilterBarForm(forms.Form):
    """The FilterSet's form: its fields get ids the page and its tests know (``filter-q``). Its
    widgets render through Django's own Jinja2 widget templates (the same HTML), several times
    faster than the template language's per-option includes on every dashboard view."""

    default_renderer = Jinja2Renderer()  # one instance: it keeps its compiled templates

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "filter-%s")
        super().__init__(*args, **kwargs)


ROW_CHOOSERS = ("window", "sort", "page")


class ExpiringFilter(django_filters.FilterSet):
    """One page of the list's filters for ``partner`` on ``today`` (the partner's calendar day).

    ``qs`` is the partner's listed orders under every filter but the window (each window tab counts
    its own); ``selected_window``, ``selected_sort`` and ``selected_page`` say which rows of it the
    page shows. The parameters
    that choose among the rows rather than filter them (window, sort, page) are declared here too, so
    the whole query string is validated in one place.
    """

    q = django_filters.CharFilter(
        label=_("Search"),
        method="search",
        max_length=SEARCH_MAX_LENGTH,
        widget=SearchInput(
            attrs={"class": "form-control form-control-sm", "placeholder": _("Order #, common name or customer")}
        ),
    )
    product = django_filters.ModelChoiceFilter(
        label=_("Product"),
        queryset=Product.objects.order_by("name"),
        empty_label=_("All products"),
        widget=forms.Select(attrs=SELECT),
    )
    level = django_filters.ChoiceFilter(
        label=_("Validation"),
        field_name="product__validation_level",
        choices=ValidationLevel.choices,
        empty_label=_("All levels"),
        widget=forms.Select(attrs=SELECT),
    )
    notices = django_filters.ChoiceFilter(
        label=_("Renewal notices"),
        method="notices_filter",
        choices=[("on", _("On")), ("off", _("Off"))],
        empty_label=_("Unfiltered"),
        widget=forms.Select(attrs=SELECT),
    )
    action = django_filters.ChoiceFilter(
        label=_("Action needed"),
        method="action_filter",
        choices=ACTIONS,
        empty_label=_("Any"),
        widget=forms.Select(attrs=SELECT),
    )
    sort = django_filters.ChoiceFilter(
        label=_("Sort"), method="chooses_rows", choices=SORTS, empty_label=None, widget=forms.Select(attrs=SELECT)
    )
    # Carried by the filter bar as hidden fields: the tabs, the silent button and a customer's link set them.
    window = django_filters.ChoiceFilter(method="chooses_rows", widget=forms.HiddenInput)
    silent = FlagFilter(method="silent_filter", widget=forms.HiddenInput)
    customer = IntegerFilter(field_name="customer_id", min_value=1, max_value=MAX_ID, widget=forms.HiddenInput)
    # Not carried: a new filter starts at page 1.
    page = IntegerFilter(method="chooses_rows", min_value=1, max_value=MAX_PAGE, widget=forms.HiddenInput)

    class Meta:
        form = FilterBarForm

    def __init__(self, data, *, partner, today):
        super().__init__(data, queryset=listed_orders(partner))
        self.today = today
        self.windows = partner_windows(partner)
        self.filters["window"].extra["choices"] = [(window.key, window.label) for window in (*self.windows, ALL)]
        # The form shows only what was understood: the rest is named (``ignored``) and dropped, so the
        # filter bar and its links never carry it on.
        self.ignored = list(self.form.errors)
        if self.ignored:
            self.data = understood(self.data, self.ignored)
            del self._form

    @cached_property
    def values(self):
        """The valid parameters, with defaults for what was missing or ignored."""
        self.form.is_valid()
        return self.form.cleaned_data

    # Named apart from the filters above: a FilterSet's class attributes are its filters.
    @property
    def selected_window(self):
        key = self.values.get("window") or ALL.key
        return next((window for window in self.windows if window.key == key), ALL)

    @property
    def selected_sort(self):
        return self.values.get("sort") or DEFAULT_SORT

    @property
    def selected_page(self):
        return self.values.get("page") or 1

    @property
    def narrowed(self):
        """Whether a filter leaves some of the partner's listed orders out (window, sort and page
        only choose among them)."""
        return bool(self.narrowing)

    @property
    def narrowing(self):
        return {name: value for name, value in self.values.items() if name not in ROW_CHOOSERS and value not in EMPTY}

    @property
    def count_table_condition(self):
        """The filters as a condition on the count table (``expiry_counts``, keyed by action and
        notices), or None when one of them (a search, a product...) needs the orders themselves."""
        narrowing = self.narrowing
        if not narrowing.keys() <= COUNT_TABLE_FILTERS.keys():
            return None
        return Q(*(COUNT_TABLE_FILTERS[name](value) for name, value in narrowing.items()))

    def carried_fields(self):
        """The hidden fields that the filter bar keeps when applied: those with a value, but the page."""
        return [field for field in self.form.hidden_fields() if field.name != "page" and field.value()]

    def search(self, queryset, name, value):
        return queryset.filter(search_condition(value))

    def notices_filter(self, queryset, name, value):
        return queryset.filter(renewal_notices=value == "on")

    def action_filter(self, queryset, name, value):
        return queryset.filter(ACTION_CONDITIONS[value])

    def silent_filter(self, queryset, name, value):
        return queryset.filter(silent_condition(self.today)) if value else queryset

    def chooses_rows(self, queryset, name, value):
        return queryset  # the page's query applies it (see ``expiring_page``)


def understood(data, ignored):
    """``data`` (a QueryDict or a plain dict) without the parameters named in ``ignored``."""
    pairs = data.lists() if isinstance(data, QueryDict) else ((key, [value]) for key, value in data.items())
    kept = QueryDict(mutable=True)
    for key, values in pairs:
        if key not in ignored:
            kept.setlist(key, values)
    return kept
