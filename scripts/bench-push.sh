#!/usr/bin/env bash
# Push benchmark (issue 7): latency from a simulator commit to easync's store commit and to the
# hook's start (median, p99 over 200 new mails), then a soak of 10,000 Ping cycles with random
# dropped connections and easync's RSS growth. Release build.
#   scripts/bench-push.sh [--changes 200] [--cycles 10000]
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet --bin easync --example bench_push
target/release/examples/bench_push target/release/easync "$@"
