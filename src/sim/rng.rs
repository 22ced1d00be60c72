//! A tiny deterministic generator (SplitMix64) so that a seed and an index always give the same
//! item, on every machine and every run: the simulator stores no content, it regenerates it.

/// SplitMix64 (Steele, Lea, Flood 2014): fast, well mixed, no dependency.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator for one item: the seed, a stream name (the folder) and the item's index.
    pub fn for_item(seed: u64, stream: &str, idx: u32, version: u32) -> Self {
        let mut h = seed ^ 0x9E37_79B9_7F4A_7C15;
        for b in stream.bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x100_0000_01B3);
        }
        let mut r = Self(h ^ (u64::from(idx) << 20) ^ u64::from(version));
        r.next_u64();
        r
    }

    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `lo..hi` (`hi > lo`).
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next_u64() % (hi - lo).max(1)
    }

    /// One element of a non-empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.range(0, items.len() as u64) as usize]
    }

    /// True with probability `1/n`.
    pub fn one_in(&mut self, n: u64) -> bool {
        self.range(0, n) == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_numbers_different_items_differ() {
        let a: Vec<u64> = (0..4)
            .map(|_| Rng::for_item(7, "inbox", 3, 0).next_u64())
            .collect();
        assert!(a.windows(2).all(|w| w[0] == w[1]));
        let mut x = Rng::for_item(7, "inbox", 3, 0);
        let mut y = Rng::for_item(7, "inbox", 4, 0);
        assert_ne!(x.next_u64(), y.next_u64());
        let mut z = Rng::for_item(7, "inbox", 3, 1);
        assert_ne!(Rng::for_item(7, "inbox", 3, 0).next_u64(), z.next_u64());
    }

    #[test]
    fn range_stays_in_bounds() {
        let mut r = Rng::new(1);
        for _ in 0..10_000 {
            let v = r.range(5, 9);
            assert!((5..9).contains(&v));
        }
    }
}
