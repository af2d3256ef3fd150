//! Random streams laid out as docs/model.md § 9 item 5 says: every draw comes from a stream keyed
//! by (seed, replication, site, process, entity, index).
//!
//! Why keyed streams rather than one generator per run: results must not depend on
//! thread count or execution order, and two scenarios (or sweep points) that differ
//! only in policy must see the same dice — the k-th referral of a site gets the same
//! profile, needs, waits and distress in both. Neither the scenario nor the sweep point
//! is part of the key, which gives common random numbers by default.

use std::convert::Infallible;

use rand::rand_core::utils;
use rand::{SeedableRng, TryRng};

/// The generator behind every stream: small, fast, and portable (same output on
/// every platform), so results are reproducible to the bit.
pub type Rng = SplitMix64;

/// SplitMix64 (Steele, Lea & Flood, 2014; Java's `SplittableRandom`): a Weyl sequence
/// passed through [`mix`]; it passes BigCrush. Why this one: streams are short (a
/// referral's attribute needs a handful of draws) and there are millions of them, so
/// what counts is the cost of starting one. A stream's 64-bit key *is* the
/// generator's state, free to start, where Xoshiro256++ (used before) spent four
/// `mix`es filling its 256-bit state; each draw is one `mix` either way. The first
/// draw of stream `i` equals [`SiteKey::uniform`]'s single uniform for `i`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SplitMix64 {
    state: u64,
}

impl TryRng for SplitMix64 {
    type Error = Infallible;

    #[inline]
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        // The upper half, as for every output taken from a 64-bit one here.
        self.try_next_u64().map(|x| (x >> 32) as u32)
    }

    #[inline]
    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        let x = mix(self.state);
        self.state = self.state.wrapping_add(GOLDEN_GAMMA);
        Ok(x)
    }

    #[inline]
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        utils::fill_bytes_via_next_word(dst, || self.try_next_u64())
    }
}

impl SeedableRng for SplitMix64 {
    type Seed = [u8; 8];

    fn from_seed(seed: [u8; 8]) -> SplitMix64 {
        SplitMix64::seed_from_u64(u64::from_le_bytes(seed))
    }

    /// Every 64-bit state is a good one: the state is only ever fed through [`mix`].
    #[inline]
    fn seed_from_u64(state: u64) -> SplitMix64 {
        SplitMix64 { state }
    }
}

/// SplitMix64's increment: the odd integer nearest 2⁶⁴/φ.
const GOLDEN_GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

/// Independent random processes; each has its own streams so a change in how often
/// one process is consulted never shifts another's draws.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u64)]
pub enum Process {
    /// Daily Poisson arrival counts of a site (entity 0).
    Arrivals = 1,
    /// A referral's attributes; entity = the referral's index in its site, and each
    /// attribute a substream ([`EntityKey::substream`], see `engine::patient`).
    PatientAttributes = 2,
    /// Queue dropout clock; entity = referral index, index = its n-th time in the queue.
    QueueDropout = 3,
    /// Disengagement at a rupture; entity = referral index, index = its n-th rupture.
    Rupture = 4,
    /// Burnout thresholds of a post; entity = post, index = n-th holder of the post.
    Threshold = 5,
    /// Voluntary exits of a post (candidate days and their acceptance, see
    /// `engine::post`); entity = post, index = n-th holder.
    ExitClock = 6,
    /// Sick-leave durations and the exit-after-burnout decision; entity = post, index = n-th leave.
    SickLeave = 7,
    /// Recruitment delays; entity = post, index = n-th vacancy.
    Recruitment = 8,
}

/// SplitMix64's finaliser: a bijective mix with good avalanche, so nearby keys give
/// unrelated streams.
#[inline]
pub fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(GOLDEN_GAMMA);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The key of one site within one replication; streams of its processes derive from it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SiteKey(u64);

impl SiteKey {
    pub fn new(seed: u64, replication: u64, site: u64) -> SiteKey {
        SiteKey(mix(mix(mix(seed) ^ replication) ^ site))
    }

    /// The streams of one entity of one process: the part of the hash they share,
    /// computed once for an entity that draws from several streams (a referral's
    /// attributes).
    #[inline]
    pub fn entity(self, process: Process, entity: u64) -> EntityKey {
        self.process(process).entity(entity)
    }

    /// The part of the hash shared by every stream of one process of this site: kept
    /// by a site for the processes it consults for every referral.
    #[inline]
    pub fn process(self, process: Process) -> ProcessKey {
        ProcessKey(mix(self.0 ^ process as u64))
    }

    /// The 64-bit hash of (site key, process, entity, index).
    #[inline]
    pub fn hash(self, process: Process, entity: u64, index: u64) -> u64 {
        self.entity(process, entity).hash(index)
    }

    /// A generator for (process, entity, index).
    #[inline]
    pub fn stream(self, process: Process, entity: u64, index: u64) -> Rng {
        self.entity(process, entity).stream(index)
    }

    /// One uniform in [0, 1) for (process, entity, index), without building a generator:
    /// for processes that need a single draw.
    #[inline]
    pub fn uniform(self, process: Process, entity: u64, index: u64) -> f64 {
        self.entity(process, entity).uniform(index)
    }
}

