//! Stage two of configuration: the validated [`Scenario`] turned into exactly what the
//! engine reads each day — daily rates, prepared distributions, normalised weights and
//! constants folded together — so the daily loop does no parsing, no lookups by name
//! and no repeated arithmetic.

use crate::dist::{BetaMeanSd, Count, Duration, GammaMeanCv, TruncatedNormal, daily_from_weekly};
use crate::scenario::Scenario;

/// One patient profile, ready to draw from.
#[derive(Clone, Debug)]
pub struct ProfileModel {
    /// Cumulative normalised weight (the last profile's is 1).
    pub cumulative_weight: f64,
    pub extra_sessions: Count,
    pub p_waits: f64,
    /// (cumulative normalised weight, index into `Model::service_waits`), in service name order.
    pub services: Vec<(f64, usize)>,
    pub p_prepares: f64,
    pub extra_prep_weeks: Count,
    pub p_witnessing: f64,
    /// Daily probability that witnessed distress resolves.
    pub witness_resolve_daily: f64,
    pub holding_hours: GammaMeanCv,
    pub distress: BetaMeanSd,
}

/// Everything the engine needs, derived once per scenario.
#[derive(Clone, Debug)]
pub struct Model {
    pub horizon_days: u32,
    pub warmup_days: u32,
    pub seed: u64,
    pub sites: u32,
    pub link_workers: u32,
    /// `λ_t`, expected arrivals on day `t` (0 on non-working days).
    pub arrival_rate: Vec<f64>,

    /// Nominal daily patient-facing capacity `c0 = hours_per_week · patient_facing_fraction / 5`.
    pub c0: f64,
    pub session_hours: f64,
    pub overtime_max: f64,
    pub onboarding_days: f64,
    pub ramp_start: f64,
    pub recruitment: Duration,

    /// `α · (1 − training_effect)`.
    pub alpha_effective: f64,
    pub beta: f64,
    pub gamma: f64,
    pub rho_work: f64,
    /// Rest-day strain factor `1 − ρ_rest · (1 + supervision_effect · supervision_hours)`.
    pub rest_factor: f64,
    pub holding_multiplier: f64,
    pub threshold: TruncatedNormal,
    pub sick_leave: Duration,
    pub strain_after_leave: f64,
    pub p_exit_after_burnout: f64,
    /// `−ln(1 − base_turnover_per_year) / 365`: the daily base leaving hazard.
    pub base_hazard_daily: f64,
    pub strain_turnover_k: f64,

    pub intake_threshold: f64,
    /// `None` when there is no cap.
    pub caseload_cap: Option<u32>,
    /// Days in holding at which a patient is returned to the GP: `ceil(7 · max_holding_weeks)`.
    pub boundary_days: Option<u32>,
    pub queue_dropout_daily: f64,
    pub p_drop_on_rupture: f64,
    pub rupture_distress: f64,

    pub lw_cost_per_year: f64,
    pub recruitment_cost: f64,

    pub profiles: Vec<ProfileModel>,
    pub service_waits: Vec<Duration>,
    /// The models of the scenario's `[[site_group]]`s, each with its own `sites`; empty
    /// when every site uses this model.
    pub groups: Vec<Model>,
}

impl Model {
    /// Derives the engine's parameters. The scenario must have passed validation.
    pub fn new(s: &Scenario) -> Model {
        let mut model = Model::single(s);
        if !s.site_groups.is_empty() {
            model.groups = s.groups().iter().map(|(g, _)| Model::single(g)).collect();
        }
        model
    }

    /// The model of each group of sites, in site order (this model alone without groups).
    pub fn site_models(&self) -> Vec<&Model> {
        if self.groups.is_empty() {
            vec![self]
        } else {
            self.groups.iter().collect()
        }
    }

    /// Every site's model, in site order: site `i` of the scenario is entry `i`.
    pub fn sites_in_order(&self) -> Vec<&Model> {
        self.site_models()
            .into_iter()
            .flat_map(|m| std::iter::repeat_n(m, m.sites as usize))
            .collect()
    }

