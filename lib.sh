# Shared setup steps of scripts/test.sh and scripts/run.sh: each brings what it needs onto a fresh
# machine (Debian's packages, a virtualenv) and only ever stops the servers it started itself.

VENV="${VENV:-.venv}"
STARTED_PIDS=()
CLEANUPS=()

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

cleanup() {
  local step
  for step in "${CLEANUPS[@]:-}"; do
    [ -n "$step" ] && eval "$step" >/dev/null 2>&1 || true
  done
}
trap cleanup EXIT

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

APT_UPDATED=0
apt_install() {
  if ! command -v apt-get >/dev/null; then
    log "apt-get is missing: install $* by hand"; return 1
  fi
  if [ "$APT_UPDATED" = 0 ]; then as_root apt-get update -qq; APT_UPDATED=1; fi
  log "Installing from Debian's packages: $*"
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}

python_bin() {
  local candidate
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
      echo "$candidate"; return
    fi
  done
  log "Python 3.11 or newer is needed"; exit 1
}

# ensure_venv REQUIREMENTS_FILE: a virtualenv with exactly the pinned packages installed.
ensure_venv() {
  local requirements="$1" stamp
  if [ ! -x "$VENV/bin/python" ]; then
    log "Creating the virtualenv in $VENV"
    "$(python_bin)" -m venv "$VENV" || { apt_install python3-venv && "$(python_bin)" -m venv "$VENV"; }
  fi
  stamp="$VENV/.installed-$(cat requirements*.txt | sha1sum | cut -c1-12)-$(basename "$requirements")"
  if [ ! -f "$stamp" ]; then
    log "Installing Python packages from $requirements"
    "$VENV/bin/pip" install -q --disable-pip-version-check -r "$requirements"
    touch "$stamp"
  fi
  export PATH="$PWD/$VENV/bin:$PATH"
}

free_port() {
  python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

postgres_reachable() {
  python - "$1" <<'PY' 2>/dev/null
import sys, psycopg
psycopg.connect(sys.argv[1], connect_timeout=3).close()
PY
}

# ensure_postgres: export DATABASE_URL for a PostgreSQL server that answers. Uses DATABASE_URL when
# it is set, then a server on 127.0.0.1:5432, and otherwise starts a throwaway cluster of its own
# (always, with PORTAL_OWN_SERVICES=1).
ensure_postgres() {
  if [ -n "${DATABASE_URL:-}" ] && [[ "$DATABASE_URL" == postgres* ]]; then
    postgres_reachable "$DATABASE_URL" && { log "Using PostgreSQL at DATABASE_URL"; return; }
    log "DATABASE_URL does not answer"; exit 1
  fi
  if [ -z "${PORTAL_OWN_SERVICES:-}" ] && postgres_reachable "postgresql://postgres@127.0.0.1:5432/postgres"; then
    export DATABASE_URL="postgres://postgres@127.0.0.1:5432/portal"
    log "Using the PostgreSQL server on 127.0.0.1:5432"; return
  fi
  local bindir dir port
  bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [ -z "$bindir" ]; then apt_install postgresql; bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1); fi
  dir=$(mktemp -d /tmp/portal-pg.XXXXXX)
  port=$(free_port)
  local run=()
  if [ "$(id -u)" = 0 ]; then chown postgres "$dir"; run=(runuser -u postgres --); fi
  log "Starting a throwaway PostgreSQL on port $port"
  "${run[@]}" "$bindir/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 >/dev/null
  "${run[@]}" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
  CLEANUPS+=("${run[*]} $bindir/pg_ctl -D $dir/data -m immediate stop; rm -rf $dir")
  export DATABASE_URL="postgres://postgres@127.0.0.1:$port/portal"
}

redis_reachable() {
  python - "$1" <<'PY' 2>/dev/null
import sys, redis
redis.Redis.from_url(sys.argv[1], socket_connect_timeout=3).ping()
PY
}

# ensure_redis: export REDIS_URL for a Redis that answers, starting one of our own if none does.
ensure_redis() {
  local url="${REDIS_URL:-redis://127.0.0.1:6379/0}"
  if [ -z "${PORTAL_OWN_SERVICES:-}" ] && redis_reachable "$url"; then export REDIS_URL="$url"; log "Using Redis at $url"; return; fi
  if [ -n "${REDIS_URL:-}" ]; then log "REDIS_URL does not answer"; exit 1; fi
  command -v redis-server >/dev/null || apt_install redis-server
  local dir port
  dir=$(mktemp -d /tmp/portal-redis.XXXXXX)
  port=$(free_port)
  log "Starting Redis on port $port"
  redis-server --bind 127.0.0.1 --port "$port" --save "" --appendonly no --daemonize yes \
    --dir "$dir" --pidfile "$dir/redis.pid" --logfile "$dir/redis.log"
  for _ in $(seq 50); do redis_reachable "redis://127.0.0.1:$port/0" && break; sleep 0.1; done
  CLEANUPS+=("kill \$(cat $dir/redis.pid); rm -rf $dir")
  export REDIS_URL="redis://127.0.0.1:$port/0"
}

ensure_chromium() {
  if [ -z "${CHROMIUM_PATH:-}" ] && ! command -v chromium >/dev/null; then
    apt_install chromium fonts-noto-cjk
  fi
  export CHROMIUM_PATH="${CHROMIUM_PATH:-$(command -v chromium)}"
}
