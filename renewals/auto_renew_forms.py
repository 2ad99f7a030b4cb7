"""The auto-renew switch of the customer page and Quick View: its form, what a valid one does, and
what both pages show (``views`` and ``auto_renew_views`` read it, so neither imports the other)."""

from django import forms
from django.utils.formats import date_format, time_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from partners.actors import is_customer

from .auto_renew import auto_renew_state, renewal_day, turn_off, turn_on
from .forms import plan_choices

ON, OFF = "on", "off"


class AutoRenewForm(forms.Form):
    """Turn auto-renew on (with the plan) or off. Prefixed: the customer page has a renewal form too."""

    prefix = "auto"
    action = forms.ChoiceField(choices=[(ON, ON), (OFF, OFF)], widget=forms.HiddenInput)
    plan_years = forms.TypedChoiceField(
        label=gettext_lazy("Plan"),
        choices=plan_choices,
        coerce=int,
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("action") == ON and not data.get("plan_years"):
            self.add_error("plan_years", _("Choose the plan to renew on."))
        return data


def apply(form, *, order, by, now):
    """Turn auto-renew on or off as ``form`` (valid) asks; the message for the person."""
    if form.cleaned_data["action"] == ON:
        auto = turn_on(order=order, by=by, plan_years=form.cleaned_data["plan_years"], now=now)
        return turned_on_message(auto, order=order, by=by, now=now)
    turn_off(order=order, by=by, now=now)
    return _("Auto-renew is off: the order will not renew by itself.")


def turned_on_message(auto, *, order, by, now):
    """When the order renews: its date, or on the customer's today the time from which the sweep
    renews it (in the customer's zone, named for staff), or "within the hour" once that time has come."""
    day = renewal_day(auto.renew_on, order=order, partner=order.partner, at=now)
    if not day.today:
        return _("Auto-renew is on: the order renews automatically on %(date)s.") % {
            "date": date_format(auto.renew_on, "DATE_FORMAT")
        }
    if day.from_time is None:
        return _("Auto-renew is on: the order renews automatically within the hour.")
    if is_customer(by):
        return _("Auto-renew is on: the order renews automatically today after %(time)s.") % {
            "time": time_format(day.from_time, "TIME_FORMAT")
        }
    return _(
        "Auto-renew is on: the order renews automatically today after %(time)s in the customer's time zone (%(tz)s)."
    ) % {"time": time_format(day.from_time, "TIME_FORMAT"), "tz": order.customer.effective_time_zone}


def form_errors(form) -> str:
    return " ".join(error for errors in form.errors.values() for error in errors)


def auto_renew_context(order, *, now, action: str) -> dict:
    """What the customer page and Quick View show of auto-renew, with the form posting to ``action``."""
    state = auto_renew_state(order, at=now)
    plan = state.plan_years or order.plan_years
    return {
        "auto_renew": state,
        "auto_renew_form": AutoRenewForm(initial={"action": ON, "plan_years": plan}),
        "auto_renew_action": action,
    }
