//! holdsim's tables as typed rows ([`super::table`]): `summary.csv`,
//! `replications.csv`, `timeseries.csv` (and `timeseries_by_site.csv`) of a run, the
//! same summary and replication rows in a sweep (after a `point` column), and
//! `compare.csv`. Each table's schema and rows are made here once; where they go
//! (a streamed file, bytes in memory, CSV or Parquet) is the caller's choice.
//!
//! Commands stream the per-replication tables row by row (see [`replication_row`],
//! [`timeseries_rows`]) so a run's memory does not grow with its replications; the
//! whole-table functions (`replications_csv`, `timeseries_csv`, …) make the same
//! bytes from outcomes kept in memory, for tests and as the reference the streamed
//! files are checked against.

use super::table::{Cell, Column, ColumnKind, Csv, Fill, Format, Schema, TableSink};
use crate::engine::record::{ALL_SERIES, SERIES_COUNT, WeekTotal};
use crate::kpi::{ALL_KPIS, KPI_COUNT, Kpi, Kpis};
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

/// The sweep's leading column: which design point a row belongs to.
pub fn point_column() -> Column {
    Column::new("point", ColumnKind::Int)
}

/// `replications.csv`: `leading` columns (a sweep's `point`), then `replication`,
/// `patient_days` and one column per KPI.
pub fn replications_schema(leading: &[Column]) -> Schema {
    let mut columns = leading.to_vec();
    columns.push(Column::new("replication", ColumnKind::Int));
    columns.push(Column::new("patient_days", ColumnKind::Float));
    Schema::new(columns).with(ALL_KPIS.iter().map(|k| k.name()), ColumnKind::Float)
}

/// A run's `replications.csv` when its replications ran with parameters drawn from a
/// posterior: the columns of [`replications_schema`], then the `particle` (its row in
/// the posterior file) each replication ran with, last so positions stay as they were.
pub fn replications_schema_with_particle() -> Schema {
    replications_schema(&[]).with(["particle"], ColumnKind::Int)
}

/// One replication's row of a replications table, after the `point` cell in a sweep.
pub fn replication_row(
    sink: &mut dyn TableSink,
    point: Option<usize>,
    replication: u64,
    patient_days: f64,
    kpis: &Kpis,
) -> anyhow::Result<()> {
    replication_row_of(sink, point, (replication, None), patient_days, kpis)
}

/// As [`replication_row`], with the posterior particle the replication ran with as
/// the last cell when there is one ([`replications_schema_with_particle`]).
pub fn replication_row_of(
    sink: &mut dyn TableSink,
    point: Option<usize>,
    (replication, particle): (u64, Option<usize>),
    patient_days: f64,
    kpis: &Kpis,
) -> anyhow::Result<()> {
    let mut cells = [Cell::Int(0); 4 + KPI_COUNT];
    let lead = usize::from(point.is_some());
    if let Some(p) = point {
        cells[0] = Cell::count(p);
    }
    cells[lead] = Cell::count(replication);
    cells[lead + 1] = Cell::Float(Some(patient_days));
    for (cell, k) in cells[lead + 2..].iter_mut().zip(ALL_KPIS) {
        *cell = Cell::Float(kpis[k]);
    }
    let mut end = lead + 2 + KPI_COUNT;
    if let Some(p) = particle {
        cells[end] = Cell::count(p);
        end += 1;
    }
    sink.row(&cells[..end])
}

/// `summary.csv`: `leading` columns (a sweep's `point`), then per KPI the replications
/// it was defined in, mean, sd, 95% CI and percentiles.
pub fn summary_schema(leading: &[Column]) -> Schema {
    let mut columns = leading.to_vec();
    columns.push(Column::new("kpi", ColumnKind::Text));
    columns.push(Column::new("n", ColumnKind::Int));
    Schema::new(columns).with(
        [
            "mean", "sd", "ci_low", "ci_high", "p5", "p50", "p95", "p2_5", "p97_5",
        ],
        ColumnKind::Float,
    )
}

