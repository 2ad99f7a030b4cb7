"""Events of the outbox that apps above may react to (the API's webhooks), so the sender knows no
listener. Sent by the sender once it has recorded the outcome (outside any transaction of its own),
with ``send_robust``: a listener's error is logged and never stops the sending run.

``reminder_email_sent(email)``: the server accepted the email. ``reminder_email_failed(email,
error)``: the email is failed for good (permanent error or the last attempt). ``email`` carries its
prefetched ``items`` (each with ``reminder.order``); items left out at send time are ``skipped``.
"""

from django.dispatch import Signal

reminder_email_sent = Signal()
reminder_email_failed = Signal()
