//! Rules that involve more than one key (docs/parameters.md "Rules across keys" and
//! docs/model.md § 8). Single-key types and ranges are checked by the
//! registry as values are read; the limits of the distributions the model builds
//! are checked by [`crate::model::Model::try_new`], which runs these rules first.

use std::collections::BTreeSet;

use super::Scenario;

/// Sites in a scenario, over all its groups. Each group's `count` is at most this
/// too; like `run.sites`, so site indices and site × post counts fit 32 bits.
pub const MAX_SITES: u64 = 1_000_000;

/// Posts (sites × link workers) in a scenario, over all its groups: every post is
/// simulated, and this keeps the count (and per-post sums) far inside 32 bits. Ten
/// million posts is ~3,000 times England's link-worker workforce.
pub const MAX_POSTS: u64 = 10_000_000;

/// One broken rule: the dotted key it is about, the rule's other keys (the loader
/// reports the problem at the key, or, when only one of the others was set in a
/// file, there), the message, and the `[[site_group]]` (by index) it arose in.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Broken {
    pub key: String,
    pub related: Vec<String>,
    pub message: String,
    pub group: Option<usize>,
}

impl Broken {
    pub(crate) fn new(key: impl Into<String>, related: &[&str], message: String) -> Broken {
        Broken {
            key: key.into(),
            related: related.iter().map(|r| r.to_string()).collect(),
            message,
            group: None,
        }
    }

    /// The same problem, found in site group `index` (named `name`).
    pub(crate) fn in_group(self, index: usize, name: &str) -> Broken {
        Broken {
            key: "site_group".into(),
            related: vec![self.key],
            message: format!("in site group `{name}`: {}", self.message),
            group: Some(index),
        }
    }
}

/// Every broken cross-key rule of `s` and of each of its `[[site_group]]`s, family
/// by family, in the order they are reported. Linear in the number of groups: each
/// group's scenario is the group-free scenario, cloned once, with the group's `set`
/// applied.
pub(crate) fn cross_key_problems(s: &Scenario) -> Vec<Broken> {
    let mut rules = Rules::default();
    rules.section_rules(s);
    rules.site_rules(s);
    rules.profile_rules(s);
    rules.service_rules(s);
    let mut out = rules.broken;
    let groups = group_problems(s, &out);
    out.extend(groups);
    out
}

/// The rules broken so far.
#[derive(Default)]
struct Rules {
    broken: Vec<Broken>,
}

impl Rules {
    fn fail(&mut self, key: String, related: &[String], message: String) {
        self.broken.push(Broken {
            key,
            related: related.to_vec(),
            message,
            group: None,
        });
    }

    /// Rules between keys of the scalar sections: the KPI window, the median and
    /// 90th percentile of each duration, and rest-day recovery.
    fn section_rules(&mut self, s: &Scenario) {
        if s.run.horizon_days <= s.run.warmup_days {
            self.fail(
                "run.horizon_days".into(),
                &["run.warmup_days".into()],
                format!(
                    "horizon_days ({}) must exceed warmup_days ({}) so the KPI window is not empty",
                    s.run.horizon_days, s.run.warmup_days
                ),
            );
        }
        let w = &s.workforce;
        if w.recruitment_p90_days < w.recruitment_median_days {
            self.fail(
                "workforce.recruitment_p90_days".into(),
                &["workforce.recruitment_median_days".into()],
                format!(
                    "recruitment_p90_days ({}) must be ≥ recruitment_median_days ({})",
                    w.recruitment_p90_days, w.recruitment_median_days
                ),
            );
        }
        let st = &s.strain;
        if st.sick_leave_p90_days < st.sick_leave_median_days {
            self.fail(
                "strain.sick_leave_p90_days".into(),
                &["strain.sick_leave_median_days".into()],
                format!(
                    "sick_leave_p90_days ({}) must be ≥ sick_leave_median_days ({})",
                    st.sick_leave_p90_days, st.sick_leave_median_days
                ),
            );
        }
        let sup = &s.support;
        let rest = st.rho_rest * (1.0 + sup.supervision_effect * sup.supervision_hours_per_month);
        // A NaN product fails the rule too.
        if rest.is_nan() || rest >= 1.0 {
            self.fail(
                "strain.rho_rest".into(),
                &[
                    "support.supervision_effect".into(),
                    "support.supervision_hours_per_month".into(),
                ],
                format!(
                    "rho_rest · (1 + supervision_effect · supervision_hours_per_month) = {rest:.4} must be < 1 \
                     (rest-day recovery cannot remove more than all strain); lower one of the three"
                ),
            );
        }
    }

    /// Rules on the number of sites and posts: the groups' sites against `run.sites`,
    /// and the 32-bit limits of sites and posts.
    fn site_rules(&mut self, s: &Scenario) {
        if !s.site_groups.is_empty() {
            let total: u64 = s.site_groups.iter().map(|g| u64::from(g.count)).sum();
            if u64::from(s.run.sites) != total {
                self.fail(
                    "run.sites".into(),
                    &["site_group".into()],
                    format!(
                        "run.sites ({}) must equal the sites of the [[site_group]]s ({total}); leave run.sites out, or make them agree",
                        s.run.sites
                    ),
                );
            }
            if total > MAX_SITES {
                self.fail(
                    "site_group".into(),
                    &[],
                    format!(
                        "the [[site_group]]s have {total} sites in all; at most {MAX_SITES} are allowed (site and post counts are 32-bit); lower their `count`s"
                    ),
                );
            }
        }
        let posts = total_posts(s);
        if posts > MAX_POSTS {
            self.fail(
                "workforce.link_workers".into(),
                &["run.sites".into(), "site_group".into()],
                format!(
                    "sites × link_workers = {posts} posts in all; at most {MAX_POSTS} are allowed (every post is simulated, and post counts are 32-bit); use fewer sites or link workers"
                ),
            );
        }
    }

