"""Forms of the renewal pages."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import MAX_PLAN_YEARS
from .wizard import Answers, Domains


def plan_choices():
    """Evaluated per form, so the labels follow the request's language."""
    return [
        (years, ngettext("%(years)d year", "%(years)d years", years) % {"years": years})
        for years in range(1, MAX_PLAN_YEARS + 1)
    ]


class RenewalForm(forms.Form):
    """The plan and (for staff) the product of a renewal; the product list holds upgrades only."""

    plan_years = forms.TypedChoiceField(label=_("Plan"), choices=plan_choices, coerce=int)
    product = forms.ModelChoiceField(label=_("Product"), queryset=None, empty_label=None)

    def __init__(self, *args, products, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = products


def price_key(price) -> str:
    """The price a customer was shown, as one comparable value ("KRW 590000")."""
    return f"{price.currency} {price.price:f}"


class CustomerRenewalForm(forms.Form):
    """The customer's confirmation: the plan, the product, and an explicit acceptance of the price shown.

    ``accepted_price`` carries the price the page showed; ``price_for(plan_years, product)`` gives the
    price now (None when the partner has no price for that plan). When they differ (the price list
    changed while the page was open), nothing is renewed and the page shows the new price to accept.
    ``products`` are the products the customer may choose (``upsell.renewal_options``), by code; no
    product means the order's own, and any other code is refused.
    """

    # The plan is chosen with the product (the page's GET form "renewal-choice"); the POST carries it hidden.
    plan_years = forms.TypedChoiceField(
        label=_("Plan"),
        choices=plan_choices,
        coerce=int,
        widget=forms.Select(attrs={"class": "form-select", "form": "renewal-choice"}),
    )
    product = forms.ChoiceField(
        label=_("Product"), required=False, widget=forms.RadioSelect(attrs={"class": "form-check-input"})
    )
    accept_price = forms.BooleanField(
        label=_("I accept this price"),
        error_messages={"required": _("Please tick the box to accept the price before renewing.")},
    )
    accepted_price = forms.CharField(
        widget=forms.HiddenInput,
        max_length=64,
        error_messages={"required": _("Please check the price shown and accept it.")},
    )

    def __init__(self, *args, price_for=None, products=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.price_for = price_for
        self.products = {product.code: product for product in products}
        self.fields["product"].choices = [(code, product.name) for code, product in self.products.items()]

    @classmethod
    def plan_from(cls, data, *, default: int) -> int:
        """The plan asked for in ``data`` (``?plan_years=N``) when it is a valid one, else ``default``:
        a GET previews another plan without asking for the price to be accepted."""
        try:
            return cls.base_fields["plan_years"].clean(data.get("plan_years", default))
        except forms.ValidationError:
            return default

    def product_from(self, data, *, default):
        """The product asked for in ``data`` (``?product=<code>``) when it is one of ``products``,
        else ``default``."""
        return self.products.get(data.get("product"), default)

    def chosen_product(self, default):
        """The product of a submitted form, or the one preselected; ``default`` when none or refused."""
        if self.is_bound:
            self.is_valid()
            return self.cleaned_data.get("product") or default
        return self.products.get(self.initial.get("product"), default)

    def clean_product(self):
        """The chosen product, or None for the order's own."""
        return self.products.get(self.cleaned_data["product"])

    def chosen_plan(self, default: int) -> int:
        """The plan of a submitted form even when the rest of it is not valid, so the page re-renders
        with the plan and price the customer was looking at."""
        if self.is_bound:
            self.is_valid()
            return self.cleaned_data.get("plan_years", default)
        return self.initial.get("plan_years", default)

    def clean(self):
        cleaned = super().clean()
        plan_years = cleaned.get("plan_years")
        accepted = cleaned.get("accepted_price")
        if "product" not in cleaned:  # refused: its error says why
            return cleaned
        # No price now (the plan left the price list): renewing refuses it, with the reason.
        current = self.price_for(plan_years, cleaned["product"]) if self.price_for and plan_years else None
        if current is not None and accepted and accepted != price_key(current):
            self.add_error(
                None, _("The price has changed since the page was opened. Please check the new price and accept it.")
            )
        return cleaned


def yes_no():
    return [("yes", _("Yes")), ("no", _("No"))]


class WizardForm(forms.Form):
    """The selection wizard's three questions (``renewals/wizard.py``), a GET form on the customer page."""

    personal = forms.TypedChoiceField(
        label=_("Do you (or will you) collect personal or private information?"),
        choices=yes_no,
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    payment = forms.TypedChoiceField(
        label=_("Do you (or will you) collect payment information?"),
        choices=yes_no,
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    domains = forms.ChoiceField(
        label=_("How many domains and subdomains?"),
        choices=Domains.choices,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )

    @classmethod
    def from_query(cls, query):
        """Bound to the query once any question is answered, so a page opened without answers shows
        no errors."""
        return cls(query if any(name in query for name in cls.base_fields) else None)

    def answers(self) -> Answers | None:
        """The answers, or None until all three are given."""
        if not self.is_bound or not self.is_valid():
            return None
        return Answers(**self.cleaned_data)


class CertificatePemForm(forms.Form):
    pem = forms.CharField(
        label=_("Issued certificate (PEM)"),
        widget=forms.Textarea(attrs={"rows": 12, "class": "font-monospace", "spellcheck": "false"}),
        help_text=_("Paste the certificate the CA issued, from -----BEGIN CERTIFICATE----- to the END line."),
        max_length=20000,
    )


class NoteForm(forms.Form):
    body = forms.CharField(
        label=_("Note"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": _("Post-sale call: customer will renew in December")}),
    )
