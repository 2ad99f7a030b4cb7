"""``/reports/`` and each chart's CSV (``?format=csv&chart=<name>``, with the page's period)."""

import csv
from datetime import date

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from partners.access import PartnerStaffRequiredMixin
from renewals.dashboard import spreadsheet_safe

from .periods import PeriodForm
from .report import ReportScope, all_charts, chart_named


def csv_cell(value, *, month=False):
    """A cell as a spreadsheet reads it: dates ISO, numbers plain, nothing for no value. In a chart of
    months (``month_rows``) a date is its month, ``YYYY-MM``, as the table under the chart shows it:
    the first day stands for the whole month and would read as that one day."""
    if value is None:
        return ""
    if month and isinstance(value, date):
        return f"{value:%Y-%m}"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return spreadsheet_safe(str(value)) if isinstance(value, str) else str(value)


def chart_csv(chart) -> str:
    """The chart's columns and rows, exactly (a byte-order mark first, so Excel reads Korean)."""

    class Lines(list):
        def write(self, text):
            self.append(text)

    lines = Lines(["\ufeff"])
    writer = csv.writer(lines)
    writer.writerow([spreadsheet_safe(str(column)) for column in chart.columns])
    for row in chart.rows:
        writer.writerow([csv_cell(cell, month=chart.month_rows) for cell in row])
    return "".join(lines)


class ReportsView(PartnerStaffRequiredMixin, TemplateView):
    """Any staff role may read the reports; every figure is the current partner's."""

    template_name = "reports/reports.html"

    def get(self, request, *args, **kwargs):
        today = timezone.localdate(timezone=self.partner.tzinfo)
        form = PeriodForm(request.GET, today=today, zone=self.partner.tzinfo)
        wants_csv = request.GET.get("format") == "csv"
        if not form.is_valid():
            if wants_csv:
                return self.bad_request(" ".join(message for errors in form.errors.values() for message in errors))
            return self.render_to_response(self.get_context_data(form=form, today=today), status=400)
        scope = ReportScope(partner=self.partner, today=today, period=form.period)
        if wants_csv:
            return self.export(scope, request.GET.get("chart", ""))
        # The form shows the months the page covers, the defaults included.
        shown = PeriodForm(
            {"start": f"{form.period.first_day:%Y-%m}", "end": f"{form.period.last_day:%Y-%m}"},
            today=today,
            zone=self.partner.tzinfo,
        )
        return self.render_to_response(
            self.get_context_data(
                form=shown,
                today=today,
                period=form.period,
                sections=all_charts(scope),
                months_ahead=scope.months_ahead,
            )
        )

    def bad_request(self, message):
        return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")

    def export(self, scope, name):
        chart = chart_named(scope, name[:40])
        if chart is None:
            return self.bad_request(_("There is no chart named “%(name)s” on this page.") % {"name": name[:40]})
        response = HttpResponse(chart_csv(chart), content_type="text/csv; charset=utf-8")
        filename = f"{chart.name}-{self.partner.slug}-{scope.period.first_day:%Y-%m}-{scope.period.last_day:%Y-%m}.csv"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
