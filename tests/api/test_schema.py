"""The OpenAPI schema, its docs page, and schemathesis against the schema: no 500, and every answer
(status, content type, body) is one the schema documents."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.urls import reverse
from django.utils import translation
from drf_spectacular.plumbing import _load_enum_name_overrides
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from api.docs import schema_in
from api.templatetags.api_docs import inline_code
from tests.api.conftest import api_client
from tests.api.world import rows_of

pytestmark = pytest.mark.django_db


def test_the_schema_is_openapi_3_with_every_resource(client):
    response = client.get(reverse("api-schema"), {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    for path in ("/api/v1/orders/", "/api/v1/orders/{id}/renew/", "/api/v1/outbox/", "/api/v1/notes/"):
        assert path in schema["paths"]
    assert schema["components"]["securitySchemes"]["tokenAuth"]["scheme"] == "bearer"


def test_the_docs_page_lists_each_operation_without_scripts_from_elsewhere(client):
    response = client.get(reverse("api-docs"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "/api/v1/orders/{id}/renew/" in page
    assert "Idempotency-Key" in page
    assert "cdn" not in page.lower()


def test_the_api_is_throttled_per_token(settings, partner_a, tokens_a, tokens_b):
    from api.throttling import TokenRateThrottle

    TokenRateThrottle.THROTTLE_RATES = {"token": "3/min"}
    try:
        client = api_client(tokens_a.read)
        assert [client.get("/api/v1/customers/").status_code for _ in range(4)] == [200, 200, 200, 429]
        assert api_client(tokens_b.read).get("/api/v1/customers/").status_code == 200  # another token's count
    finally:
        from rest_framework.settings import api_settings

        TokenRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES


SCHEMA = schemathesis.openapi.from_wsgi("/api/schema/?format=json", __import__("config.wsgi").wsgi.application)


@pytest.fixture
def api_world(partner_a, partner_b, tokens_a):
    """Schemathesis calls the WSGI app directly: as Django's test client does, the end of a request
    must neither start nor end by closing the test's connection (its transaction holds the rows)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    rows_of(partner_a)
    rows_of(partner_b, name="Zephyr Hidden Holdings")
    yield tokens_a
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@SCHEMA.parametrize()
@settings(
    max_examples=5,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_as_its_schema_says(case, api_world):
    """Schema-valid and schema-violating requests alike: no 500, and every answer documented. Left out:
    "a schema-valid request is accepted" (a well-formed id of no row, an unknown product, is rightly
    a 400) and "a schema-violating request is rejected" (unknown query parameters are ignored, as on
    the dashboard; the invalid values of known ones are 400s, pinned in test_orders and test_tenancy)."""
    case.call_and_validate(
        headers={"Authorization": f"Bearer {api_world.write}"},
        excluded_checks=[positive_data_acceptance, negative_data_rejection],
    )


def test_the_docs_page_shows_the_schemas_code_spans_as_code_and_escapes_the_rest():
    assert inline_code("follow `next` <here>") == "follow <code>next</code> &lt;here&gt;"
    assert inline_code("`<b>`") == "<code>&lt;b&gt;</code>"
    assert inline_code("one ` alone & more") == "one ` alone &amp; more"


def human_texts(schema):
    """Every description and title in ``schema``, with where it is."""
    if isinstance(schema, dict):
        for key, value in schema.items():
            if key in ("description", "title") and isinstance(value, str) and value:
                yield key, value
            else:
                yield from human_texts(value)
    elif isinstance(schema, list):
        for value in schema:
            yield from human_texts(value)


def test_every_description_of_the_api_reference_goes_through_translation(monkeypatch):
    """Bug (fixed): /api/docs/ stayed English when the UI was Korean: its descriptions were plain
    strings, and the schema was generated once per process. A catalogue that marks every message
    shows that each description and title is now translated, in the language the schema is made in."""
    monkeypatch.setattr(translation._trans, "gettext", lambda message: f"⟦{message}⟧")
    caches = (schema_in, _load_enum_name_overrides)  # drf-spectacular's: the enums' names per language
    for cache in caches:
        cache.cache_clear()
    try:
        texts = list(human_texts(schema_in("ko")))
    finally:
        for cache in caches:
            cache.cache_clear()
    assert len(texts) > 40
    assert [text for text in texts if "⟦" not in text[1]] == []


def test_the_api_reference_speaks_the_readers_language_and_keeps_the_codes_names(client):
    korean = client.get(reverse("api-docs"), headers={"accept-language": "ko"}).content.decode()
    english = client.get(reverse("api-docs"), headers={"accept-language": "en"}).content.decode()
    assert "이 고객의 주문만 봅니다." in korean and "Only this customer&#x27;s orders." not in korean
    assert "파트너 갱신 포털 API" in korean and "Partner renewal portal API" in english
    assert "Only this customer&#x27;s orders." in english
    for code in ("/api/v1/orders/{id}/renew/", "order_number", "Idempotency-Key", "<code>next</code>", "silent"):
        assert code in korean and code in english, code
