//! Space-filling designs on the unit hypercube: plain random, Latin hypercube and a
//! scrambled Sobol' sequence.
//!
//! Every function returns `n` points, each a `Vec<f64>` of `k` coordinates in
//! [0, 1)^k, and is a pure function of its arguments (its own
//! `Xoshiro256PlusPlus` seeded from `seed`; no global RNG).
//!
//! The Sobol' sequence uses the Joe–Kuo `new-joe-kuo-6.21201` direction numbers
//! (Joe & Kuo 2008, "Constructing Sobol sequences with better two-dimensional
//! projections", SIAM J. Sci. Comput. 30:2635–2654) for the first
//! [`SOBOL_MAX_DIM`] dimensions, randomised by a linear matrix scramble plus a
//! digital shift (Matoušek 1998; the "LMS + shift" of SciPy's `qmc.Sobol`). The
//! scramble keeps the (t, m, s)-net structure, so the equidistribution of the
//! unscrambled sequence survives, while different seeds give independent
//! randomisations, which is what makes repeated or bootstrapped estimates honest.

use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};

use super::shuffle;

/// Points uniformly and independently distributed on [0, 1)^k.
///
/// The baseline design: no stratification at all, so its error decreases as
/// 1/√n with the full variance of the integrand.
pub fn uniform_random(k: usize, n: usize, seed: u64) -> Vec<Vec<f64>> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    (0..n)
        .map(|_| (0..k).map(|_| rng.random::<f64>()).collect())
        .collect()
}

/// A Latin hypercube of `n` points on [0, 1)^k (McKay, Beckman & Conover 1979).
///
/// Each coordinate is stratified: column `j` is a random permutation of the `n`
/// strata [s/n, (s+1)/n), and each point sits uniformly at random inside its
/// stratum ("jittered", not centred, so the design is an unbiased sample of the
/// cube). Columns are permuted independently, so there is no control of
/// correlation between columns beyond what chance gives.
pub fn latin_hypercube(k: usize, n: usize, seed: u64) -> Vec<Vec<f64>> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut points = vec![vec![0.0; k]; n];
    let mut strata: Vec<usize> = (0..n).collect();
    for j in 0..k {
        shuffle(&mut strata, &mut rng);
        for (point, &s) in points.iter_mut().zip(&strata) {
            point[j] = below_one((s as f64 + rng.random::<f64>()) / n as f64);
        }
    }
    points
}

/// How many dimensions [`sobol_sequence`] supports: van der Corput plus the first
/// 63 Joe–Kuo rows (dimensions 2..=64 of `new-joe-kuo-6.21201`).
pub const SOBOL_MAX_DIM: usize = 64;

/// The first `n` points of a scrambled `k`-dimensional Sobol' sequence.
///
/// The point with index 0 is kept (after scrambling it is no longer the origin).
/// Balance properties hold for `n` a power of two; other `n` are allowed but give
/// up part of the benefit. Different seeds give independent scrambles.
///
/// # Panics
/// If `k > SOBOL_MAX_DIM` or `n > 2^32`.
pub fn sobol_sequence(k: usize, n: usize, seed: u64) -> Vec<Vec<f64>> {
    assert!(
        k <= SOBOL_MAX_DIM,
        "Sobol' sequence supports at most {SOBOL_MAX_DIM} dimensions, asked for {k}"
    );
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let directions: Vec<[u32; BITS]> = (0..k)
        .map(|d| {
            let raw = direction_numbers(d);
            let scramble = LinearScramble::random(&mut rng);
            let mut out = [0u32; BITS];
            for (o, &v) in out.iter_mut().zip(&raw) {
                *o = scramble.apply(v);
            }
            out
        })
        .collect();
    let shifts: Vec<u32> = (0..k).map(|_| rng.random::<u32>()).collect();
    sobol_points(&directions, &shifts, n)
}

/// Bits of precision of the Sobol' integers (and the largest supported log2 n).
const BITS: usize = 32;

/// Gray-code construction (Antonov & Saleev 1979): point i+1 is point i XOR the
/// direction number indexed by the number of trailing ones of i.
fn sobol_points(directions: &[[u32; BITS]], shifts: &[u32], n: usize) -> Vec<Vec<f64>> {
    assert!(
        n as u64 <= 1u64 << BITS,
        "Sobol' sequence supports at most 2^{BITS} points, asked for {n}"
    );
    let scale = 1.0 / (1u64 << BITS) as f64;
    let mut state = vec![0u32; directions.len()];
    let mut points = Vec::with_capacity(n);
    for i in 0..n {
        if i > 0 {
            let c = (i - 1).trailing_ones() as usize;
            for (s, dir) in state.iter_mut().zip(directions) {
                *s ^= dir[c];
            }
        }
        points.push(
            state
                .iter()
                .zip(shifts)
                .map(|(&s, &shift)| f64::from(s ^ shift) * scale)
                .collect(),
        );
    }
    points
}

