"""Building files and running an import's phases without HTTP (the task's own function)."""

import csv
import io

from django.core.files.uploadedfile import SimpleUploadedFile

from imports.services import claim, create_job, run_phase, set_mapping

CERTCENTRAL_HEADER = [
    "Order #",
    "Common Name",
    "SANs",
    "Product",
    "Organization",
    "Valid From",
    "Valid Till",
    "Status",
    "Email",
]


def csv_bytes(rows, encoding="utf-8"):
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    return text.getvalue().encode(encoding)


def certcentral_row(
    number,
    *,
    valid_from="2026-06-01",
    valid_till="2027-06-01",
    organization="Aurora Trading",
    email="it@aurora.example",
    product="Secure Site OV",
    status="Issued",
):
    return [
        str(number),
        f"www.site{number}.example",
        f"www.site{number}.example, site{number}.example",
        product,
        organization,
        valid_from,
        valid_till,
        status,
        email,
    ]


def upload(partner, user, kind, content, name="export.csv"):
    return create_job(partner=partner, user=user, kind=kind, upload=SimpleUploadedFile(name, content))


def run(job, *, dry_run):
    assert claim(job, dry_run=dry_run)
    run_phase(job.pk)
    job.refresh_from_db()
    return job


def import_file(partner, user, kind, content, name="export.csv", mapping=None):
    """Upload, map (the guessed columns unless given), dry run, import: the job afterwards."""
    job = upload(partner, user, kind, content, name)
    set_mapping(job=job, mapping=mapping or job.mapping)
    run(job, dry_run=True)
    return run(job, dry_run=False)


def outcomes(job):
    return list(job.rows.order_by("row_number").values_list("outcome", flat=True))


def messages(job):
    return list(job.rows.order_by("row_number").values_list("message", flat=True))
