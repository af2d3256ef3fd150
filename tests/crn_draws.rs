//! Common random numbers at the level of single draws (issue 10, point 3): a referral's
//! attributes each come from their own stream, so changing the parameters of one
//! attribute's sampler — even a rejection sampler (Gamma, Beta) or one whose number
//! of uniforms depends on its mean (Poisson) — leaves every other attribute of the
//! k-th referral of a site exactly as it was. A faster engine that drew several
//! attributes from one shared stream would shift the later draws whenever an earlier
//! sampler consumed a different number of uniforms, and these tests would see it.

use holdsim::engine::patient::Patient;
use holdsim::model::Model;
use holdsim::rng::SiteKey;
use holdsim::scenario::{Profile, Scenario};

/// How many referrals of one site are compared (a few hundred, as in a replication).
const REFERRALS: u64 = 400;

/// Every attribute drawn at referral, by name, as exact bit patterns.
fn attributes(p: &Patient) -> [(&'static str, u64); 8] {
    [
        ("profile", u64::from(p.profile)),
        ("sessions", p.sessions_needed.to_bits()),
        ("service", u64::from(p.service_day)),
        ("preparing", u64::from(p.prep_days)),
        ("witnessing", u64::from(p.witness_days)),
        ("holding_hours", p.holding_hours.to_bits()),
        ("distress", p.distress.to_bits()),
        ("referral_day", u64::from(p.referral_day)),
    ]
}

/// The default scenario with `change` applied to every profile.
fn changed(change: impl Fn(&mut Profile)) -> Model {
    let mut s = Scenario::default();
    s.profiles.iter_mut().for_each(change);
    assert!(s.validate().is_empty(), "{:?}", s.validate());
    Model::try_new(&s).expect("valid scenario")
}

/// Compares the first [`REFERRALS`] referrals of a few sites and replications under the
/// default scenario and under `other`: the attributes named in `affected` must differ
/// for some referral (so the change is real), every other attribute for none.
fn assert_only_affected_change(other: &Model, affected: &[&str]) {
    let base = Model::try_new(&Scenario::default()).expect("valid scenario");
    let mut differing = Vec::new();
    for (replication, site) in [(0, 0), (3, 0), (7, 2)] {
        let key = SiteKey::new(base.seed, replication, site);
        for k in 0..REFERRALS {
            let t = (k / 3) as u32;
            let (a, b) = (
                Patient::referral(&base, key, k, t),
                Patient::referral(other, key, k, t),
            );
            for ((name, x), (_, y)) in attributes(&a).into_iter().zip(attributes(&b)) {
                if x != y {
                    assert!(
                        affected.contains(&name),
                        "replication {replication}, site {site}, referral {k}: {name} changed \
                         ({a:?} vs {b:?}) though only {affected:?} should"
                    );
                    differing.push(name);
                }
            }
        }
    }
    for name in affected {
        assert!(
            differing.contains(name),
            "{name} never changed: the parameter change does not reach its sampler"
        );
    }
}

#[test]
fn distress_sd_changes_only_distress() {
    // Beta by rejection (Cheng's method in rand_distr): a different sd changes how many
    // uniforms some draws consume.
    let other = changed(|p| p.distress_sd *= 0.6);
    assert_only_affected_change(&other, &["distress"]);
}

#[test]
fn holding_hours_cv_changes_only_holding_hours() {
    // Gamma by rejection (Marsaglia–Tsang): a shape from 4 to about 1.6.
    let other = changed(|p| p.holding_hours_cv *= 1.6);
    assert_only_affected_change(&other, &["holding_hours"]);
}

#[test]
fn poisson_means_change_only_their_counts() {
    // Poisson samplers use a number of uniforms that grows with the mean.
    let other = changed(|p| {
        p.sessions_mean += 3.5;
        p.prep_weeks_mean += 2.5;
    });
    assert_only_affected_change(&other, &["sessions", "preparing"]);
}

#[test]
fn service_choice_changes_only_the_service_wait() {
    // The first of the attributes drawn after the profile: changing whether a referral
    // waits must not move sessions, holding hours or distress.
    let other = changed(|p| p.p_waits = 1.0 - p.p_waits);
    assert_only_affected_change(&other, &["service"]);
}
