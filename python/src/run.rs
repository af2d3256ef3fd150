//! `holdsim.run` and `holdsim.compare`: the CLI's `run` and `compare` tables, built in
//! memory by the CLI's own row functions (`holdsim::output::tables`) and handed to
//! Python as columns.

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use holdsim::budget;
use holdsim::commands::Arms;
use holdsim::compare::{self, Arm};
use holdsim::engine::{self, Options};
use holdsim::kpi::{KPI_COUNT, Kpi};
use holdsim::model::Model;
use holdsim::output::tables;
use holdsim::posterior::Drawn;
use holdsim::progress::RunBar;
use holdsim::runner::{self, Outcome};
use holdsim::scenario::Scenario;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use serde_json::json;

use crate::columns::Columns;
use crate::errors::to_py;
use crate::interrupt::interruptible;
use crate::posterior::PyPosterior;
use crate::scenario::PyScenario;

/// One scenario's finished replications as the CLI's three tables.
struct RunTables {
    summary: Columns,
    replications: Columns,
    timeseries: Columns,
    /// Per replication, each KPI's value (NaN where undefined): what summaries and
    /// comparisons are computed from.
    kept: Vec<[f64; KPI_COUNT]>,
    patient_days: f64,
    wall_seconds: f64,
}

/// What a scenario's replications simulate: its model for every replication, or with
/// a posterior the model of the particle drawn for each (the CLI's `Simulated`).
#[derive(Clone, Copy)]
struct Simulated<'a> {
    model: &'a Model,
    drawn: Option<&'a Drawn>,
}

impl<'a> Simulated<'a> {
    fn models(self) -> &'a dyn runner::Models {
        match self.drawn {
            Some(d) => d,
            None => self.model,
        }
    }

    /// `replications.csv`'s schema: with a last `particle` column under a posterior.
    fn replications_schema(self) -> holdsim::output::table::Schema {
        match self.drawn {
            Some(_) => tables::replications_schema_with_particle(),
            None => tables::replications_schema(&[]),
        }
    }
}

/// Runs `simulated`'s replications within the budget's window (as `holdsim run`),
/// appending each one's rows in replication order.
fn run_tables(
    simulated: Simulated,
    replications: u32,
    (threads, batch): (usize, usize),
    bar: &RunBar,
    cancel: &AtomicBool,
) -> anyhow::Result<RunTables> {
    let started = Instant::now();
    let mut t = RunTables {
        summary: Columns::new(&tables::summary_schema(&[])),
        replications: Columns::new(&simulated.replications_schema()),
        timeseries: Columns::new(&tables::timeseries_schema(false)),
        kept: Vec::with_capacity(replications as usize),
        patient_days: 0.0,
        wall_seconds: 0.0,
    };
    let site_days = |n| bar.site_days(n);
    let watch = runner::Watch {
        on_done: &|| bar.replication_done(),
        progress: if bar.counts_site_days() {
            &site_days
        } else {
            &engine::no_progress
        },
        cancel: Some(cancel),
    };
    runner::run_each(
        simulated.models(),
        (replications, threads, batch),
        &Options::default(),
        watch,
        &mut |o: Outcome| -> anyhow::Result<()> {
            let r = &o.replication;
            let particle = simulated.drawn.map(|d| d.particle(r.index));
            tables::replication_row_of(
                &mut t.replications,
                None,
                (r.index, particle),
                r.patient_days,
                &o.kpis,
            )?;
            tables::timeseries_rows(&mut t.timeseries, r.index, None, &r.weeks)?;
            t.kept.push(tables::kept_values(&o));
            t.patient_days += r.patient_days;
            Ok(())
        },
    )?;
    tables::write_summary(&mut t.summary, &tables::summaries_of_values(&t.kept))?;
    t.wall_seconds = started.elapsed().as_secs_f64();
    Ok(t)
}

/// The thread count: as asked, or every core.
pub fn thread_count(asked: Option<usize>) -> anyhow::Result<usize> {
    holdsim::commands::threads(asked)
}

