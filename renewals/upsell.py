"""Upsell on renewal: the brand's next step up and a longer plan, priced as the renewal is charged.

Two suggestions for an order (``suggestions``):

- **Upgrade**: ``product.upgrade_to`` (the brand's next step up, Secure Site → Secure Site Pro, OV →
  EV), on the order's plan, when it is on sale and the partner prices it.
- **Multi-year**: the current product on the longest plan the partner prices above the order's plan,
  with what it saves a year.

Each is priced by ``price_of``: through ``renewal_preview``, the function the Renew Now page and the
customer page show their prices with (automatic offers included, so what is suggested is what
``renew_order`` charges), or without queries from the partner's price list (``pricing.price_list``)
for emails, with the partner's active offers given (``offers.selection``) so the customer's offer
applies there too. A suggestion carries its price, the difference against renewing as it is, the benefits
gained (``benefits_gained``) and the query that preselects it on the customer page.

The customer page also lets the customer pick a product (``renewal_options``): a list fixed on the
server (the current product, its upgrade path, what the selection wizard can recommend), never
taken from the request. The benefits' labels live here once; the reminder emails list them too.
"""

from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from offers.selection import offer_for

from .models import MAX_PLAN_YEARS, Product, ValidationLevel
from .money import round_to_unit
from .pricing import Price, discounted, price_list
from .selectors import renewal_preview
from .wizard import BENEFIT_FIELDS, LEVEL_RANK, Answers, Recommendation, possible_recommendations, recommend

# The benefits of a product, as the reminder emails list them and the upsell counts what is gained.


def benefit_labels(
    *, site_seal, warranty_amount, malware_scan, ct_log_monitoring, priority_support, lifecycle_management
) -> tuple[str, ...]:
    """The labels of a product's benefits (by its features, so a caller may cache them), in the active
    language: what the reminder emails list as what the customer already has."""
    labels = []
    if site_seal:
        labels.append(_("Site seal: shows visitors your identity is verified."))
    if warranty_amount:
        labels.append(_("Warranty of USD %(amount)s.") % {"amount": f"{warranty_amount:,.0f}"})
    if malware_scan:
        labels.append(_("Daily malware scan of your website."))
    if ct_log_monitoring:
        labels.append(_("Certificate Transparency log monitoring: you hear of any certificate issued for your domain."))
    if priority_support:
        labels.append(_("Priority support around the clock."))
    if lifecycle_management:
        labels.append(_("Certificate lifecycle management in the console."))
    return tuple(labels)


def benefits_of(product) -> tuple[str, ...]:
    return benefit_labels(**{field: getattr(product, field) for field in BENEFIT_FIELDS})


def level_label(level) -> str:
    return {
        ValidationLevel.OV: _("Organization validation (OV): your company's verified name in the certificate."),
        ValidationLevel.EV: _("Extended validation (EV): the most thorough check of your company."),
    }.get(level, "")


def benefits_gained(current, other) -> tuple[str, ...]:
    """The labels of what ``other`` has that ``current`` lacks: a higher validation level, wildcard or
    multi-domain cover, and each benefit that turns on or (the warranty) increases."""
    gained = []
    if LEVEL_RANK[other.validation_level] > LEVEL_RANK[current.validation_level]:
        gained.append(level_label(other.validation_level))
    if other.is_wildcard and not current.is_wildcard:
        gained.append(_("Wildcard: covers every subdomain of your domain."))
    if other.is_multi_domain and not current.is_multi_domain:
        gained.append(_("Multi-domain: covers several different domains in one certificate."))
    turned_on = {
        field: getattr(other, field) if getattr(other, field) > getattr(current, field) else 0
        for field in BENEFIT_FIELDS
    }
    return (*gained, *benefit_labels(**turned_on))


# Prices


