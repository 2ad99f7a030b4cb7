"""The Expiring Certificates page: windows, filters in the URL, pagination, queries and CSV export."""

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from renewals.expiring import PAGE_SIZE
from renewals.models import NoticeChange, Order, OrderNote
from renewals.services import RenewalNotOpen, renew_order
from tests.factories import CertificateFactory, CustomerFactory, OrderFactory, ProductFactory

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]

NOW = "2026-11-25T01:00:00Z"  # 10:00 in Seoul
TODAY = date(2026, 11, 25)
URL = "/expiring/"


def make_order(partner, days, **kwargs):
    customer = kwargs.pop("customer", None) or CustomerFactory(partner=partner)
    return OrderFactory(customer=customer, term_end=TODAY + timedelta(days=days), **kwargs)


def listed(response):
    return [order.order_number for order in response.context["rows"]]


def counts(response):
    return {window.key: count for window, count in response.context["windows"]}


@pytest.fixture
def logged_in(client, support_a):
    client.force_login(support_a)
    return client


@time_machine.travel(NOW, tick=False)
def test_windows_count_and_list_their_orders(logged_in, partner_a):
    for days in (-7, -3, 0, 7, 8, 30, 31, 60, 61, 90, 91):
        make_order(partner_a, days, order_number=f"D{days}")
    response = logged_in.get(URL, {"window": "30"})
    assert counts(response) == {"expired": 1, "7": 2, "30": 2, "60": 2, "90": 2, "later": 1, "all": 11}
    assert listed(response) == ["D8", "D30"]
    assert listed(logged_in.get(URL, {"window": "expired"})) == ["D-3"]


@time_machine.travel(NOW, tick=False)
def test_window_edges_follow_the_partners_thresholds(logged_in, partner_a):
    partner_a.reminder_thresholds = [90, 45, 14, 3, 0, -14]
    partner_a.save()
    for days in (-13, 3, 4, 14, 15, 45):
        make_order(partner_a, days, order_number=f"D{days}")
    response = logged_in.get(URL, {"window": "14"})
    assert [w.key for w, _count in response.context["windows"]] == ["expired", "3", "14", "45", "90", "later", "all"]
    assert listed(response) == ["D4", "D14"]
    assert listed(logged_in.get(URL, {"window": "expired"})) == ["D-13"]


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("thresholds", "window"),
    [(None, "7"), ([90, 45, 14, 3, 0, -14], "3"), ([30, 14, 1, -3], "1")],
    ids=["default windows", "custom windows", "a one-day first window"],
)
def test_the_bare_address_opens_on_the_first_window_ahead(logged_in, partner_a, thresholds, window):
    if thresholds:
        partner_a.reminder_thresholds = thresholds
        partner_a.save()
    make_order(partner_a, -400, order_number="LAPSED")  # what "All" would list first
    make_order(partner_a, 0, order_number="TODAY")
    response = logged_in.get(URL)
    assert response.status_code == 302 and response["Location"] == f"{URL}?window={window}"
    page = logged_in.get(response["Location"])
    assert page.context["window"].key == window and listed(page) == ["TODAY"]


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("params", [{"window": "all"}, {"q": ""}, {"customer": ""}, {"page": "1"}, {"silent": ""}])
def test_any_parameter_keeps_the_list_as_before(logged_in, partner_a, params):
    make_order(partner_a, -400, order_number="LAPSED")
    make_order(partner_a, 0, order_number="TODAY")
    response = logged_in.get(URL, params)
    assert response.status_code == 200 and response.context["window"].key == "all"
    assert listed(response) == ["LAPSED", "TODAY"]


@time_machine.travel(NOW, tick=False)
def test_the_all_tab_links_to_window_all_explicitly(logged_in, partner_a):
    page = logged_in.get(URL, {"window": "7"}).content.decode()
    assert re.search(r'href="\?window=all"\s+data-window="all"', page)


