"""The webhook receiver of ``scripts/`` (what a partner copies, standard library only) verifies what
the portal signs, and refuses what it did not sign: the signature scheme documented there is the one
``api/webhooks.py`` uses. The renewing script itself is walked end to end in
``tests/browser/test_import_and_api.py``."""

import importlib.util
import json
import time
from pathlib import Path

import pytest

from api import webhooks
from api.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint, WebhookEvent
from api.webhooks import deliver_pending, record_event

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "webhook_receiver.py"
spec = importlib.util.spec_from_file_location("webhook_receiver", SCRIPT)
webhook_receiver = importlib.util.module_from_spec(spec)
spec.loader.exec_module(webhook_receiver)

SECRET = "whsec_sample"
BODY = b'{"id":"evt_1","type":"order.renewed","data":{}}'


def test_the_receiver_verifies_a_signature_the_portal_made():
    header = webhooks.signature_header(SECRET, int(time.time()), BODY)
    assert webhook_receiver.verify(SECRET, header, BODY)


@pytest.mark.parametrize(
    "secret, body, age",
    [
        ("whsec_other", BODY, 0),  # another endpoint's secret
        (SECRET, BODY.replace(b"{}", b'{"x":1}'), 0),  # a body changed on the way
        (SECRET, BODY, 3600),  # an old delivery replayed
    ],
)
def test_the_receiver_refuses_what_the_portal_did_not_sign_just_now(secret, body, age):
    header = webhooks.signature_header(SECRET, int(time.time()) - age, BODY)
    assert not webhook_receiver.verify(secret, header, body)


@pytest.mark.parametrize("header", ["", "v1=00", "t=abc,v1=00", "t=1,t=2,v1=00"])
def test_the_receiver_refuses_a_malformed_signature_header(header):
    assert not webhook_receiver.verify(SECRET, header, BODY)


@pytest.fixture
def script_receiver():
    receiver = webhook_receiver.Receiver(secret=SECRET).start()
    yield receiver
    receiver.stop()


def endpoint(partner, url, secret):
    return WebhookEndpoint.objects.create(partner=partner, url=url, events=[WebhookEvent.ORDER_RENEWED], secret=secret)


@pytest.mark.django_db
def test_a_delivery_from_the_portal_reaches_the_script_verified_and_is_acknowledged(partner_a, script_receiver):
    hook = endpoint(partner_a, script_receiver.url, SECRET)
    record_event(partner_id=partner_a.pk, event_type="order.renewed", key="order.renewed:1", data={"n": 1})
    deliver_pending()

    [event] = script_receiver.events
    assert event.verified and not event.repeat
    assert (event.event_type, event.payload["data"]) == ("order.renewed", {"n": 1})
    delivery = WebhookDelivery.objects.get(endpoint=hook)
    assert (delivery.status, delivery.response_code) == (DeliveryStatus.DELIVERED, 200)
    assert json.loads(delivery.response_body) == {"ok": True}


@pytest.mark.django_db
def test_a_delivery_signed_with_another_secret_is_refused_and_retried(partner_a, script_receiver):
    hook = endpoint(partner_a, script_receiver.url, "whsec_not_the_receivers")
    record_event(partner_id=partner_a.pk, event_type="order.renewed", key="order.renewed:2", data={})
    deliver_pending()

    [event] = script_receiver.events
    assert not event.verified
    delivery = WebhookDelivery.objects.get(endpoint=hook)
    assert (delivery.status, delivery.response_code) == (DeliveryStatus.PENDING, 400)
