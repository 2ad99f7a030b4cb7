"""A new partner's reminder settings: the one place their defaults are written.

They live here, beside the ``Partner`` fields that hold them, because every reader sits above
``partners``: the dashboard's windows (``renewals.windows``), the reminder rules and forms
(``notifications``) and the demo data all import from here, and ``partners`` imports none of them.
"""

# Days before the end of a term when a renewal reminder goes out (DOMAIN.md: 90, 60, 30 and 7).
DEFAULT_RENEWAL_THRESHOLDS = (90, 60, 30, 7)
# Days before a certificate ends inside a paid term (the trade's practice: 30, 14, 7 and 3).
DEFAULT_REISSUE_THRESHOLDS = (30, 14, 7, 3)
# The hour of the customer's day from which reminders go out, in the customer's time zone.
DEFAULT_SEND_HOUR = 9
# Days before the end of a term when a follow-up call task appears for sales staff (issue 13).
DEFAULT_CALL_THRESHOLD_DAYS = 30
# Days before the end of a term when an order with auto-renew on is renewed (issue 15).
DEFAULT_AUTO_RENEW_DAYS = 30
