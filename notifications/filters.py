"""The outbox's filters, declared once: the FilterSet filters the list and renders its own form."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .models import EmailStatus, OutboxEmail

SEARCH_MAX_LENGTH = 100


class OutboxFilter(django_filters.FilterSet):
    """``status`` (one of the email statuses; anything else is a form error and filters nothing)
    and ``q``: a substring of the recipient or subject, or an order number exactly."""

    q = django_filters.CharFilter(
        label=_("Search"),
        method="search",
        widget=forms.TextInput(
            attrs={"class": "form-control form-control-sm", "placeholder": _("Recipient, subject or order #")}
        ),
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=EmailStatus.choices,
        empty_label=_("Any"),
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )

    class Meta:
        model = OutboxEmail
        fields = ["q", "status"]

    def search(self, queryset, name, value):
        # Long input is cut rather than refused, so a pasted paragraph still searches its start.
        query = value.strip()[:SEARCH_MAX_LENGTH]
        if not query:
            return queryset
        return queryset.filter(
            Q(to_email__icontains=query) | Q(subject__icontains=query) | Q(items__reminder__order__order_number=query)
        ).distinct()
