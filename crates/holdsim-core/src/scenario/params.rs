//! The scenario format's keys, defaults, ranges and sources (docs/parameters.md), declared
//! once through the registry macros.
//!
//! Upper limits (`Between`, `AboveUpTo`) exist only where the model needs them: to
//! keep day, count and size arithmetic inside the integers that hold it, or to keep
//! the engine's floating-point sums finite (an infinite strain or demand turns into
//! NaN at the next subtraction). Each limit is far beyond any realistic value, and
//! its reason is given in the key's text and in a comment beside it. Limits that
//! involve several keys (total posts, the Gamma and Beta parameters) are checked by
//! the cross-key rules and where the model is derived (`Model::try_new`).

use super::registry::{Range::*, record, section};

section!(
    /// `[run]`: horizon, warm-up, replications, seed and number of sites.
    Run {
        // Day numbers and per-day buffers are u32-indexed; 100 years keeps every day
        // count (a day plus any duration saturates, never wraps) far inside 32 bits.
        horizon_days: u32 = 1825, Between(1.0, 36500.0), "days", "simulated days (5 years); at most 36,500 (100 years), so day arithmetic stays far inside 32 bits",
            label = "Simulated period";
        warmup_days: u32 = 180, AtLeast(0.0), "days", "days excluded from summary KPIs (the model starts empty)",
            label = "Start-up period left out of the results";
        replications: u32 = 100, AtLeast(1.0), "runs", "independent replications",
            label = "Number of simulated runs";
        seed: u64 = 20240621, AtLeast(0.0), "", "base seed; streams derive from (seed, replication, site, process, entity)",
            label = "Random seed";
        // Site indices and sites × posts are counted in 32 bits; a million sites is
        // ~800 times England's ~1,250 PCNs.
        sites: u32 = 1, Between(1.0, 1_000_000.0), "sites", "identical, independent sites (PCN teams); at most 1,000,000, so site and post counts fit 32 bits",
            label = "Number of PCN teams";
    }
);

section!(
    /// `[referrals]`: the referral stream of each site.
    Referrals {
        // At 100,000 a week a site's referrals over the longest horizon (≈ 1.04e9 with
        // the largest seasonal swing) still fit the 32-bit patient slots, and each
        // day's Poisson count stays far below its sampler's limit.
        rate_per_week: f64 = 12.0, Between(0.0, 100_000.0), "referrals/site/week", "at most 100,000 (so a site's referrals fit 32-bit counts). Guideline 200–250 patients/LW/year × 3 LWs ≈ 12/week (NHS England reference guide 2019); national 1.3 M referrals in 2023 over ~1,250 PCNs ≈ 20/week",
            label = "Referrals a week", essential;
        seasonal_amplitude: f64 = 0.1, UnitOpenHigh, "fraction", "relative amplitude of the yearly cycle (assumption)",
            label = "Seasonal swing in referrals", plausible(0.0, 0.2, "from no seasonal swing to twice the assumed one (a convention: no source measures the seasonality of social-prescribing referrals)");
        // The cycle repeats every 365 days, so any peak is some day of the year; the
        // limit keeps the phase 2π(t − peak_day)/365 finite and exact (near 1e307 it
        // overflows to an infinite phase and a NaN referral rate).
        peak_day: f64 = 15.0, Between(-36500.0, 36500.0), "day of year", "day of year of the peak, mid-January (assumption); any day in [−36,500, 36,500] (the cycle repeats every 365 days)",
            label = "Day of the year referrals peak", plausible(-15.0, 45.0, "a winter peak between mid-December and mid-February, as for other primary-care demand (a convention)");
    }
);

