//! The board paper: the printed pages of `report.html`. A one-page summary that stands
//! alone (the question, the options by title and what each changes, the verdict
//! table, three sentences with counts and costs, the key caveat), then costs, the key
//! charts and the assumptions that decide the answer. Everything else in the report is
//! marked screen-only, and the paper says where to find it.

use std::fmt::Write;

use serde_json::Value;

use super::answer::{
    ArmName, before_after, cost_per_gain_words, money, short_title, value_words, verdict_brief,
    window_words,
};
use super::{escape, inline_svg};
use crate::analysis::Analysis;
use crate::compare::Row;
use crate::kpi::{Better, Kpi};
use crate::numbers::{MISSING, kpi_value};
use crate::plot::Figure;
use crate::results::RunResults;
use crate::scenario::{SECTIONS, section_specs};

/// The figures printed on the paper (the rest are screen-only): the headline
/// comparison and the link workers in post over time.
pub const PRINTED_FIGURES: [&str; 2] = ["kpi_comparison", "fan_lw_active"];

/// The options with their short titles, for sentences and table headings (the full
/// titles are listed once, in the options list).
fn arms(runs: &[RunResults]) -> Vec<ArmName> {
    runs.iter()
        .map(|r| (r.name.clone(), short_title(&r.title).to_string()))
        .collect()
}

fn row_of<'a>(rows: &'a [Row], name: &str, kpi: Kpi) -> Option<&'a Row> {
    rows.iter().find(|r| r.scenario == name && r.kpi == kpi)
}

/// The summary page: everything a board member needs if they read nothing else.
pub fn summary(runs: &[RunResults], analysis: &Analysis, caveat: &str) -> String {
    let arms = arms(runs);
    let (warmup, horizon) = runs[0].window();
    let window = window_words(warmup, horizon);
    let mut h = String::from("<section class=\"summary\">\n<h2>Summary</h2>\n");
    let _ = writeln!(
        h,
        "<p class=\"question\"><strong>The question.</strong> {}</p>",
        escape(&question(&arms, &window))
    );
    h.push_str(&options(runs));
    if runs.len() > 1 {
        h.push_str(&verdict_table(runs, analysis));
    }
    h.push_str("<ul class=\"headlines\">\n");
    for sentence in headline_sentences(runs, analysis, &window) {
        let _ = writeln!(h, "<li>{}</li>", escape(&sentence));
    }
    h.push_str("</ul>\n");
    let _ = writeln!(
        h,
        "<p class=\"caveat\"><strong>The key caveat.</strong> {}</p>",
        escape(caveat)
    );
    h.push_str("</section>\n");
    h
}