def price_of(order, product, plan_years, *, at, prices=None, offers=None) -> Price | None:
    """What renewing ``order`` with ``product`` on ``plan_years`` costs at ``at``, None when the
    partner does not price it. Without ``prices``, through ``renewal_preview`` (what the pages show and
    ``renew_order`` charges, the customer's offer included). With the partner's ``prices``
    (``pricing.price_list``) and ``offers`` (``offers.selection.active_offers``), the same without a
    query: ``order.partner``, ``customer`` and ``renewal`` loaded."""
    if prices is None:
        return renewal_preview(order=order, at=at, plan_years=plan_years, product=product).price
    list_price = prices.get((product.pk, plan_years))
    if list_price is None:
        return None
    applied = offer_for(order, at=at, product=product, offers=offers or [])
    discount = applied.discount_percent if applied else Decimal("0")
    return discounted(list_price=list_price, currency=order.partner.currency, discount_percent=discount)


def yearly_prices(prices: dict) -> dict:
    """``{product id: its cheapest price per year on any plan}`` of a price list (the yearly price
    ``services.upgrade_choices`` ranks by)."""
    yearly = {}
    for (product_id, years), price in prices.items():
        per_year = price / years
        yearly[product_id] = min(per_year, yearly.get(product_id, per_year))
    return yearly


# Suggestions


class SuggestionKind(models.TextChoices):
    UPGRADE = "upgrade", gettext_lazy("Upgrade")
    MULTI_YEAR = "multi_year", gettext_lazy("Longer plan")


@dataclass(frozen=True)
class Suggestion:
    kind: str
    product: Product
    plan_years: int
    price: Price
    difference: Decimal | None  # more than renewing as it is (None: that has no price)
    yearly_saving: Decimal | None  # multi-year: less a year than renewing as it is
    benefits: tuple[str, ...]  # gained over the current product

    @property
    def query(self) -> dict:
        """Preselects this suggestion on the customer page (``?product=<code>&plan_years=N``)."""
        return {"product": self.product.code, "plan_years": self.plan_years}

    @property
    def querystring(self) -> str:
        return urlencode(self.query)

    @property
    def is_upgrade(self) -> bool:
        return self.kind == SuggestionKind.UPGRADE


def suggestions(order, *, at, prices=None, offers=None, allowed=None) -> list[Suggestion]:
    """The upgrade and the multi-year plan to suggest for renewing ``order`` at ``at`` (either may be
    missing). With ``prices`` nothing is queried when ``order.product.upgrade_to`` and
    ``order.partner`` are loaded. ``allowed`` limits the upgrade to those products (the staff form's)."""
    current = order.product
    as_is = price_of(order, current, order.plan_years, at=at, prices=prices, offers=offers)
    found = []
    upgrade = current.upgrade_to
    if upgrade is not None and upgrade.is_active and (allowed is None or upgrade in allowed):
        price = price_of(order, upgrade, order.plan_years, at=at, prices=prices, offers=offers)
        if price is not None:
            found.append(
                Suggestion(
                    kind=SuggestionKind.UPGRADE,
                    product=upgrade,
                    plan_years=order.plan_years,
                    price=price,
                    difference=price.price - as_is.price if as_is else None,
                    yearly_saving=None,
                    benefits=benefits_gained(current, upgrade),
                )
            )
    if current.is_active:
        for years in range(MAX_PLAN_YEARS, order.plan_years, -1):
            price = price_of(order, current, years, at=at, prices=prices, offers=offers)
            if price is None:
                continue
            saving = None
            if as_is is not None:
                saving = round_to_unit(as_is.price / order.plan_years - price.price / years, price.currency)
            difference = price.price - as_is.price if as_is else None
            found.append(Suggestion(SuggestionKind.MULTI_YEAR, current, years, price, difference, saving, ()))
            break
    return found


# The customer's choice of product


