//! One site's day, in the order docs/model.md § 3 fixes: arrivals, workforce events,
//! assignment, work, strain, patient transitions, LW transitions, record.
//!
//! The site touches a patient only when something happens to it. Ordinary days cost
//! O(LWs): caseload demand and emotional weight are kept per LW incrementally;
//! Connecting progress is one cumulative counter per LW; a holding spell's end, each
//! holding reason's end and each queue dropout are known in advance (their random
//! parts are drawn up front from the patient's own streams) and sit in an event
//! queue; held-by-reason counts come from per-day deltas. Ruptures, the one thing that
//! interrupts these plans, undo them.

use std::collections::VecDeque;

use super::patient::{NEVER, Patient, PatientState, Ref};
use super::post::{Post, PostState};
use super::record::{Series, SeriesValues};
use crate::dist::Geometric;
use crate::model::Model;
use crate::rng::{EntityKey, Process, ProcessKey, SiteKey};

/// Tolerance of the "sessions done ≥ sessions needed" test (docs/model.md § 7.7).
const SESSION_EPS: f64 = 1e-9;

/// The room of an LW closed to intake: above every open LW's, so picking the least
/// room needs no test of which are open — and no branch on it, which step 3 took
/// for every assignment and mispredicted whenever another LW had the least room.
const CLOSED: f64 = f64::INFINITY;

/// All mutable state of one site; buffers are reused across sites and replications.
#[derive(Debug, Default)]
pub struct Site {
    key: Option<SiteKey>,
    /// The keys of the processes consulted per referral, hashed once per site.
    attribute_key: Option<ProcessKey>,
    dropout_key: Option<ProcessKey>,
    /// The site's arrival counts' streams (one a day), hashed once per site.
    arrivals_key: Option<EntityKey>,
    pub patients: Vec<Patient>,
    free: Vec<u32>,
    queue: VecDeque<Ref>,
    /// A calendar: `due[t]` holds the patients for whom something is due on day `t` —
    /// a queue dropout or the end of a holding spell (told apart by the patient's
    /// state; stale handles are skipped). Days only move forward, so a bucket per day
    /// makes scheduling and collecting O(1), where a heap cost O(log n) per event.
    due: Vec<Vec<Ref>>,
    /// Connecting patients that reached their sessions on the day they were
    /// (re)assigned: they transition a day later (docs/model.md § 9 item 2).
    deferred: Vec<Ref>,
    deferred_next: Vec<Ref>,
    released: Vec<Ref>,
    /// Assignments made so far (the next one's number, see `Patient::assignment`).
    assignments: u64,
    /// Scratch for a release: the LW's patients as (assignment number, slot).
    releasing: Vec<(u64, u32)>,
    pub posts: Vec<Post>,
    /// Per-day changes of the held-by-reason counts (waiting, preparing, witnessing).
    reason_delta: [Vec<i32>; 3],
    pub reason_count: [i64; 3],
    pub queued: u32,
    pub connecting: u32,
    pub holding: u32,
    referrals: u64,
    /// The earliest day a post's sick leave or vacancy ends (`u32::MAX`: none), so
    /// that days without one skip step 2.
    next_workforce_event: u32,
    /// Scratch: each Active LW's capacity and cap today.
    capacity: Vec<f64>,
    cap: Vec<u32>,
    /// Scratch for step 3: each LW's room (demand over weekly capacity), `CLOSED` when
    /// closed to intake. An assignment changes only its own LW's room, so each is
    /// recomputed when it changes, not for every queued patient.
    room: Vec<f64>,
    /// Flows counted as they happen today.
    pub today: SeriesValues,
    /// Waits (days) of patients first assigned today.
    pub waits_today: Vec<u32>,
    lw_cost_per_day: f64,
    recruitment_cost: f64,
    supervision_cost_per_day: f64,
    training_cost_per_day: f64,
}

