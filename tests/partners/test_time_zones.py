"""Time zone fields: validated against the IANA names, read from disk once per process."""

import zoneinfo

import pytest
from django.core.exceptions import ValidationError

from partners.models import known_time_zones, validate_time_zone
from tests.factories import PartnerFactory

pytestmark = pytest.mark.smoke


@pytest.fixture
def zone_scans(monkeypatch):
    """Counts the scans of the zone directories (``available_timezones``), from a cold cache."""
    scans = []
    real = zoneinfo.available_timezones
    monkeypatch.setattr(zoneinfo, "available_timezones", lambda: scans.append(1) or real())
    known_time_zones.cache_clear()
    yield scans
    known_time_zones.cache_clear()


def test_validating_time_zones_scans_the_disk_once_whatever_the_number_of_checks(zone_scans):
    for value in ["Asia/Seoul", "America/New_York", "UTC"] * 100:
        validate_time_zone(value)
    with pytest.raises(ValidationError):
        validate_time_zone("Mars/Base")
    assert len(zone_scans) == 1


@pytest.mark.django_db
def test_a_partner_with_an_unknown_time_zone_is_refused_with_its_name():
    partner = PartnerFactory.build(time_zone="Asia/Seol")
    with pytest.raises(ValidationError) as refused:
        partner.full_clean()
    assert refused.value.message_dict["time_zone"] == ["“Asia/Seol” is not a known time zone."]


def test_a_blank_zone_is_left_to_the_fallback():
    validate_time_zone("")  # a customer without its own zone uses the partner's
