"""Issue 16's "done when": a partner admin imports a CertCentral export and a folder of PEM files into
an empty partner and sees the dashboard fill with the right windows."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from imports.models import ImportJob
from notifications.models import Reminder
from renewals.issuance import SimulatedCA
from renewals.models import Order

from .helpers import CERTCENTRAL_HEADER, certcentral_row, csv_bytes

pytestmark = pytest.mark.django_db


def post_and_run(client, url, data, capture):
    with capture(execute=True):
        return client.post(url, data)


def test_an_export_and_its_certificates_fill_the_dashboard(
    client, admin_a, partner_a, product, django_capture_on_commit_callbacks
):
    today = datetime.now(UTC).date()
    soon, later = today + timedelta(days=20), today + timedelta(days=200)
    export = csv_bytes(
        [
            CERTCENTRAL_HEADER,
            certcentral_row(8001, valid_from=str(soon - timedelta(days=364)), valid_till=str(soon)),
            certcentral_row(8002, valid_from=str(later - timedelta(days=364)), valid_till=str(later)),
        ]
    )
    client.force_login(admin_a)
    client.post(reverse("import"), {"kind": "orders", "file": SimpleUploadedFile("certcentral.csv", export)})
    job = ImportJob.objects.get()
    post_and_run(client, reverse("import-job", args=[job.pk]), job.mapping, django_capture_on_commit_callbacks)
    post_and_run(client, reverse("import-run", args=[job.pk]), {}, django_capture_on_commit_callbacks)

    # The certificate on the server for 8002 ends inside the term: a reissue is due before the renewal.
    started = datetime.now(UTC).replace(microsecond=0) - timedelta(days=100)
    pem, _serial = SimulatedCA.sign(["www.site8002.example"], started, started + timedelta(days=199, seconds=-1))
    preview = client.post(
        reverse("import-certificates"),
        {"action": "preview", "files": [SimpleUploadedFile("site8002.pem", pem.encode())]},
    )
    [row] = preview.context["found"]
    assert row["item"].match.order_number == "8002"
    client.post(
        reverse("import-certificates"),
        {"action": "record", "record-0": "on", "pem-0": row["item"].pem, "source-0": "site8002.pem"},
    )

    order = Order.objects.get(order_number="8002")
    assert order.action == "reissue"
    assert order.expires_on == (started + timedelta(days=199, seconds=-1)).astimezone(order.customer.tzinfo).date()
    thirty = client.get(reverse("expiring"), {"window": "30"}).content.decode()
    assert "8001" in thirty
    assert "8002" not in thirty
    assert "8002" in client.get(reverse("expiring"), {"window": "later"}).content.decode()
    # The import queued the sweep: the order 20 days from its end has its 30-day reminder, only that.
    assert list(Reminder.objects.filter(order__order_number="8001").values_list("threshold_days", flat=True)) == [30]
