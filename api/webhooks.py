"""Webhooks: recording events in the delivery outbox, signing, and delivering them.

An event becomes one ``WebhookDelivery`` per endpoint subscribed to it, unique per (endpoint, event
id), written in the transaction of what it reports where there is one (a renewal), so an event is
recorded once or not at all. Deliveries go out like the email outbox: claimed in a short transaction
(``SKIP LOCKED``, then ``sending`` with a claim token), POSTed, and recorded by the holder of the
claim; a failure is retried with backoff (1, 2, 4 … minutes, at most an hour) until
``WEBHOOK_MAX_ATTEMPTS``. A receiver that answered but whose answer we lost (timeout) gets the same
event again: it recognises it by ``X-Portal-Event-Id`` (the payload's ``id``).

Signature: ``X-Portal-Signature: t=<unix time>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>``.
A receiver recomputes it over the raw body and refuses a timestamp older than a few minutes.
"""

import hashlib
import hmac
import ipaddress
import json
import logging
import socket
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import DeliveryStatus, WebhookDelivery, WebhookEndpoint

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Portal-Signature"
SIGNATURE_TOLERANCE = 300  # seconds a receiver should accept a signature's timestamp for
BATCH = 20
CLAIM_LEASE = timedelta(minutes=5)  # well beyond WEBHOOK_TIMEOUT: a claim older belongs to a dead worker
RESPONSE_EXCERPT = 1000
EVENT_NAMESPACE = uuid.UUID("5b0c6a52-8d4e-4d55-9a7e-3f0c2b1d9e41")
ENDPOINTS_CACHE = "api:webhook-endpoints:{partner_id}"


# --- signing ---


def signature(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},v1={signature(secret, timestamp, body)}"


def verify_signature(secret: str, header: str, body: bytes, *, now=None, tolerance=SIGNATURE_TOLERANCE) -> bool:
    """What a receiver does (and the tests' receiver does): the timestamp is recent and one ``v1``
    matches the HMAC of ``"<t>." + body``."""
    parts = [part.split("=", 1) for part in header.split(",") if "=" in part]
    timestamps = [value for key, value in parts if key == "t"]
    if len(timestamps) != 1 or not timestamps[0].isdigit():
        return False
    timestamp = int(timestamps[0])
    if abs((now if now is not None else time.time()) - timestamp) > tolerance:
        return False
    expected = signature(secret, timestamp, body)
    return any(hmac.compare_digest(expected, value) for key, value in parts if key == "v1")


# --- URLs (SSRF) ---


NAT64 = ipaddress.ip_network("64:ff9b::/96")
IPV4_COMPATIBLE = ipaddress.ip_network("::/96")


def embedded_ipv4(ip):
    """The IPv4 address an IPv6 address carries (mapped, 6to4, NAT64, IPv4-compatible), or None:
    such a form reaches the IPv4 host on networks that translate it."""
    if not isinstance(ip, ipaddress.IPv6Address):
        return None
    if ip.ipv4_mapped:
        return ip.ipv4_mapped
    if ip.sixtofour:
        return ip.sixtofour
    if ip in NAT64 or (ip in IPV4_COMPATIBLE and int(ip) > 1):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def address_is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    inner = embedded_ipv4(ip)
    if inner is not None and not (inner.is_global and not inner.is_multicast):
        return False
    return ip.is_global and not ip.is_multicast


def check_webhook_url(url: str) -> list[str]:
    """http or https with a host; unless ``WEBHOOK_ALLOW_PRIVATE_ADDRESSES``, every address the
    host resolves to must be public (no loopback, private, link-local such as cloud metadata, or
    reserved ranges). Checked when the URL is saved and again before each delivery (DNS can change);
    returns the addresses checked ([] when private ones are allowed), which a delivery connects to."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError(_("Enter an http:// or https:// URL."), code="scheme")
    if settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES:
        return []
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        addresses = {info[4][0] for info in socket.getaddrinfo(parts.hostname, port, proto=socket.IPPROTO_TCP)}
    except (OSError, UnicodeError, ValueError):
        raise ValidationError(_("The host of this URL cannot be found."), code="dns") from None
    if not addresses or not all(address_is_public(address) for address in addresses):
        raise ValidationError(
            _("This URL points to a private or local address; webhooks go to public addresses only."),
            code="private",
        )
    return sorted(addresses)


class PinnedAddressAdapter(requests.adapters.HTTPAdapter):
    """Connects to an address already checked instead of resolving the host again (a DNS answer
    that changed since the check, "rebinding", cannot send the POST elsewhere), while TLS still
    checks the certificate against the URL's host name."""

    def __init__(self, hostname, **kwargs):
        self.hostname = hostname
        super().__init__(**kwargs)

    def init_poolmanager(self, *args, **kwargs):
        kwargs["server_hostname"] = self.hostname
        kwargs["assert_hostname"] = self.hostname
        super().init_poolmanager(*args, **kwargs)


