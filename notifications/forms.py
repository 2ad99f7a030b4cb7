"""The partner's reminder policy form (thresholds as comma-separated days, the send hour, support),
its escalation stages, and the address lists of a customer and of an order."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from partners.models import Partner, Role
from renewals.money import has_sub_unit_digits, sub_unit_error

from .policy import THRESHOLD_MAX, THRESHOLD_MIN, parse_thresholds
from .recipients import MAX_ADDRESSES, Escalation, clean_addresses, escalations_of


def thresholds_field(label, help_text):
    return forms.CharField(label=label, help_text=help_text, max_length=200)


class ReminderPolicyForm(forms.ModelForm):
    reminder_thresholds = thresholds_field(
        _("Renewal reminders (days before the end of the term)"),
        _("For example 90, 60, 30, 7. Add 0 for the day itself and negative days (such as -7) for after it."),
    )
    reissue_thresholds = thresholds_field(
        _("Reissue reminders (days before a certificate ends inside a paid term)"),
        _("For example 30, 14, 7, 3. Only days shorter than the certificate's lifetime are used."),
    )

    class Meta:
        model = Partner
        fields = [
            "reminder_thresholds",
            "reissue_thresholds",
            "reminder_send_hour",
            "support_email",
            "issuance_reminder_days",
            "auto_renew_days",
            "call_threshold_days",
            "call_min_value",
        ]

    def __init__(self, *args, instance, **kwargs):
        initial = {
            "reminder_thresholds": ", ".join(str(d) for d in instance.reminder_thresholds),
            "reissue_thresholds": ", ".join(str(d) for d in instance.reissue_thresholds),
        }
        super().__init__(*args, instance=instance, initial=initial, **kwargs)
        # The follow-up call settings: left empty, they keep their current values.
        self.fields["call_threshold_days"].required = self.fields["call_min_value"].required = False
        self.fields["issuance_reminder_days"].required = False
        self.fields["auto_renew_days"].required = False
        minimum = self.fields["call_min_value"]
        minimum.label = f"{minimum.label} ({instance.currency})"

    def clean_issuance_reminder_days(self):
        value = self.cleaned_data["issuance_reminder_days"]
        return self.instance.issuance_reminder_days if value is None else value

    def clean_auto_renew_days(self):
        value = self.cleaned_data["auto_renew_days"]
        return self.instance.auto_renew_days if value is None else value

    def clean_call_threshold_days(self):
        value = self.cleaned_data["call_threshold_days"]
        return self.instance.call_threshold_days if value is None else value

    def clean_call_min_value(self):
        """An amount in the partner's currency, to its unit (whole won, cents)."""
        value = self.cleaned_data["call_min_value"]
        if value is None:
            return self.instance.call_min_value
        if has_sub_unit_digits(value, self.instance.currency):
            raise forms.ValidationError(sub_unit_error(self.instance.currency))
        return value

    def clean_thresholds(self, name):
        try:
            return parse_thresholds(self.cleaned_data[name])
        except ValueError as error:
            problem, _sep, value = str(error).partition(":")
            messages = {
                "not-a-number": _("“%(value)s” is not a whole number of days."),
                "out-of-range": _("%(value)s is outside %(min)s to %(max)s days."),
                "duplicate": _("%(value)s appears twice."),
                "empty": _("Enter at least one number of days."),
            }
            raise forms.ValidationError(
                messages[problem], params={"value": value, "min": THRESHOLD_MIN, "max": THRESHOLD_MAX}
            ) from None

    def clean_reminder_thresholds(self):
        return self.clean_thresholds("reminder_thresholds")

    def clean_reissue_thresholds(self):
        values = self.clean_thresholds("reissue_thresholds")
        if any(value < 0 for value in values):
            raise forms.ValidationError(_("A reissue is for a certificate that has not ended yet: use 0 or more days."))
        return values


def addresses_help():
    """Translated when shown: a field is built once, at import, in no one's language."""
    return _("One address per line, %(most)s at most.") % {"most": MAX_ADDRESSES}


class AddressesField(forms.CharField):
    """Addresses one per line (commas and semicolons work too): each an email address, duplicates
    dropped, at most ``MAX_ADDRESSES``. Cleans to a list; shows a list one per line."""

    widget = forms.Textarea(attrs={"rows": 3})

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 254 * MAX_ADDRESSES)
        kwargs.setdefault("help_text", lazy(addresses_help, str)())
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list | tuple) else value

    def clean(self, value):
        return clean_addresses(super().clean(value) or "")


class AddressListForm(forms.Form):
    """A customer's additional recipients, or an order's own recipients."""

    addresses = AddressesField(label=_("Addresses"))


class EscalationStageForm(forms.Form):
    threshold = forms.IntegerField(widget=forms.HiddenInput)
    sales_owner = forms.BooleanField(
        label=_("Sales owner"), required=False, widget=forms.CheckboxInput(attrs={"class": "form-check-input"})
    )
    support = forms.BooleanField(
        label=_("Support"), required=False, widget=forms.CheckboxInput(attrs={"class": "form-check-input"})
    )
    emails = AddressesField(
        label=_("Other addresses"),
        widget=forms.Textarea(attrs={"rows": 1, "class": "form-control form-control-sm"}),
        help_text="",
    )


class BaseEscalationFormSet(forms.BaseFormSet):
    """One stage per renewal threshold of the partner's policy."""

    def __init__(self, *args, partner, **kwargs):
        self.partner = partner
        stages = escalations_of(partner)
        initial = [
            (stages.get(threshold) or Escalation(threshold)).as_json()
            for threshold in sorted(partner.reminder_thresholds, reverse=True)
        ]
        super().__init__(*args, initial=initial, **kwargs)

    def clean(self):
        if any(self.errors):
            return
        thresholds = [form.cleaned_data["threshold"] for form in self.forms]
        if sorted(thresholds) != sorted(self.partner.reminder_thresholds):
            raise ValidationError(_("The reminder thresholds changed meanwhile: check the stages again."))
        for form in self.forms:
            if form.cleaned_data.get("support") and not self.partner.support_email:
                if not self.partner.memberships.filter(role=Role.SUPPORT).exists():
                    form.add_error(
                        "support", _("Enter the support mailbox above first (or give support staff a seat).")
                    )

    def stages(self):
        """The stages that tell anyone, as stored on the partner."""
        stages = [
            Escalation(
                threshold=form.cleaned_data["threshold"],
                sales_owner=form.cleaned_data["sales_owner"],
                support=form.cleaned_data["support"],
                emails=tuple(form.cleaned_data["emails"]),
            )
            for form in self.forms
        ]
        return [stage for stage in stages if not stage.is_empty]


EscalationFormSet = forms.formset_factory(
    EscalationStageForm, formset=BaseEscalationFormSet, extra=0, max_num=50, validate_max=True
)
