#!/usr/bin/env bash
# Runs every check and test of Roster on SQLite and on PostgreSQL.
#
# PostgreSQL comes from ROSTER_TEST_POSTGRES_URL, else the server on
# 127.0.0.1:5432 (user postgres, trust auth), else a private throwaway
# cluster that this script starts (installing Debian's postgresql package
# first when it is missing and we are root). It never skips PostgreSQL:
# if none can be had it stops with the reason.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\n== %s\n' "$*"; }
die() { printf 'test.sh: %s\n' "$*" >&2; exit 1; }

apt_install() {
  [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null || die "missing $*; install it (Debian: apt-get install $*) and re-run"
  say "installing $*"
  if [ -z "${_APT_UPDATED:-}" ]; then apt-get update -qq; _APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

tcp_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

start_private_postgres() {
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -z "$bin" ]; then
    apt_install postgresql
    bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  fi
  local dir port=54329
  dir=$(mktemp -d /tmp/roster-pg.XXXXXX)
  local run=()
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    chown postgres "$dir"
    run=(runuser -u postgres --)
  fi
  say "starting a private PostgreSQL in $dir on port $port"
  "${run[@]}" "$bin/initdb" -D "$dir/data" -U postgres --auth=trust >/dev/null
  "${run[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
  trap '"${run[@]}" "$bin/pg_ctl" -D "$dir/data" -m fast stop >/dev/null 2>&1 || true; rm -rf "$dir"' EXIT
  export ROSTER_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
}

if [ -z "${ROSTER_TEST_POSTGRES_URL:-}" ]; then
  if tcp_open 127.0.0.1 5432; then
    export ROSTER_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
  else
    start_private_postgres
  fi
fi
# From here on a missing database is a failure, never a skip.
export ROSTER_REQUIRE_POSTGRES=1

# The race detector needs cgo and so a C compiler.
command -v gcc >/dev/null || apt_install gcc libc6-dev

# The export test opens the .xlsx in LibreOffice. Under CI it must run:
# install it when missing and we are root, else fail; elsewhere a missing
# LibreOffice only skips that check (the test says so).
if ! command -v libreoffice >/dev/null && ! command -v soffice >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt_install libreoffice-calc-nogui
  elif [ "${CI:-}" = true ]; then
    die "CI needs LibreOffice for the .xlsx export test (Debian: apt-get install libreoffice-calc-nogui)"
  fi
fi
# --- Browser tests of the console (internal/web) -------------------------
# They need Chromium and axe-core (npm, test tooling only). Install what is
# missing; under CI=true or ROSTER_REQUIRE_BROWSER=1 a missing browser fails
# the run instead of skipping those tests.
if [ "${CI:-}" = true ]; then export ROSTER_REQUIRE_BROWSER=1; fi
if ! command -v chromium >/dev/null && ! command -v chromium-browser >/dev/null && [ -z "${ROSTER_CHROMIUM:-}" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt_install chromium
  elif [ "${ROSTER_REQUIRE_BROWSER:-}" = 1 ]; then
    die "Chromium is required for the console's browser tests; install it (Debian: apt-get install chromium)"
  fi
fi
if [ ! -f node_modules/axe-core/axe.min.js ]; then
  if command -v npm >/dev/null || { [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null && apt_install npm; }; then
    say "npm ci (axe-core for the accessibility checks)"
    npm ci --no-audit --no-fund --silent
  elif [ "${ROSTER_REQUIRE_BROWSER:-}" = 1 ]; then
    die "npm is required to install axe-core for the console's browser tests"
  fi
fi
export ROSTER_SCREENSHOTS="${ROSTER_SCREENSHOTS:-/tmp/roster-screenshots}"
echo "console screenshots go to $ROSTER_SCREENSHOTS"
# ---------------------------------------------------------------------------

say "gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
[ -z "$unformatted" ] || die "gofmt would change: $unformatted"

say "go vet"
go vet ./...

say "staticcheck"
go tool staticcheck ./...

say "go test (race detector on, SQLite and PostgreSQL at ${ROSTER_TEST_POSTGRES_URL%%\?*})"
go test -race -count=1 -timeout 20m ./... 2>&1 | tee /tmp/roster-test.log
echo
echo "all checks passed"
