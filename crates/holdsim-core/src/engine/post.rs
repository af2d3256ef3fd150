//! Link worker posts: each post's state, its holder's strain, and the incremental
//! caseload aggregates that let a working day cost O(1) per LW instead of O(caseload).

use rand::{RngExt, SeedableRng};

use super::patient::Ref;
use crate::model::Model;
use crate::rng::{Process, Rng, SiteKey};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PostState {
    Active,
    /// On burnout sick leave until `Post::until` (step 2 of that day).
    SickLeave,
    /// Empty until `Post::until` (step 2 of that day), when a new hire fills it.
    Vacant,
}

/// A post's Connecting patients in the order they complete: by target (the LW's
/// cumulative progress at which the patient has done its sessions), then handle — a
/// total order, the one a heap of them popped in. Why not a `BinaryHeap`: a caseload
/// holds a few dozen Connecting patients, so a newcomer's place is found by a scan
/// from the back and the few entries after it (about 6 of 21 in a baseline run, 8 of
/// 29 in England) move up in one copy, where a heap sifted on every removal;
/// removals take the front by moving `head` on. (A binary search branched on
/// coin-toss comparisons, mispredicting about half of them; a branch-free one was a
/// chain of dependent loads, 4% slower than this scan on England. Shifting entry by
/// entry from the back cost about as much at baseline and more where caseloads are
/// longer; keeping the entries unsorted and scanning them on days something is due
/// cost twice as much.)
///
/// Each entry is one `u128`: the target's bits (a non-negative float's bits order
/// like the float), then the handle's slot and ticket. Comparing two is then one
/// wide integer comparison, where comparing `(u64, Ref)` tuples field by field
/// branched at each field; the order is the same.
#[derive(Clone, Debug, Default)]
pub struct Completions {
    /// Sorted from `head` on; the entries before `head` are taken.
    items: Vec<u128>,
    head: usize,
}

impl Completions {
    /// Adds a Connecting patient that completes when progress reaches `target` (≥ 0).
    #[inline]
    pub fn push(&mut self, target: f64, patient: Ref) {
        debug_assert!(target >= 0.0, "a completion target is never negative");
        if self.head > 0 && 2 * self.head >= self.items.len() {
            self.items.drain(..self.head);
            self.head = 0;
        }
        let entry = (u128::from(target.to_bits()) << 64)
            | (u128::from(patient.slot) << 32)
            | u128::from(patient.ticket);
        // After every entry below it (entries are distinct), found from the back: the
        // entries passed over are the ones the insertion moves anyway.
        let mut place = self.items.len();
        while place > self.head && self.items[place - 1] > entry {
            place -= 1;
        }
        self.items.insert(place, entry);
    }

    /// The next completion due (its target and patient), if any.
    #[inline]
    pub fn peek(&self) -> Option<(f64, Ref)> {
        self.items.get(self.head).map(|&entry| {
            let target = f64::from_bits((entry >> 64) as u64);
            let patient = Ref {
                slot: (entry >> 32) as u32,
                ticket: entry as u32,
            };
            (target, patient)
        })
    }

    /// Takes the next completion due.
    #[inline]
    pub fn pop(&mut self) -> Option<(f64, Ref)> {
        let next = self.peek()?;
        self.head += 1;
        if self.head == self.items.len() {
            self.clear();
        }
        Some(next)
    }

    pub fn clear(&mut self) {
        self.items.clear();
        self.head = 0;
    }
}

