"""What each kind of file holds: its fields, the column names recognised for each out of the box
(CertCentral's order export among them), and the parsing of a cell into a value or a ``RowRefused``."""

import re
from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from partners.models import known_time_zones
from renewals.models import MAX_PLAN_YEARS

from .models import ImportKind


class RowRefused(Exception):
    """One row cannot be imported; the message says why."""


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    required: bool = False
    aliases: tuple = ()


def normalise(header) -> str:
    """A column name compared loosely: case, spaces, dots, underscores and '#' are ignored."""
    return re.sub(r"[\s._\-#:()/]+", "", str(header)).casefold()


ACCOUNT = Field(
    "account_number",
    gettext_lazy("Customer account number"),
    aliases=(
        "Account Number",
        "Account No",
        "Account #",
        "Customer Account",
        "Customer ID",
        "Customer Number",
        "계정번호",
        "고객번호",
    ),
)
COMPANY = Field(
    "company_name",
    gettext_lazy("Company name"),
    aliases=(
        "Organization",
        "Organization Name",
        "Org Name",
        "Company",
        "Company Name",
        "Customer",
        "Customer Name",
        "회사명",
        "고객사",
        "기관명",
    ),
)
TIME_ZONE = Field("time_zone", gettext_lazy("Time zone"), aliases=("Time Zone", "Timezone", "시간대"))
LANGUAGE = Field("language", gettext_lazy("Language"), aliases=("Language", "Lang", "언어"))
EMAIL = Field(
    "email",
    gettext_lazy("Contact email"),
    aliases=("Email", "E-mail", "Email Address", "Contact Email", "Requester Email", "이메일", "담당자 이메일"),
)
CONTACT_NAME = Field(
    "contact_name",
    gettext_lazy("Contact name"),
    aliases=("Contact Name", "Contact", "Name", "Requested By", "Requester", "담당자", "담당자명", "이름"),
)
PHONE = Field("phone", gettext_lazy("Phone"), aliases=("Phone", "Telephone", "Phone Number", "전화번호", "연락처"))
PRODUCT = Field(
    "product",
    gettext_lazy("Product"),
    required=True,
    aliases=("Product", "Product Name", "Product Code", "Product Type", "상품", "상품명", "제품"),
)
PLAN_YEARS = Field(
    "plan_years",
    gettext_lazy("Plan (years)"),
    aliases=(
        "Validity",
        "Validity Period",
        "Order Validity",
        "Plan",
        "Plan Years",
        "Years",
        "Term",
        "기간",
        "계약기간",
    ),
)

