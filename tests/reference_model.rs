//! An independent, deliberately naive transcription of the reference rules of
//! docs/model.md, the model specification (§ 3, § 7), used only in tests to
//! cross-check the engine in distribution.
//!
//! It is written as a specification in code: a `Vec` of patients looped over every
//! day, a `Vec` of link workers, daily Bernoulli draws exactly as docs/model.md words
//! them, and one random number generator per replication (it does not follow the engine's
//! stream layout, so the two agree in distribution only, never draw for draw).
//!
//! Readings of docs/model.md where the text leaves room are marked "Reading:".

use std::collections::VecDeque;

use holdsim::scenario::{Profile, Scenario};
use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};
use rand_distr::{Beta, Gamma, LogNormal, Normal, Poisson};

type Rng = Xoshiro256PlusPlus;

/// Tolerance for floating-point sums of sessions (docs/model.md § 7.7).
const SESSIONS_EPS: f64 = 1e-9;
/// Tolerance when rounding durations up (docs/model.md § 7.9) and caps down (§ 7.4).
const ROUNDING_EPS: f64 = 1e-9;
/// The standard normal 90th percentile, as the reference model writes it
/// (docs/model.md § 9 item 10).
const Z90: f64 = 1.2815516;

// ---------------------------------------------------------------------------------
// Outputs
// ---------------------------------------------------------------------------------

/// The summary KPIs of docs/model.md § 7.10 for one replication, summed over sites over the
/// window `[warmup_days, horizon_days)`. `None` where a KPI is undefined.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RefKpis {
    pub burnouts_per_post_year: Option<f64>,
    pub exits_per_post_year: Option<f64>,
    pub burnouts: Option<f64>,
    pub exits: Option<f64>,
    pub vacancy_fraction: Option<f64>,
    pub mean_strain: Option<f64>,
    pub referrals: Option<f64>,
    pub patients_seen: Option<f64>,
    pub wait_mean_days: Option<f64>,
    pub wait_p90_days: Option<f64>,
    pub share_gave_up_waiting: Option<f64>,
    pub discharged_connected: Option<f64>,
    pub discharged_resolved: Option<f64>,
    pub returned_to_gp: Option<f64>,
    pub returned_queue_dropout: Option<f64>,
    pub returned_boundary: Option<f64>,
    pub returned_rupture: Option<f64>,
    pub share_returned_to_gp: Option<f64>,
    pub ruptures_per_100_referrals: Option<f64>,
    pub held_patient_weeks: Option<f64>,
    pub held_patient_weeks_waiting: Option<f64>,
    pub held_patient_weeks_preparing: Option<f64>,
    pub held_patient_weeks_witnessing: Option<f64>,
    pub emotional_load: Option<f64>,
    pub patients_per_lw_year: Option<f64>,
    pub cost_posts: Option<f64>,
    pub cost_recruitment: Option<f64>,
    pub cost_supervision: Option<f64>,
    pub cost_training: Option<f64>,
    pub cost: Option<f64>,
    pub cost_per_year: Option<f64>,
    pub cost_per_patient_seen: Option<f64>,
    pub cost_per_patient_discharged: Option<f64>,
    /// Patients Queued, Connecting or Holding at step 8, summed over *all* simulated
    /// days (warm-up included) and all sites: the speed unit of docs/model.md § 7.10.
    pub patient_days: f64,
}

/// The KPI names of docs/model.md § 7.10, in its order.
pub const KPI_NAMES: [&str; 33] = [
    "burnouts_per_post_year",
    "exits_per_post_year",
    "burnouts",
    "exits",
    "vacancy_fraction",
    "mean_strain",
    "referrals",
    "patients_seen",
    "wait_mean_days",
    "wait_p90_days",
    "share_gave_up_waiting",
    "discharged_connected",
    "discharged_resolved",
    "returned_to_gp",
    "returned_queue_dropout",
    "returned_boundary",
    "returned_rupture",
    "share_returned_to_gp",
    "ruptures_per_100_referrals",
    "held_patient_weeks",
    "held_patient_weeks_waiting",
    "held_patient_weeks_preparing",
    "held_patient_weeks_witnessing",
    "emotional_load",
    "patients_per_lw_year",
    "cost_posts",
    "cost_recruitment",
    "cost_supervision",
    "cost_training",
    "cost",
    "cost_per_year",
    "cost_per_patient_seen",
    "cost_per_patient_discharged",
];

impl RefKpis {
    /// The KPI of that docs/model.md § 7.10 name (`None` if undefined or not a KPI name).
    pub fn get(&self, name: &str) -> Option<f64> {
        match name {
            "burnouts_per_post_year" => self.burnouts_per_post_year,
            "exits_per_post_year" => self.exits_per_post_year,
            "burnouts" => self.burnouts,
            "exits" => self.exits,
            "vacancy_fraction" => self.vacancy_fraction,
            "mean_strain" => self.mean_strain,
            "referrals" => self.referrals,
            "patients_seen" => self.patients_seen,
            "wait_mean_days" => self.wait_mean_days,
            "wait_p90_days" => self.wait_p90_days,
            "share_gave_up_waiting" => self.share_gave_up_waiting,
            "discharged_connected" => self.discharged_connected,
            "discharged_resolved" => self.discharged_resolved,
            "returned_to_gp" => self.returned_to_gp,
            "returned_queue_dropout" => self.returned_queue_dropout,
            "returned_boundary" => self.returned_boundary,
            "returned_rupture" => self.returned_rupture,
            "share_returned_to_gp" => self.share_returned_to_gp,
            "ruptures_per_100_referrals" => self.ruptures_per_100_referrals,
            "held_patient_weeks" => self.held_patient_weeks,
            "held_patient_weeks_waiting" => self.held_patient_weeks_waiting,
            "held_patient_weeks_preparing" => self.held_patient_weeks_preparing,
            "held_patient_weeks_witnessing" => self.held_patient_weeks_witnessing,
            "emotional_load" => self.emotional_load,
            "patients_per_lw_year" => self.patients_per_lw_year,
            "cost_posts" => self.cost_posts,
            "cost_recruitment" => self.cost_recruitment,
            "cost_supervision" => self.cost_supervision,
            "cost_training" => self.cost_training,
            "cost" => self.cost,
            "cost_per_year" => self.cost_per_year,
            "cost_per_patient_seen" => self.cost_per_patient_seen,
            "cost_per_patient_discharged" => self.cost_per_patient_discharged,
            "patient_days" => Some(self.patient_days),
            _ => None,
        }
    }
}

