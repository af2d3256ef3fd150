//! Stage two of configuration: the validated [`Scenario`] turned into exactly what the
//! engine reads each day — daily rates, prepared distributions, normalised weights and
//! constants folded together — so the daily loop does no parsing, no lookups by name
//! and no repeated arithmetic.
//!
//! [`Model::try_new`] is the one place a scenario becomes runnable: it runs the
//! scenario's cross-key rules, then builds every distribution through constructors
//! that return their limits as errors. The loader (`holdsim check`, `run`, …) and
//! [`Scenario::validate`] run the very same derivation (`Model::problems`), only
//! without the per-day series, so a scenario that passes them cannot fail here, and
//! a model that exists cannot make the engine panic.

use crate::dist::{
    BetaMeanSd, Count, DistError, Duration, GammaMeanCv, Geometric, TruncatedNormal,
    daily_from_weekly,
};
use std::collections::BTreeMap;

use crate::scenario::{Broken, Problem, Profile, Scenario, ScenarioError, cross_key_problems};

/// The floor of the burnout threshold's truncated normal (docs/model.md § 7.9).
const THRESHOLD_FLOOR: f64 = 0.2;

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
    /// Days until witnessed distress resolves: geometric with the daily probability.
    pub witness_resolve: Geometric,
    pub holding_hours: GammaMeanCv,
    pub distress: BetaMeanSd,
}

/// Where a model's per-day arrival series come from.
#[derive(Clone, Copy)]
enum Series<'a> {
    /// Not built (`check`'s cheap validation).
    Skip,
    /// Derived from the scenario's referral keys.
    Derive,
    /// Copied from a model of the same referral keys and horizon.
    CopyFrom(&'a Model),
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
    /// The Poisson sampler of each day's `λ_t`, built once: λ_t is seasonal, so it
    /// differs every day, and building a sampler costs an `exp` (a sixth of a
    /// referral's cost, paid every working day of every site and replication).
    pub arrival_counts: Vec<Count>,

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
    /// Candidate days of voluntary exit (thinning, see `engine::post`): daily
    /// probability `1 − exp(−base_hazard_daily · e^k)`, the exit probability at the
    /// highest strain an Active LW can have (its threshold).
    pub exit_candidate: Geometric,

    pub intake_threshold: f64,
    /// `None` when there is no cap.
    pub caseload_cap: Option<u32>,
    /// Days in holding at which a patient is returned to the GP: `ceil(7 · max_holding_weeks)`.
    pub boundary_days: Option<u32>,
    /// Days until a queued patient drops out: geometric with the daily probability.
    pub queue_dropout: Geometric,
    pub p_drop_on_rupture: f64,
    pub rupture_distress: f64,

    pub lw_cost_per_year: f64,
    pub recruitment_cost: f64,
    /// Supervision bought for a filled post for a year:
    /// `supervision_hours_per_month · 12 · supervision_cost_per_hour`.
    pub supervision_cost_per_year: f64,
    /// `training_cost_per_lw_year` while `training_effect > 0`, else 0: training is
    /// paid for only where it is given.
    pub training_cost_per_year: f64,

    pub profiles: Vec<ProfileModel>,
    pub service_waits: Vec<Duration>,
    /// The models of the scenario's `[[site_group]]`s, each with its own `sites`; empty
    /// when every site uses this model.
    pub groups: Vec<Model>,
}

/// A distribution's error as a problem about the keys that parameterise it.
/// A distribution's error as a problem about the keys that parameterise it:
/// `keys` maps each parameter name to its key; the problem is reported at the key
/// of the parameter the error blames (else the first), the others are related.
fn broken(keys: &[(&str, &str)], what: &str, e: DistError) -> Broken {
    let at = keys
        .iter()
        .position(|(param, _)| *param == e.param)
        .unwrap_or(0);
    let related: Vec<&str> = keys
        .iter()
        .enumerate()
        .filter(|&(i, _)| i != at)
        .map(|(_, (_, key))| *key)
        .collect();
    Broken::new(keys[at].1, &related, format!("{what}: {e}"))
}

