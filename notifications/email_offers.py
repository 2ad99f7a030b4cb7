"""What a reminder email offers beyond renewing as it is (issue 13, the guide's "Save up to 20% when
you…" block): the customer's discount with the offer's own end date, and for the most urgent renewal
the upgrade and the longer plan with their prices, each a link to the renewal page with that choice
preselected. The RENEW NOW button of each order stays the main call to action.

Everything is priced without a query from the partner's price list and active offers (``Sales``),
which the sender reads once per batch and partner, by the same functions the renewal page prices
with (``renewals.upsell``, ``offers.selection``): what an email promises is what the page charges.
"""

from dataclasses import dataclass
from datetime import datetime

from offers.selection import AppliedOffer, active_offers, best_offer_for, offer_for
from renewals.pricing import price_list
from renewals.upsell import Suggestion, suggestions
from renewals.validity import local_day


@dataclass(frozen=True)
class Sales:
    """A partner's active offers and price list at an instant: what emails are priced from."""

    offers: list
    prices: dict

    @classmethod
    def of(cls, partner, at: datetime) -> "Sales":
        return cls(offers=active_offers(partner, local_day(at, partner.tzinfo)), prices=price_list(partner))


@dataclass(frozen=True)
class Upsell:
    suggestion: Suggestion
    url: str


@dataclass(frozen=True)
class EmailOffers:
    offer: AppliedOffer | None  # the largest discount among the email's renewals (None: none shown)
    upsell: tuple[Upsell, ...]  # for the most urgent renewal
    shown: tuple[AppliedOffer, ...]  # every offer the email's renewals get, control groups included

    @property
    def save_percent(self):
        return self.offer.discount_percent if self.offer else None


NOTHING = EmailOffers(offer=None, upsell=(), shown=())


def email_offers(lines, *, partner, now: datetime, sales: Sales) -> EmailOffers:
    """The offers of an email listing ``lines`` (``emails.OrderLine``, most urgent first)."""
    renewals = [line for line in lines if not line.is_reissue and line.carried_days is not None]
    if not renewals:
        return NOTHING
    orders = [line.order for line in renewals]
    for order in orders:
        order.partner = partner  # the same row: pricing reads its currency, no query
    shown = {}
    for order in orders:
        found = offer_for(order, at=now, offers=sales.offers)
        if found is not None:
            shown.setdefault(found.offer.pk, found)
    urgent = renewals[0]
    upsell = tuple(
        Upsell(suggestion=suggestion, url=f"{urgent.renew_url}?{suggestion.querystring}")
        for suggestion in suggestions(urgent.order, at=now, prices=sales.prices, offers=sales.offers)
    )
    return EmailOffers(offer=best_offer_for(orders, now, sales.offers), upsell=upsell, shown=tuple(shown.values()))
