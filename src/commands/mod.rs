//! The commands behind the CLI: each reads its inputs, calls the library, writes
//! results at the edge and reports. Shared steps (loading a scenario, writing one
//! scenario's result files) live here.

mod calibrate;
mod check;
mod compare;
mod report;
mod robustness;
mod run;
mod sensitivity;
mod slurm;
mod sweep;

use std::path::Path;
use std::sync::atomic::AtomicBool;

use anyhow::Context;
use serde_json::json;

pub use calibrate::calibrate;
pub use check::check;
pub use compare::{Arms, Compared, Hooks, compare, write_comparison};
pub use report::{plot, report};
pub use run::run;
pub use sensitivity::{sensitivity, sensitivity_in};
pub use slurm::{merge, slurm};
pub use sweep::{Session, sweep, sweep_in};

use crate::budget;
use crate::cli::ScenarioArgs;
use crate::engine::record::WeekTotal;
use crate::engine::{self, Options};
use crate::kpi::{KPI_COUNT, Kpi, Kpis};
use crate::model::Model;
use crate::output::atomic::Staging;
use crate::output::table::{CsvFile, CsvRows};
use crate::output::{tables, workbook};
use crate::posterior::Drawn;
use crate::progress::RunBar;
use crate::runner;
use crate::runner::Outcome;
use crate::scenario::{self, Scenario};
use crate::stats::Summary;

/// Re-exported from [`crate::error`], where every edge error and its exit code live,
/// so commands keep naming it `commands::UsageError`.
pub use crate::error::UsageError;

/// How the random streams are laid out, for manifests.
pub const SEED_SCHEME: &str = "each random draw comes from a Xoshiro256++ stream seeded by SplitMix64(seed, replication, site, process, entity, index); the scenario is not part of the key, so scenarios run with the same seed share common random numbers";

/// Loads a scenario file with `--set` overrides and any extra `path=value` pairs.
fn load_scenario(path: &Path, overrides: &[String], extra: &[String]) -> anyhow::Result<Scenario> {
    let mut all = overrides.to_vec();
    all.extend_from_slice(extra);
    Ok(scenario::load(path, &all)?)
}

/// `run.replications=N` / `run.seed=S` overrides from the command-line flags.
fn run_overrides(replications: Option<u32>, seed: Option<u64>) -> Vec<String> {
    let mut extra = Vec::new();
    if let Some(n) = replications {
        extra.push(format!("run.replications={n}"));
    }
    if let Some(seed) = seed {
        extra.push(format!("run.seed={seed}"));
    }
    extra
}

/// The thread count: as asked, or every core.
pub fn threads(asked: Option<usize>) -> anyhow::Result<usize> {
    match asked {
        Some(0) => Err(UsageError("--threads must be at least 1".into()).into()),
        Some(n) => Ok(n),
        None => Ok(std::thread::available_parallelism().map_or(1, |n| n.get())),
    }
}

/// A scenario's display name: its file stem.
fn stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "scenario".into())
}

/// One scenario's finished run, ready for its summary and manifest.
struct FinishedRun<'a> {
    name: &'a str,
    path: &'a Path,
    args: &'a ScenarioArgs,
    scenario: &'a Scenario,
    threads: usize,
    wall_seconds: f64,
    posterior: Option<&'a PosteriorUsed>,
}

/// An option that sets a key the posterior draws ([`PosteriorUsed::changed_drawn_keys`]).
pub struct DrawnKeyChanged {
    /// Index of the option among the scenarios (the baseline is 0).
    pub option: usize,
    pub key: String,
    pub option_value: String,
    pub baseline_value: String,
}

/// A posterior a run or comparison draws its parameters from, and where it came from.
pub struct PosteriorUsed {
    /// The file as the user named it (or, from the web app, the upload's name).
    pub source: String,
    pub posterior: crate::posterior::Posterior,
}

impl PosteriorUsed {
    /// Reads `file` (a `posterior.csv`, checked cell by cell).
    pub fn read(file: &Path) -> anyhow::Result<PosteriorUsed> {
        Ok(PosteriorUsed {
            source: file.display().to_string(),
            posterior: crate::calibrate::posterior_file::read(file)?,
        })
    }

    /// The draws of `scenario` (named `name` in messages), every particle checked
    /// against it first: a parameter the scenario does not have, or a particle that
    /// would make it invalid, is refused (exit 2) naming the file and the particle.
    pub fn drawn_for(&self, scenario: &Scenario, name: &str) -> anyhow::Result<Drawn> {
        Drawn::new(scenario, &self.posterior).map_err(|e| {
            UsageError(format!(
                "the posterior `{}` cannot run {name}: {e}; a posterior applies to scenarios that have its parameters and stay valid with every particle's values",
                self.source
            ))
            .into()
        })
    }

