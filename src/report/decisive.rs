//! "The assumptions that decide this answer": which assumptions the options' levers and
//! the headline outcomes rest on, their plausible ranges and sources, and whether the
//! verdict held when the comparison was rerun across each (`robustness.csv`).

use std::fmt::Write;

use serde_json::Value;

use super::answer::{ArmName, short_title};
use super::escape;
use crate::analysis::Analysis;
use crate::results::RunResults;
use crate::robustness::{Finding, GridPoint, findings};
use crate::scenario::levers::spec;
use crate::scenario::{SECTIONS, section_specs};

/// Keys whose values differ between any option and the first, read from the resolved
/// scenarios in the manifests.
fn changed_keys(runs: &[RunResults]) -> Vec<String> {
    let Some((base, others)) = runs.split_first() else {
        return Vec::new();
    };
    let value =
        |r: &RunResults, section: &str, key: &str| r.manifest["scenario"][section][key].clone();
    let mut keys = Vec::new();
    for section in SECTIONS.iter().filter(|s| **s != "run") {
        for s in section_specs(section).unwrap_or_default() {
            if others
                .iter()
                .any(|o| value(o, section, s.key) != value(base, section, s.key))
            {
                keys.push(format!("{section}.{}", s.key));
            }
        }
    }
    keys
}

/// The assumptions that decide this comparison, as `compare` chose them.
fn decisive_keys(runs: &[RunResults]) -> Vec<&'static str> {
    crate::robustness::decisive_keys(&changed_keys(runs))
}

/// A grid value as people write it: 0.02, 0.1625, 12 (at most 4 decimals).
pub fn plain(x: f64) -> String {
    let rounded = (x * 1e4).round() / 1e4;
    format!("{rounded}")
}

/// A key's label in lower case, for sentences ("the strain from distressing contact").
fn label_of(key: &str) -> String {
    spec(key).map_or(key.to_string(), |s| s.label.to_lowercase())
}

/// One finding where the best option changes: "Patients seen over the period:
/// Fourth link worker from 0.02 to 0.06; Supervision at 0.08".
pub fn finding_words(f: &Finding, arms: &[ArmName]) -> String {
    let name = |b: Option<usize>| b.map_or("no option".to_string(), |b| arms[b].1.clone());
    let stretches: Vec<String> = f
        .stretches()
        .iter()
        .map(|&(from, to, b)| {
            if from == to {
                format!("{} best at {}", name(b), plain(from))
            } else {
                format!("{} best from {} to {}", name(b), plain(from), plain(to))
            }
        })
        .collect();
    format!("{}: {}", f.kpi.label(), stretches.join("; "))
}

/// What the reruns across one assumption found, as a heading line and the lines
/// beneath it (empty when the verdict held on every headline measure).
pub fn assumption_findings(
    key: &str,
    findings: &[Finding],
    arms: &[ArmName],
    with_label: bool,
) -> (String, Vec<String>) {
    let these: Vec<&Finding> = findings.iter().filter(|f| f.key == key).collect();
    let tried: Vec<f64> = these
        .first()
        .map_or(Vec::new(), |f| f.best.iter().map(|b| b.0).collect());
    let range = match (tried.first(), tried.last()) {
        (Some(lo), Some(hi)) => format!(
            "tried at {} values from {} to {}",
            tried.len(),
            plain(*lo),
            plain(*hi)
        ),
        _ => "no value could be run".to_string(),
    };
    let label = if with_label {
        let label = spec(key).map_or(key.to_string(), |s| s.label.to_string());
        format!("{label} ({key}), {range}")
    } else {
        let mut range = range;
        range[..1].make_ascii_uppercase();
        range
    };
    let (held, changed): (Vec<&Finding>, Vec<&Finding>) = these.iter().partition(|f| f.holds());
    let head = if changed.is_empty() {
        format!("{label}: the verdict holds on every headline measure")
    } else if held.is_empty() {
        format!("{label}: the best option changes on every headline measure")
    } else {
        let kept: Vec<&str> = held.iter().map(|f| f.kpi.label()).collect();
        format!(
            "{label}: the verdict holds for {}; it changes for",
            kept.join("; ")
        )
    };
    (
        head,
        changed.iter().map(|f| finding_words(f, arms)).collect(),
    )
}

/// The assumptions tried, in the order of the reruns.
pub fn tried_keys(points: &[GridPoint]) -> Vec<&str> {
    let mut keys: Vec<&str> = Vec::new();
    for p in points {
        if !keys.contains(&p.key.as_str()) {
            keys.push(&p.key);
        }
    }
    keys
}

/// The findings from `robustness.csv`'s points against the main verdicts.
pub fn robustness_findings(analysis: &Analysis, points: &[GridPoint]) -> Vec<Finding> {
    findings(&analysis.verdicts, points)
}

