#!/usr/bin/env bash
# Extraction cost in instructions per page, steady state, under callgrind:
# repeatable on a shared, noisy machine where times are not. For each set of
# pages: (instructions of 3 passes - instructions of 1 pass) / 2 / pages, so
# start-up (the automata built once a run) is left out.
#   mix          the demo shop's pages, five of every markup (`extract_pages dump`)
#   Visible110KB the visible-only page grown to 110 KB (no structured data)
#   corpus       the real shops' pages in tests/fixtures/real
#   <Markup>     one markup's five demo pages (e.g. VisibleOnly, Microdata)
# Usage: benches/instructions.sh [SET...]   (default: mix Visible110KB corpus)
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v valgrind >/dev/null 2>&1; then
  apt-get update -qq && apt-get install -y -qq valgrind >/dev/null
fi
cargo build --release --quiet --example extract_pages
bin=target/release/examples/extract_pages
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkdir "$dir/demo" "$dir/mix" "$dir/corpus"
"$bin" dump "$dir/demo"
cp "$dir"/demo/*.html "$dir/mix/"
rm "$dir/mix/Visible110KB-0.html"
cp tests/fixtures/real/*.html "$dir/corpus/"

# instructions DIR PASSES PREFIX: what callgrind counts for the whole process
instructions() {
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" run "$1" "$2" "$3" 2>&1 |
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}

printf '| pages | count | instructions per page |\n|---|---:|---:|\n'
for set in "${@:-mix Visible110KB corpus}"; do
  for s in $set; do
    case $s in
      mix) d=$dir/mix p="" ;;
      corpus) d=$dir/corpus p="" ;;
      *) d=$dir/demo p=$s ;;
    esac
    n=$(find "$d" -name "$p*.html" | wc -l)
    [ "$n" -gt 0 ] || { echo "no pages named $s" >&2; exit 2; }
    one=$(instructions "$d" 1 "$p")
    three=$(instructions "$d" 3 "$p")
    printf '| %s | %d | %d k |\n' "$s" "$n" $(((three - one) / 2 / n / 1000))
  done
done
