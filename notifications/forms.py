"""The partner's reminder policy form: thresholds as comma-separated days, the send hour."""

from django import forms
from django.utils.translation import gettext_lazy as _

from partners.models import Partner

from .policy import THRESHOLD_MAX, THRESHOLD_MIN, parse_thresholds


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
        fields = ["reminder_thresholds", "reissue_thresholds", "reminder_send_hour"]

    def __init__(self, *args, instance, **kwargs):
        initial = {
            "reminder_thresholds": ", ".join(str(d) for d in instance.reminder_thresholds),
            "reissue_thresholds": ", ".join(str(d) for d in instance.reissue_thresholds),
        }
        super().__init__(*args, instance=instance, initial=initial, **kwargs)

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