section!(
    /// `[workforce]`: posts, hours, onboarding and recruitment.
    Workforce {
        // Post indices are 32-bit and every post is simulated; 10,000 posts in one
        // PCN team is ~4,000 times the national mean.
        link_workers: u32 = 3, Between(1.0, 10_000.0), "posts/site", "at most 10,000 per site. ~2,800–3,300 LWs (NHS workforce data 2023–24) over ~1,250 PCNs ≈ 2.5",
            label = "Link workers (posts)", essential;
        // The lower limits of this key and the next keep the daily capacity
        // c0 = hours · fraction / 5 ≥ 2e-5 hours: strain is measured per
        // capacity-day, so the strain equation divides by c0, and a vanishing c0
        // makes a day's strain infinite (or 0/0 = NaN on a day without work). No
        // upper limit: tests use huge capacities for "unlimited", and every sum
        // with capacity in it stays finite or is a harmless +inf bound.
        hours_per_week: f64 = 37.5, AtLeast(0.1), "hours/week", "Agenda for Change full time; at least 0.1 (6 minutes)",
            label = "Hours a week per post", essential;
        patient_facing_fraction: f64 = 0.7, Between(0.001, 1.0), "fraction", "share of hours available for patient contact (assumption); at least 0.001",
            label = "Share of hours spent with patients", plausible(0.5, 0.9, "from half the week (much admin, travel and team time) to nearly all of it (a convention: no time-use study of link workers is cited)");
        // One contact a week cannot take more than the week; keeps caseload demand
        // (a sum of these over patients) finite.
        session_hours: f64 = 0.6, AboveUpTo(0.0, 168.0), "hours/contact", "hours per connecting contact including notes; a Connecting patient has one contact a week (assumption); at most 168",
            label = "Hours per contact, notes included", plausible(0.4, 1.0, "from a 20-minute call with its notes to an hour face to face with its notes (arithmetic on typical contact lengths)");
        overtime_max: f64 = 0.2, AtLeast(0.0), "fraction of capacity", "unpaid extra work an LW will do under pressure (assumption)",
            label = "Most extra unpaid work under pressure", plausible(0.0, 0.4, "from none to twice the default, 15 extra hours in a 37.5-hour week (a convention)");
        onboarding_days: f64 = 90.0, Above(0.0), "days", "days for a new hire to reach full capacity (assumption)",
            label = "Days for a new link worker to reach full capacity", plausible(30, 180, "one to six months (a convention)");
        ramp_start: f64 = 0.5, UnitOpenLow, "fraction", "capacity fraction of a new hire on day 0 (assumption)",
            label = "A new link worker's capacity on the first day", plausible(0.25, 0.75, "± half the default (a convention)");
        recruitment_median_days: f64 = 90.0, Above(0.0), "days", "vacancy duration, median (assumption)",
            label = "Time to fill a vacancy (median)", plausible(60, 120, "two to four months; the top stays at or below the 90th percentile's lowest plausible value, so any pair of plausible values is valid (a convention)");
        recruitment_p90_days: f64 = 180.0, Above(0.0), "days", "vacancy duration, 90th percentile (assumption)",
            label = "Time to fill a vacancy (9 in 10 within)", plausible(120, 270, "four to nine months, from the median's highest plausible value to 1.5 times the default (a convention)");
    }
);

