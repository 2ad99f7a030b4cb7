"""Partner admins' pages: API tokens (/settings/api/) and webhooks (/settings/webhooks/)."""

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from partners.access import PartnerObjectMixin, PartnerStaffRequiredMixin
from partners.models import MAX_ID, Role

from . import services, webhooks
from .forms import TokenForm, WebhookEndpointForm
from .models import ApiToken, WebhookDelivery, WebhookEndpoint

ADMINS = (Role.ADMIN,)
DELIVERIES_SHOWN = 50


class TokenListView(PartnerStaffRequiredMixin, TemplateView):
    template_name = "api/tokens.html"
    allowed_roles = ADMINS
    role_denied_message = _("Only partner admins manage API tokens.")

    def get_context_data(self, **kwargs):
        tokens = ApiToken.objects.for_partner(self.partner).select_related("created_by__user")
        return super().get_context_data(tokens=tokens, form=kwargs.pop("form", None) or TokenForm(), **kwargs)

    def post(self, request, *args, **kwargs):
        form = TokenForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        token, secret = services.create_token(
            partner=self.partner, by=self.membership, name=form.cleaned_data["name"], scope=form.cleaned_data["scope"]
        )
        # Shown in this response only (no-store, like every page); never stored in clear.
        return self.render_to_response(self.get_context_data(new_token=token, secret=secret))


class RevokeTokenView(PartnerObjectMixin, TemplateView):
    model = ApiToken
    allowed_roles = ADMINS
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        if services.revoke_token(token=self.object, by=self.membership):
            messages.success(request, _("The token “%(name)s” is revoked.") % {"name": self.object.name})
        return redirect("api-tokens")


class WebhookListView(PartnerStaffRequiredMixin, TemplateView):
    template_name = "api/webhooks.html"
    allowed_roles = ADMINS
    role_denied_message = _("Only partner admins manage webhooks.")

    def get_context_data(self, **kwargs):
        endpoints = WebhookEndpoint.objects.for_partner(self.partner)
        form = kwargs.pop("form", None) or WebhookEndpointForm()
        return super().get_context_data(endpoints=endpoints, form=form, **kwargs)

    def post(self, request, *args, **kwargs):
        form = WebhookEndpointForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        endpoint = services.create_endpoint(
            partner=self.partner, by=self.membership, url=form.cleaned_data["url"], events=form.cleaned_data["events"]
        )
        messages.success(request, _("The webhook is registered. Verify its signatures with the secret below."))
        return redirect("webhook-detail", pk=endpoint.pk)


class WebhookDetailView(PartnerObjectMixin, TemplateView):
    """One endpoint: its secret, its latest deliveries with the receiver's answers; switch it off or
    on, delete it, retry a failed delivery."""

    template_name = "api/webhook_detail.html"
    model = WebhookEndpoint
    allowed_roles = ADMINS

    def get_context_data(self, **kwargs):
        deliveries = self.object.deliveries.order_by("-created_at", "-id")[:DELIVERIES_SHOWN]
        return super().get_context_data(endpoint=self.object, deliveries=deliveries, **kwargs)

    def post(self, request, *args, **kwargs):
        action = request.POST.get("action")
        if action in ("activate", "deactivate"):
            services.set_endpoint_active(endpoint=self.object, by=self.membership, active=action == "activate")
        elif action == "delete":
            services.delete_endpoint(endpoint=self.object, by=self.membership)
            messages.success(request, _("The webhook is deleted."))
            return redirect("webhooks")
        elif action == "retry":
            delivery_id = request.POST.get("delivery", "")
            if delivery_id.isascii() and delivery_id.isdigit() and int(delivery_id) <= MAX_ID:
                delivery = WebhookDelivery.objects.filter(endpoint=self.object, pk=int(delivery_id)).first()
                if delivery is not None and webhooks.retry(delivery):
                    webhooks.queue_delivery()
                    messages.success(request, _("The delivery will be tried again."))
        return redirect("webhook-detail", pk=self.object.pk)