/// Window totals over all sites, from which the KPIs are computed. Every field but
/// `patient_days` counts only days `t >= warmup_days`.
#[derive(Default)]
struct Tally {
    referrals: u64,
    burnouts: u64,
    exits: u64,
    hires: u64,
    vacant_post_days: u64,
    filled_post_days: u64,
    active_lw_days: u64,
    strain_sum: f64,
    /// Days from referral to first assignment, of patients first assigned in the window.
    waits: Vec<u32>,
    discharged_connected: u64,
    discharged_resolved: u64,
    returned_queue_dropout: u64,
    returned_boundary: u64,
    returned_rupture: u64,
    /// Returns (any reason) of patients that had been assigned at least once
    /// (docs/model.md § 7.10).
    returns_after_assignment: u64,
    ruptures: u64,
    held_days: u64,
    held_days_waiting: u64,
    held_days_preparing: u64,
    held_days_witnessing: u64,
    emotional_load: f64,
    patient_days: u64,
}

// ---------------------------------------------------------------------------------
// State
// ---------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PatientState {
    Queued,
    Connecting,
    Holding,
    Discharged,
    ReturnedToGp,
}

#[derive(Debug)]
struct Patient {
    state: PatientState,
    referral_day: u32,
    /// `n`, a whole number kept as f64.
    sessions_needed: f64,
    /// `s`, fractional.
    sessions_done: f64,
    /// `t_service`, if the patient waits for a service.
    service_day: Option<u32>,
    /// `prep` weeks (0 = not preparing).
    prep_weeks: u32,
    /// The witnessing reason, while unresolved.
    witnessing: bool,
    /// `q_k`, the weekly probability witnessing resolves.
    witnessing_resolve_per_week: f64,
    /// `h`, weekly holding hours.
    holding_hours: f64,
    /// `d` in [0, 1].
    distress: f64,
    days_in_holding: u32,
    /// Whether the patient has ever been assigned to an LW.
    ever_assigned: bool,
    /// The day of the latest assignment (for the one-change-a-day rule, docs/model.md § 3).
    assigned_on: Option<u32>,
    /// The LW whose caseload holds the patient (Connecting or Holding only).
    lw: Option<usize>,
}

impl Patient {
    /// The *waiting* reason holds while `t < t_service` (docs/model.md § 7.7), whatever
    /// the state.
    fn waiting(&self, t: u32) -> bool {
        self.service_day.is_some_and(|day| t < day)
    }

    /// The *preparing* reason holds while `prep > 0` and days in holding `< 7·prep`.
    fn preparing(&self) -> bool {
        self.prep_weeks > 0 && self.days_in_holding < 7 * self.prep_weeks
    }

    fn any_holding_reason(&self, t: u32) -> bool {
        self.waiting(t) || self.preparing() || self.witnessing
    }

    fn connected(&self) -> bool {
        self.sessions_done >= self.sessions_needed - SESSIONS_EPS
    }

