"""Prices of renewals: Decimal amounts with a currency, a discount as a percentage off list."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from .models import Currency

# The smallest unit each currency is quoted in.
CURRENCY_QUANTUM = {Currency.KRW: Decimal("1"), Currency.USD: Decimal("0.01")}


@dataclass(frozen=True)
class Price:
    list_price: Decimal
    price: Decimal
    currency: str
    discount_percent: Decimal

    @property
    def saving(self) -> Decimal:
        return self.list_price - self.price


def renewal_price(*, product, plan_years: int, discount_percent: Decimal = Decimal("0")) -> Price:
    if not Decimal("0") <= discount_percent <= Decimal("100"):
        raise ValueError("a discount is a percentage from 0 to 100")
    quantum = CURRENCY_QUANTUM[product.currency]
    list_price = (product.list_price * plan_years).quantize(quantum, ROUND_HALF_UP)
    price = (list_price * (Decimal("100") - discount_percent) / Decimal("100")).quantize(quantum, ROUND_HALF_UP)
    return Price(list_price=list_price, price=price, currency=product.currency, discount_percent=discount_percent)
