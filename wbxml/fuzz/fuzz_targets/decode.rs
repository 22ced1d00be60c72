//! Fuzz target: arbitrary bytes through the pull decoder, the tree decoder, the encoder and the
//! XML bridge; any panic or broken round trip is a finding.
//!
//!     cargo fuzz run --sanitizer none decode -- -max_total_time=600
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    wbxml::testing::check_decode_invariants(data);
});
