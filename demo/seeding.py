"""Deterministic demo and benchmark data: partners, staff, customers, orders and certificates.

Everything comes from one seeded random generator per partner, and dates are relative to the day of
seeding, so two runs on the same day build the same rows. Names come from Faker (``ko_KR`` for a
Korean partner, ``en_US`` for the others), drawn once per process into pools from a seeded Faker and
then picked with the partner's generator: Faker per row would be the slowest part of seeding a
million orders. A partner that exists already is left untouched, which makes seeding safe to run
twice.
"""

import functools
import random
import zoneinfo
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone
from faker import Faker

from notifications.policy import working_hours
from notifications.sweep import evaluate_tracks, tracks_for
from offers.assignment import variant_for
from offers.models import Offer, OfferExposure, OfferVariant
from offers.selection import AppliedOffer
from partners.models import Contact, Customer, Partner, Role, StaffMembership
from partners.money import Currency
from renewals.auto_renew import renew_on_for
from renewals.models import (
    MAX_PLAN_YEARS,
    AutoRenewal,
    Certificate,
    NoticeChange,
    Order,
    OrderStatus,
    PartnerPrice,
    Product,
    order_number_for,
)
from renewals.money import round_to_unit
from renewals.pricing import discounted
from renewals.services import build_renewal
from renewals.validity import certificate_validity, quote_renewal, start_of_day

from .reminder_history import seed_reminder_history

try:
    from tqdm import tqdm
except ImportError:  # a development tool (requirements-dev.txt): without it, seeding shows no progress
    tqdm = None

DEMO_PASSWORD = "demo-pass-2026"
SEED = 2026
BATCH = 5000
SEEDED_ORDER_NUMBER_BASE = 10_000_000

PRODUCTS = [
    # code, brand, name, level, wildcard, multi-domain, seal, warranty, malware, ct, support, lifecycle, KRW/year
    (
        "secure-site-ov",
        "Secure Site",
        "Secure Site OV",
        "OV",
        False,
        False,
        True,
        1_500_000,
        True,
        True,
        True,
        True,
        590_000,
    ),
    (
        "secure-site-ev",
        "Secure Site",
        "Secure Site EV",
        "EV",
        False,
        False,
        True,
        1_750_000,
        True,
        True,
        True,
        True,
        890_000,
    ),
    (
        "secure-site-pro-ov",
        "Secure Site Pro",
        "Secure Site Pro OV",
        "OV",
        False,
        False,
        True,
        1_750_000,
        True,
        True,
        True,
        True,
        1_090_000,
    ),
    (
        "secure-site-pro-ev",
        "Secure Site Pro",
        "Secure Site Pro EV",
        "EV",
        False,
        False,
        True,
        2_000_000,
        True,
        True,
        True,
        True,
        1_390_000,
    ),
    (
        "secure-site-ov-wildcard",
        "Secure Site",
        "Secure Site OV Wildcard",
        "OV",
        True,
        False,
        True,
        1_500_000,
        True,
        True,
        True,
        True,
        1_790_000,
    ),
    (
        "secure-site-pro-ev-multi",
        "Secure Site Pro",
        "Secure Site Pro EV Multi-Domain",
        "EV",
        False,
        True,
        True,
        2_000_000,
        True,
        True,
        True,
        True,
        2_490_000,
    ),
    ("basic-ov", "Basic", "Basic OV", "OV", False, False, False, 1_250_000, False, True, True, False, 290_000),
    ("basic-ev", "Basic", "Basic EV", "EV", False, False, False, 1_500_000, False, True, True, False, 490_000),
    (
        "basic-ov-wildcard",
        "Basic",
        "Basic OV Wildcard",
        "OV",
        True,
        False,
        False,
        1_250_000,
        False,
        True,
        True,
        False,
        890_000,
    ),
    (
        "basic-ov-multi",
        "Basic",
        "Basic OV Multi-Domain",
        "OV",
        False,
        True,
        False,
        1_250_000,
        False,
        True,
        True,
        False,
        690_000,
    ),
    ("standard-dv", "Standard", "Standard DV", "DV", False, False, False, 10_000, False, False, False, False, 99_000),
]
PRODUCT_WEIGHTS = [14, 6, 8, 4, 6, 3, 18, 6, 8, 7, 20]
# Each product's next step up, what a renewal suggests: Secure Site → Secure Site Pro, OV → EV.
UPGRADE_PATHS = {
    "standard-dv": "basic-ov",
    "basic-ov": "basic-ev",
    "basic-ov-wildcard": "secure-site-ov-wildcard",
    "secure-site-ov": "secure-site-pro-ov",
    "secure-site-ev": "secure-site-pro-ev",
    "secure-site-pro-ov": "secure-site-pro-ev",
}


