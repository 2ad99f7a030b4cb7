"""``manage.py renewal_quote``: what a renewal on a given day gives, as one JSON object."""

import json
import zoneinfo
from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError

from partners.models import known_time_zones
from renewals.models import MAX_PLAN_YEARS
from renewals.validity import certificate_validity, quote_renewal, start_of_day


def parse_date(value, option):
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{option} must be a date as YYYY-MM-DD, not {value!r}.") from None


ISSUED_DURING_THE_DAY = timedelta(hours=12)


class Command(BaseCommand):
    help = "Quote a renewal: carried days, new term end and the first certificate under the cap."

    def add_arguments(self, parser):
        parser.add_argument(
            "--term-end", required=True, help="Expiry date: the last paid day of the current term (YYYY-MM-DD)."
        )
        parser.add_argument("--renew-on", required=True, help="Day of the renewal (YYYY-MM-DD).")
        parser.add_argument("--years", required=True, help=f"Plan in years (1–{MAX_PLAN_YEARS}).")
        parser.add_argument("--tz", default="Asia/Seoul", help="The customer's time zone (default Asia/Seoul).")

    def handle(self, *args, term_end, renew_on, years, tz, **options):
        term_end = parse_date(term_end, "--term-end")
        renew_on = parse_date(renew_on, "--renew-on")
        if not years.isdigit() or not 1 <= int(years) <= MAX_PLAN_YEARS:
            raise CommandError(f"--years must be a whole number from 1 to {MAX_PLAN_YEARS}, not {years!r}.")
        if tz not in known_time_zones():
            raise CommandError(f"--tz {tz!r} is not a known time zone (for example Asia/Seoul).")
        zone = zoneinfo.ZoneInfo(tz)
        quote = quote_renewal(term_end=term_end, renew_on=renew_on, plan_years=int(years))
        # The first certificate, issued at noon that day in the customer's zone: the zone places the
        # issue in time (the cap in force goes by its UTC date) and names the day it expires.
        certificate = certificate_validity(
            issued_at=start_of_day(renew_on, zone) + ISSUED_DURING_THE_DAY, term_end=quote.new_term_end, zone=zone
        )
        result = {
            "term_end": term_end.isoformat(),
            "renew_on": renew_on.isoformat(),
            "plan_years": quote.plan_years,
            "time_zone": tz,
            "renewal_open": quote.is_open,
            "opens_on": quote.opens_on.isoformat(),
            "carried_days": quote.carried_days,
            "new_term_start": quote.new_term_start.isoformat(),
            "new_term_end": quote.new_term_end.isoformat(),
            "total_days": quote.total_days,
            # The day the first certificate expires (the last day it works).
            "first_certificate_not_after": certificate.expires_on(zone).isoformat(),
            "certificate_cap_days": certificate.cap_days,
        }
        self.stdout.write(json.dumps(result))
