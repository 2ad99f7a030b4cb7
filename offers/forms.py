"""The offer form and its variants formset (``/offers/new/``, ``/offers/<id>/edit/``)."""

from datetime import timedelta
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from partners.models import MAX_ID
from renewals.models import Product, ValidationLevel

from .models import Offer

MAX_VARIANTS = 6
MAX_WEIGHT = 100
NEW_OFFER_DAYS = timedelta(days=30)  # a new offer's suggested length
HEADLINE_FIELDS = ("headline_en", "headline_ko")


def brand_choices():
    """The catalogue's brands, evaluated per form (a new product's brand appears without a restart)."""
    brands = Product.objects.filter(is_active=True).order_by("brand").values_list("brand", flat=True).distinct()
    return [(brand, brand) for brand in brands]


class ProductsField(forms.ModelMultipleChoiceField):
    """Products by id, refusing an id no row can have before asking the database (SQLite cannot
    even compare a number beyond 2⁶³ with its ids)."""

    def clean(self, value):
        for pk in value or ():
            text = str(pk)
            if not (text.isascii() and text.isdigit() and 0 < int(text) <= MAX_ID):
                raise ValidationError(
                    self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": pk}
                )
        return super().clean(value)


class OfferForm(forms.ModelForm):
    """The offer's own fields; its scope is chosen from the catalogue (nothing ticked: all)."""

    products = ProductsField(
        label=_("Products"),
        queryset=Product.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave all unticked for every product."),
    )
    brands = forms.MultipleChoiceField(
        label=_("Brands"),
        choices=brand_choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave all unticked for every brand."),
    )
    validation_levels = forms.MultipleChoiceField(
        label=_("Validation levels"),
        choices=ValidationLevel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave all unticked for every level."),
    )
    shown_from_days = forms.IntegerField(
        label=_("Shown from (days before the end)"),
        min_value=1,
        max_value=365,
        initial=90,
        help_text=_("The offer applies to orders whose term ends within this many days."),
    )

    class Meta:
        model = Offer
        fields = [
            "name",
            "headline_en",
            "headline_ko",
            "starts_on",
            "ends_on",
            "shown_from_days",
            "products",
            "brands",
            "validation_levels",
            "is_active",
        ]
        labels = {"headline_en": _("Headline in English"), "headline_ko": _("Headline in Korean")}
        help_texts = {
            "headline_en": _(
                "Shown above the saving to customers who read English, e.g. “Renew early this season and save”. "
                "Empty: they see the saving and the end date without a headline."
            ),
            "headline_ko": _(
                "Shown above the saving to customers who read Korean, e.g. “이번 시즌 조기 갱신 할인”. "
                "Empty: they see the saving and the end date without a headline."
            ),
        }
        widgets = {
            "headline_en": forms.TextInput(attrs={"lang": "en"}),
            "headline_ko": forms.TextInput(attrs={"lang": "ko"}),
            "starts_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "ends_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, today, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        if self.instance.pk is None and not self.is_bound:
            # A new offer's instance (it carries its partner) gives None for its dates: suggest some.
            for name, day in (("starts_on", today), ("ends_on", today + NEW_OFFER_DAYS)):
                if self.initial.get(name) is None:
                    self.initial[name] = day
        self.fields["products"].queryset = Product.objects.filter(is_active=True).order_by("brand", "name")

    @property
    def headline_fields(self) -> list:
        """The two headlines, the partner's own language first (as on the branding page)."""
        partner = self.instance.partner if self.instance.partner_id else None
        names = HEADLINE_FIELDS if partner is None or partner.language == "en" else HEADLINE_FIELDS[::-1]
        return [self[name] for name in names]

    def clean(self):
        cleaned = super().clean()
        if not any(name in self.errors or cleaned.get(name) for name in HEADLINE_FIELDS):
            self.add_error(
                self.headline_fields[0].name,
                _("Write the headline in English, in Korean or in both: customers see the one in their language."),
            )
        starts_on, ends_on = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", _("The offer cannot end before it starts."))
        elif ends_on and ends_on < self.today and (self.instance.pk is None or "ends_on" in self.changed_data):
            self.add_error("ends_on", _("This date has passed: the offer would never be shown."))
        return cleaned


class VariantForm(forms.Form):
    """One amount of the offer."""

    label = forms.CharField(
        label=_("Label"), max_length=50, widget=forms.TextInput(attrs={"class": "form-control form-control-sm"})
    )
    discount_percent = forms.DecimalField(
        label=_("Discount (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text=_("0 for the control group, who see no offer."),
        widget=forms.NumberInput(attrs={"class": "form-control form-control-sm", "step": "0.01"}),
    )
    weight = forms.IntegerField(
        label=_("Weight"),
        min_value=1,
        max_value=MAX_WEIGHT,
        initial=1,
        help_text=_("Shares of customers: equal weights split them evenly."),
        widget=forms.NumberInput(attrs={"class": "form-control form-control-sm"}),
    )


class BaseVariantFormSet(forms.BaseFormSet):
    """One variant is a plain offer; two to six are an experiment. Labels differ; one control at most."""

    def clean(self):
        if any(self.errors):
            return
        variants = self.variants()
        if not variants:
            raise forms.ValidationError(_("Give the offer at least one amount."), code="too_few")
        if len(variants) > MAX_VARIANTS:
            raise forms.ValidationError(
                _("An experiment tests at most %(count)d amounts.") % {"count": MAX_VARIANTS}, code="too_many"
            )
        labels = [variant["label"].strip().casefold() for variant in variants]
        if len(set(labels)) != len(labels):
            raise forms.ValidationError(_("Each variant needs its own label."), code="duplicate_label")
        controls = [variant for variant in variants if variant["discount_percent"] == 0]
        if len(controls) > 1:
            raise forms.ValidationError(_("An experiment has one control group (0 %) at most."), code="two_controls")
        if len(variants) == 1 and controls:
            raise forms.ValidationError(
                _("An offer with one amount needs a discount above 0 %; add other amounts to test against a control."),
                code="control_alone",
            )

    def variants(self) -> list[dict]:
        """The filled, not deleted variants, in the order given: ``label``, ``discount_percent``, ``weight``."""
        return [
            {
                "label": form.cleaned_data["label"].strip(),
                "discount_percent": form.cleaned_data["discount_percent"],
                "weight": form.cleaned_data["weight"],
            }
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]


def variant_initial(offer) -> list[dict]:
    return [
        {"label": variant.label, "discount_percent": variant.discount_percent, "weight": variant.weight}
        for variant in sorted(offer.variants.all(), key=lambda v: (v.position, v.pk))
    ]


def variant_formset(data=None, *, offer=None):
    """The variants of ``offer`` (a new offer starts with one 10 % variant), with empty rows up to six
    for more amounts; rows left empty are ignored."""
    if offer is not None:
        initial = variant_initial(offer)
    else:
        initial = [{"label": _("Offer"), "discount_percent": Decimal("10"), "weight": 1}]
    formset_class = forms.formset_factory(
        VariantForm,
        formset=BaseVariantFormSet,
        extra=max(0, MAX_VARIANTS - len(initial)),
        can_delete=True,
        max_num=MAX_VARIANTS,
        absolute_max=MAX_VARIANTS,
        validate_max=True,
    )
    return formset_class(data, initial=initial, prefix="variants")
