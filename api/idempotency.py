"""``Idempotency-Key`` on POSTs: a retried request gets the first one's answer, and a key reused for
another request is refused (422).

The key is claimed by inserting its ``IdempotencyRecord`` in the transaction that does the work and
records the answer. A concurrent retry's insert waits on the unique (partner, key) until that
transaction ends (PostgreSQL), then reads the answer recorded: one renewal, every caller the same
result. A server error rolls the claim back with the work, so the request may be tried again.
"""

import functools
import hashlib
import json
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from .models import IdempotencyRecord

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
# How long a key is remembered (beat's hourly task forgets older ones). A retry later than this runs
# again: renewing is idempotent by itself (the order's renewal is returned), a note is added twice.
KEY_LIFETIME = timedelta(days=7)


class KeyReused(Exception):
    pass


def request_fingerprint(request) -> str:
    body = json.dumps(request.data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{request.method}\n{request.path}\n{body}".encode()).hexdigest()


def valid_key(key: str) -> bool:
    return 0 < len(key) <= MAX_KEY_LENGTH and key.isascii() and key.isprintable()


def replay(record, fingerprint):
    if record.fingerprint != fingerprint:
        return Response(
            {"detail": _("This Idempotency-Key was used for another request.")},
            status=status.HTTP_422_UNPROCESSABLE_ENTITY,
        )
    return Response(record.response_body, status=record.response_status, headers={"Idempotent-Replayed": "true"})


class ServerError(Exception):
    """Carries a 5xx answer out of the transaction, so the claim is rolled back with the work."""

    def __init__(self, response):
        self.response = response


def idempotent(action):
    """Wrap a POST action of an API view; without the header the action runs as it is."""

    @functools.wraps(action)
    def wrapper(view, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return action(view, request, *args, **kwargs)
        if not valid_key(key):
            raise ValidationError({HEADER: [_("Use 1 to 255 printable ASCII characters.")]})
        token = request.auth
        fingerprint = request_fingerprint(request)
        try:
            with transaction.atomic():
                try:
                    with transaction.atomic():
                        record = IdempotencyRecord.objects.create(
                            partner=token.partner,
                            token=token,
                            key=key,
                            method=request.method,
                            path=request.path[:500],
                            fingerprint=fingerprint,
                        )
                except IntegrityError:
                    record = IdempotencyRecord.objects.for_partner(token.partner).get(key=key)
                    return replay(record, fingerprint)
                response = action(view, request, *args, **kwargs)
                if response.status_code >= 500:
                    raise ServerError(response)
                record.response_status = response.status_code
                record.response_body = json.loads(JSONRenderer().render(response.data) or b"null")
                record.save(update_fields=["response_status", "response_body"])
                return response
        except ServerError as error:
            return error.response

    return wrapper


def forget_old_keys(*, now) -> int:
    return IdempotencyRecord.objects.filter(created_at__lt=now - KEY_LIFETIME).delete()[0]