@dataclass(frozen=True)
class DemoPartner:
    slug: str
    name: str
    language: str
    time_zone: str
    sender_name: str
    reply_to: str
    customers: int
    orders: int
    currency: str = Currency.KRW
    with_offer: bool = False  # the demo partners run a discount experiment; benchmark partners do not
    history: int = 0  # terms that ended in the past year (renewed or lapsed), beside ``orders``
    # The reminders, emails and link opens of the past (``reminder_history.py``): the demo's, not a benchmark's.
    reminder_history: bool = False
    # The year at a steady pace (``STEADY_*``): the demo's. A benchmark keeps the book it is measured on.
    steady: bool = False


# Terms of a demo partner that ended in the past year: the home page's renewal rate and the reports'
# months have a past to show. About 7 a day, as many as end each day of the year ahead (``steady``).
HISTORY = 2700
# Of those, the share renewed before the end (the rest lapsed), and how early (days before the end).
HISTORY_RENEWED = 0.72
HISTORY_RENEWED_EARLY = (0, 75)
# The share renewed after the end instead (late), at most this many days after it.
HISTORY_RENEWED_LATE = 0.08
HISTORY_LATE_DAYS = 21
# How many days ago those terms ended (the book's own ended terms are the last week's).
HISTORY_DAYS_AGO = (8, 330)

# A steady partner's year, as a reseller's runs: about as many terms end per day in the year ahead as
# ended in the past one (every day of it), and most of those ahead are the renewals of those past
# (``seed_history``): a sales lead reading the reports' months and the home page's windows sees one
# business. Its book (``orders``) brings the rest of the year ahead, about the share of the past year
# that lapsed (new business), and the multi-year plans ending after it: (weight, days left) as below,
# without 365 and 730 days left (a term of whole years ending then would start tomorrow).
STEADY_HISTORY_DAYS_AGO = (1, 365)
STEADY_DAYS_LEFT_BUCKETS = ((21, 0, 364), (30, 366, 729), (10, 731, 1094))
# A demo partner's book beside its HISTORY: about the lapsed fifth of it in the year ahead (21 of the
# weights' 61), and the multi-year plans ending later.
DEMO_BOOK = 1650

DEMO_PARTNERS = [
    DemoPartner(
        "acme",
        "Acme Certificates",
        "en",
        "Asia/Seoul",
        "Acme Renewals",
        "renewals@acme.example",
        800,
        DEMO_BOOK,
        with_offer=True,
        history=HISTORY,
        reminder_history=True,
        steady=True,
    ),
    DemoPartner(
        "hanbit",
        "한빛시큐어",
        "ko",
        "Asia/Seoul",
        "한빛시큐어 갱신팀",
        "renew@hanbit.example",
        800,
        DEMO_BOOK,
        with_offer=True,
        history=HISTORY,
        reminder_history=True,
        steady=True,
    ),
    DemoPartner(
        "harbor",
        "Harbor Hosting",
        "en",
        "America/New_York",
        "Harbor SSL Desk",
        "ssl@harbor.example",
        400,
        DEMO_BOOK // 2,
        Currency.USD,
        with_offer=True,
        history=HISTORY // 2,
        reminder_history=True,
        steady=True,
    ),
]

# The demo partners' own words and colour in their reminder emails (issue 15): plain text, links.
# The partners' messages go into every reminder, free reissues included: their words fit both.
DEMO_BRANDING = {
    "acme": {
        "brand_color": "#1f6feb",
        "reminder_message_en": (
            "Renewed or reissued, we install the new certificate for you at no charge: just reply to this email.\n"
            "Questions? Our desk answers within one business day: https://acme.example/support"
        ),
        "email_footer": "Acme Certificates · 200 Market Street, Springfield · https://acme.example",
    },
    "hanbit": {
        "brand_color": "#0f766e",
        "reminder_message_ko": (
            "갱신이든 재발급이든 새 인증서 설치를 무료로 도와드립니다. 이 이메일에 회신해 주세요.\n"
            "문의: 영업일 기준 하루 안에 답변드립니다. https://hanbit.example/support"
        ),
        "reminder_message_en": "Renewed or reissued, we install the new certificate for you, free of charge.",
        "email_footer": "한빛시큐어 · 서울특별시 중구 세종대로 110 · 02-1234-5678",
    },
}

# Follow-up calls for the largest orders only (about a tenth), in each partner's currency.
DEMO_CALL_MIN_VALUE = {Currency.KRW: Decimal("2000000"), Currency.USD: Decimal("1500")}

