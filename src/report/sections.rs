//! The report's sections, one function each, in page order: headlines, the KPI
//! table, figures, assumptions and the run's metadata. Each returns its HTML, so a
//! section can be tested, reordered or reused (the web app's pages) on its own.

use std::fmt::Write;

use serde_json::Value;

use super::{Meta, escape, headline, inline_svg};
use crate::compare::{Difference, Row};
use crate::kpi::{ALL_KPIS, Better, Kpi};
use crate::numbers::{MISSING, kpi_difference_with_ci, kpi_value, relative_change};
use crate::plot::Figure;
use crate::results::RunResults;
use crate::scenario::{ARRAY_SECTIONS, SECTIONS, Scenario, section_specs};
use crate::stats::Summary;

/// The row of `kpi` for scenario `name`, if the comparison has one.
pub(super) fn row_of<'a>(rows: &'a [Row], name: &str, kpi: Kpi) -> Option<&'a Row> {
    rows.iter().find(|r| r.scenario == name && r.kpi == kpi)
}

/// One headline sentence per headline KPI for every scenario against the baseline
/// (nothing for a single run: there is nothing to compare).
pub fn headlines(runs: &[RunResults], rows: &[Row]) -> String {
    let Some((baseline, others)) = runs.split_first() else {
        return String::new();
    };
    if others.is_empty() {
        return String::new();
    }
    let mut h = String::from("<h2>Headlines</h2>\n");
    for run in others {
        let _ = writeln!(
            h,
            "<h3>{} compared with {}</h3>\n<ul class=\"headlines\">",
            escape(&run.title),
            escape(&baseline.title)
        );
        for kpi in Kpi::headlines() {
            let base = row_of(rows, &baseline.name, kpi).and_then(|r| r.summary);
            let this = row_of(rows, &run.name, kpi);
            if let (Some(bs), Some(ts), Some(d)) = (
                base,
                this.and_then(|r| r.summary),
                this.and_then(|r| r.difference),
            ) {
                let text =
                    headline::sentence(&run.title, &baseline.title, kpi, bs.mean, ts.mean, &d);
                let _ = writeln!(h, "<li>{}</li>", escape(&text));
            }
        }
        h.push_str("</ul>\n");
    }
    h.push_str("<p class=\"note\">A difference is reported only where its 95% confidence interval excludes zero. Scenarios are run on common random numbers (the same referrals, thresholds and delays in replication r of every scenario), so differences are paired replication by replication; a relative change is the paired difference divided by the baseline mean, and its interval is the paired difference's 95% CI divided by the baseline mean (cut at −100%, as no KPI can be negative), so it excludes zero exactly when the difference does.</p>\n");
    h
}

/// Every KPI's mean (with CI) per scenario and, beside each non-baseline scenario,
/// the paired difference from the baseline.
/// With `spread` (runs that drew their parameters from a posterior) each mean also
/// shows the central 95% of runs.
pub fn kpi_table(runs: &[RunResults], rows: &[Row], spread: bool) -> String {
    let mut h =
        String::from("<h2>Key performance indicators</h2>\n<table>\n<thead><tr><th>KPI</th>");
    for (i, r) in runs.iter().enumerate() {
        let baseline = if i == 0 && runs.len() > 1 {
            " (baseline)"
        } else {
            ""
        };
        let _ = write!(h, "<th>{}{baseline}</th>", escape(&r.title));
        if i > 0 {
            h.push_str("<th>difference (95% CI)</th>");
        }
    }
    h.push_str("</tr></thead>\n<tbody>\n");
    for kpi in ALL_KPIS {
        let _ = write!(h, "<tr><td>{}</td>", escape(kpi.label()));
        for (i, r) in runs.iter().enumerate() {
            let row = row_of(rows, &r.name, kpi);
            h.push_str(&summary_cell(kpi, row.and_then(|r| r.summary), spread));
            if i > 0 {
                h.push_str(&difference_cell(kpi, row.and_then(|r| r.difference)));
            }
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody>\n</table>\n<p class=\"note\">Means over replications with 95% Student-t confidence intervals of the mean in brackets");
    if spread {
        h.push_str(" and, beneath, the central 95% of runs (each run drew its assumptions from the calibration, so this range holds uncertainty about them as well as chance)");
    }
    h.push_str("; shares are shown as percentages and their differences in percentage points (pp). Differences are scenario minus baseline, paired by replication, in bold where the interval excludes zero, with “better” or “worse” where the KPI has a direction that is better; the percentage beneath is the same difference and interval divided by the baseline mean. KPIs cover the window after the warm-up and pool all sites.</p>\n");
    h
}

/// A scenario's mean of a KPI, with its 95% CI beneath when there is one (and with
/// `spread`, the central 95% of runs beneath that).
fn summary_cell(kpi: Kpi, summary: Option<Summary>, spread: bool) -> String {
    match summary {
        Some(s) if s.n > 1 => format!(
            "<td>{}<br><span class=\"note\">[{}, {}]{}</span></td>",
            kpi_value(kpi, s.mean),
            kpi_value(kpi, s.ci_low),
            kpi_value(kpi, s.ci_high),
            if spread {
                format!(
                    "<br>runs: {} to {}",
                    kpi_value(kpi, s.p2_5),
                    kpi_value(kpi, s.p97_5)
                )
            } else {
                String::new()
            }
        ),
        Some(s) => format!("<td>{}</td>", kpi_value(kpi, s.mean)),
        None => format!("<td>{MISSING}</td>"),
    }
}

/// Whether a significant difference moved the KPI the way that is better.
fn verdict(kpi: Kpi, d: &Difference) -> Option<&'static str> {
    if !d.significant() {
        return None;
    }
    match (kpi.info().better, d.mean < 0.0) {
        (Better::Neither, _) => None,
        (Better::Lower, true) | (Better::Higher, false) => Some("better"),
        (Better::Lower, false) | (Better::Higher, true) => Some("worse"),
    }
}

