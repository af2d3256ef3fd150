//! Paired comparison of scenarios run on common random numbers: for every KPI, each
//! scenario's mean with its 95% CI, and the difference from the baseline with a paired
//! 95% CI and a relative change whose CI is that paired CI divided by the baseline mean.
//!
//! Why paired: replication r of every scenario sees the same referrals, thresholds and
//! delays (docs/model.md § 9 item 5), so the per-replication differences `b_r − a_r` have far less
//! variance than the difference of two independent means; their Student-t CI is the
//! honest interval for "what does the policy change do".

use crate::kpi::{ALL_KPIS, Kpi};
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
    /// `scenario mean / baseline mean − 1` with its 95% CI (the paired CI divided by
    /// the baseline mean, so it excludes zero exactly when the paired CI does), or why
    /// it is undefined.
    pub relative: Result<(f64, f64, f64), RelativeUndefined>,
    /// Share of the paired replications in which the scenario's value is higher than
    /// the baseline's, ties counting half: with parameters drawn from a posterior, the
    /// probability that the scenario's value is the higher, parameter uncertainty and
    /// chance together. ([`Row::probability_better`] turns it by the KPI's direction.)
    pub share_higher: f64,
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
    // Counted in halves and divided once, so 43 wins of 100 is 0.43, not a sum's 0.43000000000000005.
    let halves: usize = pairs
        .iter()
        .map(|(a, b)| match b.partial_cmp(a) {
            Some(std::cmp::Ordering::Greater) => 2,
            Some(std::cmp::Ordering::Equal) => 1,
            _ => 0,
        })
        .sum();
    let share_higher = halves as f64 / (2 * n) as f64;
    let mean_a = pairs.iter().map(|p| p.0).sum::<f64>() / nf;
    let mean = pairs.iter().map(|p| p.1 - p.0).sum::<f64>() / nf;
    if n < 2 {
        return Some(Difference {
            n,
            mean,
            ci_low: f64::NAN,
            ci_high: f64::NAN,
            relative: Err(RelativeUndefined::TooFewReplications),
            share_higher,
        });
    }
    let t = t_quantile(0.975, nf - 1.0);
    let var_d = pairs
        .iter()
        .map(|p| (p.1 - p.0 - mean).powi(2))
        .sum::<f64>()
        / (nf - 1.0);
    let half = t * (var_d / nf).sqrt();
    let (ci_low, ci_high) = (mean - half, mean + half);
    let relative = if mean_a == 0.0 || !mean_a.is_finite() {
        Err(RelativeUndefined::BaselineZero)
    } else {
        // The paired CI scaled by the baseline mean: one significance rule for the
        // difference and the relative change. (A delta-method CI for the ratio of means
        // has a different width and could exclude zero while the paired CI does not —
        // a headline claiming a change the table does not flag.) The baseline mean is
        // treated as known, which is what makes the two intervals agree.
        let (a, b) = (ci_low / mean_a, ci_high / mean_a);
        let (mut low, high) = (a.min(b), a.max(b));
        // A KPI that is never negative cannot fall by more than 100%: the interval is
        // cut at −100% (intersecting it with the possible values keeps its coverage and
        // its sign, so the significance rule is unchanged). "−110%" would only confuse.
        if mean_a > 0.0 && pairs.iter().all(|&(x, y)| x >= 0.0 && y >= 0.0) {
            low = low.max(-1.0);
        }
        Ok((mean / mean_a, low, high))
    };
    Some(Difference {
        n,
        mean,
        ci_low,
        ci_high,
        relative,
        share_higher,
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

impl Row {
    /// The probability that the scenario does better than the baseline on this KPI
    /// across paired replications (ties half): `None` for the baseline, a KPI with no
    /// better direction, or no pairs.
    pub fn probability_better(&self) -> Option<f64> {
        let d = self.difference.as_ref()?;
        match self.kpi.info().better {
            crate::kpi::Better::Higher => Some(d.share_higher),
            crate::kpi::Better::Lower => {
                // From the count of halves again, so 57 of 100 is 0.57 exactly as written.
                let all = 2.0 * d.n as f64;
                Some((all - (d.share_higher * all).round()) / all)
            }
            crate::kpi::Better::Neither => None,
        }
    }
}

/// One scenario's replications as comparisons read them: a name and, per KPI, its value
/// in each replication (in replication order, `None` where undefined). The CLI reads
/// results folders into this; the web app and Python hand over runs in memory.
pub trait Arm {
    fn name(&self) -> &str;
    fn kpi_values(&self, kpi: Kpi) -> Vec<Option<f64>>;
}

/// Every (scenario, KPI) row; the first run is the baseline.
pub fn compare<A: Arm>(runs: &[A]) -> Vec<Row> {
    let Some(baseline) = runs.first() else {
        return Vec::new();
    };
    let mut rows = Vec::new();
    for run in runs {
        for kpi in ALL_KPIS {
            let values = run.kpi_values(kpi);
            let difference = if std::ptr::eq(run, baseline) {
                None
            } else {
                let base = baseline.kpi_values(kpi);
                paired_difference(&base, &values)
            };
            rows.push(Row {
                scenario: run.name().to_string(),
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
    fn relative_ci_of_a_non_negative_kpi_stops_at_minus_100_percent() {
        // Baseline 10 ± noise, scenario mostly 0: the paired CI divided by 10 reaches
        // below −100%, which a non-negative KPI cannot do.
        let base: Vec<Option<f64>> = [1.0, 30.0, 2.0, 25.0, 2.0].map(Some).to_vec();
        let other: Vec<Option<f64>> = [0.0, 0.0, 0.0, 0.0, 1.0].map(Some).to_vec();
        let d = paired_difference(&base, &other).unwrap();
        let mean_a = 12.0;
        assert!(
            d.ci_low / mean_a < -1.0,
            "the case needs a raw bound below −100%"
        );
        let (rel, lo, hi) = d.relative.unwrap();
        assert_eq!(lo, -1.0);
        assert!(lo <= rel && rel <= hi);
        assert_eq!(hi < 0.0, d.significant(), "the cut keeps the sign rule");
        // With negative values allowed, nothing is cut.
        let shifted: Vec<Option<f64>> = other.iter().map(|v| v.map(|x| x - 1.0)).collect();
        let (_, lo, _) = paired_difference(&base, &shifted)
            .unwrap()
            .relative
            .unwrap();
        assert!(lo < -1.0);
    }

    #[test]
    fn probability_better_counts_paired_wins_by_the_kpis_direction() {
        // Pairs: higher, lower, tie, higher, undefined (left out): 2.5 of 4 higher.
        let base = [Some(1.0), Some(5.0), Some(2.0), Some(0.0), None];
        let other = [Some(2.0), Some(4.0), Some(2.0), Some(3.0), Some(1.0)];
        let d = paired_difference(&base, &other).unwrap();
        assert_eq!(d.share_higher, 2.5 / 4.0);
        let row = |kpi| Row {
            scenario: "option".into(),
            kpi,
            summary: None,
            difference: Some(d),
        };
        // Exits: lower is better; referrals seen: higher is better.
        assert_eq!(
            crate::kpi::Kpi::Exits.info().better,
            crate::kpi::Better::Lower
        );
        assert_eq!(row(Kpi::Exits).probability_better(), Some(1.5 / 4.0));
        let higher = ALL_KPIS
            .into_iter()
            .find(|k| k.info().better == crate::kpi::Better::Higher)
            .unwrap();
        assert_eq!(row(higher).probability_better(), Some(2.5 / 4.0));
        let baseline = Row {
            difference: None,
            ..row(Kpi::Exits)
        };
        assert_eq!(baseline.probability_better(), None);
    }

    #[test]
    fn relative_change_is_undefined_against_a_zero_baseline() {
        let d = paired_difference(&[Some(0.0), Some(0.0)], &[Some(1.0), Some(2.0)]).unwrap();
        assert_eq!(d.relative, Err(RelativeUndefined::BaselineZero));
        assert!(paired_difference(&[None], &[Some(1.0)]).is_none());
    }

    /// Synthetic pairs where the scenario is ~12% below a widely varying baseline and
    /// the mean difference is shifted so that the paired CI only just includes zero.
    fn borderline_pairs() -> (Vec<Option<f64>>, Vec<Option<f64>>) {
        use rand::{RngExt, SeedableRng};
        let mut rng = rand::rngs::Xoshiro256PlusPlus::seed_from_u64(8);
        let a: Vec<f64> = (0..20).map(|_| 5.0 + 10.0 * rng.random::<f64>()).collect();
        let mut b: Vec<f64> = a
            .iter()
            .map(|x| 0.88 * x + 0.2 * (rng.random::<f64>() - 0.5))
            .collect();
        let d = paired_difference(
            &a.iter().map(|&x| Some(x)).collect::<Vec<_>>(),
            &b.iter().map(|&x| Some(x)).collect::<Vec<_>>(),
        )
        .unwrap();
        // Move every b so that the upper end of the paired CI sits just above zero.
        let shift = -d.ci_high + 1e-4;
        for x in &mut b {
            *x += shift;
        }
        (
            a.into_iter().map(Some).collect(),
            b.into_iter().map(Some).collect(),
        )
    }

    #[test]
    fn statistics_that_contradict_themselves_relative_ci_follows_the_paired_ci() {
        let (a, b) = borderline_pairs();
        let d = paired_difference(&a, &b).unwrap();
        assert!(d.ci_low < 0.0 && d.ci_high > 0.0, "paired CI {d:?}");
        assert!(!d.significant());
        let (rel, lo, hi) = d.relative.unwrap();
        assert!(rel < 0.0);
        // The old delta-method interval excluded zero here (a "fewer" headline for a
        // difference the table does not flag).
        assert!(
            lo < 0.0 && hi > 0.0,
            "relative CI [{lo}, {hi}] contradicts the paired CI [{}, {}]",
            d.ci_low,
            d.ci_high
        );
        let mean_a = a.iter().map(|x| x.unwrap()).sum::<f64>() / a.len() as f64;
        assert!((lo - d.ci_low / mean_a).abs() < 1e-12);
        assert!((hi - d.ci_high / mean_a).abs() < 1e-12);
    }

    #[test]
    fn relative_ci_excludes_zero_exactly_when_the_paired_ci_does() {
        use rand::{RngExt, SeedableRng};
        let mut rng = rand::rngs::Xoshiro256PlusPlus::seed_from_u64(5);
        for trial in 0..2000 {
            let n = 2 + trial % 30;
            let sign = if trial % 7 == 0 { -1.0 } else { 1.0 };
            let a: Vec<Option<f64>> = (0..n)
                .map(|_| Some(sign * (0.5 + 10.0 * rng.random::<f64>())))
                .collect();
            let effect = 0.3 * (rng.random::<f64>() - 0.5);
            let b: Vec<Option<f64>> = a
                .iter()
                .map(|x| Some(x.unwrap() * (1.0 + effect) + (rng.random::<f64>() - 0.5)))
                .collect();
            let d = paired_difference(&a, &b).unwrap();
            let (rel, lo, hi) = d.relative.unwrap();
            assert!(lo <= rel && rel <= hi);
            assert_eq!(
                d.significant(),
                lo > 0.0 || hi < 0.0,
                "trial {trial}: {d:?}"
            );
        }
    }
}
