//! The answer in words: the period in plain words, before → after counts with their
//! intervals, the verdict per headline KPI and what each option costs per leaver
//! avoided or extra patient seen. The terminal, the report and the workbook all take
//! their sentences from here, so they cannot disagree.

use crate::analysis::Analysis;
use crate::compare::{Difference, Row};
use crate::economics::{Assessment, CostEffect, Outcome};
use crate::kpi::{Better, Kpi, Quantity};
use crate::numbers::{MISSING, kpi_value, significant};

/// An option as readers see it: its unique name (file stem) and its title.
pub type ArmName = (String, String);

/// The part of a title before its first colon ("Supported" of "Supported: training,
/// 2 h supervision …") when that is a short name of its own, else the whole title:
/// sentences that name every option stay readable, and the full titles are listed
/// once beside them.
pub fn short_title(title: &str) -> &str {
    match title.split_once(':') {
        Some((head, _)) if (3..=40).contains(&head.trim().chars().count()) => head.trim(),
        _ => title,
    }
}

/// "4½ years", "18 months", "40 days": a span of days in the unit a reader would use,
/// halves of years written with ½.
pub fn span_words(days: u32) -> String {
    let years = f64::from(days) / 365.0;
    if days < 62 {
        return format!("{days} day{}", if days == 1 { "" } else { "s" });
    }
    if years < 2.0 {
        let months = (f64::from(days) / (365.0 / 12.0)).round() as u32;
        return format!("{months} months");
    }
    let halves = (years * 2.0).round() as u32;
    let whole = halves / 2;
    let half = if halves % 2 == 1 { "½" } else { "" };
    let about = if (years - f64::from(halves) / 2.0).abs() > 0.05 {
        "about "
    } else {
        ""
    };
    format!("{about}{whole}{half} years")
}

/// "the 4½ years after a 6-month start-up": the KPI window `[warmup, horizon)` in words.
pub fn window_words(warmup_days: u32, horizon_days: u32) -> String {
    let window = span_words(horizon_days.saturating_sub(warmup_days));
    if warmup_days == 0 {
        return format!("the {window} simulated");
    }
    // "6 months" → "6-month": a start-up read as an adjective.
    let startup = span_words(warmup_days)
        .replace(" years", "-year")
        .replace(" months", "-month")
        .replace(" days", "-day")
        .replace(" day", "-day")
        .replace("about ", "");
    format!("the {window} after a {startup} start-up")
}

/// A value in a sentence: money with £ and no pence above £100, other values as the
/// tables show them.
pub fn value_words(kpi: Kpi, x: f64) -> String {
    if kpi.info().unit.starts_with('£') {
        money(x)
    } else {
        kpi_value(kpi, x)
    }
}

/// "£1,234", "-£56": money to three significant figures.
pub fn money(x: f64) -> String {
    if !x.is_finite() {
        return MISSING.into();
    }
    let sign = if x < 0.0 { "-" } else { "" };
    format!("{sign}£{}", significant(x.abs()))
}

/// The words for more and less of this kind of quantity.
fn more_less(quantity: Quantity) -> (&'static str, &'static str) {
    match quantity {
        Quantity::Count => ("more", "fewer"),
        Quantity::Duration => ("longer", "shorter"),
        Quantity::Share | Quantity::Amount => ("higher", "lower"),
    }
}

/// "2.0 fewer, 95% CI 1.6 to 2.3" for a clear difference; "no clear difference, 95% CI
/// -0.4 to +0.6" otherwise: the paired difference in the KPI's own unit.
pub fn difference_words(kpi: Kpi, d: &Difference) -> String {
    if d.n < 2 {
        return "too few replications for an interval".into();
    }
    let v = |x: f64| value_words(kpi, x);
    if !d.significant() {
        return format!(
            "no clear difference, 95% CI {} to {}",
            v(d.ci_low),
            v(d.ci_high)
        );
    }
    let (more, less) = more_less(kpi.info().quantity);
    let (word, a, b) = if d.mean > 0.0 {
        (more, d.ci_low, d.ci_high)
    } else {
        (less, -d.ci_high, -d.ci_low)
    };
    format!("{} {word}, 95% CI {} to {}", v(d.mean.abs()), v(a), v(b))
}

