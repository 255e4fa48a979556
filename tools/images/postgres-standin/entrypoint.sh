#!/bin/sh
# postgres-standin: Debian's PostgreSQL for vsekai-infra's offline dev stack (started by the dev/test
# harness, never by the product's components). On first start it initialises $PGDATA with password
# (SCRAM) authentication for every TCP client; then it runs the server in the foreground on 5432.
#
#   POSTGRES_PASSWORD  required on first start: the superuser's password
#   POSTGRES_USER      the superuser (default postgres)
#   POSTGRES_DB        a database to create on first start (default: none beyond postgres)
#   PGDATA             data directory (default /var/lib/postgresql/data); must be empty or initialised
# Extra arguments are passed to postgres (e.g. -c max_connections=50).
set -eu

PGDATA="${PGDATA:-/var/lib/postgresql/data}"
user="${POSTGRES_USER:-postgres}"
log() { echo "postgres-standin: $*" >&2; }

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  if [ -z "${POSTGRES_PASSWORD:-}" ]; then
    log "$PGDATA is not initialised and POSTGRES_PASSWORD is empty; set it to the superuser's password"
    exit 1
  fi
  case "$user" in
    *[!a-z0-9_]* | [!a-z_]*) log "POSTGRES_USER=$user is not allowed: expected lower case letters, digits and _"; exit 1 ;;
  esac
  db="${POSTGRES_DB:-}"
  case "$db" in
    *[!a-z0-9_]* | [!a-z_]*) if [ -n "$db" ]; then log "POSTGRES_DB=$db is not allowed: expected lower case letters, digits and _"; exit 1; fi ;;
  esac
  log "initialising $PGDATA as $(id -u) (superuser $user)"
  pwfile="$(mktemp)"
  printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
  initdb -D "$PGDATA" -U "$user" --pwfile="$pwfile" --auth-local=trust --auth-host=scram-sha-256 \
    --encoding=UTF8 --locale=C >/dev/null
  rm -f "$pwfile"
  # Any TCP client may try, with a password: the harness reaches it over the cluster or loopback.
  printf 'host all all 0.0.0.0/0 scram-sha-256\nhost all all ::/0 scram-sha-256\n' >>"$PGDATA/pg_hba.conf"
  if [ -n "$db" ]; then
    echo "CREATE DATABASE $db" | postgres --single -D "$PGDATA" -c unix_socket_directories= postgres >/dev/null
    log "created database $db"
  fi
fi

log "starting PostgreSQL $(postgres -V | sed 's/^postgres (PostgreSQL) //') on port 5432 ($PGDATA)"
exec postgres -D "$PGDATA" -c listen_addresses='*' -c port=5432 -c unix_socket_directories=/tmp \
  -c timezone=UTC -c log_timezone=UTC "$@"