section!(
    /// `[strain]`: strain dynamics, burnout and leaving (docs/model.md § 7.6 and § 7.8).
    Strain {
        // Strain rates: a burnout threshold is ~1, so 1e6 is already instant burnout;
        // the limit keeps α·load/c0 finite (an infinite strain becomes NaN when
        // recovery subtracts ρ·strain from it).
        alpha: f64 = 0.05, Between(0.0, 1e6), "strain/capacity-day", "strain per nominal-capacity-day of distress-weighted contact (assumption, calibrate); at most 1e6, like beta and gamma, so a day's strain increment stays finite",
            label = "Strain from distressing contact", plausible(0.02, 0.10, "from a team that hardly strains to one in burnout cascades (they start near 0.07, docs/model.md § 10); no study measures it");
        beta: f64 = 0.05, Between(0.0, 1e6), "strain/capacity-day", "strain per nominal-capacity-day of overtime (assumption, calibrate)",
            label = "Strain from overtime", plausible(0.02, 0.10, "the range of strain.alpha: the model puts overtime and contact on one scale (a convention)");
        gamma: f64 = 0.1, Between(0.0, 1e6), "strain/capacity-day", "strain per nominal-capacity-day of unmet demand (assumption, calibrate)",
            label = "Strain from work left undone", plausible(0.05, 0.2, "halved to doubled (a convention: no source measures it)");
        rho_work: f64 = 0.01, UnitOpenHigh, "fraction/day", "fraction of strain recovered per working day (effort–recovery; assumption)",
            label = "Recovery on a working day", plausible(0.005, 0.02, "halved to doubled (a convention: no source measures it)");
        rho_rest: f64 = 0.1, UnitOpenHigh, "fraction/day", "fraction recovered per non-working day (assumption)",
            label = "Recovery on a day off", plausible(0.05, 0.2, "halved to doubled: strain halves over about 14 to 3 days off (a convention: no source measures it)");
        // A ratio of weights; bounded so the emotional load stays finite.
        holding_multiplier: f64 = 1.5, Between(0.0, 1000.0), "ratio", "emotional weight of a holding hour relative to a connecting hour (assumption); at most 1,000",
            label = "Extra weight of an hour of holding", plausible(1.0, 2.0, "from no extra weight to twice a connecting hour's: the founding study describes holding as heavier without a ratio (a convention)");
        threshold_mean: f64 = 1.0, Above(0.2), "strain", "mean burnout threshold (assumption: it sets the unit of strain)",
            label = "Strain at which a link worker burns out (average)", plausible(0.8, 1.25, "a fifth lower to a quarter higher (a convention: the threshold sets the unit of strain, so most of its uncertainty is already in strain.alpha's range)");
        threshold_sd: f64 = 0.2, AtLeast(0.0), "strain", "between-LW spread of the threshold (assumption); draws truncated to ≥ 0.2",
            label = "Spread of burnout thresholds between link workers", plausible(0.1, 0.3, "± half the default (a convention)");
        sick_leave_median_days: f64 = 28.0, Above(0.0), "days", "burnout sickness absence, median (assumption)",
            label = "Sickness absence after a burnout (median)", plausible(14, 56, "two to eight weeks; the top stays below the 90th percentile's lowest plausible value (a convention)");
        sick_leave_p90_days: f64 = 90.0, Above(0.0), "days", "burnout sickness absence, 90th percentile (assumption)",
            label = "Sickness absence after a burnout (9 in 10 within)", plausible(60, 180, "two to six months (a convention)");
        strain_after_leave: f64 = 0.4, Unit, "fraction", "fraction of strain left on return (assumption)",
            label = "Strain left on return from sickness absence", plausible(0.2, 0.6, "± half the default (a convention)");
        p_exit_after_burnout: f64 = 0.4, Unit, "probability", "probability an LW leaves at the end of a burnout absence (assumption)",
            label = "Chance of leaving after a burnout", plausible(0.2, 0.6, "± half the default (a convention)");
        base_turnover_per_year: f64 = 0.08, UnitOpenHigh, "probability/year", "annual leaving probability of an unstrained LW (assumption)",
            label = "Yearly leaving rate without strain", plausible(0.04, 0.12, "± half the default, below the 10–30% of posts that leave a year in all (NHS workforce data; NALW 2020)");
        // exp(k·S/θ) with S ≤ θ must stay finite: exp(100) ≈ 2.7e43 is already certain
        // leaving, and an infinite multiplier times a zero base hazard is NaN.
        strain_turnover_k: f64 = 2.0, Between(0.0, 100.0), "", "leaving hazard multiplier exp(k·S/θ); assumption, anchored on 29% considering leaving within a year (NALW 2020); at most 100 (exp(100) ≈ 2.7e43)",
            label = "How much strain raises leaving", plausible(1.0, 3.0, "± half the default (a convention)");
    }
);