def pinned(url: str, address: str) -> str:
    """``url`` with its host replaced by ``address`` (the port and path kept)."""
    parts = urlsplit(url)
    host = f"[{address}]" if ":" in address else address
    netloc = f"{host}:{parts.port}" if parts.port else host
    return parts._replace(netloc=netloc).geturl()


# --- recording events ---


def event_id(key: str) -> str:
    """A stable id for the event ``key`` names (``order.renewed:<order id>``): recording it twice
    makes no second delivery."""
    return "evt_" + uuid.uuid5(EVENT_NAMESPACE, key).hex


def subscribed_endpoints(partner_id) -> list:
    """``[(endpoint id, events)]`` of the partner's active endpoints, from the cache (no query per
    email when nobody listens); saving or deleting an endpoint clears it (``receivers``)."""
    key = ENDPOINTS_CACHE.format(partner_id=partner_id)
    endpoints = cache.get(key)
    if endpoints is None:
        endpoints = list(WebhookEndpoint.objects.filter(partner_id=partner_id, active=True).values_list("pk", "events"))
        cache.set(key, endpoints, 600)
    return endpoints


def forget_endpoints(partner_id) -> None:
    cache.delete(ENDPOINTS_CACHE.format(partner_id=partner_id))


def record_event(*, partner_id, event_type: str, key: str, data: dict, now=None) -> int:
    """One delivery per endpoint of the partner subscribed to ``event_type``; returns how many were
    new. Delivery is queued for after the commit of the surrounding transaction."""
    endpoint_ids = [pk for pk, events in subscribed_endpoints(partner_id) if event_type in events]
    if not endpoint_ids:
        return 0
    now = now or timezone.now()
    identifier = event_id(key)
    payload = {"id": identifier, "type": event_type, "created_at": now.isoformat(), "data": data}
    deliveries = [
        WebhookDelivery(
            endpoint_id=endpoint_id,
            event_id=identifier,
            event_type=event_type,
            payload=payload,
            next_attempt_at=now,
        )
        for endpoint_id in endpoint_ids
    ]
    existing = set(
        WebhookDelivery.objects.filter(endpoint_id__in=endpoint_ids, event_id=identifier).values_list(
            "endpoint_id", flat=True
        )
    )
    created = WebhookDelivery.objects.bulk_create(
        [delivery for delivery in deliveries if delivery.endpoint_id not in existing], ignore_conflicts=True
    )
    transaction.on_commit(queue_delivery)
    return len(created)


def queue_delivery():
    from .tasks import deliver_webhooks

    try:
        deliver_webhooks.delay()
    except Exception:  # beat's run each minute delivers them anyway
        logger.warning("could not queue webhook delivery", exc_info=True)


# --- delivering ---


@dataclass
class DeliveryResult:
    delivered: int = 0
    retrying: int = 0
    failed: int = 0
    lost_claim: int = 0


def backoff(attempts: int) -> timedelta:
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 60))


def release_stale_claims(now):
    return WebhookDelivery.objects.filter(
        status=DeliveryStatus.SENDING, claimed_at__lt=timezone.now() - CLAIM_LEASE
    ).update(status=DeliveryStatus.PENDING, next_attempt_at=now, claim=None)


def claim(now, limit=BATCH):
    """Claim up to ``limit`` deliveries due at ``now``: ``(token, ids)``."""
    with transaction.atomic():
        queryset = WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now).order_by(
            "next_attempt_at", "id"
        )
        if connection.features.has_select_for_update_skip_locked:
            queryset = queryset.select_for_update(skip_locked=True)
        candidates = list(queryset.values_list("pk", flat=True)[:limit])
        token = uuid.uuid4()
        WebhookDelivery.objects.filter(pk__in=candidates, status=DeliveryStatus.PENDING).update(
            status=DeliveryStatus.SENDING, claim=token, claimed_at=timezone.now(), attempts=F("attempts") + 1
        )
    return token, list(WebhookDelivery.objects.filter(pk__in=candidates, claim=token).values_list("pk", flat=True))


