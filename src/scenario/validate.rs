//! Rules that involve more than one key (docs/parameters.md "Rules across keys" and
//! docs/model.md § 8). Single-key types and ranges are checked by the
//! registry as values are read.

use super::Scenario;

/// `(dotted key, the rule's other keys, message)` for every broken rule. The loader
/// reports a problem at the key, or, when only one of the other keys was set, there.
pub(crate) fn cross_key_problems(s: &Scenario) -> Vec<(String, Vec<String>, String)> {
    let mut out = Vec::new();
    let mut fail =
        |key: String, related: &[String], msg: String| out.push((key, related.to_vec(), msg));

    if s.run.horizon_days <= s.run.warmup_days {
        fail(
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
        fail(
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
        fail(
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
    if rest >= 1.0 {
        fail(
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

    if !s.site_groups.is_empty() {
        let total: u64 = s.site_groups.iter().map(|g| u64::from(g.count)).sum();
        if u64::from(s.run.sites) != total {
            fail(
                "run.sites".into(),
                &["site_group".into()],
                format!(
                    "run.sites ({}) must equal the sites of the [[site_group]]s ({total}); leave run.sites out, or make them agree",
                    s.run.sites
                ),
            );
        }
        for g in &s.site_groups {
            let mut scratch = s.clone();
            scratch.site_groups.clear();
            for (path, value) in &g.set {
                let _ = scratch.set_path(path, *value);
            }
            for (key, _, message) in cross_key_problems(&scratch) {
                fail(
                    "site_group".into(),
                    &[key],
                    format!("in site group `{}`: {message}", g.name),
                );
            }
        }
    }
    if s.profiles.is_empty() {
        fail(
            "profile".into(),
            &[],
            "at least one [[profile]] is required".into(),
        );
    }
    for (i, p) in s.profiles.iter().enumerate() {
        let key = |k: &str| format!("profile.{}.{k}", p.name);
        if s.profiles[..i].iter().any(|q| q.name == p.name) {
            fail(
                key("name"),
                &[],
                format!("profile name `{}` is used twice", p.name),
            );
        }
        let var = p.distress_sd * p.distress_sd;
        let limit = p.distress_mean * (1.0 - p.distress_mean);
        if var >= limit {
            fail(
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
            fail(
                key("services"),
                &[key("p_waits")],
                format!(
                    "p_waits is {} but the profile names no service to wait for",
                    p.p_waits
                ),
            );
        }
        for (name, _) in &p.services {
            if !s.services.iter().any(|sv| &sv.name == name) {
                let known: Vec<&str> = s.services.iter().map(|sv| sv.name.as_str()).collect();
                fail(
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
    for (i, sv) in s.services.iter().enumerate() {
        let key = |k: &str| format!("service.{}.{k}", sv.name);
        if s.services[..i].iter().any(|q| q.name == sv.name) {
            fail(
                key("name"),
                &[],
                format!("service name `{}` is used twice", sv.name),
            );
        }
        if sv.wait_p90_days <= sv.wait_median_days {
            fail(
                key("wait_p90_days"),
                &[key("wait_median_days")],
                format!(
                    "wait_p90_days ({}) must exceed wait_median_days ({})",
                    sv.wait_p90_days, sv.wait_median_days
                ),
            );
        }
    }
    out
}