    fn in_system(&self) -> bool {
        matches!(
            self.state,
            PatientState::Queued | PatientState::Connecting | PatientState::Holding
        )
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PostState {
    Active,
    /// On sick leave; returns (or exits) at step 2 of day `until`.
    SickLeave {
        until: u32,
    },
    /// Vacant; filled at step 2 of day `until`.
    Vacant {
        until: u32,
    },
}

#[derive(Debug)]
struct LinkWorker {
    state: PostState,
    strain: f64,
    threshold: f64,
    /// The hire day; `None` for LWs present at `t = 0` (fully ramped).
    hired_on: Option<u32>,
    /// Connecting and Holding patients, in assignment order.
    caseload: Vec<usize>,
}

// ---------------------------------------------------------------------------------
// Draws (docs/model.md § 7.1, § 7.2, § 7.9)
// ---------------------------------------------------------------------------------

fn bernoulli(rng: &mut Rng, p: f64) -> bool {
    rng.random::<f64>() < p
}

/// The daily probability of an event with weekly probability `p_week`.
fn daily_from_weekly(p_week: f64) -> f64 {
    1.0 - (1.0 - p_week).powf(1.0 / 7.0)
}

/// `Poisson(lambda)`, with `Poisson(0) = 0`.
fn poisson(rng: &mut Rng, lambda: f64) -> f64 {
    if lambda <= 0.0 {
        0.0
    } else {
        rng.sample(Poisson::new(lambda).expect("valid Poisson rate"))
    }
}

/// A duration in whole days from `LogNormal(median, p90)`: `max(1, ceil(x − 1e−9))`,
/// with `x` the median itself when `p90 == median` (docs/model.md § 7.9).
fn lognormal_days(rng: &mut Rng, median: f64, p90: f64) -> u32 {
    let x = if p90 == median {
        median
    } else {
        let sigma = (p90.ln() - median.ln()) / Z90;
        rng.sample(LogNormal::new(median.ln(), sigma).expect("valid log-normal"))
    };
    ((x - ROUNDING_EPS).ceil() as u32).max(1)
}

/// `Gamma(mean, cv)`: shape `1/cv²`, scale `mean·cv²`; a mean of 0 gives 0.
fn gamma_mean_cv(rng: &mut Rng, mean: f64, cv: f64) -> f64 {
    if mean == 0.0 {
        0.0
    } else {
        let shape = 1.0 / (cv * cv);
        rng.sample(Gamma::new(shape, mean * cv * cv).expect("valid Gamma"))
    }
}

/// `Beta(mean m, sd v)`: `a = m·k`, `b = (1 − m)·k`, `k = m(1 − m)/v² − 1`.
fn beta_mean_sd(rng: &mut Rng, m: f64, v: f64) -> f64 {
    let k = m * (1.0 - m) / (v * v) - 1.0;
    rng.sample(Beta::new(m * k, (1.0 - m) * k).expect("valid Beta"))
}

/// A burnout threshold: `Normal(mean, sd)` redrawn while below 0.2.
/// Reading: "truncated below at 0.2" keeps draws `>= 0.2`; `sd = 0` gives the mean.
fn draw_threshold(rng: &mut Rng, s: &Scenario) -> f64 {
    let (mean, sd) = (s.strain.threshold_mean, s.strain.threshold_sd);
    if sd == 0.0 {
        return mean;
    }
    let normal = Normal::new(mean, sd).expect("valid normal");
    loop {
        let theta = rng.sample(normal);
        if theta >= 0.2 {
            return theta;
        }
    }
}

/// An index chosen by weight, the weights normalised to sum to 1 (docs/model.md § 7.2).
fn choose_by_weight(rng: &mut Rng, weights: &[f64]) -> usize {
    let total: f64 = weights.iter().sum();
    let u = rng.random::<f64>();
    let mut cumulative = 0.0;
    for (i, w) in weights.iter().enumerate() {
        cumulative += w / total;
        if u < cumulative {
            return i;
        }
    }
    weights.len() - 1
}

/// A new referral on day `t` (docs/model.md § 7.2).
fn new_patient(rng: &mut Rng, s: &Scenario, t: u32) -> Patient {
    let weights: Vec<f64> = s.profiles.iter().map(|p| p.weight).collect();
    let profile: &Profile = &s.profiles[choose_by_weight(rng, &weights)];

    let sessions_needed = 1.0 + poisson(rng, profile.sessions_mean - 1.0);

    let service_day = if bernoulli(rng, profile.p_waits) {
        // docs/model.md § 7.2: chosen by weight among the profile's services in name
        // order.
        let mut services = profile.services.clone();
        services.sort_by(|a, b| a.0.cmp(&b.0));
        let weights: Vec<f64> = services.iter().map(|(_, w)| *w).collect();
        let name = &services[choose_by_weight(rng, &weights)].0;
        let service = s
            .services
            .iter()
            .find(|sv| &sv.name == name)
            .expect("profile names an existing service");
        Some(t + lognormal_days(rng, service.wait_median_days, service.wait_p90_days))
    } else {
        None
    };

    let prep_weeks = if bernoulli(rng, profile.p_prepares) {
        1 + poisson(rng, profile.prep_weeks_mean - 1.0) as u32
    } else {
        0
    };

    let witnessing = bernoulli(rng, profile.p_witnessing);
    let holding_hours = gamma_mean_cv(rng, profile.holding_hours_mean, profile.holding_hours_cv);
    let distress = beta_mean_sd(rng, profile.distress_mean, profile.distress_sd);

    Patient {
        state: PatientState::Queued,
        referral_day: t,
        sessions_needed,
        sessions_done: 0.0,
        service_day,
        prep_weeks,
        witnessing,
        witnessing_resolve_per_week: profile.witnessing_resolve_per_week,
        holding_hours,
        distress,
        days_in_holding: 0,
        ever_assigned: false,
        assigned_on: None,
        lw: None,
    }
}

// ---------------------------------------------------------------------------------
// One site
// ---------------------------------------------------------------------------------

struct Site<'a> {
    s: &'a Scenario,
    patients: Vec<Patient>,
    queue: VecDeque<usize>,
    lws: Vec<LinkWorker>,
    /// Discharges and returns of this site over all days, for the conservation check.
    discharges_all_days: usize,
    returns_all_days: usize,
}

impl<'a> Site<'a> {
    fn new(s: &'a Scenario, rng: &mut Rng) -> Self {
        let lws = (0..s.workforce.link_workers)
            .map(|_| LinkWorker {
                state: PostState::Active,
                strain: 0.0,
                threshold: draw_threshold(rng, s),
                hired_on: None,
                caseload: Vec::new(),
            })
            .collect();
        Site {
            s,
            patients: Vec::new(),
            queue: VecDeque::new(),
            lws,
            discharges_all_days: 0,
            returns_all_days: 0,
        }
    }

    /// Nominal daily patient-facing capacity `c0`.
    fn c0(&self) -> f64 {
        self.s.workforce.hours_per_week * self.s.workforce.patient_facing_fraction / 5.0
    }

    fn ramp(&self, i: usize, t: u32) -> f64 {
        match self.lws[i].hired_on {
            None => 1.0,
            Some(hired) => {
                let w = &self.s.workforce;
                let days_since_hire = f64::from(t - hired);
                (w.ramp_start + (1.0 - w.ramp_start) * days_since_hire / w.onboarding_days).min(1.0)
            }
        }
    }

    /// `w_p`: weekly hours of a Connecting or Holding patient.
    fn weekly_hours(&self, p: usize) -> f64 {
        match self.patients[p].state {
            PatientState::Connecting => self.s.workforce.session_hours,
            PatientState::Holding => self.patients[p].holding_hours,
            other => panic!("patient {p} in a caseload while {other:?}"),
        }
    }

    /// `W_i = Σ_p w_p` over LW `i`'s caseload.
    fn weekly_demand(&self, i: usize) -> f64 {
        self.lws[i]
            .caseload
            .iter()
            .map(|&p| self.weekly_hours(p))
            .sum()
    }

    /// Ends a Connecting or Holding patient's care: it leaves its LW's caseload.
    fn leave_care(&mut self, p: usize, state: PatientState) {
        self.count_exit(state);
        self.patients[p].state = state;
        let i = self.patients[p].lw.take().expect("patient has an LW");
        self.lws[i].caseload.retain(|&q| q != p);
    }

    fn count_exit(&mut self, state: PatientState) {
        match state {
            PatientState::Discharged => self.discharges_all_days += 1,
            PatientState::ReturnedToGp => self.returns_all_days += 1,
            other => panic!("{other:?} is not an exit"),
        }
    }

