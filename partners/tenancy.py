"""The one scoping path for partner data.

Every model that belongs to a partner uses ``PartnerScopedManager``; views reach rows only through
``Model.objects.for_partner(partner)``, where ``partner`` comes from ``resolve_membership`` (the
current user's membership, never a URL parameter). A row of another partner is then simply absent,
and a lookup of it is a 404.
"""

from django.db import models


class PartnerScopedQuerySet(models.QuerySet):
    """A queryset that knows the lookup from its model to the owning partner."""

    def for_partner(self, partner):
        if partner is None:
            return self.none()
        return self.filter(**{self.model.partner_lookup: partner})


PartnerScopedManager = models.Manager.from_queryset(PartnerScopedQuerySet)
