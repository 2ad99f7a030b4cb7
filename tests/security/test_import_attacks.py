"""Uploads under attack: path traversal in the file name, 10,000 columns, markup in headers, a
ZIP bomb dressed as XLSX. Tests named ``..._bug_...`` demonstrate a defect: they fail now and pass
once it is fixed."""

import io
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from imports.models import ImportJob
from imports.reading import FileRejected
from imports.services import create_job

pytestmark = pytest.mark.django_db


def post_file(client, name, content, kind="customers"):
    return client.post(reverse("import"), {"kind": kind, "file": SimpleUploadedFile(name, content)})


@pytest.mark.parametrize(
    "name", ["../../../../tmp/evil.csv", "..\\..\\evil.csv", "/etc/cron.d/evil.csv", "%2e%2e%2fevil.csv", "a\x00.csv"]
)
def test_an_uploaded_file_name_never_leaves_the_media_folder(client, admin_a, settings, name):
    client.force_login(admin_a)
    response = post_file(client, name, b"Account Number,Company\nA-1,Aurora\n")
    assert response.status_code in (302, 400)
    for job in ImportJob.objects.all():
        stored = Path(job.file.path).resolve()
        assert Path(settings.MEDIA_ROOT).resolve() in stored.parents
        assert ".." not in job.file.name


def test_a_csv_with_ten_thousand_columns_is_refused_at_upload(client, admin_a):
    client.force_login(admin_a)
    header = ",".join(f"c{n}" for n in range(10_000))
    response = post_file(client, "wide.csv", f"{header}\n{','.join('x' * 10_000)}\n".encode())
    assert response.status_code == 400
    assert not ImportJob.objects.exists()


def test_markup_in_column_headers_is_escaped_on_the_mapping_page(client, admin_a):
    client.force_login(admin_a)
    markup = '<img src=x onerror="alert(1)">'
    response = post_file(client, "x.csv", f'Account Number,Company,"{markup}"\nA-1,Aurora,x\n'.encode())
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert markup not in page
    assert "&lt;img src=x" in page


def bomb_xlsx(inflated_mb):
    """A minimal workbook whose first sheet inflates to ``inflated_mb`` MB of blank rows."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
        )
        archive.writestr(
            "_rels/.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        archive.writestr(
            "xl/workbook.xml",
            '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            '<sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        )
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(
                b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Account Number</t></is></c>'
                b'<c r="B1" t="inlineStr"><is><t>Company</t></is></c></row>'
            )
            chunk = b"<row/>" * (2**20 // 6)
            for _ in range(inflated_mb):
                sheet.write(chunk)
            sheet.write(b"</sheetData></worksheet>")
    return buffer.getvalue()


def test_an_xlsx_zip_bomb_is_refused_at_upload(partner_a, admin_a):
    """Found by the security review (medium): ``imports.reading.detect`` only checks that a ZIP holds
    ``xl/workbook.xml``; nothing bounds what its parts inflate to. A 64 MB upload (``MAX_UPLOAD_BYTES``)
    of deflated blank rows inflates ~650x, to ~40 GB of XML. Already the upload request
    (``create_job`` reading the header row) spends time proportional to the inflated size: this 32 KB
    upload (20 MB of XML) takes ~3.5 s of the web process; 1 MB takes minutes. The worker's
    ``count_rows`` and each phase then parse it all again (blank rows are skipped, so ``MAX_ROWS`` never
    stops them), and a bomb in ``xl/sharedStrings.xml`` would be loaded into memory by openpyxl.
    Fix: in ``detect``, sum ``ZipInfo.file_size`` of the archive's members and refuse a total above a
    bound (e.g. 10x ``MAX_UPLOAD_BYTES``) or a compression ratio above ~100 (real XLSX files are
    ~5-20x), before openpyxl opens it."""
    content = bomb_xlsx(20)
    assert len(content) < 64 * 1024
    with pytest.raises(FileRejected):
        create_job(partner=partner_a, user=admin_a, kind="customers", upload=SimpleUploadedFile("bomb.xlsx", content))


@pytest.mark.parametrize("running", ["checking", "importing"])
def test_a_mapping_posted_while_a_phase_runs_is_not_kept(client, admin_a, partner_a, running):
    """Found by the security review (low): ``imports.views.JobView.post`` calls ``set_mapping``
    (which saves the job's mapping) *before* ``start`` finds the job is running and refuses. So a
    mapping posted from a second tab while the dry run runs is kept: the dry run finishes with the old
    columns, the page says "checked", and "Import" then imports with columns nobody dry-ran (a
    running import's next phase likewise). Fix: set the mapping and claim the job in one step — e.g.
    ``set_mapping`` only ``filter(pk=..., status__in=(UPLOADED, CHECKED, FAILED, DONE)).update(...)``
    inside the transaction that claims the dry run, and refuse (JobNotReady) otherwise."""
    from imports.models import ImportJob

    job = create_job(
        partner=partner_a,
        user=admin_a,
        kind="customers",
        upload=SimpleUploadedFile("a.csv", b"Account Number,Company,Other\nA-1,Aurora,Zed\n"),
    )
    original = dict(job.mapping)
    ImportJob.objects.filter(pk=job.pk).update(status=running)
    client.force_login(admin_a)
    client.post(
        reverse("import-job", kwargs={"pk": job.pk}), {"account_number": "Account Number", "company_name": "Other"}
    )
    job.refresh_from_db()
    assert job.mapping == original
