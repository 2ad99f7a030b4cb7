"""The portal-wide hostile-input walk (tests/test_hostile_inputs.py), over the API's and its pages'
routes alone: no 500, no markup echoed, no other partner's data, for every role and session."""

import pytest

from tests.test_hostile_inputs import (
    FORM_FIELDS,
    OURS,
    PATTERNS,
    QUERY_PARAMS,
    ROLE_PARTNER,
    WALK,
    Case,
    check,
    own_object,
    send,
    world,  # noqa: F401 - the fixture
)

pytestmark = pytest.mark.django_db

ROUTES = [route for route in OURS if route.startswith(("api/", "settings/api", "settings/webhooks"))]


def test_the_walk_covers_the_api_and_its_pages():
    assert "api/v1/orders/%(id)s/renew/" in ROUTES
    assert "settings/webhooks/%(pk)s/" in ROUTES


@pytest.mark.parametrize("route", ROUTES)
def test_every_api_route_answers_each_hostile_value(client, world, route):  # noqa: F811
    roles = ["anonymous", "sales_a", "support_a", "admin_a", "admin_b", "operator"]
    for turn, value in enumerate(WALK):
        for method in ("GET", "POST"):
            role = roles[(turn * 2 + (method == "POST")) % len(roles)]
            query = tuple((name, value) for name in QUERY_PARAMS if name != "format")
            form = tuple((name, value) for name in FORM_FIELDS)
            partner = ROLE_PARTNER[role] or "a"
            paths = [(value,)] + ([(own_object(route, partner),)] if PATTERNS[route] else [])
            for path_values in paths:
                case = Case(method, route, path_values, query, form)
                check(world, role, case, *send(client, world, role, case))