/// What a run's manifest says (the CLI's `manifest.json`, less what only a command
/// line has: the command, its overrides, the files written).
fn manifest(
    s: &PyScenario,
    threads: usize,
    t: &RunTables,
    posterior: Option<&PyPosterior>,
) -> String {
    let scenario = &s.inner;
    let mut manifest = json!({
        "name": s.name,
        "holdsim_version": env!("CARGO_PKG_VERSION"),
        "holdsim_commit": holdsim::build_info::commit(),
        "scenario_file": s.path.as_ref().map(|p| p.display().to_string()),
        "replications": scenario.run.replications,
        "seed": scenario.run.seed,
        "seed_scheme": holdsim::commands::SEED_SCHEME,
        "kpi_window_days": [scenario.run.warmup_days, scenario.run.horizon_days],
        "threads": threads,
        "wall_time_seconds": t.wall_seconds,
        "patient_days": t.patient_days,
        "patient_days_per_second": t.patient_days / t.wall_seconds.max(1e-9),
        "created_utc": holdsim::output::utc_now(),
        "scenario": scenario.to_json(),
    });
    if let Some(p) = posterior {
        manifest["posterior"] = p.manifest();
    }
    manifest.to_string()
}

/// `{"summary", "replications", "timeseries": columns, "manifest": JSON text}`.
fn run_dict<'py>(
    py: Python<'py>,
    s: &PyScenario,
    threads: usize,
    t: RunTables,
    posterior: Option<&PyPosterior>,
) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("manifest", manifest(s, threads, &t, posterior))?;
    d.set_item("summary", t.summary.into_py(py)?)?;
    d.set_item("replications", t.replications.into_py(py)?)?;
    d.set_item("timeseries", t.timeseries.into_py(py)?)?;
    Ok(d)
}

/// Runs one scenario's replications (run.replications, run.seed as set on it) on
/// `threads` threads (None: every core); `progress` draws a bar on stderr. With a
/// `posterior`, replication r runs the particle drawn for (seed, r), as
/// `holdsim run --posterior`.
#[pyfunction]
#[pyo3(signature = (scenario, threads = None, progress = false, posterior = None))]
pub fn run<'py>(
    py: Python<'py>,
    scenario: &PyScenario,
    threads: Option<usize>,
    progress: bool,
    posterior: Option<PyRef<'_, PyPosterior>>,
) -> PyResult<Bound<'py, PyDict>> {
    let model = scenario.model(py)?;
    let threads = thread_count(threads).map_err(|e| to_py(py, e))?;
    let posterior = posterior.as_deref();
    let replications = scenario.inner.run.replications;
    let estimate = budget::admit(
        "this run",
        &[budget::Job::of(&scenario.inner, false)],
        threads,
        false,
    )
    .map_err(|e| to_py(py, e))?;
    let bar = RunBar::new(
        replications,
        1,
        u64::try_from(estimate.site_days).unwrap_or(u64::MAX),
        threads,
        !progress,
    );
    let drawn = posterior
        .map(|p| py.detach(|| p.drawn_for(&scenario.inner, &scenario.label())))
        .transpose()
        .map_err(|e| to_py(py, e))?;
    let simulated = Simulated {
        model: &model,
        drawn: drawn.as_ref(),
    };
    let batch = usize::try_from(estimate.batch).unwrap_or(usize::MAX);
    let tables = interruptible(py, |cancel| {
        run_tables(simulated, replications, (threads, batch), &bar, cancel)
    })?
    .map_err(|e| to_py(py, e))?;
    bar.finish();
    run_dict(py, scenario, threads, tables, posterior)
}

/// A finished arm of a comparison, as the core's comparisons read it.
struct Ran<'a> {
    name: &'a str,
    kept: &'a [[f64; KPI_COUNT]],
}

impl Arm for Ran<'_> {
    fn name(&self) -> &str {
        self.name
    }

    fn kpi_values(&self, kpi: Kpi) -> Vec<Option<f64>> {
        let defined = |x: f64| (!x.is_nan()).then_some(x);
        self.kept.iter().map(|v| defined(v[kpi as usize])).collect()
    }
}