# Harbor Hosting quotes dollars: its yearly price per product (the KRW partners use the catalogue).
USD_YEARLY_PRICES = {
    "standard-dv": "49",
    "basic-ov": "199",
    "basic-ev": "349",
    "basic-ov-multi": "499",
    "basic-ov-wildcard": "599",
    "secure-site-ov": "399",
    "secure-site-ev": "599",
    "secure-site-pro-ov": "749",
    "secure-site-pro-ev": "949",
    "secure-site-ov-wildcard": "1199",
    "secure-site-pro-ev-multi": "1699",
}
# Longer plans cost a little less per year: percent off the yearly price times the years.
MULTI_YEAR_DISCOUNT = {1: 0, 2: 5, 3: 10}

# (weight, fewest days left, most days left): every window of the dashboard gets rows.
DAYS_LEFT_BUCKETS = [(6, -6, -1), (8, 0, 7), (14, 8, 30), (16, 31, 60), (16, 61, 90), (40, 91, 700)]

# Faker's locale for a partner's language: Korean company and person names for a Korean partner.
FAKER_LOCALES = {"ko": "ko_KR", "en": "en_US"}
# Names drawn per locale, once per process. A partner's customers take the companies in an order of
# its own, so up to this many customers of one partner have distinct names.
COMPANY_POOL = 1000
PERSON_POOL = 500
DOMAIN_WORD_POOL = 500
TLD_POOL = 100
SUBDOMAINS = ["api", "shop", "mail", "cdn", "m"]


@dataclass(frozen=True)
class NamePools:
    companies: tuple[str, ...]
    people: tuple[str, ...]
    domain_words: tuple[str, ...]  # ASCII hostname labels (a Korean name is not a hostname)
    tlds: tuple[str, ...]  # as often as the locale uses them


@functools.cache
def name_pools(language: str) -> NamePools:
    """The names a partner in ``language`` draws from: the same on every run (a seeded Faker, its
    version pinned in requirements.txt). Domain words always come from ``en_US``, so every common
    name is a valid hostname; the top-level domains follow the locale (``kr`` for a Korean one)."""
    local = Faker(FAKER_LOCALES.get(language, "en_US"))
    local.seed_instance(SEED)
    ascii_words = Faker("en_US")
    ascii_words.seed_instance(SEED + 1)  # not in step with the company names drawn above
    return NamePools(
        companies=tuple(local.unique.company() for _ in range(COMPANY_POOL)),
        people=tuple(local.unique.name() for _ in range(PERSON_POOL)),
        domain_words=tuple(ascii_words.unique.domain_word() for _ in range(DOMAIN_WORD_POOL)),
        tlds=tuple(local.tld() for _ in range(TLD_POOL)),
    )


def seed_products():
    products = []
    for row in PRODUCTS:
        code, brand, name, level, wildcard, multi, seal, warranty, malware, ct, support, lifecycle, price = row
        product, _created = Product.objects.update_or_create(
            code=code,
            defaults=dict(
                brand=brand,
                name=name,
                validation_level=level,
                is_wildcard=wildcard,
                is_multi_domain=multi,
                site_seal=seal,
                warranty_amount=Decimal(warranty),
                malware_scan=malware,
                ct_log_monitoring=ct,
                priority_support=support,
                lifecycle_management=lifecycle,
                list_price=Decimal(price),
            ),
        )
        products.append(product)
    by_code = {product.code: product for product in products}
    for product in products:
        product.upgrade_to = by_code.get(UPGRADE_PATHS.get(product.code))
    Product.objects.bulk_update(products, ["upgrade_to"])
    return products


def demo_prices(currency, products) -> dict:
    """A partner's price list as ``{(product id, plan years): price}``: the yearly price (the KRW
    catalogue, or Harbor's dollar prices) times the years, a little less per year on longer plans."""
    prices = {}
    for product in products:
        yearly = Decimal(USD_YEARLY_PRICES[product.code]) if currency == Currency.USD else product.list_price
        for years in range(1, MAX_PLAN_YEARS + 1):
            total = yearly * years * (100 - MULTI_YEAR_DISCOUNT[years]) / 100
            prices[product.pk, years] = round_to_unit(total, currency)
    return prices


def seed_prices(partner, products) -> dict:
    """Give ``partner`` its price list in one insert; returns it as ``demo_prices`` does."""
    prices = demo_prices(partner.currency, products)
    PartnerPrice.objects.bulk_create(
        PartnerPrice(partner=partner, product_id=product_id, plan_years=years, price=price)
        for (product_id, years), price in prices.items()
    )
    return prices


