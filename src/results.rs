//! Reading written results back: a run folder (`holdsim run`) or a comparison folder
//! (`holdsim compare`, one run folder per scenario under `scenarios/`). Plots and
//! reports are made from these files, so they can be regenerated without rerunning.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

/// A numeric CSV table as holdsim writes it: a header, then numbers (empty = undefined).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Table {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Option<f64>>>,
}

impl Table {
    /// Parses holdsim's numeric CSV (no quoting needed: headers are identifiers).
    pub fn parse(text: &str, label: &str) -> anyhow::Result<Table> {
        let mut lines = text.lines();
        let header = lines.next().with_context(|| format!("{label} is empty"))?;
        let columns: Vec<String> = header.split(',').map(str::to_string).collect();
        let mut rows = Vec::new();
        for (i, line) in lines.enumerate() {
            if line.is_empty() {
                continue;
            }
            let cells: Vec<&str> = line.split(',').collect();
            if cells.len() != columns.len() {
                bail!(
                    "{label}, line {}: {} fields, expected {}",
                    i + 2,
                    cells.len(),
                    columns.len()
                );
            }
            let row = cells
                .iter()
                .map(|c| {
                    if c.is_empty() {
                        Ok(None)
                    } else {
                        c.parse::<f64>().map(Some)
                    }
                })
                .collect::<Result<Vec<_>, _>>()
                .with_context(|| format!("{label}, line {}: not a number", i + 2))?;
            rows.push(row);
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
}

/// One scenario's written results.
#[derive(Clone, Debug)]
pub struct RunResults {
    /// Display name: the scenario file's stem.
    pub name: String,
    pub dir: PathBuf,
    pub manifest: serde_json::Value,
    /// `replications.csv`: one row per replication, KPI columns.
    pub replications: Table,
    /// `timeseries.csv`: one row per (replication, week).
    pub timeseries: Table,
}

impl RunResults {
    /// Reads a run folder.
    pub fn load(dir: &Path) -> anyhow::Result<RunResults> {
        let read = |name: &str| {
            let path = dir.join(name);
            fs::read_to_string(&path).with_context(|| {
                format!(
                    "cannot read `{}` (is `{}` a holdsim results folder?)",
                    path.display(),
                    dir.display()
                )
            })
        };
        let manifest: serde_json::Value = serde_json::from_str(&read("manifest.json")?)
            .with_context(|| format!("`{}/manifest.json` is not valid JSON", dir.display()))?;
        let name = manifest["name"]
            .as_str()
            .map(str::to_string)
            .or_else(|| dir.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "scenario".into());
        Ok(RunResults {
            name,
            dir: dir.to_path_buf(),
            replications: Table::parse(&read("replications.csv")?, "replications.csv")?,
            timeseries: Table::parse(&read("timeseries.csv")?, "timeseries.csv")?,
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
            .fold(0.0f64, f64::max) as usize
            + 1;
        let mut out = vec![Vec::new(); weeks];
        for row in &self.timeseries.rows {
            if let (Some(w), Some(v)) = (row[week], row[col]) {
                out[w as usize].push(v);
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
        let m: serde_json::Value = serde_json::from_str(&text)
            .with_context(|| format!("`{}` is not valid JSON", compare_manifest.display()))?;
        let names = m["scenarios"]
            .as_array()
            .with_context(|| format!("`{}` lists no scenarios", compare_manifest.display()))?;
        names
            .iter()
            .map(|n| {
                let name = n["name"]
                    .as_str()
                    .context("scenario without a name in compare.json")?;
                RunResults::load(&dir.join("scenarios").join(name))
            })
            .collect()
    } else {
        Ok(vec![RunResults::load(dir)?])
    }
}