@time_machine.travel(NOW, tick=False)
def test_an_htmx_request_of_the_bare_address_is_not_redirected(logged_in, partner_a):
    response = logged_in.get(URL, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and response.context["window"].key == "all"


@time_machine.travel(NOW, tick=False)
def test_search_matches_order_number_common_name_and_customer(logged_in, partner_a):
    make_order(partner_a, 10, order_number="777001")
    make_order(partner_a, 10, common_name="www.needle.example")
    make_order(partner_a, 10, customer=CustomerFactory(partner=partner_a, company_name="Needle Foods"))
    make_order(partner_a, 10, common_name="www.other.example")
    assert len(listed(logged_in.get(URL, {"q": "777001"}))) == 1
    assert len(listed(logged_in.get(URL, {"q": "needle"}))) == 2


@time_machine.travel(NOW, tick=False)
def test_the_page_summary_says_one_order_in_the_singular(logged_in, partner_a):
    make_order(partner_a, 10, order_number="777001")
    make_order(partner_a, 10)
    assert "Page 1 of 1 · 1 order<" in logged_in.get(URL, {"q": "777001"}).content.decode()
    assert "Page 1 of 1 · 2 orders<" in logged_in.get(URL, {"window": "all"}).content.decode()


@time_machine.travel(NOW, tick=False)
def test_filters_by_notices_product_level_and_customer(logged_in, partner_a):
    ev = ProductFactory(code="ev", validation_level="EV")
    customer = CustomerFactory(partner=partner_a)
    off = make_order(partner_a, 10, renewal_notices=False)
    on_ev = make_order(partner_a, 10, product=ev, customer=customer)
    assert listed(logged_in.get(URL, {"notices": "off"})) == [off.order_number]
    assert listed(logged_in.get(URL, {"product": ev.pk})) == [on_ev.order_number]
    assert listed(logged_in.get(URL, {"level": "EV"})) == [on_ev.order_number]
    assert listed(logged_in.get(URL, {"customer": customer.pk})) == [on_ev.order_number]


@time_machine.travel(NOW, tick=False)
def test_action_filter_tells_renew_reissue_and_renewed_apart(logged_in, partner_a):
    renew = make_order(partner_a, 20, order_number="RENEW")
    reissue = make_order(partner_a, 200, order_number="REISSUE")
    noon = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)
    CertificateFactory(order=reissue, not_before=noon - timedelta(days=180), not_after=noon + timedelta(days=20))
    renewed = make_order(partner_a, 20, order_number="RENEWED")
    OrderFactory(customer=renewed.customer, renewed_from=renewed, term_end=TODAY + timedelta(days=400))
    assert listed(logged_in.get(URL, {"window": "30", "action": "renew"})) == [renew.order_number]
    assert listed(logged_in.get(URL, {"window": "30", "action": "reissue"})) == [reissue.order_number]
    assert listed(logged_in.get(URL, {"window": "30", "action": "renewed"})) == [renewed.order_number]
    page = logged_in.get(URL, {"window": "30"}).content.decode()
    assert 'data-testid="reissue"' in page and 'data-testid="renewed"' in page


@time_machine.travel(NOW, tick=False)
def test_silent_filter_finds_orders_that_will_lapse_without_a_notice(logged_in, partner_a):
    lapsing = make_order(partner_a, 12, renewal_notices=False)
    make_order(partner_a, 12)
    make_order(partner_a, 45, renewal_notices=False)
    assert listed(logged_in.get(URL, {"silent": "on"})) == [lapsing.order_number]


@time_machine.travel(NOW, tick=False)
def test_sorting_by_expiry_both_ways(logged_in, partner_a):
    for days in (15, 5, 25):
        make_order(partner_a, days, order_number=f"D{days}")
    assert listed(logged_in.get(URL, {"sort": "expires"})) == ["D5", "D15", "D25"]
    assert listed(logged_in.get(URL, {"sort": "-expires"})) == ["D25", "D15", "D5"]


