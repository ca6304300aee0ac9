# Sourced by .ci/test: installs and starts what the tests need. Safe to run twice.
need_apt=()
command -v java >/dev/null 2>&1 || need_apt+=(default-jre-headless)
command -v node >/dev/null 2>&1 || need_apt+=(nodejs npm)
[ -x /usr/bin/chromium ] || need_apt+=(chromium chromium-driver)
command -v pg_ctlcluster >/dev/null 2>&1 || need_apt+=(postgresql)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    echo "missing system packages: ${need_apt[*]} (install them with apt-get as root)" >&2
  fi
fi
export KONRAY_CHROMIUM=${KONRAY_CHROMIUM:-/usr/bin/chromium}
export PREFECT_SERVER_ANALYTICS_ENABLED=false DO_NOT_TRACK=1
export PREFECT_HOME=${PREFECT_HOME:-$(mktemp -d -t konray-prefect-XXXX)}
if [ -f forms/engine/package-lock.json ] && command -v npm >/dev/null 2>&1; then
  if [ ! -d forms/engine/node_modules ] || [ forms/engine/package-lock.json -nt forms/engine/node_modules ]; then
    (cd forms/engine && npm ci --no-audit --no-fund --silent)
  fi
fi
# PostgreSQL on loopback for the server-store tests (a throwaway cluster in a temp dir).
if [ -z "${KONRAY_TEST_POSTGRES_URL:-}" ] && command -v pg_ctlcluster >/dev/null 2>&1; then
  pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  if [ -n "$pgbin" ]; then
    pgdir=$(mktemp -d -t konray-pg-XXXX)
    chown postgres "$pgdir" 2>/dev/null || true
    pgport=55432
    runpg() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi; }
    if runpg "$pgbin/initdb -D $pgdir/data -A trust -U postgres >/dev/null" &&
       runpg "$pgbin/pg_ctl -D $pgdir/data -o '-p $pgport -k $pgdir -c listen_addresses=127.0.0.1' -l $pgdir/log -w start >/dev/null"; then
      export KONRAY_TEST_POSTGRES_URL="postgresql+psycopg://postgres@127.0.0.1:$pgport/postgres"
      trap "runpg '$pgbin/pg_ctl -D $pgdir/data -m fast stop' >/dev/null 2>&1 || true" EXIT
    fi
  fi
fi
