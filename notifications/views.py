"""Staff screens of reminders (policy, preview, outbox, retry, resend) and the public unsubscribe page.

Views translate between HTTP and the app: reads come from ``selectors``, writes go through ``services``.
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import TemplateView

from config.security import email_frame_csp
from partners.access import PartnerObjectMixin, PartnerStaffRequiredMixin
from partners.models import Customer, Partner, Role
from renewals.models import Order
from renewals.windows import browser_warning_file

from .emails import BROWSER_WARNING_CID, render_reminder
from .forms import AddressListForm, EscalationFormSet, ReminderPolicyForm
from .links import subscriber_for_token
from .models import OptOut, Reminder
from .policy import REISSUE, RENEWAL, due_at
from .selectors import outbox_email_items, outbox_emails, outbox_page, preview_subject, why_told
from .services import (
    ReminderError,
    resend_latest_reminder,
    retry_failed_email,
    set_customer_recipients,
    set_order_recipients,
    unsubscribe_subscriber,
    update_escalations,
    update_reminder_policy,
)


class ReminderSettingsView(PartnerStaffRequiredMixin, TemplateView):
    """The policy form and, below it, the escalation stages (``EscalationSettingsView`` saves them)."""

    template_name = "notifications/settings.html"
    allowed_roles = (Role.ADMIN,)

    def get_context_data(self, **kwargs):
        kwargs.setdefault("form", ReminderPolicyForm(instance=self.partner))
        kwargs.setdefault("escalations", EscalationFormSet(partner=self.partner, prefix="stage"))
        return super().get_context_data(**kwargs)

    def post(self, request, *args, **kwargs):
        # A copy: a form that fails must not leave its values on the partner the page shows.
        form = ReminderPolicyForm(request.POST, instance=Partner.objects.get(pk=self.partner.pk))
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        self.partner = form.instance
        update_reminder_policy(
            partner=self.partner,
            by=self.membership,
            reminder_thresholds=form.cleaned_data["reminder_thresholds"],
            reissue_thresholds=form.cleaned_data["reissue_thresholds"],
            send_hour=form.cleaned_data["reminder_send_hour"],
            now=timezone.now(),
            support_email=form.cleaned_data["support_email"],
            issuance_reminder_days=form.cleaned_data["issuance_reminder_days"],
            auto_renew_days=form.cleaned_data["auto_renew_days"],
        )
        # The follow-up call settings share this page; the form has set them on the partner.
        self.partner.save(update_fields=["call_threshold_days", "call_min_value"])
        messages.success(request, _("The reminder policy is saved. The next sweep applies it."))
        return redirect("reminder-settings")


class EscalationSettingsView(ReminderSettingsView):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        escalations = EscalationFormSet(request.POST, partner=self.partner, prefix="stage")
        if not escalations.is_valid():
            return self.render_to_response(self.get_context_data(escalations=escalations), status=400)
        update_escalations(partner=self.partner, by=self.membership, stages=escalations.stages())
        messages.success(request, _("Who else is told is saved. It applies to the reminders recorded from now on."))
        return redirect("reminder-settings")


class CustomerRecipientsView(PartnerObjectMixin, TemplateView):
    """A customer's additional recipients, with its contacts and opt-outs for reference."""

    template_name = "notifications/customer_recipients.html"
    model = Customer
    url_kwarg = "customer_id"

    def get_context_data(self, **kwargs):
        customer = self.object
        kwargs.setdefault("form", AddressListForm(initial={"addresses": customer.reminder_recipients}))
        return super().get_context_data(
            customer=customer,
            contacts=customer.contacts.all(),
            opted_out=set(OptOut.objects.filter(customer=customer).values_list("address", flat=True)),
            next_url=safe_next(self.request),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        form = AddressListForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        set_customer_recipients(customer=self.object, by=self.membership, addresses=form.cleaned_data["addresses"])
        messages.success(request, _("The additional recipients are saved."))
        return redirect(safe_next(request) or reverse("customer-recipients", kwargs={"customer_id": self.object.pk}))


class OrderRecipientsView(PartnerObjectMixin, View):
    """Quick View's "who is told" form: the order's own recipients (empty: the customer's side)."""

    http_method_names = ["post"]
    model = Order
    lookup_field = url_kwarg = "order_number"

    def post(self, request, *args, **kwargs):
        order = self.object
        form = AddressListForm(request.POST)
        if not form.is_valid():
            messages.error(request, " ".join(form.errors["addresses"]))
        else:
            set_order_recipients(order=order, by=self.membership, addresses=form.cleaned_data["addresses"])
            if order.reminder_recipients:
                messages.success(request, _("This order's reminders go to the addresses listed."))
            else:
                messages.success(request, _("This order's reminders go to the customer's contacts again."))
        return redirect("order-detail", order_number=order.order_number)


def safe_next(request):
    """The page to return to (the order the customer's recipients were opened from), if it is ours."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    # A path of this site only: a bare word ("14") would be taken for a URL name by ``redirect``.
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


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


def with_why_told(emails):
    emails = list(emails)
    for email in emails:
        email.why = why_told(email)
    return emails


class OutboxView(PartnerStaffRequiredMixin, TemplateView):
    template_name = "notifications/outbox.html"

    def get_context_data(self, **kwargs):
        outbox = outbox_page(partner=self.partner, params=self.request.GET)
        return super().get_context_data(
            filter=outbox.filter,
            page_obj=outbox.page,
            emails=with_why_told(outbox.page),
            page=outbox.page.number,
            **kwargs,
        )


def email_language(email):
    if email.is_to_staff or email.customer_id is None:
        return email.partner.language
    return (email.contact or email.customer).effective_language


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
            html=with_viewable_images(email.body_html, email_language(email)),
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
        subscriber = subscriber_for_token(token)
        if subscriber is None:
            return render(request, "notifications/unsubscribe_invalid.html", status=404)
        if not request.COOKIES.get("django_language"):
            translation.activate(subscriber.effective_language)
            request.LANGUAGE_CODE = translation.get_language()
        if request.method == "POST":
            unsubscribe_subscriber(subscriber, now=timezone.now())
            return render(request, "notifications/unsubscribed.html", {"contact": subscriber})
        if request.method not in ("GET", "HEAD"):
            return render(request, "notifications/unsubscribe_invalid.html", status=405)
        return render(request, "notifications/unsubscribe.html", {"contact": subscriber})
