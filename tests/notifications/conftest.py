"""Fixtures for reminders: a partner in Seoul and the test mail outbox (plain helpers: helpers.py)."""

import pytest
from django.core import mail

from tests.factories import PartnerFactory


@pytest.fixture
def seoul_partner(db):
    return PartnerFactory(time_zone="Asia/Seoul", language="en")


@pytest.fixture
def outbox():
    mail.outbox = []
    return mail.outbox
