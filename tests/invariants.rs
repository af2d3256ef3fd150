//! Property tests: over random valid scenarios, the engine keeps its invariants —
//! its incremental counters agree with a recount from scratch every day, every
//! referral is accounted for, every post is in one state, and KPIs lie in range.

use holdsim::engine::record::Series;
use holdsim::engine::{self, Options};
use holdsim::kpi::{self, Kpi};
use holdsim::model::Model;
use holdsim::scenario::{Number, Scenario};
use proptest::prelude::*;

/// A random valid scenario: short horizons and few sites so hundreds of cases run fast,
/// parameters spanning calm to collapsing teams.
fn scenarios() -> impl Strategy<Value = Scenario> {
    (
        (
            60u32..500,
            0u32..60,
            1u32..4,
            1u32..6,
            0.0f64..40.0,
            0.0f64..0.9,
        ),
        (
            0.0f64..0.2,
            0.0f64..0.2,
            0.0f64..0.3,
            0.25f64..1.5,
            0.0f64..1.0,
            0.0f64..0.5,
        ),
        (
            0u32..40,
            0.0f64..20.0,
            0.0f64..1.0,
            0.0f64..1.0,
            0.5f64..2.0,
            0.0f64..1.0,
        ),
        (
            1.0f64..60.0,
            1.0f64..3.0,
            0.1f64..1.0,
            0.0f64..1.0,
            any::<u64>(),
        ),
    )
        .prop_map(|(run, strain, policy, other)| {
            let (horizon, warmup, sites, lws, rate, amplitude) = run;
            let (alpha, beta, gamma, threshold, turnover, overtime) = strain;
            let (cap, boundary, dropout, p_drop, intake, training) = policy;
            let (recruit_median, recruit_spread, ramp_start, p_exit, seed) = other;
            let mut s = Scenario::default();
            let mut set = |path: &str, n: Number| {
                s.set_path(path, n)
                    .unwrap_or_else(|e| panic!("{path}: {e}"))
            };
            set(
                "run.horizon_days",
                Number::Int(i64::from(horizon + warmup + 1)),
            );
            set("run.warmup_days", Number::Int(i64::from(warmup)));
            set("run.sites", Number::Int(i64::from(sites)));
            set("run.seed", Number::Int((seed >> 2) as i64));
            set("workforce.link_workers", Number::Int(i64::from(lws)));
            set("referrals.rate_per_week", Number::Float(rate));
            set("referrals.seasonal_amplitude", Number::Float(amplitude));
            set("strain.alpha", Number::Float(alpha));
            set("strain.beta", Number::Float(beta));
            set("strain.gamma", Number::Float(gamma));
            set("strain.threshold_mean", Number::Float(threshold));
            set(
                "strain.base_turnover_per_year",
                Number::Float(turnover * 0.9),
            );
            set("strain.p_exit_after_burnout", Number::Float(p_exit));
            set("workforce.overtime_max", Number::Float(overtime));
            set("workforce.ramp_start", Number::Float(ramp_start));
            set(
                "workforce.recruitment_median_days",
                Number::Float(recruit_median),
            );
            set(
                "workforce.recruitment_p90_days",
                Number::Float(recruit_median * recruit_spread),
            );
            set("policy.caseload_cap", Number::Int(i64::from(cap)));
            set("policy.max_holding_weeks", Number::Float(boundary));
            set("policy.queue_dropout_per_week", Number::Float(dropout));
            set("policy.p_drop_on_rupture", Number::Float(p_drop));
            set("policy.intake_threshold", Number::Float(intake));
            set("support.training_effect", Number::Float(training));
            assert!(s.validate().is_empty(), "{:?}", s.validate());
            s
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn the_engine_keeps_its_books(s in scenarios(), replication in 0u64..1000) {
        let model = Model::try_new(&s).expect("valid scenario");
        let rep = engine::run_replication(&model, replication, &Options { per_site_series: false, audit: true });
        prop_assert!(rep.audit_problems.is_empty(), "{:?}", rep.audit_problems);

        // Over the whole horizon: arrivals = exits + those still in the system at the end,
        // and the in-system count is never negative.
        let total = |series: Series| rep.weeks.iter().map(|w| w.sum[series]).sum::<f64>();
        let exits = total(Series::DischargedConnected) + total(Series::DischargedResolved)
            + total(Series::ReturnedQueueDropout) + total(Series::ReturnedBoundary) + total(Series::ReturnedRupture);
        prop_assert!(exits <= total(Series::Referrals));
        let posts = f64::from(s.run.sites * s.workforce.link_workers);
        for w in &rep.weeks {
            let post_days = w.sum[Series::LwActive] + w.sum[Series::LwSickLeave] + w.sum[Series::LwVacant];
            prop_assert_eq!(post_days, posts * f64::from(w.days));
        }

        let k = kpi::compute(&model, &rep);
        for share in [Kpi::VacancyFraction, Kpi::ShareReturnedToGp] {
            if let Some(x) = k[share] { prop_assert!((0.0..=1.0).contains(&x), "{share:?} = {x}"); }
        }
        for kpi in holdsim::kpi::ALL_KPIS {
            if let Some(x) = k[kpi] { prop_assert!(x.is_finite() && x >= 0.0, "{kpi:?} = {x}"); }
        }
        if let (Some(mean), Some(p90)) = (k[Kpi::WaitMeanDays], k[Kpi::WaitP90Days]) {
            prop_assert!(mean >= 0.0 && p90 >= 0.0);
        }
        prop_assert!(k[Kpi::HeldPatientWeeksWaiting].unwrap() <= k[Kpi::HeldPatientWeeks].unwrap() + 1e-9);
        if s.policy.max_holding_weeks == 0.0 { prop_assert_eq!(k[Kpi::ReturnedBoundary], Some(0.0)); }
        if s.strain.alpha == 0.0 && s.strain.beta == 0.0 && s.strain.gamma == 0.0 {
            prop_assert_eq!(k[Kpi::BurnoutsPerPostYear], Some(0.0));
        }
    }

    #[test]
    fn same_seed_same_replication(s in scenarios(), replication in 0u64..1000) {
        let model = Model::try_new(&s).expect("valid scenario");
        let a = engine::run_replication(&model, replication, &Options::default());
        let b = engine::run_replication(&model, replication, &Options::default());
        prop_assert_eq!(a.weeks, b.weeks);
        prop_assert_eq!(a.window, b.window);
    }
}
