"""The dashboard's search (``q``): one indexed column, ``Order.search_text``, giving the same rows as
three ``icontains`` across the customer join, and never stale whichever way an order or its
customer's name is written."""

from datetime import UTC, date, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from partners.models import Customer, Role
from renewals.expiring import listed_orders
from renewals.models import Order
from renewals.search import search_condition
from renewals.services import renew_order
from tests.factories import CustomerFactory, MembershipFactory, OrderFactory

# Each test but the plan's is in the smoke subset, which SQLite runs too.
pytestmark = [pytest.mark.django_db]

# Names with what folding can get wrong: case, Korean, LIKE's wildcards and escape, letters whose
# upper and lower case are not one-to-one (ß, final sigma, dotted İ, the Kelvin sign, ǅ).
NAMES = [
    ("20012345", "www.alpha.example", "Needle Foods"),
    ("777001", "shop.Beta-Store.kr", "(주)한빛전자"),
    ("K-9", "Mail.NEEDLE.io", "Blue River"),
    ("31", "www.web2345.example", "한빛 Secure Co"),
    ("32", "100%_off.example", "Back\\Slash Ltd"),
    ("33", "straße.example", "ΟΔΟΣ Ltd"),
    ("34", "www.İstanbul.example", "Kelvin \u212a Labs"),
    ("35", "ǅungla.example", "Ǆ and ǆ"),
    ("36", "host123456789.example", "Digits 987654 Ltd"),
]
TERMS = [
    *"needle NEEDLE NeEdLe 2345 20012345 0012345 12345678 23456789 987654 777 한빛 빛전 (주) beta-store BETA".split(),
    *"% _ 100%_ 0% \\ k\\s slash ß SS STRASSE straße σ ς Σ οσ i İ istanbul k K \u212a ǆ ǅ Ǆ a x www example".split(),
    # Across two names: the order number and the common name, joined in search_text by a newline.
    "20012345\nwww",
    "2345www",
    "example\nneedle",
]
ALPHABET = "".join(sorted({char for names in NAMES for name in names for char in name} | set("\n%_\\sSkKıIi")))


def meant(partner, term):
    """The rule: a case-insensitive substring of the order number, common name or company name,
    as Django's ``icontains`` reads it."""
    condition = (
        Q(order_number__icontains=term) | Q(common_name__icontains=term) | Q(customer__company_name__icontains=term)
    )
    return set(listed_orders(partner).filter(condition).values_list("order_number", flat=True))


def found(partner, term):
    return set(listed_orders(partner).filter(search_condition(term)).values_list("order_number", flat=True))


@pytest.fixture
def named_orders(partner_a, partner_b):
    for order_number, common_name, company in NAMES:
        OrderFactory(
            order_number=order_number,
            common_name=common_name,
            customer=CustomerFactory(partner=partner_a, company_name=company),
        )
    # Another partner's order with the same names is never found.
    OrderFactory(order_number="20012345", common_name="www.alpha.example", customer=CustomerFactory(partner=partner_b))
    return partner_a


@pytest.mark.smoke
@pytest.mark.parametrize("term", TERMS)
def test_search_finds_the_same_rows_as_the_substring_rule(named_orders, term):
    assert found(named_orders, term) == meant(named_orders, term)


@pytest.mark.smoke
@pytest.mark.parametrize(
    ("term", "numbers"),
    [
        ("nEEdle", {"20012345", "K-9"}),  # the company and the common name, any case
        ("한빛", {"777001", "31"}),  # Korean company names
        ("빛전", {"777001"}),
        ("2345", {"20012345", "31", "36"}),  # digits: inside an order number, and inside names
        ("20012345", {"20012345"}),  # a long run of digits: looked up by its last digits, then checked
        ("0012345", {"20012345"}),
        ("92012345", set()),
        ("23456789", {"36"}),
        ("987654", {"36"}),
        ("100%_", {"32"}),  # LIKE's wildcards are plain characters
        ("0%", {"32"}),
        ("k\\s", {"32"}),
        ("20012345\nwww", set()),  # a term never spans two names
        ("2345www", set()),
    ],
)
def test_search_matches_what_staff_typed(named_orders, term, numbers):
    assert found(named_orders, term) == numbers


