//! The engine against the independent reference implementation
//! (`reference_model.rs`: a plain loop over every patient every day, daily Bernoulli
//! draws, one generator per replication — sharing no code or random streams with the
//! engine). Two faithful implementations of the model of docs/model.md must agree in distribution on
//! every KPI; here their means must agree within 4 combined standard errors.

use holdsim::kpi::{ALL_KPIS, Kpi};
use rayon::prelude::*;

use crate::reference_model::run_reference;
use crate::util::{kpis, mean, scenario};

fn se(xs: &[f64]) -> f64 {
    if xs.len() < 2 {
        return 0.0;
    }
    crate::util::se(xs)
}

fn assert_agree(name: &str, overrides: &[(&str, f64)], engine_reps: u64, reference_reps: u64) {
    let s = scenario(overrides);
    let ours = kpis(&s, engine_reps);
    let theirs: Vec<_> = (0..reference_reps)
        .into_par_iter()
        .map(|r| run_reference(&s, 10_000 + r))
        .collect();
    let mut failures = Vec::new();
    for k in ALL_KPIS {
        let a: Vec<f64> = ours.iter().filter_map(|x| x[k]).collect();
        let b: Vec<f64> = theirs.iter().filter_map(|x| x.get(k.name())).collect();
        assert!(
            !a.is_empty() && !b.is_empty(),
            "{name}: {} undefined everywhere",
            k.name()
        );
        let (ma, mb) = (mean(&a), mean(&b));
        let tolerance = 4.0 * (se(&a).powi(2) + se(&b).powi(2)).sqrt() + 1e-9 * ma.abs().max(1.0);
        if (ma - mb).abs() > tolerance {
            failures.push(format!(
                "{}: engine {ma:.4} vs reference {mb:.4} (tolerance {tolerance:.4})",
                k.name()
            ));
        }
    }
    assert!(failures.is_empty(), "{name}:\n{}", failures.join("\n"));
}

#[test]
fn engine_agrees_with_reference_on_baseline() {
    assert_agree("baseline", &[], 400, 160);
}

#[test]
fn engine_agrees_with_reference_under_pressure() {
    assert_agree("pressured", &[("referrals.rate_per_week", 20.0)], 400, 160);
}

#[test]
fn engine_agrees_with_reference_with_support_caps_and_boundary() {
    assert_agree(
        "supported",
        &[
            ("support.training_effect", 0.2),
            ("support.supervision_hours_per_month", 2.0),
            ("policy.caseload_cap", 30.0),
            ("policy.max_holding_weeks", 12.0),
        ],
        400,
        160,
    );
}

#[test]
fn engine_agrees_with_reference_in_cascades_across_sites() {
    // Two sites on the edge of burnout cascades, short recruitment, fixed leave: the
    // parts of the model a calm baseline rarely exercises.
    assert_agree(
        "cascades",
        &[
            ("run.sites", 2.0),
            ("run.horizon_days", 900.0),
            ("run.warmup_days", 90.0),
            ("strain.alpha", 0.08),
            ("strain.sick_leave_p90_days", 28.0),
            ("workforce.recruitment_median_days", 30.0),
            ("workforce.recruitment_p90_days", 60.0),
            ("policy.caseload_cap", 40.0),
            ("policy.max_holding_weeks", 6.5),
        ],
        300,
        160,
    );
}

#[test]
fn the_agreement_check_can_fail() {
    // A real policy change must be detected as a disagreement by the same check.
    let s = scenario(&[("workforce.link_workers", 4.0)]);
    let ours = kpis(&s, 100);
    let theirs: Vec<_> = (0..100)
        .into_par_iter()
        .map(|r| run_reference(&scenario(&[]), r))
        .collect();
    let a: Vec<f64> = ours.iter().filter_map(|x| x[Kpi::WaitMeanDays]).collect();
    let b: Vec<f64> = theirs
        .iter()
        .filter_map(|x| x.get("wait_mean_days"))
        .collect();
    assert!((mean(&a) - mean(&b)).abs() > 4.0 * (se(&a).powi(2) + se(&b).powi(2)).sqrt());
}
