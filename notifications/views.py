"""Staff screens of reminders (policy, preview, outbox, resend) and the public unsubscribe page."""

import logging
from datetime import timedelta

from django.contrib import messages
from django.db import transaction
from django.db.models import F, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.utils import timezone, translation
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import TemplateView

from config.security import email_frame_csp
from partners.access import PartnerStaffRequiredMixin
from partners.models import Role
from renewals.expiring import MAX_PAGE
from renewals.models import Order, OrderStatus
from renewals.views import OrderView

from .emails import BROWSER_WARNING_CID, browser_warning_file, render_reminder
from .forms import ReminderPolicyForm
from .links import contact_for_token
from .models import EmailStatus, OutboxEmail, Reminder
from .policy import REISSUE, RENEWAL, due_at
from .sender import retry
from .services import ReminderError, reschedule_partner, resend_latest_reminder

logger = logging.getLogger(__name__)
PAGE_SIZE = 50


def queue_sending():
    """Ask a worker to send now; if the broker is away, the beat's drain sends within a minute."""
    from .tasks import send_outbox

    try:
        send_outbox.delay()
    except Exception:  # the outbox keeps the email; nothing is lost
        logger.warning("could not queue send_outbox; the periodic drain will send", exc_info=True)


class ReminderSettingsView(PartnerStaffRequiredMixin, TemplateView):
    template_name = "notifications/settings.html"
    allowed_roles = (Role.ADMIN,)

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(form=ReminderPolicyForm(instance=self.partner)))

    def post(self, request, *args, **kwargs):
        form = ReminderPolicyForm(request.POST, instance=self.partner)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        with transaction.atomic():
            form.save()
            reschedule_partner(self.partner, timezone.now())
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
        orders = Order.objects.for_partner(self.partner).select_related("customer__partner", "product")
        order = orders.filter(order_number=params.get("order", "")[:32]).first()
        if params.get("order") and order is None:
            ignored.append("order")
        order = order or example_order(orders, kind, threshold, timezone.localdate(timezone=self.partner.tzinfo))
        context = super().get_context_data(
            kind=kind,
            threshold=threshold,
            thresholds=thresholds,
            language=language,
            order=order,
            ignored=ignored,
            **kwargs,
        )
        contact = order and order.customer.contacts.first()
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


def example_order(orders, kind, threshold, today):
    """An order whose own dates fit the threshold previewed: of the kind asked for, with a contact,
    expiring as near as possible after ``today + threshold``. The preview is rendered as of the day
    that reminder is due, so its dates, days left and issue date tell one consistent story."""
    candidates = orders.filter(renewal__isnull=True, status=OrderStatus.ACTIVE, customer__contacts__isnull=False)
    if kind == REISSUE:
        candidates, field = candidates.filter(expires_on__lt=F("term_end")), "expires_on"
    else:
        field = "term_end"
    target = today + timedelta(days=max(threshold, 0))
    return (
        candidates.filter(**{f"{field}__gte": target}).order_by(field, "pk").first()
        or candidates.filter(**{f"{field}__lt": target}).order_by(f"-{field}", "pk").first()
    )


def page_number(value) -> int:
    """The page asked for in the query string, within 1..MAX_PAGE: anything else (absent, not a
    whole number, below 1) is page 1, and a huge number the last page allowed, so no value can push
    the list's OFFSET past what the database accepts."""
    try:
        page = int(value)
    except (TypeError, ValueError):
        return 1
    return min(max(page, 1), MAX_PAGE)


class OutboxView(PartnerStaffRequiredMixin, TemplateView):
    template_name = "notifications/outbox.html"

    def get_context_data(self, **kwargs):
        params = self.request.GET
        emails = OutboxEmail.objects.for_partner(self.partner).select_related("contact")
        status = params.get("status") if params.get("status") in EmailStatus.values else ""
        if status:
            emails = emails.filter(status=status)
        query = params.get("q", "").strip()[:100]
        if query:
            emails = emails.filter(
                Q(to_email__icontains=query)
                | Q(subject__icontains=query)
                | Q(items__reminder__order__order_number=query)
            ).distinct()
        page = page_number(params.get("page"))
        rows = list(emails.order_by("-created_at", "-id")[(page - 1) * PAGE_SIZE : page * PAGE_SIZE + 1])
        return super().get_context_data(
            emails=rows[:PAGE_SIZE],
            has_next=len(rows) > PAGE_SIZE,
            page=page,
            status=status,
            q=query,
            statuses=EmailStatus.choices,
            **kwargs,
        )


def with_viewable_images(html, language):
    """Inline images travel as MIME parts (``cid:``); a browser shows the same picture from static."""
    return html.replace(f"cid:{BROWSER_WARNING_CID}", static(f"emails/{browser_warning_file(language)}"))


@method_decorator(email_frame_csp, name="dispatch")
class OutboxEmailView(PartnerStaffRequiredMixin, TemplateView):
    template_name = "notifications/outbox_email.html"

    def resolve_objects(self):
        self.email = get_object_or_404(
            OutboxEmail.objects.for_partner(self.partner).select_related("contact__customer"), pk=self.kwargs["pk"]
        )

    def get_context_data(self, **kwargs):
        items = self.email.items.select_related("reminder__order")
        return super().get_context_data(
            email=self.email,
            items=items,
            html=with_viewable_images(self.email.body_html, self.email.contact.effective_language),
            **kwargs,
        )


class RetryEmailView(OutboxEmailView):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        if retry(self.email):
            transaction.on_commit(queue_sending)
            messages.success(request, _("The email is queued again."))
        else:
            messages.info(request, _("Only a failed email can be retried."))
        return redirect("outbox-email", pk=self.email.pk)


class ResendReminderView(OrderView, View):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        order = self.get_order()
        try:
            emails = resend_latest_reminder(order=order, by=self.membership, now=timezone.now())
        except ReminderError as error:
            messages.error(request, str(error))
        else:
            transaction.on_commit(queue_sending)
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
            if contact.unsubscribed_at is None:
                type(contact).objects.filter(pk=contact.pk, unsubscribed_at__isnull=True).update(
                    unsubscribed_at=timezone.now()
                )
            return render(request, "notifications/unsubscribed.html", {"contact": contact})
        if request.method not in ("GET", "HEAD"):
            return render(request, "notifications/unsubscribe_invalid.html", status=405)
        return render(request, "notifications/unsubscribe.html", {"contact": contact})