    fn simulate(&mut self, rng: &mut Rng, tally: &mut Tally) {
        for t in 0..self.s.run.horizon_days {
            let working = t % 7 < 5;
            let window = t >= self.s.run.warmup_days;
            self.step1_arrivals(rng, tally, t, working, window);
            self.step2_workforce(rng, tally, t, window);
            if working {
                self.step3_assignment(tally, t, window);
            }
            self.steps4_5_work_and_strain(tally, t, working, window);
            self.step6_patient_transitions(rng, tally, t, window);
            self.step7_lw_transitions(rng, tally, t, window);
            self.step8_record(tally, t, window);
            if cfg!(debug_assertions) {
                self.assert_conservation();
            }
        }
    }

    /// Step 1: Poisson arrivals on working days, to the back of the queue.
    fn step1_arrivals(
        &mut self,
        rng: &mut Rng,
        tally: &mut Tally,
        t: u32,
        working: bool,
        window: bool,
    ) {
        if !working {
            return;
        }
        let r = &self.s.referrals;
        let season = (2.0 * std::f64::consts::PI * (f64::from(t) - r.peak_day) / 365.0).cos();
        let lambda = r.rate_per_week / 5.0 * (1.0 + r.seasonal_amplitude * season);
        let arrivals = poisson(rng, lambda) as u64;
        for _ in 0..arrivals {
            let patient = new_patient(rng, self.s, t);
            self.patients.push(patient);
            self.queue.push_back(self.patients.len() - 1);
            if window {
                tally.referrals += 1;
            }
        }
    }

    /// Step 2: fill vacancies whose delay has elapsed; end sick leaves.
    fn step2_workforce(&mut self, rng: &mut Rng, tally: &mut Tally, t: u32, window: bool) {
        for i in 0..self.lws.len() {
            match self.lws[i].state {
                PostState::Vacant { until } if t >= until => {
                    let threshold = draw_threshold(rng, self.s);
                    let lw = &mut self.lws[i];
                    lw.state = PostState::Active;
                    lw.strain = 0.0;
                    lw.threshold = threshold;
                    lw.hired_on = Some(t);
                    if window {
                        tally.hires += 1;
                    }
                }
                PostState::SickLeave { until } if t >= until => {
                    if bernoulli(rng, self.s.strain.p_exit_after_burnout) {
                        let delay = self.recruitment_delay(rng);
                        self.lws[i].state = PostState::Vacant { until: t + delay };
                        if window {
                            tally.exits += 1;
                        }
                    } else {
                        let lw = &mut self.lws[i];
                        lw.state = PostState::Active;
                        lw.strain *= self.s.strain.strain_after_leave;
                    }
                }
                _ => {}
            }
        }
    }

    fn recruitment_delay(&self, rng: &mut Rng) -> u32 {
        let w = &self.s.workforce;
        lognormal_days(rng, w.recruitment_median_days, w.recruitment_p90_days)
    }

    /// Step 3: the head of the queue goes to the open LW with the smallest
    /// `W_i / (5·c_i)`, while there is one.
    fn step3_assignment(&mut self, tally: &mut Tally, t: u32, window: bool) {
        let cap = self.s.policy.caseload_cap;
        while let Some(&p) = self.queue.front() {
            let mut best: Option<(usize, f64)> = None;
            for i in 0..self.lws.len() {
                if self.lws[i].state != PostState::Active {
                    continue;
                }
                let ramp = self.ramp(i, t);
                let c = self.c0() * ramp;
                let demand = self.weekly_demand(i);
                let mut open = demand < self.s.policy.intake_threshold * 5.0 * c;
                if cap > 0 {
                    let cap_i = ((f64::from(cap) * ramp + ROUNDING_EPS).floor() as usize).max(1);
                    open &= self.lws[i].caseload.len() < cap_i;
                }
                let load = demand / (5.0 * c);
                if open && best.is_none_or(|(_, b)| load < b) {
                    best = Some((i, load));
                }
            }
            let Some((i, _)) = best else { break };

            self.queue.pop_front();
            let patient = &mut self.patients[p];
            if patient.ever_assigned {
                // Released by a rupture: resumes where it was.
                patient.state = if patient.connected() {
                    PatientState::Holding
                } else {
                    PatientState::Connecting
                };
            } else {
                patient.ever_assigned = true;
                patient.state = PatientState::Connecting;
                if window {
                    tally.waits.push(t - patient.referral_day);
                }
            }
            patient.assigned_on = Some(t);
            patient.lw = Some(i);
            self.lws[i].caseload.push(p);
        }
    }

    /// Steps 4 and 5: each Active LW delivers what it can on working days; strain
    /// builds on working days and recovers on rest days.
    fn steps4_5_work_and_strain(&mut self, tally: &mut Tally, t: u32, working: bool, window: bool) {
        let st = &self.s.strain;
        let c0 = self.c0();
        for i in 0..self.lws.len() {
            if self.lws[i].state != PostState::Active {
                continue;
            }
            if !working {
                let sup = &self.s.support;
                let recovery =
                    st.rho_rest * (1.0 + sup.supervision_effect * sup.supervision_hours_per_month);
                self.lws[i].strain *= 1.0 - recovery;
                continue;
            }
            // Step 4.
            let c = c0 * self.ramp(i, t);
            let demand = self.weekly_demand(i) / 5.0;
            let delivered = demand.min(c * (1.0 + self.s.workforce.overtime_max));
            let f = if demand == 0.0 {
                1.0
            } else {
                delivered / demand
            };
            let overtime = (delivered - c).max(0.0);
            let unmet = demand - delivered;
            let mut load = 0.0;
            for k in 0..self.lws[i].caseload.len() {
                let p = self.lws[i].caseload[k];
                let w = self.weekly_hours(p);
                let patient = &mut self.patients[p];
                let multiplier = match patient.state {
                    PatientState::Holding => st.holding_multiplier,
                    _ => 1.0,
                };
                load += f * w / 5.0 * patient.distress * multiplier;
                if patient.state == PatientState::Connecting {
                    patient.sessions_done += f / 5.0;
                }
            }
            // Step 5 (working day); every right-hand side is the old strain.
            let lw = &mut self.lws[i];
            let old = lw.strain;
            lw.strain = old
                + st.alpha * (1.0 - self.s.support.training_effect) * load / c0
                + st.beta * overtime / c0
                + st.gamma * unmet / c0
                - st.rho_work * old;
            if window {
                tally.emotional_load += load;
            }
        }
    }