impl Site {
    /// Prepares the site for a new replication.
    pub fn reset(&mut self, model: &Model, key: SiteKey) {
        self.key = Some(key);
        self.attribute_key = Some(key.process(Process::PatientAttributes));
        self.dropout_key = Some(key.process(Process::QueueDropout));
        self.arrivals_key = Some(key.entity(Process::Arrivals, 0));
        self.lw_cost_per_day = model.lw_cost_per_year / 365.0;
        self.recruitment_cost = model.recruitment_cost;
        self.supervision_cost_per_day = model.supervision_cost_per_year / 365.0;
        self.training_cost_per_day = model.training_cost_per_year / 365.0;
        self.patients.clear();
        self.free.clear();
        self.queue.clear();
        self.due.resize_with(model.horizon_days as usize, Vec::new);
        for bucket in &mut self.due {
            bucket.clear();
        }
        self.deferred.clear();
        self.deferred_next.clear();
        let posts = model.link_workers as usize;
        self.posts.resize_with(posts, || Post::new(0));
        for (i, w) in self.posts.iter_mut().enumerate() {
            w.post = i as u64;
            w.reset(model, key);
        }
        let len = model.horizon_days as usize + 1;
        for d in &mut self.reason_delta {
            d.clear();
            d.resize(len, 0);
        }
        self.reason_count = [0; 3];
        self.queued = 0;
        self.connecting = 0;
        self.holding = 0;
        self.referrals = 0;
        self.assignments = 0;
        self.next_workforce_event = u32::MAX;
        self.capacity.resize(posts, 0.0);
        self.cap.resize(posts, 0);
        self.room.resize(posts, CLOSED);
        self.today = SeriesValues::default();
        self.waits_today.clear();
    }

    fn key(&self) -> SiteKey {
        self.key.expect("site reset before use")
    }

    /// Simulates day `t`, steps 1–7, leaving the day's flows in `today`. Step 8
    /// (recording stocks) is [`Site::record`].
    pub fn step(&mut self, model: &Model, t: u32) {
        self.today = SeriesValues::default();
        self.waits_today.clear();
        let working = t % 7 < 5;
        if working {
            self.arrivals(model, t);
        }
        if t >= self.next_workforce_event {
            self.workforce_events(model, t);
        }
        if working {
            self.assign(model, t);
        }
        self.work_and_strain(model, working);
        self.patient_transitions(model, t);
        self.lw_transitions(model, t);
    }

    /// Step 1.
    fn arrivals(&mut self, model: &Model, t: u32) {
        let count = &model.arrival_counts[t as usize];
        if count.is_zero() {
            return;
        }
        let arrivals = self.arrivals_key.expect("site reset before use");
        let n = count.sample(&mut arrivals.stream(u64::from(t)));
        let attributes = self.attribute_key.expect("site reset before use");
        for _ in 0..n {
            let r = self.admit();
            self.patients[r.slot as usize].become_referral(model, attributes, self.referrals, t);
            self.referrals += 1;
            self.today[Series::Referrals] += 1.0;
            self.enter_queue(model, r, t);
            self.queue.push_back(r);
        }
    }

    /// Takes a free slot for a new patient, to be drawn in place; its ticket
    /// continues the slot's count so old handles to the slot stay stale.
    fn admit(&mut self) -> Ref {
        match self.free.pop() {
            Some(slot) => {
                let p = &mut self.patients[slot as usize];
                p.ticket = p.ticket.wrapping_add(1);
                Ref {
                    slot,
                    ticket: p.ticket,
                }
            }
            None => {
                self.patients.push(Patient::EMPTY);
                Ref {
                    slot: (self.patients.len() - 1) as u32,
                    ticket: 0,
                }
            }
        }
    }

