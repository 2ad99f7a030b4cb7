"""Staff order pages (quick view, Renew Now, reissue, recording a certificate) and the customer page.

Views only translate between HTTP and the services; every order is read through the partner's
scoping path, so another partner's order number is a 404.
"""

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.decorators.http import require_http_methods
from django.views.decorators.vary import vary_on_headers
from django.views.generic import TemplateView

from offers.exposure import record_preview_exposure
from offers.models import OfferExposure
from partners.access import PartnerObjectMixin
from partners.actors import CUSTOMER
from partners.models import RENEWING_ROLES

from .auto_renew import renewed_automatically
from .auto_renew_forms import auto_renew_context
from .forms import CertificatePemForm, CustomerRenewalForm, NoteForm, RenewalForm, WizardForm, price_key
from .issuance import CertificateRejected, record_issued_certificate
from .link_opens import record_link_open
from .links import InvalidLink, customer_renewal_path, link_for_token
from .models import OrderStatus
from .quick_view import certificate_dates, renewal_status
from .rows import notices_switch, render_switch
from .selectors import order_for_staff, renewal_preview
from .services import (
    RenewalError,
    add_note,
    reissue_certificate,
    reissue_due,
    renew_order,
    set_renewal_notices,
    upgrade_choices,
)
from .upsell import benefits_of, customer_upsell, renewal_options, suggestions
from .validity import days_left
from .windows import CRITICAL, browser_warning_file, urgency


def existing_renewal(order):
    return getattr(order, "renewal", None)


def is_htmx(request):
    """A request htmx made (the dashboard's switch and panel): it is answered with a fragment."""
    return request.headers.get("HX-Request") == "true"


class OrderView(PartnerObjectMixin):
    """Pages of one of the partner's orders, by number, with what they show."""

    def get_object(self):
        return order_for_staff(partner=self.partner, order_number=self.kwargs["order_number"])

    def get_order(self):
        return self.object


@method_decorator(vary_on_headers("HX-Request"), name="dispatch")
class OrderDetailView(OrderView, TemplateView):
    """The Quick View: a full page, or the panel the dashboard opens over its list when htmx asks
    (``HX-Request``) or with ``?panel=1``. The panel's forms (notes, resend, reissue) post with htmx;
    their views redirect here as without JavaScript, and htmx's request follows the redirect with its
    header, so it gets the panel again, with the message."""

    def is_panel(self):
        return bool(self.request.GET.get("panel")) or is_htmx(self.request)

    def get_template_names(self):
        return ["renewals/order_panel.html" if self.is_panel() else "renewals/order_detail.html"]

    def get_context_data(self, **kwargs):
        order = self.get_order()
        now = timezone.now()
        status = renewal_status(order, at=now)
        return super().get_context_data(
            panel=self.is_panel(),
            order=order,
            status=status,
            renewal=status.renewal,
            today=status.today,
            certificates=certificate_dates(order),
            # The facts of Renew Now and the customer's link only when renewing is possible now.
            preview=renewal_preview(order=order, at=now) if status.can_renew else None,
            customer_link=self.request.build_absolute_uri(customer_renewal_path(order)) if status.can_renew else None,
            reissue_due=reissue_due(order, at=now),
            can_renew=self.membership.can_renew,
            pem_form=CertificatePemForm() if order.status == OrderStatus.AWAITING_ISSUANCE else None,
            notes=order.notes.select_related("author"),
            note_form=NoteForm(),
            notice_changes=order.notice_changes.select_related("changed_by")[:10],
            reminders=order.reminders.prefetch_related("items__email").order_by("-created_at"),
            **auto_renew_context(order, now=now, action=reverse("order-auto-renew", args=[order.order_number])),
            **kwargs,
        )


