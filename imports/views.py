"""The import pages, for partner admins: upload, column mapping, dry run, import, progress; and the
certificate import. Views are thin: the work is in ``services``, ``processing`` and ``certificates``."""

import re

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy, ngettext
from django.views import View
from django.views.generic import TemplateView

from partners.access import PartnerObjectMixin, PartnerStaffRequiredMixin
from partners.models import Role

from . import certificates
from .fields import fields_of
from .forms import CertificateUploadForm, MappingForm, NewOrderForm, UploadForm
from .models import ImportJob, ImportStatus, Outcome
from .reading import ENCODING_NAMES, FileRejected
from .services import JobNotReady, create_job, set_mapping, start

ROWS_PER_PAGE = 50
PLACE = re.compile(r"(?P<index>[0-9]{1,4}):(?P<line>[0-9]{1,9})?")
ADMINS_ONLY = gettext_lazy("Only partner admins may import data.")


class ImportAdminMixin:
    allowed_roles = (Role.ADMIN,)
    role_denied_message = ADMINS_ONLY


class ImportHomeView(ImportAdminMixin, PartnerStaffRequiredMixin, TemplateView):
    template_name = "imports/home.html"

    def get_context_data(self, **kwargs):
        jobs = ImportJob.objects.for_partner(self.partner).select_related("created_by")[:20]
        kwargs.setdefault("form", UploadForm())
        return super().get_context_data(jobs=jobs, fields=self.field_lists(), **kwargs)

    @staticmethod
    def field_lists():
        return [(label, fields_of(kind)) for kind, label in ImportJob._meta.get_field("kind").choices]

    def post(self, request, *args, **kwargs):
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                job = create_job(
                    partner=self.partner,
                    user=request.user,
                    kind=form.cleaned_data["kind"],
                    upload=form.cleaned_data["file"],
                    language=translation.get_language() or "en",
                )
            except FileRejected as rejected:
                form.add_error("file", str(rejected))
            else:
                return redirect("import-job", pk=job.pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class JobMixin(ImportAdminMixin, PartnerObjectMixin):
    model = ImportJob


class JobView(JobMixin, TemplateView):
    """The job's page: the mapping (before and after a dry run), progress while a task runs, the
    rows of the last phase (filtered by outcome, paginated)."""

    template_name = "imports/job.html"

    def get_context_data(self, **kwargs):
        job = self.object
        outcome = self.request.GET.get("outcome", "")
        rows = job.rows.all()
        if outcome in Outcome.values:
            rows = rows.filter(outcome=outcome)
        page = Paginator(rows, ROWS_PER_PAGE).get_page(self.request.GET.get("page"))
        kwargs.setdefault("mapping_form", MappingForm(job=job))
        return super().get_context_data(
            job=job,
            page=page,
            outcome=outcome,
            outcomes=Outcome.choices,
            can_map=job.status in (ImportStatus.UPLOADED, ImportStatus.CHECKED, ImportStatus.FAILED),
            can_import=job.status == ImportStatus.CHECKED,
            is_new=job.status == ImportStatus.UPLOADED,
            is_done=job.status == ImportStatus.DONE,
            show_rows=job.status in (ImportStatus.CHECKED, ImportStatus.DONE, ImportStatus.FAILED),
            encoding_name=ENCODING_NAMES.get(job.encoding, job.encoding),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        """The chosen columns: remembered, then the dry run starts."""
        job = self.object
        form = MappingForm(request.POST, job=job)
        if form.is_valid():
            try:
                # One transaction: a job that cannot start now (a phase running in another tab) keeps
                # the columns its dry run checked.
                with transaction.atomic():
                    set_mapping(job=job, mapping=form.mapping())
                    start(job, dry_run=True, language=translation.get_language())
            except FileRejected as rejected:
                form.add_error(None, str(rejected))
            except JobNotReady as not_ready:
                messages.error(request, str(not_ready))
                return redirect("import-job", pk=job.pk)
            else:
                return redirect("import-job", pk=job.pk)
        return self.render_to_response(self.get_context_data(mapping_form=form), status=400)


class RunImportView(JobMixin, View):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        try:
            start(self.object, dry_run=False, language=translation.get_language())
        except JobNotReady as not_ready:
            messages.error(request, str(not_ready))
        return redirect("import-job", pk=self.object.pk)


class ProgressView(JobMixin, View):
    """A small answer for the page's polling: the progress fragment for htmx (which reloads the page
    once the task is done), JSON for anything else that asks with ``?format=json``."""

    http_method_names = ["get"]

    def get(self, request, *args, **kwargs):
        job = self.object
        if request.GET.get("format") == "json":
            return JsonResponse(
                {
                    "status": job.status,
                    "dry_run": job.is_dry_run,
                    "total": job.total_rows,
                    "processed": job.processed_rows,
                    "percent": job.percent,
                    "created": job.created_count,
                    "updated": job.updated_count,
                    "unchanged": job.unchanged_count,
                    "refused": job.refused_count,
                    "error": job.error,
                }
            )
        response = TemplateResponse(request, "imports/_progress.html", {"job": job})
        if not job.is_running:
            response["HX-Refresh"] = "true"
        return response


class CertificateImportView(ImportAdminMixin, PartnerStaffRequiredMixin, TemplateView):
    """Upload or paste certificates; ``action=preview`` shows what each would do, ``action=record``
    records those ticked (the preview's certificates travel back as hidden PEM fields)."""

    template_name = "imports/certificates.html"

    def get_context_data(self, **kwargs):
        kwargs.setdefault("form", CertificateUploadForm())
        return super().get_context_data(**kwargs)

    def post(self, request, *args, **kwargs):
        now = timezone.now()
        if request.POST.get("action") == "record":
            return self.record(request, now)
        form = CertificateUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        found = certificates.preview(form.texts(), self.partner, at=now)
        return self.render_to_response(self.get_context_data(form=form, found=self.rows(found)))

    def rows(self, found, data=None):
        """The preview's rows; a new order's form is bound only for a certificate ticked to record."""
        rows = []
        for position, item in enumerate(found):
            new_order = None
            if item.is_new_order:
                ticked = data is not None and data.get(f"record-{position}") == "on"
                new_order = NewOrderForm(data if ticked else None, partner=self.partner, prefix=f"new-{position}")
            rows.append({"position": position, "item": item, "new_order": new_order})
        return rows

    @staticmethod
    def place(found, data):
        """Each certificate's place in its file as the preview found it (``where-<position>``, "index:line"):
        the record step gets each certificate alone, so its own would say 1 and 1."""
        for position, item in enumerate(found):
            where = PLACE.fullmatch(data.get(f"where-{position}", ""))
            if where:
                item.index = int(where["index"])
                item.line = int(where["line"]) if where["line"] else None

    def record(self, request, now):
        texts = [
            (request.POST.get(f"source-{position}", "")[:255], request.POST.get(f"pem-{position}", ""))
            for position in range(certificates.MAX_CERTIFICATES)
            if f"pem-{position}" in request.POST
        ]
        found = certificates.preview(texts, self.partner, at=now)
        self.place(found, request.POST)
        rows = self.rows(found, request.POST)
        recorded = 0
        for row in rows:
            item = row["item"]
            if request.POST.get(f"record-{row['position']}") != "on":
                continue
            new_order = None
            if row["new_order"] is not None:
                if not row["new_order"].is_valid():
                    continue
                data = row["new_order"].cleaned_data
                new_order = {"customer": data["customer"], "product": data["product"], "plan_years": data["plan_years"]}
            order = certificates.record(item, self.partner, at=now, by_user=request.user, new_order=new_order)
            if order is not None:
                item.recorded_on, item.match = order, None
                row["new_order"] = None
                recorded += 1
        messages.success(
            request,
            ngettext("%(count)d certificate recorded.", "%(count)d certificates recorded.", recorded)
            % {"count": recorded},
        )
        return self.render_to_response(self.get_context_data(found=rows))
