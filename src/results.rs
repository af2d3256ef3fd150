//! Reading written results back: a run folder (`holdsim run`) or a comparison folder
//! (`holdsim compare`, one run folder per scenario under `scenarios/`). Plots and
//! reports are made from these files, so they can be regenerated without rerunning.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::commands::UsageError;
use crate::engine::record::ALL_SERIES;
use crate::kpi::ALL_KPIS;
use crate::output::table::{ReadError, TableReader};

/// A results folder that cannot be trusted: exit 2, naming the file, line and problem.
pub fn damaged(message: String) -> anyhow::Error {
    UsageError(format!(
        "{message}; the results folder was damaged or edited by hand: rerun the command that wrote it"
    ))
    .into()
}

/// A numeric CSV table as holdsim writes it: a header, then finite numbers (empty =
/// undefined).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Table {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Option<f64>>>,
}

impl Table {
    /// Parses holdsim's numeric CSV through the table layer. Every row must have the
    /// header's width, every cell a finite number or nothing (holdsim writes undefined
    /// values as empty cells, never `NaN` or `inf`), and no column may appear twice.
    pub fn parse(text: &str, label: &str) -> anyhow::Result<Table> {
        let bad = |e: ReadError| damaged(e.to_string());
        let mut reader = TableReader::open(text.as_bytes(), label).map_err(bad)?;
        let columns = reader.header().to_vec();
        let mut rows = Vec::new();
        while let Some(row) = reader.next_row().map_err(bad)? {
            rows.push(row.numbers().map_err(bad)?);
        }
        Ok(Table { columns, rows })
    }

    pub fn index_of(&self, column: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == column)
    }

    /// One column's values, in row order.
    pub fn column(&self, column: &str) -> Option<Vec<Option<f64>>> {
        let i = self.index_of(column)?;
        Some(self.rows.iter().map(|r| r[i]).collect())
    }

    /// Refuses the table unless it has every one of `columns`.
    fn require(&self, label: &str, columns: &[&str]) -> anyhow::Result<()> {
        let missing: Vec<&str> = columns
            .iter()
            .copied()
            .filter(|c| self.index_of(c).is_none())
            .collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(damaged(format!(
                "{label}, line 1: missing column{} `{}`",
                if missing.len() == 1 { "" } else { "s" },
                missing.join("`, `")
            )))
        }
    }

    /// The whole number in `column` of row `i` (line `i + 2`), or a refusal.
    fn whole(&self, label: &str, i: usize, column: usize) -> anyhow::Result<u64> {
        match self.rows[i][column] {
            Some(v) if v >= 0.0 && v.fract() == 0.0 && v < 1.8e19 => Ok(v as u64),
            other => Err(damaged(format!(
                "{label}, line {}, column `{}`: {}, expected a whole number",
                i + 2,
                self.columns[column],
                other.map_or("empty".into(), |v| format!("`{v}`"))
            ))),
        }
    }
}

/// One scenario's written results.
#[derive(Clone, Debug)]
pub struct RunResults {
    /// The scenario's unique name: its file stem (`baseline`, `baseline-2`), which
    /// names its folder and its rows in `compare.csv`.
    pub name: String,
    /// What readers see: the scenario's `title`, else its name; made unique among
    /// the runs of a comparison by [`load_any`].
    pub title: String,
    pub dir: PathBuf,
    pub manifest: serde_json::Value,
    /// `replications.csv`: one row per replication, KPI columns.
    pub replications: Table,
    /// `timeseries.csv`: one row per (replication, week).
    pub timeseries: Table,
}

impl RunResults {
    /// The KPI window `(warm-up, horizon)` in days, as the manifest records it (checked
    /// when the folder was read).
    pub fn window(&self) -> (u32, u32) {
        let day = |i: usize| {
            self.manifest["kpi_window_days"][i]
                .as_u64()
                .and_then(|d| u32::try_from(d).ok())
                .unwrap_or(0)
        };
        (day(0), day(1))
    }
}

/// A results folder being read: each file is checked against the manifest before any
/// of it is trusted, and every complaint names the file and line.
struct Folder<'a>(&'a Path);

