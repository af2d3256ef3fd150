//! The result files of `holdsim run` as bytes: `summary.csv`, `replications.csv`,
//! `timeseries.csv` (and `timeseries_by_site.csv`), `manifest.json`.
//!
//! Commands stream the per-replication tables row by row ([`RowTables`]) so a run's
//! memory does not grow with its replications; the whole-table functions
//! (`replications_csv`, `timeseries_csv`, …) make the same bytes from outcomes kept
//! in memory, for tests and as the reference the streamed files are checked against.

use std::fmt::Write;

use super::field;
use crate::engine::record::{ALL_SERIES, WeekTotal};
use crate::kpi::{ALL_KPIS, KPI_COUNT, Kpi};
use crate::runner::Outcome;
use crate::stats::Summary;

/// Per KPI: replications used, mean, sd, 95% CI, p5, p50, p95.
pub fn summaries(outcomes: &[Outcome]) -> Vec<(Kpi, Option<Summary>)> {
    ALL_KPIS
        .iter()
        .map(|&k| (k, Summary::of(outcomes.iter().map(|o| o.kpis[k]))))
        .collect()
}

/// Per KPI summaries from the values kept while streaming: one array per
/// replication, NaN where a KPI is undefined (summaries skip non-finite values, as
/// they skip undefined ones).
pub fn summaries_of_values(values: &[[f64; KPI_COUNT]]) -> Vec<(Kpi, Option<Summary>)> {
    ALL_KPIS
        .iter()
        .map(|&k| (k, Summary::of(values.iter().map(|v| Some(v[k as usize])))))
        .collect()
}

/// The values of `outcome` that statistics need, NaN where undefined.
pub fn kept_values(outcome: &Outcome) -> [f64; KPI_COUNT] {
    outcome.kpis.0.map(|k| k.unwrap_or(f64::NAN))
}

/// The per-replication tables of a run, as text appended one replication at a time:
/// header first, then [`RowTables::rows`] for each outcome in replication order.
pub struct RowTables;

impl RowTables {
    /// Header of `replications.csv`.
    pub fn replications_header() -> String {
        let mut out = String::from("replication,patient_days");
        for k in ALL_KPIS {
            out.push(',');
            out.push_str(k.name());
        }
        out.push('\n');
        out
    }

    /// Header of `timeseries.csv`.
    pub fn timeseries_header() -> String {
        let mut out = String::new();
        series_header(&mut out, "replication");
        out
    }

    /// Header of `timeseries_by_site.csv`.
    pub fn timeseries_by_site_header() -> String {
        let mut out = String::new();
        series_header(&mut out, "replication,site");
        out
    }

    /// One replication's row of `replications.csv`.
    pub fn replication_row(out: &mut String, o: &Outcome) {
        let _ = write!(
            out,
            "{},{}",
            o.replication.replication, o.replication.patient_days
        );
        for k in ALL_KPIS {
            out.push(',');
            out.push_str(&field(o.kpis[k]));
        }
        out.push('\n');
    }

    /// One replication's rows of `timeseries.csv`.
    pub fn timeseries_rows(out: &mut String, o: &Outcome) {
        series_rows(
            out,
            &o.replication.replication.to_string(),
            &o.replication.weeks,
        );
    }

    /// The rows of `timeseries_by_site.csv` for one site of one replication (a
    /// replication's rows are its sites' in site order).
    pub fn site_rows(out: &mut String, replication: u64, site: usize, weeks: &[WeekTotal]) {
        series_rows(out, &format!("{replication},{site}"), weeks);
    }
}

pub fn summary_csv(summaries: &[(Kpi, Option<Summary>)]) -> String {
    let mut out = String::from("kpi,n,mean,sd,ci_low,ci_high,p5,p50,p95\n");
    for (k, s) in summaries {
        match s {
            Some(s) => {
                let cells =
                    [s.mean, s.sd, s.ci_low, s.ci_high, s.p5, s.p50, s.p95].map(|x| field(Some(x)));
                let _ = writeln!(out, "{},{},{}", k.name(), s.n, cells.join(","));
            }
            None => {
                let _ = writeln!(out, "{},0,,,,,,,", k.name());
            }
        }
    }
    out
}