@pytest.mark.smoke
@settings(
    max_examples=60,
    deadline=None,
    database=None,  # no .hypothesis folder in the work tree
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    term=st.one_of(
        st.text(alphabet=ALPHABET, min_size=1, max_size=4),
        # A piece of a stored name, its case changed one way or the other.
        st.tuples(
            st.sampled_from([name for names in NAMES for name in names]),
            st.integers(0, 30),
            st.integers(1, 9),
            st.sampled_from([str, str.upper, str.lower, str.swapcase]),
        ).map(lambda piece: piece[3](piece[0][piece[1] : piece[1] + piece[2]]) or "x"),
    )
)
def test_any_term_finds_the_same_rows_as_the_substring_rule(named_orders, term):
    assert found(named_orders, term) == meant(named_orders, term)


@pytest.mark.smoke
def test_a_renamed_customer_is_found_by_the_new_name_only(partner_a):
    customer = CustomerFactory(partner=partner_a, company_name="Old Name Ltd")
    order = OrderFactory(customer=customer, order_number="R1")
    customer.company_name = "Brand New Co"
    customer.save()
    assert found(partner_a, "brand new") == {"R1"}
    assert found(partner_a, "old name") == set()
    order.refresh_from_db()
    assert "BRAND NEW CO" in order.search_text


@pytest.mark.smoke
def test_a_customer_renamed_by_saving_only_its_name_is_found_by_it(partner_a):
    customer = CustomerFactory(partner=partner_a, company_name="Old Name Ltd")
    OrderFactory(customer=customer, order_number="R2")
    customer.company_name = "Named Again"
    customer.save(update_fields=["company_name"])
    assert found(partner_a, "named again") == {"R2"}


@pytest.mark.smoke
def test_saving_a_customer_without_renaming_it_rewrites_no_order(partner_a):
    customer = CustomerFactory(partner=partner_a)
    OrderFactory(customer=customer)
    customer.time_zone = "Europe/Berlin"
    with CaptureQueriesContext(connection) as captured:
        customer.save(update_fields=["time_zone"])
    assert not [query for query in captured if "renewals_order" in query["sql"]]


@pytest.mark.smoke
def test_an_order_saved_with_a_stale_customer_object_stores_the_current_name(partner_a):
    customer = CustomerFactory(partner=partner_a, company_name="Before Ltd")
    order = OrderFactory(customer=customer, order_number="S1")
    order = Order.objects.select_related("customer").get(pk=order.pk)  # holds "Before Ltd"
    Customer.objects.filter(pk=customer.pk).update(company_name="After Ltd")  # no signal: bypasses the receiver
    order.common_name = "www.changed.example"
    order.save()
    assert found(partner_a, "after") == {"S1"}
    assert found(partner_a, "before") == set()


@pytest.mark.smoke
def test_an_edited_order_is_found_by_its_new_names(partner_a):
    order = OrderFactory(customer=CustomerFactory(partner=partner_a), order_number="E1", common_name="www.old.example")
    order.common_name = "www.new.example"
    order.customer = CustomerFactory(partner=partner_a, company_name="Other Owner")
    order.save()
    assert found(partner_a, "new.example") == found(partner_a, "other owner") == {"E1"}
    assert found(partner_a, "old.example") == set()


@pytest.mark.smoke
def test_saving_some_fields_keeps_search_text_and_refreshes_it_with_the_names(partner_a):
    order = OrderFactory(customer=CustomerFactory(partner=partner_a), order_number="U1", common_name="www.a.example")
    order.status = "active"
    with CaptureQueriesContext(connection) as captured:
        order.save(update_fields=["status"])
    assert "search_text" not in captured[-1]["sql"]
    order.common_name = "www.b.example"
    order.save(update_fields=["common_name"])
    assert found(partner_a, "b.example") == {"U1"}


