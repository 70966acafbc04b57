#!/usr/bin/env bash
# Side-by-side on the same demo-shop pages, on this machine, in one run:
#   scrape (sequential and concurrent), the textbook Python recipes
#   (asyncio + aiohttp + BeautifulSoup; a sequential requests loop), and wrk
#   fetching the same pages without parsing (the raw upper bound), and the
#   link-only crawler spider-rs (`spider` from spider_cli) crawling the same
#   shop from its index to 2000 pages (fetch + link extraction, no prices).
# Scenarios: A) 100 pages at 100 ms latency, concurrency 20 (latency-bound)
#            B) 2000 pages at zero latency, concurrency 64 (throughput-bound)
# Usage: benches/compare.sh            (installs what it needs; loopback only)
#   spider is not installed by this script (a long build): install it with
#   `cargo install spider_cli --root /work/tools` (or anywhere on PATH, or set
#   SPIDER=/path/to/spider); without it its row is skipped with a message.
set -euo pipefail
cd "$(dirname "$0")/.."

PORT_A=${PORT_A:-18471}
PORT_B=${PORT_B:-18472}
out=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$out"' EXIT

need_apt=()
command -v wrk >/dev/null || need_apt+=(wrk)
[ -x /usr/bin/time ] || need_apt+=(time)
if [ ${#need_apt[@]} -gt 0 ]; then
  apt-get update -qq && apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
python3 -c 'import aiohttp, bs4, requests' 2>/dev/null ||
  python3 -m pip install -q aiohttp beautifulsoup4 requests

cargo build --release --quiet --bin scrape --example shop
SCRAPE=target/release/scrape
SHOP=target/release/examples/shop
SPIDER=${SPIDER:-$(command -v spider || echo /work/tools/bin/spider)}

"$SHOP" --port "$PORT_A" --latency-ms 100 >/dev/null 2>&1 &
"$SHOP" --port "$PORT_B" --latency-ms 0 >/dev/null 2>&1 &
for port in "$PORT_A" "$PORT_B"; do
  for _ in $(seq 100); do
    (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break
    sleep 0.1
  done
done

seq 1 100 | sed "s|^|http://127.0.0.1:$PORT_A/product/|" > "$out/a.txt"
seq 1 2000 | sed "s|^|http://127.0.0.1:$PORT_B/product/|" > "$out/b.txt"
cat > "$out/paths.lua" <<'LUA'
local i = 0
request = function()
  i = (i % 2000) + 1
  return wrk.format("GET", "/product/" .. i)
end
LUA

printf '| scenario | tool | pages | wall s | pages/s | CPU s | CPU ms/page | peak RSS MB |\n'
printf '|---|---|---:|---:|---:|---:|---:|---:|\n'

# measure SCENARIO TOOL PAGES cmd...: wall, user+sys CPU and peak RSS via /usr/bin/time
measure() {
  local scenario=$1 tool=$2 pages=$3
  shift 3
  /usr/bin/time -f '%e %U %S %M' -o "$out/time" "$@" >"$out/stdout" 2>"$out/stderr" || true
  read -r wall user sys rss <"$out/time"
  awk -v s="$scenario" -v t="$tool" -v p="$pages" -v w="$wall" -v u="$user" -v y="$sys" -v r="$rss" 'BEGIN {
    cpu = u + y
    printf "| %s | %s | %d | %.2f | %.1f | %.2f | %.2f | %.0f |\n", s, t, p, w, p / w, cpu, cpu * 1000 / p, r / 1024 }' |
    tee -a "$out/rows"
}

# A warm-up pass so no tool pays for cold page caches in the shop.
"$SCRAPE" -q -c 20 "$out/b.txt" >/dev/null || true

measure "A: 100 @ 100 ms" "scrape --sequential" 100 "$SCRAPE" -q --sequential "$out/a.txt"
measure "A: 100 @ 100 ms" "scrape -c 20" 100 "$SCRAPE" -q -c 20 "$out/a.txt"
if [ -z "${SKIP_PYTHON:-}" ]; then
measure "A: 100 @ 100 ms" "python requests (sequential)" 100 python3 benches/peers/requests_scrape.py "$out/a.txt"
measure "A: 100 @ 100 ms" "python asyncio+aiohttp -c 20" 100 python3 benches/peers/aiohttp_scrape.py "$out/a.txt" 20
fi

measure "B: 2000 @ 0 ms" "scrape --sequential" 2000 "$SCRAPE" -q --sequential "$out/b.txt"
measure "B: 2000 @ 0 ms" "scrape -c 64" 2000 "$SCRAPE" -q -c 64 "$out/b.txt"
# The link-only crawler: from the index, following links, stopping at 2000
# pages (about 1450 products; the rest are breadcrumb 404s and footer
# links, cheaper than a product page). `crawl` without --output-links
# returns at once without crawling. Same shop, same run.
if [ -x "$SPIDER" ]; then
  measure "B: 2000 @ 0 ms" "spider (links only, crawl --limit 2000)" 2000 \
    "$SPIDER" --url "http://127.0.0.1:$PORT_B/" --limit 2000 crawl --output-links
  # A crawl that ends early (fewer links printed than pages asked for) is no
  # comparison: its row stays for the record, the ratio below skips it.
  links=$(wc -l <"$out/stdout")
  if [ "$links" -lt 2000 ]; then
    echo "(spider's row above crawled only $links pages: not comparable, left out of the ratio)" >&2
    sed -i '/spider/d' "$out/rows"
  fi
else
  echo "(spider skipped: not found; cargo install spider_cli --root /work/tools, or SPIDER=path)" >&2
fi
if [ -n "${SKIP_PYTHON:-}" ]; then
  echo "(python rows skipped: SKIP_PYTHON is set)" >&2
else
measure "B: 2000 @ 0 ms" "python requests (sequential)" 2000 python3 benches/peers/requests_scrape.py "$out/b.txt"
measure "B: 2000 @ 0 ms" "python asyncio+aiohttp -c 64" 2000 python3 benches/peers/aiohttp_scrape.py "$out/b.txt" 64
fi

# wrk runs for a fixed time; report its own request rate (no parsing at all).
/usr/bin/time -f '%e %U %S %M' -o "$out/time" wrk -t2 -c64 -d5s -s "$out/paths.lua" "http://127.0.0.1:$PORT_B" >"$out/wrk" 2>&1 || true
rps=$(awk '/Requests\/sec/ {print $2}' "$out/wrk")
read -r wall user sys rss <"$out/time"
awk -v r="$rps" -v w="$wall" -v u="$user" -v y="$sys" -v m="$rss" 'BEGIN {
  n = r * w; printf "| B: 2000 @ 0 ms | wrk -c 64 (no parsing, 5 s) | %d | %.2f | %.1f | %.2f | %.3f | %.0f |\n", n, w, r, u + y, (u + y) * 1000 / n, m / 1024 }'

# The issue-10 target, from the rows above: scrape -c 64's rate over spider's.
awk -F'|' '/scrape -c 64/ && /B:/ {s = $6} /spider/ {p = $6} END {
  if (p > 0) printf "\nscrape -c 64 / spider pages/s: %.2fx (target >= 1.5x)\n", s / p
  else printf "\nscrape -c 64 / spider pages/s: no complete spider row; see the pairs\n" }' "$out/rows"

