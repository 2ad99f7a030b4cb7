"""Staff screens of reminders (policy, preview, outbox, retry, resend) and the public unsubscribe page.

Views translate between HTTP and the app: reads come from ``selectors``, writes go through ``services``.
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils import timezone, translation
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import TemplateView

from config.security import email_frame_csp
from partners.access import PartnerObjectMixin, PartnerStaffRequiredMixin
from partners.models import Role
from renewals.models import Order

from .emails import BROWSER_WARNING_CID, browser_warning_file, render_reminder
from .forms import ReminderPolicyForm
from .links import contact_for_token
from .models import Reminder
from .policy import REISSUE, RENEWAL, due_at
from .selectors import outbox_email_items, outbox_emails, outbox_page, preview_subject
from .services import ReminderError, resend_latest_reminder, retry_failed_email, unsubscribe, update_reminder_policy


class ReminderSettingsView(PartnerStaffRequiredMixin, TemplateView):
    template_name = "notifications/settings.html"
    allowed_roles = (Role.ADMIN,)

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(form=ReminderPolicyForm(instance=self.partner)))

    def post(self, request, *args, **kwargs):
        form = ReminderPolicyForm(request.POST, instance=self.partner)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        update_reminder_policy(
            partner=self.partner,
            by=self.membership,
            reminder_thresholds=form.cleaned_data["reminder_thresholds"],
            reissue_thresholds=form.cleaned_data["reissue_thresholds"],
            send_hour=form.cleaned_data["reminder_send_hour"],
            now=timezone.now(),
        )
        messages.success(request, _("The reminder policy is saved. The next sweep applies it."))
        return redirect("reminder-settings")


@method_decorator(email_frame_csp, name="dispatch")
class PreviewView(PartnerStaffRequiredMixin, TemplateView):
    """Any reminder template, in either language, rendered with one of the partner's real orders."""

    template_name = "notifications/preview.html"

    def get_context_data(self, **kwargs):
        params = self.request.GET
        ignored = []  # values not understood, named on the page rather than silently replaced
        kind = params.get("kind") or RENEWAL
        if kind not in (RENEWAL, REISSUE):
            ignored.append("kind")
            kind = RENEWAL
        thresholds = self.partner.reissue_thresholds if kind == REISSUE else self.partner.reminder_thresholds
        try:
            threshold = int(params.get("threshold", ""))
        except ValueError:
            threshold = None
        if threshold not in thresholds:
            if params.get("threshold"):
                ignored.append("threshold")
            threshold = min(thresholds, key=abs) if thresholds else 7
        language = params.get("language") if params.get("language") in ("ko", "en") else translation.get_language()
        subject = preview_subject(
            partner=self.partner,
            order_number=params.get("order", ""),
            kind=kind,
            threshold=threshold,
            today=timezone.localdate(timezone=self.partner.tzinfo),
        )
        if subject.named_order_missing:
            ignored.append("order")
        order, contact = subject.order, subject.contact
        context = super().get_context_data(
            kind=kind,
            threshold=threshold,
            thresholds=thresholds,
            language=language,
            order=order,
            ignored=ignored,
            **kwargs,
        )
        if order is None or contact is None:
            return context
        contact.language = language
        ends_on = order.expires_on if kind == REISSUE else order.term_end
        reminder = Reminder(order=order, kind=kind, ends_on=ends_on, threshold_days=threshold)
        # Rendered as of the instant this reminder is due, so its dates and days left agree.
        sent_at = due_at(ends_on, threshold, order.customer.tzinfo, self.partner.reminder_send_hour)
        rendered = render_reminder(contact=contact, partner=self.partner, reminders=[reminder], now=sent_at)
        context.update(
            rendered=rendered, contact=contact, sent_at=sent_at, html=with_viewable_images(rendered.html, language)
        )
        return context


class OutboxView(PartnerStaffRequiredMixin, TemplateView):
    template_name = "notifications/outbox.html"

    def get_context_data(self, **kwargs):
        outbox = outbox_page(partner=self.partner, params=self.request.GET)
        return super().get_context_data(
            filter=outbox.filter,
            page_obj=outbox.page,
            emails=list(outbox.page),
            page=outbox.page.number,
            **kwargs,
        )


def with_viewable_images(html, language):
    """Inline images travel as MIME parts (``cid:``); a browser shows the same picture from static."""
    return html.replace(f"cid:{BROWSER_WARNING_CID}", static(f"emails/{browser_warning_file(language)}"))


@method_decorator(email_frame_csp, name="dispatch")
class OutboxEmailView(PartnerObjectMixin, TemplateView):
    template_name = "notifications/outbox_email.html"

    def get_partner_queryset(self):
        return outbox_emails(self.partner)

    def get_context_data(self, **kwargs):
        email = self.object
        return super().get_context_data(
            email=email,
            items=outbox_email_items(email),
            html=with_viewable_images(email.body_html, email.contact.effective_language),
            **kwargs,
        )


class RetryEmailView(OutboxEmailView):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        if retry_failed_email(email=self.object, by=self.membership):
            messages.success(request, _("The email is queued again."))
        else:
            messages.info(request, _("Only a failed email can be retried."))
        return redirect("outbox-email", pk=self.object.pk)


class ResendReminderView(PartnerObjectMixin, View):
    http_method_names = ["post"]
    model = Order
    lookup_field = url_kwarg = "order_number"

    def post(self, request, *args, **kwargs):
        order = self.object
        try:
            emails = resend_latest_reminder(order=order, by=self.membership, now=timezone.now())
        except ReminderError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                _("The latest reminder is being sent again to %(recipients)s.")
                % {"recipients": ", ".join(email.to_email for email in emails)},
            )
        return redirect("order-detail", order_number=order.order_number)


@method_decorator(csrf_exempt, name="dispatch")  # RFC 8058: mail clients POST without a session
class UnsubscribeView(View):
    """GET confirms with a button; POST (a person's click or a one-click mail client) unsubscribes."""

    def dispatch(self, request, token):
        contact = contact_for_token(token)
        if contact is None:
            return render(request, "notifications/unsubscribe_invalid.html", status=404)
        if not request.COOKIES.get("django_language"):
            translation.activate(contact.effective_language)
            request.LANGUAGE_CODE = translation.get_language()
        if request.method == "POST":
            unsubscribe(contact, now=timezone.now())
            return render(request, "notifications/unsubscribed.html", {"contact": contact})
        if request.method not in ("GET", "HEAD"):
            return render(request, "notifications/unsubscribe_invalid.html", status=405)
        return render(request, "notifications/unsubscribe.html", {"contact": contact})
