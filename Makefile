.PHONY: run test bench lint format messages

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

# Re-extract and compile the Korean catalogue (needs gettext: apt-get install gettext).
messages:
	.venv/bin/python manage.py makemessages -l ko --no-location -i ".venv/*" -i "staticfiles/*"
	.venv/bin/python manage.py compilemessages -l ko -i .venv
