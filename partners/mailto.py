"""``mailto:`` links to addresses the portal shows: the partner's reply-to, a customer's contacts."""

from urllib.parse import quote


def mailto_url(address: str) -> str:
    """A ``mailto:`` link to ``address`` alone (RFC 6068). Everything but the ``@`` before the domain is
    percent-encoded: a ``?``, ``&``, ``#``, ``%`` or ``,`` in a (quoted) local part would otherwise start
    header fields, a fragment, an escape or a second address, and some clients read a bare ``+`` as a
    space (``sales+renewals@…`` would reach ``sales renewals@…``)."""
    local, _at, domain = address.rpartition("@")
    return f"mailto:{quote(local, safe='')}@{quote(domain, safe='')}"
