//! Paired comparison on common random numbers: what it buys, and that it is honest.

use holdsim::compare::paired_difference;
use holdsim::engine::Options;
use holdsim::kpi::{Kpi, Kpis};
use holdsim::model::Model;
use holdsim::runner::{self, Watch};

use crate::util::scenario;

fn run(model: &Model, n: u32) -> Vec<Kpis> {
    runner::run(model, n, 2, &Options::default(), Watch::UNWATCHED)
        .unwrap()
        .into_iter()
        .map(|o| o.kpis)
        .collect()
}

fn column(k: &[Kpis], kpi: Kpi) -> Vec<Option<f64>> {
    k.iter().map(|x| x[kpi]).collect()
}

#[test]
fn common_random_numbers_narrow_the_ci_of_a_difference() {
    // Baseline vs 1 h of supervision a month (instead of 0.5), 60 replications.
    // Observed width ratios (CRN / independent) with the default seed: 0.22–0.50.
    let a = Model::try_new(&scenario(&[])).expect("valid scenario");
    let b_spec = scenario(&[("support.supervision_hours_per_month", 1.0)]);
    let b_common = Model::try_new(&b_spec).expect("valid scenario");
    let mut b_independent = Model::try_new(&b_spec).expect("valid scenario");
    b_independent.seed = holdsim::rng::mix(b_independent.seed ^ 1);
    let n = 60;
    let (ka, kc, ki) = (run(&a, n), run(&b_common, n), run(&b_independent, n));

    // Same referrals: the difference in referrals is exactly zero on common numbers.
    let d = paired_difference(&column(&ka, Kpi::Referrals), &column(&kc, Kpi::Referrals)).unwrap();
    assert_eq!((d.mean, d.ci_low, d.ci_high), (0.0, 0.0, 0.0));

    for kpi in holdsim::kpi::ALL_KPIS
        .into_iter()
        .filter(|&k| k != Kpi::Referrals)
    {
        let common = paired_difference(&column(&ka, kpi), &column(&kc, kpi)).unwrap();
        let independent = paired_difference(&column(&ka, kpi), &column(&ki, kpi)).unwrap();
        let (wc, wi) = (
            common.ci_high - common.ci_low,
            independent.ci_high - independent.ci_low,
        );
        if wi == 0.0 {
            continue; // e.g. boundary returns: zero in both arms
        }
        assert!(
            wc < 0.7 * wi,
            "{}: CRN CI width {wc:.3} should be well under independent {wi:.3}",
            kpi.name()
        );
        // Both estimate the same effect: the intervals overlap.
        assert!(
            common.ci_low < independent.ci_high && independent.ci_low < common.ci_high,
            "{}",
            kpi.name()
        );
    }
}

/// How many KPI intervals of one A/A pair (the same scenario on streams seeded `a` and
/// `b`) miss zero, and how many were usable.
fn null_misses(model: &Model, a: u64, b: u64) -> (usize, usize) {
    let (mut ma, mut mb) = (model.clone(), model.clone());
    (ma.seed, mb.seed) = (a, b);
    let (ka, kb) = (run(&ma, 40), run(&mb, 40));
    let mut covered = 0;
    let mut total = 0;
    for kpi in holdsim::kpi::ALL_KPIS {
        if let Some(d) = paired_difference(&column(&ka, kpi), &column(&kb, kpi))
            && d.n > 1
            && d.ci_high > d.ci_low
        {
            total += 1;
            covered += usize::from(d.ci_low <= 0.0 && 0.0 <= d.ci_high);
        }
    }
    (total - covered, total)
}

#[test]
fn paired_cis_cover_a_known_null_effect() {
    // Runs of the *same* scenario on independent streams: every difference is pure
    // noise, so about 95% of the KPI intervals must include zero. The 21 usable KPIs
    // are strongly correlated (held weeks, emotional load and discharges move
    // together), so one pair has 3 or more misses about 7.5% of the time (3 of 40
    // seed pairs, with the streams before and after issue 10 alike): a single pair
    // made the check hinge on the seed. Three pairs, at most 2 misses in at least two
    // of them: about 1.7% by chance, while intervals too narrow miss in every pair.
    let model = Model::try_new(&scenario(&[])).expect("valid scenario");
    let s = model.seed;
    let mix = holdsim::rng::mix;
    let pairs = [
        (s, mix(s ^ 2)),
        (mix(s ^ 3), mix(s ^ 4)),
        (mix(s ^ 5), mix(s ^ 6)),
    ];
    let misses: Vec<(usize, usize)> = pairs
        .iter()
        .map(|&(a, b)| null_misses(&model, a, b))
        .collect();
    assert!(misses.iter().all(|&(_, total)| total >= 15), "{misses:?}");
    assert!(
        misses.iter().filter(|&&(missed, _)| missed <= 2).count() >= 2,
        "(missed, usable) intervals per pair: {misses:?}"
    );
}
