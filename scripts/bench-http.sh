#!/usr/bin/env bash
# Load-test baseline for docs/PERFORMANCE.md: the release binary on the demo edition, wrk at
# 32 connections on loopback against the public home page and a signed-in dashboard, and the
# server's peak memory (VmHWM). Usage: scripts/bench-http.sh [sqlite|postgres] [seconds]
set -euo pipefail
cd "$(dirname "$0")/.."
backend="${1:-sqlite}"
duration="${2:-15}"
port=18181
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
cargo build --release --quiet
data=$(mktemp -d)
url_args=()
if [ "$backend" = postgres ]; then
  admin="${KOLABIK_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
  db="kolabik_bench_$$"
  psql "$admin" -qc "CREATE DATABASE $db"
  url_args=(--database-url "${admin%/*}/$db")
fi
./target/release/kolabik serve --demo --data "$data" --addr 127.0.0.1:$port "${url_args[@]}" >"$data/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$data"; [ "$backend" = postgres ] && psql "$admin" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)"' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done
cookie=$(curl -s -o /dev/null -D - -H "Origin: http://127.0.0.1:$port" \
  --data 'email=panitia@kolabik.test&password=Panitia-2022!' "http://127.0.0.1:$port/masuk" \
  | sed -n 's/^[Ss]et-[Cc]ookie: \(kolabik_session=[^;]*\).*/\1/p')
[ -n "$cookie" ] || { echo "login failed"; exit 1; }
echo "backend=$backend duration=${duration}s connections=32 threads=2 rev=$(git rev-parse --short HEAD)"
echo "--- GET / (public home)"
wrk -t2 -c32 -d"${duration}s" --latency "http://127.0.0.1:$port/" | grep -E "Requests/sec|50%|99%|Non-2xx|Socket errors"
echo "--- GET /panitia (committee dashboard, signed in)"
wrk -t2 -c32 -d"${duration}s" --latency -H "Cookie: $cookie" "http://127.0.0.1:$port/panitia" | grep -E "Requests/sec|50%|99%|Non-2xx|Socket errors"
echo "--- server peak memory"
grep -E "VmHWM|VmRSS" /proc/$pid/status
