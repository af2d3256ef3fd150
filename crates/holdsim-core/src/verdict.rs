//! Head to head: every option against every other on common random numbers, and which
//! option is best on each headline KPI.
//!
//! Why every pair and not only against the baseline: a board choosing between
//! "supervision" and "a fourth link worker" needs the difference *between* the two,
//! with its own paired interval; the difference of two baseline comparisons has no
//! honest interval (their errors are correlated).

use crate::compare::{Arm, Difference, paired_difference};
use crate::kpi::{ALL_KPIS, Better, Kpi};
use crate::stats::Summary;

/// The paired difference `scenario − other` on one KPI (indices into the runs given).
#[derive(Clone, Debug)]
pub struct Pair {
    pub scenario: usize,
    pub other: usize,
    pub kpi: Kpi,
    /// `None` when no replication pairs (the KPI is undefined in one of them).
    pub difference: Option<Difference>,
}

impl Pair {
    /// Whether the paired 95% CI excludes zero.
    pub fn clear(&self) -> bool {
        self.difference.is_some_and(|d| d.significant())
    }
}

/// Every ordered pair of different runs, on every KPI: `scenario` in run order, then
/// `other` in run order, then KPIs in catalogue order.
pub fn pairwise<A: Arm>(runs: &[A]) -> Vec<Pair> {
    let values: Vec<Vec<Vec<Option<f64>>>> = runs
        .iter()
        .map(|r| ALL_KPIS.iter().map(|&k| r.kpi_values(k)).collect())
        .collect();
    let mut pairs = Vec::new();
    for scenario in 0..runs.len() {
        for other in (0..runs.len()).filter(|&o| o != scenario) {
            for (i, &kpi) in ALL_KPIS.iter().enumerate() {
                pairs.push(Pair {
                    scenario,
                    other,
                    kpi,
                    difference: paired_difference(&values[other][i], &values[scenario][i]),
                });
            }
        }
    }
    pairs
}

/// Which option does best on one KPI, and whether that is clear.
#[derive(Clone, Debug, PartialEq)]
pub struct Verdict {
    pub kpi: Kpi,
    /// The run with the best mean in the KPI's better direction (the first of equals);
    /// `None` when the KPI is undefined in every run.
    pub best: Option<usize>,
    /// The best run's paired 95% CI excludes zero, in the better direction, against
    /// *every* other run (the baseline included: the baseline can be best).
    pub clear: bool,
    /// Runs whose paired CI against the best includes zero: as good as the best as far
    /// as these replications can tell (empty when `clear`).
    pub tied_with_best: Vec<usize>,
}

/// The verdict on each KPI with a better direction, in `kpis` order; `pairs` from
/// [`pairwise`] over the same runs.
pub fn verdicts<A: Arm>(runs: &[A], pairs: &[Pair], kpis: &[Kpi]) -> Vec<Verdict> {
    kpis.iter()
        .filter(|k| k.info().better != Better::Neither)
        .map(|&kpi| verdict(runs, pairs, kpi))
        .collect()
}

fn verdict<A: Arm>(runs: &[A], pairs: &[Pair], kpi: Kpi) -> Verdict {
    let sign = match kpi.info().better {
        Better::Higher => 1.0,
        _ => -1.0,
    };
    let means: Vec<Option<f64>> = runs
        .iter()
        .map(|r| Summary::of(r.kpi_values(kpi)).map(|s| s.mean))
        .collect();
    let mut best: Option<usize> = None;
    for (i, m) in means.iter().enumerate() {
        if let Some(m) = m
            && best.is_none_or(|b| sign * m > sign * means[b].unwrap_or(f64::NAN))
        {
            best = Some(i);
        }
    }
    let Some(b) = best else {
        return Verdict {
            kpi,
            best: None,
            clear: false,
            tied_with_best: Vec::new(),
        };
    };
    // Better against `other`: the paired CI of best − other lies wholly on the better side.
    let beats = |other: usize| {
        pairs
            .iter()
            .find(|p| p.scenario == b && p.other == other && p.kpi == kpi)
            .and_then(|p| p.difference)
            .is_some_and(|d| {
                d.n > 1
                    && if sign > 0.0 {
                        d.ci_low > 0.0
                    } else {
                        d.ci_high < 0.0
                    }
            })
    };
    let tied_with_best: Vec<usize> = (0..runs.len()).filter(|&o| o != b && !beats(o)).collect();
    Verdict {
        kpi,
        best: Some(b),
        clear: runs.len() > 1 && tied_with_best.is_empty(),
        tied_with_best,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Run(&'static str, Vec<f64>);

    impl Arm for Run {
        fn name(&self) -> &str {
            self.0
        }
        fn kpi_values(&self, _kpi: Kpi) -> Vec<Option<f64>> {
            self.1.iter().map(|&x| Some(x)).collect()
        }
    }

    fn runs() -> Vec<Run> {
        // Every KPI reads the same values: A is high, B lower by ~2 with little noise,
        // C within noise of B.
        vec![
            Run("A", vec![10.0, 12.0, 11.0, 13.0, 10.5, 12.5]),
            Run("B", vec![8.0, 10.1, 9.0, 10.9, 8.4, 10.6]),
            Run("C", vec![8.1, 10.0, 9.1, 11.0, 8.3, 10.5]),
        ]
    }

    #[test]
    fn pairwise_holds_every_ordered_pair_with_opposite_differences() {
        let r = runs();
        let pairs = pairwise(&r);
        assert_eq!(pairs.len(), 3 * 2 * ALL_KPIS.len());
        let get = |s, o| {
            pairs
                .iter()
                .find(|p| p.scenario == s && p.other == o && p.kpi == Kpi::Exits)
                .unwrap()
                .difference
                .unwrap()
        };
        let (ba, ab) = (get(1, 0), get(0, 1));
        assert!((ba.mean + ab.mean).abs() < 1e-12);
        assert!((ba.ci_low + ab.ci_high).abs() < 1e-12);
        // B − A by hand: differences −2, −1.9, −2, −2.1, −2.1, −1.9.
        assert!((ba.mean - (-2.0)).abs() < 1e-12);
        assert!(ba.significant());
        assert!(!get(2, 1).significant(), "C and B are within noise");
    }

    #[test]
    fn best_is_clear_only_when_it_beats_every_other_option() {
        let r = runs();
        let pairs = pairwise(&r);
        // Lower is better for exits: B has the lowest mean but C is within noise.
        let v = verdict(&r, &pairs, Kpi::Exits);
        assert_eq!(v.best, Some(1));
        assert!(!v.clear);
        assert_eq!(v.tied_with_best, vec![2]);
        // Higher is better for patients seen: A, the baseline, is clearly best.
        let v = verdict(&r, &pairs, Kpi::PatientsSeen);
        assert_eq!((v.best, v.clear), (Some(0), true));
        // Without C, B is clearly best on exits.
        let two = vec![runs().remove(0), runs().remove(1)];
        let v = verdict(&two, &pairwise(&two), Kpi::Exits);
        assert_eq!((v.best, v.clear), (Some(1), true));
    }

    #[test]
    fn kpis_without_a_better_direction_get_no_verdict() {
        let r = runs();
        let v = verdicts(&r, &pairwise(&r), &[Kpi::Referrals, Kpi::Exits]);
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].kpi, Kpi::Exits);
    }
}
