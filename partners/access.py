"""Who is working for which partner: the current membership, resolved once per request.

The current partner is always one the user holds a membership in; the session only remembers which
of them the user picked in the partner switcher.
"""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _

from .models import StaffMembership

SESSION_KEY = "current_partner_id"


def memberships_of(user):
    if not user.is_authenticated:
        return StaffMembership.objects.none()
    return StaffMembership.objects.filter(user=user).select_related("partner").order_by("partner__name")


def resolve_membership(request, memberships):
    """The membership the request acts under, or None when the user has none."""
    if not memberships:
        return None
    chosen = request.session.get(SESSION_KEY)
    for membership in memberships:
        if membership.partner_id == chosen:
            return membership
    return memberships[0]


def switch_partner(request, partner_id):
    """Remember the partner the user picked; refuse one they do not belong to."""
    if not memberships_of(request.user).filter(partner_id=partner_id).exists():
        raise PermissionDenied(_("You are not a member of that partner."))
    request.session[SESSION_KEY] = partner_id


class CurrentPartnerMiddleware:
    """Sets ``request.memberships``, ``request.membership`` and ``request.partner``, lazily: one query
    when first used, none for requests that never ask."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.memberships = SimpleLazyObject(lambda: list(memberships_of(request.user)))
        request.membership = SimpleLazyObject(lambda: resolve_membership(request, request.memberships))
        request.partner = SimpleLazyObject(lambda: request.membership and request.membership.partner)
        try:
            return self.get_response(request)
        finally:
            # A staff view activates its partner's zone (and templates render after the view returns):
            # the next request on this thread starts from UTC again.
            timezone.deactivate()


class PartnerStaffRequiredMixin(LoginRequiredMixin):
    """Views of partner data: a logged-in member of a partner, optionally in one of ``allowed_roles``."""

    allowed_roles = None
    role_denied_message = None

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        membership = request.membership
        if not membership:
            raise PermissionDenied(_("Your account is not a member of any partner."))
        self.membership = membership
        self.partner = membership.partner
        # Instants on staff pages read in the partner's zone; the formats label them ("09:00 KST").
        timezone.activate(self.partner.tzinfo)
        # Objects first: another partner's URL is a 404 whatever the role, never a 403 that confirms it.
        self.resolve_objects()
        if self.allowed_roles is not None and membership.role not in self.allowed_roles:
            raise PermissionDenied(self.role_denied_message or _("Your role does not allow this action."))
        return super().dispatch(request, *args, **kwargs)

    def resolve_objects(self):
        """Look up the partner's objects named in the URL (raising 404); before any role check."""


class PartnerObjectMixin(PartnerStaffRequiredMixin):
    """Pages of one of the current partner's rows, named in the URL: ``kwargs[url_kwarg]`` matched
    against ``lookup_field`` among ``get_partner_queryset()`` (the partner's rows of ``model``). The
    row is found before any role check, so another partner's is a 404 whatever the role. Any app's
    views use it (an order's page, its resend, an outbox email); the row is ``self.object``."""

    model = None
    lookup_field = "pk"
    url_kwarg = "pk"

    def get_partner_queryset(self):
        """The partner's rows the page may show; override to join what the page reads."""
        return self.model.objects.for_partner(self.partner)

    def get_object(self):
        return get_object_or_404(self.get_partner_queryset(), **{self.lookup_field: self.kwargs[self.url_kwarg]})

    def resolve_objects(self):
        self.object = self.get_object()