def held(delivery, **values) -> int:
    """Write ``values`` while our claim still holds the delivery."""
    return WebhookDelivery.objects.filter(pk=delivery.pk, claim=delivery.claim, status=DeliveryStatus.SENDING).update(
        **values
    )


def post(delivery) -> requests.Response:
    endpoint = delivery.endpoint
    addresses = check_webhook_url(endpoint.url)
    body = json.dumps(delivery.payload, separators=(",", ":"), ensure_ascii=False).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "renewal-portal-webhooks/1",
        "X-Portal-Event": delivery.event_type,
        "X-Portal-Event-Id": delivery.event_id,
        "X-Portal-Delivery": str(delivery.pk),
        SIGNATURE_HEADER: signature_header(endpoint.secret, int(time.time()), body),
    }
    if not addresses:  # private addresses allowed (development, tests): connect as the URL says
        return requests.post(
            endpoint.url, data=body, headers=headers, timeout=settings.WEBHOOK_TIMEOUT, allow_redirects=False
        )
    parts = urlsplit(endpoint.url)
    headers["Host"] = parts.netloc.rpartition("@")[2]
    with requests.Session() as session:
        session.mount(f"{parts.scheme}://", PinnedAddressAdapter(parts.hostname))
        return session.post(
            pinned(endpoint.url, addresses[0]),
            data=body,
            headers=headers,
            timeout=settings.WEBHOOK_TIMEOUT,
            allow_redirects=False,
        )


def excerpt(response) -> str:
    try:
        return response.text[:RESPONSE_EXCERPT]
    except Exception:  # noqa: BLE001 - an undecodable body is shown as absent
        return ""


def deliver_one(delivery, now, result) -> None:
    try:
        response = post(delivery)
    except (requests.RequestException, ValidationError) as error:
        record_failure(delivery, now, result, error=f"{type(error).__name__}: {error}"[:2000])
        return
    if 200 <= response.status_code < 300:
        if held(
            delivery,
            status=DeliveryStatus.DELIVERED,
            delivered_at=timezone.now(),
            response_code=response.status_code,
            response_body=excerpt(response),
            last_error="",
        ):
            result.delivered += 1
        else:
            result.lost_claim += 1
        return
    record_failure(
        delivery,
        now,
        result,
        error=_("The receiver answered %(code)s.") % {"code": response.status_code},
        response_code=response.status_code,
        response_body=excerpt(response),
    )


def record_failure(delivery, now, result, *, error, **response):
    if delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
        status, next_attempt, counter = DeliveryStatus.FAILED, None, "failed"
    else:
        status, next_attempt, counter = DeliveryStatus.PENDING, now + backoff(delivery.attempts), "retrying"
    if held(delivery, status=status, next_attempt_at=next_attempt, last_error=error, claim=None, **response):
        setattr(result, counter, getattr(result, counter) + 1)
    else:
        result.lost_claim += 1
    logger.warning(
        "webhook delivery %s to %s: %s (attempt %s)", delivery.pk, delivery.endpoint.url, error, delivery.attempts
    )


def deliver_pending(*, now=None, limit=None) -> DeliveryResult:
    """Deliver what is due, in batches, until none is left (or ``limit`` were handled)."""
    now = now or timezone.now()
    result = DeliveryResult()
    release_stale_claims(now)
    handled = 0
    while limit is None or handled < limit:
        token, ids = claim(now, BATCH if limit is None else min(BATCH, limit - handled))
        if not ids:
            break
        for delivery in (
            WebhookDelivery.objects.filter(pk__in=ids, claim=token).select_related("endpoint").order_by("id")
        ):
            deliver_one(delivery, now, result)
        handled += len(ids)
    return result


def retry(delivery) -> int:
    """A partner admin's retry of a failed delivery: due now, attempts counted afresh."""
    return WebhookDelivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.FAILED).update(
        status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=timezone.now(), last_error=""
    )
