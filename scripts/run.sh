#!/usr/bin/env bash
# Runs the portal on this machine: installs, migrates, loads the demo data, records the reminders due
# now and starts the web app, a Celery worker and Celery beat. SQLite unless DATABASE_URL says
# otherwise; Redis from REDIS_URL, the local one, or one started here. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

# The development set: honcho (which starts the three processes below) is a developer tool, not a runtime
# dependency of the portal.
ensure_venv requirements-dev.txt
ensure_redis
export WEB_HOST="${WEB_HOST:-127.0.0.1}" WEB_PORT="${WEB_PORT:-8000}"
export PORTAL_BASE_URL="${PORTAL_BASE_URL:-http://$WEB_HOST:$WEB_PORT}"
if [ -z "${EMAIL_HOST:-}" ] && [ -z "${EMAIL_BACKEND:-}" ]; then
  # Without SMTP settings, the emails the demo sends land as files rather than flooding the console.
  export EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend EMAIL_FILE_PATH="$PWD/.run/emails"
fi
mkdir -p .run

log "Migrating the database"
python manage.py migrate --no-input -v0
log "Loading the demo data (skipped for partners that exist already)"
python manage.py seed_demo
# Record the reminders due now rather than at beat's next hourly sweep, so the outbox and the order
# timelines fill at once; the worker sends the queued emails (in each customer's sending hours).
log "Recording the reminders due now (the worker sends their emails)"
python manage.py send_reminders --sweep-only
log "Making the follow-up call tasks due now (beat makes them hourly)"
python manage.py make_call_tasks

cat <<INFO

  The portal:   http://$WEB_HOST:$WEB_PORT/
  Demo logins (password demo-pass-2026):
    acme-sales, acme-support, acme-admin          Acme Certificates (English)
    hanbit-sales, hanbit-support, hanbit-admin    한빛시큐어 (Korean)
    harbor-sales, harbor-support, harbor-admin    Harbor Hosting (English, New York)
    network-admin                                 partner admin in all three (partner switcher)
    operator                                      Django admin at /admin/
  Reminder emails: ${EMAIL_HOST:-files in .run/emails/ (set EMAIL_HOST for SMTP)}
  Ctrl-C stops the web app, the worker and beat.

INFO
honcho start -f Procfile
