#!/usr/bin/env bash
# The whole test suite on a fresh machine: virtualenv and packages, a real PostgreSQL and Redis,
# Debian's Chromium; then every test on PostgreSQL and the smoke subset on SQLite.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

ensure_venv requirements-dev.txt
ensure_chromium
ensure_postgres
ensure_redis

# Two processes (pytest-xdist), each with its own test database and live server: the suite waits on
# PostgreSQL, Chromium and subprocesses enough that a second one fits on two cores. PYTEST_WORKERS=0
# runs in one process.
workers=(-n "${PYTEST_WORKERS:-2}")

log "Running every test on PostgreSQL"
python -m pytest "${workers[@]}" "$@"

log "Running the smoke subset on SQLite"
smoke_db=$(mktemp -d /tmp/portal-sqlite.XXXXXX)
CLEANUPS+=("rm -rf $smoke_db")
DATABASE_URL="sqlite:///$smoke_db/smoke.sqlite3" python -m pytest "${workers[@]}" -m smoke -p no:cacheprovider "$@"