/// The unscrambled direction numbers V_1..V_32 of Sobol' dimension `d` (0-based),
/// as 32-bit binary fractions (V_j = m_j / 2^j).
fn direction_numbers(d: usize) -> [u32; BITS] {
    let mut v = [0u32; BITS];
    if d == 0 {
        // van der Corput: m_j = 1 for every j.
        for (j, vj) in v.iter_mut().enumerate() {
            *vj = 1 << (BITS - 1 - j);
        }
        return v;
    }
    let (s, a, m) = JOE_KUO[d - 1];
    let s = s as usize;
    for j in 0..BITS {
        v[j] = if j < s {
            m[j] << (BITS - 1 - j)
        } else {
            // Bratley & Fox (1988) recurrence for the primitive polynomial
            // x^s + a_1 x^(s-1) + … + a_(s-1) x + 1, with a_i the bits of `a`.
            let mut x = v[j - s] ^ (v[j - s] >> s);
            for i in 1..s {
                if (a >> (s - 1 - i)) & 1 == 1 {
                    x ^= v[j - i];
                }
            }
            x
        };
    }
    v
}

/// A random nonsingular lower-triangular binary matrix acting on the digits of a
/// 32-bit fraction (digit 0 = most significant): output digit i is the parity of
/// input digits 0..=i selected by row i. Because digit i depends only on digits
/// at least as significant, every elementary interval of the net maps onto
/// another, so the net property is preserved.
struct LinearScramble {
    rows: [u32; BITS],
}

impl LinearScramble {
    fn random(rng: &mut Xoshiro256PlusPlus) -> Self {
        let mut rows = [0u32; BITS];
        for (i, row) in rows.iter_mut().enumerate() {
            let diagonal = 1u32 << (BITS - 1 - i);
            // Bits strictly more significant than the diagonal.
            let above = !((diagonal as u64) * 2 - 1) as u32;
            *row = diagonal | (rng.random::<u32>() & above);
        }
        LinearScramble { rows }
    }

    fn apply(&self, v: u32) -> u32 {
        self.rows.iter().enumerate().fold(0, |acc, (i, &row)| {
            acc | (((row & v).count_ones() & 1) << (BITS - 1 - i))
        })
    }
}

/// Guard the half-open interval: `(s + u) / n` can round up to exactly 1.0.
fn below_one(x: f64) -> f64 {
    if x < 1.0 { x } else { 1.0 - f64::EPSILON / 2.0 }
}