@time_machine.travel(NOW, tick=False)
def test_pages_are_stable_and_a_page_past_the_end_shows_the_last(logged_in, partner_a):
    for number in range(PAGE_SIZE + 5):
        make_order(partner_a, 10, order_number=f"N{number:03d}")
    first = listed(logged_in.get(URL, {"page": 1}))
    second = logged_in.get(URL, {"page": 2})
    assert len(first) == PAGE_SIZE and len(second.context["rows"]) == 5
    assert not set(first) & set(listed(second))
    assert logged_in.get(URL, {"page": 99}).context["page"] == 2


@time_machine.travel(NOW, tick=False)
def test_bad_parameters_are_ignored_and_reported_not_a_crash(logged_in, partner_a):
    make_order(partner_a, 10)
    response = logged_in.get(URL, {"window": "999", "product": "x", "page": "-1", "sort": "evil", "customer": "z"})
    assert response.status_code == 200
    assert set(response.context["ignored"]) == {"window", "product", "page", "sort", "customer"}
    assert response.context["window"].key == "all"


@time_machine.travel(NOW, tick=False)
def test_empty_state_says_what_to_do(logged_in):
    page = logged_in.get(URL, {"window": "7"}).content.decode()
    assert 'data-testid="empty-state"' in page
    assert "clear the filters" in page


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    "params",
    [
        {"window": "all"},
        {"window": "30"},
        {"q": "site"},
        {"notices": "on"},
        {"level": "OV"},
        {"action": "renew"},
        {"silent": "on"},
        {"sort": "-expires"},
        {"window": "all", "page": "2"},
    ],
)
def test_query_count_does_not_grow_with_rows(logged_in, partner_a, params):
    def queries_for_rows(count):
        Order.objects.all().delete()
        for _ in range(count):
            make_order(partner_a, 20, renewal_notices=params.get("notices") != "off" and "silent" not in params)
        with CaptureQueriesContext(connection) as captured:
            assert logged_in.get(URL, params).status_code == 200
        return len(captured)

    assert queries_for_rows(10) == queries_for_rows(100)


@time_machine.travel(NOW, tick=False)
def test_csv_export_streams_the_filtered_list_with_a_bom(logged_in, partner_a):
    make_order(
        partner_a, 10, order_number="K1", customer=CustomerFactory(partner=partner_a, company_name="(주)한빛전자")
    )
    make_order(partner_a, 50, order_number="K2")
    response = logged_in.get(URL, {"window": "30", "format": "csv"})
    assert response.streaming
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    lines = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert lines[0][0] == "Order #"
    assert [line[0] for line in lines[1:]] == ["K1"]
    assert lines[1][3] == "(주)한빛전자"


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("payload", ['=HYPERLINK("http://evil")', "+1+1", "-2+3", "@SUM(A1)", "\tX", "\rX"])
def test_csv_export_neutralises_text_that_spreadsheets_run_as_formulas(logged_in, partner_a, payload):
    make_order(
        partner_a,
        10,
        order_number="F1",
        common_name=payload,
        customer=CustomerFactory(partner=partner_a, company_name=payload),
    )
    make_order(partner_a, -3, order_number="F2")
    body = b"".join(logged_in.get(URL, {"format": "csv", "window": "all"}).streaming_content).decode()
    rows = {row[0]: row for row in csv.reader(io.StringIO(body.lstrip("\ufeff")))}
    assert rows["F1"][1] == rows["F1"][3] == "'" + payload
    assert rows["F2"][6] == "-3"  # numbers stay numbers, negative ones too


@time_machine.travel(NOW, tick=False)
def test_export_never_includes_another_partners_orders(logged_in, partner_a, order_b):
    make_order(partner_a, 10, order_number="MINE")
    body = b"".join(logged_in.get(URL, {"format": "csv"}).streaming_content).decode()
    assert "MINE" in body and order_b.order_number not in body