impl Folder<'_> {
    fn read(&self, name: &str) -> anyhow::Result<String> {
        let path = self.0.join(name);
        fs::read_to_string(&path).with_context(|| {
            format!(
                "cannot read `{}` (is `{}` a holdsim results folder?)",
                path.display(),
                self.0.display()
            )
        })
    }

    fn label(&self, name: &str) -> String {
        format!("`{}`", self.0.join(name).display())
    }

    /// `manifest.json`, its replication count and its horizon in days.
    fn manifest(&self) -> anyhow::Result<(serde_json::Value, u64, u64)> {
        let label = self.label("manifest.json");
        let manifest: serde_json::Value = serde_json::from_str(&self.read("manifest.json")?)
            .map_err(|e| damaged(format!("{label}: not valid JSON ({e})")))?;
        let n = manifest["replications"]
            .as_u64()
            .filter(|&n| n >= 1)
            .ok_or_else(|| {
                damaged(format!(
                    "{label}: `replications` is {}, expected a whole number of at least 1",
                    manifest["replications"]
                ))
            })?;
        let horizon = manifest["kpi_window_days"][1]
            .as_u64()
            .or_else(|| manifest["scenario"]["run"]["horizon_days"].as_u64())
            .filter(|&h| (1..=MAX_HORIZON_DAYS).contains(&h))
            .ok_or_else(|| {
                damaged(format!(
                    "{label}: `kpi_window_days` is {}, expected [warm-up, horizon] with a horizon of 1 to {MAX_HORIZON_DAYS} days",
                    manifest["kpi_window_days"]
                ))
            })?;
        Ok((manifest, n, horizon))
    }

    /// `replications.csv`: every KPI column, one row per replication 0..n in order.
    fn replications(&self, n: u64) -> anyhow::Result<Table> {
        let reps_label = self.label("replications.csv");
        let replications = Table::parse(&self.read("replications.csv")?, &reps_label)?;
        let mut needed = vec!["replication"];
        needed.extend(ALL_KPIS.iter().map(|k| k.name()));
        replications.require(&reps_label, &needed)?;
        let ri = replications.index_of("replication").unwrap_or_default();
        for i in 0..replications.rows.len() {
            let r = replications.whole(&reps_label, i, ri)?;
            if r != i as u64 || r >= n {
                return Err(damaged(format!(
                    "{reps_label}, line {}: replication {r}, expected {} (one row per replication, 0 to {}, as manifest.json's `replications` = {n} says)",
                    i + 2,
                    if (i as u64) < n {
                        i.to_string()
                    } else {
                        "no more rows".into()
                    },
                    n - 1
                )));
            }
        }
        if (replications.rows.len() as u64) != n {
            return Err(damaged(format!(
                "{reps_label} has {} rows, manifest.json says {n} replications",
                replications.rows.len()
            )));
        }
        Ok(replications)
    }

    /// `timeseries.csv`: every series column, one row per (replication, week) in order.
    fn timeseries(&self, n: u64, horizon: u64) -> anyhow::Result<Table> {
        let weeks = horizon.div_ceil(7);
        let ts_label = self.label("timeseries.csv");
        let timeseries = Table::parse(&self.read("timeseries.csv")?, &ts_label)?;
        let mut needed = vec!["replication", "week", "start_day", "days"];
        needed.extend(ALL_SERIES.iter().map(|s| s.name()));
        timeseries.require(&ts_label, &needed)?;
        let (tr, tw) = (
            timeseries.index_of("replication").unwrap_or_default(),
            timeseries.index_of("week").unwrap_or_default(),
        );
        for i in 0..timeseries.rows.len() {
            let (r, w) = (
                timeseries.whole(&ts_label, i, tr)?,
                timeseries.whole(&ts_label, i, tw)?,
            );
            let expected = (i as u64 / weeks, i as u64 % weeks);
            if w >= weeks {
                return Err(damaged(format!(
                    "{ts_label}, line {}: week {w} is beyond the horizon ({horizon} days = weeks 0 to {} in manifest.json)",
                    i + 2,
                    weeks - 1
                )));
            }
            if (r, w) != expected || r >= n {
                return Err(damaged(format!(
                    "{ts_label}, line {}: replication {r}, week {w}; expected replication {}, week {} (one row per replication and week, in order; {n} replications × {weeks} weeks)",
                    i + 2,
                    expected.0,
                    expected.1
                )));
            }
        }
        if timeseries.rows.len() as u64 != n * weeks {
            return Err(damaged(format!(
                "{ts_label} has {} rows, expected {} ({n} replications × {weeks} weeks)",
                timeseries.rows.len(),
                n * weeks
            )));
        }
        Ok(timeseries)
    }
}

/// A results folder as one arm of a comparison: its name and `replications.csv`'s
/// KPI columns (a KPI the folder lacks compares as no replications).
impl crate::compare::Arm for RunResults {
    fn name(&self) -> &str {
        &self.name
    }
    fn kpi_values(&self, kpi: crate::kpi::Kpi) -> Vec<Option<f64>> {
        self.replications.column(kpi.name()).unwrap_or_default()
    }
}