@functools.cache
def demo_password_hash():
    """Hashed once: a deliberately slow hash per user would dominate seeding hundreds of partners."""
    return make_password(DEMO_PASSWORD)


def seed_staff(partner) -> dict:
    """The partner's three demo users, one per role; returns them by role."""
    User = get_user_model()
    users = {}
    for role in Role:
        user, _created = User.objects.get_or_create(
            username=f"{partner.slug}-{role.value}",
            defaults={"password": demo_password_hash(), "email": f"{role.value}@{partner.slug}.example"},
        )
        StaffMembership.objects.get_or_create(user=user, partner=partner, defaults={"role": role.value})
        users[role] = user
    return users


# The demo partners' discount experiment (issue 13): a control group and three amounts, running from
# two weeks ago for six more weeks, shown to orders ending within 60 days.
DEMO_OFFER_VARIANTS = {
    "en": [("Control", "0"), ("A", "10"), ("B", "15"), ("C", "20")],
    "ko": [("대조군", "0"), ("A", "10"), ("B", "15"), ("C", "20")],
}
DEMO_OFFER_NAMES = {"en": "Early renewal test", "ko": "조기 갱신 할인 테스트"}
# Customers read the headline in their own language, whatever the partner's.
DEMO_OFFER_HEADLINES = {"headline_en": "Renew early this season and save", "headline_ko": "이번 시즌 조기 갱신 할인"}


def seed_offer(partner, today, created_by):
    offer = Offer.objects.create(
        partner=partner,
        name=DEMO_OFFER_NAMES[partner.language],
        **DEMO_OFFER_HEADLINES,
        starts_on=today - timedelta(days=14),
        ends_on=today + timedelta(days=42),
        shown_from_days=60,
        created_by=created_by,
    )
    OfferVariant.objects.bulk_create(
        OfferVariant(offer=offer, label=label, discount_percent=Decimal(percent), position=position)
        for position, (label, percent) in enumerate(DEMO_OFFER_VARIANTS[partner.language])
    )
    offer.demo_variants = list(offer.variants.all())
    return offer


def demo_phone(rng, korean: bool) -> str:
    if korean:
        return f"02-{rng.randint(2000, 9999)}-{rng.randint(0, 9999):04d}"
    return f"+1 212-555-{rng.randint(100, 9999):04d}"


def seed_network_admin(partners):
    """One user who is partner admin in every demo partner, to show the partner switcher."""
    User = get_user_model()
    user, _created = User.objects.get_or_create(username="network-admin", defaults={"password": demo_password_hash()})
    for partner in partners:
        StaffMembership.objects.get_or_create(user=user, partner=partner, defaults={"role": Role.ADMIN})


def seed_operator():
    User = get_user_model()
    if not User.objects.filter(username="operator").exists():
        User.objects.create_superuser("operator", "operator@portal.example", DEMO_PASSWORD)


