"""``manage.py make_call_tasks``: the hourly run of beat, once, in this process (no worker or broker)."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from followups.services import create_call_tasks
from notifications.management.commands.send_reminders import parse_instant


class Command(BaseCommand):
    help = "Make the follow-up call tasks due as of --now (default: now), for every partner."

    def add_arguments(self, parser):
        parser.add_argument("--now", help="As if it were this instant (ISO 8601 with an offset).")

    def handle(self, *args, **options):
        at = parse_instant(options["now"]) if options["now"] else timezone.now()
        created = create_call_tasks(at=at)
        self.stdout.write(f"{created} call task(s) made.")
