"""The partner admin's email branding page (``/settings/branding/``) and its live preview.

The preview is a real reminder email (one of the partner's orders, rendered by ``render_reminder`` as
the sender would) in both languages, with the form's draft values in place of the saved ones. The
page shows it in sandboxed ``srcdoc`` frames; ``static/js/branding-preview.js`` posts the draft to
``/settings/branding/preview/`` as the admin types and puts the answer in the frames.
"""

import re
from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect
from django.utils import timezone, translation
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe
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


# A stored logo's name (``branding.check_logo`` names them ``logo-<hex>.<kind>``; one an operator uploaded
# in the admin keeps its own) and the one type each extension is served as.
LOGO_FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,150}\.(png|jpe?g|gif)", re.IGNORECASE)
LOGO_CONTENT_TYPES = {"png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "gif": "image/gif"}


@require_safe
def partner_logo_view(request, name):
    """A partner's logo, for anyone: customers' mail clients fetch it from the emails' ``<img>``, and the
    renewal page shows it. It is the only file of ``MEDIA_ROOT`` the portal serves, in every mode (the
    import uploads beside it hold partners' customer lists and are never served).

    Served as the image type its extension names, with ``nosniff`` and a policy that sandboxes it and
    allows nothing: ``check_logo`` reads a file's first bytes, so a GIF whose tail is HTML is accepted
    as a GIF, and must never be shown (or run) as anything else from the portal's origin."""
    match = LOGO_FILE_NAME.fullmatch(name)
    if match is None:
        raise Http404
    try:
        file = default_storage.open(f"partner-logos/{name}", "rb")
    except OSError:  # missing, or not a file
        raise Http404 from None
    response = FileResponse(file, content_type=LOGO_CONTENT_TYPES[match.group(1).lower()])
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"  # set here: the middleware keeps it
    # Public, and a new upload gets a new name: mail clients may keep it (NoStoreMiddleware leaves it).
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    response.public_and_immutable = True
    return response
