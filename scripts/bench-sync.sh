#!/usr/bin/env bash
# Sync benchmark: items/s, client CPU per 1,000 items and peak RSS of `easync sync` (release) for
# mailboxes of growing size on a loopback server, RSS as a ratio of the smallest run; plus the
# SOGo test account when it is up (tests/interop/sogo.sh up), with a folder of $SOGO_BULK (2000)
# mails of ~2 KB added for the run and removed after it.
#   scripts/bench-sync.sh [--sizes 1000,10000,50000] [--body-bytes 2000]
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet --bin easync --example bench_sync
sogo_url=${EASYNC_SOGO_URL:-http://127.0.0.1:20000/SOGo/Microsoft-Server-ActiveSync}
sogo_bulk=${SOGO_BULK:-2000}
extra=()
if curl -fs -o /dev/null -X OPTIONS -u bob:bob-pass "$sogo_url" 2>/dev/null; then
    # The seeded account plus a folder of $SOGO_BULK mails, removed afterwards.
    python3 tests/interop/seed.py bulk "$sogo_bulk"
    trap 'python3 tests/interop/seed.py bulk-delete' EXIT
    extra=(--sogo "$sogo_url")
fi
target/release/examples/bench_sync target/release/easync "$@" "${extra[@]}"
