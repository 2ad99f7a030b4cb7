.PHONY: run test bench lint format messages screenshots mutants

SCALE ?= 1000000

run:
	./scripts/run.sh

test:
	./scripts/test.sh

# Benchmarks against PostgreSQL: make bench (1,000,000 orders) or make bench SCALE=50000.
bench:
	./scripts/bench.sh $(SCALE)

lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check .

format:
	.venv/bin/ruff check --fix . && .venv/bin/ruff format .

# Mutation testing (mutmut; what it mutates and the tests it runs: pyproject.toml [tool.mutmut]).
# On SQLite, each worker with its own in-memory test database. Every module: make mutants (about 15
# minutes on 2 cores); some: make mutants MUTATE="renewals.validity* notifications.policy*".
MUTATE ?=
mutants:
	rm -rf mutants
	DATABASE_URL=sqlite:///mutmut.sqlite3 .venv/bin/mutmut run $(MUTATE)
	.venv/bin/mutmut results

# Re-extract and compile the Korean catalogue (needs gettext: apt-get install gettext).
messages:
	.venv/bin/python manage.py makemessages -l ko --no-location -i ".venv/*" -i "staticfiles/*"
	.venv/bin/python manage.py compilemessages -l ko -i .venv

# Copy the browser tests' latest screenshots shown in the README (run the tests first).
SCREENSHOTS = home-en home-ko dashboard-en dashboard-ko quickview-en quickview-ko email-phone-en email-phone-ko \
	customer-renew-en customer-renew-ko customer-renewed-en customer-renewed-ko home-cockpit-en home-cockpit-ko \
	reports-en reports-ko offers-list-en offers-list-ko offer-report-en offer-report-ko customer-offer-en \
	customer-offer-ko customer-wizard-en customer-wizard-ko renew-suggestions-en renew-suggestions-ko \
	call-tasks-en call-tasks-ko branding-en branding-ko email-branded-phone-ko auto-renew-on-en auto-renew-on-ko \
	auto-renew-quickview-en import-dry-run-en import-dry-run-ko
screenshots:
	mkdir -p docs/screenshots
	for name in $(SCREENSHOTS); do cp tests/browser/screenshots/$$name.png docs/screenshots/; done
