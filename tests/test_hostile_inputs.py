"""No input is a 500, and no response shows another partner's data.

Every URL pattern (ours and Django admin's, read from the resolver, so a new page is covered the day it
is added) is requested with hostile values in each path parameter, query parameter and form field: NUL
characters, numbers beyond bigint, negative numbers, 5,000-character strings, markup, unicode, and the
other partner's order numbers, email ids and customer ids, as every role: sales, support and partner
admin of partner A, partner B's admin, an anonymous visitor and a portal operator, with GET and POST.

Each request asserts: no 500 (the test client raises the view's exception), markup sent never comes back
unescaped, the other partner's order numbers, company names and host names appear only when the request
itself carried them, and a staff URL naming another partner's object is a 404. Every request runs inside
a savepoint that is rolled back, so a database error cannot poison the next one and nothing a POST
changes carries over. Hypothesis draws the combinations; explicit examples pin the defects of issue 12.
"""

import os
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from urllib.parse import quote, unquote, urlencode

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import get_resolver, reverse
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from notifications.links import unsubscribe_url
from notifications.models import EmailStatus, OutboxEmail, OutboxItem, Reminder
from partners.models import Role
from renewals.links import customer_renewal_token
from renewals.models import OrderNote
from tests.factories import (
    CertificateFactory,
    ContactFactory,
    CustomerFactory,
    MembershipFactory,
    OrderFactory,
    PartnerFactory,
)

pytestmark = pytest.mark.django_db

NUL = "\x00"
BEYOND_BIGINT = "99999999999999999999999"
MARKUP = "<script>alert('hostile')</script>"
LONG = "x" * 5000

# What each partner's staff may see and nobody else may, unless the request itself carried it.
SECRETS = {
    "a": {"order": "A4001001", "company": "Aurora Visible Trading", "host": "aurora-visible.example"},
    "b": {"order": "B9900991", "company": "Zephyr Hidden Holdings", "host": "zephyr-hidden.example"},
}


# --- the URL patterns, from the resolver ---


def url_patterns(resolver=None, prefix=""):
    """``{format string: parameter names}`` of every pattern, admin's included."""
    resolver = resolver or get_resolver()
    patterns = {}
    for key in list(resolver.reverse_dict.keys()):
        for possibilities, _pattern, _defaults, _converters in resolver.reverse_dict.getlist(key):
            for route, params in possibilities:
                patterns[prefix + route] = tuple(params)
    for _namespace, (namespace_prefix, sub_resolver) in resolver.namespace_dict.items():
        patterns.update(url_patterns(sub_resolver, prefix + namespace_prefix))
    return patterns


PATTERNS = url_patterns()
OURS = sorted(route for route in PATTERNS if not route.startswith("admin/"))
ADMIN = sorted(route for route in PATTERNS if route.startswith("admin/"))
# Staff pages whose path names one of the partner's objects: another partner's object is a 404.
PARTNER_OBJECT_PARAMS = {"order_number", "pk"}


@dataclass(frozen=True)
class Ref:
    """A value that exists only once the world is built: one of its ids or tokens."""

    name: str


# Every query parameter and form field the portal's and admin's views read.
QUERY_PARAMS = [
    "page", "q", "window", "notices", "product", "level", "customer", "action", "silent", "sort", "format",
    "panel", "plan_years", "kind", "threshold", "language", "order", "status", "next", "p", "o", "e", "all",
    "_changelist_filters", "_popup", "_to_field", "partner__id__exact", "status__exact", "order__partner__id__exact",
]  # fmt: skip
FORM_FIELDS = [
    "partner", "next", "enabled", "pem", "body", "plan_years", "product", "accept_price", "accepted_price",
    "reminder_thresholds", "reissue_thresholds", "reminder_send_hour", "username", "password", "language",
    Ref("price_1_year"), Ref("price_3_years"), "action", "_selected_action", "post", "name", "order_number",
    "common_name",
]  # fmt: skip


@dataclass(frozen=True)
class Case:
    method: str
    route: str
    path_values: tuple = ()
    query: tuple = ()  # (name, value) pairs
    form: tuple = ()


@dataclass
class World:
    users: dict
    refs: dict
    capabilities: dict = field(default_factory=dict)  # token -> partner key it opens
    sessions: dict = field(default_factory=dict)  # role -> session key

    def resolve(self, value):
        return self.refs[value.name] if isinstance(value, Ref) else value