/// "Link workers leaving over the period: about 5.5 with Today; about 3.5 with
/// Supervision (2.0 fewer, 95% CI 1.6 to 2.3)." One sentence for one KPI over every
/// option, each against the baseline (`arms[0]`).
pub fn before_after(kpi: Kpi, rows: &[Row], arms: &[ArmName]) -> Option<String> {
    let row = |name: &str| rows.iter().find(|r| r.scenario == name && r.kpi == kpi);
    let (base_name, base_title) = arms.first()?;
    let base = row(base_name)?.summary?;
    let mut text = format!(
        "{}: about {} with {base_title}",
        kpi.label(),
        value_words(kpi, base.mean)
    );
    for (name, title) in &arms[1..] {
        let r = row(name)?;
        let mean = r
            .summary
            .map_or(MISSING.into(), |s| value_words(kpi, s.mean));
        let diff = r.difference.map_or(String::new(), |d| {
            format!(" ({})", difference_words(kpi, &d))
        });
        text.push_str(&format!("; about {mean} with {title}{diff}"));
    }
    text.push('.');
    Some(text)
}

/// One verdict in words: "lower is better; Supervision is best, clearly (better than
/// every other option)", or "…; X is best on average, not clearly ahead of Y".
pub fn verdict_words(v: &crate::verdict::Verdict, arms: &[ArmName]) -> String {
    let direction = match v.kpi.info().better {
        Better::Higher => "higher is better",
        _ => "lower is better",
    };
    match v.best {
        None => format!("{direction}; undefined in every option"),
        Some(_) if v.clear => format!(
            "{direction}; {} (better than every other option)",
            verdict_brief(v, arms)
        ),
        Some(_) => format!("{direction}; {}", verdict_brief(v, arms)),
    }
}

/// The verdict alone, for a table cell: "Supervision is best, clearly", "X is best
/// on average, not clearly ahead of Y, Z", or "undefined".
pub fn verdict_brief(v: &crate::verdict::Verdict, arms: &[ArmName]) -> String {
    match v.best {
        None => "undefined".to_string(),
        Some(b) if v.clear => format!("{} is best, clearly", arms[b].1),
        Some(b) => {
            let tied: Vec<&str> = v
                .tied_with_best
                .iter()
                .map(|&i| arms[i].1.as_str())
                .collect();
            format!(
                "{} is best on average, not clearly ahead of {}",
                arms[b].1,
                tied.join(", ")
            )
        }
    }
}

/// What an option costs per unit gained, in words, then its cost difference:
/// "Supervision: £1,234 per leaver avoided (95% CI £800 to £2,000); cost +£36,166 over
/// the period (95% CI …)".
pub fn cost_effect_words(e: &CostEffect, arms: &[ArmName]) -> String {
    format!(
        "{}; cost {} over the period (95% CI {} to {})",
        cost_per_gain_words(e, arms),
        signed_money(e.cost.mean),
        signed_money(e.cost.ci_low),
        signed_money(e.cost.ci_high)
    )
}

