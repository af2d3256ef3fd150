//! The KPI table printed at the end of a run: mean and 95% CI, readable at a glance.

use std::fmt::Write;

use crate::kpi::Kpi;
use crate::stats::Summary;

/// A number with about three significant figures; thousands separated for large values.
pub fn readable(x: f64) -> String {
    if !x.is_finite() {
        return "–".into();
    }
    let a = x.abs();
    if a >= 1000.0 {
        let digits = format!("{:.0}", a);
        let mut grouped = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                grouped.push(',');
            }
            grouped.push(c);
        }
        return if x < 0.0 {
            format!("-{grouped}")
        } else {
            grouped
        };
    }
    if a == 0.0 {
        return "0".into();
    }
    let decimals = (2 - a.log10().floor() as i32).clamp(0, 6) as usize;
    format!("{x:.decimals$}")
}

/// The table: one row per KPI with its mean, 95% CI and the replications used.
pub fn kpi_table(summaries: &[(Kpi, Option<Summary>)], replications: usize) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<42} {:>12}  {:<25}",
        "KPI (over the window, all sites)", "mean", "95% CI"
    );
    let _ = writeln!(out, "{}", "─".repeat(82));
    for (k, s) in summaries {
        match s {
            Some(s) => {
                let ci = if s.n > 1 {
                    format!("[{}, {}]", readable(s.ci_low), readable(s.ci_high))
                } else {
                    "(one replication)".into()
                };
                let used = if s.n < replications {
                    format!("  n = {}", s.n)
                } else {
                    String::new()
                };
                let _ = writeln!(
                    out,
                    "{:<42} {:>12}  {ci}{used}",
                    k.label(),
                    readable(s.mean)
                );
            }
            None => {
                let _ = writeln!(
                    out,
                    "{:<42} {:>12}  (undefined in every replication)",
                    k.label(),
                    "–"
                );
            }
        }
    }
    out
}

/// One table per compared scenario: baseline mean, scenario mean, paired difference
/// with its 95% CI and relative change; `*` marks a CI that excludes zero.
pub fn comparison_table(rows: &[crate::compare::Row], names: &[String]) -> String {
    let mut out = String::new();
    let Some(baseline) = names.first() else {
        return out;
    };
    for name in &names[1..] {
        let _ = writeln!(
            out,
            "{name} vs {baseline} (paired by replication; * = 95% CI of the difference excludes 0)"
        );
        let _ = writeln!(
            out,
            "{:<40} {:>11} {:>11}  {:<32} {:<22}",
            "KPI",
            baseline_short(baseline),
            baseline_short(name),
            "difference [95% CI]",
            "relative [95% CI]"
        );
        let _ = writeln!(out, "{}", "─".repeat(122));
        for row in rows.iter().filter(|r| &r.scenario == name) {
            let base = rows
                .iter()
                .find(|r| &r.scenario == baseline && r.kpi == row.kpi)
                .and_then(|r| r.summary);
            let mean =
                |s: Option<crate::stats::Summary>| s.map_or("–".into(), |s| readable(s.mean));
            let (diff, rel) = match row.difference {
                Some(d) if d.n > 1 => (
                    format!(
                        "{}{} [{}, {}]{}",
                        if d.mean > 0.0 { "+" } else { "" },
                        readable(d.mean),
                        readable(d.ci_low),
                        readable(d.ci_high),
                        if d.significant() { " *" } else { "" }
                    ),
                    match d.relative {
                        Ok((r, lo, hi)) => format!(
                            "{:+.1}% [{:+.1}, {:+.1}]",
                            100.0 * r,
                            100.0 * lo,
                            100.0 * hi
                        ),
                        Err(crate::compare::RelativeUndefined::BaselineZero) => "baseline 0".into(),
                        Err(_) => "–".into(),
                    },
                ),
                _ => ("–".into(), "–".into()),
            };
            let _ = writeln!(
                out,
                "{:<40} {:>11} {:>11}  {:<32} {:<22}",
                row.kpi.label(),
                mean(base),
                mean(row.summary),
                diff,
                rel
            );
        }
        out.push('\n');
    }
    out
}

/// A column header no wider than its column.
fn baseline_short(name: &str) -> String {
    if name.chars().count() <= 11 {
        name.to_string()
    } else {
        format!("{}…", name.chars().take(10).collect::<String>())
    }
}

#[cfg(test)]
mod tests {
    use super::readable;

    #[test]
    fn readable_numbers() {
        assert_eq!(readable(0.23456), "0.235");
        assert_eq!(readable(5.0), "5.00");
        assert_eq!(readable(204.6), "205");
        assert_eq!(readable(472214.9), "472,215");
        assert_eq!(readable(-1234.0), "-1,234");
        assert_eq!(readable(0.0), "0");
        assert_eq!(readable(f64::NAN), "–");
    }
}