    /// Marks a patient Queued and schedules its dropout. The first dropout check is
    /// step 6 of `first_check` (today for a new referral, tomorrow after a rupture).
    /// A dropout [`Geometric::LOOKAHEAD`] days or more away is not computed yet: a
    /// recheck is due on that day instead (see [`Site::recheck_dropout`]), by when
    /// most patients have been assigned.
    fn enter_queue(&mut self, model: &Model, r: Ref, first_check: u32) {
        let dropout = self.dropout_key.expect("site reset before use");
        let p = &mut self.patients[r.slot as usize];
        p.state = PatientState::Queued;
        let u = dropout
            .entity(p.referral_index)
            .uniform(u64::from(p.queue_entries));
        p.queue_entries += 1;
        p.queue_first_check = first_check;
        p.dropout_u = u;
        self.queued += 1;
        let day = match model.queue_dropout.failures_within_lookahead(u) {
            Some(failures) => {
                let day = first_check.saturating_add(failures);
                p.dropout_day = day;
                day
            }
            None => {
                p.dropout_day = NEVER;
                first_check.saturating_add(Geometric::LOOKAHEAD)
            }
        };
        if day < model.horizon_days {
            self.due[day as usize].push(r);
        }
    }

    /// A patient still Queued on its recheck day `t`: its dropout day, at least `t`, is
    /// computed now from the uniform drawn when it entered the queue. Returns whether
    /// it is today; a later one is scheduled.
    fn recheck_dropout(&mut self, model: &Model, r: Ref, t: u32) -> bool {
        let p = &mut self.patients[r.slot as usize];
        let failures = model.queue_dropout.failures(p.dropout_u);
        let day = p.queue_first_check.saturating_add(failures).max(t);
        p.dropout_day = day;
        if day == t {
            return true;
        }
        if day < model.horizon_days {
            self.due[day as usize].push(r);
        }
        false
    }

    /// Step 2: vacancies filled, sick leaves ended.
    fn workforce_events(&mut self, model: &Model, t: u32) {
        let key = self.key();
        for w in &mut self.posts {
            if w.until != t {
                continue;
            }
            match w.state {
                PostState::Vacant => {
                    w.start_holder(model, key, Some(t));
                    self.today[Series::Hires] += 1.0;
                }
                PostState::SickLeave => {
                    if w.exit_after_leave {
                        self.today[Series::Exits] += 1.0;
                        w.start_vacancy(model, key, t);
                    } else {
                        w.state = PostState::Active;
                        w.strain *= model.strain_after_leave;
                    }
                }
                PostState::Active => {}
            }
        }
        self.next_workforce_event = self
            .posts
            .iter()
            .filter(|w| w.state != PostState::Active)
            .map(|w| w.until)
            .min()
            .unwrap_or(u32::MAX);
    }

    /// Step 3: the queue head goes to the open LW with the most room.
    fn assign(&mut self, model: &Model, t: u32) {
        for (i, w) in self.posts.iter().enumerate() {
            let ramp = w.ramp(model, t);
            self.capacity[i] = model.c0 * ramp;
            self.cap[i] = match model.caseload_cap {
                // Non-negative, so the truncating cast is the floor.
                Some(cap) => ((f64::from(cap) * ramp + 1e-9) as u32).max(1),
                None => u32::MAX,
            };
            self.room[i] = self.room_of(model, i);
        }
        while let Some(&head) = self.queue.front() {
            if !self.is_current(head, PatientState::Queued) {
                self.queue.pop_front();
                continue;
            }
            // The first LW with the least room wins a tie; a closed LW's room is above
            // every open one's, so it never wins.
            let (mut i, mut least) = (0, CLOSED);
            for (j, &room) in self.room.iter().enumerate() {
                let better = room < least;
                i = std::hint::select_unpredictable(better, j, i);
                least = std::hint::select_unpredictable(better, room, least);
            }
            if least == CLOSED {
                break;
            }
            self.queue.pop_front();
            self.assign_to(model, head, i, t);
            self.room[i] = self.room_of(model, i);
        }
    }

    /// LW `i`'s room today (its weekly demand over weekly capacity), [`CLOSED`] when it
    /// takes nobody: not Active, at its intake threshold or at its caseload cap.
    #[inline]
    fn room_of(&self, model: &Model, i: usize) -> f64 {
        let w = &self.posts[i];
        let weekly_capacity = 5.0 * self.capacity[i];
        let open = w.state == PostState::Active
            && w.demand < model.intake_threshold * weekly_capacity
            && w.caseload_size < self.cap[i];
        if !open {
            return CLOSED;
        }
        // Below CLOSED: an open LW's demand is under a finite multiple of its capacity,
        // so the quotient is finite (or −∞ for a drifted negative demand at capacity 0).
        let room = w.demand / weekly_capacity;
        debug_assert!(room < CLOSED, "open LW {i} has room {room}");
        room
    }

