"""How an amount of money reads: the one place that turns a Decimal into "₩490,000".

``Currency`` itself belongs to ``partners`` (``Partner.currency`` holds one); it is imported here so
that pricing and formatting keep one name for it.
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from partners.money import Currency

# The smallest unit each currency is quoted in: won, cents.
CURRENCY_QUANTUM = {Currency.KRW: Decimal("1"), Currency.USD: Decimal("0.01")}
SYMBOLS = {Currency.KRW: "₩", Currency.USD: "$"}


def quantum(currency) -> Decimal:
    return CURRENCY_QUANTUM.get(currency, Decimal("0.01"))


def decimal_places(currency) -> int:
    """0 for won, 2 for dollars."""
    return max(-quantum(currency).as_tuple().exponent, 0)


def round_to_unit(amount, currency) -> Decimal:
    """``amount`` rounded half up to the currency's unit (a won, a cent)."""
    return Decimal(amount).quantize(quantum(currency), ROUND_HALF_UP)


def has_sub_unit_digits(amount, currency) -> bool:
    """True when ``amount`` is finer than the currency's unit (cents on a won amount, 0.001 dollars)."""
    amount = Decimal(amount)
    return amount != amount.quantize(quantum(currency))


def sub_unit_error(currency) -> str:
    """What to tell someone who typed an amount finer than the currency's unit."""
    if currency == Currency.KRW:
        return str(_("Prices in won are whole numbers: the won has no smaller unit."))
    return str(_("Prices in dollars have at most two decimals (cents)."))


def plain_amount(amount, currency) -> str:
    """An amount as a spreadsheet reads it ("490000", "49.00"): the currency's own decimals, no
    grouping or symbol (a column beside it names the currency). For CSV and other machine reads."""
    return f"{round_to_unit(amount, currency):.{decimal_places(currency)}f}"


def format_money(amount, currency=Currency.KRW, language=None) -> str:
    """``₩490,000`` or ``$49.00``; in Korean, won read ``490,000원``. The currency's own decimals,
    thousands grouped. ``language`` defaults to the active one. Empty for no amount."""
    if amount is None or amount == "":
        return ""
    try:
        amount = Decimal(amount)
    except (InvalidOperation, TypeError, ValueError):
        return str(amount)
    language = (language or translation.get_language() or "en").split("-")[0]
    sign = "-" if amount < 0 else ""
    digits = f"{abs(amount).quantize(quantum(currency), ROUND_HALF_UP):,.{decimal_places(currency)}f}"
    if currency == Currency.KRW and language == "ko":
        return f"{sign}{digits}원"
    symbol = SYMBOLS.get(currency)
    if symbol is None:
        return f"{sign}{digits} {currency}"
    return f"{sign}{symbol}{digits}"
