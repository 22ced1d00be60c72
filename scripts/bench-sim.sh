#!/usr/bin/env bash
# Simulator benchmark (issue 5): initial sync of N emails (2–4 KB bodies) + N/20 contacts +
# N/20 events from the in-process simulator over loopback, release build; items/s, client and
# simulator CPU per 1,000 items, client peak RSS (ratio to the smallest run), idle re-sync.
#   scripts/bench-sim.sh [--sizes 10000,100000] [--version 16.1]
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet --bin easync --example bench_sim
target/release/examples/bench_sim target/release/easync "$@"
