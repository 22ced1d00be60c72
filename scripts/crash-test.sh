#!/usr/bin/env bash
# The long crash-safety run (issue 5): a simulated mailbox of ITEMS items (default 20,000),
# `easync sync` killed with SIGKILL KILLS times (default 50) at random moments while the server
# changes, then the store must equal the server exactly. Release build; prints the seed, which
# replays the same kill moments: EASYNC_CRASH_SEED=… scripts/crash-test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export EASYNC_CRASH_ITEMS="${1:-${EASYNC_CRASH_ITEMS:-20000}}"
export EASYNC_CRASH_KILLS="${2:-${EASYNC_CRASH_KILLS:-50}}"
exec cargo test --release --test sim_crash -- --nocapture
