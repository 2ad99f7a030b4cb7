"""Search of the partner's orders (the dashboard's ``q``).

``q`` is a case-insensitive substring of the order number, the common name or the customer's company
name. Rather than an OR of three ``icontains`` across a join (which reads every row of the partner),
it is one ``LIKE '%TERM%'`` on ``Order.search_text``, which a trigram index serves on PostgreSQL
(migration 0005). Both sides are folded by the database's ``UPPER``, as Django's ``icontains`` folds
them, so the rows are the same as the three ``icontains`` give, on SQLite too (``UPPER`` and ``LIKE``
there fold ASCII only, as before).
"""

from django.db.models import Q, TextField, Value
from django.db.models.functions import StrIndex, Upper
from django.db.models.lookups import GreaterThan

from .models import SEARCH_SEPARATOR

# Order numbers count up from a base (``ORDER_NUMBER_BASE``; seeded ones from 10,000,000), so every
# order shares their leading digits and the trigrams of a whole number are in nearly every row (16 ms
# at a million orders). A longer run of digits is looked up in the index by its last digits, which
# pick the order out (under 1 ms), and the whole run is checked on the rows found.
DIGITS_LOOKED_UP = 5


def substring_condition(text):
    """The meaning of ``q`` spelled out across the join; used for a term holding the separator."""
    return Q(order_number__icontains=text) | Q(common_name__icontains=text) | Q(customer__company_name__icontains=text)


def search_condition(text):
    """``q``: a substring of the order number, the common name or the customer's name."""
    if SEARCH_SEPARATOR in text:
        # A term holding the separator could match across two names in ``search_text``.
        return substring_condition(text)
    if text.isascii() and text.isdigit() and len(text) > DIGITS_LOOKED_UP:
        # Digits have no case. STRPOS is no index condition, so the planner keeps it as the check.
        return Q(search_text__contains=text[-DIGITS_LOOKED_UP:]) & Q(
            GreaterThan(StrIndex("search_text", Value(text, output_field=TextField())), 0)
        )
    return Q(search_text__contains=Upper(Value(text, output_field=TextField())))
