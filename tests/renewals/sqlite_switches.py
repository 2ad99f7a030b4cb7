"""Auto-renew switches on a file SQLite database, run as ``python -m tests.renewals.sqlite_switches
<scenario>`` in a process of its own (``DATABASE_URL`` names the migrated file), so the database settings
are the ones the run command gets. Prints what each request answered, as JSON.

- ``race``: the staff switch (on, 2 years) and the customer's (off) of one order at the same moment.
  Each request waits after reading the order's row until the other has read it too (or for a second),
  so both are inside their transactions at once: the race made certain rather than likely.
- ``held``: a switch while another connection holds the write lock longer than the lock timeout.
"""

import json
import sqlite3
import sys
import threading
from datetime import date, timedelta

import django

django.setup()

from django.contrib.messages import get_messages  # noqa: E402
from django.db import connections  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from partners.actors import CUSTOMER  # noqa: E402
from partners.models import Role  # noqa: E402
from renewals import auto_renew  # noqa: E402
from renewals.links import customer_renewal_path  # noqa: E402
from renewals.models import AutoRenewal  # noqa: E402
from tests.factories import ContactFactory, CustomerFactory, MembershipFactory, OrderFactory  # noqa: E402

BOTH_INSIDE_WAIT = 1.0  # seconds a request waits for the other to be inside its transaction too


def scheduled_order():
    """A sales person's order with auto-renew on (1 year), and the two switches' senders."""
    sales = MembershipFactory(role=Role.SALES)
    customer = CustomerFactory(partner=sales.partner)
    ContactFactory(customer=customer)
    order = OrderFactory(customer=customer, term_end=date.today() + timedelta(days=200))
    auto_renew.turn_on(order=order, by=CUSTOMER, plan_years=1, now=timezone.now())
    staff = Client(raise_request_exception=False)
    staff.force_login(sales.user)
    token = customer_renewal_path(order).rstrip("/").rsplit("/", 1)[1]
    customer_url = reverse("customer-auto-renew", kwargs={"token": token})
    staff_url = reverse("order-auto-renew", kwargs={"order_number": order.order_number})

    def staff_on():
        return staff.post(staff_url, {"auto-action": "on", "auto-plan_years": "2"})

    def customer_off():
        return Client(raise_request_exception=False).post(customer_url, {"auto-action": "off"})

    return order, [staff_on, customer_off]


def answer(response):
    return {"status": response.status_code, "messages": [m.message for m in get_messages(response.wsgi_request)]}


def race():
    order, sends = scheduled_order()
    inside = threading.Barrier(len(sends))
    lock_order = auto_renew.lock_order

    def lock_then_wait_for_the_other(order):
        locked = lock_order(order)
        try:
            inside.wait(timeout=BOTH_INSIDE_WAIT)
        except threading.BrokenBarrierError:  # the other waits for the lock: it cannot come in
            pass
        return locked

    auto_renew.lock_order = lock_then_wait_for_the_other
    start, answers = threading.Barrier(len(sends)), [None] * len(sends)

    def run(position, send):
        try:
            start.wait()
            answers[position] = answer(send())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(position, send)) for position, send in enumerate(sends)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return {"answers": answers, "status": AutoRenewal.objects.get(order=order).status}


def held():
    order, sends = scheduled_order()
    connections["default"].close()
    connections["default"].settings_dict["OPTIONS"]["timeout"] = 0.2
    other = sqlite3.connect(connections["default"].settings_dict["NAME"], isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # a writer that keeps the lock past the timeout
    try:
        answers = [answer(send()) for send in sends]
    finally:
        other.execute("ROLLBACK")
        other.close()
    return {"answers": answers, "status": AutoRenewal.objects.get(order=order).status}


if __name__ == "__main__":
    print(json.dumps({"race": race, "held": held}[sys.argv[1]]()))