@pytest.fixture
def world(db):
    """Partners A and B, each with a customer, a contact, an order with a certificate, a note, a
    reminder and a failed email; A's staff in every role, B's admin, and an operator."""
    refs, users, capabilities = {}, {}, {}
    for key in ("a", "b"):
        secret = SECRETS[key]
        partner = PartnerFactory(name=f"Partner {key.upper()}", slug=f"partner-{key}")
        customer = CustomerFactory(partner=partner, company_name=secret["company"])
        contact = ContactFactory(customer=customer, name=f"Contact {key}", email=f"it@{secret['host']}")
        order = OrderFactory(
            customer=customer,
            order_number=secret["order"],
            common_name=f"www.{secret['host']}",
            sans=[f"www.{secret['host']}", secret["host"]],
            term_end=date.today() + timedelta(days=30),
        )
        CertificateFactory(order=order)
        OrderNote.objects.create(order=order, body=f"Called {secret['company']}")
        reminder = Reminder.objects.create(order=order, kind="renewal", ends_on=order.term_end, threshold_days=30)
        email = OutboxEmail.new(
            partner=partner,
            contact=contact,
            to_email=contact.email,
            subject=f"Renew {secret['order']} for {secret['company']}",
            body_text=f"Dear {secret['company']}",
            body_html=f"<p>Dear {secret['company']}</p>",
            status=EmailStatus.FAILED,
        )
        email.save()
        OutboxItem.objects.create(email=email, reminder=reminder, contact=contact)
        token = customer_renewal_token(order, contact=contact)
        unsubscribe = unsubscribe_url(contact).rsplit("/u/", 1)[1].strip("/")
        capabilities[token] = capabilities[unsubscribe] = key
        refs |= {
            f"order_{key}": order.order_number,
            f"order_pk_{key}": str(order.pk),
            f"email_{key}": str(email.pk),
            f"customer_{key}": str(customer.pk),
            f"partner_{key}": str(partner.pk),
            "product": str(order.product_id),  # the price list's fields are named after products
            "price_1_year": f"price_{order.product_id}_1",
            "price_3_years": f"price_{order.product_id}_3",
            f"token_{key}": token,
            f"unsubscribe_{key}": unsubscribe,
        }
        users[f"admin_{key}"] = MembershipFactory(partner=partner, role=Role.ADMIN, user__username=f"admin-{key}").user
        if key == "a":
            for role in (Role.SALES, Role.SUPPORT):
                users[f"{role}_a"] = MembershipFactory(partner=partner, role=role, user__username=f"{role}-a").user
    users["operator"] = get_user_model().objects.create_superuser("operator", "operator@portal.example", "pw")
    users["anonymous"] = None
    return World(users=users, refs=refs, capabilities=capabilities)


ROLE_PARTNER = {"sales_a": "a", "support_a": "a", "admin_a": "a", "admin_b": "b", "anonymous": None, "operator": None}
ROLES = list(ROLE_PARTNER)


# --- one request, and what every response must satisfy ---


def admin_object_id(route):
    """A real primary key of the model an admin route edits, when it has rows."""
    match = re.match(r"admin/([^/]+)/([^/]+)/", route)
    if not match:
        return "1"
    try:
        model = apps.get_model(match[1], match[2])
    except LookupError:
        return "1"
    first = model._default_manager.order_by("pk").values_list("pk", flat=True).first()
    return str(first if first is not None else 1)


def build_request(world, case):
    params = PATTERNS[case.route]
    values = [world.resolve(v) for v in case.path_values] or [""]
    path_values = {name: values[i % len(values)] for i, name in enumerate(params)}
    for name, value in path_values.items():
        if value == "<object>":
            path_values[name] = admin_object_id(case.route)
    path = "/" + case.route % {name: quote(value, safe="") for name, value in path_values.items()}
    query = [(world.resolve(name), world.resolve(value)) for name, value in case.query]
    form = [(world.resolve(name), world.resolve(value)) for name, value in case.form]
    return path, path_values, query, form


def session_cookie(client, world, role):
    """The role's logged-in session, made once and outside the savepoints, so it outlives them."""
    if role not in world.sessions:
        client.cookies.clear()
        client.force_login(world.users[role])
        world.sessions[role] = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    return world.sessions[role]


def send(client, world, role, case):
    """(response, body, path values, everything the request carried) of one request, rolled back."""
    path, path_values, query, form = build_request(world, case)
    cookie = session_cookie(client, world, role) if world.users[role] is not None else None
    data = {}
    for name, value in form:
        data.setdefault(name, []).append(value)
    savepoint = transaction.savepoint()
    try:
        client.cookies.clear()
        if cookie:
            client.cookies[django_settings.SESSION_COOKIE_NAME] = cookie
        if case.method == "GET":
            response = client.get(path, query)
        else:
            response = client.post(f"{path}?{urlencode(query)}" if query else path, data)
        body = b"".join(response.streaming_content) if response.streaming else response.content
    finally:
        transaction.savepoint_rollback(savepoint)
    sent = query + form if case.method == "POST" else query
    carried = " ".join([unquote(path), *path_values.values(), *(f"{k} {v}" for k, v in sent)])
    return response, body.decode("utf-8", "replace"), path_values, carried


