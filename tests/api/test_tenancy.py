"""Every endpoint × token: a token sees its partner's rows only; another partner's id is a 404
(never a 403 that confirms it); a revoked or missing token is a 401; a read-only token may not POST."""

import pytest

from api.urls import router
from tests.api.conftest import api_client
from tests.api.world import RESOURCES, rows_of

pytestmark = pytest.mark.django_db

ACTIONS = ["renew", "reissue", "notes"]


@pytest.fixture
def world(partner_a, partner_b, tokens_a, tokens_b):
    return {"a": rows_of(partner_a), "b": rows_of(partner_b, name="Zephyr Hidden Holdings")}


def test_the_tests_cover_every_registered_resource():
    assert sorted(prefix for prefix, _viewset, _basename in router.registry) == sorted(RESOURCES)


@pytest.mark.smoke
@pytest.mark.parametrize("resource", RESOURCES)
@pytest.mark.parametrize("scope", ["read", "write"])
def test_a_list_holds_only_the_tokens_partners_rows(world, tokens_a, resource, scope):
    response = api_client(getattr(tokens_a, scope)).get(f"/api/v1/{resource}/")
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [world["a"].id_of(resource)]


@pytest.mark.parametrize("resource", RESOURCES)
@pytest.mark.parametrize("scope", ["read", "write"])
def test_another_partners_id_is_a_404_and_its_own_a_200(world, tokens_a, resource, scope):
    client = api_client(getattr(tokens_a, scope))
    assert client.get(f"/api/v1/{resource}/{world['b'].id_of(resource)}/").status_code == 404
    assert client.get(f"/api/v1/{resource}/{world['a'].id_of(resource)}/").status_code == 200


@pytest.mark.parametrize("resource", RESOURCES)
def test_partner_bs_token_sees_the_mirror_image(world, tokens_b, resource):
    client = api_client(tokens_b.read)
    assert client.get(f"/api/v1/{resource}/{world['a'].id_of(resource)}/").status_code == 404
    assert [row["id"] for row in client.get(f"/api/v1/{resource}/").json()["results"]] == [world["b"].id_of(resource)]


@pytest.mark.parametrize("action", ACTIONS)
def test_posting_to_another_partners_order_is_a_404(world, tokens_a, action):
    response = api_client(tokens_a.write).post(
        f"/api/v1/orders/{world['b'].order.pk}/{action}/", {"body": "hello"}, format="json"
    )
    assert response.status_code == 404
    assert world["b"].order.notes.count() == 1


@pytest.mark.parametrize("action", ACTIONS)
def test_a_read_only_token_may_not_post(world, tokens_a, action):
    response = api_client(tokens_a.read).post(
        f"/api/v1/orders/{world['a'].order.pk}/{action}/", {"body": "x"}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["detail"] == "This token is read-only."


@pytest.mark.parametrize("resource", RESOURCES)
def test_a_revoked_token_is_a_401_everywhere(world, tokens_a, resource):
    client = api_client(tokens_a.revoked)
    assert client.get(f"/api/v1/{resource}/").status_code == 401
    assert client.get(f"/api/v1/{resource}/{world['a'].id_of(resource)}/").status_code == 401


@pytest.mark.parametrize("action", ACTIONS)
def test_a_revoked_token_may_not_post(world, tokens_a, action):
    response = api_client(tokens_a.revoked).post(f"/api/v1/orders/{world['a'].order.pk}/{action}/", {}, format="json")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


@pytest.mark.smoke
@pytest.mark.parametrize("header", [None, "Bearer", "Bearer nonsense", "Token abc", "Bearer a b"])
def test_no_or_an_unknown_token_is_a_401(world, header):
    client = api_client()
    if header:
        client.credentials(HTTP_AUTHORIZATION=header)
    assert client.get("/api/v1/orders/").status_code == 401


def test_a_staff_session_does_not_open_the_api(client, world, admin_a):
    """The API takes tokens only: a logged-in page session (no CSRF check on JSON) gets nothing."""
    client.force_login(admin_a)
    assert client.get("/api/v1/orders/").status_code == 401


@pytest.mark.parametrize(
    ("resource", "parameter", "row"),
    [("contacts", "customer", "customer"), ("certificates", "order", "order"), ("notes", "order", "order"),
     ("reminders", "order", "order"), ("orders", "customer", "customer"), ("outbox", "contact", "contact")],
)  # fmt: skip
def test_filtering_by_another_partners_id_finds_nothing(world, tokens_a, resource, parameter, row):
    other = getattr(world["b"], row).pk
    response = api_client(tokens_a.read).get(f"/api/v1/{resource}/", {parameter: other})
    assert response.status_code == 200
    assert response.json()["results"] == []


@pytest.mark.parametrize("value", ["99999999999999999999999", "-1", "abc", "1.5"])
def test_an_id_filter_that_is_not_an_id_is_a_400(world, tokens_a, value):
    response = api_client(tokens_a.read).get("/api/v1/certificates/", {"order": value})
    assert response.status_code == 400
    assert "order" in response.json()


def test_an_id_beyond_bigint_in_the_path_is_a_404(world, tokens_a):
    assert api_client(tokens_a.read).get("/api/v1/orders/9999999999999999999/").status_code == 404
