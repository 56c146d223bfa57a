#!/usr/bin/env bash
# Runs a command with a throwaway ClickHouse server: `scripts/with-clickhouse.sh npm test`.
# clickhouse-server on a temporary directory (config, users, data) and free ports, as a non-root
# user (as root this uses the unprivileged account "agentaudit", created if missing). Exports
# CLICKHOUSE_URL (http://default:<password>@127.0.0.1:<port>) for the command and stops the server
# and removes its directory afterwards, whatever happens. With CLICKHOUSE_URL already set, it just
# runs the command against that server.
set -euo pipefail
if [[ -n "${CLICKHOUSE_URL:-}" ]]; then exec "$@"; fi
if ! command -v clickhouse-server >/dev/null; then
  echo "with-clickhouse: clickhouse-server not found, so the ClickHouse tests are skipped; install it (apt-get install clickhouse-server) or set CLICKHOUSE_URL" >&2
  exec "$@"
fi
source "$(dirname "${BASH_SOURCE[0]}")/lib/server-setup.sh"
pid=""
stop_server() {
  if [[ -n "$pid" ]]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
}
new_server_dir agent-audit-ch
http_port="$(free_port)"
tcp_port="$(free_port)"
password="$(node -e 'console.log(require("crypto").randomBytes(12).toString("hex"))')"
mkdir -p "$data/db/tmp" "$data/db/user_files" "$data/db/format_schemas"
cat >"$data/config.xml" <<XML
<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>$data/server.log</log><errorlog>$data/server.err.log</errorlog><console>0</console></logger>
  <http_port>$http_port</http_port>
  <tcp_port>$tcp_port</tcp_port>
  <listen_host>127.0.0.1</listen_host>
  <path>$data/db/</path>
  <tmp_path>$data/db/tmp/</tmp_path>
  <user_files_path>$data/db/user_files/</user_files_path>
  <format_schema_path>$data/db/format_schemas/</format_schema_path>
  <users_config>$data/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <mark_cache_size>67108864</mark_cache_size>
  <timezone>UTC</timezone>
</yandex>
XML
cat >"$data/users.xml" <<XML
<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>2000000000</max_memory_usage></default></profiles>
  <users><default><password>$password</password><networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></default></users>
  <quotas><default></default></quotas>
</yandex>
XML
give_to_server_user "$data"
"${as_user[@]}" clickhouse-server --config-file="$data/config.xml" >/dev/null 2>&1 &
pid=$!
url="http://default:$password@127.0.0.1:$http_port"
for _ in $(seq 1 100); do
  if curl -sf "http://127.0.0.1:$http_port/ping" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$pid" 2>/dev/null; then echo "with-clickhouse: the server did not start:" >&2; tail -20 "$data/server.err.log" >&2 || true; exit 1; fi
  sleep 0.2
done
version="$(curl -sf --user "default:$password" "http://127.0.0.1:$http_port/" --data-binary 'SELECT version()')"
export CLICKHOUSE_URL="$url"
echo "with-clickhouse: ClickHouse $version on port $http_port"
"$@"
