"""Fixtures of the import tests: uploads land in a temporary media folder; a catalogue product."""

import pytest

from tests.factories import ProductFactory


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def product(db):
    return ProductFactory(code="secure-site-ov", brand="DigiCert", name="Secure Site OV")