@dataclass(frozen=True)
class RenewalOptions:
    """What a customer may renew an order with, decided on the server: the current product first, its
    upgrade path (``upgrade_to``, step by step) and whatever the wizard can recommend, among the
    products the partner prices and sells (``candidates``, with their yearly prices)."""

    current: Product
    products: tuple[Product, ...]
    candidates: dict
    path: tuple[Product, ...] = ()  # the current product and its upgrade path: what the page lists

    def shown(self, *also) -> list[Product]:
        """The products the page lists: the current one, its upgrade path and ``also`` (the product
        previewed, the wizard's recommendation) when the customer may pick them. Everything the
        wizard could recommend stays allowed, but is listed only once it is recommended."""
        return [product for product in self.products if product in self.path or product in also]

    def recommend(self, answers: Answers) -> Recommendation:
        return recommend(answers, current=self.current, candidates=self.candidates)


def upgrade_path(product, catalogue: dict) -> list[Product]:
    """``product.upgrade_to``, its ``upgrade_to`` and so on (``catalogue``: products by id), once each."""
    path, seen = [], {product.pk}
    step = catalogue.get(product.upgrade_to_id)
    while step is not None and step.pk not in seen:
        path.append(step)
        seen.add(step.pk)
        step = catalogue.get(step.upgrade_to_id)
    return path


def renewal_options(order, *, prices=None, catalogue=None) -> RenewalOptions:
    """The options of ``order``'s customer; two queries (the price list and the catalogue) unless
    ``prices`` and ``catalogue`` (``{id: product}``) are given."""
    prices = price_list(order.partner) if prices is None else prices
    catalogue = Product.objects.in_bulk() if catalogue is None else catalogue
    candidates = {
        catalogue[product_id]: yearly
        for product_id, yearly in yearly_prices(prices).items()
        if product_id in catalogue and catalogue[product_id].is_active
    }
    current = catalogue.get(order.product_id, order.product)
    path = [current, *(step for step in upgrade_path(current, catalogue) if step in candidates)]
    products = list(path)
    for product in possible_recommendations(current=current, candidates=candidates):
        if product not in products:
            products.append(product)
    return RenewalOptions(current=current, products=tuple(products), candidates=candidates, path=tuple(path))


@dataclass(frozen=True)
class Choice:
    """A product the customer may pick, priced on the plan chosen."""

    product: Product
    price: Price | None  # None: the partner does not sell it on that plan
    difference: Decimal | None  # more than the current product on the same plan
    benefits: tuple[str, ...]  # gained over the current product
    is_current: bool


def choices(order, *, at, plan_years, products, prices=None, offers=None) -> list[Choice]:
    """``products`` (``RenewalOptions.products``) priced on ``plan_years``, as ``price_of`` does."""
    priced = [
        (product, price_of(order, product, plan_years, at=at, prices=prices, offers=offers)) for product in products
    ]
    base = next((price for product, price in priced if product == order.product), None)
    return [
        Choice(
            product=product,
            price=price,
            difference=price.price - base.price if price and base else None,
            benefits=benefits_gained(order.product, product),
            is_current=product == order.product,
        )
        for product, price in priced
    ]


def customer_upsell(order, *, at, options: RenewalOptions, preview, wizard) -> dict:
    """What the customer page shows beside the renewal: the products to choose from, priced on the
    plan shown; the suggestions not chosen already; the wizard (a ``forms.WizardForm``) and, once
    answered, its recommendation."""
    answers = wizard.answers()
    shown = (preview.product, preview.quote.plan_years)
    recommendation = options.recommend(answers) if answers else None
    listed = options.shown(preview.product, *([recommendation.product] if recommendation else []))
    return {
        "choices": choices(order, at=at, plan_years=preview.quote.plan_years, products=listed)
        if len(listed) > 1
        else [],
        "suggestions": [
            suggestion
            for suggestion in suggestions(order, at=at, allowed=set(options.products))
            if (suggestion.product, suggestion.plan_years) != shown
        ],
        "wizard": wizard,
        "recommendation": recommendation,
    }