    fn is_current(&self, r: Ref, state: PatientState) -> bool {
        let p = &self.patients[r.slot as usize];
        p.ticket == r.ticket && p.state == state
    }

    fn assign_to(&mut self, model: &Model, r: Ref, lw: usize, t: u32) {
        self.queued -= 1;
        let p = &mut self.patients[r.slot as usize];
        p.ticket = p.ticket.wrapping_add(1);
        let r = Ref {
            slot: r.slot,
            ticket: p.ticket,
        };
        p.lw = lw as u32;
        p.assigned_day = t;
        p.assignment = self.assignments;
        self.assignments += 1;
        if !p.ever_assigned {
            p.ever_assigned = true;
            self.waits_today.push(t - p.referral_day);
        }
        let w = &mut self.posts[lw];
        w.caseload_size += 1;
        if p.sessions_done < p.sessions_needed - SESSION_EPS {
            p.state = PatientState::Connecting;
            p.progress_base = w.progress;
            w.demand += model.session_hours;
            w.emotional_weight += model.session_hours * p.distress;
            let target = p.sessions_needed - p.sessions_done + w.progress;
            w.completions.push(target, r);
            self.connecting += 1;
        } else {
            w.demand += p.holding_hours;
            w.emotional_weight += p.holding_hours * p.distress * model.holding_multiplier;
            let dh = p.days_in_holding;
            self.start_holding(model, r, t, dh);
        }
    }

    /// A holding spell starts on day `t` with `dh0` days in holding: schedule its end
    /// and record when each reason stops counting (docs/model.md § 7.7, § 9 item 3).
    fn start_holding(&mut self, model: &Model, r: Ref, t: u32, dh0: u32) {
        let p = &mut self.patients[r.slot as usize];
        p.state = PatientState::Holding;
        p.holding_since = t;
        p.days_in_holding = dh0;
        self.holding += 1;
        // On a visit on day t' > t, days in holding are dh0 + (t' − t).
        let by_count = |limit: u32| {
            if limit > dh0 {
                t.saturating_add(limit - dh0)
            } else {
                t
            }
        };
        let ends = [
            p.service_day.max(t),
            by_count(p.prep_days),
            by_count(p.witness_days),
        ];
        let resolved = ends.iter().copied().max().unwrap_or(t).max(t + 1);
        let boundary = model
            .boundary_days
            .map_or(NEVER, |b| by_count(b).max(t + 1));
        p.holding_ends_resolved = resolved <= boundary;
        let end = resolved.min(boundary);
        p.holding_end = end;
        let horizon = model.horizon_days;
        for (reason, &reason_end) in ends.iter().enumerate() {
            let stop = reason_end.min(end);
            p.reason_end[reason] = stop;
            if stop > t {
                self.reason_delta[reason][t as usize] += 1;
                self.reason_delta[reason][stop.min(horizon) as usize] -= 1;
            }
        }
        if end < horizon {
            self.due[end as usize].push(r);
        }
    }

    /// Steps 4 and 5 for every Active LW.
    fn work_and_strain(&mut self, model: &Model, working: bool) {
        for (i, w) in self.posts.iter_mut().enumerate() {
            if w.state != PostState::Active {
                continue;
            }
            if !working {
                w.strain *= model.rest_factor;
                continue;
            }
            let capacity = self.capacity[i];
            let demand = w.demand / 5.0;
            let delivered = demand.min(capacity * (1.0 + model.overtime_max));
            let fraction = if demand > 0.0 {
                delivered / demand
            } else {
                1.0
            };
            let overtime = (delivered - capacity).max(0.0);
            let unmet = demand - delivered;
            let load = fraction * w.emotional_weight / 5.0;
            w.progress += fraction / 5.0;
            self.today[Series::DeliveredHours] += delivered;
            self.today[Series::OvertimeHours] += overtime;
            self.today[Series::UnmetHours] += unmet;
            self.today[Series::EmotionalLoad] += load;
            w.strain +=
                (model.alpha_effective * load + model.beta * overtime + model.gamma * unmet)
                    / model.c0
                    - model.rho_work * w.strain;
        }
    }

