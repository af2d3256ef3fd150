//! Global sensitivity analysis: designs on the unit hypercube and the estimators
//! that turn model outputs at those points into sensitivity indices.
//!
//! This module is pure mathematics. It knows nothing of scenarios or the engine:
//! a design hands out points in [0, 1)^k (or [0, 1]^k for Morris), the caller maps
//! each coordinate onto its factor's range, runs the model, and passes the
//! outputs back **in the same order**. A failed run is reported as `NaN`; the
//! estimators skip what depends on it and say how much they used.
//!
//! * **Screening — Morris elementary effects** ([`morris_design`],
//!   [`morris_indices`]). `r` random one-at-a-time trajectories on a `p`-level
//!   grid (Morris 1991); per factor the mean effect μ, the mean absolute effect
//!   μ* (Campolongo, Cariboni & Saltelli 2007), which does not let effects of
//!   opposite sign cancel, and the standard deviation σ, which flags
//!   non-linearity or interactions. Cost r(k + 1) runs.
//! * **Variance decomposition — Sobol' indices** ([`saltelli_design`],
//!   [`sobol_indices`], [`sobol_second_order`]). Saltelli sampling with base
//!   matrices A and B and the k hybrids A_B^(i); first-order indices by the
//!   Saltelli et al. (2010) estimator and total-order by Jansen's (1999); the
//!   optional second-order indices by Saltelli (2002). Cost n(k + 2) runs, or
//!   n(2k + 2) with second order.
//! * **Plain designs** for sweeps: [`latin_hypercube`], [`uniform_random`] and a
//!   scrambled Sobol' sequence [`sobol_sequence`].
//!
//! Confidence intervals are nonparametric percentile bootstraps (Efron &
//! Tibshirani 1993) over the independent units of each design — trajectories for
//! Morris, rows of A/B for Sobol' — with a fixed seed, so a report is
//! reproducible. With a Sobol' base sequence the bootstrap treats the
//! low-discrepancy rows as if they were i.i.d., which overstates the sampling
//! error: the intervals are conservative.
//!
//! Everything is deterministic for a given seed: each function seeds its own
//! `Xoshiro256PlusPlus`; there is no global or thread-local generator and no hash
//! map iteration.
//!
//! References
//! - Morris, M. D. (1991). Factorial sampling plans for preliminary computational
//!   experiments. *Technometrics* 33(2), 161–174.
//! - Campolongo, F., Cariboni, J. & Saltelli, A. (2007). An effective screening
//!   design for sensitivity analysis of large models. *Environmental Modelling &
//!   Software* 22(10), 1509–1518.
//! - Jansen, M. J. W. (1999). Analysis of variance designs for model output.
//!   *Computer Physics Communications* 117(1–2), 35–43.
//! - Saltelli, A. (2002). Making best use of model evaluations to compute
//!   sensitivity indices. *Computer Physics Communications* 145(2), 280–297.
//! - Saltelli, A., Annoni, P., Azzini, I., Campolongo, F., Ratto, M. &
//!   Tarantola, S. (2010). Variance based sensitivity analysis of model output.
//!   Design and estimator for the total sensitivity index. *Computer Physics
//!   Communications* 181(2), 259–270.
//! - Joe, S. & Kuo, F. Y. (2008). Constructing Sobol sequences with better
//!   two-dimensional projections. *SIAM J. Sci. Comput.* 30(5), 2635–2654.
//! - Ishigami, T. & Homma, T. (1990); Sobol' g-function (Saltelli & Sobol' 1995):
//!   the analytic test functions used in this module's tests.

mod morris;
mod sampling;
mod sobol;
#[cfg(test)]
mod testfns;

pub use morris::{
    MORRIS_BOOTSTRAP, MorrisDesign, MorrisIndex, MorrisStep, morris_design, morris_indices,
    morris_indices_with,
};
pub use sampling::{SOBOL_MAX_DIM, latin_hypercube, sobol_sequence, uniform_random};
pub use sobol::{
    BaseSampler, SaltelliDesign, SobolIndex, SobolPair, saltelli_design, sobol_indices,
    sobol_second_order,
};

/// Confidence level of every bootstrap interval in this module.
pub const CONFIDENCE: f64 = 0.95;

/// Percentile bootstrap interval: the (1 − CONFIDENCE)/2 and (1 + CONFIDENCE)/2
/// quantiles of the finite replicates (type 7, linear interpolation). NaN
/// replicates (a resample with nothing usable) are dropped; no finite replicate
/// gives (NaN, NaN).
fn percentile_interval(mut replicates: Vec<f64>) -> (f64, f64) {
    replicates.retain(|x| x.is_finite());
    if replicates.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    replicates.sort_by(f64::total_cmp);
    let alpha = (1.0 - CONFIDENCE) / 2.0;
    (
        quantile_sorted(&replicates, alpha),
        quantile_sorted(&replicates, 1.0 - alpha),
    )
}

/// Type-7 quantile (NumPy's default) of sorted, non-empty data.
fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * q;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// Fisher–Yates shuffle driven by our own generator (so the result does not
/// depend on how `rand`'s `seq` helpers consume the stream across versions).
fn shuffle<T>(items: &mut [T], rng: &mut rand::rngs::Xoshiro256PlusPlus) {
    use rand::RngExt;
    for i in (1..items.len()).rev() {
        let j = rng.random_range(0..=i);
        items.swap(i, j);
    }
}

/// Derive an independent seed for a sub-stream (SplitMix64 finaliser), so that
/// e.g. A and B of a fallback design, or a bootstrap and its design, never share
/// a generator state.
fn mix_seed(seed: u64, tag: u64) -> u64 {
    let mut z = seed ^ tag.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_interpolate_like_numpy() {
        let data = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert_eq!(quantile_sorted(&data, 0.0), 1.0);
        assert_eq!(quantile_sorted(&data, 0.5), 3.0);
        assert_eq!(quantile_sorted(&data, 0.1), 1.4);
        assert_eq!(quantile_sorted(&data, 1.0), 5.0);
        let (lo, hi) = percentile_interval((0..=1000).map(f64::from).chain([f64::NAN]).collect());
        assert!((lo - 25.0).abs() < 1e-9 && (hi - 975.0).abs() < 1e-9);
        let (lo, hi) = percentile_interval(vec![f64::NAN]);
        assert!(lo.is_nan() && hi.is_nan());
    }
}