    /// Every option (index into `scenarios`, the baseline first) that sets a key the
    /// posterior draws to another value than the baseline's: the posterior would
    /// overwrite the very change being compared, so commands refuse each one.
    pub fn changed_drawn_keys(&self, scenarios: &[Scenario]) -> Vec<DrawnKeyChanged> {
        let Some((base, options)) = scenarios.split_first() else {
            return Vec::new();
        };
        let shown = |s: &Scenario, key: &str| {
            s.get_path(key)
                .map_or("nothing".to_string(), |v| v.to_string())
        };
        let mut changed = Vec::new();
        for (i, s) in options.iter().enumerate() {
            for key in self.posterior.paths() {
                if s.get_path(key).ok() != base.get_path(key).ok() {
                    changed.push(DrawnKeyChanged {
                        option: i + 1,
                        key: key.clone(),
                        option_value: shown(s, key),
                        baseline_value: shown(base, key),
                    });
                }
            }
        }
        changed
    }

    /// The lines above the KPI table: what is drawn, and any value `scenario` gave a
    /// drawn key (other than the default) that the draws replace, so no setting of
    /// the user's is overwritten without a word.
    fn describe(&self, scenario: &Scenario) -> String {
        let p = &self.posterior;
        let mut text = format!(
            "Parameters drawn from {} ({} particle{}, by weight, one per replication): {}",
            self.source,
            p.len(),
            if p.len() == 1 { "" } else { "s" },
            p.paths().join(", ")
        );
        let defaults = Scenario::default();
        for key in p.paths() {
            if let Ok(value) = scenario.get_path(key)
                && defaults.get_path(key).ok() != Some(value)
            {
                text.push_str(&format!(
                    "\nNote: the scenario's {key} = {value} is replaced by the posterior's draws."
                ));
            }
        }
        text
    }

    /// The manifest's `posterior` entry.
    fn manifest(&self) -> serde_json::Value {
        let p = &self.posterior;
        json!({
            "file": self.source,
            "particles": p.len(),
            "parameters": p.paths(),
            "draw": "replication r runs the particle drawn by weight from a stream keyed by (seed, r), the same in every scenario; replications.csv's `particle` column names it",
        })
    }
}

/// One scenario's result files under `prefix` in a staging folder (`""` for a run
/// folder, `scenarios/NAME/` in a comparison), written as replications finish: the
/// per-replication tables are streamed row by row in replication order, and only the
/// KPI values the summary needs are kept.
struct RunWriter {
    prefix: String,
    replications: CsvFile,
    timeseries: CsvFile,
    by_site: Option<CsvFile>,
    kept: Vec<[f64; KPI_COUNT]>,
    patient_days: f64,
    /// Files the command writes beside these after the manifest (a run's workbook),
    /// which the manifest lists all the same.
    also: Vec<&'static str>,
    /// `replications.csv`'s columns, and its rows kept for a run's workbook when asked
    /// ([`RunWriter::keep_for_workbook`]).
    replication_columns: Vec<String>,
    for_workbook: Option<workbook::Replications>,
}

