//! `report.html`: one self-contained page a commissioner can read, print or paste
//! into a board paper — headlines in plain language, the KPI comparison table, the
//! plots (inline SVG, with the DejaVu Sans font embedded as a data URI so text renders
//! the same everywhere), the assumptions behind the numbers and the run metadata.
//! No scripts, no external requests.

pub mod headline;

use std::fmt::Write;

use serde_json::Value;

use crate::compare::Row;
use crate::kpi::ALL_KPIS;
use crate::output::terminal::readable;
use crate::plot::Figure;
use crate::results::RunResults;
use crate::scenario::{SECTIONS, Scenario, section_specs};

/// Escapes text for HTML.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Standard base64 (RFC 4648) for the embedded font.
pub fn base64(bytes: &[u8]) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(TABLE[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Makes a plotters SVG embeddable: drops any XML prolog and adds a viewBox so it
/// scales with the page.
fn inline_svg(svg: &str) -> String {
    let body = match svg.find("<svg") {
        Some(i) => &svg[i..],
        None => svg,
    };
    if body.contains("viewBox") {
        return body.to_string();
    }
    let attr = |name: &str| -> Option<String> {
        let start = body.find(&format!("{name}=\""))? + name.len() + 2;
        let end = body[start..].find('"')? + start;
        Some(body[start..end].to_string())
    };
    match (attr("width"), attr("height")) {
        (Some(w), Some(h)) => body.replacen(
            "<svg",
            &format!("<svg viewBox=\"0 0 {w} {h}\" preserveAspectRatio=\"xMidYMid meet\""),
            1,
        ),
        _ => body.to_string(),
    }
}

/// What the page says about the run itself.
pub struct Meta {
    pub created_utc: String,
    pub seed: Option<u64>,
    pub replications: Option<u64>,
    pub streams: String,
}

impl Meta {
    /// From a comparison's `compare.json` or a run's `manifest.json`.
    pub fn from_manifest(m: &Value) -> Meta {
        Meta {
            created_utc: m["created_utc"].as_str().unwrap_or("").to_string(),
            seed: m["seed"].as_u64(),
            replications: m["replications"].as_u64(),
            streams: m["streams"]
                .as_str()
                .unwrap_or("common random numbers")
                .to_string(),
        }
    }
}

const CSS: &str = r#"
body { font-family: 'DejaVu Sans', sans-serif; color: #1a1a1a; max-width: 1100px; margin: 2rem auto; padding: 0 1.5rem; line-height: 1.45; }
h1 { font-size: 1.7rem; margin-bottom: 0.2rem; } h2 { font-size: 1.3rem; margin-top: 2.2rem; border-bottom: 2px solid #0072B2; padding-bottom: 0.2rem; }
h3 { font-size: 1.05rem; margin-top: 1.4rem; }
.subtitle { color: #555; margin-top: 0; }
table { border-collapse: collapse; width: 100%; font-size: 0.85rem; margin: 0.8rem 0; }
th, td { border-bottom: 1px solid #ddd; padding: 0.3rem 0.45rem; text-align: right; vertical-align: top; }
th:first-child, td:first-child { text-align: left; }
th { background: #f2f5f8; }
td.sig { font-weight: bold; }
.note { color: #555; font-size: 0.85rem; }
ul.headlines li { margin: 0.3rem 0; }
figure { margin: 1.2rem 0; page-break-inside: avoid; break-inside: avoid; }
figure svg { width: 100%; height: auto; display: block; }
figcaption { font-size: 0.85rem; color: #444; margin-top: 0.3rem; }
@media print { body { margin: 0; max-width: none; } h2 { page-break-after: avoid; } table { page-break-inside: auto; } tr { page-break-inside: avoid; } }
"#;

/// The whole page. `runs[0]` is the baseline; `rows` come from [`crate::compare::compare`].
pub fn html(runs: &[RunResults], rows: &[Row], figures: &[Figure], meta: &Meta) -> String {
    let mut h = String::new();
    let names: Vec<&str> = runs.iter().map(|r| r.name.as_str()).collect();
    let title = if runs.len() > 1 {
        format!(
            "holdsim: {} compared with {}",
            names[1..].join(", "),
            names[0]
        )
    } else {
        format!("holdsim: {}", names[0])
    };
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>\n@font-face {{ font-family: 'DejaVu Sans'; font-style: normal; font-weight: normal; src: url(data:font/ttf;base64,{}) format('truetype'); }}\n@font-face {{ font-family: 'DejaVu Sans'; font-style: normal; font-weight: bold; src: url(data:font/ttf;base64,{}) format('truetype'); }}\n{CSS}</style>\n</head>\n<body>\n",
        escape(&title),
        base64(dejavu::sans::regular()),
        base64(dejavu::sans::bold())
    );
    let _ = writeln!(h, "<h1>{}</h1>", escape(&title));
    let _ = writeln!(
        h,
        "<p class=\"subtitle\">Social prescribing link workers, the patients they hold, and the strain that builds. {} replications per scenario; 95% confidence intervals throughout.</p>",
        meta.replications.map_or("?".into(), |n| n.to_string())
    );

    // Headlines.
    if runs.len() > 1 {
        h.push_str("<h2>Headlines</h2>\n");
        for run in &runs[1..] {
            let _ = writeln!(
                h,
                "<h3>{} compared with {}</h3>\n<ul class=\"headlines\">",
                escape(&run.name),
                escape(names[0])
            );
            for kpi in headline::HEADLINE_KPIS {
                let base = rows.iter().find(|r| r.scenario == names[0] && r.kpi == kpi);
                let this = rows.iter().find(|r| r.scenario == run.name && r.kpi == kpi);
                if let (Some(b), Some(t)) = (base, this)
                    && let (Some(bs), Some(ts), Some(d)) = (b.summary, t.summary, t.difference)
                {
                    let _ = writeln!(
                        h,
                        "<li>{}</li>",
                        escape(&headline::sentence(
                            &run.name, names[0], kpi, bs.mean, ts.mean, &d
                        ))
                    );
                }
            }
            h.push_str("</ul>\n");
        }
        h.push_str("<p class=\"note\">A difference is reported only where its 95% confidence interval excludes zero. Scenarios are run on common random numbers (the same referrals, thresholds and delays in replication r of every scenario), so differences are paired replication by replication; a relative change is the paired difference divided by the baseline mean, and its interval is the paired difference's 95% CI divided by the baseline mean (cut at −100%, as no KPI can be negative), so it excludes zero exactly when the difference does.</p>\n");
    }

    // KPI table.
    h.push_str("<h2>Key performance indicators</h2>\n<table>\n<thead><tr><th>KPI</th>");
    for (i, n) in names.iter().enumerate() {
        let _ = write!(
            h,
            "<th>{}{}</th>",
            escape(n),
            if i == 0 && runs.len() > 1 {
                " (baseline)"
            } else {
                ""
            }
        );
        if i > 0 {
            h.push_str("<th>difference (95% CI)</th>");
        }
    }
    h.push_str("</tr></thead>\n<tbody>\n");
    for kpi in ALL_KPIS {
        let _ = write!(h, "<tr><td>{}</td>", escape(kpi.label()));
        for (i, n) in names.iter().enumerate() {
            let row = rows.iter().find(|r| r.scenario == *n && r.kpi == kpi);
            match row.and_then(|r| r.summary) {
                Some(s) if s.n > 1 => {
                    let _ = write!(
                        h,
                        "<td>{}<br><span class=\"note\">[{}, {}]</span></td>",
                        readable(s.mean),
                        readable(s.ci_low),
                        readable(s.ci_high)
                    );
                }
                Some(s) => {
                    let _ = write!(h, "<td>{}</td>", readable(s.mean));
                }
                None => h.push_str("<td>–</td>"),
            }
            if i > 0 {
                match row.and_then(|r| r.difference) {
                    Some(d) if d.n > 1 => {
                        let rel = match d.relative {
                            Ok((r, lo, hi)) => format!(
                                "<br><span class=\"note\">{:+.0}% [{:+.0}%, {:+.0}%]</span>",
                                r * 100.0,
                                lo * 100.0,
                                hi * 100.0
                            ),
                            Err(_) => {
                                "<br><span class=\"note\">baseline 0: no % change</span>".into()
                            }
                        };
                        let class = if d.significant() {
                            " class=\"sig\""
                        } else {
                            ""
                        };
                        let _ = write!(
                            h,
                            "<td{class}>{}{} [{}, {}]{rel}</td>",
                            if d.mean > 0.0 { "+" } else { "" },
                            readable(d.mean),
                            readable(d.ci_low),
                            readable(d.ci_high)
                        );
                    }
                    _ => h.push_str("<td>–</td>"),
                }
            }
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody>\n</table>\n<p class=\"note\">Means over replications with 95% Student-t confidence intervals in brackets; differences are scenario minus baseline, paired by replication, in bold where the interval excludes zero; the percentage beneath is the same difference and interval divided by the baseline mean. KPIs cover the window after the warm-up and pool all sites.</p>\n");

    // Figures.
    if !figures.is_empty() {
        h.push_str("<h2>Figures</h2>\n");
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
    }

    // Assumptions.
    h.push_str("<h2>Assumptions</h2>\n");
    h.push_str(&assumptions(runs));

    // Metadata.
    h.push_str("<h2>About this run</h2>\n<table>\n");
    let version = runs
        .first()
        .and_then(|r| r.manifest["holdsim_version"].as_str())
        .unwrap_or(env!("CARGO_PKG_VERSION"));
    let window = runs.first().map(|r| &r.manifest["kpi_window_days"]);
    let meta_rows = [
        ("holdsim version", version.to_string()),
        ("Seed", meta.seed.map_or("–".into(), |s| s.to_string())),
        (
            "Replications per scenario",
            meta.replications.map_or("–".into(), |n| n.to_string()),
        ),
        ("Random numbers", meta.streams.clone()),
        (
            "KPI window (days)",
            window.map_or("–".into(), |w| format!("{} to {}", w[0], w[1])),
        ),
        ("Created (UTC)", meta.created_utc.clone()),
        (
            "Scenario files",
            runs.iter()
                .map(|r| {
                    format!(
                        "{}: {}",
                        r.name,
                        r.manifest["scenario_file"].as_str().unwrap_or("?")
                    )
                })
                .collect::<Vec<_>>()
                .join("; "),
        ),
    ];
    for (k, v) in meta_rows {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td style=\"text-align:left\">{}</td></tr>",
            escape(k),
            escape(&v)
        );
    }
    h.push_str("</table>\n<p class=\"note\">Text set in DejaVu Sans (embedded; Bitstream Vera licence). Generated by holdsim; every number can be reproduced from the scenario files with the seed above.</p>\n</body>\n</html>\n");
    h
}

/// Key parameters side by side, then every parameter that differs from the defaults.
fn assumptions(runs: &[RunResults]) -> String {
    const KEY: [&str; 14] = [
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
    let defaults = Scenario::default().to_json();
    let lookup = |v: &Value, path: &str| -> Value {
        let (s, k) = path.split_once('.').unwrap_or((path, ""));
        v[s][k].clone()
    };
    let spec_of = |path: &str| {
        let (s, k) = path.split_once('.')?;
        section_specs(s)?.iter().find(|x| x.key == k)
    };
    let mut h = String::from("<h3>Key parameters</h3>\n<table>\n<thead><tr><th>parameter</th>");
    for r in runs {
        let _ = write!(h, "<th>{}</th>", escape(&r.name));
    }
    h.push_str("<th style=\"text-align:left\">unit and source</th></tr></thead>\n<tbody>\n");
    for path in KEY {
        let _ = write!(h, "<tr><td>{}</td>", escape(path));
        for r in runs {
            let _ = write!(
                h,
                "<td>{}</td>",
                escape(&lookup(&r.manifest["scenario"], path).to_string())
            );
        }
        let about = spec_of(path)
            .map(|s| format!("{} — {}", s.unit, s.about))
            .unwrap_or_default();
        let _ = writeln!(
            h,
            "<td style=\"text-align:left\" class=\"note\">{}</td></tr>",
            escape(&about)
        );
    }
    h.push_str("</tbody>\n</table>\n");

    for r in runs {
        let scenario = &r.manifest["scenario"];
        let mut changed = Vec::new();
        for section in SECTIONS {
            for spec in section_specs(section).unwrap_or_default() {
                let path = format!("{section}.{}", spec.key);
                let (v, d) = (lookup(scenario, &path), lookup(&defaults, &path));
                if v != d {
                    changed.push((
                        path,
                        v.to_string(),
                        d.to_string(),
                        format!("{} — {}", spec.unit, spec.about),
                    ));
                }
            }
        }
        for list in ["profile", "service"] {
            if scenario[list] != defaults[list] {
                changed.push((
                    format!("[[{list}]]"),
                    "changed".into(),
                    "DEFAULTS".into(),
                    format!("the {list} list differs from the defaults; see the scenario file"),
                ));
            }
        }
        let _ = writeln!(
            h,
            "<h3>{}: parameters that differ from the defaults</h3>",
            escape(&r.name)
        );
        if changed.is_empty() {
            h.push_str("<p>None: every parameter has its default value.</p>\n");
            continue;
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
    }
    h.push_str("<p class=\"note\">Values marked “assumption” have no published source and are for calibration and sensitivity analysis. The full resolved scenario of each run is in its <code>manifest.json</code>.</p>\n");
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        for (input, expected) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(input.as_bytes()), expected);
        }
    }

    #[test]
    fn svg_gets_a_viewbox_and_loses_its_prolog() {
        let s = inline_svg(
            "<?xml version=\"1.0\"?>\n<svg width=\"900\" height=\"500\" xmlns=\"http://www.w3.org/2000/svg\"></svg>",
        );
        assert!(s.starts_with("<svg viewBox=\"0 0 900 500\""), "{s}");
        assert_eq!(escape("<a & 'b'>"), "&lt;a &amp; &#39;b&#39;&gt;");
    }
}