# One 0.3-0.7 s run of each is at the mercy of whatever else the machine
# does in that moment; PAIRS more alternating runs give the ratio's spread
# and median (PAIRS=0 skips them).
PAIRS=${PAIRS:-5}
if [ -x "$SPIDER" ] && [ "$PAIRS" -gt 0 ]; then
  wall() { /usr/bin/time -f '%e' -o "$out/wall" "$@" >"$out/pair" 2>/dev/null || true; cat "$out/wall"; }
  for _ in $(seq "$PAIRS"); do
    s=$(wall "$SCRAPE" -q -c 64 "$out/b.txt")
    p=$(wall "$SPIDER" --url "http://127.0.0.1:$PORT_B/" --limit 2000 crawl --output-links)
    # A crawl that ends early (spider printed fewer links than pages asked
    # for) is no comparison: it once finished 2000 pages' worth in 0.1 s.
    links=$(wc -l <"$out/pair")
    if [ "$links" -lt 2000 ]; then
      echo "(a pair dropped: spider crawled only $links pages)" >&2
      continue
    fi
    awk -v s="$s" -v p="$p" 'BEGIN { printf "%.3f\n", p / s }'
  done | sort -n | awk '{ r[NR] = $1 } END {
    if (NR == 0) { print "alternating pairs: none complete"; exit }
    printf "alternating pairs (scrape -c 64 / spider): %s", r[1]
    for (i = 2; i <= NR; i++) printf ", %s", r[i]
    printf "; median %.2fx\n", (NR % 2) ? r[(NR + 1) / 2] : (r[NR / 2] + r[NR / 2 + 1]) / 2 }'
fi
echo "load: $(uptime)"
