"""The partner admin's price list page (/settings/prices/): a price per product and plan length.

A blank cell means the partner does not sell that product on that plan. Amounts are in the
partner's currency and may not be finer than its unit (no cents on won).
"""

import re
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.generic import TemplateView

from partners.access import PartnerStaffRequiredMixin
from partners.models import Role

from .models import MAX_PLAN_YEARS, Product
from .money import decimal_places, format_money, has_sub_unit_digits, round_to_unit, sub_unit_error
from .pricing import price_list, set_price_list

# An amount as people type it: an optional currency sign, ASCII digits with thousands separators in
# their places (or none), an optional decimal part, an optional "원". No exponents, no other digits.
AMOUNT = re.compile(r"(?P<sign>[₩$])?\s*(?P<number>-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)\s*(?P<suffix>원)?", re.ASCII)
CURRENCY_OF_SIGN = {"₩": "KRW", "원": "KRW", "$": "USD"}
# A price column holds 12 digits, 2 of them decimals.
LARGEST_PRICE = Decimal("9999999999.99")
PLAN_YEARS = range(1, MAX_PLAN_YEARS + 1)


def plan_label(years):
    return ngettext("%(years)d year", "%(years)d years", years) % {"years": years}


class PriceField(forms.CharField):
    """An amount in one currency: blank (not sold), or a non-negative amount in the currency's unit.
    Accepts thousands separators and a leading currency sign as people type them ("490,000", "$49")."""

    def __init__(self, *, currency, **kwargs):
        self.currency = currency
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        match = AMOUNT.fullmatch(value.strip())
        if (
            match
            and (match["sign"] or match["suffix"])
            and CURRENCY_OF_SIGN[match["sign"] or match["suffix"]] != self.currency
        ):
            raise ValidationError(
                _("This price list is in %(currency)s: enter the amount without the sign of another currency."),
                code="currency",
                params={"currency": self.currency},
            )
        amount = Decimal(match["number"].replace(",", "")) if match else None
        if amount is None:
            raise ValidationError(
                _("Enter an amount, such as %(example)s."),
                code="invalid",
                params={
                    "example": format_money(
                        Decimal("49000") if self.currency == "KRW" else Decimal("49.00"), self.currency
                    )
                },
            )
        if amount < 0:
            raise ValidationError(_("A price cannot be negative."), code="negative")
        if amount == 0:
            raise ValidationError(
                _("A price must be more than zero; leave the cell blank if the product is not sold."), code="zero"
            )
        if has_sub_unit_digits(amount, self.currency):
            raise ValidationError(sub_unit_error(self.currency), code="sub_unit")
        if amount > LARGEST_PRICE:
            raise ValidationError(_("That price is too large."), code="too_large")
        return round_to_unit(amount, self.currency)

    def prepare_value(self, value):
        if isinstance(value, Decimal):
            return f"{value:,.{decimal_places(self.currency)}f}"
        return value


class PriceListForm(forms.Form):
    """One optional price field per (active product, plan length), named ``price_<product>_<years>``."""

    def __init__(self, *args, partner, products, prices, **kwargs):
        super().__init__(*args, **kwargs)
        self.partner = partner
        self.rows = []
        for product in products:
            names = []
            for years in PLAN_YEARS:
                name = f"price_{product.pk}_{years}"
                self.fields[name] = PriceField(
                    currency=partner.currency,
                    label=f"{product.name}, {plan_label(years)}",
                    initial=prices.get((product.pk, years)),
                    widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "form-control text-end"}),
                )
                names.append(name)
            self.rows.append((product, [self[name] for name in names]))

    def prices(self) -> dict:
        """``{(product id, plan years): price or None}`` of every cell on the page."""
        return {
            (product.pk, years): self.cleaned_data[f"price_{product.pk}_{years}"]
            for product, _fields in self.rows
            for years in PLAN_YEARS
        }


class PriceListView(PartnerStaffRequiredMixin, TemplateView):
    template_name = "renewals/price_list.html"
    allowed_roles = (Role.ADMIN,)
    role_denied_message = _("Only partner admins may see and change the price list.")

    def build_form(self, data=None):
        products = Product.objects.filter(is_active=True).order_by("brand", "name")
        return PriceListForm(data, partner=self.partner, products=products, prices=price_list(self.partner))

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            partner=self.partner, plan_years=[plan_label(years) for years in PLAN_YEARS], **kwargs
        )

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(form=self.build_form()))

    def post(self, request, *args, **kwargs):
        form = self.build_form(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        set_price_list(partner=self.partner, by=self.membership, prices=form.prices())
        messages.success(
            request, _("The price list is saved. New renewals use it; orders already sold keep their price.")
        )
        return redirect("price-list")