pub fn replications_csv(outcomes: &[Outcome]) -> String {
    let mut out = String::from("replication,patient_days");
    for k in ALL_KPIS {
        out.push(',');
        out.push_str(k.name());
    }
    out.push('\n');
    for o in outcomes {
        let _ = write!(
            out,
            "{},{}",
            o.replication.replication, o.replication.patient_days
        );
        for k in ALL_KPIS {
            out.push(',');
            out.push_str(&field(o.kpis[k]));
        }
        out.push('\n');
    }
    out
}

fn series_header(out: &mut String, leading: &str) {
    out.push_str(leading);
    out.push_str(",week,start_day,days");
    for s in ALL_SERIES {
        out.push(',');
        out.push_str(s.name());
    }
    out.push('\n');
}

fn series_rows(out: &mut String, leading: &str, weeks: &[WeekTotal]) {
    for (w, week) in weeks.iter().enumerate() {
        let _ = write!(out, "{leading},{w},{},{}", 7 * w, week.days);
        let values = week.values();
        for s in ALL_SERIES {
            out.push(',');
            out.push_str(&field(Some(values[s])));
        }
        out.push('\n');
    }
}

/// Weekly series summed over sites: one row per (replication, week).
pub fn timeseries_csv(outcomes: &[Outcome]) -> String {
    let mut out = String::new();
    series_header(&mut out, "replication");
    for o in outcomes {
        series_rows(
            &mut out,
            &o.replication.replication.to_string(),
            &o.replication.weeks,
        );
    }
    out
}

/// Weekly series per site: one row per (replication, site, week).
pub fn timeseries_by_site_csv(outcomes: &[Outcome]) -> String {
    let mut out = String::new();
    series_header(&mut out, "replication,site");
    for o in outcomes {
        for (site, weeks) in o.replication.site_weeks.iter().enumerate() {
            series_rows(
                &mut out,
                &format!("{},{site}", o.replication.replication),
                weeks,
            );
        }
    }
    out
}

/// A text field for CSV, quoted when it needs to be.
fn text_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// `compare.csv`: one row per (scenario, KPI): the scenario's mean and CI, and its
/// paired difference from the baseline with CI, relative change with CI, and whether
/// the difference's CI excludes zero. Baseline rows leave the difference columns empty.
pub fn compare_csv(rows: &[crate::compare::Row]) -> String {
    let mut out = String::from(
        "scenario,kpi,n,mean,ci_low,ci_high,diff,diff_ci_low,diff_ci_high,rel_change,rel_ci_low,rel_ci_high,diff_excludes_zero\n",
    );
    for r in rows {
        let (n, mean, lo, hi) = match r.summary {
            Some(s) => (
                s.n.to_string(),
                Some(s.mean),
                Some(s.ci_low),
                Some(s.ci_high),
            ),
            None => ("0".into(), None, None, None),
        };
        let (diff, dlo, dhi, rel, rlo, rhi, sig) = match r.difference {
            Some(d) => {
                let (rel, rlo, rhi) = match d.relative {
                    Ok((a, b, c)) => (Some(a), Some(b), Some(c)),
                    Err(_) => (None, None, None),
                };
                (
                    Some(d.mean),
                    Some(d.ci_low),
                    Some(d.ci_high),
                    rel,
                    rlo,
                    rhi,
                    d.significant().to_string(),
                )
            }
            None => (None, None, None, None, None, None, String::new()),
        };
        let _ = writeln!(
            out,
            "{},{},{n},{},{},{},{},{},{},{},{},{},{sig}",
            text_field(&r.scenario),
            r.kpi.name(),
            field(mean),
            field(lo),
            field(hi),
            field(diff),
            field(dlo),
            field(dhi),
            field(rel),
            field(rlo),
            field(rhi)
        );
    }
    out
}

/// Per-KPI summaries from a results folder's `replications.csv`.
pub fn summaries_of(run: &crate::results::RunResults) -> Vec<(Kpi, Option<Summary>)> {
    ALL_KPIS
        .iter()
        .map(|&k| {
            (
                k,
                Summary::of(run.replications.column(k.name()).unwrap_or_default()),
            )
        })
        .collect()
}
