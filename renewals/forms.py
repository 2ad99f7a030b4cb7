"""Forms of the renewal pages."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import MAX_PLAN_YEARS


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
    """The customer's confirmation: the plan, and an explicit acceptance of the price shown.

    ``accepted_price`` carries the price the page showed; ``price_for(plan_years)`` gives the price
    now (None when the partner has no price for that plan). When they differ (the price list changed
    while the page was open), nothing is renewed and the page shows the new price to accept.
    """

    plan_years = forms.TypedChoiceField(
        label=_("Plan"), choices=plan_choices, coerce=int, widget=forms.Select(attrs={"class": "form-select"})
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

    def __init__(self, *args, price_for=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.price_for = price_for

    @classmethod
    def plan_from(cls, data, *, default: int) -> int:
        """The plan asked for in ``data`` (``?plan_years=N``) when it is a valid one, else ``default``:
        a GET previews another plan without asking for the price to be accepted."""
        try:
            return cls.base_fields["plan_years"].clean(data.get("plan_years", default))
        except forms.ValidationError:
            return default

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
        # No price now (the plan left the price list): renewing refuses it, with the reason.
        current = self.price_for(plan_years) if self.price_for and plan_years else None
        if current is not None and accepted and accepted != price_key(current):
            self.add_error(
                None, _("The price has changed since the page was opened. Please check the new price and accept it.")
            )
        return cleaned


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