def switch_fragment(client, order, *values):
    """What the dashboard's switch (htmx) gets back for posting ``enabled=values``."""
    url = reverse("order-notices", args=[order.order_number])
    response = client.post(url, {"enabled": list(values)}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    return response.content.decode()


def switch_is_on(fragment):
    return bool(re.search(r'<input [^>]*data-testid="notices-switch"[^>]*\bchecked', fragment))


def test_switching_notices_saves_and_records_who_and_when(client, support_a, partner_a):
    order = make_order(partner_a, 10)
    client.force_login(support_a)
    fragment = switch_fragment(client, order, "false")
    assert "<html" not in fragment and 'data-state="saved"' in fragment and not switch_is_on(fragment)
    switch_fragment(client, order, "false")  # the same value again records nothing
    order.refresh_from_db()
    assert order.renewal_notices is False
    change = NoticeChange.objects.get(order=order)
    assert (change.changed_by, change.old_value, change.new_value) == (support_a, True, False)


def test_a_ticked_switch_sends_true_after_its_hidden_false_and_the_last_wins(client, support_a, partner_a):
    order = make_order(partner_a, 10, renewal_notices=False)
    client.force_login(support_a)
    assert switch_is_on(switch_fragment(client, order, "false", "true"))
    order.refresh_from_db()
    assert order.renewal_notices is True


def test_switching_notices_without_javascript_goes_to_the_order_with_a_message(client, support_a, partner_a):
    order = make_order(partner_a, 10)
    client.force_login(support_a)
    response = client.post(reverse("order-notices", args=[order.order_number]), {"enabled": "false"})
    assert response.status_code == 302 and response["Location"] == reverse("order-detail", args=[order.order_number])
    assert "Renewal notices are off." in client.get(response["Location"]).content.decode()


def test_switching_notices_with_a_bad_value_is_a_400(client, support_a, partner_a):
    order = make_order(partner_a, 10)
    client.force_login(support_a)
    assert client.post(reverse("order-notices", args=[order.order_number]), {"enabled": "maybe"}).status_code == 400


def test_notes_are_kept_newest_first(client, sales_a, partner_a):
    order = make_order(partner_a, 10)
    client.force_login(sales_a)
    url = reverse("order-notes", args=[order.order_number])
    client.post(url, {"body": "First call"})
    client.post(url, {"body": "Customer will renew in December"})
    client.post(url, {"body": "   "})
    assert list(OrderNote.objects.filter(order=order).values_list("body", flat=True)) == [
        "Customer will renew in December",
        "First call",
    ]
    page = client.get(reverse("order-detail", args=[order.order_number])).content.decode()
    assert page.index("Customer will renew in December") < page.index("First call")


@pytest.mark.parametrize("name", ["order-notices", "order-notes"])
def test_another_partners_notes_and_notices_are_404(client, sales_a, order_b, name):
    client.force_login(sales_a)
    response = client.post(reverse(name, args=[order_b.order_number]), {"enabled": "false", "body": "x"})
    assert response.status_code == 404
    order_b.refresh_from_db()
    assert order_b.renewal_notices and not order_b.notes.exists()


def test_quick_view_panel_is_a_fragment(client, sales_a, partner_a):
    order = make_order(partner_a, 10)
    client.force_login(sales_a)
    panel = client.get(reverse("order-detail", args=[order.order_number]), {"panel": "1"}).content.decode()
    assert "<html" not in panel and order.order_number in panel


def test_quick_view_answers_htmx_with_the_panel_whose_forms_post_in_place(client, sales_a, partner_a):
    order = make_order(partner_a, 10)
    client.force_login(sales_a)
    url = reverse("order-detail", args=[order.order_number])
    response = client.get(url, HTTP_HX_REQUEST="true")
    panel = response.content.decode()
    assert "<html" not in panel and 'data-testid="full-page-link"' in panel
    assert f'hx-post="{reverse("order-notes", args=[order.order_number])}"' in panel
    assert "HX-Request" in response["Vary"]  # the same URL is a full page without the header
    page = client.get(url).content.decode()
    assert "<html" in page and "hx-post" not in page


def test_a_note_added_in_the_panel_answers_with_the_panel_saying_so(client, sales_a, partner_a):
    """The note view redirects as for a plain post; htmx follows with its header and gets the panel."""
    order = make_order(partner_a, 10)
    client.force_login(sales_a)
    url = reverse("order-notes", args=[order.order_number])
    response = client.post(url, {"body": "Called the customer"}, HTTP_HX_REQUEST="true", follow=True)
    panel = response.content.decode()
    assert "<html" not in panel
    assert 'data-testid="panel-message"' in panel and "Note added." in panel
    assert "Called the customer" in panel
    empty = client.post(url, {"body": "  "}, HTTP_HX_REQUEST="true", follow=True).content.decode()
    assert "<html" not in empty and "alert-danger" in empty


def filter_bar(response):
    html = response.content.decode()
    return html[html.index('data-testid="filters"') : html.index("</form>", html.index('data-testid="filters"'))]


def test_the_filter_bar_is_the_filtersets_form_and_shows_what_was_chosen(logged_in, partner_a):
    ev = ProductFactory(code="ev", name="Zeta EV", validation_level="EV")
    ProductFactory(code="dv", name="Alpha DV")
    params = {"q": "shop", "product": ev.pk, "level": "EV", "notices": "off", "action": "renew", "sort": "-expires"}
    bar = filter_bar(logged_in.get(URL, params))
    assert 'id="filter-q"' in bar and 'value="shop"' in bar
    assert f'<option value="{ev.pk}" selected>Zeta EV</option>' in bar
    assert bar.index("Alpha DV") < bar.index("Zeta EV")  # every product, by name
    for value in ("EV", "off", "renew", "-expires"):
        assert f'<option value="{value}" selected>' in bar
    assert "Organization validation (OV)" in bar  # the levels come from the model's choices


@time_machine.travel(NOW, tick=False)
def test_the_filter_bar_carries_what_it_understood_but_not_the_page(logged_in, partner_a):
    customer = CustomerFactory(partner=partner_a)
    bar = filter_bar(logged_in.get(URL, {"window": "30", "silent": "on", "customer": customer.pk, "page": "2"}))
    hidden = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', bar))
    assert hidden == {"window": "30", "silent": "on", "customer": str(customer.pk)}
    response = logged_in.get(URL, {"window": "999", "customer": "z", "q": "x" * 101})
    assert set(response.context["ignored"]) == {"window", "customer", "q"}
    assert 'type="hidden"' not in filter_bar(response) and "x" * 101 not in filter_bar(response)


@time_machine.travel(NOW, tick=False)
def test_renew_now_is_disabled_before_the_window_and_says_when_it_opens(client, sales_a, partner_a):
    make_order(partner_a, 120, order_number="LATER")
    make_order(partner_a, 60, order_number="OPEN")
    client.force_login(sales_a)
    page = client.get(URL, {"window": "all"}).content.decode()
    assert page.count('data-testid="renew-later"') == 1 and page.count('data-testid="renew-now"') == 1
    assert "Opens 25 Dec 2026" in page  # ends 2027-03-25: the window opens 90 days before


@time_machine.travel(NOW, tick=False)
def test_renew_now_opens_on_the_customers_day_as_the_service_decides(client, sales_a, partner_a):
    """10:00 on 25 Nov in Seoul is still 24 Nov in New York: a New York customer's window opening on
    the 25th is not open yet, on the row as in renew_order."""
    new_york = CustomerFactory(partner=partner_a, time_zone="America/New_York")
    seoul = CustomerFactory(partner=partner_a, time_zone="Asia/Seoul")
    make_order(partner_a, 90, order_number="NY", customer=new_york)
    make_order(partner_a, 90, order_number="SEOUL", customer=seoul)
    client.force_login(sales_a)
    page = client.get(URL, {"window": "90"}).content.decode()
    row = {number: re.search(rf'data-order="{number}".*?</tr>', page, re.S).group(0) for number in ("NY", "SEOUL")}
    assert 'data-testid="renew-later"' in row["NY"] and 'data-testid="renew-now"' in row["SEOUL"]
    membership = sales_a.memberships.get()
    with pytest.raises(RenewalNotOpen):
        renew_order(order=Order.objects.get(order_number="NY"), by=membership, at=timezone.now())
    assert renew_order(order=Order.objects.get(order_number="SEOUL"), by=membership, at=timezone.now()).created


@time_machine.travel(NOW, tick=False)
def test_csv_export_says_what_each_row_needs_as_the_list_does(logged_in, partner_a, sales_a):
    renew = make_order(
        partner_a, 10, order_number="R1", sans=["r1.example", "www.r1.example"], common_name="r1.example"
    )
    reissue = make_order(partner_a, 20, order_number="I1")
    reissue.expires_on = TODAY + timedelta(days=5)  # the certificate ends inside the paid term
    Order.objects.filter(pk=reissue.pk).update(expires_on=reissue.expires_on)
    renewed = make_order(partner_a, 12, order_number="D1")
    membership = sales_a.memberships.get()
    new_order = renew_order(order=renewed, by=membership, at=timezone.now()).order
    body = b"".join(logged_in.get(URL, {"format": "csv", "window": "all"}).streaming_content).decode()
    rows = {row[0]: row for row in csv.reader(io.StringIO(body.lstrip("\ufeff")))}
    assert rows["R1"] == [
        "R1", "r1.example", "www.r1.example", renew.customer.company_name, renew.customer.account_number,
        "2026-12-05", "10", "2026-12-05", renew.product.name, renew.product.validation_level, "1",
        "590000", renew.currency, "On", "Renew", "",
    ]  # fmt: skip
    assert (rows["I1"][5], rows["I1"][6], rows["I1"][14]) == ("2026-11-30", "5", "Reissue")
    assert (rows["D1"][14], rows["D1"][15]) == ("Renewed", new_order.order_number)
    assert [
        row.action for row in Order.objects.filter(order_number__in=["R1", "I1", "D1"]).order_by("order_number")
    ] == [
        "renewed",
        "reissue",
        "renew",
    ]


@time_machine.travel(NOW, tick=False)
def test_a_row_says_when_its_order_renews_by_itself(logged_in, partner_a):
    from partners.actors import CUSTOMER
    from renewals.auto_renew import turn_off, turn_on

    scheduled = make_order(partner_a, 20, order_number="777100")
    switched_off = make_order(partner_a, 21, order_number="777101")
    make_order(partner_a, 22, order_number="777102")
    at = datetime(2026, 11, 25, 1, tzinfo=UTC)
    auto = turn_on(order=scheduled, by=CUSTOMER, plan_years=1, now=at)
    turn_on(order=switched_off, by=CUSTOMER, plan_years=1, now=at)
    turn_off(order=switched_off, by=CUSTOMER, now=at)
    with CaptureQueriesContext(connection) as queries:
        html = logged_in.get(URL, {"window": "all"}).content.decode()
    marks = re.findall(r'data-order="(\d+)".*?</tr>', html, flags=re.S)
    assert marks == ["777100", "777101", "777102"]
    rows = dict(re.findall(r'data-order="(\d+)"(.*?)</tr>', html, flags=re.S))
    assert f"Auto-renew on {auto.renew_on:%-d %b %Y}" in rows["777100"]
    assert 'data-testid="row-auto-renew"' not in rows["777101"] + rows["777102"]
    turn_off(order=scheduled, by=CUSTOMER, now=at)
    with CaptureQueriesContext(connection) as without:
        logged_in.get(URL, {"window": "all"})
    assert len(queries) == len(without)  # joined to the page's rows, never read per row
