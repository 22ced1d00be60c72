//! Typed decode of Sync responses into Email values (the protocol layer's hot path).
//!
//!     cargo bench --bench typed_decode -- DIR     # DIR from libwbxml-baseline.sh inputs
//!
//! Prints lines in the format of libwbxml-baseline.sh (`typed FILE bytes iters median min max
//! median_MB/s best_MB/s`); `scripts/bench-wbxml.sh` puts them beside libwbxml's tree decode.

use std::hint::black_box;
use std::time::Instant;

use easync::proto::classes::ItemClass;
use easync::proto::sync::{Sync, SyncCollection};
use easync::proto::{CollectionId, Command, ProtocolVersion, SyncKey};

fn main() {
    let Some(dir) = std::env::args().skip(1).find(|a| !a.starts_with("--")) else {
        eprintln!("usage: cargo bench --bench typed_decode -- DIR");
        return;
    };
    // The inputs are Sync responses for collection 7 (see ../shared/bench/gen_sync.py).
    let request = Sync {
        collections: vec![SyncCollection::new(
            SyncKey::initial(),
            CollectionId::try_from("7").expect("valid id"),
            Some(ItemClass::Email),
        )],
        ..Sync::default()
    };
    for (name, iters) in [("sync-100", 200), ("sync-512", 50), ("sync-dense", 3)] {
        let path = format!("{dir}/{name}.wbxml");
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let decode = || {
            let resp = request
                .decode(&bytes, ProtocolVersion::V14_1)
                .expect("benchmark input decodes");
            resp.collections[0].commands.len()
        };
        let items = decode();
        assert!(items > 0, "{path}: no items decoded");
        black_box(decode());
        let mut times: Vec<f64> = (0..iters)
            .map(|_| {
                let t = Instant::now();
                black_box(decode());
                t.elapsed().as_secs_f64()
            })
            .collect();
        times.sort_by(f64::total_cmp);
        let (min, max, med) = (times[0], times[iters - 1], times[iters / 2]);
        let mb = bytes.len() as f64 / 1e6;
        println!(
            "typed\t{path}\t{}\t{iters}\t{med:.6}\t{min:.6}\t{max:.6}\t{:.1}\t{:.1}\titems={items}",
            bytes.len(),
            mb / med,
            mb / min
        );
    }
}
