"""``manage.py send_reminders``: one sweep and its sending, in this process (no worker or broker).

``--sweep-only`` records the due reminders and queues their emails but sends nothing, leaving the
sending (and its timing) to the worker; the run command does this once at start."""

import json
from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from notifications.models import EmailStatus, OutboxEmail
from notifications.sender import send_pending
from notifications.sweep import run_sweep


def parse_instant(value):
    try:
        instant = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise CommandError(f"--now must be an ISO instant such as 2026-12-01T09:00:00+09:00, not {value!r}.") from None
    if timezone.is_naive(instant):
        raise CommandError("--now needs a time zone offset, for example 2026-12-01T00:00:00Z.")
    return instant


class Command(BaseCommand):
    help = "Run one reminder sweep as of --now (default: now) and send what is due (not with --sweep-only)."

    def add_arguments(self, parser):
        parser.add_argument("--now", help="Sweep as if it were this instant (ISO 8601 with an offset).")
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--dry-run", action="store_true", help="List what would go out; change nothing.")
        mode.add_argument(
            "--sweep-only",
            action="store_true",
            help="Record the due reminders and queue their emails; leave the sending to the worker.",
        )
        parser.add_argument("--json", action="store_true", help="Print one JSON object as the last line.")

    def handle(self, *args, now, dry_run, sweep_only, **options):
        instant = parse_instant(now) if now else timezone.now()
        sweep = run_sweep(now=instant, dry_run=dry_run)
        summary = {
            "now": instant.isoformat(),
            "dry_run": dry_run,
            "sweep_only": sweep_only,
            "due": sweep.due,
            "already_recorded": sweep.already_recorded,
            "orders_checked": sweep.orders_checked,
        }
        if dry_run:
            for number, kind, threshold in sweep.planned:
                self.stdout.write(f"would remind: order {number} ({kind}, {threshold} days)")
            summary.update(queued=0, sent=0, skipped_opted_out=0, failed=0, retrying=0)
        elif sweep_only:
            summary.update(queued=sweep.queued, sent=0, skipped_opted_out=0, failed=0, retrying=0)
        else:
            sent = send_pending(now=instant)
            summary.update(
                queued=sweep.queued,
                sent=sent.sent,
                skipped_opted_out=sent.skipped_opted_out,
                failed=sent.failed,
                retrying=sent.retrying,
            )
        if not dry_run:
            # Queued, but outside the customer's working hours: they leave at the next send hour.
            summary["waiting"] = OutboxEmail.objects.filter(
                status=EmailStatus.PENDING, next_attempt_at__gt=instant
            ).count()
        if options["json"]:
            self.stdout.write(json.dumps(summary))
        else:
            self.stdout.write(", ".join(f"{key}: {value}" for key, value in summary.items()))
