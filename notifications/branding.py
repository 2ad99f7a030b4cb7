"""The partner's own words and look in its customers' reminder emails, in one place.

- ``message_for``: the message a customer reads, in the email's language. There is no fallback to the
  other language: a Korean message in an English email reads wrong, so a partner who wrote only one
  language sends the other language's emails without a message (the settings page says so).
- ``plain_text_with_links``: the partner's plain text as HTML: everything escaped, line breaks kept,
  and only ``http(s)://`` addresses made into links. Partners never write markup.
- ``reply_to_url``: the reply-to address as a ``mailto:`` link (``partners.mailto``, RFC 6068).
- ``safe_brand_color``: the colour, only when it is ``#`` and six hex digits (the model's rule, checked
  again here because the value is printed into the email's CSS, where escaping does not protect).
- ``check_logo``: an uploaded logo is a PNG, JPEG or GIF by its bytes (not its name), small, and of
  sane pixel dimensions; an SVG is refused (it can carry script).
- ``update_branding``: the partner admin's write; it saves these fields only.
"""

import re
import secrets
import struct
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from partners.actors import require_staff_of
from partners.mailto import mailto_url
from partners.models import Role

# What a link may contain: the characters RFC 3986 allows in a URL, ASCII only, so a link ends at a
# space, a quote, an angle bracket or the Korean word that follows it ("https://a.example에서").
LINK = re.compile(r"https?://[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+", re.IGNORECASE)
# Punctuation that ends the sentence around a link rather than the link itself.
TRAILING_PUNCTUATION = ".,;:!?'*"
BRAND_COLOR = re.compile(r"#[0-9a-fA-F]{6}")

LOGO_MAX_BYTES = 200 * 1024
LOGO_MAX_WIDTH = 1200
LOGO_MAX_HEIGHT = 600
LOGO_MIN_SIDE = 16

# The fields a partner admin edits on the branding page; saving touches no other column.
BRANDING_FIELDS = (
    "sender_name",
    "reply_to",
    "logo",
    "brand_color",
    "email_footer",
    "reminder_message_ko",
    "reminder_message_en",
)


class BrandingError(Exception):
    """A branding change the person may not make (the message says why)."""


# Characters that change how the text around them reads without being seen. Bidirectional controls
# reorder what follows: after U+202E (right-to-left override) the link "https://a.example/#moc.knab"
# shows as "https://bank.com#/elpmaxe.a" while it leads to a.example. Zero-width characters next to
# a link glue text to it ("https://goo\u200bgle.com" reads as google.com and leads to "https://goo").
# Korean and English text needs none of them; the joiners (U+200C, U+200D) are kept between other
# characters, where emoji sequences and some scripts use them. (Security review, issue 15.)
HIDDEN_CHARACTERS = re.compile(
    "[\u00ad\u061c\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
    "|(?<=[\x00-\x7f])[\u200c\u200d]|[\u200c\u200d](?=[\x00-\x7f])"
)


def without_hidden_characters(text: str) -> str:
    return HIDDEN_CHARACTERS.sub("", text)


