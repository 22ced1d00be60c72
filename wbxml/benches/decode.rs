//! Decoder and encoder throughput on the benchmark inputs of ../shared/bench (Sync responses).
//!
//!     cargo bench -p wbxml --bench decode -- DIR      # DIR holds sync-100/sync-512/sync-dense.wbxml
//!
//! Prints one line per mode and file in the format of libwbxml-baseline.sh, so that
//! `scripts/bench-wbxml.sh` can put both side by side:
//!
//!     mode file bytes iters median_s min_s max_s median_MB/s best_MB/s   (MB = 10^6 bytes)
//!
//! Modes: `pull` (every event consumed, every text and opaque byte range touched), `tree`
//! (owned element tree), `encode` (tree → canonical WBXML; MB of output).

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Instant;

use wbxml::{Decoder, Element, Event};

fn main() {
    let dir = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with("--"))
        .or_else(|| std::env::var("WBXML_BENCH_DIR").ok());
    let Some(dir) = dir.map(PathBuf::from) else {
        eprintln!("usage: cargo bench -p wbxml --bench decode -- DIR (see scripts/bench-wbxml.sh)");
        return;
    };
    // sync-dense-small (optional): the dense generator's content at a tenth of the size, to
    // show that time per byte does not grow with size.
    let files = [
        ("sync-100", 300),
        ("sync-512", 100),
        ("sync-dense-small", 50),
        ("sync-dense", 5),
    ];
    for (name, iters) in files {
        let path = dir.join(format!("{name}.wbxml"));
        if name == "sync-dense-small" && !path.exists() {
            continue;
        }
        let Ok(bytes) = std::fs::read(&path) else {
            eprintln!(
                "missing {}: run libwbxml-baseline.sh inputs DIR",
                path.display()
            );
            std::process::exit(2);
        };
        run("pull", &path, bytes.len(), iters, || pull(&bytes));
        let tree_iters = if iters > 5 { iters / 2 } else { 2 };
        run("tree", &path, bytes.len(), tree_iters, || {
            Element::decode(&bytes)
                .expect("benchmark input decodes")
                .children
                .len()
        });
        let tree = Element::decode(&bytes).expect("benchmark input decodes");
        let out_len = tree.encode().expect("encodes").len();
        run("encode", &path, out_len, tree_iters, || {
            tree.encode().expect("encodes").len()
        });
    }
}

/// Consumes every event, touching each text and opaque slice.
fn pull(bytes: &[u8]) -> usize {
    let mut dec = Decoder::new(bytes).expect("benchmark input decodes");
    let mut acc = 0usize;
    while let Some(event) = dec.next().expect("benchmark input decodes") {
        acc = acc.wrapping_add(match event {
            Event::Text(t) => t.len() + usize::from(t.as_bytes().last().copied().unwrap_or(0)),
            Event::Opaque(d) => d.len() + usize::from(d.first().copied().unwrap_or(0)),
            Event::Start(s) => usize::from(s.tag.token),
            _ => 1,
        });
    }
    acc
}

fn run(mode: &str, path: &Path, bytes: usize, iters: usize, mut f: impl FnMut() -> usize) {
    // WBXML_BENCH_MODES=pull,tree limits the run to those modes (for profiling).
    if let Ok(modes) = std::env::var("WBXML_BENCH_MODES")
        && !modes.split(',').any(|m| m == mode)
    {
        return;
    }
    black_box(f()); // warm-up
    let mut times: Vec<f64> = (0..iters)
        .map(|_| {
            let start = Instant::now();
            black_box(f());
            start.elapsed().as_secs_f64()
        })
        .collect();
    times.sort_by(f64::total_cmp);
    let (min, max, median) = (times[0], times[times.len() - 1], times[times.len() / 2]);
    let mb = bytes as f64 / 1e6;
    println!(
        "{mode}\t{}\t{bytes}\t{iters}\t{median:.6}\t{min:.6}\t{max:.6}\t{:.1}\t{:.1}",
        path.display(),
        mb / median,
        mb / min
    );
}
