# Sourced by .ci/test: installs and starts what the tests need. Safe to run twice.
#
# Strict mode (CI set to anything but ""/"0"/"false": the one definition, as tests/strict.py)
# means every tool must be there: a missing one, or a PostgreSQL server that does not start,
# stops the run here with a non-zero exit instead of letting tests skip. Outside strict mode
# the same problems are printed as warnings and the tests that need the tool skip, named.
ci_strict() { case "$(printf %s "${CI:-}" | tr '[:upper:]' '[:lower:]')" in ""|0|false) return 1;; *) return 0;; esac; }
setup_problem() {  # a missing tool: fatal in strict mode, a loud warning otherwise
  if ci_strict; then
    echo "setup: $* (strict mode, CI=${CI}): stopping" >&2
    exit 1
  fi
  echo "setup: WARNING: $* (tests that need it will skip)" >&2
}

export KONRAY_CHROMIUM=${KONRAY_CHROMIUM:-/usr/bin/chromium}
need_apt=()
command -v java >/dev/null 2>&1 || need_apt+=(default-jre-headless)
command -v javac >/dev/null 2>&1 || need_apt+=(default-jdk-headless)
command -v node >/dev/null 2>&1 || need_apt+=(nodejs npm)
[ -x "$KONRAY_CHROMIUM" ] || need_apt+=(chromium chromium-driver)
# LibreOffice Calc prints the XLSX lists in a test, as district offices print them
command -v soffice >/dev/null 2>&1 || need_apt+=(libreoffice-calc-nogui)
# the posted lists' PDFs (outputs/list_pdf.py) embed DejaVu Sans Condensed (Debian
# fonts-dejavu-extra; without it they fall back to DejaVu Sans of fonts-dejavu-core)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSansCondensed.ttf ] || need_apt+=(fonts-dejavu-extra)
# the district report and the decision documents ask for Times New Roman, else Liberation
# Serif (Debian fonts-liberation); without either WeasyPrint takes DejaVu Serif, wider, and
# the pages break elsewhere (chromium's recommends bring it, but nothing should rely on that)
fc-list 2>/dev/null | grep -q "Liberation Serif" || need_apt+=(fonts-liberation)
# WeasyPrint subsets fonts with HarfBuzz when libharfbuzz-subset is there: the same PDF bytes
# on every run (its fontTools fallback stamps the time into each font) and twice as fast
ls /usr/lib/*/libharfbuzz-subset.so.0 >/dev/null 2>&1 || need_apt+=(libharfbuzz-subset0)
if [ -z "${KONRAY_TEST_POSTGRES_URL:-}" ] && [ -z "${KONRAY_PG_BIN:-}" ]; then
  ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1 || need_apt+=(postgresql)
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null \
      || setup_problem "apt-get install ${need_apt[*]} failed"
  else
    setup_problem "missing system packages: ${need_apt[*]} (install them with apt-get as root)"
  fi
fi
for tool in java javac node npm soffice; do
  command -v "$tool" >/dev/null 2>&1 || setup_problem "$tool is not installed"
done
[ -x "$KONRAY_CHROMIUM" ] || setup_problem "Chromium not found at KONRAY_CHROMIUM=$KONRAY_CHROMIUM"

export PREFECT_SERVER_ANALYTICS_ENABLED=false DO_NOT_TRACK=1
export PREFECT_HOME=${PREFECT_HOME:-$(mktemp -d -t konray-prefect-XXXX)}
if [ -f forms/engine/package-lock.json ] && command -v npm >/dev/null 2>&1; then
  if [ ! -d forms/engine/node_modules ] || [ forms/engine/package-lock.json -nt forms/engine/node_modules ]; then
    (cd forms/engine && npm ci --no-audit --no-fund --silent) || setup_problem "npm ci in forms/engine failed"
  fi
fi
if [ -f expectations/datadocs/package-lock.json ] && command -v npm >/dev/null 2>&1; then
  make --no-print-directory datadocs-assets || setup_problem "npm ci in expectations/datadocs failed (offline Data Docs assets)"
fi

# PostgreSQL on loopback for the server-store tests: a throwaway cluster in a temp dir, on a
# port the kernel says is free (a fixed port clashes with any other PostgreSQL on the host).
# KONRAY_TEST_POSTGRES_URL, when given, is used instead; KONRAY_PG_BIN picks the binaries.
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
start_postgres() {
  local pgbin=$1 pgdir pgport attempt
  pgdir=$(mktemp -d -t konray-pg-XXXX)
  chown postgres "$pgdir" 2>/dev/null || true
  runpg() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi; }
  if ! runpg "'$pgbin/initdb' -D '$pgdir/data' -A trust -U postgres" >"$pgdir/initdb.log" 2>&1; then
    cat "$pgdir/initdb.log" >&2
    setup_problem "PostgreSQL initdb failed ($pgbin/initdb, log above)"
    return 0
  fi
  for attempt in 1 2 3; do  # the port may be taken between the check and the start
    pgport=$(free_port)
    if runpg "'$pgbin/pg_ctl' -D '$pgdir/data' -o '-p $pgport -k $pgdir -c listen_addresses=127.0.0.1' -l '$pgdir/log' -w start" >/dev/null 2>&1; then
      export KONRAY_TEST_POSTGRES_URL="postgresql+psycopg://postgres@127.0.0.1:$pgport/postgres"
      trap "runpg \"'$pgbin/pg_ctl' -D '$pgdir/data' -m fast stop\" >/dev/null 2>&1 || true" EXIT
      echo "setup: PostgreSQL started on 127.0.0.1:$pgport ($pgdir)" >&2
      return 0
    fi
  done
  tail -20 "$pgdir/log" >&2 2>/dev/null || true
  setup_problem "PostgreSQL did not start ($pgbin/pg_ctl, log above)"
}
if [ -z "${KONRAY_TEST_POSTGRES_URL:-}" ]; then
  pgbin=${KONRAY_PG_BIN:-}
  [ -n "$pgbin" ] || pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
  if [ -n "$pgbin" ] && [ -x "$pgbin/initdb" ]; then
    start_postgres "$pgbin"
  else
    setup_problem "PostgreSQL binaries not found (set KONRAY_PG_BIN or KONRAY_TEST_POSTGRES_URL)"
  fi
fi