    fn single(s: &Scenario) -> Model {
        let horizon = s.run.horizon_days;
        let r = &s.referrals;
        let arrival_rate = (0..horizon)
            .map(|t| {
                if t % 7 < 5 {
                    let phase = 2.0 * std::f64::consts::PI * (f64::from(t) - r.peak_day) / 365.0;
                    r.rate_per_week / 5.0 * (1.0 + r.seasonal_amplitude * phase.cos())
                } else {
                    0.0
                }
            })
            .collect();

        let service_waits = s
            .services
            .iter()
            .map(|sv| Duration::from_median_p90(sv.wait_median_days, sv.wait_p90_days))
            .collect();

        let total_weight: f64 = s.profiles.iter().map(|p| p.weight).sum();
        let mut cumulative = 0.0;
        let profiles = s
            .profiles
            .iter()
            .enumerate()
            .map(|(i, p)| {
                cumulative += p.weight / total_weight;
                let service_total: f64 = p.services.iter().map(|(_, w)| w).sum();
                let mut service_cumulative = 0.0;
                let mut services: Vec<(f64, usize)> = p
                    .services
                    .iter()
                    .map(|(name, w)| {
                        service_cumulative += w / service_total;
                        let index = s
                            .services
                            .iter()
                            .position(|sv| &sv.name == name)
                            .expect("validated: service exists");
                        (service_cumulative, index)
                    })
                    .collect();
                if let Some(last) = services.last_mut() {
                    last.0 = 1.0;
                }
                ProfileModel {
                    cumulative_weight: if i + 1 == s.profiles.len() {
                        1.0
                    } else {
                        cumulative
                    },
                    extra_sessions: Count::new(p.sessions_mean - 1.0),
                    p_waits: p.p_waits,
                    services,
                    p_prepares: p.p_prepares,
                    extra_prep_weeks: Count::new(p.prep_weeks_mean - 1.0),
                    p_witnessing: p.p_witnessing,
                    witness_resolve_daily: daily_from_weekly(p.witnessing_resolve_per_week),
                    holding_hours: GammaMeanCv::new(p.holding_hours_mean, p.holding_hours_cv),
                    distress: BetaMeanSd::new(p.distress_mean, p.distress_sd)
                        .expect("validated: Beta sd feasible"),
                }
            })
            .collect();

        let w = &s.workforce;
        let st = &s.strain;
        let sup = &s.support;
        let p = &s.policy;
        Model {
            horizon_days: horizon,
            warmup_days: s.run.warmup_days,
            seed: s.run.seed,
            sites: s.run.sites,
            link_workers: w.link_workers,
            arrival_rate,
            c0: w.hours_per_week * w.patient_facing_fraction / 5.0,
            session_hours: w.session_hours,
            overtime_max: w.overtime_max,
            onboarding_days: w.onboarding_days,
            ramp_start: w.ramp_start,
            recruitment: Duration::from_median_p90(
                w.recruitment_median_days,
                w.recruitment_p90_days,
            ),
            alpha_effective: st.alpha * (1.0 - sup.training_effect),
            beta: st.beta,
            gamma: st.gamma,
            rho_work: st.rho_work,
            rest_factor: 1.0
                - st.rho_rest * (1.0 + sup.supervision_effect * sup.supervision_hours_per_month),
            holding_multiplier: st.holding_multiplier,
            threshold: TruncatedNormal::new(st.threshold_mean, st.threshold_sd, 0.2),
            sick_leave: Duration::from_median_p90(
                st.sick_leave_median_days,
                st.sick_leave_p90_days,
            ),
            strain_after_leave: st.strain_after_leave,
            p_exit_after_burnout: st.p_exit_after_burnout,
            base_hazard_daily: -(1.0 - st.base_turnover_per_year).ln() / 365.0,
            strain_turnover_k: st.strain_turnover_k,
            intake_threshold: p.intake_threshold,
            caseload_cap: (p.caseload_cap > 0).then_some(p.caseload_cap),
            boundary_days: (p.max_holding_weeks > 0.0)
                .then(|| ((7.0 * p.max_holding_weeks - 1e-9).ceil() as u32).max(1)),
            queue_dropout_daily: daily_from_weekly(p.queue_dropout_per_week),
            p_drop_on_rupture: p.p_drop_on_rupture,
            rupture_distress: p.rupture_distress,
            lw_cost_per_year: s.cost.lw_cost_per_year,
            recruitment_cost: s.cost.recruitment_cost,
            profiles,
            service_waits,
            groups: Vec::new(),
        }
    }

    /// Post-years in the KPI window over all sites (docs/model.md § 7.10).
    pub fn post_years(&self) -> f64 {
        let window = f64::from(self.horizon_days - self.warmup_days);
        self.site_models()
            .iter()
            .map(|m| f64::from(m.sites) * f64::from(m.link_workers) * window / 365.0)
            .sum()
    }
}
