#!/usr/bin/env bash
# The WBXML codec benchmark (and the protocol layer's typed decode) beside libwbxml, in one
# invocation, with the ratios.
#
#   scripts/bench-wbxml.sh [ROUNDS]        (default 3 rounds, alternating easync and libwbxml)
#
# Needs: apt-get install libwbxml2-utils libwbxml2-dev gcc python3, and ../shared/bench
# (override with EASYNC_SHARED=DIR). Inputs are made once in target/bench-inputs.
# Each figure is the median over the rounds of each round's median MB/s (MB = 10^6 input bytes).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
shared=${EASYNC_SHARED:-$root/../shared}
rounds=${1:-3}
inputs=$root/target/bench-inputs
results=$(mktemp)
trap 'rm -f "$results"' EXIT

"$shared/bench/libwbxml-baseline.sh" inputs "$inputs" >/dev/null 2>&1
# The dense generator's content at ~1/10 of the size: same tokens per byte, so MB/s equal to
# sync-dense's shows decode time linear in input size.
if [ ! -s "$inputs/sync-dense-small.wbxml" ]; then
  python3 "$shared/bench/gen_sync.py" 0 --target-bytes 1800000 --seed 11 --body-min 200 \
    --body-max 600 --ratio 0.555 "$inputs/sync-dense-small" >/dev/null
  xml2wbxml -v 1.3 -n -a -k -o "$inputs/sync-dense-small.wbxml" \
    "$inputs/sync-dense-small.lw.xml" >/dev/null 2>&1
  rm -f "$inputs/sync-dense-small.lw.xml"
fi
cargo bench -q -p wbxml --bench decode --no-run 2>/dev/null
cargo bench -q -p easync --bench typed_decode --no-run 2>/dev/null
for r in $(seq "$rounds"); do
  echo "round $r/$rounds" >&2
  cargo bench -q -p wbxml --bench decode -- "$inputs" 2>/dev/null | sed 's/^/easync\t/' >>"$results"
  cargo bench -q -p easync --bench typed_decode -- "$inputs" 2>/dev/null | sed 's/^/easync\t/' >>"$results"
  "$shared/bench/libwbxml-baseline.sh" run 1 "$inputs" 2>/dev/null | sed 's/^/libwbxml\t/' >>"$results"
done

python3 - "$results" <<'PY'
import statistics, sys, collections
runs = collections.defaultdict(list)
for line in open(sys.argv[1]):
    f = line.rstrip("\n").split("\t")
    who, mode, path, mbs = f[0], f[1], f[2], float(f[8])
    name = path.rsplit("/", 1)[-1].removesuffix(".wbxml")
    runs[(who, mode, name)].append(mbs)
mb = {k: statistics.median(v) for k, v in runs.items()}
files = ["sync-100", "sync-512", "sync-dense-small", "sync-dense"]
print(f"{'':24}" + "".join(f"{n:>17}" for n in files) + "   (MB/s)")
for who, mode in [("easync", "pull"), ("easync", "tree"), ("easync", "encode"), ("easync", "typed"),
                  ("libwbxml", "events"), ("libwbxml", "tree")]:
    print(f"{who + ' ' + mode:24}" + "".join(f"{mb.get((who, mode, n), 0):17.1f}" for n in files))
def ratio(a, b, n): return mb[("easync", a, n)] / mb[("libwbxml", b, n)]
checks = [
    ("pull / libwbxml events, sync-512", ratio("pull", "events", "sync-512"), ">=", 4),
    ("pull / libwbxml events, sync-dense", ratio("pull", "events", "sync-dense"), ">=", 4),
    ("tree / libwbxml tree, sync-512", ratio("tree", "tree", "sync-512"), ">=", 5),
    ("typed Email decode / libwbxml tree, 512", ratio("typed", "tree", "sync-512"), ">=", 2),
    ("pull per-byte time, dense / 512",
     mb[("easync", "pull", "sync-512")] / mb[("easync", "pull", "sync-dense")], "<=", 2),
]
print()
for label, value, op, target in checks:
    ok = value >= target if op == ">=" else value <= target
    print(f"{label:40} {value:6.2f}x  target {op} {target}  {'met' if ok else 'NOT MET'}")
print()
print("for reference:")
print(f"{'pull per-byte time, dense / dense-small':40} "
      f"{mb[('easync', 'pull', 'sync-dense-small')] / mb[('easync', 'pull', 'sync-dense')]:6.2f}x"
      "  (same content, 11x the size: 1.0 = linear)")
print(f"{'tree / libwbxml tree, sync-dense':40} {ratio('tree', 'tree', 'sync-dense'):6.2f}x")
print(f"{'tree per-byte time, dense / 512':40} "
      f"{mb[('easync', 'tree', 'sync-512')] / mb[('easync', 'tree', 'sync-dense')]:6.2f}x")
print(f"{'libwbxml events per-byte, dense / 512':40} "
      f"{mb[('libwbxml', 'events', 'sync-512')] / mb[('libwbxml', 'events', 'sync-dense')]:6.2f}x")
PY