/// One post of a site and whoever holds it.
#[derive(Clone, Debug)]
pub struct Post {
    /// The post's number within its site (its random streams are keyed by it).
    pub post: u64,
    pub state: PostState,
    pub until: u32,
    pub strain: f64,
    pub threshold: f64,
    /// Day of hire; LWs present at day 0 count as fully ramped.
    pub hired_day: Option<u32>,
    /// Weekly demand `W = Σ w_p` over the open caseload, kept incrementally.
    pub demand: f64,
    /// Weekly emotional weight `Σ w_p · d_p · m_p`, kept incrementally; the day's
    /// emotional load is `f · weight / 5`.
    pub emotional_weight: f64,
    pub caseload_size: u32,
    /// Cumulative sessions-per-patient delivered: `Σ f/5` over working days. A
    /// Connecting patient's sessions done are `s0 + (progress − progress_base)`, so no
    /// patient is touched on an ordinary day.
    pub progress: f64,
    /// Voluntary exit by thinning (docs/model.md § 9 item 1): the holder's Active days
    /// without a burnout are candidates with probability `Model::exit_candidate`'s
    /// `p`, the largest daily exit probability; a candidate day is an exit with
    /// probability `p_t / p`. This counts the non-candidate days left before the next.
    pub exit_countdown: u32,
    /// The holder's exit stream: candidate gaps and acceptance uniforms, in turn.
    pub exit_rng: Rng,
    /// Counters that index this post's streams.
    pub holders: u64,
    pub leaves: u64,
    pub vacancies: u64,
    /// Whether the current sick leave ends in exit (drawn with its duration).
    pub exit_after_leave: bool,
    pub completions: Completions,
}

impl Post {
    pub fn new(post: u64) -> Post {
        Post {
            post,
            state: PostState::Vacant,
            until: 0,
            strain: 0.0,
            threshold: 1.0,
            hired_day: None,
            demand: 0.0,
            emotional_weight: 0.0,
            caseload_size: 0,
            progress: 0.0,
            exit_countdown: u32::MAX,
            exit_rng: Rng::seed_from_u64(0),
            holders: 0,
            leaves: 0,
            vacancies: 0,
            exit_after_leave: false,
            completions: Completions::default(),
        }
    }

    /// Resets the post for a new replication, keeping buffer capacity.
    pub fn reset(&mut self, model: &Model, key: SiteKey) {
        let completions = std::mem::take(&mut self.completions);
        *self = Post {
            completions,
            ..Post::new(self.post)
        };
        self.completions.clear();
        self.start_holder(model, key, None);
    }

    /// A new person takes the post: no strain, a fresh threshold and exit clock.
    pub fn start_holder(&mut self, model: &Model, key: SiteKey, hired_day: Option<u32>) {
        self.state = PostState::Active;
        self.strain = 0.0;
        self.threshold =
            model
                .threshold
                .sample(&mut key.stream(Process::Threshold, self.post, self.holders));
        self.exit_rng = key.stream(Process::ExitClock, self.post, self.holders);
        self.exit_countdown = model.exit_candidate.failures(self.exit_rng.random());
        self.hired_day = hired_day;
        self.holders += 1;
    }

    /// Onboarding ramp on day `t` (docs/model.md § 7.4): calendar days since hire.
    #[inline]
    pub fn ramp(&self, model: &Model, t: u32) -> f64 {
        match self.hired_day {
            None => 1.0,
            Some(h) => (model.ramp_start
                + (1.0 - model.ramp_start) * f64::from(t - h) / model.onboarding_days)
                .min(1.0),
        }
    }

    /// Whether the holder, Active and not burnt out, leaves today with strain
    /// `self.strain`: the daily probability `1 − exp(−h_t)`, `h_t = h₀ · exp(k · S/θ)`,
    /// evaluated only on candidate days. Exact because `S ≤ θ` here (a higher strain
    /// is a burnout) and `k ≥ 0`, so `h_t ≤ h₀ · eᵏ`, whose probability is the
    /// candidates'. Why: an `exp` a post-day was a tenth of a replication's work.
    #[inline]
    pub fn leaves_voluntarily(&mut self, model: &Model) -> bool {
        if self.exit_countdown > 0 {
            self.exit_countdown -= 1;
            return false;
        }
        let hazard = model.base_hazard_daily
            * (model.strain_turnover_k * self.strain / self.threshold).exp();
        let u: f64 = self.exit_rng.random();
        if u * model.exit_candidate.p < -(-hazard).exp_m1() {
            return true;
        }
        self.exit_countdown = model.exit_candidate.failures(self.exit_rng.random());
        false
    }