/// The largest horizon a results folder may claim (a bound on what readers allocate;
/// far beyond any scenario: 10,000 years).
const MAX_HORIZON_DAYS: u64 = 3_650_000;

impl RunResults {
    /// Reads a run folder, checking it against its manifest before anything trusts
    /// it: every column present, every cell a finite number, `replications.csv` one
    /// row per replication (0, 1, … as the manifest counts them), `timeseries.csv` one
    /// row per (replication, week) in order, weeks within the manifest's horizon.
    pub fn load(dir: &Path) -> anyhow::Result<RunResults> {
        let folder = Folder(dir);
        let (manifest, n, horizon) = folder.manifest()?;
        let name = manifest["name"]
            .as_str()
            .map(str::to_string)
            .or_else(|| dir.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "scenario".into());
        let replications = folder.replications(n)?;
        let timeseries = folder.timeseries(n, horizon)?;
        let title = manifest["scenario"]["title"]
            .as_str()
            .map_or_else(|| name.clone(), str::to_string);
        Ok(RunResults {
            title,
            name,
            dir: dir.to_path_buf(),
            replications,
            timeseries,
            manifest,
        })
    }

    /// Values of a weekly series as `[week][replication]`, skipping undefined weeks.
    pub fn weekly(&self, series: &str) -> Option<Vec<Vec<f64>>> {
        let week = self.timeseries.index_of("week")?;
        let col = self.timeseries.index_of(series)?;
        let weeks = self
            .timeseries
            .rows
            .iter()
            .filter_map(|r| r[week])
            .fold(0.0f64, f64::max)
            .min(self.timeseries.rows.len() as f64) as usize
            + 1;
        let mut out = vec![Vec::new(); weeks];
        for row in &self.timeseries.rows {
            if let (Some(w), Some(v)) = (row[week], row[col])
                && let Some(slot) = out.get_mut(w as usize)
            {
                slot.push(v);
            }
        }
        Some(out)
    }
}

/// Reads a run folder, or every scenario of a comparison folder in its order (the
/// baseline first).
pub fn load_any(dir: &Path) -> anyhow::Result<Vec<RunResults>> {
    let compare_manifest = dir.join("compare.json");
    if compare_manifest.exists() {
        let text = fs::read_to_string(&compare_manifest)
            .with_context(|| format!("cannot read `{}`", compare_manifest.display()))?;
        let m: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
            damaged(format!(
                "`{}` is not valid JSON ({e})",
                compare_manifest.display()
            ))
        })?;
        let names = m["scenarios"]
            .as_array()
            .filter(|a| !a.is_empty())
            .ok_or_else(|| {
                damaged(format!(
                    "`{}` lists no scenarios",
                    compare_manifest.display()
                ))
            })?;
        names
            .iter()
            .map(|n| {
                let name = n["name"].as_str().filter(|s| {
                    !s.is_empty() && *s != "." && *s != ".." && !s.contains(['/', '\\'])
                });
                let Some(name) = name else {
                    return Err(damaged(format!(
                        "`{}`: scenario name {} is not a plain folder name under `scenarios/`",
                        compare_manifest.display(),
                        n["name"]
                    )));
                };
                RunResults::load(&dir.join("scenarios").join(name))
            })
            .collect::<anyhow::Result<Vec<_>>>()
            .map(distinct_titles)
    } else {
        Ok(vec![RunResults::load(dir)?])
    }
}

/// Options that share a title (one inherited from a common `base`, say) are told
/// apart by their names: "Current team (option_fourth_lw)".
pub fn distinct_titles(mut runs: Vec<RunResults>) -> Vec<RunResults> {
    let pairs: Vec<(&str, &str)> = runs
        .iter()
        .map(|r| (r.name.as_str(), r.title.as_str()))
        .collect();
    let titles = distinct(&pairs);
    for (run, title) in runs.iter_mut().zip(titles) {
        run.title = title;
    }
    runs
}

/// Each (name, title)'s title, with " (name)" added where another shares it.
fn distinct(pairs: &[(&str, &str)]) -> Vec<String> {
    pairs
        .iter()
        .enumerate()
        .map(|(i, &(name, title))| {
            let shared = pairs
                .iter()
                .enumerate()
                .any(|(j, p)| j != i && p.1 == title);
            if shared && title != name {
                format!("{title} ({name})")
            } else {
                title.to_string()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_sharing_a_title_are_told_apart_by_name() {
        let pairs = [
            ("a", "Today"),
            ("b", "Today"),
            ("c", "Four posts"),
            ("d", "d"),
        ];
        assert_eq!(
            distinct(&pairs),
            ["Today (a)", "Today (b)", "Four posts", "d"]
        );
    }
}