section!(
    /// `[support]`: training and supervision.
    Support {
        training_effect: f64 = 0.0, Unit, "fraction", "fractional reduction of emotional strain from holding training (0 = none)",
            label = "Holding training: strain reduction", essential;
        // A month has at most 744 hours; with the effect's limit, ρ_rest·(1 + effect ·
        // hours) stays finite (an infinite product times ρ_rest = 0 is NaN).
        supervision_hours_per_month: f64 = 0.5, Between(0.0, 744.0), "hours/month", "clinical supervision; 61% of LWs had none (NALW 2020); at most 744 (the hours in a month)",
            label = "Clinical supervision hours a month", essential;
        supervision_effect: f64 = 0.25, Between(0.0, 1000.0), "per hour/month", "increase of rest-day recovery per supervision hour per month (assumption); at most 1,000",
            label = "Effect of supervision on recovery", plausible(0.05, 0.5, "from a token effect to doubling the default: at 0.5, 2 hours a month doubles rest-day recovery (no trial measures it)");
    }
);

section!(
    /// `[policy]`: intake, caseload cap, holding boundary, queue and rupture behaviour.
    Policy {
        intake_threshold: f64 = 1.1, Above(0.0), "fraction of capacity", "an LW takes new patients while its weekly demand is below this fraction of capacity (assumption)",
            label = "Workload at which new patients stop", plausible(0.9, 1.3, "from stopping at 90% of capacity to stretching 30% over it (a convention)");
        caseload_cap: u32 = 0, AtLeast(0.0), "patients", "maximum open caseload per LW (0 = no cap)",
            label = "Caseload cap per link worker", essential;
        max_holding_weeks: f64 = 0.0, AtLeast(0.0), "weeks", "a patient held this long is returned to the GP (0 = no boundary)",
            label = "Holding time limit", essential;
        queue_dropout_per_week: f64 = 0.02, Unit, "probability/week", "weekly probability a queued patient gives up (assumption)",
            label = "Chance a waiting patient gives up, each week", plausible(0.01, 0.04, "halved to doubled (a convention: no source measures it)");
        p_drop_on_rupture: f64 = 0.15, Unit, "probability", "probability a patient whose LW leaves or goes off sick disengages (assumption)",
            label = "Chance a patient disengages on losing their link worker", plausible(0.05, 0.3, "a third of the default to double it (a convention)");
        rupture_distress: f64 = 0.1, Unit, "distress", "distress added to a patient who loses their LW (assumption)",
            label = "Extra distress on losing their link worker", plausible(0.05, 0.2, "halved to doubled (a convention: no source measures it)");
    }
);

section!(
    /// `[cost]`: staff, recruitment, supervision and training costs.
    Cost {
        // £1e12 keeps costs summed over every post, day and site (≤ 1e7 posts ×
        // 36,500 days) finite and exact enough to print.
        lw_cost_per_year: f64 = 36428.0, Between(0.0, 1e12), "£/post-year", "ARRS maximum reimbursable band-5 cost 2022/23; at most £1e12",
            label = "Cost of a post a year", essential;
        recruitment_cost: f64 = 5000.0, Between(0.0, 1e12), "£/hire", "cost per hire (assumption); at most £1e12",
            label = "Cost of recruiting to a post", plausible(2500, 10000, "halved to doubled (a convention: no source measures it)");
        supervision_cost_per_hour: f64 = 60.0, Between(0.0, 1e12), "£/hour", "a clinical supervisor's hour with overheads, charged for support.supervision_hours_per_month of every filled post; about a band 7 NHS practitioner's hour in the PSSRU Unit Costs of Health and Social Care (assumption: use your own); at most £1e12",
            label = "Cost of an hour of supervision", essential, plausible(30, 90, "± half the default, from a peer supervisor's hour to a senior clinician's (a convention: use your own price)");
        training_cost_per_lw_year: f64 = 1000.0, Between(0.0, 1e12), "£/post-year", "holding training and its cover per filled post-year, charged while support.training_effect > 0 (assumption); at most £1e12",
            label = "Cost of holding training per post a year", plausible(500, 2000, "halved to doubled (a convention: no source measures it)");
    }
);

