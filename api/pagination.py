"""Cursor pages by keyset: ``WHERE (expires_on, id) > (last row's)`` in the list's total order.

DRF's own CursorPagination pages by the first ordering column and an OFFSET among equal values
(capped at 1,000), which skips rows when many orders expire on one day. Here the cursor holds the
last row's values of every ordering column (the last one unique: the id), so a page costs one
indexed range read however deep, and a row that did not change is never repeated or skipped.
The cursor is opaque base64 of JSON; one that does not decode to the view's columns is a 404.
"""

import base64
import binascii
import functools
import json
import operator

from django.core.exceptions import ValidationError as InvalidValue
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.utils.urls import remove_query_param, replace_query_param

MAX_PAGE_SIZE = 200


def encode_cursor(values) -> str:
    return base64.urlsafe_b64encode(json.dumps(values, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> list:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, UnicodeError, binascii.Error):
        raise NotFound(_("Invalid cursor.")) from None
    if not isinstance(values, list):
        raise NotFound(_("Invalid cursor."))
    return values


def after(ordering, values) -> Q:
    """Rows after ``values`` in ``ordering`` (all ascending or all descending): the keyset condition
    ``a > va OR (a = va AND b > vb) OR …``."""
    terms = []
    for position, column in enumerate(ordering):
        lookup = "lt" if column.startswith("-") else "gt"
        equal = {ordering[i].lstrip("-"): values[i] for i in range(position)}
        terms.append(Q(**equal, **{f"{column.lstrip('-')}__{lookup}": values[position]}))
    return functools.reduce(operator.or_, terms)


class KeysetCursorPagination(BasePagination):
    """``view.keyset_ordering(request)`` names the columns (the last one unique)."""

    cursor_query_param = "cursor"
    page_size_query_param = "page_size"

    def page_size(self, request):
        value = request.query_params.get(self.page_size_query_param)
        if value is None:
            return api_settings.PAGE_SIZE
        if not (value.isascii() and value.isdigit() and 1 <= int(value) <= MAX_PAGE_SIZE):
            raise ValidationError(
                {self.page_size_query_param: [_("Enter a whole number from 1 to %(most)d.") % {"most": MAX_PAGE_SIZE}]}
            )
        return int(value)

    def position(self, queryset, ordering, cursor):
        values = decode_cursor(cursor)
        if len(values) != len(ordering) or any(value is None for value in values):
            raise NotFound(_("Invalid cursor."))
        model = queryset.model
        try:
            return [
                model._meta.get_field(name.lstrip("-")).to_python(value)
                for name, value in zip(ordering, values, strict=True)
            ]
        except (InvalidValue, TypeError, ValueError, OverflowError):
            raise NotFound(_("Invalid cursor.")) from None

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        ordering = tuple(view.keyset_ordering(request))
        size = self.page_size(request)
        cursor = request.query_params.get(self.cursor_query_param)
        if cursor:
            values = self.position(queryset, ordering, cursor)
            if any(isinstance(value, int) and abs(value) > 2**63 - 1 for value in values):
                raise NotFound(_("Invalid cursor."))
            queryset = queryset.filter(after(ordering, values))
        rows = list(queryset.order_by(*ordering)[: size + 1])
        self.next_values = None
        if len(rows) > size:
            rows = rows[:size]
            last = rows[-1]
            self.next_values = [self.cursor_value(getattr(last, name.lstrip("-"))) for name in ordering]
        return rows

    @staticmethod
    def cursor_value(value):
        return value if isinstance(value, int | str) or value is None else str(value)

    def get_next_link(self):
        if self.next_values is None:
            return None
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.cursor_query_param, encode_cursor(self.next_values))

    def get_first_link(self):
        return remove_query_param(self.request.build_absolute_uri(), self.cursor_query_param)

    def get_paginated_response(self, data):
        return Response({"next": self.get_next_link(), "results": data})

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["results", "next"],
            "properties": {
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": _("The page after the one whose `next` link carried this value."),
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": _("Rows per page (default %(size)s).") % {"size": api_settings.PAGE_SIZE},
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
            },
        ]