/// "Compared with Today, what would A or B change over the 4½ years after a 6-month
/// start-up: …?"
fn question(arms: &[ArmName], window: &str) -> String {
    let Some(((_, base), others)) = arms.split_first() else {
        return String::new();
    };
    if others.is_empty() {
        return format!(
            "With {base}, over {window}: how many link workers leave, how long do patients wait, how many are seen, and what does it cost?"
        );
    }
    let options: Vec<&str> = others.iter().map(|(_, t)| t.as_str()).collect();
    let options = match options.as_slice() {
        [only] => only.to_string(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
        [] => String::new(),
    };
    format!(
        "Compared with {base}, what would {options} change over {window}: how many link workers leave, how long patients wait, how many are seen, and what it costs?"
    )
}

/// The options by title, each with its description and what it changes from the first.
fn options(runs: &[RunResults]) -> String {
    let mut h = String::from("<ol class=\"options\">\n");
    let base = &runs[0].manifest["scenario"];
    for (i, r) in runs.iter().enumerate() {
        let scenario = &r.manifest["scenario"];
        let role = if i == 0 && runs.len() > 1 {
            " (today, the baseline)"
        } else {
            ""
        };
        let short = short_title(&r.title);
        let mut line = if short == r.title {
            format!("<strong>{}</strong>{role}", escape(&r.title))
        } else {
            format!(
                "<strong>{}</strong>{}{role}",
                escape(short),
                escape(&r.title[r.title.find(':').unwrap_or(0)..])
            )
        };
        if let Some(d) = scenario["description"].as_str().filter(|d| !d.is_empty()) {
            let _ = write!(line, ": {}", escape(d));
        }
        if i > 0 {
            let changes = changes(scenario, base);
            let text = if changes.is_empty() {
                "no parameter differs from the baseline".to_string()
            } else {
                changes.join("; ")
            };
            let _ = write!(
                line,
                "<br><span class=\"note\">Changes: {}</span>",
                escape(&text)
            );
        }
        let _ = writeln!(h, "<li>{line}</li>");
    }
    h.push_str("</ol>\n");
    h
}

/// "Clinical supervision hours a month: 0.5 → 2": every scalar that differs between
/// two resolved scenarios, by its plain-English label, and every list that differs as
/// one item.
pub fn changes(scenario: &Value, reference: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for section in SECTIONS.iter().filter(|s| **s != "run") {
        for spec in section_specs(section).unwrap_or_default() {
            let (v, r) = (&scenario[section][spec.key], &reference[section][spec.key]);
            if v != r {
                out.push(format!("{}: {r} → {v}", spec.label));
            }
        }
    }
    for list in ["service", "profile", "site_group"] {
        if scenario[list] != reference[list] {
            out.push(format!("the {list} list differs"));
        }
    }
    out
}

/// The verdict table: each headline KPI's mean and 95% CI per option, the best marked,
/// and the verdict in words.
fn verdict_table(runs: &[RunResults], analysis: &Analysis) -> String {
    let arms = arms(runs);
    let mut h = String::from("<table class=\"verdict\">\n<thead><tr><th>Measure</th>");
    for (_, short) in &arms {
        let _ = write!(h, "<th>{}</th>", escape(short));
    }
    h.push_str("<th>Verdict</th></tr></thead>\n<tbody>\n");
    for v in &analysis.verdicts {
        let better = match v.kpi.info().better {
            Better::Higher => "higher is better",
            _ => "lower is better",
        };
        let _ = write!(
            h,
            "<tr><td>{}<br><span class=\"note\">{better}</span></td>",
            escape(v.kpi.label())
        );
        for (i, r) in runs.iter().enumerate() {
            let summary = row_of(&analysis.rows, &r.name, v.kpi).and_then(|x| x.summary);
            let class = if v.best == Some(i) {
                " class=\"best\""
            } else {
                ""
            };
            match summary {
                Some(s) if s.n > 1 => {
                    let _ = write!(
                        h,
                        "<td{class}>{}<br><span class=\"note\">{} to {}</span></td>",
                        value_words(v.kpi, s.mean),
                        value_words(v.kpi, s.ci_low),
                        value_words(v.kpi, s.ci_high)
                    );
                }
                Some(s) => {
                    let _ = write!(h, "<td{class}>{}</td>", value_words(v.kpi, s.mean));
                }
                None => {
                    let _ = write!(h, "<td>{MISSING}</td>");
                }
            }
        }
        let words = verdict_brief(v, &arms);
        let _ = writeln!(h, "<td class=\"words\">{}</td></tr>", escape(&words));
    }
    h.push_str("</tbody>\n</table>\n<p class=\"note\">Means of the simulated runs with the range that holds the true mean with 95% confidence beneath. “Clearly” means better than every other option, the baseline included, with 95% confidence (differences paired run by run).</p>\n");
    h
}

/// Three sentences with counts and costs: leavers, patients (seen and waiting, with the
/// share who gave up), and money (with the cost per leaver avoided).
fn headline_sentences(runs: &[RunResults], analysis: &Analysis, window: &str) -> Vec<String> {
    let arms = arms(runs);
    let rows = &analysis.rows;
    let mut out = Vec::new();
    if let Some(s) = before_after(Kpi::Exits, rows, &arms) {
        out.push(format!("Over {window}. {s}"));
    }
    out.extend(waits_sentence(rows, &arms));
    let mut cost = before_after(Kpi::Cost, rows, &arms).unwrap_or_default();
    for e in analysis
        .effects
        .iter()
        .filter(|e| e.outcome == crate::economics::Outcome::LeaverAvoided)
    {
        let _ = write!(cost, " {}.", cost_per_gain_words(e, &arms));
    }
    if !cost.is_empty() {
        out.push(cost);
    }
    out
}

/// "Patients seen: about 2,747 with Today …; 9 in 10 had a first contact within 14
/// days (3.1% gave up waiting) with Today; within 9 days (1.2%) with …".
fn waits_sentence(rows: &[Row], arms: &[ArmName]) -> Option<String> {
    let seen = before_after(Kpi::PatientsSeen, rows, arms)?;
    let mean = |name: &str, kpi: Kpi| {
        row_of(rows, name, kpi)
            .and_then(|r| r.summary)
            .map(|s| s.mean)
    };
    let parts: Vec<String> = arms
        .iter()
        .map(|(name, title)| {
            let wait = mean(name, Kpi::WaitP90Days)
                .map_or(MISSING.into(), |w| value_words(Kpi::WaitP90Days, w));
            let gave_up = mean(name, Kpi::ShareGaveUpWaiting)
                .map_or(MISSING.into(), |g| kpi_value(Kpi::ShareGaveUpWaiting, g));
            format!("within {wait} days with {title} ({gave_up} gave up waiting)")
        })
        .collect();
    Some(format!(
        "{seen} 9 in 10 patients had a first contact {}.",
        parts.join("; ")
    ))
}

/// Costs by component per option over the period and per year, then what each option
/// costs per leaver avoided and per extra patient seen.
pub fn costs(runs: &[RunResults], analysis: &Analysis) -> String {
    let arms = arms(runs);
    let (warmup, horizon) = runs[0].window();
    let mut h = format!(
        "<section class=\"costs\">\n<h2>Costs over {}</h2>\n<table>\n<thead><tr><th>Cost</th>",
        escape(&window_words(warmup, horizon))
    );
    for (_, short) in &arms {
        let _ = write!(h, "<th>{}</th>", escape(short));
    }
    h.push_str("</tr></thead>\n<tbody>\n");
    for kpi in [
        Kpi::CostPosts,
        Kpi::CostRecruitment,
        Kpi::CostSupervision,
        Kpi::CostTraining,
        Kpi::Cost,
        Kpi::CostPerYear,
        Kpi::CostPerPatientSeen,
    ] {
        let label = kpi.label().trim_end_matches(" (£)");
        let label = match label.strip_prefix("Cost: ") {
            Some(part) => {
                let mut chars = part.chars();
                chars
                    .next()
                    .map_or(String::new(), |c| c.to_uppercase().chain(chars).collect())
            }
            None => label.to_string(),
        };
        let class = if kpi == Kpi::Cost {
            " class=\"total\""
        } else {
            ""
        };
        let _ = write!(h, "<tr{class}><td>{}</td>", escape(&label));
        for r in runs {
            let s = row_of(&analysis.rows, &r.name, kpi).and_then(|x| x.summary);
            let _ = write!(
                h,
                "<td>{}</td>",
                s.map_or(MISSING.into(), |s| money(s.mean))
            );
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody>\n</table>\n");
    if !analysis.effects.is_empty() {
        h.push_str("<ul class=\"effects\">\n");
        for e in &analysis.effects {
            let _ = writeln!(h, "<li>{}.</li>", escape(&cost_per_gain_words(e, &arms)));
        }
        h.push_str("</ul>\n<p class=\"note\">Posts are paid while filled (in post or on sick leave), supervision and training for every filled post, recruitment per hire. A cost per leaver avoided is the extra cost divided by the leavers avoided, with a 95% interval from resampling the paired runs; “dominant” means better and cheaper, “dominated” worse and dearer; no ratio is given where the gain could be zero.</p>\n");
    }
    h.push_str("</section>\n");
    h
}

/// The printed key charts, with a difference-in-words line under the headline chart.
pub fn key_figures(figures: &[Figure]) -> String {
    let mut h = String::from("<section class=\"key-figures\">\n<h2>Key charts</h2>\n");
    for stem in PRINTED_FIGURES {
        if let Some(f) = figures.iter().find(|f| f.stem == stem) {
            let _ = writeln!(
                h,
                "<figure id=\"key-{}\">\n{}\n<figcaption><strong>{}.</strong> {}</figcaption>\n</figure>",
                escape(&f.stem),
                inline_svg(&f.svg),
                escape(&f.title),
                escape(&f.caption)
            );
        }
    }
    h.push_str("</section>\n");
    h
}

/// "Where the rest is", printed at the end of the paper.
pub fn rest_is_on_screen(comparison: bool) -> String {
    let workbook = if comparison {
        "comparison.xlsx"
    } else {
        "results.xlsx"
    };
    format!(
        "<p class=\"print-only note\">This paper prints the summary, costs, key charts and deciding assumptions. The full table of measures, every parameter with its source, the distributions and the remaining charts are in <code>report.html</code> on screen and in <code>{workbook}</code>, in the same folder.</p>\n"
    )
}

/// The short glossary of the terms that must stay.
pub fn glossary() -> String {
    let terms = [
        (
            "Run",
            "one simulation of the whole period; the model is run many times with different chance events, and the figures are averages over the runs.",
        ),
        (
            "95% confidence interval",
            "the range that holds the true average with 95% confidence, given the runs made; more runs make it narrower.",
        ),
        (
            "Post-year",
            "one link worker post for one year; rates per post-year compare teams of different sizes.",
        ),
        (
            "Holding",
            "supporting a patient who is waiting for a service, preparing for change, or whose distress the link worker bears witness to.",
        ),
        (
            "Strain",
            "the build-up of emotional load in a link worker; past their own threshold they burn out and go on sick leave.",
        ),
        (
            "Start-up",
            "the first months of a run, left out of every figure because the model starts with no patients.",
        ),
    ];
    let mut h = String::from("<section class=\"glossary\">\n<h2>Glossary</h2>\n<p>");
    let entries: Vec<String> = terms
        .iter()
        .map(|(term, meaning)| format!("<strong>{term}</strong>: {meaning}"))
        .collect();
    h.push_str(&entries.join(" "));
    h.push_str("</p>\n</section>\n");
    h
}
