#!/usr/bin/env bash
# Redis scale-out on this machine: pages/s of a local run and of 1, 2, 4
# `scrape worker`s over the same demo-shop list (3 hosts), Redis commands
# and Redis CPU per record (with the commands of the job-wide per-host
# limiter broken out), Redis memory per enqueued line and per result.
# Usage: benches/cluster.sh   (N=6000 LAT=20 C=16 WORKERS="1 2 4" RPORT=6391
#        PER_HOST=8; BIN=other/scrape to measure another build)
# Needs redis-server and redis-cli on PATH; loopback only.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q --bin scrape --example shop
BIN=${BIN:-$PWD/target/release/scrape}
SHOP=$PWD/target/release/examples/shop
N=${N:-6000}; LAT=${LAT:-20}; C=${C:-16}; RPORT=${RPORT:-6391}; PER_HOST=${PER_HOST:-8}
out=$(mktemp -d)
redis-server --port "$RPORT" --bind 127.0.0.1 --save '' --appendonly no >/dev/null 2>&1 &
RPID=$!
"$SHOP" --port 0 --latency-ms "$LAT" --listeners 3 >"$out/shop.out" 2>&1 &
SPID=$!
trap 'kill $RPID $SPID 2>/dev/null || true; rm -rf "$out"' EXIT
sleep 1
rcli() { redis-cli -p "$RPORT" "$@" | tr -d '\r'; }
mapfile -t HOSTS < <(grep -o 'http://127.0.0.1:[0-9]*' "$out/shop.out" | sort -u)
for ((i = 1; i <= N; i++)); do echo "${HOSTS[$((i % ${#HOSTS[@]}))]}/product/$i"; done >"$out/urls.txt"
R=redis://127.0.0.1:$RPORT/
rate() { echo "$N / ($2 - $1)" | bc -l | cut -c1-6; }
s=$(date +%s.%N); "$BIN" -q -c "$C" --per-host "$PER_HOST" -f jsonl "$out/urls.txt" >/dev/null || true; e=$(date +%s.%N)
echo "local -c $C --per-host $PER_HOST: $(rate "$s" "$e") pages/s"
for W in ${WORKERS:-1 2 4}; do
  job=bench-$W-$RANDOM
  mem0=$(rcli info memory | awk -F: '/^used_memory:/ {print $2}')
  "$BIN" enqueue -q --redis "$R" --job "$job" "$out/urls.txt"
  mem1=$(rcli info memory | awk -F: '/^used_memory:/ {print $2}')
  rcli config resetstat >/dev/null
  cpu0=$(rcli info cpu | awk -F: '/^used_cpu_(sys|user):/ {s += $2} END {print s}')
  s=$(date +%s.%N)
  pids=()
  for ((w = 0; w < W; w++)); do "$BIN" worker -q --redis "$R" --job "$job" -c "$C" --per-host "$PER_HOST" & pids+=($!); done
  for p in "${pids[@]}"; do wait "$p" || true; done
  e=$(date +%s.%N)
  cpu1=$(rcli info cpu | awk -F: '/^used_cpu_(sys|user):/ {s += $2} END {print s}')
  mem2=$(rcli info memory | awk -F: '/^used_memory:/ {print $2}')
  cmds=$(rcli info stats | awk -F: '/^total_commands_processed:/ {print $2}')
  echo "workers=$W -c $C: $(rate "$s" "$e") pages/s;" \
    "redis commands/record $(echo "$cmds / $N" | bc -l | cut -c1-4);" \
    "redis cpu/record $(echo "($cpu1 - $cpu0) * 1000000 / $N" | bc -l | cut -c1-4) us;" \
    "bytes/enqueued line $(((mem1 - mem0) / N)); bytes/result $(((mem2 - mem0) / N))"
  # Per command: calls and Redis CPU (usec) per record. EVALSHA is the
  # store script (one per record) plus the limiter's grants and renewals;
  # ZREM is the limiter's releases.
  rcli info commandstats | awk -F'[:,=]' -v n="$N" '
    /^cmdstat_(evalsha|zrem|xreadgroup|xautoclaim|hgetall|xclaim)/ {
      printf "  %-10s %.3f calls/record, %.1f us/record\n", substr($1, 9), $3 / n, $5 / n }'
done
