#!/usr/bin/env bash
# Export benchmark (issue 6): 10,000 contacts and 10,000 events (10 % recurring with a moved
# and a cancelled occurrence) synced from the simulator into a database, then the release
# `easync export contacts|calendar` timed into a fresh vdir, again (nothing changed), and into
# one file. Target: ≤ 1 s per export.
#   scripts/bench-export.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-10000}"
cargo build --release --quiet --bin easync
bin=target/release/easync
dir=$(mktemp -d)
trap 'kill $sim 2>/dev/null || true; rm -rf "$dir"' EXIT
port=$((20000 + RANDOM % 20000))
$bin sim serve --listen 127.0.0.1:$port --emails 0 --contacts "$n" --events "$n" --tasks 0 2>/dev/null &
sim=$!
sleep 1
cat > "$dir/config.toml" <<TOML
[account.b]
email = "demo@easync.test"
url = "http://127.0.0.1:$port/Microsoft-Server-ActiveSync"
password_cmd = ["echo", "demo"]
protocol_version = "16.1"
database = "$dir/b.sqlite"
TOML
$bin -c "$dir/config.toml" sync >/dev/null
kill $sim
timed() { local s e; s=$(date +%s.%N); "$@" >/dev/null; e=$(date +%s.%N); awk -v s="$s" -v e="$e" 'BEGIN { printf "%6.3f s", e - s }'; }
for what in contacts calendar; do
  first=$(timed $bin -c "$dir/config.toml" export $what --vdir "$dir/vdir-$what")
  again=$(timed $bin -c "$dir/config.toml" export $what --vdir "$dir/vdir-$what")
  file=$(timed $bin -c "$dir/config.toml" export $what --out "$dir/all-$what")
  count=$(find "$dir/vdir-$what" -name '*.vcf' -o -name '*.ics' | wc -l)
  echo "$what: $count items — fresh vdir $first, unchanged re-export $again, one file $file"
done
