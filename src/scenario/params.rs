//! The scenario format's keys, defaults, ranges and sources (docs/parameters.md), declared
//! once through the registry macros.

use super::registry::{Range::*, record, section};

section!(
    /// `[run]`: horizon, warm-up, replications, seed and number of sites.
    Run {
        horizon_days: u32 = 1825, AtLeast(1.0), "days", "simulated days (5 years)";
        warmup_days: u32 = 180, AtLeast(0.0), "days", "days excluded from summary KPIs (the model starts empty)";
        replications: u32 = 100, AtLeast(1.0), "runs", "independent replications";
        seed: u64 = 20240621, AtLeast(0.0), "", "base seed; streams derive from (seed, replication, site, process, entity)";
        sites: u32 = 1, AtLeast(1.0), "sites", "identical, independent sites (PCN teams)";
    }
);

section!(
    /// `[referrals]`: the referral stream of each site.
    Referrals {
        rate_per_week: f64 = 12.0, AtLeast(0.0), "referrals/site/week", "Guideline 200–250 patients/LW/year × 3 LWs ≈ 12/week (NHS England reference guide 2019); national 1.3 M referrals in 2023 over ~1,250 PCNs ≈ 20/week";
        seasonal_amplitude: f64 = 0.1, UnitOpenHigh, "fraction", "relative amplitude of the yearly cycle (assumption)";
        peak_day: f64 = 15.0, Finite, "day of year", "day of year of the peak, mid-January (assumption)";
    }
);

section!(
    /// `[workforce]`: posts, hours, onboarding and recruitment.
    Workforce {
        link_workers: u32 = 3, AtLeast(1.0), "posts/site", "~2,800–3,300 LWs (NHS workforce data 2023–24) over ~1,250 PCNs ≈ 2.5";
        hours_per_week: f64 = 37.5, Above(0.0), "hours/week", "Agenda for Change full time";
        patient_facing_fraction: f64 = 0.7, UnitOpenLow, "fraction", "share of hours available for patient contact (assumption)";
        session_hours: f64 = 0.6, Above(0.0), "hours/contact", "hours per connecting contact including notes; a Connecting patient has one contact a week (assumption)";
        overtime_max: f64 = 0.2, AtLeast(0.0), "fraction of capacity", "unpaid extra work an LW will do under pressure (assumption)";
        onboarding_days: f64 = 90.0, Above(0.0), "days", "days for a new hire to reach full capacity (assumption)";
        ramp_start: f64 = 0.5, UnitOpenLow, "fraction", "capacity fraction of a new hire on day 0 (assumption)";
        recruitment_median_days: f64 = 90.0, Above(0.0), "days", "vacancy duration, median (assumption)";
        recruitment_p90_days: f64 = 180.0, Above(0.0), "days", "vacancy duration, 90th percentile (assumption)";
    }
);

section!(
    /// `[strain]`: strain dynamics, burnout and leaving (docs/model.md § 7.6 and § 7.8).
    Strain {
        alpha: f64 = 0.05, AtLeast(0.0), "strain/capacity-day", "strain per nominal-capacity-day of distress-weighted contact (assumption, calibrate)";
        beta: f64 = 0.05, AtLeast(0.0), "strain/capacity-day", "strain per nominal-capacity-day of overtime (assumption, calibrate)";
        gamma: f64 = 0.1, AtLeast(0.0), "strain/capacity-day", "strain per nominal-capacity-day of unmet demand (assumption, calibrate)";
        rho_work: f64 = 0.01, UnitOpenHigh, "fraction/day", "fraction of strain recovered per working day (effort–recovery; assumption)";
        rho_rest: f64 = 0.1, UnitOpenHigh, "fraction/day", "fraction recovered per non-working day (assumption)";
        holding_multiplier: f64 = 1.5, AtLeast(0.0), "ratio", "emotional weight of a holding hour relative to a connecting hour (assumption)";
        threshold_mean: f64 = 1.0, Above(0.2), "strain", "mean burnout threshold";
        threshold_sd: f64 = 0.2, AtLeast(0.0), "strain", "between-LW spread of the threshold; draws truncated to ≥ 0.2";
        sick_leave_median_days: f64 = 28.0, Above(0.0), "days", "burnout sickness absence, median (assumption)";
        sick_leave_p90_days: f64 = 90.0, Above(0.0), "days", "burnout sickness absence, 90th percentile (assumption)";
        strain_after_leave: f64 = 0.4, Unit, "fraction", "fraction of strain left on return";
        p_exit_after_burnout: f64 = 0.4, Unit, "probability", "probability an LW leaves at the end of a burnout absence (assumption)";
        base_turnover_per_year: f64 = 0.08, UnitOpenHigh, "probability/year", "annual leaving probability of an unstrained LW (assumption)";
        strain_turnover_k: f64 = 2.0, AtLeast(0.0), "", "leaving hazard multiplier exp(k·S/θ); 29% considering leaving within a year (NALW 2020)";
    }
);

section!(
    /// `[support]`: training and supervision.
    Support {
        training_effect: f64 = 0.0, Unit, "fraction", "fractional reduction of emotional strain from holding training (0 = none)";
        supervision_hours_per_month: f64 = 0.5, AtLeast(0.0), "hours/month", "clinical supervision; 61% of LWs had none (NALW 2020)";
        supervision_effect: f64 = 0.25, AtLeast(0.0), "per hour/month", "increase of rest-day recovery per supervision hour per month (assumption)";
    }
);

