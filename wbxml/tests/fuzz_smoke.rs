//! A cheap, deterministic stand-in for the fuzzer in `cargo test`: the codec invariants
//! (`wbxml::testing`) over every vector, every past fuzz finding, and mutations of the vectors.
//! The coverage-guided run is `cargo fuzz run --sanitizer none decode` in `wbxml/`.

use std::fs;
use std::path::{Path, PathBuf};

use wbxml::testing::check_decode_invariants;

fn dir(sub: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/wbxml")
        .join(sub)
}

fn inputs(sub: &str) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = fs::read_dir(dir(sub))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "wbxml"))
        .map(|p| (p.display().to_string(), fs::read(&p).unwrap()))
        .collect();
    v.sort();
    v
}

#[test]
fn past_fuzz_findings_stay_fixed() {
    let found = inputs("fuzz-regressions");
    assert!(found.len() >= 3, "the regression corpus is missing");
    for (name, data) in found {
        eprintln!("{name}");
        check_decode_invariants(&data);
    }
}

/// xorshift64*: deterministic, so a failure is reproducible from the printed case number.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn mutate(rng: &mut Rng, data: &mut Vec<u8>) {
    for _ in 0..=rng.below(4) {
        let at = rng.below(data.len().max(1));
        match rng.below(5) {
            0 if !data.is_empty() => data[at] ^= 1 << rng.below(8),
            1 if !data.is_empty() => data[at] = rng.next() as u8,
            2 => data.insert(at.min(data.len()), rng.next() as u8),
            3 if !data.is_empty() => {
                data.remove(at);
            }
            _ => data.truncate(at),
        }
    }
}

#[test]
fn mutated_vectors_never_break_invariants() {
    let seeds = inputs("");
    assert_eq!(seeds.len(), 61);
    let mut rng = Rng(0x5EED_F00D_C0DE_0001);
    let mut cases = 0;
    for (_, seed) in &seeds {
        for _ in 0..200 {
            let mut data = seed.clone();
            mutate(&mut rng, &mut data);
            check_decode_invariants(&data);
            cases += 1;
        }
    }
    assert_eq!(cases, 61 * 200);
}