/// The paired difference with its CI (bold where the CI excludes zero), and beneath
/// it the relative change and, where the KPI has one, whether it is better or worse.
fn difference_cell(kpi: Kpi, difference: Option<Difference>) -> String {
    let Some(d) = difference.filter(|d| d.n > 1) else {
        return format!("<td>{MISSING}</td>");
    };
    let relative = match d.relative {
        Ok((r, lo, hi)) => relative_change(r, lo, hi),
        Err(_) => "baseline 0: no % change".into(),
    };
    let relative = match verdict(kpi, &d) {
        Some(word) => format!("{relative} · {word}"),
        None => relative,
    };
    let class = if d.significant() {
        " class=\"sig\""
    } else {
        ""
    };
    format!(
        "<td{class}>{}<br><span class=\"note\">{relative}</span></td>",
        kpi_difference_with_ci(kpi, d.mean, d.ci_low, d.ci_high)
    )
}

/// Every figure as inline SVG with its caption.
pub fn figures(figures: &[Figure]) -> String {
    if figures.is_empty() {
        return String::new();
    }
    let mut h = String::from("<h2>Figures</h2>\n");
    for f in figures {
        let _ = writeln!(
            h,
            "<figure id=\"fig-{}\">\n{}\n<figcaption><strong>{}.</strong> {}</figcaption>\n</figure>",
            escape(&f.stem),
            inline_svg(&f.svg),
            escape(&f.title),
            escape(&f.caption)
        );
    }
    h
}

/// The parameters most results hinge on, shown for every scenario.
const KEY_PARAMETERS: [&str; 14] = [
    "run.sites",
    "run.horizon_days",
    "run.warmup_days",
    "referrals.rate_per_week",
    "workforce.link_workers",
    "workforce.hours_per_week",
    "workforce.patient_facing_fraction",
    "strain.alpha",
    "strain.base_turnover_per_year",
    "support.training_effect",
    "support.supervision_hours_per_month",
    "policy.caseload_cap",
    "policy.max_holding_weeks",
    "cost.lw_cost_per_year",
];

/// The value at `section.key` of a scenario's JSON.
fn lookup(v: &Value, path: &str) -> Value {
    let (s, k) = path.split_once('.').unwrap_or((path, ""));
    v[s][k].clone()
}

/// "unit — source" of the parameter at `section.key`, or empty if unknown.
fn about_parameter(path: &str) -> String {
    path.split_once('.')
        .and_then(|(s, k)| section_specs(s)?.iter().find(|x| x.key == k))
        .map(|s| format!("{} — {}", s.unit, s.about))
        .unwrap_or_default()
}

/// Key parameters side by side, then every parameter that differs from the defaults.
pub fn assumptions(runs: &[RunResults]) -> String {
    let mut h = String::from("<h2>Assumptions</h2>\n");
    h.push_str(&key_parameters(runs));
    h.push_str(&site_groups(runs));
    let defaults = Scenario::default().to_json();
    for r in runs {
        h.push_str(&changed_parameters(r, &defaults));
    }
    h.push_str("<p class=\"note\">Values marked “assumption” have no published source and are for calibration and sensitivity analysis. The full resolved scenario of each run is in its <code>manifest.json</code>.</p>\n");
    h
}