FIELDS = {
    ImportKind.CUSTOMERS: (
        Field(ACCOUNT.name, ACCOUNT.label, True, ACCOUNT.aliases + ("Account ID",)),
        Field(COMPANY.name, COMPANY.label, True, COMPANY.aliases),
        TIME_ZONE,
        LANGUAGE,
    ),
    ImportKind.CONTACTS: (
        Field(ACCOUNT.name, ACCOUNT.label, True, ACCOUNT.aliases + ("Account ID",)),
        Field(EMAIL.name, EMAIL.label, True, EMAIL.aliases),
        CONTACT_NAME,
        PHONE,
        LANGUAGE,
    ),
    ImportKind.PRICES: (
        PRODUCT,
        Field(PLAN_YEARS.name, PLAN_YEARS.label, True, PLAN_YEARS.aliases),
        Field("price", gettext_lazy("Price"), True, ("Price", "Partner Price", "Amount", "가격", "판매가")),
    ),
    ImportKind.ORDERS: (
        Field(
            "order_number",
            gettext_lazy("Order number"),
            True,
            ("Order #", "Order Number", "Order No", "Order ID", "주문번호"),
        ),
        ACCOUNT,
        COMPANY,
        PRODUCT,
        Field("common_name", gettext_lazy("Common name"), True, ("Common Name", "CN", "Domain", "도메인", "일반 이름")),
        Field(
            "sans",
            gettext_lazy("Other names (SANs)"),
            aliases=("SANs", "SAN", "Subject Alternative Names", "Additional Domains", "Other Domains", "Domains"),
        ),
        PLAN_YEARS,
        Field(
            "term_start",
            gettext_lazy("Term start"),
            aliases=("Order Valid From", "Order Start Date", "Term Start", "Plan Start", "계약 시작일"),
        ),
        Field(
            "term_end",
            gettext_lazy("Term end (last paid day)"),
            aliases=(
                "Order Valid Till",
                "Order Valid To",
                "Order Expiration Date",
                "Term End",
                "Plan End",
                "계약 종료일",
            ),
        ),
        Field(
            "valid_from",
            gettext_lazy("Certificate valid from"),
            aliases=("Valid From", "Certificate Valid From", "Not Before", "Issued On", "Issue Date", "발급일"),
        ),
        Field(
            "valid_till",
            gettext_lazy("Certificate valid till (expires)"),
            True,
            (
                "Valid Till",
                "Valid To",
                "Valid Until",
                "Certificate Valid Till",
                "Expiration Date",
                "Expires",
                "Expiry Date",
                "Not After",
                "만료일",
            ),
        ),
        Field("status", gettext_lazy("Status"), aliases=("Status", "Order Status", "상태")),
        Field(
            "serial",
            gettext_lazy("Certificate serial number"),
            aliases=("Serial Number", "Serial", "Certificate Serial Number", "Serial No", "일련번호"),
        ),
        EMAIL,
        CONTACT_NAME,
    ),
}


def fields_of(kind) -> tuple:
    return FIELDS[kind]


def guess_mapping(kind, headers, remembered=None) -> dict:
    """``{field: column}`` for the file's columns: the partner's remembered choice where that column
    is in this file, else the first column whose name is a recognised alias."""
    remembered = remembered or {}
    present = {normalise(header): header for header in headers if header}
    mapping = {}
    for field in fields_of(kind):
        choice = remembered.get(field.name)
        if choice in headers:
            mapping[field.name] = choice
            continue
        for alias in (field.name, str(field.label), *field.aliases):
            if normalise(alias) in present:
                mapping[field.name] = present[normalise(alias)]
                break
    return mapping


def missing_fields(kind, mapping) -> list:
    """The labels of the required fields no column is matched to. Orders need a customer: an account
    number or a company name."""
    missing = [str(field.label) for field in fields_of(kind) if field.required and not mapping.get(field.name)]
    if kind == ImportKind.ORDERS and not mapping.get("account_number") and not mapping.get("company_name"):
        missing.append(_("Customer account number or company name"))
    return missing


# --- cells ---

MONTHS = {
    m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)
}
ISO_DATE = re.compile(
    r"(\d{4})[-./](\d{1,2})[-./](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:Z|UTC|[+-]\d{2}:?\d{2})?)?"
)
COMPACT_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")
KOREAN_DATE = re.compile(r"(\d{4})\s*년\s*(\d{1,2})\s*월\s*(\d{1,2})\s*일")
DAY_MONTH_NAME = re.compile(r"(\d{1,2})[- ]([A-Za-z]{3})[A-Za-z]*[- ,]+(\d{4})")
MONTH_NAME_DAY = re.compile(r"([A-Za-z]{3})[A-Za-z]*\.? (\d{1,2}),? (\d{4})")
AMBIGUOUS = re.compile(r"\d{1,2}[-./]\d{1,2}[-./]\d{2,4}")


