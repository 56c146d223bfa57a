# Sourced by scripts/with-postgres.sh and scripts/with-clickhouse.sh: what starting a throwaway
# database server for the tests needs whatever the server is. One copy, so both scripts keep
# behaving alike as root and as a user, and both leave nothing behind.
#
# Defines `as_user` (the prefix that runs a command as the server's user), `free_port`,
# `new_server_dir` (sets `data`) and `give_to_server_user`. The script defines `stop_server`.

# Database servers refuse to run as root (PostgreSQL does; ClickHouse should not either): as root,
# run them as the unprivileged account "agentaudit", created if missing; otherwise as ourselves.
as_user=()
if [[ "$(id -u)" == 0 ]]; then
  id agentaudit >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin agentaudit
  as_user=(runuser -u agentaudit --)
fi

# A TCP port free on 127.0.0.1 now (the kernel's pick; another process may take it before the
# server does, which is rare enough for tests).
free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

# The server's temporary directory, in `data`: from here on, leaving the script, however it ends,
# calls the script's `stop_server` and removes the directory (a failed initdb too).
new_server_dir() {
  data="$(mktemp -d "/tmp/$1.XXXXXX")"
  trap 'stop_server; rm -rf "$data"' EXIT
}

# The server's user must own what it writes to (a no-op when that user is us).
give_to_server_user() {
  if [[ "$(id -u)" == 0 ]]; then chown -R agentaudit "$@"; fi
}