record!(
    /// `[[profile]]`: a patient profile. Every key is required. `services` maps
    /// service name → weight, kept in name order (docs/model.md § 7.2).
    Profile {
        name: String,
        services: Vec<(String, f64)>,
        ;
        weight: f64, Above(0.0), "", "relative share of referrals (normalised to sum to 1)",
            label = "Share of referrals";
        // Sessions are weekly, so more than the longest horizon's 5,215 weeks never
        // finish; 10,000 keeps the Poisson draw far inside 32 bits.
        sessions_mean: f64, Between(1.0, 10_000.0), "sessions", "mean connecting sessions needed, n = 1 + Poisson(mean − 1); at most 10,000 (more weekly sessions than the longest horizon has weeks)",
            label = "Contacts needed (average)";
        p_waits: f64, Unit, "probability", "probability the patient waits for an external service",
            label = "Chance of waiting for another service";
        p_prepares: f64, Unit, "probability", "probability the patient is preparing for change",
            label = "Chance of needing time to prepare for change";
        // Preparing lasts 7·(1 + Poisson) days in 32 bits; 10,000 weeks (192 years)
        // is beyond the longest horizon and keeps that product far from overflow.
        prep_weeks_mean: f64, Between(1.0, 10_000.0), "weeks", "mean weeks of preparing, 1 + Poisson(mean − 1); at most 10,000 (longer than the longest horizon)",
            label = "Weeks preparing for change (average)";
        p_witnessing: f64, Unit, "probability", "probability of ongoing distress the LW bears witness to",
            label = "Chance of ongoing distress the link worker witnesses";
        witnessing_resolve_per_week: f64, Unit, "probability/week", "weekly probability that witnessed distress resolves",
            label = "Chance witnessed distress eases, each week";
        // Weekly hours cannot exceed the week's 168. The Gamma's own limits (shape
        // 1/cv² finite, scale mean·cv² a normal number) are checked with the model.
        holding_hours_mean: f64, Between(0.0, 168.0), "hours/week", "mean weekly holding hours (Gamma); at most 168 (the hours in a week)",
            label = "Holding hours a week (average)";
        // Beyond cv = 100 almost every draw is 0 and a rare one is enormous; the
        // limit keeps the Gamma's scale mean·cv² (≤ 1.68e6) and its draws finite.
        holding_hours_cv: f64, AboveUpTo(0.0, 100.0), "", "coefficient of variation of weekly holding hours; at most 100",
            label = "Spread of holding hours";
        distress_mean: f64, UnitOpen, "", "mean distress (Beta)",
            label = "Distress (average, 0 to 1)";
        // Below 1e-6 the spread is nil and the Beta's parameters m(1 − m)/sd²
        // (≤ 2.5e11 here) head for the limits of its sampler's arithmetic (infinite
        // at sd ≈ 1e-155). The upper limit, sd² < m(1 − m), is a cross-key rule.
        distress_sd: f64, AtLeast(1e-6), "", "standard deviation of distress (Beta); at least 1e-6",
            label = "Spread of distress";
    }
);

record!(
    /// `[[service]]`: an external service with a log-normal waiting time.
    Service {
        name: String,
        ;
        wait_median_days: f64, Above(0.0), "days", "median wait",
            label = "Wait for this service (median)", essential;
        wait_p90_days: f64, Above(0.0), "days", "90th percentile wait (must exceed the median)",
            label = "Wait for this service (9 in 10 within)", essential;
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
