"""manage.py renewal_quote answers in JSON and refuses bad input in one line."""

import json
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.smoke

ROOT = Path(__file__).resolve().parents[2]


def quote(*args):
    out = StringIO()
    call_command("renewal_quote", *args, stdout=out)
    return json.loads(out.getvalue())


def test_guides_example_as_json():
    result = quote("--term-end", "2021-01-01", "--renew-on", "2020-12-01", "--years", "1")
    assert result["renewal_open"] is True
    assert result["opens_on"] == "2020-10-03"
    assert result["carried_days"] == 31
    assert result["new_term_end"] == "2022-01-01"
    assert result["total_days"] == 396
    assert result["certificate_cap_days"] == 398
    assert result["first_certificate_not_after"] == "2022-01-01"


def test_first_certificate_is_capped_at_200_days_from_december_2026():
    result = quote("--term-end", "2027-01-01", "--renew-on", "2026-12-01", "--years", "1", "--tz", "America/New_York")
    assert result["certificate_cap_days"] == 200
    assert result["first_certificate_not_after"] == "2027-06-19"
    assert result["new_term_end"] == "2028-01-01"


def test_the_customers_zone_decides_which_cap_the_first_certificate_gets_on_the_ballot_day():
    """Noon on 15 Mar 2026 is still 14 Mar in UTC at UTC+14: the 398-day cap, so the term decides."""
    args = ("--term-end", "2026-04-01", "--renew-on", "2026-03-15", "--years", "1", "--tz")
    seoul, kiritimati = quote(*args, "Asia/Seoul"), quote(*args, "Pacific/Kiritimati")
    assert (seoul["certificate_cap_days"], seoul["first_certificate_not_after"]) == (200, "2026-10-01")
    assert (kiritimati["certificate_cap_days"], kiritimati["first_certificate_not_after"]) == (398, "2027-04-01")


def test_not_yet_open_91_days_before():
    result = quote("--term-end", "2021-01-01", "--renew-on", "2020-10-02", "--years", "1")
    assert result["renewal_open"] is False


@pytest.mark.parametrize(
    "args",
    [
        ["--term-end", "2021-13-01", "--renew-on", "2020-12-01", "--years", "1"],
        ["--term-end", "2021-01-01", "--renew-on", "yesterday", "--years", "1"],
        ["--term-end", "2021-01-01", "--renew-on", "2020-12-01", "--years", "4"],
        ["--term-end", "2021-01-01", "--renew-on", "2020-12-01", "--years", "0"],
        ["--term-end", "2021-01-01", "--renew-on", "2020-12-01", "--years", "1", "--tz", "Mars/Base"],
    ],
    ids=["bad-month", "not-a-date", "four-years", "zero-years", "unknown-zone"],
)
def test_bad_input_exits_non_zero_with_one_line_and_no_traceback(args):
    result = subprocess.run(
        [sys.executable, "manage.py", "renewal_quote", *args], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr
