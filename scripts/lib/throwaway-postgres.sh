# Sourced by scripts/test and scripts/bench: starts a throwaway PostgreSQL on 127.0.0.1 on a free
# port in a temporary folder, exports HEARTH_TEST_POSTGRES_URL, and stops it when the shell exits.
# Needs the Debian postgresql package (scripts/test installs it). Arguments are more server
# options (`-c name=value`). Lock waits longer than a second are logged, and when the shell exits
# with a failure the end of the server's log is printed, so a stalled test can be explained.

start_throwaway_postgres() {
  local extra=("$@")
  pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  pgroot=$(mktemp -d /tmp/hearth-pg.XXXXXX)
  pgport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
  pgpass=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
  # PostgreSQL refuses to run as root; as root, run it as the postgres user.
  as_pg=()
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    chown postgres "$pgroot"
    as_pg=(runuser -u postgres --)
  fi
  stop_postgres() {
    local status=$?
    if [ "$status" -ne 0 ] && [ -f "$pgroot/postgres.log" ]; then
      printf '== the end of the throwaway PostgreSQL log\n' >&2
      tail -n 60 "$pgroot/postgres.log" >&2 || true
    fi
    "${as_pg[@]}" "$pgbin/pg_ctl" -D "$pgroot/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$pgroot"
  }
  trap stop_postgres EXIT
  printf '%s\n' "$pgpass" > "$pgroot/pwfile"
  chown "$(stat -c %U "$pgroot")" "$pgroot/pwfile"
  "${as_pg[@]}" "$pgbin/initdb" -D "$pgroot/data" -U hearth --auth=scram-sha-256 --pwfile="$pgroot/pwfile" \
    -E UTF8 --locale=C.UTF-8 >/dev/null
  "${as_pg[@]}" "$pgbin/pg_ctl" -D "$pgroot/data" -l "$pgroot/postgres.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $pgport -k $pgroot -c max_connections=1000 -c log_lock_waits=on ${extra[*]}" \
    start >/dev/null
  export HEARTH_TEST_POSTGRES_URL="postgres://hearth:${pgpass}@127.0.0.1:${pgport}/postgres?sslmode=disable"
  printf '== PostgreSQL %s on 127.0.0.1:%s\n' "$("$pgbin/postgres" --version | awk '{print $3}')" "$pgport" >&2
}
