"""Events other apps react to, so renewals need not know about reminders.

``order_replaced`` is sent inside the transaction that renews an order (``reason="renewal"``,
``replacement`` the new order) or reissues its certificate (``reason="reissue"``, ``replacement`` the
order itself, now awaiting or holding its next certificate). Receivers cancel what was pending for
the old term or certificate; they run in the same transaction, so both happen or neither.
"""

from django.dispatch import Signal

order_replaced = Signal()