def parse_date(value, label) -> date | None:
    """A date as people and CAs write it: 2026-03-01 (also with / or . and a time after it),
    20260301, 2026년 3월 1일, 1-Mar-2026, Mar 1, 2026, or a spreadsheet's date cell. 03/01/2026 is
    refused: it means March in one country and January in another."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = (value or "").strip()
    if not text:
        return None
    parts = None
    if match := ISO_DATE.fullmatch(text) or COMPACT_DATE.fullmatch(text) or KOREAN_DATE.fullmatch(text):
        parts = int(match[1]), int(match[2]), int(match[3])
    elif (match := DAY_MONTH_NAME.fullmatch(text)) and match[2].lower() in MONTHS:
        parts = int(match[3]), MONTHS[match[2].lower()], int(match[1])
    elif (match := MONTH_NAME_DAY.fullmatch(text)) and match[1].lower() in MONTHS:
        parts = int(match[3]), MONTHS[match[1].lower()], int(match[2])
    elif AMBIGUOUS.fullmatch(text):
        raise RowRefused(
            _("%(field)s: “%(value)s” is ambiguous (day and month could be either way); write it as YYYY-MM-DD.")
            % {"field": label, "value": text}
        )
    if parts is None:
        raise RowRefused(
            _("%(field)s: “%(value)s” is not a date; write it as YYYY-MM-DD.") % {"field": label, "value": text[:50]}
        )
    try:
        return date(*parts)
    except ValueError:
        raise RowRefused(
            _("%(field)s: “%(value)s” is not a real date.") % {"field": label, "value": text[:50]}
        ) from None


PLAN = re.compile(r"(\d+)\s*(?:y|yr|yrs|year|years|년)?", re.IGNORECASE)


def parse_plan_years(value, label) -> int | None:
    text = str(value or "").strip()
    if not text:
        return None
    match = PLAN.fullmatch(text)
    if not match or not 1 <= int(match[1]) <= MAX_PLAN_YEARS:
        raise RowRefused(
            _("%(field)s: “%(value)s” is not a plan of 1 to %(most)d years.")
            % {"field": label, "value": text[:50], "most": MAX_PLAN_YEARS}
        )
    return int(match[1])


def parse_email(value, label) -> str:
    text = str(value or "").strip()
    try:
        validate_email(text)
    except ValidationError:
        raise RowRefused(
            _("%(field)s: “%(value)s” is not an email address.") % {"field": label, "value": text[:100]}
        ) from None
    return text.lower()


LANGUAGES = {"ko": "ko", "kr": "ko", "korean": "ko", "한국어": "ko", "en": "en", "english": "en", "영어": "en"}


def parse_language(value, label) -> str:
    text = str(value or "").strip().casefold()
    if not text:
        return ""
    if text not in LANGUAGES:
        raise RowRefused(_("%(field)s: “%(value)s” is not Korean or English.") % {"field": label, "value": text[:50]})
    return LANGUAGES[text]


def parse_time_zone(value, label) -> str:
    text = str(value or "").strip()
    if text and text not in known_time_zones():
        raise RowRefused(
            _("%(field)s: “%(value)s” is not a known time zone (such as Asia/Seoul).")
            % {"field": label, "value": text[:64]}
        )
    return text


def text_of(value, label, *, max_length, required=False) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise RowRefused(_("%(field)s is empty.") % {"field": label})
    if len(text) > max_length:
        raise RowRefused(_("%(field)s is longer than %(count)d characters.") % {"field": label, "count": max_length})
    if any(ord(char) < 0x20 and char not in "\t" for char in text):
        raise RowRefused(_("%(field)s holds control characters.") % {"field": label})
    return text


def parse_names(value) -> list:
    """SANs as a CA export lists them: separated by commas, semicolons, spaces or new lines."""
    return [name for name in re.split(r"[\s,;]+", str(value or "").strip()) if name]


HEX = re.compile(r"[0-9a-f]+")


def parse_serial(value, label) -> str:
    """A serial as CAs print it (hex, with or without colons or spaces) in the form the portal stores
    (``renewals.issuance.parse_pem``: lower-case hex, no leading zeros)."""
    text = re.sub(r"[\s:]", "", str(value or "")).casefold().removeprefix("0x")
    if not text:
        return ""
    if not HEX.fullmatch(text) or not 0 < len(text.lstrip("0")) <= 64:
        raise RowRefused(
            _("%(field)s: “%(value)s” is not a hexadecimal serial number.") % {"field": label, "value": str(value)[:80]}
        )
    return text.lstrip("0")
