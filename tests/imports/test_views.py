"""The import pages: partner admins only, another partner's job is a 404, the flow through HTTP."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from imports.models import ImportJob, ImportStatus
from imports.reading import MAX_UPLOAD_BYTES
from renewals.models import Order
from tests.factories import MembershipFactory

from .helpers import CERTCENTRAL_HEADER, certcentral_row, csv_bytes, run, upload

pytestmark = pytest.mark.django_db


def export():
    return csv_bytes([CERTCENTRAL_HEADER, certcentral_row(1001)])


@pytest.mark.parametrize("role", ["sales_a", "support_a"])
def test_sales_and_support_may_not_import(client, request, role):
    client.force_login(request.getfixturevalue(role))
    assert client.get(reverse("import")).status_code == 403
    assert client.get(reverse("import-certificates")).status_code == 403


def test_the_nav_shows_import_to_partner_admins_only(client, admin_a, sales_a):
    client.force_login(admin_a)
    assert b'data-testid="nav-import"' in client.get(reverse("home")).content
    client.force_login(sales_a)
    assert b'data-testid="nav-import"' not in client.get(reverse("home")).content


def test_another_partners_job_is_a_404_for_every_page(client, partner_b, admin_a):
    other_admin = MembershipFactory(partner=partner_b, role="admin").user
    job = upload(partner_b, other_admin, "orders", export())
    client.force_login(admin_a)
    for name in ("import-job", "import-progress"):
        assert client.get(reverse(name, args=[job.pk])).status_code == 404
    assert client.post(reverse("import-run", args=[job.pk])).status_code == 404
    assert client.post(reverse("import-job", args=[job.pk]), {}).status_code == 404


def test_another_partners_job_is_a_404_even_for_sales(client, partner_b, sales_a):
    job = upload(partner_b, None, "orders", export())
    client.force_login(sales_a)
    assert client.get(reverse("import-job", args=[job.pk])).status_code == 404


def test_upload_map_dry_run_and_import_through_the_pages(
    client, admin_a, partner_a, product, django_capture_on_commit_callbacks
):
    client.force_login(admin_a)
    response = client.post(reverse("import"), {"kind": "orders", "file": SimpleUploadedFile("cc.csv", export())})
    job = ImportJob.objects.get()
    assert response.url == reverse("import-job", args=[job.pk])
    page = client.get(response.url)
    assert page.context["mapping_form"]["order_number"].value() == "Order #"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("import-job", args=[job.pk]), job.mapping)
    job.refresh_from_db()
    assert job.status == ImportStatus.CHECKED
    assert Order.objects.count() == 0
    page = client.get(reverse("import-job", args=[job.pk]))
    assert b'data-testid="import-run"' in page.content
    assert [row.outcome for row in page.context["page"].object_list] == ["created"]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("import-run", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE
    assert Order.objects.for_partner(partner_a).count() == 1


def test_the_dry_run_names_each_refused_row_by_its_row_in_the_file_and_its_key(client, admin_a, partner_a, product):
    content = csv_bytes([CERTCENTRAL_HEADER, certcentral_row(1001), certcentral_row(1002, product="Mystery SSL")])
    job = run(upload(partner_a, admin_a, "orders", content), dry_run=True)
    client.force_login(admin_a)
    page = client.get(reverse("import-job", args=[job.pk])).content.decode()
    assert "1 row would be refused: find it in your file by its row number and key below" in page
    assert 'href="?outcome=refused"' in page
    assert "the header row counts, so the first row of data is usually row 2" in page
    refused = client.get(reverse("import-job", args=[job.pk]), {"outcome": "refused"}).content.decode()
    [row] = re.findall(r'<tr data-outcome="refused">.*?</tr>', refused, re.S)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row)
    assert cells[0] == "3" and cells[2] == "1002" and "Mystery SSL" in cells[3]


def test_importing_twice_by_a_double_click_starts_once(client, admin_a, product, django_capture_on_commit_callbacks):
    client.force_login(admin_a)
    job = upload(admin_a.memberships.get().partner, admin_a, "orders", export())
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("import-job", args=[job.pk]), job.mapping)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(reverse("import-run", args=[job.pk]))
        response = client.post(reverse("import-run", args=[job.pk]), follow=True)
    assert len(callbacks) == 1
    assert "already running or not ready" in response.content.decode()


def test_a_rejected_upload_shows_the_reason_on_the_form(client, admin_a):
    client.force_login(admin_a)
    response = client.post(
        reverse("import"), {"kind": "orders", "file": SimpleUploadedFile("x.csv", b"\x89PNG\x00\x00")}
    )
    assert response.status_code == 400
    assert "holds binary data" in response.content.decode()
    assert ImportJob.objects.count() == 0


def test_too_large_a_file_is_refused(client, admin_a, monkeypatch):
    monkeypatch.setattr("imports.forms.MAX_UPLOAD_BYTES", 10)
    client.force_login(admin_a)
    response = client.post(reverse("import"), {"kind": "orders", "file": SimpleUploadedFile("x.csv", export())})
    assert response.status_code == 400
    assert "The file is too large" in response.content.decode()
    assert MAX_UPLOAD_BYTES >= 32 * 2**20


def test_missing_columns_are_named_on_the_mapping_form(client, admin_a, partner_a):
    client.force_login(admin_a)
    job = upload(partner_a, admin_a, "orders", export())
    response = client.post(reverse("import-job", args=[job.pk]), {"order_number": "Order #"})
    assert response.status_code == 400
    assert "Missing columns:" in response.content.decode()


def test_the_progress_answers_json_and_a_fragment(client, admin_a, partner_a):
    client.force_login(admin_a)
    job = upload(partner_a, admin_a, "orders", export())
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.IMPORTING, total_rows=200, processed_rows=50)
    data = client.get(reverse("import-progress", args=[job.pk]), {"format": "json"}).json()
    assert (data["status"], data["percent"], data["processed"]) == ("importing", 25, 50)
    fragment = client.get(reverse("import-progress", args=[job.pk]), headers={"HX-Request": "true"})
    assert b'<progress id="import-progress-bar" class="w-100" max="100" value="25">' in fragment.content
    assert b'hx-trigger="every 2s"' in fragment.content
    assert "HX-Refresh" not in fragment


def test_a_running_job_page_refreshes_itself_without_javascript(client, admin_a, partner_a):
    client.force_login(admin_a)
    job = upload(partner_a, admin_a, "orders", export())
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.CHECKING)
    page = client.get(reverse("import-job", args=[job.pk])).content
    assert b'<noscript><meta http-equiv="refresh" content="3"></noscript>' in page


def test_the_progress_of_a_finished_job_reloads_the_page(client, admin_a, partner_a):
    client.force_login(admin_a)
    job = upload(partner_a, admin_a, "orders", export())
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.DONE)
    assert client.get(reverse("import-progress", args=[job.pk]))["HX-Refresh"] == "true"


def test_a_job_whose_task_was_lost_may_be_started_again_after_a_while(partner_a, admin_a):
    from datetime import timedelta

    from django.utils import timezone

    from imports.services import claim

    job = upload(partner_a, admin_a, "orders", export())
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.CHECKING, started_at=timezone.now())
    assert not claim(job, dry_run=True)
    ImportJob.objects.filter(pk=job.pk).update(started_at=timezone.now() - timedelta(hours=1))
    assert claim(job, dry_run=True)


def test_an_unreachable_task_queue_fails_the_job_with_a_message(
    client, admin_a, partner_a, monkeypatch, django_capture_on_commit_callbacks
):
    def broker_down(*args, **kwargs):
        raise ConnectionError("no broker")

    monkeypatch.setattr("imports.tasks.run_import.delay", broker_down)
    client.force_login(admin_a)
    job = upload(partner_a, admin_a, "orders", export())
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("import-job", args=[job.pk]), job.mapping)
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED
    assert job.error == "The import could not be started: the task queue is not reachable. Try again in a moment."


def test_operators_see_the_jobs_in_the_admin(client, partner_a, admin_a):
    from tests.factories import UserFactory

    upload(partner_a, admin_a, "orders", export())
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert b"export.csv" in client.get("/admin/imports/importjob/").content
    assert client.get("/admin/imports/columnmapping/").status_code == 200


def test_the_rows_are_described_in_the_language_of_whoever_starts_the_run(
    client, admin_a, partner_a, product, django_capture_on_commit_callbacks
):
    """Uploaded in English, checked again and imported by someone reading Korean: the row details of
    each run are in the language of the person who started it."""
    client.force_login(admin_a)
    client.post(reverse("import"), {"kind": "orders", "file": SimpleUploadedFile("cc.csv", export())})
    job = ImportJob.objects.get()
    client.cookies["django_language"] = "ko"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("import-job", args=[job.pk]), job.mapping)
    assert job.rows.get().message.startswith("새 고객 Aurora Trading")
    client.cookies["django_language"] = "en"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("import-run", args=[job.pk]))
    assert job.rows.get().message.startswith("new customer Aurora Trading")