/// The key of one process of a site; its entities' keys derive from it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProcessKey(u64);

impl ProcessKey {
    #[inline]
    pub fn entity(self, entity: u64) -> EntityKey {
        EntityKey(mix(self.0 ^ entity))
    }
}

/// The key of one (process, entity) of a site; its streams are numbered by index.
/// Gives exactly the streams [`SiteKey::stream`] gives for the same components.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EntityKey(u64);

impl EntityKey {
    /// The 64-bit hash of (site key, process, entity, index).
    #[inline]
    pub fn hash(self, index: u64) -> u64 {
        mix(self.0 ^ index)
    }

    /// A generator for stream `index`.
    #[inline]
    pub fn stream(self, index: u64) -> Rng {
        Rng::seed_from_u64(self.hash(index))
    }

    /// One uniform in [0, 1) for stream `index`: the first draw of [`EntityKey::stream`].
    #[inline]
    pub fn uniform(self, index: u64) -> f64 {
        to_unit(mix(self.hash(index)))
    }

    /// Substream `index` (below 2³²) of this entity, for an entity with several
    /// short streams (a referral's attributes): SplitMix64 started at
    /// `key + index · 2³² · γ`, so substream `i`'s `n`-th draw is the generator's
    /// output at counter `i · 2³² + n` of the one Weyl sequence `key + c · γ` (γ
    /// odd, so distinct counters give distinct states). Substreams do not overlap
    /// before 2³² draws, and starting one costs a multiply instead of a hash: a
    /// counter-based generator keyed by (entity, attribute, draw).
    #[inline]
    pub fn substream(self, index: u64) -> Rng {
        Rng::seed_from_u64(
            self.0
                .wrapping_add(index.wrapping_mul(GOLDEN_GAMMA.wrapping_shl(32))),
        )
    }
}

/// The top 53 bits of `x` as a float in [0, 1).
#[inline]
pub fn to_unit(x: u64) -> f64 {
    (x >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngExt;

    #[test]
    fn streams_differ_by_every_key_component_and_repeat_exactly() {
        let base = SiteKey::new(1, 2, 3);
        let draw = |k: SiteKey, p, e, i| k.stream(p, e, i).random::<u64>();
        let x = draw(base, Process::Arrivals, 0, 0);
        assert_eq!(x, draw(SiteKey::new(1, 2, 3), Process::Arrivals, 0, 0));
        assert_ne!(x, draw(SiteKey::new(9, 2, 3), Process::Arrivals, 0, 0));
        assert_ne!(x, draw(SiteKey::new(1, 9, 3), Process::Arrivals, 0, 0));
        assert_ne!(x, draw(SiteKey::new(1, 2, 9), Process::Arrivals, 0, 0));
        assert_ne!(x, draw(base, Process::Threshold, 0, 0));
        assert_ne!(x, draw(base, Process::Arrivals, 1, 0));
        assert_ne!(x, draw(base, Process::Arrivals, 0, 1));
        // Replication and site are not interchangeable.
        assert_ne!(SiteKey::new(1, 2, 3), SiteKey::new(1, 3, 2));
    }

    #[test]
    fn a_single_uniform_is_the_first_draw_of_its_stream() {
        let k = SiteKey::new(5, 1, 2);
        for i in 0..100 {
            let mut rng = k.stream(Process::PatientAttributes, 9, i);
            assert_eq!(
                k.uniform(Process::PatientAttributes, 9, i),
                rng.random::<f64>()
            );
        }
    }

    #[test]
    fn substreams_are_stretches_of_one_weyl_sequence_that_do_not_overlap() {
        let e = SiteKey::new(5, 1, 2).entity(Process::PatientAttributes, 9);
        let draws = |i: u64| -> Vec<u64> {
            let mut rng = e.substream(i);
            (0..64).map(|_| rng.random::<u64>()).collect()
        };
        let mut all: Vec<u64> = (0..7).flat_map(draws).collect();
        // Substream 1 starts 2³² steps of the sequence after substream 0.
        let mut far = e.substream(0);
        far.state = far.state.wrapping_add(GOLDEN_GAMMA.wrapping_mul(1 << 32));
        assert_eq!(far, e.substream(1));
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), 7 * 64);
    }

    #[test]
    fn single_uniforms_are_uniform() {
        let k = SiteKey::new(7, 0, 0);
        let n = 200_000;
        let mut bins = [0u32; 10];
        for i in 0..n {
            let u = k.uniform(Process::Rupture, i, 0);
            assert!((0.0..1.0).contains(&u));
            bins[(u * 10.0) as usize] += 1;
        }
        // Chi-square with 9 degrees of freedom; 27.9 is its 0.999 quantile.
        let expected = n as f64 / 10.0;
        let chi2: f64 = bins
            .iter()
            .map(|&b| (b as f64 - expected).powi(2) / expected)
            .sum();
        assert!(chi2 < 27.9, "chi2 = {chi2}, bins = {bins:?}");
    }
}
