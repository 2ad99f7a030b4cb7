"""The task list's filters and the form that records a call's outcome."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import CallOutcome, CallTask


class TaskFilterForm(forms.Form):
    """``status`` (open/done/all), ``who`` (mine/everyone) and ``due`` (any day, or today or earlier:
    the home page's "calls due" links here); anything else falls back to the default."""

    status = forms.ChoiceField(
        label=_("Show"),
        choices=[("open", _("Open")), ("done", _("Done")), ("all", _("All"))],
        required=False,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    who = forms.ChoiceField(
        label=_("Assigned to"),
        choices=[("everyone", _("Everyone")), ("mine", _("Me"))],
        required=False,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )

    due = forms.ChoiceField(
        label=_("Due"),
        choices=[("any", _("Any day")), ("today", _("Today or earlier"))],
        required=False,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )

    def values(self):
        """The valid choices, defaults for what is missing or not understood."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "status": data.get("status") or "open",
            "who": data.get("who") or "everyone",
            "due": data.get("due") or "any",
        }


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=CallOutcome.choices, widget=forms.RadioSelect)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=CallTask._meta.get_field("reason").max_length,
        required=False,
        help_text=_("Required when the customer will not renew."),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("outcome") == CallOutcome.WILL_NOT_RENEW and not (cleaned.get("reason") or "").strip():
            self.add_error("reason", _("Say why the customer will not renew."))
        return cleaned