/// Cumulative normalised weights (the last exactly 1). Each weight is divided by the
/// largest first, so weights near `f64::MAX` cannot overflow their sum; weights are
/// finite and > 0 (checked as they are read), so the largest is too.
fn cumulative_weights(weights: impl Iterator<Item = f64> + Clone) -> Vec<f64> {
    let max = weights.clone().fold(0.0, f64::max);
    let total: f64 = weights.clone().map(|w| w / max).sum();
    let mut cumulative = 0.0;
    let mut out: Vec<f64> = weights
        .map(|w| {
            cumulative += w / max / total;
            cumulative
        })
        .collect();
    if let Some(last) = out.last_mut() {
        *last = 1.0;
    }
    out
}

impl Model {
    /// Derives the engine's parameters, or says everything that keeps `s` from
    /// running, each problem naming its keys (no file or line: the loader, which
    /// knows them, runs the same check first).
    pub fn try_new(s: &Scenario) -> Result<Model, ScenarioError> {
        Model::try_build(s, Series::Derive)
    }

    /// As [`Model::try_new`] for `s`, a variant of the scenario `reference` was built
    /// from that changes no `run.*` or `referrals.*` key (a posterior particle's strain
    /// parameters): the per-day arrival series, which those keys alone determine, are
    /// copied from `reference` instead of derived again. Deriving them is most of the
    /// cost of building a model, paid once per replication of a run with a posterior.
    pub fn try_new_with_arrivals_of(
        s: &Scenario,
        reference: &Model,
    ) -> Result<Model, ScenarioError> {
        Model::try_build(s, Series::CopyFrom(reference))
    }

    fn try_build(s: &Scenario, series: Series) -> Result<Model, ScenarioError> {
        Model::build(s, series).map_err(|broken| ScenarioError {
            problems: broken
                .into_iter()
                .map(|b| Problem {
                    source: "scenario".into(),
                    line: None,
                    key: Some(b.key),
                    message: b.message,
                })
                .collect(),
        })
    }

    /// What [`Model::try_new`] would refuse, without building the per-day series
    /// (cheap enough for `check` on tens of thousands of site groups).
    pub(crate) fn problems(s: &Scenario) -> Vec<Broken> {
        Model::build(s, Series::Skip).err().unwrap_or_default()
    }

