"""A partner's logo is checked by its bytes: a real PNG, JPEG or GIF, at most 200 KB, of sane pixel
dimensions; anything else (a renamed text file, an SVG, a huge picture) is refused with the reason."""

import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from notifications.branding import LOGO_MAX_BYTES, check_logo, image_info


def png_bytes(width=120, height=40, rgb=(11, 122, 62), padding=0, draw=None):
    """A real PNG (Chromium shows it) of one colour, or of ``draw(x, y)``'s colour at each pixel;
    ``padding`` adds a text chunk to grow the file."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    if draw is None:
        pixels = (b"\x00" + bytes(rgb) * width) * height
    else:
        pixels = b"".join(b"\x00" + b"".join(bytes(draw(x, y)) for x in range(width)) for y in range(height))
    chunks = [chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))]
    if padding:
        chunks.append(chunk(b"tEXt", b"Comment\x00" + b"x" * padding))
    chunks.append(chunk(b"IDAT", zlib.compress(pixels)))
    chunks.append(chunk(b"IEND", b""))
    return b"\x89PNG\r\n\x1a\n" + b"".join(chunks)


def gif_bytes(width=64, height=32):
    return b"GIF89a" + struct.pack("<HH", width, height) + b"\x00\x00\x00;"


def jpeg_bytes(width=300, height=100):
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof0 = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + app0 + sof0 + b"\xff\xd9"


def upload(data, name="logo.png", content_type="image/png"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def refusal(file):
    with pytest.raises(ValidationError) as caught:
        check_logo(file)
    return caught.value.code, " ".join(caught.value.messages)


@pytest.mark.parametrize(
    ("data", "kind", "size"),
    [
        (png_bytes(120, 40), "png", (120, 40)),
        (gif_bytes(64, 32), "gif", (64, 32)),
        (jpeg_bytes(300, 100), "jpeg", (300, 100)),
    ],
)
def test_png_jpeg_and_gif_are_read_by_their_bytes(data, kind, size):
    info = image_info(data)
    assert (info.kind, info.width, info.height) == (kind, *size)


def test_a_logo_is_stored_under_its_real_kind_whatever_its_name():
    assert check_logo(upload(png_bytes(), name="logo.gif")).endswith(".png")
    assert check_logo(upload(jpeg_bytes(), name="Logo.JPEG")).endswith(".jpg")
    assert check_logo(upload(gif_bytes(), name="logo")).endswith(".gif")


def test_each_new_logo_gets_a_new_name_so_mail_clients_never_show_a_stale_one():
    assert check_logo(upload(png_bytes())) != check_logo(upload(png_bytes()))


def test_a_logo_over_200_kb_is_refused():
    big = png_bytes(padding=LOGO_MAX_BYTES)
    code, message = refusal(upload(big))
    assert code == "too-big"
    assert "at most 200 KB" in message
    assert check_logo(upload(png_bytes(padding=LOGO_MAX_BYTES - 1000)))  # just under the limit


def test_a_text_file_named_png_is_not_an_image():
    code, message = refusal(upload(b"hello, I am not a picture", name="logo.png"))
    assert code == "not-an-image"
    assert "not a PNG, JPEG or GIF" in message


def test_a_truncated_png_is_not_an_image():
    assert refusal(upload(png_bytes()[:20]))[0] == "not-an-image"
    assert refusal(upload(b"\xff\xd8\xff\xe0\x00\x10JFIF", name="logo.jpg"))[0] == "not-an-image"


SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


@pytest.mark.parametrize(("data", "name"), [(SVG, "logo.svg"), (SVG, "logo.png"), (png_bytes(), "logo.svg")])
def test_an_svg_is_refused_by_its_name_or_its_content(data, name):
    code, message = refusal(upload(data, name=name, content_type="image/svg+xml"))
    assert code == "svg"
    assert "SVG" in message


@pytest.mark.parametrize(("width", "height"), [(5000, 40), (120, 2000), (10, 10)])
def test_a_logo_of_unreasonable_pixel_dimensions_is_refused(width, height):
    code, message = refusal(upload(png_bytes(width, height)))
    assert code == "dimensions"
    assert f"{width} × {height} pixels" in message