/// The [`KEY_PARAMETERS`] table: one column per scenario, then unit and source.
fn key_parameters(runs: &[RunResults]) -> String {
    let mut h = String::from("<h3>Key parameters</h3>\n<table>\n<thead><tr><th>parameter</th>");
    for r in runs {
        let _ = write!(h, "<th>{}</th>", escape(&r.title));
    }
    h.push_str("<th style=\"text-align:left\">unit and source</th></tr></thead>\n<tbody>\n");
    for path in KEY_PARAMETERS {
        let _ = write!(h, "<tr><td>{}</td>", escape(path));
        for r in runs {
            let value = parameter_value(&r.manifest["scenario"], path);
            let _ = write!(h, "<td>{}</td>", escape(&value));
        }
        let _ = writeln!(
            h,
            "<td style=\"text-align:left\" class=\"note\">{}</td></tr>",
            escape(&about_parameter(path))
        );
    }
    h.push_str("</tbody>\n</table>\n");
    h
}

/// The value of `path` in a scenario, or "by site group" (with the groups' values)
/// when its `[[site_group]]`s set it: the top-level value then applies to no site.
fn parameter_value(scenario: &Value, path: &str) -> String {
    let groups = scenario["site_group"]
        .as_array()
        .map_or(&[][..], Vec::as_slice);
    let by_group: Vec<String> = groups
        .iter()
        .filter_map(|g| g["set"].get(path).map(Value::to_string))
        .collect();
    if by_group.is_empty() {
        lookup(scenario, path).to_string()
    } else {
        format!("by site group: {}", by_group.join(", "))
    }
}

/// Each scenario's `[[site_group]]`s (name, sites, what each sets), for scenarios
/// that have them: without it a national run would read as one team.
fn site_groups(runs: &[RunResults]) -> String {
    let mut h = String::new();
    for r in runs {
        let Some(groups) = r.manifest["scenario"]["site_group"].as_array() else {
            continue;
        };
        if groups.is_empty() {
            continue;
        }
        let _ = writeln!(
            h,
            "<h3>{}: site groups</h3>\n<table>\n<thead><tr><th>group</th><th>sites</th><th style=\"text-align:left\">settings that differ from the scenario</th></tr></thead>\n<tbody>",
            escape(&r.title)
        );
        for g in groups {
            let settings: Vec<String> = g["set"]
                .as_object()
                .map(|set| set.iter().map(|(k, v)| format!("{k} = {v}")).collect())
                .unwrap_or_default();
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td style=\"text-align:left\">{}</td></tr>",
                escape(g["name"].as_str().unwrap_or("?")),
                escape(&g["count"].to_string()),
                escape(&settings.join("; "))
            );
        }
        h.push_str("</tbody>\n</table>\n");
    }
    h
}

/// (parameter, value, default, unit and source) of every parameter of `scenario`
/// that differs from `defaults`; a changed list section is one row.
fn differences_from_defaults(
    scenario: &Value,
    defaults: &Value,
) -> Vec<(String, String, String, String)> {
    let mut changed = Vec::new();
    for section in SECTIONS {
        for spec in section_specs(section).unwrap_or_default() {
            let path = format!("{section}.{}", spec.key);
            let (v, d) = (lookup(scenario, &path), lookup(defaults, &path));
            if v != d {
                let about = format!("{} — {}", spec.unit, spec.about);
                changed.push((path, v.to_string(), d.to_string(), about));
            }
        }
    }
    // Site groups have their own table (`site_groups`); every other list is one row.
    for &list in ARRAY_SECTIONS.iter().filter(|&&l| l != "site_group") {
        if scenario[list] != defaults[list] {
            changed.push((
                format!("[[{list}]]"),
                "changed".into(),
                "DEFAULTS".into(),
                format!("the {list} list differs from the defaults; see the scenario file"),
            ));
        }
    }
    changed
}

/// One scenario's parameters that differ from the defaults, as a table.
fn changed_parameters(run: &RunResults, defaults: &Value) -> String {
    let changed = differences_from_defaults(&run.manifest["scenario"], defaults);
    let mut h = format!(
        "<h3>{}: parameters that differ from the defaults</h3>\n",
        escape(&run.title)
    );
    if changed.is_empty() {
        h.push_str("<p>None: every parameter has its default value.</p>\n");
        return h;
    }
    h.push_str("<table>\n<thead><tr><th>parameter</th><th>value</th><th>default</th><th style=\"text-align:left\">unit and source</th></tr></thead>\n<tbody>\n");
    for (p, v, d, about) in changed {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td style=\"text-align:left\" class=\"note\">{}</td></tr>",
            escape(&p),
            escape(&v),
            escape(&d),
            escape(&about)
        );
    }
    h.push_str("</tbody>\n</table>\n");
    h
}

