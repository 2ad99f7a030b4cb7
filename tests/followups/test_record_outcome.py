"""Recording a call: a note on the order and the task completed, once; sales and admins only."""

from datetime import UTC, date, datetime

import pytest
from django.utils import translation

from followups.models import CallOutcome, CallTask
from followups.services import CallTaskError, create_call_tasks, record_outcome
from renewals.models import OrderNote
from tests.factories import CustomerFactory, OrderFactory

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]

AT = datetime(2027, 3, 1, 0, 30, tzinfo=UTC)
CALLED_AT = datetime(2027, 3, 2, 2, 0, tzinfo=UTC)


@pytest.fixture
def task(partner_a):
    OrderFactory(customer=CustomerFactory(partner=partner_a), term_end=date(2027, 3, 31))
    create_call_tasks(at=AT)
    return CallTask.objects.get()


def test_recording_an_outcome_completes_the_task_and_notes_the_order(task, sales_a):
    sales_a.first_name, sales_a.last_name = "Mina", "Kim"
    sales_a.save()
    result = record_outcome(task=task, by=sales_a.memberships.get(), outcome=CallOutcome.WILL_RENEW, at=CALLED_AT)
    assert result.recorded
    task.refresh_from_db()
    assert (task.outcome, task.completed_at, task.completed_by) == (CallOutcome.WILL_RENEW, CALLED_AT, sales_a)
    note = OrderNote.objects.get(order=task.order)
    assert task.note == note
    assert note.author == sales_a
    assert note.body == "Follow-up call (30 days before the end) by Mina Kim: Will renew."


def test_the_note_is_written_in_the_partners_language(task, sales_a, partner_a, monkeypatch):
    partner_a.language = "ko"
    partner_a.save()
    task.partner.refresh_from_db()
    # Each translated piece says which language was active when it was translated.
    monkeypatch.setattr("followups.services._", lambda text: f"[{translation.get_language()}]{text}")
    with translation.override("en"):
        record_outcome(task=task, by=sales_a.memberships.get(), outcome=CallOutcome.NOT_REACHED, at=CALLED_AT)
    assert OrderNote.objects.get().body.startswith("[ko]Follow-up call")


def test_will_not_renew_needs_a_reason(task, sales_a):
    with pytest.raises(CallTaskError):
        record_outcome(
            task=task, by=sales_a.memberships.get(), outcome=CallOutcome.WILL_NOT_RENEW, reason=" ", at=CALLED_AT
        )
    task.refresh_from_db()
    assert task.is_open
    assert not OrderNote.objects.exists()


def test_the_reason_is_kept_on_the_task_and_in_the_note(task, admin_a):
    record_outcome(
        task=task,
        by=admin_a.memberships.get(),
        outcome=CallOutcome.WILL_NOT_RENEW,
        reason="Moving to ACME",
        at=CALLED_AT,
    )
    task.refresh_from_db()
    assert task.reason == "Moving to ACME"
    assert OrderNote.objects.get().body.endswith("Will not renew. Reason: Moving to ACME")


def test_a_second_recording_changes_nothing(task, sales_a, admin_a):
    record_outcome(task=task, by=sales_a.memberships.get(), outcome=CallOutcome.REACHED, at=CALLED_AT)
    again = record_outcome(
        task=CallTask.objects.get(pk=task.pk), by=admin_a.memberships.get(), outcome=CallOutcome.WILL_RENEW, at=AT
    )
    assert not again.recorded
    assert (again.task.outcome, again.task.completed_by) == (CallOutcome.REACHED, sales_a)
    assert OrderNote.objects.count() == 1


def test_support_staff_cannot_record(task, support_a):
    with pytest.raises(CallTaskError):
        record_outcome(task=task, by=support_a.memberships.get(), outcome=CallOutcome.REACHED, at=CALLED_AT)
    assert CallTask.objects.get().is_open


def test_another_partners_staff_cannot_record(task, partner_b):
    from tests.factories import MembershipFactory

    outsider = MembershipFactory(partner=partner_b)
    with pytest.raises(CallTaskError):
        record_outcome(task=task, by=outsider, outcome=CallOutcome.REACHED, at=CALLED_AT)