    /// Step 6: at most one state change per patient; patients assigned today wait.
    fn step6_patient_transitions(
        &mut self,
        rng: &mut Rng,
        tally: &mut Tally,
        t: u32,
        window: bool,
    ) {
        let dropout = daily_from_weekly(self.s.policy.queue_dropout_per_week);
        let boundary_days = 7.0 * self.s.policy.max_holding_weeks;
        let mut dropped_from_queue = false;
        for p in 0..self.patients.len() {
            if self.patients[p].assigned_on == Some(t) {
                continue; // one change a day: docs/model.md § 3
            }
            match self.patients[p].state {
                PatientState::Queued => {
                    // A patient back in the queue after a rupture can drop out too; it
                    // counts as `queue_dropout` and, being assigned before, in
                    // `patients_per_lw_year` (docs/model.md § 7.10).
                    if bernoulli(rng, dropout) {
                        self.patients[p].state = PatientState::ReturnedToGp;
                        self.count_exit(PatientState::ReturnedToGp);
                        dropped_from_queue = true;
                        if window {
                            tally.returned_queue_dropout += 1;
                            if self.patients[p].ever_assigned {
                                tally.returns_after_assignment += 1;
                            }
                        }
                    }
                }
                PatientState::Connecting => {
                    let patient = &mut self.patients[p];
                    if patient.connected() {
                        if patient.any_holding_reason(t) {
                            patient.state = PatientState::Holding;
                        } else {
                            self.leave_care(p, PatientState::Discharged);
                            if window {
                                tally.discharged_connected += 1;
                            }
                        }
                    }
                }
                PatientState::Holding => {
                    // Reading: days in holding go up first, so `prep` weeks end on the
                    // day they reach `7·prep` (a patient held `7·prep` days); the
                    // witnessing draw is made every such day while unresolved, before
                    // the patient is checked for reasons left.
                    let patient = &mut self.patients[p];
                    patient.days_in_holding += 1;
                    if patient.witnessing
                        && bernoulli(rng, daily_from_weekly(patient.witnessing_resolve_per_week))
                    {
                        patient.witnessing = false;
                    }
                    if !patient.any_holding_reason(t) {
                        self.leave_care(p, PatientState::Discharged);
                        if window {
                            tally.discharged_resolved += 1;
                        }
                    } else if boundary_days > 0.0
                        && f64::from(patient.days_in_holding) >= boundary_days
                    {
                        self.leave_care(p, PatientState::ReturnedToGp);
                        if window {
                            tally.returned_boundary += 1;
                            tally.returns_after_assignment += 1;
                        }
                    }
                }
                PatientState::Discharged | PatientState::ReturnedToGp => {}
            }
        }
        if dropped_from_queue {
            let patients = &self.patients;
            self.queue
                .retain(|&p| patients[p].state == PatientState::Queued);
        }
    }

    /// Step 7: burnout, else a voluntary-exit draw, for each LW Active at step 3, in
    /// index order. Reading: on rest days (no step 3) that means the LWs Active after
    /// step 2, which are the LWs still Active when the loop reaches them, as only step 7
    /// changes an LW after step 2.
    fn step7_lw_transitions(&mut self, rng: &mut Rng, tally: &mut Tally, t: u32, window: bool) {
        let st = &self.s.strain;
        let base_rate = -(1.0 - st.base_turnover_per_year).ln();
        for i in 0..self.lws.len() {
            if self.lws[i].state != PostState::Active {
                continue;
            }
            let (strain, threshold) = (self.lws[i].strain, self.lws[i].threshold);
            if strain > threshold {
                let leave = lognormal_days(rng, st.sick_leave_median_days, st.sick_leave_p90_days);
                self.lws[i].state = PostState::SickLeave { until: t + leave };
                if window {
                    tally.burnouts += 1;
                }
                self.release_caseload(rng, tally, i, window);
            } else {
                let hazard = base_rate / 365.0 * (st.strain_turnover_k * strain / threshold).exp();
                if bernoulli(rng, 1.0 - (-hazard).exp()) {
                    let delay = self.recruitment_delay(rng);
                    self.lws[i].state = PostState::Vacant { until: t + delay };
                    if window {
                        tally.exits += 1;
                    }
                    self.release_caseload(rng, tally, i, window);
                }
            }
        }
    }

    /// Every patient of the caseload is a rupture: it returns to the GP with
    /// probability `p_drop_on_rupture`, else goes to the queue front (in caseload
    /// order) with more distress, keeping its progress.
    fn release_caseload(&mut self, rng: &mut Rng, tally: &mut Tally, i: usize, window: bool) {
        let policy = &self.s.policy;
        let caseload = std::mem::take(&mut self.lws[i].caseload);
        let mut requeued = Vec::new();
        for p in caseload {
            let patient = &mut self.patients[p];
            patient.lw = None;
            if window {
                tally.ruptures += 1;
            }
            if bernoulli(rng, policy.p_drop_on_rupture) {
                patient.state = PatientState::ReturnedToGp;
                self.returns_all_days += 1;
                if window {
                    tally.returned_rupture += 1;
                    tally.returns_after_assignment += 1;
                }
            } else {
                patient.distress = (patient.distress + policy.rupture_distress).min(1.0);
                patient.state = PatientState::Queued;
                requeued.push(p);
            }
        }
        for &p in requeued.iter().rev() {
            self.queue.push_front(p);
        }
    }