def check(world, role, case, response, body, path_values, carried):
    status = response.status_code
    assert status < 500, f"{status} for {case}"
    if NUL in carried:
        assert status == 400, f"{status}, not 400, for a NUL: {case}"
        return
    assert MARKUP not in body, f"markup sent came back unescaped: {case}"
    own = ROLE_PARTNER[role]
    opened = {partner for token, partner in world.capabilities.items() if token in carried}
    if role != "operator":
        for partner, secrets in SECRETS.items():
            if partner == own or partner in opened:
                continue
            for secret in secrets.values():
                assert secret not in body or secret in carried, f"{role} saw {secret!r} of partner {partner}: {case}"
    if own and not case.route.startswith("admin/"):
        other = "b" if own == "a" else "a"
        foreign = {world.refs[f"order_{other}"], world.refs[f"email_{other}"]}
        if any(path_values.get(name) in foreign for name in PARTNER_OBJECT_PARAMS):
            assert status == 404, f"{role} got {status}, not 404, for partner {other}'s object: {case}"


# --- values ---

EXPLICIT = [
    "1\x00",
    NUL,
    BEYOND_BIGINT,
    "-1",
    LONG,
    MARKUP,
    "한빛시큐어 ☃ \u202e٣",
    Ref("order_b"),
    Ref("email_b"),
    Ref("customer_b"),
    Ref("order_a"),
    Ref("email_a"),
]
# The deterministic walk's values: each fault once (markup rides on the long string).
WALK = [NUL, BEYOND_BIGINT, "-1", LONG + MARKUP, "한빛시큐어 ☃ \u202e٣", Ref("order_b"), Ref("email_b")]
REAL = [Ref(name) for name in ("order_a", "order_b", "email_a", "email_b", "customer_a", "customer_b")] + [
    Ref("token_a"),
    Ref("token_b"),
    Ref("unsubscribe_a"),
    Ref("unsubscribe_b"),
    Ref("partner_a"),
    Ref("partner_b"),
    Ref("product"),
    "<object>",
]

hostile_values = st.one_of(
    st.sampled_from(EXPLICIT + REAL),
    st.integers(min_value=-(2**80), max_value=2**80).map(str),
    st.text(st.characters(exclude_categories=("Cs",)), max_size=20),
    st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=3).map(lambda s: s * 2000),
)


def cases(routes):
    return st.builds(
        Case,
        method=st.sampled_from(["GET", "POST"]),
        route=st.sampled_from(routes),
        path_values=st.lists(hostile_values, min_size=1, max_size=2).map(tuple),
        query=st.lists(st.tuples(st.sampled_from(QUERY_PARAMS), hostile_values), max_size=4).map(tuple),
        form=st.lists(st.tuples(st.sampled_from(FORM_FIELDS), hostile_values), max_size=4).map(tuple),
    )


