"""The Expiring Certificates page and its CSV export."""

import csv

from django.http import HttpResponseRedirect, StreamingHttpResponse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from partners.access import PartnerStaffRequiredMixin
from partners.models import Customer

from .expiring import SILENT_WITHIN_DAYS, expiring_page, export_rows
from .filters import ExpiringFilter
from .money import plain_amount
from .rows import render_rows
from .views import is_htmx
from .windows import partner_windows, window_ahead


class Echo:
    """A file-like object whose write returns the line, so csv.writer can feed a generator."""

    def write(self, value):
        return value


# A text cell starting with one of these is read as a formula by spreadsheets (OWASP: CSV injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(cell):
    """Text that a spreadsheet would run as a formula gets a leading apostrophe (shown as text);
    numbers stay numbers."""
    if isinstance(cell, str) and cell.startswith(FORMULA_TRIGGERS):
        return "'" + cell
    return cell


class SafeWriter:
    """``csv.writer`` whose rows are made spreadsheet-safe, cell by cell."""

    def __init__(self, stream):
        self.writer = csv.writer(stream)

    def writerow(self, cells):
        return self.writer.writerow([spreadsheet_safe(cell) for cell in cells])


def csv_lines(rows, today):
    writer, plain = SafeWriter(Echo()), csv.writer(Echo())
    amounts = {}  # (price, currency): the amount as written; a list holds few distinct prices
    yield "\ufeff"  # a byte-order mark, so Excel opens Korean text as UTF-8
    yield writer.writerow(
        [
            _("Order #"),
            _("Common name"),
            _("Other names"),
            _("Customer"),
            _("Account number"),
            _("Expires"),
            _("Days left"),
            _("Term end"),
            _("Product"),
            _("Validation level"),
            _("Validity (years)"),
            _("Price"),
            _("Currency"),
            _("Renewal notices"),
            _("Action"),
            _("Renewal order #"),
        ]
    )
    labels = {"renew": _("Renew"), "reissue": _("Reissue"), "renewed": _("Renewed")}
    notices = {True: _("On"), False: _("Off")}
    lines = []
    for (number, common_name, sans, customer, account, expires_on, term_end, product, level, years, price, currency,
         notices_on, action, renewal_number) in rows:  # fmt: skip
        if (price, currency) not in amounts:
            amounts[price, currency] = plain_amount(price, currency)
        # Only the text that people typed can be a formula; dates, numbers and our words cannot.
        lines.append(
            plain.writerow(
                [
                    spreadsheet_safe(number),
                    spreadsheet_safe(common_name),
                    spreadsheet_safe(" ".join(name for name in sans if name != common_name)),
                    spreadsheet_safe(customer),
                    spreadsheet_safe(account),
                    expires_on.isoformat(),
                    (expires_on - today).days,
                    term_end.isoformat(),
                    spreadsheet_safe(product),
                    level,
                    years,
                    amounts[price, currency],
                    currency,
                    notices[notices_on],
                    labels[action],
                    spreadsheet_safe(renewal_number or ""),
                ]
            )
        )
        if len(lines) == EXPORT_BATCH:
            yield "".join(lines)
            lines = []
    yield "".join(lines)


# Rows per chunk of the streamed response: one write per row cost more than the rows themselves.
EXPORT_BATCH = 500


class ExpiringView(PartnerStaffRequiredMixin, TemplateView):
    """The list under the filters in the query string (``ExpiringFilter``); ``format=csv`` exports
    the same rows."""

    template_name = "renewals/expiring.html"

    def get(self, request, *args, **kwargs):
        if not request.GET and not is_htmx(request):
            return self.open_on_window_ahead(request)
        today = timezone.localdate(timezone=self.partner.tzinfo)
        listing = ExpiringFilter(request.GET, partner=self.partner, today=today)
        if request.GET.get("format") == "csv":
            return self.export(listing, today)
        now = timezone.now()
        context = self.get_context_data(
            today=today,
            now=now,
            filter=listing,
            filters=listing.values,
            sort=listing.selected_sort,
            ignored=listing.ignored,
            customer=self.customer_filter(listing.values.get("customer")),
            silent_within=SILENT_WITHIN_DAYS,
            can_renew=self.membership.can_renew,
            **expiring_page(
                partner=self.partner,
                orders=listing.qs,
                window=listing.selected_window,
                sort=listing.selected_sort,
                page=listing.selected_page,
                today=today,
                counted=listing.count_table_condition,
            ),
        )
        context["rows_html"] = render_rows(
            self.request, context["rows"], now=now, today=today, can_renew=self.membership.can_renew
        )
        return self.render_to_response(context)

    def open_on_window_ahead(self, request):
        """The bare address (the header's link) opens on the window holding today, what to work on
        now, rather than "All", whose first page is the oldest lapsed orders. Any parameter keeps its
        meaning, so bookmarks, searches and ``?window=all`` list as before. An htmx request is not
        redirected: it would get the page without its new address."""
        window = window_ahead(partner_windows(self.partner))
        return HttpResponseRedirect(f"{request.path}?{urlencode({'window': window.key})}")

    def customer_filter(self, customer_id):
        if not customer_id:
            return None
        return Customer.objects.for_partner(self.partner).filter(pk=customer_id).first()

    def export(self, listing, today):
        rows = export_rows(orders=listing.qs, window=listing.selected_window, sort=listing.selected_sort, today=today)
        response = StreamingHttpResponse(csv_lines(rows, today), content_type="text/csv; charset=utf-8")
        filename = f"expiring-{self.partner.slug}-{today.isoformat()}.csv"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