    /// Step 6: deferred and due Connecting completions, queue dropouts, holding ends.
    fn patient_transitions(&mut self, model: &Model, t: u32) {
        // Most days defer nobody.
        if !self.deferred.is_empty() {
            let deferred = std::mem::take(&mut self.deferred);
            for &r in &deferred {
                if self.is_current(r, PatientState::Connecting) {
                    self.finish_connecting(model, r, t);
                }
            }
            self.deferred = deferred;
            self.deferred.clear();
            std::mem::swap(&mut self.deferred, &mut self.deferred_next);
        }

        for lw in 0..self.posts.len() {
            loop {
                let w = &self.posts[lw];
                let Some((target, r)) = w.completions.peek() else {
                    break;
                };
                if target > w.progress + SESSION_EPS {
                    break;
                }
                self.posts[lw].completions.pop();
                if !self.is_current(r, PatientState::Connecting) {
                    continue;
                }
                if self.patients[r.slot as usize].assigned_day == t {
                    self.deferred.push(r);
                } else {
                    self.finish_connecting(model, r, t);
                }
            }
        }

        let due = std::mem::take(&mut self.due[t as usize]);
        let day = t;
        for &r in &due {
            let p = &self.patients[r.slot as usize];
            if p.ticket != r.ticket {
                continue;
            }
            match p.state {
                PatientState::Queued => {
                    if p.dropout_day != day && !self.recheck_dropout(model, r, day) {
                        continue;
                    }
                    let p = &self.patients[r.slot as usize];
                    self.queued -= 1;
                    self.today[Series::ReturnedQueueDropout] += 1.0;
                    if p.ever_assigned {
                        self.today[Series::ReturnedAfterAssignment] += 1.0;
                    }
                    self.release_slot(r.slot);
                }
                PatientState::Holding if p.holding_end == day => {
                    let resolved = p.holding_ends_resolved;
                    self.leave_caseload(model, r.slot);
                    self.holding -= 1;
                    if resolved {
                        self.today[Series::DischargedResolved] += 1.0;
                    } else {
                        self.today[Series::ReturnedBoundary] += 1.0;
                        self.today[Series::ReturnedAfterAssignment] += 1.0;
                    }
                    self.release_slot(r.slot);
                }
                _ => {}
            }
        }
        // Hand the (emptied) bucket back so its capacity serves the next site.
        let mut due = due;
        due.clear();
        self.due[t as usize] = due;
    }

    /// A Connecting patient has done its sessions on day `t`: Holding if a reason is
    /// still active, else discharged as connected.
    fn finish_connecting(&mut self, model: &Model, r: Ref, t: u32) {
        let p = &mut self.patients[r.slot as usize];
        self.connecting -= 1;
        let w = &mut self.posts[p.lw as usize];
        if p.any_reason_active(t, p.days_in_holding) {
            w.demand += p.holding_hours - model.session_hours;
            w.emotional_weight +=
                p.distress * (p.holding_hours * model.holding_multiplier - model.session_hours);
            p.sessions_done = p.sessions_needed;
            let days_in_holding = p.days_in_holding;
            self.start_holding(model, r, t, days_in_holding);
        } else {
            w.remove_patient(model.session_hours, model.session_hours * p.distress);
            self.today[Series::DischargedConnected] += 1.0;
            self.release_slot(r.slot);
        }
    }

    /// Takes a patient out of its LW's aggregates (it leaves the caseload).
    fn leave_caseload(&mut self, model: &Model, slot: u32) {
        let p = &self.patients[slot as usize];
        let (w, e) = match p.state {
            PatientState::Connecting => (model.session_hours, model.session_hours * p.distress),
            _ => (
                p.holding_hours,
                p.holding_hours * p.distress * model.holding_multiplier,
            ),
        };
        self.posts[p.lw as usize].remove_patient(w, e);
    }