    /// Starts a burnout sick leave on day `t`.
    pub fn start_sick_leave(&mut self, model: &Model, key: SiteKey, t: u32) {
        let mut rng = key.stream(Process::SickLeave, self.post, self.leaves);
        self.leaves += 1;
        let days = model.sick_leave.sample_days(&mut rng);
        self.exit_after_leave = rng.random::<f64>() < model.p_exit_after_burnout;
        self.state = PostState::SickLeave;
        self.until = t.saturating_add(days);
    }

    /// The holder leaves on day `t`; the post is Vacant for a recruitment delay.
    pub fn start_vacancy(&mut self, model: &Model, key: SiteKey, t: u32) {
        let days = model.recruitment.sample_days(&mut key.stream(
            Process::Recruitment,
            self.post,
            self.vacancies,
        ));
        self.vacancies += 1;
        self.state = PostState::Vacant;
        self.until = t.saturating_add(days);
    }

    /// Empties the caseload aggregates (after a release or when the last patient leaves,
    /// which also clears floating-point drift).
    pub fn clear_caseload(&mut self) {
        self.completions.clear();
        self.caseload_size = 0;
        self.demand = 0.0;
        self.emotional_weight = 0.0;
    }

    /// Removes `w` weekly hours with emotional weight `e` when a patient leaves.
    #[inline]
    pub fn remove_patient(&mut self, w: f64, e: f64) {
        self.caseload_size -= 1;
        if self.caseload_size == 0 {
            self.clear_caseload();
        } else {
            self.demand -= w;
            self.emotional_weight -= e;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Scenario;

    /// The mean number of Active days to a voluntary exit at strain `ratio · θ`, over
    /// `holders` holders of one post, and the daily probability it should follow.
    fn days_to_exit(k: f64, ratio: f64, holders: u64) -> (f64, f64) {
        let mut s = Scenario::default();
        s.strain.strain_turnover_k = k;
        s.strain.base_turnover_per_year = 0.3;
        let model = Model::try_new(&s).expect("valid scenario");
        let key = SiteKey::new(11, 0, 0);
        let mut post = Post::new(0);
        let mut total = 0u64;
        for _ in 0..holders {
            post.start_holder(&model, key, None);
            post.threshold = 1.0;
            post.strain = ratio;
            let mut days = 1;
            while !post.leaves_voluntarily(&model) {
                days += 1;
            }
            total += days;
        }
        let p = -(-model.base_hazard_daily * (k * ratio).exp()).exp_m1();
        (total as f64 / holders as f64, p)
    }

    #[test]
    fn thinned_exits_happen_with_the_daily_probability_at_any_strain() {
        let holders = 20_000;
        for (k, ratio) in [(0.0, 0.5), (2.0, 0.0), (2.0, 0.5), (2.0, 1.0), (6.0, 0.3)] {
            let (mean, p) = days_to_exit(k, ratio, holders);
            // Days to the first success of Bernoulli(p): mean 1/p, sd √(1 − p)/p.
            let se = (1.0 - p).sqrt() / p / (holders as f64).sqrt();
            assert!(
                (mean - 1.0 / p).abs() < 4.0 * se,
                "k {k}, S/θ {ratio}: mean {mean:.1} days, expected {:.1} ± {se:.1}",
                1.0 / p
            );
        }
        // The check can fail: accepting every candidate (exits at the highest hazard)
        // would give a mean e^(k(1 − S/θ)) times shorter; here a 10% shift is seen.
        let (mean, p) = days_to_exit(2.0, 0.5, holders);
        let se = (1.0 - p).sqrt() / p / (holders as f64).sqrt();
        assert!((mean - 1.1 / p).abs() > 4.0 * se);
    }
}
