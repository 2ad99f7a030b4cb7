"""URLs of one pattern for many values, with the pattern reversed once.

A dashboard page links 50 orders three ways and a reminder email signs a link per order; reversing
each (resolving the pattern, quoting) cost more than the rest of the row or the signing. The pattern
is reversed once per URLconf, script prefix and language with a placeholder, and each value is put
in its place.
"""

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.translation import get_language

PLACEHOLDER = "PLACEHOLDER"
_around = {}


def path_around(name: str, argument: str) -> tuple[str, str]:
    """The path of ``name`` before and after its one ``argument`` (a keyword, or "" for the first
    positional one)."""
    key = (name, argument, get_urlconf() or settings.ROOT_URLCONF, get_script_prefix(), get_language())
    if key not in _around:
        path = reverse(name, kwargs={argument: PLACEHOLDER}) if argument else reverse(name, args=[PLACEHOLDER])
        _around[key] = tuple(path.rsplit(PLACEHOLDER, 1))
    return _around[key]
