"""The partner admin's email branding page (``/settings/branding/``) and its live preview.

The preview is a real reminder email (one of the partner's orders, rendered by ``render_reminder`` as
the sender would) in both languages, with the form's draft values in place of the saved ones. The
page shows it in sandboxed ``srcdoc`` frames; ``static/js/branding-preview.js`` posts the draft to
``/settings/branding/preview/`` as the admin types and puts the answer in the frames.
"""

from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect
from django.utils import timezone, translation
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from config.security import email_frame_csp
from partners.access import PartnerStaffRequiredMixin
from partners.models import LANGUAGE_CHOICES, Partner, Role

from .branding import BRANDING_FIELDS, message_for, update_branding
from .branding_forms import BrandingForm
from .emails import render_reminder
from .models import Reminder
from .policy import RENEWAL, due_at
from .selectors import preview_subject
from .views import with_viewable_images


@dataclass
class EmailPreview:
    language: str
    language_name: str
    subject: str
    html: str
    text: str
    has_message: bool

    def as_json(self):
        return {"subject": self.subject, "html": self.html, "text": self.text, "has_message": self.has_message}


def preview_languages(partner):
    """Both languages, the partner's own first."""
    return sorted(LANGUAGE_CHOICES, key=lambda choice: choice[0] != partner.language)


def branded_previews(partner) -> list[EmailPreview]:
    """A renewal reminder of one of the partner's orders as of its first reminder, in each language,
    rendered with ``partner``'s branding (a draft: its values need not be saved). Empty when the
    partner has no order with a contact yet."""
    threshold = max(partner.reminder_thresholds, default=30)
    subject = preview_subject(
        partner=partner,
        order_number="",
        kind=RENEWAL,
        threshold=threshold,
        today=timezone.localdate(timezone=partner.tzinfo),
    )
    order, contact = subject.order, subject.contact
    if order is None or contact is None:
        return []
    reminder = Reminder(order=order, kind=RENEWAL, ends_on=order.term_end, threshold_days=threshold)
    sent_at = due_at(order.term_end, threshold, order.customer.tzinfo, partner.reminder_send_hour)
    previews = []
    for language, name in preview_languages(partner):
        contact.language = language
        rendered = render_reminder(contact=contact, partner=partner, reminders=[reminder], now=sent_at)
        html = with_viewable_images(rendered.html, language)
        if partner.logo:  # the frame shows the logo from this portal, whatever PORTAL_BASE_URL says
            html = html.replace(settings.PORTAL_BASE_URL + partner.logo.url, partner.logo.url)
        with translation.override(language):
            language_name = str(name)
        previews.append(
            EmailPreview(
                language=language,
                language_name=language_name,
                subject=rendered.subject,
                html=html,
                text=rendered.text,
                has_message=bool(message_for(partner, language)),
            )
        )
    return previews


def draft_of(form, saved):
    """The partner as the form would leave it, for the preview: each valid value applied, each
    invalid one (and the logo: an upload is only stored on saving) as saved."""
    draft = form.instance
    for name in BRANDING_FIELDS:
        if name == "logo" or name in form.errors:
            setattr(draft, name, getattr(saved, name).name if name == "logo" else getattr(saved, name))
    if form.cleaned_data.get("remove_logo"):
        draft.logo = ""
    return draft


def field_errors(form):
    """The form's errors as ``{field: [message, …]}``, each message naming its field."""
    return {
        name: [f"{form.fields[name].label}: {message}" if name in form.fields else message for message in errors]
        for name, errors in form.errors.items()
    }


@method_decorator(email_frame_csp, name="dispatch")  # the preview frames hold an inline-styled email
class BrandingSettingsView(PartnerStaffRequiredMixin, TemplateView):
    """The form on the left, the preview of a real reminder in both languages on the right."""

    template_name = "notifications/branding.html"
    allowed_roles = (Role.ADMIN,)

    def saved_copy(self):
        """A copy of the partner for the form: a form that fails must not leave its values on the
        partner the page (and its header) shows."""
        return Partner.objects.get(pk=self.partner.pk)

    def get_context_data(self, **kwargs):
        kwargs.setdefault("form", BrandingForm(instance=self.saved_copy()))
        if "previews" not in kwargs:
            kwargs["previews"] = branded_previews(self.partner)
        return super().get_context_data(partner=self.partner, **kwargs)

    def post(self, request, *args, **kwargs):
        form = BrandingForm(request.POST, request.FILES, instance=self.saved_copy())
        if not form.is_valid():
            previews = branded_previews(draft_of(form, self.partner))
            return self.render_to_response(self.get_context_data(form=form, previews=previews), status=400)
        update_branding(
            partner=form.instance,
            by=self.membership,
            values=form.text_values(),
            logo=form.new_logo,
            remove_logo=form.cleaned_data["remove_logo"],
        )
        messages.success(request, _("The email branding is saved. Reminders sent from now on show it."))
        return redirect("branding-settings")


class BrandingPreviewView(BrandingSettingsView):
    """The preview of the form's draft (POSTed by the page's script as the admin types): both
    languages' subject, HTML and text, and the draft's errors. Stores nothing."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        form = BrandingForm(request.POST, instance=self.saved_copy())  # no file: the logo shows as saved
        form.is_valid()
        previews = branded_previews(draft_of(form, self.partner))
        return JsonResponse(
            {
                "previews": {preview.language: preview.as_json() for preview in previews},
                "errors": field_errors(form),
            }
        )
