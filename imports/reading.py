"""Reading an uploaded file as rows, in constant memory, or a ``FileRejected`` that says what is wrong.

CSV is read with the ``csv`` module from a text stream over the file on disk (tablib's ``Dataset``
loads a whole file, so it is not used for reading); XLSX through openpyxl in read-only mode, which
streams the sheet's rows. The encoding of a CSV is found by decoding the whole file once, chunk by
chunk: UTF-8 (with or without a byte-order mark), UTF-16 with its byte-order mark (Excel's "Unicode
text"), else CP949, the superset of EUC-KR that Korean Windows and Excel write. A file that is
neither is refused with its name, never read as Latin-1 and silently garbled.
"""

import codecs
import csv
import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime

from django.utils.translation import gettext as _

# The largest upload accepted (100,000 rows of a CertCentral export are about 30 MB).
MAX_UPLOAD_BYTES = 64 * 1024 * 1024
MAX_ROWS = 200_000
MAX_COLUMNS = 200
MAX_CELL = 4000
SNIFF_BYTES = 64 * 1024
CHUNK_BYTES = 1024 * 1024

DELIMITERS = ",;\t|"
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old binary .xls (and other Office files)
# Encodings tried in order; CP949 is EUC-KR plus the Hangul syllables EUC-KR lacks.
ENCODINGS = ("utf-8-sig", "cp949")
ENCODING_NAMES = {"utf-8-sig": "UTF-8", "cp949": "EUC-KR (CP949)", "utf-16": "UTF-16"}  # as the job page says them

csv.field_size_limit(MAX_CELL * 4)


class FileRejected(Exception):
    """The file cannot be imported at all; the message says why and what to do."""


@dataclass(frozen=True)
class FileInfo:
    file_format: str  # "csv" or "xlsx"
    encoding: str  # a codec name for CSV, "" for XLSX


def decodes_as(path, encoding) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    try:
        with open(path, "rb") as stream:
            while chunk := stream.read(CHUNK_BYTES):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


# A workbook's XML compresses 5–20 times; far more is a "zip bomb" that would tie up a process
# reading it. Refused before openpyxl opens it.
MAX_XLSX_EXPANSION = 100
MAX_XLSX_UNCOMPRESSED = 10 * MAX_UPLOAD_BYTES


def check_expansion(members) -> None:
    unpacked = sum(member.file_size for member in members)
    packed = sum(member.compress_size for member in members) or 1
    if unpacked > MAX_XLSX_UNCOMPRESSED or unpacked / packed > MAX_XLSX_EXPANSION:
        raise FileRejected(
            _("This workbook unpacks to far more data than a spreadsheet of its size holds; it is refused.")
        )


def detect(path) -> FileInfo:
    """The file's format and encoding, or FileRejected."""
    with open(path, "rb") as stream:
        head = stream.read(SNIFF_BYTES)
    if not head.strip():
        raise FileRejected(_("The file is empty."))
    if head.startswith(ZIP_MAGIC):
        try:
            with zipfile.ZipFile(path) as archive:
                members = archive.infolist()
        except zipfile.BadZipFile:
            members = []
        if "xl/workbook.xml" in {member.filename for member in members}:
            check_expansion(members)
            return FileInfo("xlsx", "")
        raise FileRejected(_("This file is a ZIP archive, not a CSV or XLSX spreadsheet."))
    if head.startswith(OLE_MAGIC):
        raise FileRejected(
            _("This is an old Excel (.xls) file. Save it as Excel Workbook (.xlsx) or CSV and upload that.")
        )
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        if decodes_as(path, "utf-16"):
            return FileInfo("csv", "utf-16")
        raise FileRejected(_("The file says it is UTF-16 but cannot be read as such."))
    if b"\x00" in head:
        raise FileRejected(_("This file is not a CSV or XLSX spreadsheet (it holds binary data)."))
    for encoding in ENCODINGS:
        if decodes_as(path, encoding):
            return FileInfo("csv", encoding)
    raise FileRejected(
        _(
            "The file's text encoding is not recognised: it is neither UTF-8 nor Korean EUC-KR (CP949). "
            "Save it as “CSV UTF-8” and upload it again."
        )
    )


def cell_text(value) -> str:
    """A cell as text; dates from a spreadsheet keep their type (see ``fields.parse_date``)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def csv_rows(path, encoding):
    with open(path, "rb") as raw:
        text = io.TextIOWrapper(raw, encoding=encoding, newline="")
        sample = text.read(SNIFF_BYTES)
        text.seek(0)
        yield from read_csv(text, dialect_of(sample))


def dialect_of(sample):
    """The delimiter the header row uses most (column names rarely hold one), else the Sniffer's
    guess from the sample, else a comma."""
    header = sample.splitlines()[0] if sample else ""
    counts = {delimiter: header.count(delimiter) for delimiter in DELIMITERS}
    best = max(counts, key=counts.get)
    if counts[best]:

        class Dialect(csv.excel):
            delimiter = best

        return Dialect
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS)
    except csv.Error:
        return csv.excel


def read_csv(text, dialect):
    try:
        yield from csv.reader(text, dialect)
    except csv.Error as error:
        raise FileRejected(_("This file cannot be read as CSV: %(reason)s") % {"reason": error}) from None


def xlsx_rows(path):
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a damaged workbook
        raise FileRejected(_("This XLSX file is damaged or not a spreadsheet Excel can open.")) from None
    try:
        sheet = workbook.worksheets[0]
        for row in sheet.iter_rows(values_only=True):
            yield [value if isinstance(value, date | datetime) else cell_text(value) for value in row]
    finally:
        workbook.close()


def raw_rows(path, info: FileInfo):
    """Every row of the first sheet, as lists of cells (text, or a date from XLSX)."""
    if info.file_format == "xlsx":
        return xlsx_rows(path)
    return csv_rows(path, info.encoding)


def is_blank(row) -> bool:
    return all(cell in ("", None) for cell in row)


def header_and_rows(path, info: FileInfo):
    """``(headers, iterator of (row number, {header: value}))``; the row number is the line people
    see in their spreadsheet (the header is row 1). Blank rows are skipped."""
    rows = raw_rows(path, info)
    headers = None
    row_number = 0
    for row in rows:
        row_number += 1
        if not is_blank(row):
            headers = [cell_text(cell) for cell in row]
            break
    if headers is None:
        raise FileRejected(_("The file has no header row: the first row must name the columns."))
    while headers and not headers[-1]:
        headers.pop()
    if len(headers) > MAX_COLUMNS:
        raise FileRejected(_("The file has more than %(count)d columns.") % {"count": MAX_COLUMNS})
    named = [header for header in headers if header]
    duplicates = sorted({header for header in named if named.count(header) > 1})
    if duplicates:
        raise FileRejected(_("Some columns have the same name: %(names)s.") % {"names": ", ".join(duplicates)})

    def records():
        number = row_number
        for row in rows:
            number += 1
            if is_blank(row):
                continue
            yield number, {header: row[index] if index < len(row) else "" for index, header in enumerate(headers)}

    return headers, records()


def count_rows(path, info: FileInfo) -> int:
    """The data rows (not blank, not the header): read once before a phase, for the progress bar."""
    _headers, records = header_and_rows(path, info)
    count = 0
    for count, _record in enumerate(records, start=1):
        if count > MAX_ROWS:
            raise FileRejected(_("The file has more than %(count)s rows; split it.") % {"count": f"{MAX_ROWS:,}"})
    return count