HYPOTHESIS = settings(
    max_examples=int(os.environ.get("HOSTILE_INPUT_EXAMPLES", 40)),  # more for a deeper search
    deadline=None,
    database=None,  # no .hypothesis folder in the work tree
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.mark.parametrize("role", ROLES)
@HYPOTHESIS
@given(case=st.one_of(cases(OURS), cases(OURS), cases(OURS), cases(ADMIN)))
# The defects issue 12 found, as they were sent.
@example(case=Case("GET", "outbox/", query=(("q", NUL),)))
@example(case=Case("GET", "outbox/", query=(("page", BEYOND_BIGINT),)))
@example(case=Case("GET", "orders/%(order_number)s/", path_values=(NUL,)))
@example(case=Case("GET", "orders/%(order_number)s/renew/", path_values=("1\x00",)))
@example(case=Case("GET", "expiring/", query=(("page", BEYOND_BIGINT), ("customer", BEYOND_BIGINT))))
@example(case=Case("GET", "reminders/preview/", query=(("order", NUL),)))
@example(case=Case("POST", "accounts/login/", form=(("username", LONG), ("password", "wrong"))))
@example(case=Case("POST", "admin/login/", form=(("username", LONG), ("password", "wrong"))))
@example(case=Case("GET", "r/%(token)s/", path_values=(LONG,)))
@example(case=Case("POST", "u/%(token)s/", path_values=(MARKUP,)))
@example(case=Case("POST", "partner/switch/", form=(("partner", BEYOND_BIGINT), ("next", MARKUP))))
@example(case=Case("GET", "admin/renewals/order/%(object_id)s/change/", path_values=(BEYOND_BIGINT,)))
def test_hostile_values_anywhere_never_cause_an_error_or_a_leak(client, world, role, case):
    check(world, role, case, *send(client, world, role, case))


def own_object(route, partner):
    """The partner's own object for a route's path parameter: its order, email or token."""
    if "order_number" in PATTERNS[route]:
        return Ref(f"order_{partner}")
    if "pk" in PATTERNS[route]:
        return Ref(f"email_{partner}")
    return Ref(f"unsubscribe_{partner}" if route.startswith("u/") else f"token_{partner}")


def test_every_one_of_our_urls_answers_each_hostile_value(client, world):
    """The walk Hypothesis samples, made in full for the portal's own pages: every pattern, GET and
    POST, each explicit value in every path parameter, query parameter and form field, and each in
    every query parameter and form field of the role's own object. The roles take turns."""
    roles = ["anonymous", "sales_a", "support_a", "admin_a", "admin_b"]
    turn = 0
    for route in OURS:
        for value in WALK:
            for method in ("GET", "POST"):
                role, turn = roles[turn % len(roles)], turn + 1
                query = tuple((name, value) for name in QUERY_PARAMS if name != "format")
                form = tuple((name, value) for name in FORM_FIELDS)
                paths = [(value,)] + ([(own_object(route, ROLE_PARTNER[role] or "a"),)] if PATTERNS[route] else [])
                for path_values in paths:
                    case = Case(method, route, path_values, query, form)
                    check(world, role, case, *send(client, world, role, case))


def test_every_admin_url_answers_hostile_ids_and_filters(client, world):
    """The operator's admin: every pattern with a real id and with hostile ones, its lists with
    hostile searches, pages, orderings and filters, and every form submitted empty."""
    for route in ADMIN:
        for value in ("<object>", BEYOND_BIGINT, LONG + MARKUP):
            query = (("q", value), ("p", value), ("o", value), ("partner__id__exact", value), ("_to_field", value))
            case = Case("GET", route, (value,), query if PATTERNS[route] == () else ())
            check(world, "operator", case, *send(client, world, "operator", case))
        # Submitting each form empty (an add form of read-only fields once saved an empty row) and
        # confirming each deletion, with a real id.
        case = Case("POST", route, ("<object>",), form=(("post", "yes"),))
        check(world, "operator", case, *send(client, world, "operator", case))


@pytest.mark.parametrize("role", ["sales_a", "support_a", "admin_a", "admin_b"])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_staff_url_naming_another_partners_object_is_a_404_for_every_role(client, world, role, method):
    other = "b" if ROLE_PARTNER[role] == "a" else "a"
    routes = [route for route in OURS if set(PATTERNS[route]) & PARTNER_OBJECT_PARAMS]
    assert len(routes) >= 9  # the seven order pages and the two outbox email pages
    for route in routes:
        value = Ref(f"email_{other}") if "pk" in PATTERNS[route] else Ref(f"order_{other}")
        case = Case(method, route, (value,), form=(("enabled", "true"), ("body", "note"), ("pem", "x")))
        response, body, path_values, carried = send(client, world, role, case)
        assert response.status_code == 404, case
        check(world, role, case, response, body, path_values, carried)


# --- each defect of issue 12, alone ---


def get(client, user, path, data=None):
    if user is not None:
        client.force_login(user)
    return client.get(path, data)


@pytest.mark.smoke
def test_a_nul_in_a_query_string_is_a_400_not_a_database_error(client, admin_a):
    response = get(client, admin_a, reverse("outbox"), {"q": NUL})
    assert response.status_code == 400
    assert b"Bad request" in response.content


@pytest.mark.smoke
def test_a_nul_in_an_order_path_is_a_400(client, admin_a):
    assert get(client, admin_a, "/orders/%00/").status_code == 400
    assert get(client, admin_a, "/orders/1001%00/renew/").status_code == 400


def test_a_nul_in_a_query_parameter_name_is_a_400(client, admin_a):
    assert get(client, admin_a, "/expiring/?a%00b=1").status_code == 400


POLICY = {"reminder_thresholds": "90, 30", "reissue_thresholds": "30", "reminder_send_hour": 9}


@pytest.mark.smoke
def test_a_nul_in_a_form_field_is_a_400(client, admin_a):
    client.force_login(admin_a)
    response = client.post(reverse("reminder-settings"), {**POLICY, "next": "/\x00"})
    assert response.status_code == 400
    assert b"Bad request" in response.content


def test_a_nul_in_an_upload_field_name_is_a_400(client, admin_a):
    client.force_login(admin_a)
    upload = SimpleUploadedFile("logo.png", b"\x89PNG", content_type="image/png")
    response = client.post(reverse("reminder-settings"), {"logo\x00": upload, **POLICY})
    assert response.status_code == 400
    assert b"Bad request" in response.content


def test_nul_bytes_inside_an_uploaded_file_are_allowed(client, admin_a):
    """Only names and text are checked: a file's content is bytes, NUL included."""
    client.force_login(admin_a)
    upload = SimpleUploadedFile("logo.png", b"\x89PNG\x00\x00", content_type="image/png")
    assert client.post(reverse("reminder-settings"), {"logo": upload, **POLICY}).status_code == 302


@pytest.mark.smoke
def test_a_nul_in_the_session_cookie_is_a_400_before_the_session_is_read(client, admin_a):
    client.cookies[django_settings.SESSION_COOKIE_NAME] = "abcdefgh\x00ijklmnop"
    assert client.get(reverse("home")).status_code == 400


def test_a_nul_in_a_header_is_a_400(client):
    assert client.get(reverse("login"), headers={"user-agent": "probe\x00"}).status_code == 400


def test_the_nul_guard_runs_before_the_session_and_the_views():
    middleware = django_settings.MIDDLEWARE
    guard = middleware.index("config.middleware.RejectNulBytesMiddleware")
    assert guard < middleware.index("django.contrib.sessions.middleware.SessionMiddleware")
    assert guard < middleware.index("axes.middleware.AxesMiddleware")


def test_the_bad_request_page_carries_the_security_headers_of_every_page(client):
    response = client.get("/orders/%00/")
    assert response.status_code == 400
    assert "script-src" in response["Content-Security-Policy"]
    assert "no-store" in response["Cache-Control"]


@pytest.mark.smoke
def test_an_outbox_page_beyond_bigint_shows_the_outbox(client, admin_a):
    response = get(client, admin_a, reverse("outbox"), {"page": BEYOND_BIGINT})
    assert response.status_code == 200
    assert response.context["emails"] == []


# "2" is past the end of an empty outbox, which shows its last (only) page.
@pytest.mark.parametrize(("value", "page"), [("0", 1), ("-5", 1), ("abc", 1), ("9" * 5000, 1), ("2", 1)])
def test_an_outbox_page_that_is_not_a_page_number_is_the_first_page(client, admin_a, value, page):
    assert get(client, admin_a, reverse("outbox"), {"page": value}).context["page"] == page


def test_an_expiring_page_beyond_the_deepest_page_is_ignored_and_said_so(client, admin_a):
    response = get(client, admin_a, reverse("expiring"), {"page": BEYOND_BIGINT})
    assert response.status_code == 200
    assert response.context["page"] == 1
    assert "page" in response.context["ignored"]


@pytest.mark.smoke
def test_an_expiring_customer_filter_beyond_bigint_is_ignored_and_said_so(client, admin_a):
    """PostgreSQL compared it and found nothing; SQLite raised OverflowError."""
    response = get(client, admin_a, reverse("expiring"), {"customer": BEYOND_BIGINT})
    assert response.status_code == 200
    assert "customer" in response.context["ignored"]


@pytest.mark.smoke
def test_switching_to_a_partner_id_beyond_bigint_is_refused_like_any_other_partner(client, admin_a):
    client.force_login(admin_a)
    assert client.post(reverse("switch-partner"), {"partner": BEYOND_BIGINT}).status_code == 403


@pytest.mark.smoke
def test_a_login_username_of_5000_characters_is_a_form_error_not_a_500(client):
    response = client.post(reverse("login"), {"username": LONG, "password": "wrong"})
    assert response.status_code == 200
    assert "A username has at most 150 characters." in response.context["form"].errors["username"]


def test_the_admin_login_refuses_a_5000_character_username_the_same_way(client):
    response = client.post(reverse("admin:login"), {"username": LONG, "password": "wrong"})
    assert response.status_code == 200
    assert response.context["form"].errors["username"]


def test_a_username_of_the_longest_allowed_length_is_still_checked_and_throttled(client):
    from axes.models import AccessAttempt

    username = "u" * 150
    response = client.post(reverse("login"), {"username": username, "password": "wrong"})
    assert response.status_code == 200
    assert "username" not in response.context["form"].errors
    assert AccessAttempt.objects.filter(username=username).exists()
