"""Template context for the page header: the number on the call tasks link."""

import functools

from django.utils import timezone

from .selectors import due_count


def call_tasks_due(request):
    """``call_tasks_due``: open tasks due today or before that are the user's or nobody's. A callable,
    so the query runs only on pages whose header shows the link."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not hasattr(request, "membership"):
        return {}
    return {"call_tasks_due": functools.partial(_count, request)}


def _count(request):
    membership = request.membership
    if not membership:
        return 0
    partner = membership.partner
    return due_count(partner=partner, user=request.user, today=timezone.localdate(timezone=partner.tzinfo))
