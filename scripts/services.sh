#!/usr/bin/env bash
# Makes sure PostgreSQL and Redis answer on 127.0.0.1 (the defaults of
# DATABASE_URL and REDIS_URL): use running ones, else start installed ones,
# else install them with apt-get when root, else say exactly what to install.
set -euo pipefail

PGHOST=127.0.0.1 PGPORT=5432 PGUSER=postgres
DBNAME="${APISTARTER_DB:-apistarter}"

say() { printf 'services: %s\n' "$*" >&2; }

pg_up() { pg_isready -q -h "$PGHOST" -p "$PGPORT" 2>/dev/null; }
redis_up() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }

wait_for() { # name check-fn
  for _ in $(seq 1 60); do "$2" && return 0; sleep 0.5; done
  say "$1 did not come up"; return 1
}

install_pkgs() {
  if [ "$(id -u)" != 0 ]; then
    say "missing: $*. Install them, e.g.: sudo apt-get install -y $*"; exit 1
  fi
  say "installing $* with apt-get"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

ensure_postgres() {
  if pg_up; then return 0; fi
  if ! command -v pg_ctlcluster >/dev/null 2>&1; then
    install_pkgs postgresql postgresql-client
  fi
  local ver
  ver=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -1)
  if [ -z "$ver" ]; then say "no PostgreSQL cluster found in /etc/postgresql"; exit 1; fi
  local hba="/etc/postgresql/$ver/main/pg_hba.conf"
  if [ -w "$hba" ] && ! grep -q '^host all all 127.0.0.1/32 trust' "$hba"; then
    say "setting pg_hba.conf to trust local connections (development only)"
    sed -i 's/^\(local\|host\)\(.*\)\(md5\|peer\|scram-sha-256\)$/\1\2trust/' "$hba"
    printf 'host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\n' >>"$hba"
  fi
  say "starting PostgreSQL $ver"
  pg_ctlcluster --skip-systemctl-redirect "$ver" main start 2>/dev/null || pg_ctlcluster "$ver" main start
  wait_for PostgreSQL pg_up
}

ensure_redis() {
  if redis_up; then return 0; fi
  if ! command -v redis-server >/dev/null 2>&1; then
    install_pkgs redis-server
  fi
  say "starting Redis"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no >/dev/null
  wait_for Redis redis_up
}

ensure_database() {
  if ! psql -h "$PGHOST" -U "$PGUSER" -tAc "SELECT 1 FROM pg_database WHERE datname='$DBNAME'" postgres | grep -q 1; then
    say "creating database $DBNAME"
    psql -h "$PGHOST" -U "$PGUSER" -qc "CREATE DATABASE \"$DBNAME\"" postgres
  fi
}

command -v pg_isready >/dev/null 2>&1 || install_pkgs postgresql-client
command -v redis-cli >/dev/null 2>&1 || install_pkgs redis-tools
# Optional: libwebp makes image encoding ~2x faster (gen2brain/webp loads it
# at run time; without it a pure-Go WASM encoder is used).
if ! ls /usr/lib/*/libwebp.so >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing libwebp-dev (faster WebP encoding)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libwebp-dev >/dev/null 2>&1 || say "libwebp-dev not installed; images use the slower built-in encoder"
  else
    say "hint: install libwebp-dev for ~2x faster image processing"
  fi
fi
# Optional tools of the deployment tests: podman and buildah (make image and its run
# test), haproxy, pgbouncer and redis-sentinel (make cluster and its short test,
# Sentinel failover, PgBouncer transaction mode), docker-compose (compose file check),
# chromium (the admin console's browser test).
# Each test says plainly that it skips without its tool; as root the missing ones are
# installed here. Never fatal: make test goes on without them.
missing=""
# runc: podman's runtime where its default (crun) cannot run containers, as
# in some sandboxes; the image test falls back to it.
for pair in podman:podman buildah:buildah runc:runc haproxy:haproxy pgbouncer:pgbouncer \
  redis-sentinel:redis-sentinel docker-compose:docker-compose chromium:chromium; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || missing="$missing ${pair#*:}"
done
if [ -n "$missing" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing$missing (deployment tests)"
    # shellcheck disable=SC2086 # one word per package
    { DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null; } 2>/dev/null ||
      say "could not install$missing; their tests will be skipped"
  else
    say "hint: install$missing to run the deployment tests (they are skipped without them)"
  fi
fi
# Optional: promtool (Debian package prometheus) checks deploy/prometheus/alerts.yml
# in `make test`; without it that test is skipped.
if ! command -v promtool >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing prometheus (for promtool)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null 2>&1 ||
      say "prometheus not installed; the alert rules check will be skipped"
  else
    say "hint: install prometheus (promtool) to check the alert rules"
  fi
fi
ensure_postgres
ensure_redis
ensure_database
say "PostgreSQL and Redis are ready"