    /// Step 8: stocks as they stand at the end of the day.
    fn step8_record(&self, tally: &mut Tally, t: u32, window: bool) {
        let in_system = self.patients.iter().filter(|p| p.in_system()).count();
        tally.patient_days += in_system as u64;
        if !window {
            return;
        }
        for lw in &self.lws {
            match lw.state {
                PostState::Vacant { .. } => tally.vacant_post_days += 1,
                PostState::SickLeave { .. } => tally.filled_post_days += 1,
                PostState::Active => {
                    tally.filled_post_days += 1;
                    tally.active_lw_days += 1;
                    tally.strain_sum += lw.strain;
                }
            }
        }
        // A patient re-assigned into Holding with no reason left (it is discharged
        // tomorrow, docs/model.md § 9 item 10) counts in the total but under no reason.
        for p in self
            .patients
            .iter()
            .filter(|p| p.state == PatientState::Holding)
        {
            tally.held_days += 1;
            tally.held_days_waiting += u64::from(p.waiting(t));
            tally.held_days_preparing += u64::from(p.preparing());
            tally.held_days_witnessing += u64::from(p.witnessing);
        }
    }

    /// Every referral is in exactly one state; the queue holds exactly the Queued
    /// patients and the caseloads exactly the Connecting and Holding ones, once each.
    fn assert_conservation(&self) {
        let mut seen = vec![0u32; self.patients.len()];
        for &p in &self.queue {
            assert_eq!(
                self.patients[p].state,
                PatientState::Queued,
                "patient {p} in queue"
            );
            seen[p] += 1;
        }
        for (i, lw) in self.lws.iter().enumerate() {
            assert!(
                lw.state == PostState::Active || lw.caseload.is_empty(),
                "LW {i} not Active but has a caseload"
            );
            for &p in &lw.caseload {
                let patient = &self.patients[p];
                assert!(
                    matches!(
                        patient.state,
                        PatientState::Connecting | PatientState::Holding
                    ),
                    "patient {p} in a caseload while {:?}",
                    patient.state
                );
                assert_eq!(patient.lw, Some(i), "patient {p} in LW {i}'s caseload");
                seen[p] += 1;
            }
        }
        let (mut discharged, mut returned) = (0, 0);
        for (p, patient) in self.patients.iter().enumerate() {
            let expected = u32::from(patient.in_system());
            assert_eq!(
                seen[p], expected,
                "patient {p} ({:?}) listed {} times",
                patient.state, seen[p]
            );
            match patient.state {
                PatientState::Discharged => discharged += 1,
                PatientState::ReturnedToGp => returned += 1,
                _ => {}
            }
        }
        // Every referral is in the system or left it by exactly one recorded exit.
        assert_eq!(discharged, self.discharges_all_days);
        assert_eq!(returned, self.returns_all_days);
        let in_care: usize = self.lws.iter().map(|lw| lw.caseload.len()).sum();
        assert_eq!(
            self.queue.len() + in_care + self.discharges_all_days + self.returns_all_days,
            self.patients.len()
        );
    }
}

// ---------------------------------------------------------------------------------
// One replication
// ---------------------------------------------------------------------------------

/// Simulates replication `replication` of all `s.run.sites` sites and returns the
/// KPIs of docs/model.md § 7.10. Sites run one after another on one generator.
pub fn run_reference(s: &Scenario, replication: u64) -> RefKpis {
    let stream = (replication + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0x0123_4567_89AB_CDEF;
    let mut rng = Rng::seed_from_u64(s.run.seed ^ stream);
    let mut tally = Tally::default();
    for _ in 0..s.run.sites {
        let mut site = Site::new(s, &mut rng);
        site.simulate(&mut rng, &mut tally);
    }
    kpis(s, &tally)
}

fn ratio(numerator: f64, denominator: f64) -> Option<f64> {
    (denominator > 0.0).then(|| numerator / denominator)
}

fn kpis(s: &Scenario, tally: &Tally) -> RefKpis {
    let window_days = f64::from(s.run.horizon_days - s.run.warmup_days);
    let post_days = f64::from(s.run.sites) * f64::from(s.workforce.link_workers) * window_days;
    let post_years = post_days / 365.0;

    let discharges = (tally.discharged_connected + tally.discharged_resolved) as f64;
    let returns =
        (tally.returned_queue_dropout + tally.returned_boundary + tally.returned_rupture) as f64;
    let referrals = tally.referrals as f64;

    let (wait_mean_days, wait_p90_days) = if tally.waits.is_empty() {
        (None, None)
    } else {
        let mut waits = tally.waits.clone();
        waits.sort_unstable();
        let n = waits.len();
        let mean = waits.iter().map(|&w| f64::from(w)).sum::<f64>() / n as f64;
        // Nearest rank: the `ceil(0.9·n)`-th smallest (the tolerance guards `0.9·n`
        // landing a hair above a whole number).
        let rank = (0.9 * n as f64 - 1e-9).ceil().max(1.0) as usize;
        (Some(mean), Some(f64::from(waits[rank - 1])))
    };

    // Reading: a hire is a Vacant post filled at step 2 (the LWs present at t = 0 are
    // not hires); filled post-years are step-8 post-days Active or on SickLeave / 365.
    // Supervision is bought for every filled post (hours a month × 12 a year), training
    // only while it has an effect.
    let filled_post_years = tally.filled_post_days as f64 / 365.0;
    let cost_posts = s.cost.lw_cost_per_year * filled_post_years;
    let cost_recruitment = s.cost.recruitment_cost * tally.hires as f64;
    let cost_supervision = s.support.supervision_hours_per_month
        * 12.0
        * s.cost.supervision_cost_per_hour
        * filled_post_years;
    let cost_training = if s.support.training_effect > 0.0 {
        s.cost.training_cost_per_lw_year * filled_post_years
    } else {
        0.0
    };
    let cost = cost_posts + cost_recruitment + cost_supervision + cost_training;
    let seen = discharges + tally.returns_after_assignment as f64;
    let dropouts = tally.returned_queue_dropout as f64;

    RefKpis {
        burnouts_per_post_year: Some(tally.burnouts as f64 / post_years),
        exits_per_post_year: Some(tally.exits as f64 / post_years),
        burnouts: Some(tally.burnouts as f64),
        exits: Some(tally.exits as f64),
        vacancy_fraction: Some(tally.vacant_post_days as f64 / post_days),
        mean_strain: ratio(tally.strain_sum, tally.active_lw_days as f64),
        referrals: Some(referrals),
        patients_seen: Some(seen),
        wait_mean_days,
        wait_p90_days,
        share_gave_up_waiting: ratio(dropouts, tally.waits.len() as f64 + dropouts),
        discharged_connected: Some(tally.discharged_connected as f64),
        discharged_resolved: Some(tally.discharged_resolved as f64),
        returned_to_gp: Some(returns),
        returned_queue_dropout: Some(dropouts),
        returned_boundary: Some(tally.returned_boundary as f64),
        returned_rupture: Some(tally.returned_rupture as f64),
        share_returned_to_gp: ratio(returns, discharges + returns),
        ruptures_per_100_referrals: ratio(100.0 * tally.ruptures as f64, referrals),
        held_patient_weeks: Some(tally.held_days as f64 / 7.0),
        held_patient_weeks_waiting: Some(tally.held_days_waiting as f64 / 7.0),
        held_patient_weeks_preparing: Some(tally.held_days_preparing as f64 / 7.0),
        held_patient_weeks_witnessing: Some(tally.held_days_witnessing as f64 / 7.0),
        emotional_load: Some(tally.emotional_load),
        patients_per_lw_year: Some(seen / post_years),
        cost_posts: Some(cost_posts),
        cost_recruitment: Some(cost_recruitment),
        cost_supervision: Some(cost_supervision),
        cost_training: Some(cost_training),
        cost: Some(cost),
        cost_per_year: Some(cost / (window_days / 365.0)),
        cost_per_patient_seen: ratio(cost, seen),
        cost_per_patient_discharged: ratio(cost, discharges),
        patient_days: tally.patient_days as f64,
    }
}

// ---------------------------------------------------------------------------------
// Tests of the reference itself
// ---------------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;
    use rayon::prelude::*;

    /// Replications per calibration scenario. A baseline replication takes about
    /// 18 ms and a pressured one about 30 ms of CPU in the dev profile (with the daily
    /// conservation check), so 400 of each is about 19 s of CPU: under 10 s per test on
    /// two cores. More would barely help: the published figures are means of only 100
    /// replications, and their own standard error dominates the tolerance below.
    const CALIBRATION_REPLICATIONS: u64 = 400;

    /// Mean, standard deviation and count over replications of one KPI (undefined
    /// values left out).
    struct Stat {
        mean: f64,
        sd: f64,
        n: usize,
    }

    fn stat(runs: &[RefKpis], name: &str) -> Stat {
        let xs: Vec<f64> = runs.iter().filter_map(|k| k.get(name)).collect();
        let n = xs.len();
        let mean = xs.iter().sum::<f64>() / n as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n as f64 - 1.0);
        Stat {
            mean,
            sd: var.sqrt(),
            n,
        }
    }

