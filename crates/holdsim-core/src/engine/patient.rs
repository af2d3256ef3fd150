//! Patients: their state, and the attributes drawn at referral (docs/model.md § 7.2).

use rand::RngExt;

use crate::model::Model;
use crate::rng::{Process, ProcessKey, SiteKey};

/// A patient's place in the pathway (docs/model.md § 2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PatientState {
    Queued,
    Connecting,
    Holding,
    /// Discharged or returned to the GP; the slot is free for a new referral.
    Gone,
}

/// A handle to a patient that stays valid only while the patient stays where the
/// handle was taken (queue, caseload or a scheduled event): every move bumps the
/// patient's ticket, so stale handles are recognised and skipped instead of searched
/// for and removed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Ref {
    pub slot: u32,
    pub ticket: u32,
}

/// Sentinel for "never" in day fields.
pub const NEVER: u32 = u32::MAX;

/// One referral. Hot fields first; all `Copy`, no heap data.
#[derive(Clone, Copy, Debug)]
pub struct Patient {
    pub state: PatientState,
    pub ever_assigned: bool,
    /// Whether the current holding spell ends in discharge (`true`) or the boundary.
    pub holding_ends_resolved: bool,
    pub ticket: u32,
    /// The LW (index within the site) whose caseload holds the patient.
    pub lw: u32,
    /// The referral's index within its site: its identity for random streams.
    pub referral_index: u64,
    /// Index of the referral's profile in `Model::profiles` (drawn first, from its own
    /// stream; kept so tests can check that the draw is common to scenarios).
    pub profile: u32,
    pub queue_entries: u32,
    /// While Queued: the day of its first dropout check, its dropout uniform, and its
    /// dropout day (`NEVER` until known: see `Site::enter_queue`).
    pub queue_first_check: u32,
    pub dropout_u: f64,
    pub dropout_day: u32,
    pub ruptures: u32,
    pub referral_day: u32,
    pub assigned_day: u32,
    /// The site's count of assignments when this patient was last assigned: a
    /// caseload's order (see `Site::release_caseload`).
    pub assignment: u64,
    /// Sessions needed `n`.
    pub sessions_needed: f64,
    /// Sessions done `s`, as of `progress_base` when Connecting (see `Post::progress`).
    pub sessions_done: f64,
    pub progress_base: f64,
    /// Weekly holding hours `h`.
    pub holding_hours: f64,
    /// Distress `d`.
    pub distress: f64,
    /// The waiting reason holds while `t < service_day` (0 when not waiting).
    pub service_day: u32,
    /// The preparing reason holds while days in holding `< prep_days` (0 when not preparing).
    pub prep_days: u32,
    /// The witnessing reason holds while days in holding `< witness_days`: it resolves at
    /// that holding visit (0 when not witnessing, `NEVER` when it never resolves).
    pub witness_days: u32,
    /// Days in holding as of `holding_since`.
    pub days_in_holding: u32,
    pub holding_since: u32,
    /// The day the current holding spell ends, and the day each reason stops being
    /// counted (already capped at the spell's end): needed to undo the held-count
    /// deltas when a rupture cuts the spell short.
    pub holding_end: u32,
    pub reason_end: [u32; 3],
}

impl Patient {
    pub const EMPTY: Patient = Patient {
        state: PatientState::Gone,
        ever_assigned: false,
        holding_ends_resolved: false,
        ticket: 0,
        lw: 0,
        referral_index: 0,
        profile: 0,
        queue_entries: 0,
        queue_first_check: 0,
        dropout_u: 0.0,
        dropout_day: NEVER,
        ruptures: 0,
        referral_day: 0,
        assigned_day: NEVER,
        assignment: 0,
        sessions_needed: 1.0,
        sessions_done: 0.0,
        progress_base: 0.0,
        holding_hours: 0.0,
        distress: 0.0,
        service_day: 0,
        prep_days: 0,
        witness_days: 0,
        days_in_holding: 0,
        holding_since: 0,
        holding_end: 0,
        reason_end: [0; 3],
    };

    /// Draws a new referral's attributes on day `t`. Each attribute has its own
    /// stream (docs/model.md § 9 item 5), so a policy or parameter that changes one attribute's
    /// distribution leaves the others' draws untouched.
    pub fn referral(model: &Model, key: SiteKey, referral_index: u64, t: u32) -> Patient {
        Patient::referral_of(
            model,
            key.process(Process::PatientAttributes),
            referral_index,
            t,
        )
    }