@pytest.mark.smoke
def test_queryset_updates_of_names_keep_search_text_current(partner_a):
    order = OrderFactory(customer=CustomerFactory(partner=partner_a), order_number="Q1", common_name="www.a.example")
    Order.objects.filter(pk=order.pk).update(common_name="www.updated.example", order_number="Q2")
    assert found(partner_a, "updated") == found(partner_a, "q2") == {"Q2"}
    Order.objects.filter(pk=order.pk).update(customer=CustomerFactory(partner=partner_a, company_name="Moved To Inc"))
    assert found(partner_a, "moved to") == {"Q2"}
    assert found(partner_a, "www.a.") == set()


@pytest.mark.smoke
def test_bulk_created_and_bulk_updated_orders_are_searchable(partner_a):
    template = OrderFactory(customer=CustomerFactory(partner=partner_a, company_name="Bulk Buyer"), order_number="B0")
    customer = template.customer
    fields = {f.attname: getattr(template, f.attname) for f in Order._meta.concrete_fields if f.name != "id"}
    fields.pop("search_text", None)
    orders = Order.objects.bulk_create(
        [Order(**{**fields, "order_number": f"B{n}", "common_name": f"www.bulk{n}.example"}) for n in range(1, 4)]
    )
    assert found(partner_a, "bulk buyer") == {"B0", "B1", "B2", "B3"}
    assert found(partner_a, "bulk2.") == {"B2"}
    orders[0].common_name = "www.rebuilt.example"
    orders[1].customer = CustomerFactory(partner=partner_a, company_name="Second Buyer")
    Order.objects.bulk_update(orders[:2], ["common_name", "customer"])
    assert found(partner_a, "rebuilt") == {"B1"}
    assert found(partner_a, "second buyer") == {"B2"}
    assert customer.orders.count() == 3


@pytest.mark.smoke
def test_a_renewal_is_found_by_its_own_number_and_the_names_it_carries(partner_a):
    sales = MembershipFactory(partner=partner_a, role=Role.SALES)
    old = OrderFactory(
        customer=CustomerFactory(partner=partner_a, company_name="Renewing Corp"),
        order_number="OLD1",
        common_name="www.renewing.example",
        term_end=date(2021, 1, 1),
    )
    renewal = renew_order(order=old, by=sales, at=datetime(2020, 12, 1, 3, tzinfo=UTC)).order
    assert found(partner_a, renewal.order_number) == {renewal.order_number}
    assert found(partner_a, "renewing corp") == found(partner_a, "www.renewing") == {"OLD1", renewal.order_number}


@pytest.mark.smoke
def test_the_search_text_is_read_back_from_the_database_after_a_write(partner_a):
    order = OrderFactory(customer=CustomerFactory(partner=partner_a, company_name="Readback"), order_number="RB1")
    assert order.search_text == "RB1\n" + order.common_name.upper() + "\nREADBACK"


@pytest.mark.postgres
def test_search_is_served_by_the_trigram_index(named_orders):
    """Every other way to the rows turned off, the planner still avoids the table scan: the condition
    is one the trigram index answers (a constant pattern on the indexed column)."""
    with connection.cursor() as cursor:
        for switch in ("enable_seqscan", "enable_indexscan", "enable_indexonlyscan"):
            cursor.execute(f"SET LOCAL {switch} = off")
        plans = [Order.objects.filter(search_condition(term)).explain() for term in ("needle", "20012345", "한빛전")]
    for plan in plans:
        assert "order_search_trgm_idx" in plan
        assert "Seq Scan" not in plan


@pytest.mark.smoke
@pytest.mark.django_db(transaction=True)
def test_the_migration_fills_search_text_as_saving_does(partner_a):
    """Migration 0005's backfill writes, for orders that existed before it, what ``save()`` writes."""
    OrderFactory(
        order_number="M1",
        common_name="www.Migrated.example",
        customer=CustomerFactory(partner=partner_a, company_name="(주)한빛 Straße"),
    )
    OrderFactory(order_number="M2", customer=CustomerFactory(partner=partner_a, company_name="Second"))
    saved = dict(Order.objects.values_list("order_number", "search_text"))
    executor = MigrationExecutor(connection)
    executor.migrate([("renewals", "0004_partner_prices")])
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert dict(Order.objects.values_list("order_number", "search_text")) == saved
    assert found(partner_a, "한빛 straße") == {"M1"}