/// "About this run": version, seed, replications, random numbers, window, time and
/// scenario files, so every number can be reproduced.
pub fn about(runs: &[RunResults], meta: &Meta) -> String {
    let version = runs
        .first()
        .and_then(|r| r.manifest["holdsim_version"].as_str())
        .unwrap_or(env!("CARGO_PKG_VERSION"));
    let window = runs.first().map(|r| &r.manifest["kpi_window_days"]);
    let scenario_files = runs
        .iter()
        .map(|r| {
            let file = r.manifest["scenario_file"].as_str().unwrap_or("?");
            format!("{}: {file}", r.title)
        })
        .collect::<Vec<_>>()
        .join("; ");
    let rows = [
        ("holdsim version", version.to_string()),
        ("Seed", meta.seed.map_or(MISSING.into(), |s| s.to_string())),
        (
            "Replications per scenario",
            meta.replications.map_or(MISSING.into(), |n| n.to_string()),
        ),
        ("Random numbers", meta.streams.clone()),
        (
            "KPI window (days)",
            window.map_or(MISSING.into(), |w| format!("{} to {}", w[0], w[1])),
        ),
        ("Created (UTC)", meta.created_utc.clone()),
        ("Scenario files", scenario_files),
    ];
    let mut h = String::from("<h2>About this run</h2>\n<table>\n");
    for (k, v) in rows {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td style=\"text-align:left\">{}</td></tr>",
            escape(k),
            escape(&v)
        );
    }
    h.push_str("</table>\n<p class=\"note\">Text set in DejaVu Sans (embedded; Bitstream Vera licence). Generated by holdsim; every number can be reproduced from the scenario files with the seed above.</p>\n");
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_parameter_set_by_site_groups_reads_by_group_not_the_unused_default() {
        let with_groups = serde_json::json!({
            "workforce": {"link_workers": 3, "hours_per_week": 37.5},
            "site_group": [
                {"name": "two", "count": 650, "set": {"workforce.link_workers": 2}},
                {"name": "three", "count": 600, "set": {"workforce.link_workers": 3}},
            ],
        });
        assert_eq!(
            parameter_value(&with_groups, "workforce.link_workers"),
            "by site group: 2, 3"
        );
        assert_eq!(
            parameter_value(&with_groups, "workforce.hours_per_week"),
            "37.5"
        );
        let plain = serde_json::json!({"workforce": {"link_workers": 3}, "site_group": []});
        assert_eq!(parameter_value(&plain, "workforce.link_workers"), "3");
    }

    fn difference(mean: f64, ci: (f64, f64)) -> Difference {
        Difference {
            n: 20,
            mean,
            ci_low: ci.0,
            ci_high: ci.1,
            relative: Ok((mean / 0.1, ci.0 / 0.1, ci.1 / 0.1)),
            share_higher: 0.5,
        }
    }

    #[test]
    fn a_difference_says_better_or_worse_only_when_clear_and_directed() {
        let fewer_exits = difference(-0.03, (-0.05, -0.02));
        assert_eq!(verdict(Kpi::ExitsPerPostYear, &fewer_exits), Some("better"));
        assert_eq!(verdict(Kpi::PatientsPerLwYear, &fewer_exits), Some("worse"));
        assert_eq!(verdict(Kpi::Referrals, &fewer_exits), None);
        let unclear = difference(-0.03, (-0.05, 0.01));
        assert_eq!(verdict(Kpi::ExitsPerPostYear, &unclear), None);
        let cell = difference_cell(Kpi::ExitsPerPostYear, Some(fewer_exits));
        assert!(
            cell.starts_with("<td class=\"sig\">-0.0300 [-0.0500, -0.0200]"),
            "{cell}"
        );
        assert!(cell.contains("-30% [-50%, -20%] · better"), "{cell}");
    }

    #[test]
    fn shares_read_as_percentages_in_the_table() {
        let cell = difference_cell(
            Kpi::ShareReturnedToGp,
            Some(difference(0.012, (0.004, 0.02))),
        );
        assert!(cell.contains("+1.20 pp [+0.400 pp, +2.00 pp]"), "{cell}");
        assert!(cell.contains("worse"), "{cell}");
        assert_eq!(
            summary_cell(Kpi::ShareReturnedToGp, None, false),
            "<td>–</td>"
        );
    }
}