/// What [`RunWriter::finish`] wrote: the files' names, the KPI summaries and the
/// total patient-days.
type Written = (Vec<&'static str>, Vec<(Kpi, Option<Summary>)>, f64);

impl RunWriter {
    /// Opens the streamed tables and writes their headers (`replications.csv` with a
    /// `particle` column when the run draws parameters from a posterior).
    fn begin(
        staging: &Staging,
        prefix: &str,
        (per_site, with_particle): (bool, bool),
        replications: u32,
    ) -> anyhow::Result<RunWriter> {
        let dir = staging.create_dirs(Path::new(prefix))?;
        let replications_schema = if with_particle {
            tables::replications_schema_with_particle()
        } else {
            tables::replications_schema(&[])
        };
        Ok(RunWriter {
            also: Vec::new(),
            replication_columns: replications_schema.names().map(String::from).collect(),
            for_workbook: None,
            prefix: prefix.to_string(),
            replications: CsvFile::create(dir.join("replications.csv"), &replications_schema)?,
            timeseries: CsvFile::create(
                dir.join("timeseries.csv"),
                &tables::timeseries_schema(false),
            )?,
            by_site: if per_site {
                Some(CsvFile::create(
                    dir.join("timeseries_by_site.csv"),
                    &tables::timeseries_schema(true),
                )?)
            } else {
                None
            },
            kept: Vec::with_capacity(replications as usize),
            patient_days: 0.0,
        })
    }

    /// Appends one replication's rows; they must come in replication order.
    fn push(&mut self, r: Rendered) -> anyhow::Result<()> {
        self.replications.append(&r.replications)?;
        self.timeseries.append(&r.timeseries)?;
        if let Some(f) = self.by_site.as_mut() {
            f.rows(|sink| {
                r.site_weeks
                    .iter()
                    .enumerate()
                    .try_for_each(|(site, weeks)| {
                        tables::timeseries_rows(sink, r.index, Some(site), weeks)
                    })
            })?;
        }
        if let Some(sheet) = self.for_workbook.as_mut() {
            let kpis = Kpis(r.kept.map(Some));
            let replication = (r.index, r.particle);
            tables::replication_row_of(sheet, None, replication, r.patient_days, &kpis)?;
        }
        self.kept.push(r.kept);
        self.patient_days += r.patient_days;
        Ok(())
    }

    /// Keeps `replications.csv`'s rows as they are written, for the run's workbook
    /// (which would otherwise read the file back): [`RunWriter::take_for_workbook`].
    fn keep_for_workbook(&mut self) {
        let columns = self.replication_columns.iter().map(String::as_str);
        self.for_workbook = Some(workbook::Replications::new(columns));
    }

    /// The rows kept since [`RunWriter::keep_for_workbook`], once every one is in.
    fn take_for_workbook(&mut self) -> Option<workbook::Replications> {
        self.for_workbook.take()
    }

    /// Lists `file` in the manifest: the command writes it once the tables are done.
    fn also_writes(&mut self, file: &'static str) {
        self.also.push(file);
    }

    /// Finishes the streamed tables, writes `summary.csv` and `manifest.json`, and
    /// returns the files' names, the KPI summaries and the total patient-days.
    fn finish(self, staging: &Staging, run: &FinishedRun) -> anyhow::Result<Written> {
        let per_site = self.by_site.is_some();
        for f in [self.replications, self.timeseries]
            .into_iter()
            .chain(self.by_site)
        {
            f.finish()?;
        }
        let summaries = tables::summaries_of_values(&self.kept);
        let mut files = write_run(
            staging,
            &self.prefix,
            run,
            &summaries,
            self.patient_days,
            per_site,
            &self.also,
        )?;
        files.extend(self.also);
        Ok((files, summaries, self.patient_days))
    }
}

/// One replication's rows of `replications.csv` and `timeseries.csv` as CSV text, and
/// what the summary keeps of it. It is made on the worker thread that simulated the
/// replication, so formatting numbers (most of the cost of writing) runs in parallel;
/// the run's thread only appends the text to the files, in replication order.
///
/// The per-site series (`--per-site`) stay numbers until they are written on the run's
/// thread: as text they would take about twice the memory the budget reserves for a
/// batch waiting to be written (`budget::replication_bytes`).
struct Rendered {
    index: u64,
    replications: CsvRows,
    timeseries: CsvRows,
    site_weeks: Vec<Vec<WeekTotal>>,
    kept: [f64; KPI_COUNT],
    patient_days: f64,
    particle: Option<usize>,
}

/// Room reserved for a week of `timeseries.csv` (a baseline run's rows average about
/// 290 bytes), so a replication's rows are written without the text growing again.
const TIMESERIES_ROW_BYTES: usize = 384;

impl Rendered {
    /// Renders `o`'s rows, with the posterior particle it ran with if any; the rest of
    /// the outcome is dropped (but its per-site series), so a batch waiting to be
    /// written holds little more than its text.
    fn of(mut o: Outcome, particle: Option<usize>) -> anyhow::Result<Rendered> {
        let r = &o.replication;
        let mut replications = CsvRows::new();
        tables::replication_row_of(
            &mut replications,
            None,
            (r.index, particle),
            r.patient_days,
            &o.kpis,
        )?;
        let mut timeseries = CsvRows::with_capacity(r.weeks.len() * TIMESERIES_ROW_BYTES);
        tables::timeseries_rows(&mut timeseries, r.index, None, &r.weeks)?;
        Ok(Rendered {
            index: r.index,
            replications,
            timeseries,
            kept: tables::kept_values(&o),
            patient_days: r.patient_days,
            particle,
            site_weeks: std::mem::take(&mut o.replication.site_weeks),
        })
    }
}

/// Writes a scenario's `summary.csv` and `manifest.json` under `prefix` beside its
/// streamed tables and returns the names of all its files.
fn write_run(
    staging: &Staging,
    prefix: &str,
    run: &FinishedRun,
    summaries: &[(Kpi, Option<Summary>)],
    patient_days: f64,
    per_site: bool,
    also: &[&'static str],
) -> anyhow::Result<Vec<&'static str>> {
    let mut files = vec!["summary.csv", "replications.csv", "timeseries.csv"];
    staging.write(
        &format!("{prefix}summary.csv"),
        tables::summary_csv(summaries).as_bytes(),
    )?;
    if per_site {
        files.push("timeseries_by_site.csv");
    }
    files.push("manifest.json");
    let scenario = run.scenario;
    let manifest = json!({
        "name": run.name,
        "holdsim_version": env!("CARGO_PKG_VERSION"),
        "holdsim_commit": crate::build_info::commit(),
        "command": std::env::args().collect::<Vec<_>>(),
        "scenario_file": run.path.display().to_string(),
        "overrides": run.args.overrides,
        "replications": scenario.run.replications,
        "seed": scenario.run.seed,
        "seed_scheme": SEED_SCHEME,
        "kpi_window_days": [scenario.run.warmup_days, scenario.run.horizon_days],
        "threads": run.threads,
        "wall_time_seconds": run.wall_seconds,
        "patient_days": patient_days,
        "patient_days_per_second": patient_days / run.wall_seconds.max(1e-9),
        "created_utc": crate::output::utc_now(),
        "files": files.iter().chain(also).collect::<Vec<_>>(),
        "scenario": scenario.to_json(),
    });
    let mut manifest = manifest;
    if let Some(p) = run.posterior {
        manifest["posterior"] = p.manifest();
    }
    staging.write(
        &format!("{prefix}manifest.json"),
        serde_json::to_string_pretty(&manifest)
            .context("manifest")?
            .as_bytes(),
    )?;
    Ok(files)
}

/// What a scenario's replications simulate: its model, or with a posterior the
/// model of the particle drawn for each replication.
#[derive(Clone, Copy)]
enum Simulated<'a> {
    One(&'a Model),
    Drawn(&'a Drawn),
}

impl<'a> Simulated<'a> {
    fn new(model: &'a Model, drawn: Option<&'a Drawn>) -> Simulated<'a> {
        drawn.map_or(Simulated::One(model), Simulated::Drawn)
    }

    fn models(self) -> &'a dyn runner::Models {
        match self {
            Simulated::One(m) => m,
            Simulated::Drawn(d) => d,
        }
    }

    fn particle(self, replication: u64) -> Option<usize> {
        match self {
            Simulated::One(_) => None,
            Simulated::Drawn(d) => Some(d.particle(replication)),
        }
    }
}

