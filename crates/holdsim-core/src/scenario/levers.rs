//! Policy levers and the assumptions that give them their effect.
//!
//! Why a table: a commissioner compares options that change a lever (one more post,
//! two hours of supervision), but what the model says each lever does rests on
//! assumptions no source measures — supervision helps only as much as
//! `support.supervision_effect` says. The report's "assumptions that decide this
//! answer" box and `compare`'s robustness reruns read this table to know which
//! assumptions to name and to vary; calibration reads the same registry ranges as
//! its prior. The reasoning behind each link is in docs/model.md § 8.1 ("Levers and
//! the assumptions behind them"); every key named here is checked against the
//! registry by the tests.

use super::registry::{Record, Spec};
use super::{Profile, Service, section_specs};
use crate::kpi::Kpi;

/// A policy lever: a key a commissioner changes, and the assumptions that give it its effect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lever {
    /// The dotted key the option changes ("support.supervision_hours_per_month").
    pub key: &'static str,
    /// The lever in words, for sentences ("clinical supervision hours a month").
    pub words: &'static str,
    /// The assumptions (dotted keys with a `plausible` range) that decide what the
    /// lever does, most decisive first.
    pub assumptions: &'static [&'static str],
}

/// Every lever, in the order the web form's option presets list them. Why each
/// assumption is linked: docs/model.md § 8.1.
pub const LEVERS: &[Lever] = &[
    Lever {
        key: "workforce.link_workers",
        words: "link worker posts",
        // An extra post spreads the same caseload over more people: each carries less
        // distress-weighted contact (α), less overtime and less unmet demand, so strain
        // falls; whether that keeps anyone from leaving depends on how near the
        // burnout threshold the lower strain sits, which recovery (ρ_rest) decides.
        // An extra post also adds its own unstrained leaving, so the base rate decides
        // whether the team loses fewer people in total, not only per post.
        assumptions: &[
            "strain.alpha",
            "strain.rho_rest",
            "strain.base_turnover_per_year",
        ],
    },
    Lever {
        key: "support.supervision_hours_per_month",
        words: "clinical supervision hours a month",
        // Supervision's only effect in the model is faster recovery on days off:
        // ρ_rest · (1 + supervision_effect · hours). Its size is supervision_effect
        // times ρ_rest.
        assumptions: &["support.supervision_effect", "strain.rho_rest"],
    },
    Lever {
        key: "support.training_effect",
        words: "holding training",
        // Training's strain reduction acts on the strain from distress-weighted
        // contact, α · (1 − training_effect) · L: it saves a share of what α makes.
        assumptions: &["strain.alpha"],
    },
    Lever {
        key: "policy.caseload_cap",
        words: "a caseload cap",
        // A cap relieves strain only if it binds before the workload rule stops
        // intake anyway (intake_threshold); what it relieves is α's strain, and what
        // it costs is patients who wait longer and give up (queue dropout).
        assumptions: &[
            "strain.alpha",
            "policy.intake_threshold",
            "policy.queue_dropout_per_week",
        ],
    },
    Lever {
        key: "policy.max_holding_weeks",
        words: "a time limit on holding",
        // The limit returns long-held patients to the GP; the strain it saves is
        // holding hours, weighted by holding_multiplier, on α's scale.
        assumptions: &["strain.holding_multiplier", "strain.alpha"],
    },
    Lever {
        key: "referrals.rate_per_week",
        words: "referrals a week",
        // Demand: more referrals mean more distress-weighted contact (α) and, once
        // capacity runs out, unmet demand (γ) and patients who give up waiting.
        assumptions: &[
            "strain.alpha",
            "strain.gamma",
            "policy.queue_dropout_per_week",
        ],
    },
    Lever {
        key: "workforce.hours_per_week",
        words: "hours a week per post",
        // Hours are capacity: strain is measured per capacity-day, so fewer hours
        // make the same caseload weigh more (α) and stretch into overtime (β).
        assumptions: &["strain.alpha", "strain.beta"],
    },
];

/// The lever whose key is `key`, if it is one.
pub fn lever(key: &str) -> Option<&'static Lever> {
    LEVERS.iter().find(|l| l.key == key)
}

/// What decides how many leave (and so vacancies and ruptures).
const LEAVING: &[&str] = &[
    "strain.alpha",
    "strain.rho_rest",
    "policy.intake_threshold",
    "strain.threshold_mean",
    "workforce.patient_facing_fraction",
    "strain.p_exit_after_burnout",
    "strain.base_turnover_per_year",
];

/// What decides burnout and strain.
const BURNING_OUT: &[&str] = &[
    "strain.alpha",
    "strain.rho_rest",
    "policy.intake_threshold",
    "strain.p_exit_after_burnout",
    "strain.threshold_mean",
    "workforce.patient_facing_fraction",
];

