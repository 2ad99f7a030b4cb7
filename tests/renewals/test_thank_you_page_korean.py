"""The thank-you page in Korean speaks as the other customer pages do: "무료 재발급" (never "무상"),
and the polite "주세요" (never "주십시오")."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from renewals.forms import price_key
from renewals.links import customer_renewal_path
from renewals.models import PartnerPrice
from renewals.selectors import renewal_preview
from tests.factories import CertificateFactory, ContactFactory, CustomerFactory, OrderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(partner_a):
    """Renewed on 1 Dec 2026: the current certificate still runs (until 17 Dec), and the new one is
    shorter than the new term (a free reissue follows), so every step of the page is said."""
    partner_a.reply_to = "billing@partner-a.example"
    partner_a.save()
    order = OrderFactory(customer=CustomerFactory(partner=partner_a), term_end=date(2027, 1, 1))
    CertificateFactory(
        order=order, not_before=datetime(2026, 6, 1, tzinfo=UTC), not_after=datetime(2026, 12, 17, tzinfo=UTC)
    )
    PartnerPrice.objects.update_or_create(
        partner=partner_a, product=order.product, plan_years=1, defaults={"price": Decimal("590000")}
    )
    return order


@time_machine.travel("2026-12-01T03:00:00Z", tick=False)
def test_the_korean_thank_you_page_says_free_reissue_and_asks_with_juseyo(client, order):
    """Bug (fixed): its reissue note said "무상 재발급" where every other page and email says "무료 재발급",
    and its reply-to and install steps said "주십시오" where the customer pages say "주세요"."""
    contact = ContactFactory(customer=order.customer, language="ko")
    price = renewal_preview(order=order, at=timezone.now(), plan_years=1).price
    accepting = {"plan_years": 1, "accept_price": "on", "accepted_price": price_key(price)}
    page = client.post(customer_renewal_path(order, contact=contact), accepting).content.decode()
    assert 'data-testid="reissue-note"' in page and 'data-testid="customer-renewed"' in page
    assert "무상" not in page and "주십시오" not in page
    assert f"{order.partner.name}에서 무료 재발급 인증서의 설치를 안내해 드리며" in page
    assert "주소로 보내 주세요." in page
    assert "현재 인증서의 만료일(2026년 12월 17일) 전에 설치해 주세요." in page
