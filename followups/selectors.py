"""Reads of follow-up calls, always scoped to one partner.

A task is *open* while nobody has recorded its call and its order is still live: once the order is
renewed or cancelled there is nothing to call about, so the task leaves the open list and the
header's count at once (no job has to close it); it stays under "all", marked as no longer needed.
"""

from django.db.models import Case, Exists, IntegerField, OuterRef, Q, Value, When

from renewals.models import Order, OrderStatus

from .models import CallTask

STATUSES = ("open", "done", "all")
WHO = ("mine", "everyone")


def open_condition() -> Q:
    """The one definition of an open task, as a query condition (``is_still_needed`` for one task)."""
    renewed = Exists(Order.objects.filter(renewed_from=OuterRef("order_id")))
    return Q(completed_at__isnull=True) & ~Q(order__status=OrderStatus.CANCELLED) & ~Q(renewed)


def is_still_needed(task) -> bool:
    """The order still needs the call (``open_condition`` tells the same of rows)."""
    return task.order.is_live


def task_list(*, partner, user, status="open", who="everyone", due="any", today=None):
    """The partner's tasks for the task list: the user's own first, then those nobody has, then the
    rest, each by due date. ``status`` is one of STATUSES, ``who`` one of WHO; ``due="today"`` keeps
    those due on ``today`` (the partner's day) or before."""
    tasks = CallTask.objects.for_partner(partner)
    if due == "today":
        tasks = tasks.filter(due_on__lte=today)
    if status == "open":
        tasks = tasks.filter(open_condition())
    elif status == "done":
        tasks = tasks.filter(completed_at__isnull=False)
    if who == "mine":
        tasks = tasks.filter(assigned_to=user)
    mine_first = Case(
        When(assigned_to=user, then=Value(0)),
        When(assigned_to__isnull=True, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return (
        tasks.annotate(mine_first=mine_first)
        .select_related("order__product", "order__renewal", "customer", "assigned_to", "completed_by")
        .prefetch_related("customer__contacts")
        .order_by("mine_first", "due_on", "id")
    )


def due_count(*, partner, user, today) -> int:
    """Open tasks due on ``today`` or before that are the user's or nobody's: the header's number."""
    return (
        CallTask.objects.for_partner(partner)
        .filter(open_condition(), due_on__lte=today)
        .filter(Q(assigned_to=user) | Q(assigned_to__isnull=True))
        .count()
    )