/// Runs `replications` of `model` within the budget's window, streaming each finished
/// replication (in order) into `writer` and telling `bar` — by replications, or by
/// site-days when there are too few replications to show movement. Rows are rendered
/// on the worker threads ([`Rendered`]), so writing does not serialise the run.
fn stream_replications(
    model: Simulated,
    replications: u32,
    threads: usize,
    estimate: &budget::Estimate,
    options: &Options,
    bar: &RunBar,
    writer: &mut RunWriter,
) -> anyhow::Result<()> {
    // Ctrl-C ends the CLI's process (output::interrupt removes what it was writing),
    // so nothing here needs to stop the run from inside.
    stream_replications_watched(
        model,
        (replications, threads, estimate),
        options,
        (bar, &|| {}, None),
        writer,
    )
}

/// As [`stream_replications`], also telling `on_done` of each replication and
/// stopping when `cancel` is set (the web app's jobs, which outlive one run).
fn stream_replications_watched(
    model: Simulated,
    (replications, threads, estimate): (u32, usize, &budget::Estimate),
    options: &Options,
    (bar, on_done, cancel): (&RunBar, &(dyn Fn() + Sync), Option<&AtomicBool>),
    writer: &mut RunWriter,
) -> anyhow::Result<()> {
    let site_days = |n| bar.site_days(n);
    let done = || {
        bar.replication_done();
        on_done();
    };
    runner::run_each_prepared(
        model.models(),
        (
            replications,
            threads,
            usize::try_from(estimate.batch).unwrap_or(usize::MAX),
        ),
        options,
        runner::Watch {
            on_done: &done,
            progress: if bar.counts_site_days() {
                &site_days
            } else {
                &engine::no_progress
            },
            cancel,
        },
        &|o| {
            let particle = model.particle(o.replication.index);
            Rendered::of(o, particle)
        },
        &mut |rendered| writer.push(rendered?),
    )
}