    fn release_slot(&mut self, slot: u32) {
        let p = &mut self.patients[slot as usize];
        p.state = PatientState::Gone;
        p.ticket = p.ticket.wrapping_add(1);
        self.free.push(slot);
    }

    /// Step 7: burnout, else voluntary exit, for each LW Active since step 2.
    fn lw_transitions(&mut self, model: &Model, t: u32) {
        let key = self.key();
        for lw in 0..self.posts.len() {
            let w = &mut self.posts[lw];
            if w.state != PostState::Active {
                continue;
            }
            if w.strain > w.threshold {
                self.today[Series::Burnouts] += 1.0;
                w.start_sick_leave(model, key, t);
                self.next_workforce_event = self.next_workforce_event.min(w.until);
            } else {
                if !w.leaves_voluntarily(model) {
                    continue;
                }
                self.today[Series::Exits] += 1.0;
                w.start_vacancy(model, key, t);
                self.next_workforce_event = self.next_workforce_event.min(w.until);
            }
            self.release_caseload(model, lw, t);
        }
    }

    /// Every patient of LW `lw` is ruptured on day `t`: some disengage, the rest go to
    /// the front of the queue in caseload order (the order they were assigned in,
    /// docs/model.md § 7.8), keeping their progress.
    ///
    /// Why the caseload is found by a scan of the site's patients here, not kept as a
    /// list per LW: releases are rare (a burnout or an exit), assignments are not, and
    /// a list cost a push per assignment and a compaction now and then to drop the
    /// patients who had left — more than these scans.
    fn release_caseload(&mut self, model: &Model, lw: usize, t: u32) {
        let key = self.key();
        let progress = self.posts[lw].progress;
        let mut releasing = std::mem::take(&mut self.releasing);
        releasing.clear();
        releasing.extend(
            self.patients
                .iter()
                .enumerate()
                .filter(|(_, p)| {
                    p.lw as usize == lw
                        && matches!(p.state, PatientState::Connecting | PatientState::Holding)
                })
                .map(|(slot, p)| (p.assignment, slot as u32)),
        );
        releasing.sort_unstable();
        self.released.clear();
        for &(_, slot) in &releasing {
            let p = &mut self.patients[slot as usize];
            let r = Ref {
                slot,
                ticket: p.ticket,
            };
            self.today[Series::Ruptures] += 1.0;
            match p.state {
                PatientState::Connecting => {
                    p.sessions_done += progress - p.progress_base;
                    self.connecting -= 1;
                }
                _ => {
                    p.days_in_holding += t - p.holding_since;
                    for reason in 0..3 {
                        let stop = p.reason_end[reason];
                        if stop > t {
                            self.reason_delta[reason][t as usize] -= 1;
                            self.reason_delta[reason][stop.min(model.horizon_days) as usize] += 1;
                        }
                    }
                    self.holding -= 1;
                }
            }
            let u = key.uniform(Process::Rupture, p.referral_index, u64::from(p.ruptures));
            p.ruptures += 1;
            if u < model.p_drop_on_rupture {
                self.today[Series::ReturnedRupture] += 1.0;
                self.today[Series::ReturnedAfterAssignment] += 1.0;
                self.release_slot(r.slot);
            } else {
                p.distress = (p.distress + model.rupture_distress).min(1.0);
                p.ticket = p.ticket.wrapping_add(1);
                let r = Ref {
                    slot: r.slot,
                    ticket: p.ticket,
                };
                self.enter_queue(model, r, t + 1);
                self.released.push(r);
            }
        }
        for &r in self.released.iter().rev() {
            self.queue.push_front(r);
        }
        self.releasing = releasing;
        self.posts[lw].clear_caseload();
    }

