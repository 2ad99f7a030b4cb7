"""``manage.py seed_demo``: the demo data set, or a larger one for benchmarks with ``--scale``."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from demo import seeding


class Command(BaseCommand):
    help = "Create deterministic demo data (safe to run twice: existing partners are left as they are)."

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=int, help="Build this many orders in all (benchmarks).")
        parser.add_argument("--partners", type=int, default=len(seeding.DEMO_PARTNERS), help="With --scale: partners.")
        parser.add_argument("--largest", type=int, help="With --scale: orders of the first (largest) partner.")
        parser.add_argument("--today", type=date.fromisoformat, help="Seed as if today were this date (YYYY-MM-DD).")
        parser.add_argument("--no-progress", action="store_true", help="Do not show a progress bar.")

    def handle(self, *args, scale, partners, largest, today, no_progress, verbosity, **options):
        if scale is not None:
            if scale < partners or partners < 1:
                raise CommandError("--scale must be at least --partners, and --partners at least 1.")
            if largest is not None and not 0 < largest <= scale:
                raise CommandError("--largest must be between 1 and --scale.")
            specs = seeding.scaled_partners(scale, partners, largest)
        else:
            specs = seeding.DEMO_PARTNERS
        created, skipped = seeding.seed(partners=specs, today=today, show_progress=not no_progress and verbosity > 0)
        if verbosity and created:
            self.stdout.write(self.style.SUCCESS(f"Seeded partners: {', '.join(created)}"))
        if verbosity and skipped:
            self.stdout.write(f"Already present, left unchanged: {', '.join(skipped)}")