    fn replicate(s: &Scenario, replications: u64) -> Vec<RefKpis> {
        (0..replications)
            .into_par_iter()
            .map(|r| run_reference(s, r))
            .collect()
    }

    fn report(label: &str, runs: &[RefKpis]) {
        println!(
            "{label}: {} replications (mean ± standard error)",
            runs.len()
        );
        for name in KPI_NAMES.iter().chain(&["patient_days"]) {
            let st = stat(runs, name);
            let se = st.sd / (st.n as f64).sqrt();
            println!("  {name:32} {:>14.4} ± {se:.4} (n = {})", st.mean, st.n);
        }
    }

    /// Checks a KPI mean (times `scale`, for percentages) against a published figure.
    ///
    /// The published figure is the mean of 100 replications of another faithful
    /// implementation, on other dice, then rounded to the nearest `rounding`. So it
    /// differs from our mean by the sum of two independent sampling errors, with
    /// standard deviation `sd · sqrt(1/n + 1/100)` (`sd` the between-replication spread
    /// we observe), plus up to half a rounding unit. We allow 4 of those standard
    /// deviations (a false alarm about once in 16,000 checks if the means were normal;
    /// burnouts and waits are right-skewed, cascades being rare and large, which 4
    /// rather than 3 also allows for) plus half the rounding unit.
    ///
    /// Observed spreads (sd over replications): baseline patients_per_lw_year 6.2,
    /// exits 0.155, burnouts 0.166, wait 7.6 days, share returned 3.4 points; pressured
    /// 21, 0.171, 0.267, 23.7 days, 6.6 points. With n = 400 that gives tolerances of
    /// about 2.8 + 2.5 (rounding), 0.07, 0.08, 3.4 + 0.5, 1.5 + 0.5 points (baseline) and
    /// 9.4 + 2.5, 0.08, 0.12, 10.6 + 2.5, 3.0 + 0.5 points (pressured).
    fn check(runs: &[RefKpis], name: &str, published: f64, rounding: f64, scale: f64) {
        let st = stat(runs, name);
        let (mean, sd) = (st.mean * scale, st.sd * scale);
        let sd_of_difference = sd * (1.0 / st.n as f64 + 1.0 / 100.0).sqrt();
        let tolerance = 4.0 * sd_of_difference + rounding / 2.0;
        println!(
            "  {name}: reference {mean:.4} ± {:.4} (se) vs published {published}, tolerance {tolerance:.4}",
            sd / (st.n as f64).sqrt()
        );
        assert!(
            (mean - published).abs() <= tolerance,
            "{name}: reference mean {mean:.4} (sd {sd:.4}, n {}) vs published {published} ± {tolerance:.4}",
            st.n
        );
    }

    /// Published figures (docs/model.md § 10): baseline ≈ 205 patients per LW per year,
    /// ≈ 0.23 exits and ≈ 0.09 burnouts per post-year, mean wait ≈ 5 days, ≈ 3% returned
    /// to the GP.
    ///
    /// Over 2,000 replications the reference gives 202.6 ± 0.14 patients per LW-year,
    /// 0.249 ± 0.003 exits, 0.110 ± 0.004 burnouts, 5.6 ± 0.2 days and 3.1 ± 0.1%. The
    /// patients per LW-year figure is read as rounded to the nearest 5: the flows allow
    /// little more than 203 (2,815 referrals in the window, 208 per post-year, less
    /// about 40 queue dropouts and about 25 patients of held stock still building up
    /// after the 180-day warm-up, as long service waits and witnessing take months),
    /// and no block of 100 of our replications exceeded 203.7.
    #[test]
    fn baseline_matches_published_calibration() {
        let s = Scenario::default();
        let runs = replicate(&s, CALIBRATION_REPLICATIONS);
        report("baseline", &runs);
        check(&runs, "patients_per_lw_year", 205.0, 5.0, 1.0);
        check(&runs, "exits_per_post_year", 0.23, 0.01, 1.0);
        check(&runs, "burnouts_per_post_year", 0.09, 0.01, 1.0);
        check(&runs, "wait_mean_days", 5.0, 1.0, 1.0);
        check(&runs, "share_returned_to_gp", 3.0, 1.0, 100.0);
    }

