"""The selection wizard of the customer renewal page: three questions, one recommended product.

The questions:

1. Do you (or will you) collect personal or private information? (yes / no)
2. Do you (or will you) collect payment information? (yes / no)
3. How many domains and subdomains? (one name / a few names on one domain / many subdomains of one
   domain / several different domains)

The rules, in order:

- **Validation level.** Payment information asks for extended validation (EV); when no product of
  the kind needed is offered at EV (there are no EV wildcards), the highest level offered for that
  kind, but never below OV: payment information is personal information too. Personal information
  asks for organization validation (OV) or higher. Otherwise domain validation (DV) is enough.
- **Kind.** Many subdomains of one domain ask for a wildcard; several different domains for a
  multi-domain certificate; one name or a few names on one domain for a plain certificate.
- **Never below the current product.** The level is at least the current product's, a wildcard or
  multi-domain certificate stays one, and every benefit the current product has (site seal, warranty,
  malware scan, CT log monitoring, priority support, lifecycle management) is kept, the warranty at
  least as high: a renewal never takes away what the site relies on.
- **Choice.** When the current product is on sale and meets all of that, it is the recommendation
  (nothing to change). Otherwise the cheapest product that does, among those the partner prices and
  sells (``candidates``, each with its yearly price). When none does, the current product is kept,
  and the reason says so.

Every recommendation comes with a reason built from the answers, in the active language. The module
is pure: no queries, no clock.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import Product, ValidationLevel

# Validation levels from the least to the most checked.
LEVELS = (ValidationLevel.DV, ValidationLevel.OV, ValidationLevel.EV)
LEVEL_RANK = {level: position for position, level in enumerate(LEVELS)}
DV, OV, EV = (LEVEL_RANK[level] for level in LEVELS)


class Domains(models.TextChoices):
    ONE = "one", gettext_lazy("One name (for example www.example.com)")
    FEW = "few", gettext_lazy("A few names on one domain (www, mail, shop…)")
    SUBDOMAINS = "subdomains", gettext_lazy("Many subdomains of one domain")
    SEVERAL = "several", gettext_lazy("Several different domains")


@dataclass(frozen=True)
class Answers:
    personal: bool
    payment: bool
    domains: str  # a ``Domains`` value


# Every way the three questions can be answered (2 × 2 × 4).
ALL_ANSWERS = tuple(
    Answers(personal=personal, payment=payment, domains=domains)
    for personal in (False, True)
    for payment in (False, True)
    for domains in Domains.values
)


@dataclass(frozen=True)
class Recommendation:
    product: Product
    reason: str
    fits: bool  # False: nothing on offer meets the answers, so the current product is kept


# A product's benefits, as the reminder emails list them (``upsell.benefit_labels``): booleans, and
# the warranty amount.
BENEFIT_FIELDS = (
    "site_seal",
    "warranty_amount",
    "malware_scan",
    "ct_log_monitoring",
    "priority_support",
    "lifecycle_management",
)


def rank(product) -> int:
    return LEVEL_RANK[product.validation_level]


def keeps_benefits(product, current) -> bool:
    """``product`` has every benefit ``current`` has (the warranty at least as high)."""
    return all(getattr(product, field) >= getattr(current, field) for field in BENEFIT_FIELDS)


def recommend(answers: Answers, *, current: Product, candidates: Mapping[Product, Decimal]) -> Recommendation:
    """The product to renew with for ``answers``. ``candidates`` maps the products the partner prices
    and sells to their yearly price (the cheapest per year on any plan); ``current`` is the product
    renewed now."""
    wildcard = answers.domains == Domains.SUBDOMAINS or current.is_wildcard
    multi_domain = answers.domains == Domains.SEVERAL or current.is_multi_domain
    of_kind = [
        product
        for product in candidates
        if product.is_active and product.is_wildcard == wildcard and product.is_multi_domain == multi_domain
    ]
    least = max(rank(current), OV if answers.personal or answers.payment else DV)
    if answers.payment:
        # EV, or the highest level offered for the kind (when none is, EV: nothing will fit).
        least = max(least, max((rank(product) for product in of_kind), default=EV))
    fitting = [product for product in of_kind if rank(product) >= least and keeps_benefits(product, current)]
    reasons = [_level_reason(answers, least), *_kind_reason(answers)]
    if current in fitting:
        reasons.append(_("Your current product, %(product)s, already meets these needs.") % {"product": current.name})
        return Recommendation(product=current, reason=" ".join(reasons), fits=True)
    if fitting:
        best = min(fitting, key=lambda product: (candidates[product], product.name, product.pk))
        reasons.append(_("%(product)s is the most affordable product that meets these needs.") % {"product": best.name})
        return Recommendation(product=best, reason=" ".join(reasons), fits=True)
    reasons.append(
        _("No product on offer meets all of these needs, so renewing %(product)s as it is keeps your site covered.")
        % {"product": current.name}
    )
    return Recommendation(product=current, reason=" ".join(reasons), fits=False)


def _level_reason(answers, least) -> str:
    level = LEVELS[least].label
    if answers.payment:
        if least == EV:
            return _("You collect payment information: extended validation (EV) shows buyers your verified company.")
        return _(
            "You collect payment information: %(level)s is the highest validation offered for this kind of certificate."
        ) % {"level": level}
    if answers.personal:
        return _("You collect personal information: at least %(level)s shows visitors who runs the site.") % {
            "level": level
        }
    if least > DV:
        return _(
            "You collect no personal or payment information; your certificate keeps its %(level)s all the same."
        ) % {"level": level}
    return _("You collect no personal or payment information: domain validation (DV) is enough.")


def _kind_reason(answers) -> list[str]:
    if answers.domains == Domains.SUBDOMAINS:
        return [_("A wildcard certificate covers every subdomain of your domain.")]
    if answers.domains == Domains.SEVERAL:
        return [_("A multi-domain certificate covers several different domains in one certificate.")]
    return []


def possible_recommendations(*, current: Product, candidates: Mapping[Product, Decimal]) -> list[Product]:
    """Every product the wizard can recommend, whatever the answers (the current product first): the
    products a customer may pick after using it, fixed on the server, not taken from the request."""
    products = [current]
    for answers in ALL_ANSWERS:
        product = recommend(answers, current=current, candidates=candidates).product
        if product not in products:
            products.append(product)
    return products
