"""Import jobs (a file of customers, contacts, prices or orders, checked then imported) and the
column mapping each partner used last for each kind of file."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from partners.models import Partner
from partners.tenancy import PartnerScopedManager


class ImportKind(models.TextChoices):
    CUSTOMERS = "customers", _("Customers")
    CONTACTS = "contacts", _("Contacts")
    PRICES = "prices", _("Prices")
    ORDERS = "orders", _("Orders and certificate dates")


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", _("Columns to match")
    CHECKING = "checking", _("Dry run in progress")
    CHECKED = "checked", _("Dry run done")
    IMPORTING = "importing", _("Import in progress")
    DONE = "done", _("Imported")
    FAILED = "failed", _("Failed")


# While a task works on the job the page polls for progress.
RUNNING = (ImportStatus.CHECKING, ImportStatus.IMPORTING)


class Outcome(models.TextChoices):
    CREATED = "created", _("Created")
    UPDATED = "updated", _("Updated")
    UNCHANGED = "unchanged", _("Unchanged")
    REFUSED = "refused", _("Refused")


class ImportJob(models.Model):
    """One uploaded file and what became of it: the dry run, then the import (``is_dry_run`` says
    which phase the counts and rows are of)."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="+", verbose_name=_("partner"))
    kind = models.CharField(_("kind"), max_length=16, choices=ImportKind.choices)
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=255)
    file_format = models.CharField(_("format"), max_length=8)  # "csv" or "xlsx"
    encoding = models.CharField(_("encoding"), max_length=16, blank=True)
    headers = models.JSONField(_("columns"), default=list)
    mapping = models.JSONField(_("column mapping"), default=dict)  # field -> column header
    status = models.CharField(_("status"), max_length=16, choices=ImportStatus.choices, default=ImportStatus.UPLOADED)
    is_dry_run = models.BooleanField(_("dry run"), default=True)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("rows processed"), default=0)
    created_count = models.PositiveIntegerField(_("created"), default=0)
    updated_count = models.PositiveIntegerField(_("updated"), default=0)
    unchanged_count = models.PositiveIntegerField(_("unchanged"), default=0)
    refused_count = models.PositiveIntegerField(_("refused"), default=0)
    error = models.TextField(_("error"), blank=True)
    # The language of whoever started the last run (the uploader's at first): the task writes each
    # row's message in it.
    language = models.CharField(_("language"), max_length=8, default="en")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    objects = PartnerScopedManager()
    partner_lookup = "partner"

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.original_name} ({self.get_kind_display()})"

    @property
    def is_running(self):
        return self.status in RUNNING

    @property
    def percent(self):
        if not self.total_rows:
            return 100 if self.status in (ImportStatus.CHECKED, ImportStatus.DONE) else 0
        return min(100, self.processed_rows * 100 // self.total_rows)


class ImportRow(models.Model):
    """What the last phase (dry run or import) did, or would do, with one row of the file."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="rows", verbose_name=_("import"))
    row_number = models.PositiveIntegerField(_("row"))
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)
    key = models.CharField(_("key"), max_length=255, blank=True)
    message = models.TextField(_("message"), blank=True)

    objects = PartnerScopedManager()
    partner_lookup = "job__partner"

    class Meta:
        verbose_name = _("import row")
        verbose_name_plural = _("import rows")
        ordering = ["job", "row_number"]
        indexes = [models.Index(fields=["job", "outcome", "row_number"], name="import_row_job_outcome_idx")]

    def __str__(self):
        return f"{self.job_id}:{self.row_number} {self.outcome}"


class ColumnMapping(models.Model):
    """The columns a partner matched last time for a kind of file: offered again next time."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="+", verbose_name=_("partner"))
    kind = models.CharField(_("kind"), max_length=16, choices=ImportKind.choices)
    mapping = models.JSONField(_("column mapping"), default=dict)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = PartnerScopedManager()
    partner_lookup = "partner"

    class Meta:
        verbose_name = _("column mapping")
        verbose_name_plural = _("column mappings")
        constraints = [models.UniqueConstraint(fields=["partner", "kind"], name="column_mapping_once_per_kind")]

    def __str__(self):
        return f"{self.partner_id} · {self.kind}"
