#!/usr/bin/env python3
"""Renew an order through the portal's REST API, and (optionally) wait for the signed webhook.

What a partner's billing system does, in a few lines of ``requests``:

1. find the order by its number: ``GET /api/v1/orders/?q=<number>`` (the dashboard's search);
2. renew it: ``POST /api/v1/orders/<id>/renew/`` with ``Authorization: Bearer <token>`` and an
   ``Idempotency-Key``. A retry (a timeout, a dropped connection, a 5xx, a 429) sends the same key,
   so the order is renewed once whatever happens to the answers: the portal replays the first one
   (``Idempotent-Replayed: true``). 201: renewed now; 200: it was renewed already (the renewal is
   returned); 409: it cannot be renewed now (the reason is in ``detail``).
3. with ``--listen``, receive the ``order.renewed`` webhook and verify its signature
   (``webhook_receiver.py``, next to this script; register its URL at Settings → Webhooks first).

Usage:
    export PORTAL_URL=http://127.0.0.1:8000 PORTAL_API_TOKEN=rpt_...   # a read-and-write token
    python scripts/api_renew_example.py 100234 [--plan-years 2] [--idempotency-key KEY]
    python scripts/api_renew_example.py 100234 --listen 127.0.0.1:8765 --webhook-secret whsec_...

Prints what happened (``--json``: one JSON object). Exit status 0 when the order is renewed (and,
with ``--listen``, a verified webhook arrived), 1 otherwise.
"""

import argparse
import json
import os
import sys
import time
import uuid

import requests
from webhook_receiver import Receiver

RETRIES = 4
RETRIED_STATUSES = {429, 500, 502, 503, 504}


class ApiError(Exception):
    pass


class Portal:
    def __init__(self, base_url, token, timeout=30):
        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()
        self.session.headers.update({"Authorization": f"Bearer {token}", "Accept": "application/json"})
        self.timeout = timeout

    def find_order(self, number):
        """The order whose number is ``number`` (the search matches substrings: pick the exact one)."""
        url, params = f"{self.base_url}/api/v1/orders/", {"q": number, "window": "all", "page_size": 200}
        while url:
            response = self.session.get(url, params=params, timeout=self.timeout)
            if response.status_code != 200:
                raise ApiError(f"listing orders: HTTP {response.status_code} {response.text[:300]}")
            page = response.json()
            for order in page["results"]:
                if order["order_number"] == number:
                    return order
            url, params = page["next"], None  # the next link carries the query and the cursor
        raise ApiError(f"no order numbered {number} (cancelled orders are not listed)")

    def renew(self, order_id, *, key, plan_years=None):
        """``(status, body, replayed)``; retried with the same key on a lost or failed answer."""
        body = {} if plan_years is None else {"plan_years": plan_years}
        headers = {"Idempotency-Key": key}
        url = f"{self.base_url}/api/v1/orders/{order_id}/renew/"
        for attempt in range(1, RETRIES + 1):
            try:
                response = self.session.post(url, json=body, headers=headers, timeout=self.timeout)
            except (requests.ConnectionError, requests.Timeout) as error:
                if attempt == RETRIES:
                    raise ApiError(f"renewing: {error}") from error
                time.sleep(2**attempt)
                continue
            if response.status_code in RETRIED_STATUSES and attempt < RETRIES:
                time.sleep(float(response.headers.get("Retry-After") or 2**attempt))
                continue
            replayed = response.headers.get("Idempotent-Replayed") == "true"
            try:
                answer = response.json()
            except ValueError:
                answer = {"detail": response.text[:300]}
            return response.status_code, answer, replayed
        raise AssertionError("unreachable")


def parse_listen(value):
    host, _, port = value.rpartition(":")
    return host or "127.0.0.1", int(port)


def main(argv=None):
    parser = argparse.ArgumentParser(description="Renew an order through the portal's API.")
    parser.add_argument("order_number", help="the partner's order number, as on the dashboard")
    parser.add_argument("--base-url", default=os.environ.get("PORTAL_URL", "http://127.0.0.1:8000"))
    parser.add_argument("--token", default=os.environ.get("PORTAL_API_TOKEN"), help="or PORTAL_API_TOKEN")
    parser.add_argument("--plan-years", type=int, choices=(1, 2, 3), help="default: the order's plan")
    parser.add_argument("--idempotency-key", default=None, help="default: a new UUID; reuse it to retry")
    parser.add_argument("--listen", metavar="HOST:PORT", help="receive the order.renewed webhook here")
    parser.add_argument("--webhook-secret", default=os.environ.get("PORTAL_WEBHOOK_SECRET"))
    parser.add_argument("--wait", type=float, default=30, help="seconds to wait for the webhook (default 30)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    if not args.token:
        parser.error("give an API token: --token or PORTAL_API_TOKEN")
    if args.listen and not args.webhook_secret:
        parser.error("--listen needs the webhook's signing secret: --webhook-secret or PORTAL_WEBHOOK_SECRET")

    key = args.idempotency_key or str(uuid.uuid4())
    receiver = None
    if args.listen:
        host, port = parse_listen(args.listen)
        receiver = Receiver(secret=args.webhook_secret, host=host, port=port).start()
    outcome = {"order_number": args.order_number, "idempotency_key": key}
    try:
        portal = Portal(args.base_url, args.token)
        order = portal.find_order(args.order_number)
        status, body, replayed = portal.renew(order["id"], key=key, plan_years=args.plan_years)
        outcome |= {"status": status, "replayed": replayed, "response": body}
        renewed = status in (200, 201)
        if renewed and receiver is not None:
            event = receiver.wait_for(
                lambda event: (
                    event.verified
                    and event.event_type == "order.renewed"
                    and event.payload["data"]["order"]["order_number"] == args.order_number
                ),
                args.wait,
            )
            outcome["webhook"] = event.summary() if event else None
            outcome["refused_webhooks"] = sum(1 for event in receiver.events if not event.verified)
            renewed = event is not None
    except ApiError as error:
        outcome["error"] = str(error)
        renewed = False
    finally:
        if receiver is not None:
            receiver.stop()
    print(json.dumps(outcome, ensure_ascii=False) if args.json else describe(outcome))
    return 0 if renewed else 1


def describe(outcome):
    if "error" in outcome:
        return f"Error: {outcome['error']}"
    body, lines = outcome["response"], []
    if outcome["status"] in (200, 201):
        renewal = body["renewal"]
        done = "Renewed" if body["created"] else "Renewed already"
        lines.append(
            f"{done}: order {outcome['order_number']} → {renewal['order_number']}, term {renewal['term_start']} – "
            f"{renewal['term_end']}, {renewal['price']} {renewal['currency']}"
            + (" (the first answer, replayed)" if outcome["replayed"] else "")
        )
        lines.append(f"Idempotency-Key: {outcome['idempotency_key']} (send it again to retry safely)")
    else:
        lines.append(f"Not renewed (HTTP {outcome['status']}): {body.get('detail', body)}")
    if "webhook" in outcome:
        event = outcome["webhook"]
        lines.append(
            f"Webhook {event['type']} {event['id']}: signature verified" if event else "No verified webhook arrived."
        )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