class RenewOrderView(OrderView, TemplateView):
    """GET: the confirmation with a live preview; POST: renew."""

    template_name = "renewals/renew_confirm.html"
    allowed_roles = RENEWING_ROLES  # support may view, not renew
    role_denied_message = gettext_lazy(
        "Support staff can view orders but not renew them. Ask a sales colleague or a partner admin."
    )

    def build_form(self, order, data):
        products = upgrade_choices(order.product, partner=self.partner)
        initial = {"plan_years": order.plan_years, "product": order.product}
        return RenewalForm(data, initial=initial, products=products)  # data None: an unbound form

    def render_page(self, order, form, status=200):
        now = timezone.now()
        choice = form.cleaned_data if form.is_bound and form.is_valid() else {}
        preview = renewal_preview(
            order=order, at=now, plan_years=choice.get("plan_years"), product=choice.get("product")
        )
        record_preview_exposure(preview, customer_id=order.customer_id, channel=OfferExposure.Channel.STAFF, at=now)
        context = self.get_context_data(
            order=order,
            form=form,
            preview=preview,
            renewal=existing_renewal(order),
            suggestions=suggestions(order, at=now, allowed=set(form.fields["product"].queryset)),
        )
        return self.render_to_response(context, status=status)

    def get(self, request, *args, **kwargs):
        order = self.get_order()
        return self.render_page(order, self.build_form(order, request.GET if "plan_years" in request.GET else None))

    def post(self, request, *args, **kwargs):
        order = self.get_order()
        form = self.build_form(order, request.POST)
        if not form.is_valid():
            return self.render_page(order, form, status=400)
        try:
            result = renew_order(
                order=order,
                by=self.membership,
                at=timezone.now(),
                plan_years=form.cleaned_data["plan_years"],
                product=form.cleaned_data["product"],
            )
        except RenewalError as error:
            form.add_error(None, str(error))
            return self.render_page(order, form, status=409)
        if result.created:
            messages.success(
                request,
                _("Order %(old)s is renewed as order %(new)s.")
                % {"old": order.order_number, "new": result.order.order_number},
            )
        else:
            messages.info(
                request,
                _("Order %(old)s was renewed already, as order %(new)s.")
                % {"old": order.order_number, "new": result.order.order_number},
            )
        return redirect("order-detail", order_number=order.order_number)


class ReissueView(OrderView, View):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        order = self.get_order()
        if reissue_certificate(order=order, by=self.membership, at=timezone.now()):
            messages.success(
                request, _("A new certificate is requested for order %(number)s.") % {"number": order.order_number}
            )
        else:
            messages.info(request, _("Order %(number)s does not need a reissue now.") % {"number": order.order_number})
        return redirect("order-detail", order_number=order.order_number)


class RecordCertificateView(OrderView, View):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        order = self.get_order()
        form = CertificatePemForm(request.POST)
        if form.is_valid():
            try:
                record_issued_certificate(order=order, pem=form.cleaned_data["pem"], at=timezone.now())
            except CertificateRejected as error:
                form.add_error("pem", str(error))
        if form.errors:
            return render(request, "renewals/record_certificate.html", {"order": order, "pem_form": form}, status=400)
        messages.success(
            request, _("The certificate is recorded for order %(number)s.") % {"number": order.order_number}
        )
        return HttpResponseRedirect(reverse("order-detail", kwargs={"order_number": order.order_number}))


