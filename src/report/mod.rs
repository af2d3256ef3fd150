//! `report.html`: one self-contained page a commissioner can read, print or paste
//! into a board paper — headlines in plain language, the KPI comparison table, the
//! plots (inline SVG, with the DejaVu Sans font embedded as a data URI so text renders
//! the same everywhere), the assumptions behind the numbers and the run metadata.
//! No scripts, no external requests.

pub mod answer;
pub mod board;
mod build;
pub mod decisive;
pub mod headline;
pub mod sections;
pub mod uncertainty;

use std::fmt::Write;

use serde_json::Value;

use crate::analysis::Analysis;
use crate::plot::Figure;
use crate::results::RunResults;
use crate::robustness::GridPoint;

pub use build::{Built, build};

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
    /// The posterior the runs drew their parameters from, if any.
    pub posterior: Option<uncertainty::PosteriorMeta>,
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
            posterior: uncertainty::PosteriorMeta::from_manifest(m),
        }
    }
}

const CSS: &str = r#"
body { font-family: 'DejaVu Sans', sans-serif; color: #1a1a1a; max-width: 1100px; margin: 2rem auto; padding: 0 1.5rem; line-height: 1.45; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; } h2 { font-size: 1.25rem; margin-top: 2rem; border-bottom: 2px solid #0072B2; padding-bottom: 0.2rem; }
h3 { font-size: 1.05rem; margin-top: 1.4rem; }
.subtitle { color: #555; margin-top: 0; }
table { border-collapse: collapse; width: 100%; font-size: 0.85rem; margin: 0.8rem 0; }
th, td { border-bottom: 1px solid #ddd; padding: 0.3rem 0.45rem; text-align: right; vertical-align: top; }
th:first-child, td:first-child { text-align: left; }
table.verdict th:last-child { text-align: left; }
th { background: #f2f5f8; }
td.sig { font-weight: bold; }
td.best { font-weight: bold; background: #e8f3ea; }
td.words { text-align: left; font-size: 0.8rem; }
tr.total td { font-weight: bold; border-top: 1.5px solid #888; }
.note { color: #555; font-size: 0.85rem; }
.question { font-size: 1.05rem; }
ol.options li { margin: 0.25rem 0; }
ul.headlines li, ul.effects li { margin: 0.3rem 0; }
.caveat, .decisive { border-left: 4px solid #E69F00; background: #fdf6e7; padding: 0.5rem 0.8rem; }
.glossary p { font-size: 0.85rem; }
figure { margin: 1.2rem 0; break-inside: avoid; }
figure svg { width: 100%; height: auto; display: block; }
figcaption { font-size: 0.85rem; color: #444; margin-top: 0.3rem; }
.print-only { display: none; }
@media screen and (max-width: 700px) {
  body { padding: 0 0.6rem; margin: 1rem auto; }
  table { display: block; overflow-x: auto; }
  h1 { font-size: 1.3rem; }
}
@page { size: A4; margin: 14mm 13mm 16mm 13mm;
  @top-left { content: ""; } @top-center { content: ""; } @top-right { content: ""; }
  @bottom-left { content: ""; } @bottom-right { content: ""; }
  @bottom-center { content: "Page " counter(page) " of " counter(pages); font-family: 'DejaVu Sans', sans-serif; font-size: 8pt; color: #555; } }
@media print {
  body { margin: 0; padding: 0; max-width: none; font-size: 9pt; line-height: 1.3; }
  h1 { font-size: 15pt; } h2 { font-size: 12pt; margin-top: 0.9rem; } h3 { font-size: 10pt; }
  h1, h2, h3 { break-after: avoid; page-break-after: avoid; }
  table { font-size: 8pt; margin: 0.4rem 0; } th, td { padding: 0.15rem 0.3rem; }
  tr, td, th, li, .caveat, .glossary { break-inside: avoid; page-break-inside: avoid; }
  thead { display: table-header-group; }
  .note, .glossary p { font-size: 7.5pt; }
  .summary { break-after: page; page-break-after: always; }
  .screen-only { display: none; }
  .print-only { display: block; }
  figure { margin: 0.5rem 0; } figcaption { font-size: 8pt; }
  figure svg { max-height: 105mm; width: auto; max-width: 100%; margin: 0 auto; }
  a { color: inherit; text-decoration: none; }
}
"#;

/// The page's `<head>`: title, the embedded DejaVu Sans (so text renders the same
/// everywhere) and the style sheet; ends with `<body>` open.
pub(crate) fn head(title: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>\n@font-face {{ font-family: 'DejaVu Sans'; font-style: normal; font-weight: normal; src: url(data:font/ttf;base64,{}) format('truetype'); }}\n@font-face {{ font-family: 'DejaVu Sans'; font-style: normal; font-weight: bold; src: url(data:font/ttf;base64,{}) format('truetype'); }}\n{CSS}</style>\n</head>\n<body>\n",
        escape(title),
        base64(dejavu::sans::regular()),
        base64(dejavu::sans::bold())
    )
}

/// "holdsim: B, C compared with A", or "holdsim: A" for a single run.
fn title(names: &[&str]) -> String {
    match names {
        [] => "holdsim".into(),
        [only] => format!("holdsim: {only}"),
        [baseline, others @ ..] => {
            format!("holdsim: {} compared with {baseline}", others.join(", "))
        }
    }
}

/// The whole page. `runs[0]` is the baseline. The printed paper is the summary page,
/// costs, key charts, the deciding assumptions and the glossary; the rest is marked
/// `screen-only` (full KPI table, every figure, parameters, run details).
pub fn html(
    runs: &[RunResults],
    analysis: &Analysis,
    robustness: Option<&[GridPoint]>,
    figures: &[Figure],
    meta: &Meta,
) -> String {
    let rows = &analysis.rows;
    let titles: Vec<&str> = runs.iter().map(|r| answer::short_title(&r.title)).collect();
    let title = title(&titles);
    let mut h = head(&title);
    let _ = writeln!(h, "<h1>{}</h1>", escape(&title));
    let _ = writeln!(
        h,
        "<p class=\"subtitle\">Social prescribing link workers, the patients they hold, and the strain that builds. {} simulated runs per option; 95% confidence intervals throughout{}.</p>",
        meta.replications.map_or("?".into(), |n| n.to_string()),
        if meta.posterior.is_some() {
            "; each run drew its strain assumptions from a calibration (see “Uncertainty about the assumptions”)"
        } else {
            ""
        }
    );
    let findings = robustness.map_or(Vec::new(), |p| decisive::robustness_findings(analysis, p));
    let caveat = decisive::caveat(&findings, robustness, meta.posterior.is_some());
    h.push_str(&board::summary(runs, analysis, &caveat));
    h.push_str(&uncertainty::section(runs, rows, meta.posterior.as_ref()));
    h.push_str(&board::costs(runs, analysis));
    h.push_str(&decisive::section(runs, &findings, robustness));
    h.push_str(&board::key_figures(figures));
    h.push_str(&board::glossary());
    h.push_str(&board::rest_is_on_screen(runs.len() > 1));
    h.push_str("<div class=\"screen-only\">\n");
    h.push_str(&sections::headlines(runs, rows));
    h.push_str(&sections::kpi_table(runs, rows, meta.posterior.is_some()));
    h.push_str(&sections::figures(figures));
    h.push_str(&sections::assumptions(runs));
    h.push_str(&sections::about(runs, meta));
    h.push_str("</div>\n</body>\n</html>\n");
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

    #[test]
    fn the_title_names_the_baseline_last() {
        assert_eq!(title(&["A"]), "holdsim: A");
        assert_eq!(title(&["A", "B", "C"]), "holdsim: B, C compared with A");
    }
}
