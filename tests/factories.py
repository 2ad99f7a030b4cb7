"""factory-boy factories for the portal's models."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import factory
from dateutil.relativedelta import relativedelta
from django.contrib.auth import get_user_model

from partners.models import Contact, Customer, Partner, Role, StaffMembership
from renewals.models import MAX_PLAN_YEARS, Certificate, Order, PartnerPrice, Product

PASSWORD = "test-pass-2026"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partner

    name = factory.Sequence(lambda n: f"Partner {n}")
    slug = factory.Sequence(lambda n: f"partner-{n}")
    time_zone = "Asia/Seoul"
    language = "en"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffMembership

    user = factory.SubFactory(UserFactory)
    partner = factory.SubFactory(PartnerFactory)
    role = Role.SALES


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    partner = factory.SubFactory(PartnerFactory)
    account_number = factory.Sequence(lambda n: f"A{n:06d}")
    company_name = factory.Sequence(lambda n: f"Customer {n} Ltd")


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    customer = factory.SubFactory(CustomerFactory)
    name = factory.Sequence(lambda n: f"Contact {n}")
    email = factory.Sequence(lambda n: f"contact{n}@customer.example")


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"product-{n}")
    brand = "Secure Site"
    name = factory.Sequence(lambda n: f"Secure Site OV {n}")
    validation_level = "OV"
    site_seal = True
    list_price = Decimal("590000.00")


class PartnerPriceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartnerPrice

    partner = factory.SubFactory(PartnerFactory)
    product = factory.SubFactory(ProductFactory)
    plan_years = 1
    price = factory.LazyAttribute(lambda o: o.product.list_price * o.plan_years)


def price_product(partner, product, yearly=None):
    """Put ``product`` on ``partner``'s price list for every plan (``yearly`` × years, the catalogue
    price by default), keeping any price the test set already."""
    yearly = product.list_price if yearly is None else Decimal(yearly)
    for years in range(1, MAX_PLAN_YEARS + 1):
        PartnerPrice.objects.get_or_create(
            partner=partner, product=product, plan_years=years, defaults={"price": yearly * years}
        )


class OrderFactory(factory.django.DjangoModelFactory):
    """An order whose partner sells its product on every plan (``priced=False`` leaves the
    partner's price list alone), so renewing it has a price."""

    class Meta:
        model = Order
        skip_postgeneration_save = True

    customer = factory.SubFactory(CustomerFactory)
    partner = factory.SelfAttribute("customer.partner")
    product = factory.SubFactory(ProductFactory)
    order_number = factory.Sequence(lambda n: f"{1000000 + n}")
    common_name = factory.Sequence(lambda n: f"www.site{n}.example")
    sans = factory.LazyAttribute(lambda o: [o.common_name, o.common_name.removeprefix("www.")])
    plan_years = 1
    term_end = factory.LazyFunction(lambda: date.today() + timedelta(days=30))
    term_start = factory.LazyAttribute(lambda o: o.term_end - relativedelta(years=o.plan_years))
    list_price = Decimal("590000.00")
    price = Decimal("590000.00")
    currency = factory.SelfAttribute("customer.partner.currency")

    @factory.post_generation
    def priced(obj, create, extracted, **kwargs):
        if create and extracted is not False:
            price_product(obj.partner, obj.product)


class CertificateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Certificate
        skip_postgeneration_save = True

    order = factory.SubFactory(OrderFactory)
    common_name = factory.SelfAttribute("order.common_name")
    sans = factory.SelfAttribute("order.sans")
    serial = factory.Sequence(lambda n: f"{n:032x}")
    not_before = factory.LazyFunction(lambda: datetime.now(UTC) - timedelta(days=10))
    not_after = factory.LazyAttribute(lambda o: o.not_before + timedelta(days=199))

    @factory.post_generation
    def refresh_order_expiry(obj, create, extracted, **kwargs):
        if create:
            obj.order.refresh_expiry()
