"""Request guards that run before any view, session or database sees the request."""

from django.http import HttpResponseBadRequest
from django.template.loader import render_to_string

NUL = "\x00"


def _has_nul(values) -> bool:
    return any(NUL in value for value in values if isinstance(value, str))


def _query_dict_strings(query_dict):
    for key, values in query_dict.lists():
        yield key
        yield from values


def request_has_nul(request) -> bool:
    """Whether the path, query string, form fields, upload field names, cookies or headers hold a
    NUL character. PostgreSQL refuses NUL in text, so such a value can never match or be stored."""
    if NUL in request.path_info:
        return True
    if _has_nul(_query_dict_strings(request.GET)):
        return True
    if _has_nul(request.COOKIES.keys()) or _has_nul(request.COOKIES.values()):
        return True
    if _has_nul(value for key, value in request.META.items() if key.startswith("HTTP_")):
        return True
    if request.method == "POST":
        if _has_nul(_query_dict_strings(request.POST)):
            return True
        if _has_nul(request.FILES.keys()):  # Django strips control characters from file names itself
            return True
    return False


class RejectNulBytesMiddleware:
    """Answers 400 "Bad request" to any request carrying a NUL character, before the session, the
    login throttle or a view can pass it to the database (where it raised, and became a 500).

    No legitimate input holds a NUL: names, order numbers, tokens, prices and notes are all text.
    Malformed form bodies raise ``MultiPartParserError`` or ``TooManyFieldsSent`` here, which Django
    answers with a 400 as well.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request_has_nul(request):
            # The page is bilingual and standalone: the language, the user and the partner are not
            # resolved yet (they would read the very cookie or session key that may hold the NUL).
            return HttpResponseBadRequest(render_to_string("400.html"))
        return self.get_response(request)
