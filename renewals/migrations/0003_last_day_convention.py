"""Dates move from the end-exclusive convention to "the last day that works" (DOMAIN.md).

Nobody gains or loses time: a term's stored end becomes its last paid day (one day earlier), an
issued certificate's ``notAfter`` never changes and the expiry date follows it (the calendar day of
``notAfter`` in the customer's time zone), and renewal reminders already recorded count down to the
shifted end, so none is recorded again. Every open order is looked at by the next sweep.
"""

import zoneinfo
from datetime import timedelta

from django.db import migrations, models
from django.utils import timezone

BATCH = 2000


def zone_of(customer):
    return zoneinfo.ZoneInfo(customer.time_zone or customer.partner.time_zone)


def shift(apps, days):
    Order = apps.get_model("renewals", "Order")
    Certificate = apps.get_model("renewals", "Certificate")
    Reminder = apps.get_model("notifications", "Reminder")
    delta = timedelta(days=days)
    # Only the columns this step reads: unapplying runs with a state other apps may have moved on from.
    orders = (
        Order.objects.select_related("customer__partner")
        .only("term_end", "expires_on", "status", "next_reminder_at", "customer__time_zone", "customer__partner__time_zone")
        .order_by("pk")
    )
    batch = []
    for order in orders.iterator(chunk_size=BATCH):
        order.term_end += delta
        latest = Certificate.objects.filter(order_id=order.pk).order_by("-not_after").values("not_after").first()
        if latest is None:
            order.expires_on = order.term_end
        else:
            ends = latest["not_after"] if days < 0 else latest["not_after"] + timedelta(seconds=1)
            order.expires_on = min(order.term_end, ends.astimezone(zone_of(order.customer)).date())
        if order.status != "cancelled":
            order.next_reminder_at = timezone.now()
        batch.append(order)
        if len(batch) == BATCH:
            Order.objects.bulk_update(batch, ["term_end", "expires_on", "next_reminder_at"])
            batch = []
    Order.objects.bulk_update(batch, ["term_end", "expires_on", "next_reminder_at"])
    # Renewal reminders count down to the term's end; reissue reminders to a certificate's end,
    # whose day (of notAfter) is unchanged for a capped certificate.
    reminders = Reminder.objects.filter(kind="renewal").order_by("-ends_on" if days > 0 else "ends_on")
    for reminder in reminders.iterator(chunk_size=BATCH):
        target = reminder.ends_on + delta
        # A reissue reminder for a certificate that ended on the term's last day (not a reissue
        # under the new convention) would now clash with the term's own reminder: drop it.
        Reminder.objects.filter(
            order_id=reminder.order_id, ends_on=target, threshold_days=reminder.threshold_days
        ).exclude(kind="renewal").delete()
        Reminder.objects.filter(pk=reminder.pk).update(ends_on=target)


def forwards(apps, schema_editor):
    shift(apps, -1)


def backwards(apps, schema_editor):
    shift(apps, 1)


class Migration(migrations.Migration):
    dependencies = [
        ("renewals", "0002_partial_expiry_index"),
        ("notifications", "0003_outbox_claim"),
    ]

    operations = [
        migrations.AlterField(
            model_name="order",
            name="expires_on",
            field=models.DateField(
                help_text=(
                    "The last day the serving certificate works (the term's last day when it lasts the term, "
                    "or none is issued)."
                ),
                verbose_name="expires on",
            ),
        ),
        migrations.RunPython(forwards, backwards, elidable=True),
    ]
