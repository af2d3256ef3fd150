//! The report's "Uncertainty about the assumptions" section, shown when the runs drew
//! their parameters from a calibration's posterior (`--posterior`): which assumptions
//! were drawn, what the two kinds of interval mean, and for each headline outcome the
//! range a single run falls in and how often each option beats the baseline.

use std::fmt::Write;

use serde_json::Value;

use super::escape;
use super::sections::row_of;
use crate::compare::Row;
use crate::kpi::Kpi;
use crate::numbers::{MISSING, kpi_value, percent};
use crate::results::RunResults;

/// The posterior a run or comparison drew its parameters from, as its manifest records it.
#[derive(Clone, Debug, PartialEq)]
pub struct PosteriorMeta {
    pub file: String,
    pub particles: u64,
    pub parameters: Vec<String>,
}

impl PosteriorMeta {
    /// From the manifest's `posterior` entry; `None` when the runs drew no parameters.
    pub fn from_manifest(m: &Value) -> Option<PosteriorMeta> {
        let p = m.get("posterior")?;
        Some(PosteriorMeta {
            file: p["file"].as_str().unwrap_or("").to_string(),
            particles: p["particles"].as_u64().unwrap_or(0),
            parameters: p["parameters"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(String::from))
                        .collect()
                })
                .unwrap_or_default(),
        })
    }
}

/// A drawn parameter in words: its registry label and its path.
fn parameter_words(path: &str) -> String {
    match crate::scenario::levers::spec(path) {
        Some(spec) => format!("{} (<code>{}</code>)", escape(spec.label), escape(path)),
        None => format!("<code>{}</code>", escape(path)),
    }
}

/// The section, or nothing without a posterior.
pub fn section(runs: &[RunResults], rows: &[Row], posterior: Option<&PosteriorMeta>) -> String {
    let Some(p) = posterior else {
        return String::new();
    };
    let mut h = String::from("<h2>Uncertainty about the assumptions</h2>\n");
    let drawn: Vec<String> = p.parameters.iter().map(|s| parameter_words(s)).collect();
    let _ = writeln!(
        h,
        "<p>Each simulated run drew these assumptions from a calibration to published figures (<code>{}</code>, {} weighted sets of values): {}. Run r of every option used the same set, so options are compared on equal terms. The ranges below therefore include uncertainty about the assumptions as well as chance.</p>",
        escape(&p.file),
        p.particles,
        drawn.join("; ")
    );
    h.push_str("<ul class=\"effects\">\n<li><b>95% of runs</b>: where a single run’s outcome falls, the assumptions and chance together. More runs do not narrow it; better data would.</li>\n<li><b>95% CI of the mean</b> (in the other tables): where the average over runs lies. It narrows with more runs and says nothing about how far one year or one place may differ.</li>\n");
    if runs.len() > 1 {
        h.push_str("<li><b>Chance of doing better</b>: the share of paired runs (same assumptions, same patients) in which the option did better than the baseline, ties counted half.</li>\n");
    }
    h.push_str("</ul>\n");
    h.push_str(&headline_table(runs, rows));
    h
}

/// Per headline KPI and option: the mean, the central 95% of runs, and (beside the
/// options) the chance of doing better than the baseline.
fn headline_table(runs: &[RunResults], rows: &[Row]) -> String {
    let mut h = String::from("<table>\n<thead><tr><th>outcome</th>");
    for (i, r) in runs.iter().enumerate() {
        let _ = write!(
            h,
            "<th>{}<br>mean [95% of runs]</th>",
            escape(super::answer::short_title(&r.title))
        );
        if i > 0 {
            h.push_str("<th>chance of doing better</th>");
        }
    }
    h.push_str("</tr></thead>\n<tbody>\n");
    for kpi in Kpi::headlines() {
        let _ = write!(h, "<tr><td>{}</td>", escape(kpi.label()));
        for (i, r) in runs.iter().enumerate() {
            let row = row_of(rows, &r.name, kpi);
            match row.and_then(|r| r.summary) {
                Some(s) => {
                    let _ = write!(
                        h,
                        "<td>{} <span class=\"note\">[{}, {}]</span></td>",
                        kpi_value(kpi, s.mean),
                        kpi_value(kpi, s.p2_5),
                        kpi_value(kpi, s.p97_5)
                    );
                }
                None => {
                    let _ = write!(h, "<td>{MISSING}</td>");
                }
            }
            if i > 0 {
                let chance = row.and_then(Row::probability_better);
                let _ = write!(h, "<td>{}</td>", chance.map_or(MISSING.into(), percent));
            }
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody>\n</table>\n");
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_manifest_entry_reads_back_and_its_absence_shows_nothing() {
        let m = serde_json::json!({"posterior": {"file": "cal/posterior.csv", "particles": 1000, "parameters": ["strain.alpha", "strain.nope"]}});
        let p = PosteriorMeta::from_manifest(&m).unwrap();
        assert_eq!(p.particles, 1000);
        assert_eq!(p.parameters, ["strain.alpha", "strain.nope"]);
        assert_eq!(PosteriorMeta::from_manifest(&serde_json::json!({})), None);
        assert_eq!(section(&[], &[], None), "");
        let html = section(&[], &[], Some(&p));
        assert!(html.contains("cal/posterior.csv") && html.contains("1000 weighted sets"));
        // A registry key is named in words, an unknown one by its path only.
        assert!(html.contains("<code>strain.alpha</code>"), "{html}");
        assert!(!html.contains("(<code>strain.nope</code>)"), "{html}");
    }
}