/// The key caveat of the summary page.
///
/// `calibrated`: the runs drew some assumptions from a calibration's posterior, which
/// the caveat then says (their uncertainty is in the results; the reruns vary the rest).
pub fn caveat(findings: &[Finding], points: Option<&[GridPoint]>, calibrated: bool) -> String {
    let base = if calibrated {
        "The strain that makes link workers burn out and leave, and what supervision and training do to it, are assumptions of the model rather than measured values. Some were drawn from a calibration to published figures, so the ranges include that uncertainty (see “Uncertainty about the assumptions”); the others were not."
    } else {
        "The strain that makes link workers burn out and leave, and what supervision and training do to it, are assumptions of the model rather than measured values."
    };
    let Some(points) = points else {
        return format!(
            "{base} The verdict was not rerun across them (robustness reruns skipped)."
        );
    };
    let labels: Vec<String> = tried_keys(points).iter().map(|k| label_of(k)).collect();
    // Per headline measure: does its verdict hold under every assumption tried?
    let mut held: Vec<&str> = Vec::new();
    let mut changed: Vec<&str> = Vec::new();
    for f in findings {
        let label = f.kpi.label();
        let holds = findings
            .iter()
            .filter(|g| g.kpi == f.kpi)
            .all(Finding::holds);
        let list = if holds { &mut held } else { &mut changed };
        if !list.contains(&label) {
            list.push(label);
        }
    }
    let tried = labels.join("; ");
    if changed.is_empty() {
        format!(
            "{base} Rerun across the plausible range of each assumption that decides this answer ({tried}), the best option on every headline measure stayed the same."
        )
    } else if held.is_empty() {
        format!(
            "{base} The best option on every headline measure changes somewhere within the plausible ranges of these assumptions ({tried}): see “The assumptions that decide this answer”."
        )
    } else {
        format!(
            "{base} Rerun across their plausible ranges ({tried}), the verdict holds for {}; for the other measures it depends on them: see “The assumptions that decide this answer”.",
            held.join("; ").to_lowercase()
        )
    }
}

/// The section: each decisive assumption with its value in the options, plausible
/// range and source, then what the reruns found.
pub fn section(runs: &[RunResults], findings: &[Finding], points: Option<&[GridPoint]>) -> String {
    let arms: Vec<ArmName> = runs
        .iter()
        .map(|r| (r.name.clone(), short_title(&r.title).to_string()))
        .collect();
    let mut h = String::from(
        "<section class=\"decisive\">\n<h2>The assumptions that decide this answer</h2>\n<p>What the options change, and the headline measures, rest on these assumptions, which no study has measured. Each was varied across its plausible range with every option rerun on the same simulated runs.</p>\n<ul>\n",
    );
    // With reruns, the assumptions they varied; without, those that would have been.
    let keys: Vec<&str> = match points {
        Some(p) => tried_keys(p),
        None => decisive_keys(runs).into_iter().take(4).collect(),
    };
    for key in &keys {
        let Some(s) = spec(key) else { continue };
        let (section, k) = key.split_once('.').unwrap_or((key, ""));
        let value: &Value = &runs[0].manifest["scenario"][section][k];
        let range = s.plausible.map_or(String::new(), |(lo, hi)| {
            format!("; plausible {} to {}", plain(lo), plain(hi))
        });
        let _ = write!(
            h,
            "<li><strong>{}</strong> <span class=\"note\">({})</span>: {} {}{}. <span class=\"note\">{}</span>",
            escape(s.label),
            escape(key),
            escape(&value.to_string()),
            escape(s.unit),
            escape(&range),
            escape(s.about.split("; at most").next().unwrap_or(s.about))
        );
        if points.is_some() {
            let (head, lines) = assumption_findings(key, findings, &arms, false);
            let _ = write!(h, "<ul><li>{}", escape(&head));
            if !lines.is_empty() {
                h.push_str(":<ul>");
                for line in lines {
                    let _ = write!(h, "<li>{}</li>", escape(&line));
                }
                h.push_str("</ul>");
            }
            h.push_str("</li></ul>");
        }
        h.push_str("</li>\n");
    }
    h.push_str("</ul>\n");
    let skipped: Vec<String> = points
        .unwrap_or_default()
        .iter()
        .filter_map(|p| p.problem.clone())
        .collect();
    if points.is_none() {
        h.push_str("<p class=\"note\">The comparison was not rerun across these assumptions (<code>--no-robustness</code>).</p>\n");
    } else if !skipped.is_empty() {
        let _ = writeln!(
            h,
            "<p class=\"note\">Values that could not be run: {}.</p>",
            escape(&skipped.join("; "))
        );
    }
    h.push_str("</section>\n");
    h
}