section!(
    /// `[policy]`: intake, caseload cap, holding boundary, queue and rupture behaviour.
    Policy {
        intake_threshold: f64 = 1.1, Above(0.0), "fraction of capacity", "an LW takes new patients while its weekly demand is below this fraction of capacity (assumption)";
        caseload_cap: u32 = 0, AtLeast(0.0), "patients", "maximum open caseload per LW (0 = no cap)";
        max_holding_weeks: f64 = 0.0, AtLeast(0.0), "weeks", "a patient held this long is returned to the GP (0 = no boundary)";
        queue_dropout_per_week: f64 = 0.02, Unit, "probability/week", "weekly probability a queued patient gives up (assumption)";
        p_drop_on_rupture: f64 = 0.15, Unit, "probability", "probability a patient whose LW leaves or goes off sick disengages (assumption)";
        rupture_distress: f64 = 0.1, Unit, "distress", "distress added to a patient who loses their LW (assumption)";
    }
);

section!(
    /// `[cost]`: staff and recruitment costs.
    Cost {
        lw_cost_per_year: f64 = 36428.0, AtLeast(0.0), "£/post-year", "ARRS maximum reimbursable band-5 cost 2022/23";
        recruitment_cost: f64 = 5000.0, AtLeast(0.0), "£/hire", "cost per hire (assumption)";
    }
);

record!(
    /// `[[profile]]`: a patient profile. Every key is required. `services` maps
    /// service name → weight, kept in name order (docs/model.md § 7.2).
    Profile {
        name: String,
        services: Vec<(String, f64)>,
        ;
        weight: f64, Above(0.0), "", "relative share of referrals (normalised to sum to 1)";
        sessions_mean: f64, AtLeast(1.0), "sessions", "mean connecting sessions needed, n = 1 + Poisson(mean − 1)";
        p_waits: f64, Unit, "probability", "probability the patient waits for an external service";
        p_prepares: f64, Unit, "probability", "probability the patient is preparing for change";
        prep_weeks_mean: f64, AtLeast(1.0), "weeks", "mean weeks of preparing, 1 + Poisson(mean − 1)";
        p_witnessing: f64, Unit, "probability", "probability of ongoing distress the LW bears witness to";
        witnessing_resolve_per_week: f64, Unit, "probability/week", "weekly probability that witnessed distress resolves";
        holding_hours_mean: f64, AtLeast(0.0), "hours/week", "mean weekly holding hours (Gamma)";
        holding_hours_cv: f64, Above(0.0), "", "coefficient of variation of weekly holding hours";
        distress_mean: f64, UnitOpen, "", "mean distress (Beta)";
        distress_sd: f64, Above(0.0), "", "standard deviation of distress (Beta)";
    }
);

record!(
    /// `[[service]]`: an external service with a log-normal waiting time.
    Service {
        name: String,
        ;
        wait_median_days: f64, Above(0.0), "days", "median wait";
        wait_p90_days: f64, Above(0.0), "days", "90th percentile wait (must exceed the median)";
    }
);

/// A default profile row: name, weight, sessions_mean, p_waits, services, p_prepares,
/// prep_weeks_mean, p_witnessing, witnessing_resolve_per_week, holding_hours_mean,
/// holding_hours_cv, distress_mean, distress_sd.
type ProfileRow = (
    &'static str,
    f64,
    f64,
    f64,
    &'static [(&'static str, f64)],
    f64,
    f64,
    f64,
    f64,
    f64,
    f64,
    f64,
    f64,
);

/// The four default profiles of docs/model.md § 8.
pub fn default_profiles() -> Vec<Profile> {
    #[rustfmt::skip]
    let rows: [ProfileRow; 4] = [
        ("connect", 0.55, 4.0, 0.1, &[("benefits", 0.5), ("talking_therapies", 0.5)], 0.1, 4.0, 0.05, 0.15, 0.25, 0.5, 0.3, 0.15),
        ("waiting", 0.20, 6.0, 1.0, &[("benefits", 0.1), ("community_mental_health", 0.3), ("hospital", 0.2), ("talking_therapies", 0.4)], 0.2, 4.0, 0.2, 0.1, 0.375, 0.5, 0.55, 0.2),
        ("complex", 0.15, 8.0, 0.4, &[("benefits", 0.5), ("community_mental_health", 0.5)], 0.7, 8.0, 0.3, 0.08, 0.5, 0.5, 0.6, 0.2),
        ("isolated", 0.10, 6.0, 0.2, &[("hospital", 0.5), ("talking_therapies", 0.5)], 0.3, 6.0, 0.9, 0.05, 0.375, 0.5, 0.7, 0.15),
    ];
    rows.iter()
        .map(
            |&(
                name,
                weight,
                sessions_mean,
                p_waits,
                services,
                p_prepares,
                prep_weeks_mean,
                p_witnessing,
                witnessing_resolve_per_week,
                holding_hours_mean,
                holding_hours_cv,
                distress_mean,
                distress_sd,
            )| Profile {
                name: name.to_string(),
                services: services.iter().map(|&(s, w)| (s.to_string(), w)).collect(),
                weight,
                sessions_mean,
                p_waits,
                p_prepares,
                prep_weeks_mean,
                p_witnessing,
                witnessing_resolve_per_week,
                holding_hours_mean,
                holding_hours_cv,
                distress_mean,
                distress_sd,
            },
        )
        .collect()
}

/// The four default services of docs/model.md § 8.
pub fn default_services() -> Vec<Service> {
    [
        ("talking_therapies", 28.0, 120.0),
        ("community_mental_health", 45.0, 135.0),
        ("hospital", 91.0, 260.0),
        ("benefits", 105.0, 190.0),
    ]
    .iter()
    .map(|&(name, wait_median_days, wait_p90_days)| Service {
        name: name.to_string(),
        wait_median_days,
        wait_p90_days,
    })
    .collect()
}
