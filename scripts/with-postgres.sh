#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL server: `scripts/with-postgres.sh npm test`.
# initdb + pg_ctl on a temporary directory and a free port, as a non-root user (PostgreSQL refuses
# to run as root; as root this uses the unprivileged account "agentaudit", created if missing).
# Exports DATABASE_URL for the command and stops the server afterwards, whatever happens.
# With DATABASE_URL already set, it just runs the command against that server.
set -euo pipefail
if [[ -n "${DATABASE_URL:-}" ]]; then exec "$@"; fi
if ! command -v initdb >/dev/null || ! command -v pg_ctl >/dev/null; then
  echo "with-postgres: initdb/pg_ctl not found, so the PostgreSQL tests are skipped; install the server binaries or set DATABASE_URL" >&2
  exec "$@"
fi
source "$(dirname "${BASH_SOURCE[0]}")/lib/server-setup.sh"
stop_server() { "${as_user[@]}" pg_ctl -D "$data/db" -m immediate stop >/dev/null 2>&1 || true; }
new_server_dir agent-audit-pg
give_to_server_user "$data"
port="$(free_port)"
"${as_user[@]}" initdb -D "$data/db" -U postgres --auth=trust --no-sync >/dev/null
"${as_user[@]}" pg_ctl -D "$data/db" -l "$data/log" -w -o "-p $port -k $data -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
export DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres"
echo "with-postgres: PostgreSQL $(postgres --version | awk '{print $3}') on port $port"
"$@"
