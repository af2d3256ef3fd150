//! The result files of `holdsim run` as bytes: `summary.csv`, `replications.csv`,
//! `timeseries.csv` (and `timeseries_by_site.csv`), `manifest.json`.

use std::fmt::Write;

use super::field;
use crate::engine::record::{ALL_SERIES, WeekTotal};
use crate::kpi::{ALL_KPIS, Kpi};
use crate::runner::Outcome;
use crate::stats::Summary;

/// Per KPI: replications used, mean, sd, 95% CI, p5, p50, p95.
pub fn summaries(outcomes: &[Outcome]) -> Vec<(Kpi, Option<Summary>)> {
    ALL_KPIS
        .iter()
        .map(|&k| (k, Summary::of(outcomes.iter().map(|o| o.kpis[k]))))
        .collect()
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