    /// Rules on `[[profile]]`s: at least one, unique names, a feasible distress
    /// Beta, and services that exist for the profiles that wait for one.
    fn profile_rules(&mut self, s: &Scenario) {
        if s.profiles.is_empty() {
            self.fail(
                "profile".into(),
                &[],
                "at least one [[profile]] is required".into(),
            );
        }
        let service_names: BTreeSet<&str> = s.services.iter().map(|sv| sv.name.as_str()).collect();
        let mut profile_names = BTreeSet::new();
        for p in &s.profiles {
            let key = |k: &str| format!("profile.{}.{k}", p.name);
            if !profile_names.insert(p.name.as_str()) {
                self.fail(
                    key("name"),
                    &[],
                    format!("profile name `{}` is used twice", p.name),
                );
            }
            let var = p.distress_sd * p.distress_sd;
            let limit = p.distress_mean * (1.0 - p.distress_mean);
            if var >= limit {
                self.fail(
                    key("distress_sd"),
                    &[key("distress_mean")],
                    format!(
                        "distress_sd ({}) is infeasible for a Beta with mean {}: sd² must be < mean·(1 − mean) = {limit:.4}, so sd < {:.4}",
                        p.distress_sd,
                        p.distress_mean,
                        limit.sqrt()
                    ),
                );
            }
            if p.p_waits > 0.0 && p.services.is_empty() {
                self.fail(
                    key("services"),
                    &[key("p_waits")],
                    format!(
                        "p_waits is {} but the profile names no service to wait for",
                        p.p_waits
                    ),
                );
            }
            for (name, _) in &p.services {
                if !service_names.contains(name.as_str()) {
                    let known: Vec<&str> = s.services.iter().map(|sv| sv.name.as_str()).collect();
                    self.fail(
                        key("services"),
                        &[],
                        format!(
                            "names service `{name}`, which no [[service]] defines (defined: {})",
                            known.join(", ")
                        ),
                    );
                }
            }
        }
    }

    /// Rules on `[[service]]`s: unique names and a 90th percentile wait above the median.
    fn service_rules(&mut self, s: &Scenario) {
        let mut seen_services = BTreeSet::new();
        for sv in &s.services {
            let key = |k: &str| format!("service.{}.{k}", sv.name);
            if !seen_services.insert(sv.name.as_str()) {
                self.fail(
                    key("name"),
                    &[],
                    format!("service name `{}` is used twice", sv.name),
                );
            }
            if sv.wait_p90_days <= sv.wait_median_days {
                self.fail(
                    key("wait_p90_days"),
                    &[key("wait_median_days")],
                    format!(
                        "wait_p90_days ({}) must exceed wait_median_days ({})",
                        sv.wait_p90_days, sv.wait_median_days
                    ),
                );
            }
        }
    }
}

/// The rules each `[[site_group]]` breaks in its own scenario, except those the whole
/// scenario already broke (`own`), which are reported once, for the scenario, not once
/// per group; and every `set` path a group cannot apply.
fn group_problems(s: &Scenario, own: &[Broken]) -> Vec<Broken> {
    let mut out = Vec::new();
    if s.site_groups.is_empty() {
        return out;
    }
    let own: BTreeSet<(&str, &str)> = own
        .iter()
        .map(|b| (b.key.as_str(), b.message.as_str()))
        .collect();
    let base = s.without_groups();
    for (i, g) in s.site_groups.iter().enumerate() {
        match base.with_group(g) {
            Ok(scenario) => out.extend(
                cross_key_problems(&scenario)
                    .into_iter()
                    .filter(|b| !own.contains(&(b.key.as_str(), b.message.as_str())))
                    .map(|b| b.in_group(i, &g.name)),
            ),
            Err(problems) => out.extend(problems.into_iter().map(|(path, e)| {
                Broken::new(
                    format!("site_group.set.{path}"),
                    &[],
                    format!(
                        "`{path}` cannot be set here: {e} (a file that inherits this group may have removed or renamed what it names; remove the entry from `set` or restore it)"
                    ),
                )
                .in_group(i, &g.name)
            })),
        }
    }
    out
}

/// Sites × link workers over all groups (the scenario's own without groups), in 64
/// bits so that the check itself cannot overflow.
fn total_posts(s: &Scenario) -> u64 {
    if s.site_groups.is_empty() {
        return u64::from(s.run.sites) * u64::from(s.workforce.link_workers);
    }
    s.site_groups
        .iter()
        .map(|g| {
            let lws = g
                .set
                .iter()
                .rev()
                .find(|(path, _)| path == "workforce.link_workers")
                .map_or(u64::from(s.workforce.link_workers), |(_, n)| {
                    n.as_f64().max(0.0) as u64
                });
            u64::from(g.count) * lws
        })
        .sum()
}
