"""Template context for the page header: the current partner and the user's other partners."""


def current_partner(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not hasattr(request, "membership"):
        return {}
    membership = request.membership
    if not membership:
        return {"current_membership": None, "all_memberships": []}
    return {
        "current_membership": membership,
        "current_partner": membership.partner,
        "all_memberships": request.memberships,
    }