@require_http_methods(["GET", "POST"])
def customer_renew_view(request, token):
    """The customer's one-click renewal page. Opening it never renews: only a POST that accepts the
    price shown does. Once renewed, every visit shows what was bought and what happens next."""
    try:
        link = link_for_token(token)
    except InvalidLink:
        return render(request, "renewals/customer_invalid_link.html", status=404)
    order = link.order
    if not request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME):  # a language the visitor chose wins
        translation.activate(link.language)
        request.LANGUAGE_CODE = translation.get_language()
    now = timezone.now()
    if request.method == "GET":
        record_link_open(order, now)  # the reminder funnel's "opened" (a timestamp, nothing else)
    today = timezone.localdate(now, order.customer.tzinfo)
    renewed = {"link": link, "order": order, "renewal": existing_renewal(order), "already": True, "today": today}
    if renewed["renewal"] is not None:
        renewed["auto_renewed"] = renewed_automatically(order)
        return render(request, "renewals/customer_renewed.html", renewed)

    def price_for(plan_years, product=None):
        return renewal_preview(order=order, at=now, plan_years=plan_years, product=product).price

    options = renewal_options(order)  # the products the customer may choose: fixed here, never from the request
    status = 200
    if request.method == "POST":
        form = CustomerRenewalForm(request.POST, price_for=price_for, products=options.products)
        if form.is_valid():
            try:
                result = renew_order(
                    order=order,
                    by=CUSTOMER,
                    at=now,
                    plan_years=form.cleaned_data["plan_years"],
                    product=form.cleaned_data["product"],
                )
            except RenewalError as failure:
                form.add_error(None, str(failure))
                status = 409
            else:
                renewed.update(renewal=result.order, already=not result.created)
                return render(request, "renewals/customer_renewed.html", renewed)
        else:
            status = 400
    else:
        plan_years = CustomerRenewalForm.plan_from(request.GET, default=order.plan_years)
        form = CustomerRenewalForm(initial={"plan_years": plan_years}, products=options.products)
        form.initial["product"] = form.product_from(request.GET, default=order.product).code
    preview = renewal_preview(
        order=order, at=now, plan_years=form.chosen_plan(order.plan_years), product=form.chosen_product(order.product)
    )
    record_preview_exposure(preview, customer_id=order.customer_id, channel=OfferExposure.Channel.PAGE, at=now)
    critical = urgency(days_left(order.expires_on, today)) == CRITICAL
    context = {
        "link": link,
        "order": order,
        "form": form,
        "accepted_price": price_key(preview.price) if preview.price else "",
        "preview": preview,
        # What the reminder emails show too: what the product gives, and near the end the warning
        # visitors would see.
        "benefits": benefits_of(order.product),
        "browser_warning": f"emails/{browser_warning_file(translation.get_language())}" if critical else "",
        **customer_upsell(order, at=now, options=options, preview=preview, wizard=WizardForm.from_query(request.GET)),
        **auto_renew_context(order, now=now, action=reverse("customer-auto-renew", kwargs={"token": token})),
    }
    return render(request, "renewals/customer_renew.html", context, status=status)


class RenewalNoticesView(OrderView, View):
    """Switch an order's renewal notices. The dashboard's switch (htmx) gets its own fragment back,
    saying "Saved" or why not; a plain form post is redirected to the order with a message."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        order = self.get_order()
        value = request.POST.get("enabled", "")
        if value not in ("true", "false"):
            return HttpResponseBadRequest(
                _("Send enabled=true or enabled=false."), content_type="text/plain; charset=utf-8"
            )
        try:
            enabled = set_renewal_notices(order=order, by=self.membership, enabled=value == "true")
        except RenewalError as error:
            if is_htmx(request):
                return HttpResponse(render_switch(request, notices_switch(order, request.path, error=str(error))))
            messages.error(request, str(error))
            return redirect("order-detail", order_number=order.order_number)
        if is_htmx(request):
            return HttpResponse(render_switch(request, notices_switch(order, request.path, saved=True)))
        messages.success(request, _("Renewal notices are on.") if enabled else _("Renewal notices are off."))
        return redirect("order-detail", order_number=order.order_number)


class AddNoteView(OrderView, View):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        order = self.get_order()
        form = NoteForm(request.POST)
        if not form.is_valid():
            messages.error(request, " ".join(form.errors.get("body", [_("The note is not valid.")])))
        else:
            add_note(order=order, by=self.membership, body=form.cleaned_data["body"])
            messages.success(request, _("Note added."))
        return redirect(reverse("order-detail", kwargs={"order_number": order.order_number}) + "#notes")