/// What decides waits for a first contact.
const WAITING: &[&str] = &[
    "strain.rho_rest",
    "workforce.patient_facing_fraction",
    "strain.alpha",
    "policy.intake_threshold",
    "workforce.session_hours",
    "strain.threshold_mean",
    "policy.queue_dropout_per_week",
];

/// What decides how many patients are seen, discharged and held.
const SEEN: &[&str] = &[
    "strain.alpha",
    "workforce.patient_facing_fraction",
    "strain.rho_rest",
    "strain.threshold_mean",
    "policy.intake_threshold",
    "workforce.session_hours",
];

/// What decides returns to the GP.
const RETURNED: &[&str] = &[
    "strain.alpha",
    "strain.rho_rest",
    "workforce.patient_facing_fraction",
    "policy.intake_threshold",
    "strain.threshold_mean",
    "policy.queue_dropout_per_week",
    "policy.p_drop_on_rupture",
];

/// The assumptions behind a KPI's value, most decisive first, for the report's box.
///
/// The order is measured, not guessed: a Morris screening of every assumption across
/// its plausible range on the baseline (10 trajectories × 32 points × 10
/// replications, common random numbers; docs/model.md § 8.1) ranks each KPI's
/// assumptions by mean absolute elementary effect, and a list keeps those with at
/// least about a third of the top effect (below a tenth is the screening's noise).
/// Strain's scale and recovery (α, ρ_rest) lead almost everywhere: the baseline sits
/// near a tipping point. Prices cannot move a count, so costs name the prices of what
/// options buy (supervision, recruitment, training) first: they decide an option's
/// extra cost, while strain decides how many posts stand vacant.
pub fn assumptions_behind(kpi: Kpi) -> &'static [&'static str] {
    use Kpi::*;
    match kpi {
        ExitsPerPostYear | Exits | VacancyFraction | CostPosts | RupturesPer100Referrals => LEAVING,
        BurnoutsPerPostYear | Burnouts | MeanStrain | EmotionalLoad => BURNING_OUT,
        WaitMeanDays | WaitP90Days | ShareGaveUpWaiting => WAITING,
        PatientsSeen
        | PatientsPerLwYear
        | DischargedConnected
        | DischargedResolved
        | HeldPatientWeeks
        | HeldPatientWeeksWaiting
        | HeldPatientWeeksPreparing
        | HeldPatientWeeksWitnessing
        | ReturnedBoundary => SEEN,
        ReturnedToGp | ReturnedQueueDropout | ReturnedRupture | ShareReturnedToGp => RETURNED,
        CostRecruitment => &["cost.recruitment_cost", "strain.alpha", "strain.rho_rest"],
        CostSupervision => &["cost.supervision_cost_per_hour"],
        CostTraining => &["cost.training_cost_per_lw_year"],
        Cost | CostPerYear => &[
            "cost.supervision_cost_per_hour",
            "cost.recruitment_cost",
            "cost.training_cost_per_lw_year",
            "strain.alpha",
            "strain.rho_rest",
        ],
        CostPerPatientSeen | CostPerPatientDischarged => &[
            "strain.rho_rest",
            "workforce.session_hours",
            "strain.alpha",
            "workforce.patient_facing_fraction",
            "strain.threshold_mean",
            "cost.supervision_cost_per_hour",
            "cost.recruitment_cost",
        ],
        // Demand is an input: the count of referrals follows the rate the file gives.
        Referrals => &[],
    }
}

/// Every spec by dotted key: `"strain.alpha"` for a section key; for the keys of
/// `[[service]]` and `[[profile]]` entries the record key, `"service.wait_median_days"`,
/// or a path through one entry, `"service.hospital.wait_median_days"` (any name:
/// the spec is the same for every entry).
pub fn spec(key: &str) -> Option<&'static Spec> {
    let parts: Vec<&str> = key.split('.').collect();
    let (specs, name) = match parts.as_slice() {
        ["profile", name] | ["profile", _, name] => (Profile::specs(), *name),
        ["service", name] | ["service", _, name] => (Service::specs(), *name),
        [section, name] => (section_specs(section)?, *name),
        _ => return None,
    };
    specs.iter().find(|s| s.key == name)
}

/// Every declared spec with its dotted key (records as `service.KEY`,
/// `profile.KEY`), in file order: what a form, a prior or a test walks.
pub fn all_specs() -> Vec<(String, &'static Spec)> {
    let mut out = Vec::new();
    for section in super::SECTIONS {
        for s in section_specs(section).unwrap_or_default() {
            out.push((format!("{section}.{}", s.key), s));
        }
    }
    for s in Profile::specs() {
        out.push((format!("profile.{}", s.key), s));
    }
    for s in Service::specs() {
        out.push((format!("service.{}", s.key), s));
    }
    out
}