/// What an option costs per unit gained, alone: "Supervision: £1,234 per leaver
/// avoided (95% CI £800 to £2,000)", "Supervision: keeps more staff and costs less
/// (dominant: better and cheaper)".
pub fn cost_per_gain_words(e: &CostEffect, arms: &[ArmName]) -> String {
    let title = &arms[e.scenario].1;
    let (one, many) = e.outcome.unit();
    let gain = match e.outcome {
        Outcome::LeaverAvoided => ("keeps more staff", "loses more staff"),
        Outcome::ExtraPatientSeen => ("sees more patients", "sees fewer patients"),
    };
    match e.assessment {
        Assessment::Dominant => format!(
            "{title}: {} and costs less (dominant: better and cheaper)",
            gain.0
        ),
        Assessment::Dominated => format!(
            "{title}: {} and costs more (dominated: worse and dearer)",
            gain.1
        ),
        Assessment::Ratio {
            ratio,
            ci_low,
            ci_high,
        } => {
            let unit = if e.gain.mean > 0.0 {
                format!("costs {} per {one}", money(ratio))
            } else {
                format!("saves {} per {}", money(ratio), e.outcome.loss_unit())
            };
            format!(
                "{title}: {unit} (95% CI {} to {})",
                money(ci_low),
                money(ci_high)
            )
        }
        Assessment::Undefined => format!(
            "{title}: no cost per {one} can be given, as the number of {many} could be zero (95% CI {} to {})",
            significant(e.gain.ci_low),
            significant(e.gain.ci_high)
        ),
    }
}

/// "+£1,234" / "-£56": a cost difference with its sign.
fn signed_money(x: f64) -> String {
    if x > 0.0 {
        format!("+{}", money(x))
    } else {
        money(x)
    }
}

/// The terminal's answer after the comparison tables: the verdict, counts before →
/// after over the period, and what each option costs per unit gained.
pub fn terminal(analysis: &Analysis, arms: &[ArmName], window: (u32, u32)) -> String {
    let mut out = String::new();
    out.push_str("Verdict (paired 95% CIs; \"clearly\" = better than every other option):\n");
    for v in &analysis.verdicts {
        out.push_str(&format!(
            "  {}: {}\n",
            v.kpi.label(),
            verdict_words(v, arms)
        ));
    }
    out.push_str(&format!(
        "\nOver {} (means of the replications):\n",
        window_words(window.0, window.1)
    ));
    for kpi in [Kpi::Exits, Kpi::PatientsSeen, Kpi::ReturnedToGp, Kpi::Cost] {
        if let Some(s) = before_after(kpi, &analysis.rows, arms) {
            out.push_str(&format!("  {s}\n"));
        }
    }
    if !analysis.effects.is_empty() {
        out.push_str(&format!(
            "\nCost-effectiveness against {} (bootstrap 95% CIs):\n",
            arms[0].1
        ));
        for e in &analysis.effects {
            out.push_str(&format!("  {}\n", cost_effect_words(e, arms)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_read_as_people_say_them() {
        assert_eq!(span_words(1645), "4½ years");
        assert_eq!(span_words(1825), "5 years");
        assert_eq!(span_words(180), "6 months");
        assert_eq!(span_words(30), "30 days");
        assert_eq!(span_words(1700), "about 4½ years");
        assert_eq!(
            window_words(180, 1825),
            "the 4½ years after a 6-month start-up"
        );
        assert_eq!(window_words(0, 1825), "the 5 years simulated");
    }

    fn d(mean: f64, low: f64, high: f64) -> Difference {
        Difference {
            n: 50,
            mean,
            ci_low: low,
            ci_high: high,
            relative: Ok((0.0, 0.0, 0.0)),
            share_higher: 0.5,
        }
    }

    #[test]
    fn differences_read_as_fewer_or_more_with_the_interval_in_order() {
        assert_eq!(
            difference_words(Kpi::Exits, &d(-2.0, -2.3, -1.6)),
            "2.00 fewer, 95% CI 1.60 to 2.30"
        );
        assert_eq!(
            difference_words(Kpi::Exits, &d(0.1, -0.4, 0.6)),
            "no clear difference, 95% CI -0.400 to 0.600"
        );
        assert_eq!(
            difference_words(Kpi::Cost, &d(1500.0, 1000.0, 2000.0)),
            "£1,500 higher, 95% CI £1,000 to £2,000"
        );
    }
}