/// One KPI's summary row, after the `point` cell in a sweep: the one place summary
/// rows are made (run, compare and sweep all write them through here). An undefined
/// KPI has `n` 0 and empty statistics.
pub fn summary_row(
    sink: &mut dyn TableSink,
    point: Option<usize>,
    kpi: Kpi,
    summary: Option<&Summary>,
) -> anyhow::Result<()> {
    let mut cells = [Cell::Float(None); 12];
    let lead = usize::from(point.is_some());
    if let Some(p) = point {
        cells[0] = Cell::count(p);
    }
    cells[lead] = Cell::Text(kpi.name());
    cells[lead + 1] = Cell::count(summary.map_or(0, |s| s.n));
    if let Some(s) = summary {
        for (cell, x) in cells[lead + 2..].iter_mut().zip([
            s.mean, s.sd, s.ci_low, s.ci_high, s.p5, s.p50, s.p95, s.p2_5, s.p97_5,
        ]) {
            *cell = Cell::Float(Some(x));
        }
    }
    sink.row(&cells[..lead + 11])
}

/// A run's summary table, one row per KPI.
pub fn write_summary(
    sink: &mut dyn TableSink,
    summaries: &[(Kpi, Option<Summary>)],
) -> anyhow::Result<()> {
    summaries
        .iter()
        .try_for_each(|(k, s)| summary_row(sink, None, *k, s.as_ref()))
}

/// `timeseries.csv` (leading `replication`) or `timeseries_by_site.csv` (leading
/// `replication`, `site`): one row per week, one column per weekly series.
pub fn timeseries_schema(per_site: bool) -> Schema {
    let mut columns = vec![Column::new("replication", ColumnKind::Int)];
    if per_site {
        columns.push(Column::new("site", ColumnKind::Int));
    }
    Schema::new(columns)
        .with(["week", "start_day", "days"], ColumnKind::Int)
        .with(ALL_SERIES.iter().map(|s| s.name()), ColumnKind::Float)
}

/// The weekly rows of one replication (`site` `None`: summed over sites) or of one
/// site of it. Rows are made on the stack: the time series is holdsim's largest file.
pub fn timeseries_rows(
    sink: &mut dyn TableSink,
    replication: u64,
    site: Option<usize>,
    weeks: &[WeekTotal],
) -> anyhow::Result<()> {
    let lead = 1 + usize::from(site.is_some());
    let mut make = |w: usize, whole: &mut [i64], values: &mut [f64]| {
        let week = &weeks[w];
        whole[0] = count(replication);
        if let Some(s) = site {
            whole[1] = count(s);
        }
        whole[lead] = count(w);
        whole[lead + 1] = count(7 * w);
        whole[lead + 2] = i64::from(week.days);
        let values: &mut [f64; SERIES_COUNT] = values.try_into().expect("one value a series");
        week.values_into(values);
    };
    sink.numbers_rows(weeks.len(), lead + 3, SERIES_COUNT, &mut make)
}

/// A count as an integer field (counts fit `i64` by far).
fn count(n: impl TryInto<i64>) -> i64 {
    n.try_into().unwrap_or(i64::MAX)
}

/// One replication's rows of `timeseries_by_site.csv`, its sites in order.
pub fn site_rows(sink: &mut dyn TableSink, o: &Outcome) -> anyhow::Result<()> {
    o.replication
        .site_weeks
        .iter()
        .enumerate()
        .try_for_each(|(site, weeks)| timeseries_rows(sink, o.replication.index, Some(site), weeks))
}

/// A whole table as CSV text.
fn csv_text(schema: &Schema, fill: &mut Fill<'_>) -> String {
    let bytes = Csv
        .bytes(schema, fill)
        .expect("writing a CSV table to memory cannot fail");
    String::from_utf8(bytes).expect("CSV of UTF-8 cells is UTF-8")
}

/// `summary.csv` of a run.
pub fn summary_csv(summaries: &[(Kpi, Option<Summary>)]) -> String {
    csv_text(&summary_schema(&[]), &mut |sink| {
        write_summary(sink, summaries)
    })
}

/// `replications.csv` of a run.
pub fn replications_csv(outcomes: &[Outcome]) -> String {
    csv_text(&replications_schema(&[]), &mut |sink| {
        outcomes.iter().try_for_each(|o| {
            let r = &o.replication;
            replication_row(sink, None, r.index, r.patient_days, &o.kpis)
        })
    })
}