    /// Step 8: the day's stocks, added to the flows already in `today`.
    pub fn record(&mut self, t: u32) -> &SeriesValues {
        for reason in 0..3 {
            self.reason_count[reason] += i64::from(self.reason_delta[reason][t as usize]);
        }
        let mut active = 0.0;
        let mut strain_sum = 0.0;
        let mut strain_max: f64 = 0.0;
        let mut caseload_sum = 0.0;
        for w in &self.posts {
            match w.state {
                PostState::Active => {
                    active += 1.0;
                    strain_sum += w.strain;
                    strain_max = strain_max.max(w.strain);
                    caseload_sum += f64::from(w.caseload_size);
                }
                PostState::SickLeave => self.today[Series::LwSickLeave] += 1.0,
                PostState::Vacant => self.today[Series::LwVacant] += 1.0,
            }
        }
        let d = &mut self.today;
        // Posts, supervision and training are paid for every filled post (Active or on
        // sick leave), recruitment per hire; `cost` is their sum.
        let filled = active + d[Series::LwSickLeave];
        d[Series::CostPosts] = filled * self.lw_cost_per_day;
        d[Series::CostRecruitment] = d[Series::Hires] * self.recruitment_cost;
        d[Series::CostSupervision] = filled * self.supervision_cost_per_day;
        d[Series::CostTraining] = filled * self.training_cost_per_day;
        d[Series::Cost] = d[Series::CostPosts]
            + d[Series::CostRecruitment]
            + d[Series::CostSupervision]
            + d[Series::CostTraining];
        d[Series::LwActive] = active;
        d[Series::Strain] = strain_sum;
        d[Series::StrainMax] = strain_max;
        d[Series::Caseload] = caseload_sum;
        d[Series::Queued] = f64::from(self.queued);
        d[Series::Connecting] = f64::from(self.connecting);
        d[Series::Holding] = f64::from(self.holding);
        d[Series::HoldingWaiting] = self.reason_count[0] as f64;
        d[Series::HoldingPreparing] = self.reason_count[1] as f64;
        d[Series::HoldingWitnessing] = self.reason_count[2] as f64;
        &self.today
    }

    /// Recounts every stock from the patients and LWs themselves and compares with the
    /// incremental counters (used by the conservation tests). Returns what disagrees.
    pub fn audit(&self, model: &Model, t: u32) -> Vec<String> {
        let mut problems = Vec::new();
        let mut counts = [0u32; 3];
        let mut reasons = [0i64; 3];
        let mut demand = vec![0.0; self.posts.len()];
        let mut size = vec![0u32; self.posts.len()];
        for p in &self.patients {
            match p.state {
                PatientState::Queued => counts[0] += 1,
                PatientState::Connecting => {
                    counts[1] += 1;
                    demand[p.lw as usize] += model.session_hours;
                    size[p.lw as usize] += 1;
                }
                PatientState::Holding => {
                    counts[2] += 1;
                    demand[p.lw as usize] += p.holding_hours;
                    size[p.lw as usize] += 1;
                    for (r, active) in p.reasons_active_while_holding(t).iter().enumerate() {
                        reasons[r] += i64::from(*active);
                    }
                }
                PatientState::Gone => {}
            }
        }
        let live = [self.queued, self.connecting, self.holding];
        if counts != live {
            problems.push(format!(
                "day {t}: recount (queued, connecting, holding) = {counts:?}, counters = {live:?}"
            ));
        }
        if reasons != self.reason_count {
            problems.push(format!(
                "day {t}: recount held by reason = {reasons:?}, deltas = {:?}",
                self.reason_count
            ));
        }
        let queue_live = self
            .queue
            .iter()
            .filter(|r| self.is_current(**r, PatientState::Queued))
            .count();
        if queue_live != counts[0] as usize {
            problems.push(format!(
                "day {t}: {queue_live} live queue entries for {} queued patients",
                counts[0]
            ));
        }
        for (i, w) in self.posts.iter().enumerate() {
            if w.caseload_size != size[i] || (w.demand - demand[i]).abs() > 1e-6 {
                problems.push(format!(
                    "day {t}: LW {i} caseload {} / demand {} but patients say {} / {}",
                    w.caseload_size, w.demand, size[i], demand[i]
                ));
            }
            if w.state != PostState::Active && size[i] > 0 {
                problems.push(format!(
                    "day {t}: LW {i} is {:?} with {} patients",
                    w.state, size[i]
                ));
            }
        }
        problems
    }
}
