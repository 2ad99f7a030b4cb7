"""Hardening every request passes: nothing the app renders is kept by a cache, and failed logins are
counted against the client's own address, not the TLS proxy's."""

import ipaddress

from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.conf import settings
from django.utils.cache import add_never_cache_headers

# For the two staff pages that show a reminder email in a sandboxed ``srcdoc`` frame (the email preview
# and an outbox email): the frame inherits the page's policy, and an email is styled by inline style
# attributes (css-inline) and one <style> block. Scripts stay blocked; the frame is sandboxed anyway.
email_frame_csp = csp_update({"style-src": [UNSAFE_INLINE]})


class NoStoreMiddleware:
    """Mark every response the app renders ``Cache-Control: no-store`` (Django's ``never_cache``).

    Logged-in pages, the CSV export, the customer's renewal page (``/r/<token>/``) and the unsubscribe
    page show one partner's or one customer's data, which neither a shared cache nor the browser's
    history may keep; the app has no page worth caching. Static files never get here (WhiteNoise and
    runserver answer them first) and keep their long cache lifetimes. A partner's logo is the one
    exception the app serves (``public_and_immutable``): public, and named afresh at every upload.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not getattr(response, "public_and_immutable", False):
            add_never_cache_headers(response)
        return response


def client_ip_address(request):
    """The address django-axes counts failed logins against (``AXES_CLIENT_IP_CALLABLE``).

    Each of the ``TRUSTED_PROXY_COUNT`` proxies in front of the app appends the address it received the
    request from to X-Forwarded-For, so the client is the entry that many places from the right.
    Entries further left were written by the client and are ignored: a spoofed one cannot move an
    attacker out of their lock. A request that did not pass the proxies (too few entries, or one that is
    not an address) is counted against ``REMOTE_ADDR``.
    """
    remote_addr = request.META.get("REMOTE_ADDR")
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote_addr
    forwarded = [entry.strip() for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [entry for entry in forwarded if entry]
    if len(forwarded) < count:
        return remote_addr
    try:
        return str(ipaddress.ip_address(forwarded[-count]))
    except ValueError:
        return remote_addr
