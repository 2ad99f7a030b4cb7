#!/usr/bin/env bash
# Benchmarks: a fresh PostgreSQL database (started like the test command's) with SCALE orders, then
# the dashboard, the reminder sweep and sending, against their floors. Usage: scripts/bench.sh [SCALE]
# KEEP_DATA=1 reuses the data set of the previous run (same SCALE) instead of rebuilding it.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

SCALE="${1:-${SCALE:-1000000}}"
ensure_venv requirements-dev.txt
ensure_postgres
bench_url="${DATABASE_URL%/*}/portal_bench"
extra=()
if [ "${KEEP_DATA:-}" = 1 ]; then
  extra=(--skip-seed)
else
  log "Creating a fresh benchmark database"
  python - "$DATABASE_URL" <<'PY'
import sys, psycopg
url = sys.argv[1].rsplit("/", 1)[0] + "/postgres"
with psycopg.connect(url, autocommit=True) as connection:
    connection.execute("DROP DATABASE IF EXISTS portal_bench")
    connection.execute("CREATE DATABASE portal_bench")
PY
fi
export DATABASE_URL="$bench_url"
DJANGO_ENV=development DJANGO_DEBUG=false python manage.py migrate --no-input -v0
python bench/run.py --scale "$SCALE" "${extra[@]}" "${@:2}"
