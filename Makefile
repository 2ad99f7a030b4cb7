.PHONY: run test lint format messages

run:
	./scripts/run.sh

test:
	./scripts/test.sh

lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check .

format:
	.venv/bin/ruff check --fix . && .venv/bin/ruff format .

# Re-extract and compile the Korean catalogue (needs gettext: apt-get install gettext).
messages:
	.venv/bin/python manage.py makemessages -l ko --no-location -i ".venv/*" -i "staticfiles/*"
	.venv/bin/python manage.py compilemessages -l ko -i .venv