/// Runs every scenario (the first is the baseline; replications, seed and KPI window
/// must already agree, which `holdsim.compare` sees to) and returns
/// `{"table": compare.csv's columns, "runs": [each run's dict]}`. With a `posterior`,
/// replication r of every scenario runs the same particle (`compare --posterior`).
#[pyfunction]
#[pyo3(
    name = "compare",
    signature = (scenarios, names, threads = None, progress = false, posterior = None)
)]
pub fn compare_scenarios<'py>(
    py: Python<'py>,
    scenarios: Vec<PyScenario>,
    names: Vec<String>,
    threads: Option<usize>,
    progress: bool,
    posterior: Option<PyRef<'_, PyPosterior>>,
) -> PyResult<Bound<'py, PyDict>> {
    let models = scenarios
        .iter()
        .map(|s| s.model(py))
        .collect::<PyResult<Vec<Model>>>()?;
    let posterior = posterior.as_deref();
    // A posterior that cannot run every scenario is refused before anything runs.
    let drawn = py
        .detach(|| drawn_for_each(&scenarios, &names, posterior))
        .map_err(|e| to_py(py, e))?;
    let threads = thread_count(threads).map_err(|e| to_py(py, e))?;
    let jobs: Vec<budget::Job> = scenarios
        .iter()
        .map(|s| budget::Job::of(&s.inner, false))
        .collect();
    let estimate =
        budget::admit("this comparison", &jobs, threads, false).map_err(|e| to_py(py, e))?;
    let replications = scenarios[0].inner.run.replications;
    let bar = RunBar::new(
        replications,
        scenarios.len() as u64,
        u64::try_from(estimate.site_days).unwrap_or(u64::MAX),
        threads,
        !progress,
    );
    let batch = usize::try_from(estimate.batch).unwrap_or(usize::MAX);
    let runs = interruptible(py, |cancel| {
        models
            .iter()
            .zip(&drawn)
            .map(|(model, drawn)| {
                let simulated = Simulated {
                    model,
                    drawn: drawn.as_ref(),
                };
                run_tables(simulated, replications, (threads, batch), &bar, cancel)
            })
            .collect::<anyhow::Result<Vec<RunTables>>>()
    })?
    .map_err(|e| to_py(py, e))?;
    bar.finish();
    let table = compare_table(&scenarios, &names, &runs).map_err(|e| to_py(py, e))?;
    let d = PyDict::new(py);
    d.set_item("table", table.into_py(py)?)?;
    let dicts = PyList::empty(py);
    for (s, t) in scenarios.iter().zip(runs) {
        dicts.append(run_dict(py, s, threads, t, posterior)?)?;
    }
    d.set_item("runs", dicts)?;
    Ok(d)
}

/// Each scenario's draws from `posterior` (none without one), by the CLI's own rule
/// (`Arms::drawn`): every particle must run every scenario, and no scenario may set a
/// drawn key to another value than the baseline, since the posterior would overwrite
/// the very change being compared.
fn drawn_for_each(
    scenarios: &[PyScenario],
    names: &[String],
    posterior: Option<&PyPosterior>,
) -> anyhow::Result<Vec<Option<Drawn>>> {
    let Some(posterior) = posterior else {
        return Ok(vec![None; scenarios.len()]);
    };
    let used = posterior.used();
    let inner: Vec<Scenario> = scenarios.iter().map(|s| s.inner.clone()).collect();
    let paths: Vec<PathBuf> = scenarios
        .iter()
        .zip(names)
        .map(|(s, n)| s.path.clone().unwrap_or_else(|| PathBuf::from(n)))
        .collect();
    let arms = Arms {
        scenarios: &inner,
        paths: &paths,
        names,
        posterior: Some(&used),
    };
    arms.drawn()
}

/// `compare.csv`'s rows (the CLI's `tables::compare_row`), titled as the CLI titles
/// them: the scenario's title, else its name.
fn compare_table(
    scenarios: &[PyScenario],
    names: &[String],
    runs: &[RunTables],
) -> anyhow::Result<Columns> {
    let arms: Vec<Ran> = names
        .iter()
        .zip(runs)
        .map(|(name, t)| Ran {
            name,
            kept: &t.kept,
        })
        .collect();
    let mut table = Columns::new(&tables::compare_schema());
    for row in compare::compare(&arms) {
        let i = names.iter().position(|n| *n == row.scenario).unwrap_or(0);
        let title = scenarios[i].inner.title.as_deref().unwrap_or(&names[i]);
        tables::compare_row(&mut table, &row, title)?;
    }
    Ok(table)
}
