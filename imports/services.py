"""Import jobs: upload, column mapping, the dry run and the import (the task's work), in phases.

A phase reads the file from disk as a stream and works in batches of ``BATCH`` rows, each in its own
transaction: its records, its row results and the job's counts commit together, so a batch is
imported entirely or not at all, and the progress the page shows is what is committed. The same file
imported again finds every natural key and changes nothing.
"""

import itertools
import logging
from datetime import timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .fields import guess_mapping, missing_fields
from .models import RUNNING, ColumnMapping, ImportJob, ImportRow, ImportStatus, Outcome
from .processing import processor_for
from .reading import FileRejected, count_rows, detect, header_and_rows

logger = logging.getLogger(__name__)

BATCH = 1000


class JobNotReady(Exception):
    """The job is not in the state the step needs (a second click, a job already running)."""


def create_job(*, partner, user, kind, upload, language="en") -> ImportJob:
    """Store the upload, read its header row and guess the mapping (the partner's last one first).
    Raises FileRejected, leaving no job behind, for a file that cannot be read."""
    job = ImportJob(partner=partner, kind=kind, original_name=upload.name[:255], created_by=user, language=language)
    job.file.save(upload.name, upload, save=False)
    try:
        info = detect(job.file.path)
        headers, _records = header_and_rows(job.file.path, info)
    except FileRejected:
        job.file.delete(save=False)
        raise
    job.file_format, job.encoding, job.headers = info.file_format, info.encoding, headers
    remembered = ColumnMapping.objects.for_partner(partner).filter(kind=kind).values_list("mapping", flat=True).first()
    job.mapping = guess_mapping(kind, headers, remembered)
    job.save()
    return job


def set_mapping(*, job, mapping) -> None:
    """Keep the chosen columns on the job and remember them for the partner's next file of this kind.
    Raises FileRejected naming the required fields left without a column."""
    mapping = {field: column for field, column in mapping.items() if column and column in job.headers}
    missing = missing_fields(job.kind, mapping)
    if missing:
        raise FileRejected(_("Missing columns: %(fields)s.") % {"fields": ", ".join(missing)})
    job.mapping = mapping
    job.save(update_fields=["mapping"])
    ColumnMapping.objects.update_or_create(partner=job.partner, kind=job.kind, defaults={"mapping": mapping})


# A phase still "running" after this long lost its task (a worker gone with the message): it may be
# started again. 100,000 rows take a few minutes.
STALE_AFTER = timedelta(minutes=30)


def claim(job, *, dry_run, language=None) -> bool:
    """Move the job to its running state, once: a double click or a second tab starts nothing.
    ``language``: the one the run describes its rows in (that of whoever started it), when given."""
    allowed = (
        (ImportStatus.UPLOADED, ImportStatus.CHECKED, ImportStatus.FAILED, ImportStatus.DONE)
        if dry_run
        else (ImportStatus.CHECKED,)
    )
    running = ImportStatus.CHECKING if dry_run else ImportStatus.IMPORTING
    stale = Q(status__in=RUNNING, started_at__lt=timezone.now() - STALE_AFTER)
    if not dry_run:
        stale &= Q(is_dry_run=False)  # an import lost midway may resume; a lost dry run is checked again
    claimed = ImportJob.objects.filter(Q(status__in=allowed) | stale, pk=job.pk).update(
        **({"language": language} if language else {}),
        status=running,
        is_dry_run=dry_run,
        processed_rows=0,
        total_rows=0,
        created_count=0,
        updated_count=0,
        unchanged_count=0,
        refused_count=0,
        error="",
        started_at=timezone.now(),
        finished_at=None,
    )
    return bool(claimed)


def start(job, *, dry_run, language=None) -> None:
    """Claim the job and queue its phase once the claim is committed."""
    from .tasks import run_import

    if not claim(job, dry_run=dry_run, language=language):
        raise JobNotReady(_("This import is already running or not ready for that step."))

    def queue():
        try:
            run_import.delay(job.pk)
        except Exception:  # the broker is away: say so, and let the person start it again
            logger.warning("could not queue import %s", job.pk, exc_info=True)
            fail(job, _("The import could not be started: the task queue is not reachable. Try again in a moment."))

    transaction.on_commit(queue)


COUNTERS = {
    Outcome.CREATED: "created_count",
    Outcome.UPDATED: "updated_count",
    Outcome.UNCHANGED: "unchanged_count",
    Outcome.REFUSED: "refused_count",
}


def record_batch(job, results) -> None:
    ImportRow.objects.bulk_create(
        [
            ImportRow(job=job, row_number=r.row_number, outcome=r.outcome, key=r.key[:255], message=r.message)
            for r in results
        ]
    )
    counts = {name: 0 for name in COUNTERS.values()}
    for result in results:
        counts[COUNTERS[result.outcome]] += 1
    ImportJob.objects.filter(pk=job.pk).update(
        processed_rows=F("processed_rows") + len(results), **{name: F(name) + n for name, n in counts.items()}
    )


def run_phase(job_id) -> None:
    """The task's work: the dry run or the import of a claimed job, batch by batch."""
    job = ImportJob.objects.select_related("partner", "created_by").get(pk=job_id)
    if job.status not in (ImportStatus.CHECKING, ImportStatus.IMPORTING):
        return  # a redelivered task for a job that finished: nothing to do
    write = job.status == ImportStatus.IMPORTING
    with translation.override(job.language):
        try:
            run_batches(job, write=write)
        except FileRejected as rejected:
            fail(job, str(rejected))
            return
        except Exception:
            logger.exception("import %s stopped", job.pk)
            done = ImportJob.objects.values_list("processed_rows", flat=True).get(pk=job.pk)
            fail(
                job,
                _(
                    "An unexpected error stopped the import after %(rows)d rows. Every batch of %(batch)d rows "
                    "was imported completely or not at all; importing the same file again is safe and "
                    "continues where this one stopped."
                )
                % {"rows": done, "batch": BATCH},
            )
            return
    finished = ImportStatus.DONE if write else ImportStatus.CHECKED
    ImportJob.objects.filter(pk=job.pk).update(status=finished, finished_at=timezone.now())
    if write:
        after_import(job)


def run_batches(job, *, write):
    path = job.file.path
    info = detect(path)
    total = count_rows(path, info)
    headers, records = header_and_rows(path, info)
    missing = [column for column in job.mapping.values() if column not in headers]
    if missing:
        raise FileRejected(_("Missing columns: %(fields)s.") % {"fields": ", ".join(missing)})
    with transaction.atomic():
        ImportRow.objects.filter(job=job).delete()
        ImportJob.objects.filter(pk=job.pk).update(total_rows=total)
    processor = processor_for(job, write=write)
    while batch := list(itertools.islice(records, BATCH)):
        with transaction.atomic():
            record_batch(job, processor.process(batch))


def fail(job, message) -> None:
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.FAILED, error=message, finished_at=timezone.now())


def after_import(job) -> None:
    """Imported orders are due for a look now: have the sweep record what is due at once, rather
    than at beat's next hourly run (it sends only the most urgent threshold due, never stale ones)."""
    if job.kind != "orders":
        return
    from notifications.tasks import sweep_reminders

    try:
        transaction.on_commit(sweep_reminders.delay)
    except Exception:  # the hourly sweep finds them anyway
        logger.warning("could not queue the reminder sweep after import %s", job.pk, exc_info=True)