    /// Published figures (docs/model.md § 10): pressured (20 referrals/week) ≈ 260
    /// patients per LW per year, ≈ 0.38 exits and ≈ 0.25 burnouts per post-year, mean
    /// wait ≈ 80 days, ≈ 24% returned.
    ///
    /// Over 1,000 replications the reference gives 261.5 ± 0.7, 0.382 ± 0.005,
    /// 0.281 ± 0.008, 81.5 ± 0.8 days and 23.5 ± 0.2%.
    #[test]
    fn pressured_matches_published_calibration() {
        let mut s = Scenario::default();
        s.referrals.rate_per_week = 20.0;
        let runs = replicate(&s, CALIBRATION_REPLICATIONS);
        report("pressured", &runs);
        check(&runs, "patients_per_lw_year", 260.0, 5.0, 1.0);
        check(&runs, "exits_per_post_year", 0.38, 0.01, 1.0);
        check(&runs, "burnouts_per_post_year", 0.25, 0.01, 1.0);
        check(&runs, "wait_mean_days", 80.0, 5.0, 1.0);
        check(&runs, "share_returned_to_gp", 24.0, 1.0, 100.0);
    }

    /// Runs scenarios that exercise every path (caseload caps, the holding boundary,
    /// ruptures, burnout cascades, fixed durations, several sites) with the daily
    /// conservation check of `Site::assert_conservation` on (it runs in every
    /// debug-build simulation), and checks the window flows never exceed referrals.
    #[test]
    fn conservation_under_stress() {
        let mut capped = Scenario::default();
        capped.run.horizon_days = 400;
        capped.run.warmup_days = 0;
        capped.run.sites = 2;
        capped.referrals.rate_per_week = 25.0;
        capped.policy.caseload_cap = 20;
        capped.policy.max_holding_weeks = 3.5;

        let mut cascading = capped.clone();
        cascading.policy.caseload_cap = 0;
        cascading.policy.max_holding_weeks = 0.0;
        cascading.strain.alpha = 0.15;
        cascading.strain.sick_leave_p90_days = cascading.strain.sick_leave_median_days;
        cascading.workforce.recruitment_p90_days = cascading.workforce.recruitment_median_days;

        let mut totals = RefKpis::default();
        let add = |total: &mut Option<f64>, x: Option<f64>| {
            *total = Some(total.unwrap_or(0.0) + x.unwrap_or(0.0));
        };
        for s in [&capped, &cascading] {
            for r in 0..3 {
                let k = run_reference(s, r);
                let get = |n: &str| k.get(n).expect("defined");
                let left = get("discharged_connected")
                    + get("discharged_resolved")
                    + get("returned_queue_dropout")
                    + get("returned_boundary")
                    + get("returned_rupture");
                assert!(left <= get("referrals"), "more exits than referrals");
                assert!(k.patient_days > 0.0);
                add(&mut totals.returned_boundary, k.returned_boundary);
                add(&mut totals.returned_rupture, k.returned_rupture);
                add(&mut totals.burnouts_per_post_year, k.burnouts_per_post_year);
                add(&mut totals.discharged_resolved, k.discharged_resolved);
            }
        }
        for name in [
            "returned_boundary",
            "returned_rupture",
            "burnouts_per_post_year",
            "discharged_resolved",
        ] {
            assert!(totals.get(name).unwrap() > 0.0, "{name} path not exercised");
        }
    }

    /// With no referrals the wait, share and per-referral KPIs are undefined.
    #[test]
    fn undefined_kpis_are_none() {
        let mut s = Scenario::default();
        s.run.horizon_days = 200;
        s.run.warmup_days = 10;
        s.referrals.rate_per_week = 0.0;
        let k = run_reference(&s, 0);
        assert_eq!(k.referrals, Some(0.0));
        assert_eq!(k.wait_mean_days, None);
        assert_eq!(k.wait_p90_days, None);
        assert_eq!(k.share_returned_to_gp, None);
        assert_eq!(k.ruptures_per_100_referrals, None);
        assert_eq!(k.cost_per_patient_discharged, None);
        assert_eq!(k.patient_days, 0.0);
        assert_eq!(k.get("no_such_kpi"), None);
    }

    /// docs/model.md § 7.9 and § 7.1: fixed durations round up, at least one day;
    /// degenerate draws are exact.
    #[test]
    fn durations_and_degenerate_draws() {
        let mut rng = Rng::seed_from_u64(1);
        assert_eq!(lognormal_days(&mut rng, 28.0, 28.0), 28);
        assert_eq!(lognormal_days(&mut rng, 27.2, 27.2), 28);
        assert_eq!(lognormal_days(&mut rng, 0.3, 0.3), 1);
        assert_eq!(poisson(&mut rng, 0.0), 0.0);
        assert_eq!(gamma_mean_cv(&mut rng, 0.0, 0.5), 0.0);
        // LogNormal(median, p90): about half the draws at or below the median and
        // 90% at or below the p90 (2,000 draws: standard errors 1.1 and 0.7 points).
        let draws: Vec<u32> = (0..2000)
            .map(|_| lognormal_days(&mut rng, 90.0, 180.0))
            .collect();
        let share = |limit: u32| draws.iter().filter(|&&d| d <= limit).count() as f64 / 2000.0;
        assert!((share(90) - 0.5).abs() < 0.05, "median share {}", share(90));
        assert!((share(180) - 0.9).abs() < 0.03, "p90 share {}", share(180));
    }
}
