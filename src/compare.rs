//! Paired comparison of scenarios run on common random numbers: for every KPI, each
//! scenario's mean with its 95% CI, and the difference from the baseline with a paired
//! 95% CI and a relative change with a delta-method CI.
//!
//! Why paired: replication r of every scenario sees the same referrals, thresholds and
//! delays (docs/model.md § 9 item 5), so the per-replication differences `b_r − a_r` have far less
//! variance than the difference of two independent means; their Student-t CI is the
//! honest interval for "what does the policy change do".

use crate::kpi::{ALL_KPIS, Kpi};
use crate::results::RunResults;
use crate::stats::{Summary, t_quantile};

/// The difference of a scenario from the baseline on one KPI, over replications where
/// both are defined.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Difference {
    /// Replications paired.
    pub n: usize,
    /// Mean of `scenario − baseline`.
    pub mean: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    /// `scenario mean / baseline mean − 1` with its 95% CI, or why it is undefined.
    pub relative: Result<(f64, f64, f64), RelativeUndefined>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RelativeUndefined {
    /// The baseline mean is zero: a relative change has no meaning.
    BaselineZero,
    /// Fewer than two paired replications.
    TooFewReplications,
}

impl Difference {
    /// Whether the 95% CI of the difference excludes zero.
    pub fn significant(&self) -> bool {
        self.n > 1 && (self.ci_low > 0.0 || self.ci_high < 0.0)
    }
}

/// Paired difference `other − baseline`; replications are matched by index and only
/// those where both values are defined are used.
pub fn paired_difference(baseline: &[Option<f64>], other: &[Option<f64>]) -> Option<Difference> {
    let pairs: Vec<(f64, f64)> = baseline
        .iter()
        .zip(other)
        .filter_map(|(a, b)| Some(((*a)?, (*b)?)))
        .filter(|(a, b)| a.is_finite() && b.is_finite())
        .collect();
    let n = pairs.len();
    if n == 0 {
        return None;
    }
    let nf = n as f64;
    let mean_a = pairs.iter().map(|p| p.0).sum::<f64>() / nf;
    let mean_b = pairs.iter().map(|p| p.1).sum::<f64>() / nf;
    let mean = pairs.iter().map(|p| p.1 - p.0).sum::<f64>() / nf;
    if n < 2 {
        return Some(Difference {
            n,
            mean,
            ci_low: f64::NAN,
            ci_high: f64::NAN,
            relative: Err(RelativeUndefined::TooFewReplications),
        });
    }
    let t = t_quantile(0.975, nf - 1.0);
    let var_d = pairs
        .iter()
        .map(|p| (p.1 - p.0 - mean).powi(2))
        .sum::<f64>()
        / (nf - 1.0);
    let half = t * (var_d / nf).sqrt();
    let relative = if mean_a == 0.0 {
        Err(RelativeUndefined::BaselineZero)
    } else {
        // Delta method for the ratio of two correlated means R = m_b / m_a:
        // Var(R) ≈ (Var(b) + R²·Var(a) − 2R·Cov(a, b)) / (n · m_a²).
        let ratio = mean_b / mean_a;
        let var_a = pairs.iter().map(|p| (p.0 - mean_a).powi(2)).sum::<f64>() / (nf - 1.0);
        let var_b = pairs.iter().map(|p| (p.1 - mean_b).powi(2)).sum::<f64>() / (nf - 1.0);
        let cov = pairs
            .iter()
            .map(|p| (p.0 - mean_a) * (p.1 - mean_b))
            .sum::<f64>()
            / (nf - 1.0);
        let var_ratio =
            ((var_b + ratio * ratio * var_a - 2.0 * ratio * cov) / (nf * mean_a * mean_a)).max(0.0);
        let half = t * var_ratio.sqrt();
        Ok((ratio - 1.0, ratio - 1.0 - half, ratio - 1.0 + half))
    };
    Some(Difference {
        n,
        mean,
        ci_low: mean - half,
        ci_high: mean + half,
        relative,
    })
}

/// One scenario's result on one KPI.
#[derive(Clone, Debug)]
pub struct Row {
    pub scenario: String,
    pub kpi: Kpi,
    pub summary: Option<Summary>,
    /// `None` for the baseline itself, or when no replication pairs.
    pub difference: Option<Difference>,
}

/// Every (scenario, KPI) row; the first run is the baseline.
pub fn compare(runs: &[RunResults]) -> Vec<Row> {
    let Some(baseline) = runs.first() else {
        return Vec::new();
    };
    let mut rows = Vec::new();
    for run in runs {
        for kpi in ALL_KPIS {
            let values = run.replications.column(kpi.name()).unwrap_or_default();
            let difference = if std::ptr::eq(run, baseline) {
                None
            } else {
                let base = baseline.replications.column(kpi.name()).unwrap_or_default();
                paired_difference(&base, &values)
            };
            rows.push(Row {
                scenario: run.name.clone(),
                kpi,
                summary: Summary::of(values),
                difference,
            });
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paired_difference_matches_hand_computation() {
        let a = [Some(1.0), Some(2.0), Some(3.0), None];
        let b = [Some(2.0), Some(2.5), Some(4.5), Some(9.0)];
        let d = paired_difference(&a, &b).unwrap();
        // differences 1, 0.5, 1.5: mean 1, sd 0.5, t(0.975, 2) = 4.3027
        assert_eq!(d.n, 3);
        assert!((d.mean - 1.0).abs() < 1e-12);
        let half = 4.302_652_7 * 0.5 / 3f64.sqrt();
        assert!((d.ci_high - d.mean - half).abs() < 1e-6);
        // With three pairs the CI (−0.24, 2.24) still includes zero.
        assert!(!d.significant());
        let sure = paired_difference(
            &[Some(1.0), Some(2.0), Some(3.0)],
            &[Some(2.0), Some(3.1), Some(3.9)],
        )
        .unwrap();
        assert!(sure.significant());
        let (rel, lo, hi) = d.relative.unwrap();
        assert!((rel - 0.5).abs() < 1e-12, "mean 3 vs 2 is +50%");
        assert!(lo < rel && rel < hi);
    }

    #[test]
    fn relative_change_is_undefined_against_a_zero_baseline() {
        let d = paired_difference(&[Some(0.0), Some(0.0)], &[Some(1.0), Some(2.0)]).unwrap();
        assert_eq!(d.relative, Err(RelativeUndefined::BaselineZero));
        assert!(paired_difference(&[None], &[Some(1.0)]).is_none());
    }

    #[test]
    fn delta_method_covers_the_true_ratio_about_95_percent_of_the_time() {
        // b = 1.3·a + noise, a ~ U(5, 15): the true ratio of means is 1.3.
        use rand::{RngExt, SeedableRng};
        let mut rng = rand::rngs::Xoshiro256PlusPlus::seed_from_u64(5);
        let trials = 2000;
        let mut covered = 0;
        for _ in 0..trials {
            let a: Vec<Option<f64>> = (0..30)
                .map(|_| Some(5.0 + 10.0 * rng.random::<f64>()))
                .collect();
            let b: Vec<Option<f64>> = a
                .iter()
                .map(|x| Some(1.3 * x.unwrap() + 2.0 * (rng.random::<f64>() - 0.5)))
                .collect();
            let (_, lo, hi) = paired_difference(&a, &b).unwrap().relative.unwrap();
            covered += usize::from(lo <= 0.3 && 0.3 <= hi);
        }
        let rate = covered as f64 / trials as f64;
        // Binomial sd at 2000 trials is 0.5%; allow 0.93–0.97.
        assert!((0.93..=0.97).contains(&rate), "coverage {rate}");
    }
}
