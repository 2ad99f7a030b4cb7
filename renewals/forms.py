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


class CustomerRenewalForm(forms.Form):
    plan_years = forms.TypedChoiceField(label=_("Plan"), choices=plan_choices, coerce=int)


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