/// Weekly series summed over sites: one row per (replication, week).
pub fn timeseries_csv(outcomes: &[Outcome]) -> String {
    csv_text(&timeseries_schema(false), &mut |sink| {
        outcomes.iter().try_for_each(|o| {
            timeseries_rows(sink, o.replication.index, None, &o.replication.weeks)
        })
    })
}

/// Weekly series per site: one row per (replication, site, week).
pub fn timeseries_by_site_csv(outcomes: &[Outcome]) -> String {
    csv_text(&timeseries_schema(true), &mut |sink| {
        outcomes.iter().try_for_each(|o| site_rows(sink, o))
    })
}

/// A paired difference's columns, in `compare.csv` and `pairwise.csv` alike.
const DIFFERENCE_COLUMNS: [&str; 6] = [
    "diff",
    "diff_ci_low",
    "diff_ci_high",
    "rel_change",
    "rel_ci_low",
    "rel_ci_high",
];

/// `compare.csv`'s columns.
pub fn compare_schema() -> Schema {
    Schema::new(vec![
        Column::new("scenario", ColumnKind::Text),
        Column::new("kpi", ColumnKind::Text),
        Column::new("n", ColumnKind::Int),
    ])
    .with(["mean", "ci_low", "ci_high"], ColumnKind::Float)
    .with(DIFFERENCE_COLUMNS, ColumnKind::Float)
    // Last, so scripts that read the earlier columns by position keep working.
    .with(["diff_excludes_zero", "title"], ColumnKind::Text)
    .with(["p_better"], ColumnKind::Float)
}

/// One row of `compare.csv`: the scenario's mean and CI, and its paired difference
/// from the baseline with CI, relative change with CI, and whether the difference's CI
/// excludes zero, then the scenario's title, then the share of paired replications in
/// which it does better than the baseline (`p_better`, ties half; with a posterior,
/// the probability that it beats the baseline, parameters and chance together; empty
/// for a KPI with no better direction). Baseline rows leave the difference columns
/// empty.
pub fn compare_row(
    sink: &mut dyn TableSink,
    r: &crate::compare::Row,
    title: &str,
) -> anyhow::Result<()> {
    let mut cells = [Cell::Float(None); 15];
    cells[13] = Cell::Text(title);
    cells[14] = Cell::Float(r.probability_better());
    cells[0] = Cell::Text(&r.scenario);
    cells[1] = Cell::Text(r.kpi.name());
    cells[2] = Cell::count(r.summary.map_or(0, |s| s.n));
    if let Some(s) = r.summary {
        cells[3] = Cell::Float(Some(s.mean));
        cells[4] = Cell::Float(Some(s.ci_low));
        cells[5] = Cell::Float(Some(s.ci_high));
    }
    cells[12] = Cell::Text("");
    if let Some(d) = &r.difference {
        cells[6] = Cell::Float(Some(d.mean));
        cells[7] = Cell::Float(Some(d.ci_low));
        cells[8] = Cell::Float(Some(d.ci_high));
        if let Ok((rel, lo, hi)) = d.relative {
            cells[9] = Cell::Float(Some(rel));
            cells[10] = Cell::Float(Some(lo));
            cells[11] = Cell::Float(Some(hi));
        }
        cells[12] = Cell::Text(if d.significant() { "true" } else { "false" });
    }
    sink.row(&cells)
}

/// `compare.csv`: one row per (scenario, KPI).
pub fn compare_csv(rows: &[crate::compare::Row], arms: &[(String, String)]) -> String {
    let title = |name: &str| {
        arms.iter()
            .find(|(n, _)| n == name)
            .map_or(name.to_string(), |(_, t)| t.clone())
    };
    csv_text(&compare_schema(), &mut |sink| {
        rows.iter()
            .try_for_each(|r| compare_row(sink, r, &title(&r.scenario)))
    })
}

/// `pairwise.csv`'s columns: every option against every other.
pub fn pairwise_schema() -> Schema {
    Schema::new(vec![
        Column::new("scenario", ColumnKind::Text),
        Column::new("other", ColumnKind::Text),
        Column::new("kpi", ColumnKind::Text),
    ])
    .with(DIFFERENCE_COLUMNS, ColumnKind::Float)
    .with(["clear"], ColumnKind::Text)
}