class PartnerSeeder:
    """Builds one partner's customers, orders and certificates from its own random generator."""

    def __init__(self, spec: DemoPartner, index: int, products, today, progress):
        self.spec = spec
        self.index = index
        self.rng = random.Random(SEED * 1000 + index)
        self.products = products
        self.today = today
        self.progress = progress
        self.korean = spec.language == "ko"
        self.pools = name_pools(spec.language)
        # The partner's own order of the company names: distinct names for its first customers.
        self.companies = self.rng.sample(self.pools.companies, len(self.pools.companies))
        # Draws added later (sales owners, phones, the offer's renewals) use a generator of their own,
        # so the rows drawn before them stay as they were.
        self.extra = random.Random(SEED * 1000 + index + 500_000)
        self.ended = random.Random(SEED * 1000 + index + 600_000)  # renewals of terms that have ended
        self.ended_terms = []  # of the current book, renewed last (``seed_ended_renewals``)
        self.offer = None
        # One instant for every order's reminder plan and the reminder history (``reminders_as_of``).
        self.now = timezone.now()

    def run(self):
        with transaction.atomic():
            self.partner = Partner.objects.create(
                slug=self.spec.slug,
                name=self.spec.name,
                language=self.spec.language,
                time_zone=self.spec.time_zone,
                sender_name=self.spec.sender_name,
                reply_to=self.spec.reply_to,
                currency=self.spec.currency,
                call_min_value=DEMO_CALL_MIN_VALUE[self.spec.currency],
                **DEMO_BRANDING.get(self.spec.slug, {}),
            )
            self.prices = seed_prices(self.partner, self.products)
            self.staff = seed_staff(self.partner)
            if self.spec.with_offer:
                self.offer = seed_offer(self.partner, self.today, self.staff[Role.ADMIN])
            customers = self.seed_customers()
            self.seed_orders(customers)
            self.seed_history(customers)
            self.seed_ended_renewals(self.ended_terms)
            if self.offer is not None:
                self.seed_exposures()
                self.seed_auto_renewals()
            if self.spec.steady:
                self.seed_notice_changes()
            if self.spec.reminder_history:
                seed_reminder_history(
                    self.partner,
                    as_of=self.reminders_as_of,
                    now=self.now,
                    rng=random.Random(SEED * 1000 + self.index + 700_000),
                )
        return self.partner

    def company_name(self, number):
        return self.companies[(number - 1) % len(self.companies)]

    def person(self):
        return self.rng.choice(self.pools.people)

    def seed_customers(self):
        customers = []
        for number in range(1, self.spec.customers + 1):
            language = "" if self.rng.random() < 0.85 else ("en" if self.korean else "ko")
            customers.append(
                Customer(
                    partner=self.partner,
                    account_number=f"{self.index + 1}{number:06d}",
                    company_name=self.company_name(number),
                    language=language,
                    # Most customers have an account owner among the partner's sales staff.
                    sales_owner=self.staff[Role.SALES] if self.extra.random() < 0.6 else None,
                )
            )
        customers = Customer.objects.bulk_create(customers, batch_size=BATCH)
        contacts = []
        for customer in customers:
            for seat in range(1 if self.rng.random() < 0.7 else 2):
                contacts.append(
                    Contact(
                        customer=customer,
                        name=self.person(),
                        email=f"it{seat + 1}.{customer.account_number}@customer-{self.spec.slug}.example",
                        phone=demo_phone(self.extra, self.korean) if self.extra.random() < 0.8 else "",
                        unsubscribed_at=self.unsubscribed_at() if self.rng.random() < 0.02 else None,
                    )
                )
        Contact.objects.bulk_create(contacts, batch_size=BATCH)
        return customers

    def unsubscribed_at(self):
        """When a contact unsubscribed: over the past year for a steady (demo) partner, whose reports
        show unsubscribes by month; now for a benchmark's."""
        if not self.spec.steady:
            return timezone.now()
        return self.now - timedelta(days=self.extra.randint(1, 365), minutes=self.extra.randint(0, 1439))

    def seed_notice_changes(self):
        """Who turned each notices-off order's notices off, and when (within its term, over the past
        year): the reports count notices turned off by month, as the home page counts the orders."""
        rng = random.Random(SEED * 1000 + self.index + 800_000)
        rows = list(Order.objects.filter(partner=self.partner, renewal_notices=False).values_list("pk", "term_start"))
        changes = [
            NoticeChange(order_id=pk, changed_by=self.staff[Role.SALES], old_value=True, new_value=False)
            for pk, _start in rows
        ]
        NoticeChange.objects.bulk_create(changes, batch_size=BATCH)  # changed_at is set to now on insert
        for change, (_pk, term_start) in zip(changes, rows, strict=True):
            days_in = min(365, max((self.today - term_start).days, 0))
            change.changed_at = self.now - timedelta(days=rng.randint(0, days_in), minutes=rng.randint(1, 1439))
        NoticeChange.objects.bulk_update(changes, ["changed_at"], batch_size=BATCH)

    def domain(self):
        pools = self.pools
        return f"{self.rng.choice(pools.domain_words)}{self.rng.randrange(1, 999)}.{self.rng.choice(pools.tlds)}"

    def days_left(self):
        buckets = STEADY_DAYS_LEFT_BUCKETS if self.spec.steady else DAYS_LEFT_BUCKETS
        _weight, low, high = self.rng.choices(buckets, weights=[bucket[0] for bucket in buckets])[0]
        return self.rng.randint(low, high)

    def seed_orders(self, customers):
        for start in range(0, self.spec.orders, BATCH):
            count = min(BATCH, self.spec.orders - start)
            orders = [self.order_row(start + offset, self.rng.choice(customers)) for offset in range(count)]
            certificates = [self.certificate(order) for order in orders]
            Order.objects.bulk_create(orders, batch_size=BATCH)
            Certificate.objects.bulk_create(certificates, batch_size=BATCH)
            self.seed_renewals([order for order in orders if self.should_renew(order)])
            self.ended_terms += [order for order in orders if order.term_end < self.today]
            self.progress.update(count)

    def order_row(self, number, customer):
        product = self.rng.choices(self.products, weights=PRODUCT_WEIGHTS)[0]
        days_left = self.days_left()
        # A term that has started: long-dated orders were bought for more years.
        plan_years = max(self.rng.choices([1, 2, 3], weights=[70, 20, 10])[0], -(-days_left // 365))
        term_end = self.today + timedelta(days=days_left)
        order = Order(
            partner=self.partner,
            customer=customer,
            product=product,
            order_number=str(SEEDED_ORDER_NUMBER_BASE + number + 1),
            plan_years=plan_years,
            term_start=term_end - relativedelta(years=plan_years) + timedelta(days=1),
            term_end=term_end,
            renewal_notices=self.rng.random() >= 0.06,
            list_price=self.prices[product.pk, plan_years],
            price=self.prices[product.pk, plan_years],
            currency=self.partner.currency,
        )
        order.common_name, order.sans = self.names(product)
        return order

    def names(self, product):
        base = self.domain()
        if product.is_wildcard:
            return f"*.{base}", [f"*.{base}", base]
        if product.is_multi_domain:
            others = [f"{prefix}.{base}" for prefix in self.rng.sample(SUBDOMAINS, 3)]
            return f"www.{base}", [f"www.{base}", *others]
        return f"www.{base}", [f"www.{base}", base]

    def certificate(self, order, issued_on=None):
        """The certificate now serving the order: issued recently, capped, never past the term.
        Sets the order's ``expires_on`` to its end."""
        zone = self.partner.tzinfo
        if issued_on is None:
            latest = min(order.term_end - timedelta(days=1), self.today)
            issued_on = max(order.term_start, latest - timedelta(days=self.rng.randint(0, 190)))
        issued_at = start_of_day(issued_on, zone) + timedelta(hours=self.rng.randint(9, 17))
        validity = certificate_validity(issued_at=issued_at, term_end=order.term_end, zone=zone)
        order.expires_on = min(order.term_end, validity.expires_on(zone))
        order.next_reminder_at = self.next_reminder_check(order, validity.lifetime_days)
        return Certificate(
            order=order,
            common_name=order.common_name,
            sans=order.sans,
            serial=f"{self.index + 1:02x}{self.rng.getrandbits(120):030x}",
            not_before=validity.not_before,
            not_after=validity.not_after,
        )

    def next_reminder_check(self, order, certificate_days):
        """As if the portal had been sending reminders all along: what fell due before now went out
        on its day, except the batch of a customer's day still in its working hours, which the first
        sweep sends now. Outside working hours nothing is pending: the first emails leave at the next
        send hour. (Counting from "yesterday" sent yesterday's batch late, and then, at the send
        hour, today's: two digests to one contact, the first a day out of date.)"""
        zone = order.customer.tzinfo
        tracks = tracks_for(order, self.partner, certificate_days, zone)
        as_of = self.reminders_as_of(zone)
        return evaluate_tracks(tracks, now=as_of, zone=zone, send_hour=self.partner.reminder_send_hour)[1]

    def reminders_as_of(self, zone):
        """The instant the portal is taken to have swept up to, in ``zone``: now, but just before
        today's send hour while the working day is on (the first sweep sends that day's batch). The
        orders' next checks and the reminder history (``reminder_history.py``) both count from it."""
        start, end = working_hours(self.now.astimezone(zone).date(), zone, self.partner.reminder_send_hour)
        return start - timedelta(seconds=1) if start <= self.now < end else self.now

    def seed_auto_renewals(self):
        """About 3 % of the live orders of a demo partner whose auto-renew day is still ahead, turned
        on by the customer on the renewal page (issue 15): the sweep renews them on their day."""
        first_day = self.today + timedelta(days=self.partner.auto_renew_days + 1)
        candidates = list(
            Order.objects.for_partner(self.partner)
            .filter(status=OrderStatus.ACTIVE, renewed_at__isnull=True, term_end__gte=first_day)
            .order_by("id")
        )
        chosen = [order for order in candidates if self.extra.random() < 0.03]
        enabled_at = start_of_day(self.today, zoneinfo.ZoneInfo(self.spec.time_zone))
        AutoRenewal.objects.bulk_create(
            [
                AutoRenewal(
                    partner=self.partner,
                    order=order,
                    plan_years=order.plan_years,
                    renew_on=renew_on_for(order, self.partner),
                    enabled_at=enabled_at,
                )
                for order in chosen
            ],
            batch_size=BATCH,
        )

    def should_renew(self, order):
        return 0 <= (order.term_end - self.today).days <= 90 and self.rng.random() < 0.03

    def seed_history(self, customers):
        """Terms that ended in the past year, one year each: most renewed before their end (some a
        month early or more), the rest lapsed. Numbered after the partner's current book. A steady
        partner's renewals are most of the year ahead's terms: a few of them renewed early again."""
        rows = []
        first, last = STEADY_HISTORY_DAYS_AGO if self.spec.steady else HISTORY_DAYS_AGO
        for offset in range(self.spec.history):
            order = self.order_row(self.spec.orders + offset, self.rng.choice(customers))
            order.term_end = self.today - timedelta(days=self.rng.randint(first, last))
            order.plan_years = 1
            order.term_start = order.term_end - relativedelta(years=1) + timedelta(days=1)
            order.list_price = order.price = self.prices[order.product_id, 1]
            rows.append(order)
        certificates = [self.certificate(order) for order in rows]
        Order.objects.bulk_create(rows, batch_size=BATCH)
        Certificate.objects.bulk_create(certificates, batch_size=BATCH)
        renewed = [order for order in rows if self.rng.random() < HISTORY_RENEWED]
        low, high = HISTORY_RENEWED_EARLY
        renewals = self.seed_renewals(
            renewed, renew_on=lambda order: order.term_end - timedelta(days=self.rng.randint(low, high))
        )
        # Of the rest, some renewed late (drawn apart, so the rows above stay as they were).
        chosen = set(renewed)
        late_share = HISTORY_RENEWED_LATE / (1 - HISTORY_RENEWED)
        late = {order: self.late_renewal_day(order) for order in rows if order not in chosen}
        renewals += self.seed_renewals(
            [order for order, day in late.items() if day is not None and self.ended.random() < late_share],
            renew_on=late.__getitem__,
        )
        if self.spec.steady:
            self.seed_renewals([renewal for renewal in renewals if self.should_renew(renewal)])

    def seed_ended_renewals(self, orders):
        """Terms of the current book that ended in the last days: renewed as the past year's were
        (most before the end, some late, the rest lapsed), or the home page's renewal rate of the
        last 90 days would read as a collapse."""
        days = {order: self.ended_renewal_day(order) for order in orders}
        self.seed_renewals([order for order, day in days.items() if day is not None], renew_on=days.__getitem__)

    def ended_renewal_day(self, order):
        """The day an ended term was renewed, or None: lapsed (so far)."""
        draw = self.ended.random()
        if draw < HISTORY_RENEWED:
            low, high = HISTORY_RENEWED_EARLY
            return order.term_end - timedelta(days=self.ended.randint(low, high))
        if draw < HISTORY_RENEWED + HISTORY_RENEWED_LATE:
            return self.late_renewal_day(order)
        return None

    def late_renewal_day(self, order):
        """A day after the end of ``order``'s term, or None when it would not have come by yesterday."""
        day = order.term_end + timedelta(days=self.ended.randint(1, HISTORY_LATE_DAYS))
        return day if day < self.today else None

    def seed_renewals(self, orders, renew_on=None) -> list:
        """Orders renewed already: a new order linked to the old one, made on ``renew_on(order)`` (by
        default a day of the last ten: a few orders of the current book were renewed early). Returns
        the renewals."""
        if not orders:
            return []
        renewals, made_at = [], []
        first_number = self.partner.order_sequence + 1
        self.partner.order_sequence += len(orders)
        self.partner.save(update_fields=["order_sequence"])
        for sequence, order in enumerate(orders, start=first_number):
            day = renew_on(order) if renew_on else self.today - timedelta(days=self.rng.randint(0, 10))
            renew_on_day = day
            quote = quote_renewal(term_end=order.term_end, renew_on=renew_on_day, plan_years=order.plan_years)
            applied = self.applied_offer(order, renew_on_day)
            renewal = build_renewal(
                old=order,
                quote=quote,
                product=order.product,
                price=discounted(
                    list_price=self.prices[order.product_id, order.plan_years],
                    currency=self.partner.currency,
                    discount_percent=applied.discount_percent if applied else Decimal("0"),
                ),
                order_number=order_number_for(sequence),
                offer=applied,
            )
            renewal.status = OrderStatus.ACTIVE  # issued already: its certificate is built below
            renewal.customer = order.customer  # loaded already: the certificate reads its time zone
            renewals.append(renewal)
            made_at.append(start_of_day(renew_on_day, self.partner.tzinfo) + timedelta(hours=10))
        certificates = [self.renewal_certificate(new) for new in renewals]
        Order.objects.bulk_create(renewals)
        Certificate.objects.bulk_create(certificates)
        # ``created_at`` is set on insert (auto_now_add): the day each renewal was made, as reports read it.
        for renewal, at in zip(renewals, made_at, strict=True):
            renewal.created_at = at
        Order.objects.bulk_update(renewals, ["created_at"], batch_size=BATCH)
        return renewals

    def renewal_certificate(self, renewal):
        """Issued on the renewal's first day; a steady partner's (most of its year ahead) is the one
        now serving the term, as the book's are: reissued since, when the first would have run out."""
        if self.spec.steady:
            return self.certificate(renewal)
        return self.certificate(renewal, issued_on=renewal.term_start)

    def applied_offer(self, order, renew_on):
        """The demo offer's variant for a renewal made on ``renew_on``, as the portal would have
        priced it then (``offers.selection``'s dates and threshold), or None."""
        offer = self.offer
        if offer is None or not (offer.starts_on <= renew_on <= offer.ends_on):
            return None
        if (order.term_end - renew_on).days > offer.shown_from_days:
            return None
        variant = variant_for(offer, order.customer_id, offer.demo_variants)
        return AppliedOffer(offer, variant, variant.discount_percent, offer.ends_on)

    def seed_exposures(self):
        """The customers the offer reached since it started: those with an order ending within its
        threshold, reached by a reminder on some day since (and every customer who renewed with it)."""
        offer = self.offer
        horizon = self.today + timedelta(days=offer.shown_from_days)
        customers = set(
            Order.objects.filter(partner=self.partner, term_end__lte=horizon, term_end__gte=offer.starts_on)
            .values_list("customer_id", flat=True)
            .distinct()
        )
        customers |= set(Order.objects.filter(offer=offer).values_list("customer_id", flat=True))
        start = start_of_day(offer.starts_on, self.partner.tzinfo)
        elapsed = (self.today - offer.starts_on).days
        OfferExposure.objects.bulk_create(
            (
                OfferExposure(
                    offer=offer,
                    variant=variant_for(offer, customer_id, offer.demo_variants),
                    customer_id=customer_id,
                    channel=OfferExposure.Channel.EMAIL,
                    first_at=start + timedelta(days=self.extra.randint(0, max(elapsed - 1, 0)), hours=9),
                )
                for customer_id in sorted(customers)
            ),
            batch_size=BATCH,
            ignore_conflicts=True,
        )


def scaled_partners(total_orders: int, partner_count: int, largest: int | None) -> list[DemoPartner]:
    """Partners for a benchmark data set: the demo three first, then generated ones; the first
    holds ``largest`` orders and the rest share what is left (the current book: the ended terms of
    ``history`` come on top)."""
    largest = largest if largest is not None else total_orders // partner_count
    rest = (total_orders - largest) // max(partner_count - 1, 1) if partner_count > 1 else 0
    specs = []
    for index in range(partner_count):
        template = (
            DEMO_PARTNERS[index]
            if index < len(DEMO_PARTNERS)
            else DemoPartner(
                f"partner-{index + 1:03d}",
                f"Partner {index + 1:03d}",
                "en" if index % 2 else "ko",
                "Asia/Seoul",
                f"Partner {index + 1:03d} Renewals",
                f"renewals@partner-{index + 1:03d}.example",
                0,
                0,
            )
        )
        orders = largest if index == 0 else rest
        # A past year of ended terms, a tenth of the book: the reports' months have history to read.
        # No reminder history: the benchmarks measure the sweep and the reports on the book alone,
        # which keeps its own calendar (not ``steady``): results stay comparable across versions.
        sizes = {"orders": orders, "customers": max(orders // 5, 1), "history": orders // 10}
        specs.append(DemoPartner(**{**template.__dict__, **sizes, "reminder_history": False, "steady": False}))
    return specs


class NoProgress:
    """Stands in for tqdm's bar when there is none to show (or tqdm is not installed)."""

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        return False

    def update(self, count=1):
        pass


def progress_bar(*, total, show):
    return tqdm(total=total, unit="order") if show and tqdm is not None else NoProgress()


def seed(*, partners=None, today=None, show_progress=False, log=print):
    """Seed every partner that does not exist yet; return ``(created, skipped)`` partner slugs."""
    partners = partners or DEMO_PARTNERS
    products = seed_products()
    seed_operator()
    existing = set(Partner.objects.filter(slug__in=[spec.slug for spec in partners]).values_list("slug", flat=True))
    todo = [(index, spec) for index, spec in enumerate(partners) if spec.slug not in existing]
    created, skipped = [], sorted(existing)
    with progress_bar(total=sum(spec.orders for _i, spec in todo), show=show_progress and bool(todo)) as progress:
        for index, spec in todo:
            zone_today = today or timezone.localdate(timezone=zoneinfo.ZoneInfo(spec.time_zone))
            PartnerSeeder(spec, index, products, zone_today, progress).run()
            created.append(spec.slug)
    seed_network_admin(Partner.objects.filter(slug__in=[spec.slug for spec in DEMO_PARTNERS]))
    if created and connection.vendor == "postgresql":
        # Fresh statistics after a bulk load, or the planner guesses a handful of rows per partner.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return created, skipped