def normalized_newlines(text: str) -> str:
    """Browsers submit a textarea's line breaks as CRLF; the text is stored and counted with LF."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def plain_text(text: str) -> str:
    """The partner's text for an email's text part: as written, line breaks normalised, without the
    invisible characters that could make a link read as another (also dropped on saving; removed
    here too for what was stored before, and for the preview's unsaved drafts)."""
    return without_hidden_characters(normalized_newlines(text or "")).strip()


def message_for(partner, language: str) -> str:
    """The partner's message for an email in ``language`` ("ko" or "en"); empty when the partner
    wrote none in that language (no fallback to the other one)."""
    message = partner.reminder_message_ko if language == "ko" else partner.reminder_message_en
    return plain_text(message)


def _split_link(candidate: str) -> tuple[str, str]:
    """The link in a matched run of URL characters, and the sentence punctuation after it."""
    end = len(candidate)
    while end:
        last = candidate[end - 1]
        link = candidate[:end]
        if last in TRAILING_PUNCTUATION:
            end -= 1
        elif last == ")" and link.count("(") < link.count(")"):
            end -= 1
        elif last == "]" and link.count("[") < link.count("]"):
            end -= 1
        else:
            break
    return candidate[:end], candidate[end:]


def _is_web_link(link: str) -> bool:
    try:
        parts = urlsplit(link)
    except ValueError:  # such as an unbalanced "[" in the host
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def plain_text_with_links(text: str) -> SafeString:
    """``text`` as HTML: escaped, each line break a ``<br>``, and each http(s) address a link.

    Nothing the partner writes becomes markup: ``<script>`` prints as text, and an address such as
    ``javascript:…`` or ``data:…`` stays plain text (only ``http://`` and ``https://`` are linked)."""
    text = plain_text(text)
    pieces = []
    position = 0
    for match in LINK.finditer(text):
        link, after = _split_link(match.group())
        if not _is_web_link(link):
            continue
        pieces.append(escape(text[position : match.start()]))
        pieces.append(f'<a href="{escape(link)}">{escape(link)}</a>')
        position = match.start() + len(link)
    pieces.append(escape(text[position:]))
    return mark_safe("".join(pieces).replace("\n", "<br>\n"))  # noqa: S308 (every piece is escaped)


def safe_brand_color(value: str) -> str:
    """``value`` lower-cased when it is a colour as ``#RRGGBB``; else empty (the email's defaults)."""
    value = (value or "").strip()
    return value.lower() if BRAND_COLOR.fullmatch(value) else ""


def _luminance(color: str) -> float:
    """WCAG relative luminance of ``#rrggbb``."""
    channels = []
    for start in (1, 3, 5):
        channel = int(color[start : start + 2], 16) / 255
        channels.append(channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4)
    red, green, blue = channels
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


DARK_TEXT = "#1f2328"
LIGHT_TEXT = "#ffffff"


def text_color_on(color: str) -> str:
    """White or near-black, whichever reads better on ``color`` (a light brand colour gets dark text
    on its buttons)."""
    background = _luminance(color)
    on_white = 1.05 / (background + 0.05)
    on_dark = (background + 0.05) / (_luminance(DARK_TEXT) + 0.05)
    return LIGHT_TEXT if on_white >= on_dark else DARK_TEXT


@dataclass(frozen=True)
class EmailBranding:
    """What a customer's reminder email shows of the partner: its message in the email's language
    (text and HTML), its footer (text and HTML) and its colour with the text colour to put on it."""

    message: str
    message_html: str
    footer: str
    footer_html: str
    color: str
    color_text: str
    reply_to_url: str = ""  # ``mailto_url`` of the partner's reply-to address; empty without one


def email_branding(partner, language: str) -> EmailBranding:
    message = message_for(partner, language)
    footer = plain_text(partner.email_footer)
    color = safe_brand_color(partner.brand_color)
    return EmailBranding(
        message=message,
        message_html=plain_text_with_links(message),
        footer=footer,
        footer_html=plain_text_with_links(footer),
        color=color,
        color_text=text_color_on(color) if color else "",
        reply_to_url=mailto_url(partner.reply_to) if partner.reply_to else "",
    )


@dataclass(frozen=True)
class ImageInfo:
    kind: str  # "png", "jpeg" or "gif": also the stored file's extension
    width: int
    height: int


# JPEG markers that start a frame and carry its size (SOF0–SOF15 but DHT, JPG and DAC).
JPEG_FRAME_MARKERS = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    position = 2  # after SOI
    while position + 4 <= len(data):
        if data[position] != 0xFF:
            return None
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte
            position += 1
            continue
        if marker == 0x01 or 0xD0 <= marker <= 0xD7:  # no length
            position += 2
            continue
        if marker in (0xD9, 0xDA):  # end of image, or the scan began before any frame header
            return None
        (length,) = struct.unpack(">H", data[position + 2 : position + 4])
        if length < 2:
            return None
        if marker in JPEG_FRAME_MARKERS:
            if position + 9 > len(data):
                return None
            height, width = struct.unpack(">HH", data[position + 5 : position + 9])
            return width, height
        position += 2 + length
    return None


def image_info(data: bytes) -> ImageInfo | None:
    """The kind and pixel size of a PNG, JPEG or GIF, read from its bytes; None for anything else."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR" and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return ImageInfo("png", width, height)
    if data.startswith((b"GIF87a", b"GIF89a")) and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return ImageInfo("gif", width, height)
    if data.startswith(b"\xff\xd8\xff"):
        size = _jpeg_size(data)
        return ImageInfo("jpeg", *size) if size else None
    return None


def looks_like_svg(data: bytes) -> bool:
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<svg", b"<?xml")) or b"<svg" in head


def check_logo(upload) -> str:
    """Check an uploaded logo and return the file name to store it under (its real kind as the
    extension, a random stem: a new logo gets a new address, so mail clients never show a stale one).
    Raises ``ValidationError`` with the reason a person can act on."""
    if upload.size > LOGO_MAX_BYTES:
        raise ValidationError(
            _("The logo is %(size)s KB; at most %(limit)s KB is accepted."),
            code="too-big",
            params={"size": (upload.size + 1023) // 1024, "limit": LOGO_MAX_BYTES // 1024},
        )
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    info = image_info(data)
    if (upload.name or "").lower().endswith((".svg", ".svgz")) or (info is None and looks_like_svg(data)):
        raise ValidationError(
            _("SVG logos are not accepted, as an SVG can carry script. Upload a PNG, JPEG or GIF."), code="svg"
        )
    if info is None:
        raise ValidationError(
            _("This file is not a PNG, JPEG or GIF image (whatever its name says). Upload one of those."),
            code="not-an-image",
        )
    if not (LOGO_MIN_SIDE <= info.width <= LOGO_MAX_WIDTH and LOGO_MIN_SIDE <= info.height <= LOGO_MAX_HEIGHT):
        raise ValidationError(
            _(
                "The logo is %(width)s × %(height)s pixels; it must be between %(min)s and %(max_width)s "
                "pixels wide and %(min)s and %(max_height)s pixels high."
            ),
            code="dimensions",
            params={
                "width": info.width,
                "height": info.height,
                "min": LOGO_MIN_SIDE,
                "max_width": LOGO_MAX_WIDTH,
                "max_height": LOGO_MAX_HEIGHT,
            },
        )
    return f"logo-{secrets.token_hex(8)}.{'jpg' if info.kind == 'jpeg' else info.kind}"


def update_branding(*, partner, by, values: dict, logo=None, remove_logo=False):
    """Store the partner's branding: ``values`` of the text fields of ``BRANDING_FIELDS``, a new
    ``logo`` (checked by ``check_logo``) or ``remove_logo``. No other column of the partner is written,
    so nothing changed elsewhere meanwhile (its order sequence, the reminder policy) is undone.

    A replaced or removed logo's file is kept: emails already sent show it from its address."""
    require_staff_of(
        by, partner.pk, BrandingError(_("Only partner admins may change the email branding.")), roles=(Role.ADMIN,)
    )
    for name, value in values.items():
        if name not in BRANDING_FIELDS or name == "logo":
            raise ValueError(f"not a branding text field: {name}")
        setattr(partner, name, value)
    if logo is not None:
        partner.logo = logo
    elif remove_logo:
        partner.logo = ""
    partner.save(update_fields=BRANDING_FIELDS)
    return partner