/// Joe–Kuo `new-joe-kuo-6.21201`, rows d = 2..=64: (degree s, polynomial a,
/// initial direction numbers m_1..m_s). Row d of the file is entry d − 2.
#[rustfmt::skip]
const JOE_KUO: [(u32, u32, &[u32]); SOBOL_MAX_DIM - 1] = [
    (1, 0, &[1]),
    (2, 1, &[1, 3]),
    (3, 1, &[1, 3, 1]),
    (3, 2, &[1, 1, 1]),
    (4, 1, &[1, 1, 3, 3]),
    (4, 4, &[1, 3, 5, 13]),
    (5, 2, &[1, 1, 5, 5, 17]),
    (5, 4, &[1, 1, 5, 5, 5]),
    (5, 7, &[1, 1, 7, 11, 19]),
    (5, 11, &[1, 1, 5, 1, 1]),
    (5, 13, &[1, 1, 1, 3, 11]),
    (5, 14, &[1, 3, 5, 5, 31]),
    (6, 1, &[1, 3, 3, 9, 7, 49]),
    (6, 13, &[1, 1, 1, 15, 21, 21]),
    (6, 16, &[1, 3, 1, 13, 27, 49]),
    (6, 19, &[1, 1, 1, 15, 7, 5]),
    (6, 22, &[1, 3, 1, 15, 13, 25]),
    (6, 25, &[1, 1, 5, 5, 19, 61]),
    (7, 1, &[1, 3, 7, 11, 23, 15, 103]),
    (7, 4, &[1, 3, 7, 13, 13, 15, 69]),
    (7, 7, &[1, 1, 3, 13, 7, 35, 63]),
    (7, 8, &[1, 3, 5, 9, 1, 25, 53]),
    (7, 14, &[1, 3, 1, 13, 9, 35, 107]),
    (7, 19, &[1, 3, 1, 5, 27, 61, 31]),
    (7, 21, &[1, 1, 5, 11, 19, 41, 61]),
    (7, 28, &[1, 3, 5, 3, 3, 13, 69]),
    (7, 31, &[1, 1, 7, 13, 1, 19, 1]),
    (7, 32, &[1, 3, 7, 5, 13, 19, 59]),
    (7, 37, &[1, 1, 3, 9, 25, 29, 41]),
    (7, 41, &[1, 3, 5, 13, 23, 1, 55]),
    (7, 42, &[1, 3, 7, 3, 13, 59, 17]),
    (7, 50, &[1, 3, 1, 3, 5, 53, 69]),
    (7, 55, &[1, 1, 5, 5, 23, 33, 13]),
    (7, 56, &[1, 1, 7, 7, 1, 61, 123]),
    (7, 59, &[1, 1, 7, 9, 13, 61, 49]),
    (7, 62, &[1, 3, 3, 5, 3, 55, 33]),
    (8, 14, &[1, 3, 1, 15, 31, 13, 49, 245]),
    (8, 21, &[1, 3, 5, 15, 31, 59, 63, 97]),
    (8, 22, &[1, 3, 1, 11, 11, 11, 77, 249]),
    (8, 38, &[1, 3, 1, 11, 27, 43, 71, 9]),
    (8, 47, &[1, 1, 7, 15, 21, 11, 81, 45]),
    (8, 49, &[1, 3, 7, 3, 25, 31, 65, 79]),
    (8, 50, &[1, 3, 1, 1, 19, 11, 3, 205]),
    (8, 52, &[1, 1, 5, 9, 19, 21, 29, 157]),
    (8, 56, &[1, 3, 7, 11, 1, 33, 89, 185]),
    (8, 67, &[1, 3, 3, 3, 15, 9, 79, 71]),
    (8, 70, &[1, 3, 7, 11, 15, 39, 119, 27]),
    (8, 84, &[1, 1, 3, 1, 11, 31, 97, 225]),
    (8, 97, &[1, 1, 1, 3, 23, 43, 57, 177]),
    (8, 103, &[1, 3, 7, 7, 17, 17, 37, 71]),
    (8, 115, &[1, 3, 1, 5, 27, 63, 123, 213]),
    (8, 122, &[1, 1, 3, 5, 11, 43, 53, 133]),
    (9, 8, &[1, 3, 5, 5, 29, 17, 47, 173, 479]),
    (9, 13, &[1, 3, 3, 11, 3, 1, 109, 9, 69]),
    (9, 16, &[1, 1, 1, 5, 17, 39, 23, 5, 343]),
    (9, 22, &[1, 3, 1, 5, 25, 15, 31, 103, 499]),
    (9, 25, &[1, 1, 1, 11, 11, 17, 63, 105, 183]),
    (9, 44, &[1, 1, 5, 11, 9, 29, 97, 231, 363]),
    (9, 47, &[1, 1, 5, 15, 19, 45, 41, 7, 383]),
    (9, 52, &[1, 3, 7, 7, 31, 19, 83, 137, 221]),
    (9, 55, &[1, 1, 1, 3, 23, 15, 111, 223, 83]),
    (9, 59, &[1, 1, 5, 13, 31, 15, 55, 25, 161]),
    (9, 62, &[1, 1, 3, 13, 25, 47, 39, 87, 257]),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn unscrambled(k: usize, n: usize) -> Vec<Vec<f64>> {
        let dirs: Vec<[u32; BITS]> = (0..k).map(direction_numbers).collect();
        sobol_points(&dirs, &vec![0; k], n)
    }

    fn in_unit_cube(points: &[Vec<f64>], k: usize) -> bool {
        points
            .iter()
            .all(|p| p.len() == k && p.iter().all(|&x| (0.0..1.0).contains(&x)))
    }

    #[test]
    fn unscrambled_sobol_matches_the_published_first_points() {
        // The first ten points of the 3-D Joe–Kuo sequence (as printed by their
        // reference generator and by SciPy's `qmc.Sobol(3, scramble=False)`).
        let expected = [
            [0.0, 0.0, 0.0],
            [0.5, 0.5, 0.5],
            [0.75, 0.25, 0.25],
            [0.25, 0.75, 0.75],
            [0.375, 0.375, 0.625],
            [0.875, 0.875, 0.125],
            [0.625, 0.125, 0.875],
            [0.125, 0.625, 0.375],
            [0.1875, 0.3125, 0.9375],
            [0.6875, 0.8125, 0.4375],
        ];
        let got = unscrambled(3, 10);
        for (g, e) in got.iter().zip(&expected) {
            assert_eq!(g.as_slice(), e.as_slice());
        }
    }

    #[test]
    fn direction_table_is_well_formed_and_polynomials_are_primitive() {
        let mut last_degree = 0;
        for (row, &(s, a, m)) in JOE_KUO.iter().enumerate() {
            assert!(s >= last_degree, "row {row}: degrees must not decrease");
            last_degree = s;
            assert_eq!(m.len(), s as usize, "row {row}: one m per degree");
            assert!(a < 1 << (s - 1), "row {row}: a has s - 1 bits");
            for (i, &mi) in m.iter().enumerate() {
                assert!(
                    mi % 2 == 1 && mi < 1 << (i + 1),
                    "row {row}: m_{} = {mi}",
                    i + 1
                );
            }
            // Primitive over GF(2) ⇔ the LFSR it defines has period 2^s − 1.
            let s = s as usize;
            let taps = (1u32 << s) | (a << 1) | 1; // x^s + a-bits + 1
            let mut state = 1u32;
            let mut period = 0;
            loop {
                state <<= 1;
                if state & (1 << s) != 0 {
                    state ^= taps;
                }
                period += 1;
                if state == 1 {
                    break;
                }
            }
            assert_eq!(period, (1 << s) - 1, "row {row}: polynomial not primitive");
        }
        // Distinct polynomials.
        let mut polys: Vec<(u32, u32)> = JOE_KUO.iter().map(|&(s, a, _)| (s, a)).collect();
        polys.sort_unstable();
        polys.dedup();
        assert_eq!(polys.len(), JOE_KUO.len());
    }

    #[test]
    fn every_coordinate_is_stratified_after_scrambling() {
        // Each one-dimensional projection of a Sobol' sequence is a (0, m, 1)-net:
        // the first 2^m points put exactly one point in each [j/2^m, (j+1)/2^m).
        // The linear scramble and digital shift must keep that.
        let n = 1 << 10;
        let points = sobol_sequence(SOBOL_MAX_DIM, n, 7);
        assert!(in_unit_cube(&points, SOBOL_MAX_DIM));
        for d in 0..SOBOL_MAX_DIM {
            let mut seen = vec![false; n];
            for p in &points {
                let cell = (p[d] * n as f64) as usize;
                assert!(!seen[cell], "dimension {d}: two points in cell {cell}");
                seen[cell] = true;
            }
        }
        // The first two dimensions form a (0, m, 2)-net: one point per
        // 2^-a × 2^-(m-a) box.
        for a in 0..=10 {
            let (ca, cb) = (1usize << a, 1usize << (10 - a));
            let mut seen = vec![false; n];
            for p in &points {
                let cell = (p[0] * ca as f64) as usize * cb + (p[1] * cb as f64) as usize;
                assert!(!seen[cell]);
                seen[cell] = true;
            }
        }
    }

    #[test]
    fn scrambles_differ_by_seed_and_repeat_exactly() {
        let a = sobol_sequence(5, 64, 1);
        assert_eq!(a, sobol_sequence(5, 64, 1));
        assert_ne!(a, sobol_sequence(5, 64, 2));
        assert_ne!(a[0], vec![0.0; 5], "the scramble moves the origin");
    }

    #[test]
    fn latin_hypercube_has_one_point_per_stratum_in_every_column() {
        let (k, n) = (6, 500);
        let points = latin_hypercube(k, n, 11);
        assert_eq!(points.len(), n);
        assert!(in_unit_cube(&points, k));
        for j in 0..k {
            let mut strata: Vec<usize> =
                points.iter().map(|p| (p[j] * n as f64) as usize).collect();
            strata.sort_unstable();
            assert_eq!(strata, (0..n).collect::<Vec<_>>(), "column {j}");
        }
        assert_eq!(points, latin_hypercube(k, n, 11));
        assert_ne!(points, latin_hypercube(k, n, 12));
    }

    #[test]
    fn uniform_random_is_in_the_cube_and_deterministic() {
        let points = uniform_random(4, 1000, 3);
        assert_eq!(points.len(), 1000);
        assert!(in_unit_cube(&points, 4));
        assert_eq!(points, uniform_random(4, 1000, 3));
        let mean: f64 = points.iter().map(|p| p[2]).sum::<f64>() / 1000.0;
        assert!((mean - 0.5).abs() < 0.05, "mean {mean}");
    }
}