    /// [`Patient::referral`] given the site's attribute process key (kept by the site,
    /// so each referral hashes its own index only).
    pub fn referral_of(
        model: &Model,
        attributes: ProcessKey,
        referral_index: u64,
        t: u32,
    ) -> Patient {
        let mut p = Patient::EMPTY;
        p.become_referral(model, attributes, referral_index, t);
        p
    }

    /// Makes this slot (keeping its ticket) the new referral [`Patient::referral_of`]
    /// describes, drawn in place: building a patient apart and copying it in cost a
    /// tenth of drawing it.
    #[inline]
    pub fn become_referral(
        &mut self,
        model: &Model,
        attributes: ProcessKey,
        referral_index: u64,
        t: u32,
    ) {
        let k = referral_index;
        let referral = attributes.entity(k);
        let stream = |attribute: u64| referral.substream(attribute);

        let u: f64 = stream(0).random();
        // The first profile whose cumulative weight exceeds u, found as the count of
        // those at or below it (cumulative weights never decrease and the last is 1,
        // so they form a prefix): no data-dependent exit to mispredict. Validated: at
        // least one profile, so the fallback (the last) exists.
        let below = model
            .profiles
            .iter()
            .filter(|p| p.cumulative_weight <= u)
            .count();
        let profile_index = below.min(model.profiles.len() - 1);
        let profile = &model.profiles[profile_index];

        let sessions_needed = 1.0 + f64::from(profile.extra_sessions.sample(&mut stream(1)));

        // The second uniform of streams 2 and 4 is drawn only when used: nothing is
        // drawn after it otherwise, so the attribute is the same either way.
        let mut rng = stream(2);
        let waits: f64 = rng.random();
        let service_day = if waits < profile.p_waits {
            let pick: f64 = rng.random();
            // As for the profile: the count of cumulative weights at or below `pick`.
            let below = profile.services.iter().filter(|(c, _)| *c <= pick).count();
            let index = profile
                .services
                .get(below)
                .or(profile.services.last())
                .map(|&(_, i)| i);
            match index {
                Some(i) => t.saturating_add(model.service_waits[i].sample_days(&mut rng)),
                None => 0,
            }
        } else {
            0
        };

        let mut rng = stream(3);
        let prep_days = if rng.random::<f64>() < profile.p_prepares {
            // Bounded far below overflow by prep_weeks_mean's limit; saturating anyway,
            // so an absurd draw means "longer than any horizon", never a wrap.
            7u32.saturating_mul(profile.extra_prep_weeks.sample(&mut rng).saturating_add(1))
        } else {
            0
        };

        let mut rng = stream(4);
        let witnessing: f64 = rng.random();
        let witness_days = if witnessing < profile.p_witnessing {
            let resolve: f64 = rng.random();
            profile.witness_resolve.failures(resolve).saturating_add(1)
        } else {
            0
        };

        let holding_hours = profile.holding_hours.sample(&mut stream(5));
        let distress = profile.distress.sample(&mut stream(6));

        let ticket = self.ticket;
        *self = Patient {
            state: PatientState::Queued,
            ticket,
            referral_index: k,
            profile: profile_index as u32,
            referral_day: t,
            sessions_needed,
            holding_hours,
            distress,
            service_day,
            prep_days,
            witness_days,
            ..Patient::EMPTY
        };
    }

    /// Whether any holding reason is active on day `t` with the given days in holding
    /// (docs/model.md § 7.7).
    #[inline]
    pub fn any_reason_active(&self, t: u32, days_in_holding: u32) -> bool {
        t < self.service_day
            || days_in_holding < self.prep_days
            || days_in_holding < self.witness_days
    }

    /// Which reasons are active on day `t` for a patient Holding (waiting, preparing,
    /// witnessing): recomputed from scratch, for audits.
    pub fn reasons_active_while_holding(&self, t: u32) -> [bool; 3] {
        let dh = self.days_in_holding + (t - self.holding_since);
        [
            t < self.service_day,
            dh < self.prep_days,
            dh < self.witness_days,
        ]
    }
}
