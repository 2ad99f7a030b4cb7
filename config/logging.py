"""Logging filters used by ``LOGGING`` in the settings: each request's outcome is logged once, in one line."""

import logging


def client_error(record):
    """The status code of a 4xx response the record is about, else ``None``."""
    status = getattr(record, "status_code", None)
    return status if isinstance(status, int) and 400 <= status < 500 else None


class NoClientErrorTraceback(logging.Filter):
    """A 403 or 404 is an expected answer, not a fault: log its line, not the exception's traceback."""

    def filter(self, record):
        if client_error(record) and record.exc_info:
            record.exc_info = None
            record.exc_text = None
        return True


class NotLoggedByDjangoRequest(logging.Filter):
    """Drops runserver's access line for a response of 400 or more: django.request has logged it already."""

    def filter(self, record):
        status = getattr(record, "status_code", None)
        return not (isinstance(status, int) and status >= 400)