    /// The one derivation: cross-key rules, then the model of the scenario and of
    /// each group. With [`Series::Skip`] the per-day arrival rates are left empty and
    /// the groups' models are checked but not kept.
    fn build(s: &Scenario, series: Series) -> Result<Model, Vec<Broken>> {
        let problems = cross_key_problems(s);
        if !problems.is_empty() {
            return Err(problems);
        }
        let mut model = Model::single(s, series)?;
        let keep = !matches!(series, Series::Skip);
        if !s.site_groups.is_empty() {
            let base = s.without_groups();
            let mut problems = Vec::new();
            for (i, g) in s.site_groups.iter().enumerate() {
                // The cross-key rules above already applied every group's `set`.
                let Ok(scenario) = base.with_group(g) else {
                    continue;
                };
                let group_series = match series {
                    Series::CopyFrom(reference) => reference
                        .groups
                        .get(i)
                        .map_or(Series::Derive, Series::CopyFrom),
                    other => other,
                };
                match Model::single(&scenario, group_series) {
                    Ok(m) if keep => model.groups.push(m),
                    Ok(_) => {}
                    Err(b) => problems.extend(b.into_iter().map(|b| b.in_group(i, &g.name))),
                }
            }
            if !problems.is_empty() {
                return Err(problems);
            }
        }
        Ok(model)
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

    /// The model of `s` alone (its groups aside), or every distribution it cannot
    /// build. Each part is derived by its own function, which adds what it cannot
    /// build to `problems`, so all of them are reported at once, in this order.
    fn single(s: &Scenario, series: Series) -> Result<Model, Vec<Broken>> {
        let mut problems = Vec::new();
        let derived = arrival_rates(s, matches!(series, Series::Derive), &mut problems);
        let (arrival_rate, arrival_counts) = match series {
            Series::CopyFrom(reference) => (
                reference.arrival_rate.clone(),
                reference.arrival_counts.clone(),
            ),
            // arrival_rates checked the peak λ_t, so no day's sampler fails (0 if it did).
            _ => {
                let counts = derived
                    .iter()
                    .map(|&lambda| Count::new(lambda).unwrap_or(Count::ZERO))
                    .collect();
                (derived, counts)
            }
        };
        let service_waits = service_waits(s, &mut problems);
        let profiles = profile_models(s, &mut problems);
        let StaffDurations {
            recruitment,
            threshold,
            sick_leave,
        } = staff_durations(s, problems)?;
        let (w, st, sup, p) = (&s.workforce, &s.strain, &s.support, &s.policy);
        let base_hazard_daily = -(1.0 - st.base_turnover_per_year).ln() / 365.0;
        Ok(Model {
            horizon_days: s.run.horizon_days,
            warmup_days: s.run.warmup_days,
            seed: s.run.seed,
            sites: s.run.sites,
            link_workers: w.link_workers,
            arrival_rate,
            arrival_counts,
            c0: w.hours_per_week * w.patient_facing_fraction / 5.0,
            session_hours: w.session_hours,
            overtime_max: w.overtime_max,
            onboarding_days: w.onboarding_days,
            ramp_start: w.ramp_start,
            recruitment,
            alpha_effective: st.alpha * (1.0 - sup.training_effect),
            beta: st.beta,
            gamma: st.gamma,
            rho_work: st.rho_work,
            rest_factor: 1.0
                - st.rho_rest * (1.0 + sup.supervision_effect * sup.supervision_hours_per_month),
            holding_multiplier: st.holding_multiplier,
            threshold,
            sick_leave,
            strain_after_leave: st.strain_after_leave,
            p_exit_after_burnout: st.p_exit_after_burnout,
            base_hazard_daily,
            strain_turnover_k: st.strain_turnover_k,
            exit_candidate: Geometric::new(
                -(-base_hazard_daily * st.strain_turnover_k.exp()).exp_m1(),
            ),
            intake_threshold: p.intake_threshold,
            caseload_cap: (p.caseload_cap > 0).then_some(p.caseload_cap),
            boundary_days: (p.max_holding_weeks > 0.0)
                .then(|| ((7.0 * p.max_holding_weeks - 1e-9).ceil() as u32).max(1)),
            queue_dropout: Geometric::new(daily_from_weekly(p.queue_dropout_per_week)),
            p_drop_on_rupture: p.p_drop_on_rupture,
            rupture_distress: p.rupture_distress,
            lw_cost_per_year: s.cost.lw_cost_per_year,
            recruitment_cost: s.cost.recruitment_cost,
            supervision_cost_per_year: sup.supervision_hours_per_month
                * 12.0
                * s.cost.supervision_cost_per_hour,
            training_cost_per_year: if sup.training_effect > 0.0 {
                s.cost.training_cost_per_lw_year
            } else {
                0.0
            },
            profiles,
            service_waits,
            groups: Vec::new(),
        })
    }

    /// Post-years in the KPI window over all sites (docs/model.md § 7.10).
    /// Years in the KPI window (after the warm-up), the denominator of per-year KPIs.
    pub fn window_years(&self) -> f64 {
        f64::from(self.horizon_days - self.warmup_days) / 365.0
    }

    pub fn post_years(&self) -> f64 {
        let window = f64::from(self.horizon_days - self.warmup_days);
        self.site_models()
            .iter()
            .map(|m| f64::from(m.sites) * f64::from(m.link_workers) * window / 365.0)
            .sum()
    }
}

/// `λ_t` for every day of the horizon (empty without `series`), after checking that
/// the seasonal peak's daily count is a valid Poisson mean.
fn arrival_rates(s: &Scenario, series: bool, problems: &mut Vec<Broken>) -> Vec<f64> {
    let r = &s.referrals;
    // The largest λ_t; the seasonal factor is at most 1 + amplitude, so when this
    // one is a valid Poisson mean every day's is, and the engine's per-day
    // `Count::new` cannot fail.
    let peak_rate = r.rate_per_week / 5.0 * (1.0 + r.seasonal_amplitude);
    if let Err(e) = Count::new(peak_rate) {
        problems.push(broken(
            &[
                ("lambda", "referrals.rate_per_week"),
                ("", "referrals.seasonal_amplitude"),
            ],
            "the daily referral count at the seasonal peak, Poisson(rate_per_week / 5 · (1 + seasonal_amplitude))",
            e,
        ));
    }
    if !series {
        return Vec::new();
    }
    (0..s.run.horizon_days)
        .map(|t| {
            if t % 7 < 5 {
                let phase = 2.0 * std::f64::consts::PI * (f64::from(t) - r.peak_day) / 365.0;
                r.rate_per_week / 5.0 * (1.0 + r.seasonal_amplitude * phase.cos())
            } else {
                0.0
            }
        })
        .collect()
}

/// Each `[[service]]`'s log-normal wait, in the scenario's order.
fn service_waits(s: &Scenario, problems: &mut Vec<Broken>) -> Vec<Duration> {
    let mut waits = Vec::with_capacity(s.services.len());
    for sv in &s.services {
        match Duration::from_median_p90(sv.wait_median_days, sv.wait_p90_days) {
            Ok(d) => waits.push(d),
            Err(e) => problems.push(broken(
                &[
                    ("p90", &format!("service.{}.wait_p90_days", sv.name)),
                    ("median", &format!("service.{}.wait_median_days", sv.name)),
                ],
                "the log-normal wait",
                e,
            )),
        }
    }
    waits
}

/// Each `[[profile]]` ready to draw from, with its services as indices into
/// [`Model::service_waits`].
fn profile_models(s: &Scenario, problems: &mut Vec<Broken>) -> Vec<ProfileModel> {
    // Names are unique (a cross-key rule), so the first match is the service.
    let service_index: BTreeMap<&str, usize> = s
        .services
        .iter()
        .enumerate()
        .rev()
        .map(|(i, sv)| (sv.name.as_str(), i))
        .collect();
    let profile_weights = cumulative_weights(s.profiles.iter().map(|p| p.weight));
    let mut profiles = Vec::with_capacity(s.profiles.len());
    for (p, &cumulative_weight) in s.profiles.iter().zip(&profile_weights) {
        if let Some(model) = profile_model(p, cumulative_weight, &service_index, problems) {
            profiles.push(model);
        }
    }
    profiles
}

/// One profile's model: its services' cumulative weights and its four distributions.
fn profile_model(
    p: &Profile,
    cumulative_weight: f64,
    service_index: &BTreeMap<&str, usize>,
    problems: &mut Vec<Broken>,
) -> Option<ProfileModel> {
    let key = |k: &str| format!("profile.{}.{k}", p.name);
    let service_weights = cumulative_weights(p.services.iter().map(|&(_, w)| w));
    let mut services = Vec::with_capacity(p.services.len());
    for ((name, _), &c) in p.services.iter().zip(&service_weights) {
        match service_index.get(name.as_str()) {
            Some(&index) => services.push((c, index)),
            None => problems.push(Broken::new(
                key("services"),
                &[],
                format!("names service `{name}`, which no [[service]] defines"),
            )),
        }
    }
    let extra_sessions = Count::new(p.sessions_mean - 1.0).map_err(|e| {
        let what = "the extra sessions, Poisson(sessions_mean − 1)";
        broken(&[("lambda", &key("sessions_mean"))], what, e)
    });
    let extra_prep_weeks = Count::new(p.prep_weeks_mean - 1.0).map_err(|e| {
        let what = "the extra weeks of preparing, Poisson(prep_weeks_mean − 1)";
        broken(&[("lambda", &key("prep_weeks_mean"))], what, e)
    });
    let holding_hours = GammaMeanCv::new(p.holding_hours_mean, p.holding_hours_cv).map_err(|e| {
        let keys = [
            ("cv", &key("holding_hours_cv")[..]),
            ("mean", &key("holding_hours_mean")[..]),
        ];
        let what = "the weekly holding hours, Gamma(holding_hours_mean, holding_hours_cv)";
        broken(&keys, what, e)
    });
    let distress = BetaMeanSd::new(p.distress_mean, p.distress_sd).map_err(|e| {
        let what = "distress, Beta(distress_mean, distress_sd)";
        broken(
            &[("sd", &key("distress_sd")), ("mean", &key("distress_mean"))],
            what,
            e,
        )
    });
    match (extra_sessions, extra_prep_weeks, holding_hours, distress) {
        (Ok(extra_sessions), Ok(extra_prep_weeks), Ok(holding_hours), Ok(distress)) => {
            Some(ProfileModel {
                cumulative_weight,
                extra_sessions,
                p_waits: p.p_waits,
                services,
                p_prepares: p.p_prepares,
                extra_prep_weeks,
                p_witnessing: p.p_witnessing,
                witness_resolve: Geometric::new(daily_from_weekly(p.witnessing_resolve_per_week)),
                holding_hours,
                distress,
            })
        }
        (a, b, c, d) => {
            problems.extend([a.err(), b.err(), c.err(), d.err()].into_iter().flatten());
            None
        }
    }
}

/// The distributions of a post's career: vacancy, burnout threshold, sick leave.
struct StaffDurations {
    recruitment: Duration,
    threshold: TruncatedNormal,
    sick_leave: Duration,
}

/// The staff distributions when they and every part derived before them could be
/// built (`problems` is empty); else every problem, theirs last.
fn staff_durations(s: &Scenario, mut problems: Vec<Broken>) -> Result<StaffDurations, Vec<Broken>> {
    let (w, st) = (&s.workforce, &s.strain);
    let recruitment = Duration::from_median_p90(w.recruitment_median_days, w.recruitment_p90_days)
        .map_err(|e| {
            let keys = [
                ("p90", "workforce.recruitment_p90_days"),
                ("median", "workforce.recruitment_median_days"),
            ];
            broken(&keys, "the log-normal vacancy duration", e)
        });
    let threshold = TruncatedNormal::new(st.threshold_mean, st.threshold_sd, THRESHOLD_FLOOR)
        .map_err(|e| {
            let keys = [
                ("sd", "strain.threshold_sd"),
                ("mean", "strain.threshold_mean"),
            ];
            broken(&keys, "the burnout threshold, a normal truncated at 0.2", e)
        });
    let sick_leave = Duration::from_median_p90(st.sick_leave_median_days, st.sick_leave_p90_days)
        .map_err(|e| {
            let keys = [
                ("p90", "strain.sick_leave_p90_days"),
                ("median", "strain.sick_leave_median_days"),
            ];
            broken(&keys, "the log-normal sick leave", e)
        });
    match (recruitment, threshold, sick_leave) {
        (Ok(recruitment), Ok(threshold), Ok(sick_leave)) if problems.is_empty() => {
            Ok(StaffDurations {
                recruitment,
                threshold,
                sick_leave,
            })
        }
        (a, b, c) => {
            problems.extend([a.err(), b.err(), c.err()].into_iter().flatten());
            Err(problems)
        }
    }
}