/// `pairwise.csv`: one row per (scenario, other, KPI), the paired difference
/// `scenario − other` with its 95% CI, the relative change against `other`'s mean, and
/// whether the CI excludes zero. `names` are the runs' unique names in run order.
pub fn pairwise_csv(pairs: &[crate::verdict::Pair], names: &[String]) -> String {
    csv_text(&pairwise_schema(), &mut |sink| {
        pairs.iter().try_for_each(|p| {
            let mut cells = [Cell::Float(None); 10];
            cells[0] = Cell::Text(&names[p.scenario]);
            cells[1] = Cell::Text(&names[p.other]);
            cells[2] = Cell::Text(p.kpi.name());
            cells[9] = Cell::Text("");
            if let Some(d) = &p.difference {
                cells[3] = Cell::Float(Some(d.mean));
                cells[4] = Cell::Float(Some(d.ci_low));
                cells[5] = Cell::Float(Some(d.ci_high));
                if let Ok((rel, lo, hi)) = d.relative {
                    cells[6] = Cell::Float(Some(rel));
                    cells[7] = Cell::Float(Some(lo));
                    cells[8] = Cell::Float(Some(hi));
                }
                cells[9] = Cell::Text(if p.clear() { "true" } else { "false" });
            }
            sink.row(&cells)
        })
    })
}

/// `verdict.csv`'s columns.
pub fn verdict_schema() -> Schema {
    Schema::new(
        ["kpi", "better", "best", "best_title", "clear", "tied_with"]
            .into_iter()
            .map(|c| Column::new(c, ColumnKind::Text))
            .collect(),
    )
}

/// `verdict.csv`: per headline KPI, which option is best (its stem and title) and
/// whether it beats every other clearly; `tied_with` lists (`;`-separated) the
/// options its paired CI cannot tell apart from it.
pub fn verdict_csv(verdicts: &[crate::verdict::Verdict], arms: &[(String, String)]) -> String {
    csv_text(&verdict_schema(), &mut |sink| {
        verdicts.iter().try_for_each(|v| {
            let better = match v.kpi.info().better {
                crate::kpi::Better::Higher => "higher",
                _ => "lower",
            };
            let (best, title) = v
                .best
                .map_or(("", ""), |b| (arms[b].0.as_str(), arms[b].1.as_str()));
            let tied = v
                .tied_with_best
                .iter()
                .map(|&i| arms[i].0.as_str())
                .collect::<Vec<_>>()
                .join(";");
            sink.row(&[
                Cell::Text(v.kpi.name()),
                Cell::Text(better),
                Cell::Text(best),
                Cell::Text(title),
                Cell::Text(if v.clear { "true" } else { "false" }),
                Cell::Text(&tied),
            ])
        })
    })
}

/// `cost_effectiveness.csv`'s columns.
pub fn cost_effectiveness_schema() -> Schema {
    Schema::new(vec![
        Column::new("scenario", ColumnKind::Text),
        Column::new("title", ColumnKind::Text),
        Column::new("outcome", ColumnKind::Text),
    ])
    .with(
        [
            "cost_diff",
            "cost_diff_ci_low",
            "cost_diff_ci_high",
            "gain",
            "gain_ci_low",
            "gain_ci_high",
        ],
        ColumnKind::Float,
    )
    .with(["assessment"], ColumnKind::Text)
    .with(
        ["ratio", "ratio_ci_low", "ratio_ci_high"],
        ColumnKind::Float,
    )
}

/// `cost_effectiveness.csv`: each option against the baseline, per outcome (a leaver
/// avoided, an extra patient seen): the cost difference over the window, the gain, both
/// with paired 95% CIs, and the assessment (`dominant`, `dominated`, `ratio` with the
/// £ per unit gained and its bootstrap 95% interval, or `undefined` where the gain's
/// CI includes zero).
pub fn cost_effectiveness_csv(
    effects: &[crate::economics::CostEffect],
    arms: &[(String, String)],
) -> String {
    use crate::economics::Assessment;
    csv_text(&cost_effectiveness_schema(), &mut |sink| {
        effects.iter().try_for_each(|e| {
            let (name, title) = &arms[e.scenario];
            let f = |x: f64| Cell::Float(Some(x));
            let (ratio, low, high) = match e.assessment {
                Assessment::Ratio {
                    ratio,
                    ci_low,
                    ci_high,
                } => (f(ratio), f(ci_low), f(ci_high)),
                _ => (Cell::Float(None), Cell::Float(None), Cell::Float(None)),
            };
            sink.row(&[
                Cell::Text(name),
                Cell::Text(title),
                Cell::Text(e.outcome.name()),
                f(e.cost.mean),
                f(e.cost.ci_low),
                f(e.cost.ci_high),
                f(e.gain.mean),
                f(e.gain.ci_low),
                f(e.gain.ci_high),
                Cell::Text(e.assessment.name()),
                ratio,
                low,
                high,
            ])
        })
    })
}

