"""POST renew, reissue and notes through the API, and the Idempotency-Key."""

import threading
from datetime import date, timedelta

import pytest
from django.db import connection, connections

from api.models import IdempotencyRecord
from renewals.models import Order
from tests.api.conftest import api_client
from tests.factories import CertificateFactory, CustomerFactory, OrderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(partner_a):
    return OrderFactory(customer=CustomerFactory(partner=partner_a), term_end=date.today() + timedelta(days=20))


@pytest.mark.smoke
def test_renewing_makes_the_renewal_and_a_second_call_returns_it(api_a, order):
    first = api_a.post(f"/api/v1/orders/{order.pk}/renew/", {}, format="json")
    assert first.status_code == 201
    renewal = Order.objects.get(renewed_from=order)
    assert first.json()["renewal"]["id"] == renewal.pk
    assert first.json()["created"] is True
    second = api_a.post(f"/api/v1/orders/{order.pk}/renew/", {}, format="json")
    assert second.status_code == 200
    assert second.json() == {**first.json(), "created": False}


def test_a_renewal_by_token_is_recorded_as_its_creators(api_a, order, partner_a):
    api_a.post(f"/api/v1/orders/{order.pk}/renew/", {"plan_years": 2}, format="json")
    renewal = Order.objects.get(renewed_from=order)
    token = partner_a.api_tokens.get(name="Billing")
    assert renewal.created_by == token.created_by.user
    assert renewal.plan_years == 2


def test_a_renewal_not_open_yet_is_a_409_with_the_reason(api_a, partner_a):
    early = OrderFactory(customer=CustomerFactory(partner=partner_a), term_end=date.today() + timedelta(days=200))
    response = api_a.post(f"/api/v1/orders/{early.pk}/renew/", {}, format="json")
    assert response.status_code == 409
    assert response.json()["detail"].startswith("Renewal opens on")


def test_renewing_as_a_product_not_offered_is_a_400(api_a, order):
    response = api_a.post(f"/api/v1/orders/{order.pk}/renew/", {"product": 999999}, format="json")
    assert response.status_code == 400
    assert "product" in response.json()


def test_a_plan_beyond_three_years_is_a_400(api_a, order):
    assert api_a.post(f"/api/v1/orders/{order.pk}/renew/", {"plan_years": 4}, format="json").status_code == 400


def test_a_form_encoded_body_is_refused_with_415(api_a, order):
    assert api_a.post(f"/api/v1/orders/{order.pk}/renew/", {"plan_years": "1"}).status_code == 415


def test_reissue_when_none_is_due_says_so(api_a, order):
    CertificateFactory(order=order)
    response = api_a.post(f"/api/v1/orders/{order.pk}/reissue/", format="json")
    assert response.status_code == 200
    assert response.json()["requested"] is False


def test_adding_a_note(api_a, order):
    response = api_a.post(f"/api/v1/orders/{order.pk}/notes/", {"body": "Called: renews in May"}, format="json")
    assert response.status_code == 201
    assert order.notes.get().body == "Called: renews in May"
    assert api_a.get("/api/v1/notes/", {"order": order.pk}).json()["results"][0]["body"] == "Called: renews in May"


def test_an_empty_note_is_a_400(api_a, order):
    assert api_a.post(f"/api/v1/orders/{order.pk}/notes/", {"body": "  "}, format="json").status_code == 400


# --- Idempotency-Key ---


def post_note(client, order, body, key):
    return client.post(f"/api/v1/orders/{order.pk}/notes/", {"body": body}, format="json", HTTP_IDEMPOTENCY_KEY=key)


@pytest.mark.smoke
def test_a_retried_post_with_the_same_key_returns_the_first_answer(api_a, order):
    first = post_note(api_a, order, "once", "key-1")
    again = post_note(api_a, order, "once", "key-1")
    assert again.status_code == first.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert order.notes.count() == 1


def test_the_same_key_with_another_body_is_a_422(api_a, order):
    post_note(api_a, order, "once", "key-1")
    response = post_note(api_a, order, "something else", "key-1")
    assert response.status_code == 422
    assert order.notes.count() == 1


def test_the_same_key_on_another_order_is_a_422(api_a, order, partner_a):
    other = OrderFactory(customer=order.customer)
    post_note(api_a, order, "once", "key-1")
    assert post_note(api_a, other, "once", "key-1").status_code == 422


def test_keys_are_per_partner(api_a, order, tokens_b, partner_b):
    order_b = OrderFactory(customer=CustomerFactory(partner=partner_b))
    post_note(api_a, order, "once", "shared-key")
    assert post_note(api_client(tokens_b.write), order_b, "once", "shared-key").status_code == 201


def test_a_refused_renewal_is_replayed_too(api_a, partner_a):
    early = OrderFactory(customer=CustomerFactory(partner=partner_a), term_end=date.today() + timedelta(days=200))
    url = f"/api/v1/orders/{early.pk}/renew/"
    first = api_a.post(url, {}, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert api_a.post(url, {}, format="json", HTTP_IDEMPOTENCY_KEY="k").json() == first.json()
    assert IdempotencyRecord.objects.get(key="k").response_status == 409


def test_a_post_that_raised_leaves_the_key_free(api_a, order, partner_b):
    """A 404 (an exception, not an answer recorded) does not use up the key."""
    foreign = OrderFactory(customer=CustomerFactory(partner=partner_b))
    assert post_note(api_a, foreign, "x", "k").status_code == 404
    assert post_note(api_a, order, "x", "k").status_code == 201


@pytest.mark.parametrize("key", ["", "x" * 256, "한글"])
def test_an_unusable_key_is_a_400(api_a, order, key):
    response = api_a.post(
        f"/api/v1/orders/{order.pk}/notes/", {"body": "x"}, format="json", headers={"Idempotency-Key": key}
    )
    assert response.status_code == 400


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
@pytest.mark.parametrize("attempt", range(2))
def test_concurrent_retries_of_a_renewal_make_one_order_and_get_one_answer(attempt, partner_a, tokens_a):
    assert connection.vendor == "postgresql", "the race needs real row locks"
    order = OrderFactory(customer=CustomerFactory(partner=partner_a), term_end=date.today() + timedelta(days=20))
    start = threading.Barrier(4)
    answers, errors = [], []

    def retry():
        try:
            client = api_client(tokens_a.write)
            start.wait()
            response = client.post(
                f"/api/v1/orders/{order.pk}/renew/", {"plan_years": 1}, format="json", HTTP_IDEMPOTENCY_KEY="retry-me"
            )
            answers.append((response.status_code, response.json()))
        except Exception as error:  # surfaced by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=retry) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    assert Order.objects.filter(renewed_from=order).count() == 1
    assert [status for status, _body in answers] == [201] * 4
    assert len({body["renewal"]["id"] for _status, body in answers}) == 1
    assert all(body["created"] for _status, body in answers)  # the first answer, replayed


def test_keys_older_than_their_lifetime_are_forgotten_by_the_hourly_task(api_a, order):
    from django.utils import timezone

    from api.tasks import record_expired

    post_note(api_a, order, "once", "old-key")
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(days=8))
    post_note(api_a, order, "once", "new-key")
    assert record_expired()["keys_forgotten"] == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new-key"]