/// `robustness.csv`'s columns.
pub fn robustness_schema() -> Schema {
    Schema::new(vec![Column::new("assumption", ColumnKind::Text)])
        .with(["value"], ColumnKind::Float)
        .with(
            ["kpi", "best", "best_title", "clear", "problem"],
            ColumnKind::Text,
        )
}

/// `robustness.csv`: the verdict on each headline KPI with one assumption set to each
/// value of its grid (every option rerun on the same replications); `problem` says why
/// a value could not be run (the other columns are then empty).
pub fn robustness_csv(
    points: &[crate::robustness::GridPoint],
    arms: &[(String, String)],
) -> String {
    csv_text(&robustness_schema(), &mut |sink| {
        points.iter().try_for_each(|p| {
            if let Some(problem) = &p.problem {
                return sink.row(&[
                    Cell::Text(&p.key),
                    Cell::Float(Some(p.value)),
                    Cell::Text(""),
                    Cell::Text(""),
                    Cell::Text(""),
                    Cell::Text(""),
                    Cell::Text(problem),
                ]);
            }
            p.verdicts.iter().try_for_each(|v| {
                let (best, title) = v
                    .best
                    .map_or(("", ""), |b| (arms[b].0.as_str(), arms[b].1.as_str()));
                sink.row(&[
                    Cell::Text(&p.key),
                    Cell::Float(Some(p.value)),
                    Cell::Text(v.kpi.name()),
                    Cell::Text(best),
                    Cell::Text(title),
                    Cell::Text(if v.clear { "true" } else { "false" }),
                    Cell::Text(""),
                ])
            })
        })
    })
}

/// Reads `robustness.csv` back into grid points (`names`: the runs' unique names, in
/// run order), refusing a row that names an unknown KPI or option.
pub fn read_robustness(
    text: &str,
    label: &str,
    names: &[String],
) -> anyhow::Result<Vec<crate::robustness::GridPoint>> {
    use crate::robustness::GridPoint;
    use crate::verdict::Verdict;
    let mut reader = super::table::TableReader::open(text.as_bytes(), label)?;
    reader.require(&["assumption", "value", "kpi", "best", "clear", "problem"])?;
    let mut points: Vec<GridPoint> = Vec::new();
    while let Some(row) = reader.next_row()? {
        let key = row.text("assumption").to_string();
        let value = row
            .number("value")?
            .ok_or_else(|| anyhow::anyhow!("{label}, line {}: empty `value`", row.line()))?;
        let problem = Some(row.text("problem").to_string()).filter(|p| !p.is_empty());
        let at = match points.last_mut() {
            Some(p) if p.key == key && p.value == value => p,
            _ => {
                points.push(GridPoint {
                    key,
                    value,
                    verdicts: Vec::new(),
                    problem,
                });
                points.last_mut().expect("just pushed")
            }
        };
        if at.problem.is_some() {
            continue;
        }
        let kpi = Kpi::from_name(row.text("kpi")).ok_or_else(|| {
            anyhow::anyhow!(
                "{label}, line {}: unknown KPI `{}`",
                row.line(),
                row.text("kpi")
            )
        })?;
        let best = match row.text("best") {
            "" => None,
            name => Some(names.iter().position(|n| n == name).ok_or_else(|| {
                anyhow::anyhow!(
                    "{label}, line {}: `{name}` is not one of the compared options ({})",
                    row.line(),
                    names.join(", ")
                )
            })?),
        };
        at.verdicts.push(Verdict {
            kpi,
            best,
            clear: row.text("clear") == "true",
            tied_with_best: Vec::new(),
        });
    }
    Ok(points)
}
