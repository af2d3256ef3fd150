//! `holdsim.simulate` and `holdsim.simulate_many`: KPI means at parameter points, the
//! fast path for calibrators and sensitivity libraries that call a simulator 10⁴–10⁶
//! times. No tables are built: each replication is simulated and its KPIs computed
//! exactly as `holdsim run` does (`engine::run_replication_with`, `kpi::compute`, the
//! same seeds), and only each point's KPI means (`summary.csv`'s `mean`) come back.
//! Every (point, replication) pair is one task on the rayon pool, so a batch of
//! points with few replications each still uses every core.

use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

use holdsim::engine::{self, Control, Options, Workspace};
use holdsim::kpi::{self, ALL_KPIS, KPI_COUNT};
use holdsim::model::Model;
use holdsim::runner::Stopped;
use holdsim::scenario::{Number, Problem};
use holdsim::stats::Summary;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};
use rayon::ThreadPool;
use rayon::prelude::*;

use crate::columns::ne_bytes;
use crate::errors::{scenario_error, to_py};
use crate::interrupt::interruptible_on;
use crate::run::thread_count;
use crate::scenario::{PyScenario, to_number};

/// The KPI names, in the order of `simulate_many`'s columns and the CLI's tables.
#[pyfunction]
pub fn kpi_names() -> Vec<&'static str> {
    ALL_KPIS.iter().map(|k| k.name()).collect()
}

/// KPI means over `replications` replications (seed `seed`) of `scenario` with
/// `params` (dotted path → number) set: `{kpi: mean}`, NaN where a KPI is undefined
/// in every replication.
#[pyfunction]
#[pyo3(signature = (scenario, params, replications, seed, threads = None))]
pub fn simulate<'py>(
    py: Python<'py>,
    scenario: &PyScenario,
    params: &Bound<'py, PyDict>,
    replications: u32,
    seed: u64,
    threads: Option<usize>,
) -> PyResult<Bound<'py, PyDict>> {
    let mut names = Vec::with_capacity(params.len());
    let mut row = Vec::with_capacity(params.len());
    for (k, v) in params.iter() {
        names.push(k.extract::<String>()?);
        row.push(to_number(&v)?);
    }
    let model = point_model(py, scenario, &names, &row, (replications, seed), None)?;
    let means = kpi_means(py, vec![model], replications, threads)?;
    let out = PyDict::new(py);
    for (k, m) in ALL_KPIS.iter().zip(&means[0]) {
        out.set_item(k.name(), *m)?;
    }
    Ok(out)
}

/// KPI means at each point: `rows[i][j]` is the value of `names[j]` at point `i`.
/// Returns the means as float64 bytes, point by point, KPIs in `kpi_names()` order.
#[pyfunction]
#[pyo3(signature = (scenario, names, rows, replications, seed, threads = None))]
pub fn simulate_many<'py>(
    py: Python<'py>,
    scenario: &PyScenario,
    names: Vec<String>,
    rows: Vec<Vec<Bound<'py, PyAny>>>,
    replications: u32,
    seed: u64,
    threads: Option<usize>,
) -> PyResult<Bound<'py, PyBytes>> {
    let mut models = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        let numbers = row.iter().map(to_number).collect::<PyResult<Vec<_>>>()?;
        models.push(point_model(
            py,
            scenario,
            &names,
            &numbers,
            (replications, seed),
            Some(i),
        )?);
    }
    let means = kpi_means(py, models, replications, threads)?;
    let flat: Vec<f64> = means.iter().flatten().copied().collect();
    let bytes = ne_bytes(&flat, f64::to_ne_bytes);
    Ok(PyBytes::new(py, &bytes))
}

/// The model of `scenario` with `names` set to `values` and the run's replications and
/// seed; problems name the point (`point 3`) when there are several.
fn point_model(
    py: Python<'_>,
    scenario: &PyScenario,
    names: &[String],
    values: &[Number],
    (replications, seed): (u32, u64),
    point: Option<usize>,
) -> PyResult<Model> {
    let source = point.map_or_else(|| "params".to_string(), |i| format!("point {i}"));
    let mut s = scenario.inner.clone();
    let mut problems = Vec::new();
    let run = [
        (
            "run.replications".to_string(),
            Number::Int(i64::from(replications)),
        ),
        (
            "run.seed".to_string(),
            Number::Int(i64::try_from(seed).unwrap_or(i64::MAX)),
        ),
    ];
    let given = names.iter().cloned().zip(values.iter().copied());
    for (path, value) in run.into_iter().chain(given) {
        if let Err(e) = set_number(&mut s, &path, value) {
            problems.push(Problem {
                source: source.clone(),
                line: None,
                key: Some(path),
                message: e.to_string(),
            });
        }
    }
    if problems.is_empty() {
        match Model::try_new(&s) {
            Ok(m) => return Ok(m),
            Err(e) => problems.extend(e.problems.into_iter().map(|p| Problem {
                source: source.clone(),
                ..p
            })),
        }
    }
    Err(scenario_error(py, &problems))
}

/// Sets `path`, taking a whole float (as samplers and data frames give) for an
/// integer parameter.
fn set_number(
    s: &mut holdsim::scenario::Scenario,
    path: &str,
    value: Number,
) -> Result<(), holdsim::scenario::PathError> {
    match (s.set_path(path, value), value) {
        (Err(_), Number::Float(x)) if x.fract() == 0.0 && x.abs() < 9.0e15 => {
            s.set_path(path, Number::Int(x as i64))
        }
        (result, _) => result,
    }
}

/// Each model's KPI means over its replications, every (model, replication) pair a
/// task on `threads` threads (None: every core), with the GIL released and Ctrl-C
/// stopping the work.
fn kpi_means(
    py: Python<'_>,
    models: Vec<Model>,
    replications: u32,
    threads: Option<usize>,
) -> PyResult<Vec<[f64; KPI_COUNT]>> {
    let pool = match threads {
        None => global_pool(),
        Some(_) => pool_of(thread_count(threads).map_err(|e| to_py(py, e))?),
    }
    .map_err(|e| to_py(py, e))?;
    let models = Arc::new(models);
    let shared = Arc::clone(&models);
    let values = interruptible_on(py, &pool, move |cancel| {
        all_replications(&shared, replications, cancel)
    })?
    .map_err(|e| to_py(py, e.into()))?;
    let reps = replications as usize;
    Ok((0..models.len())
        .map(|m| {
            let mut means = [f64::NAN; KPI_COUNT];
            for (k, mean) in means.iter_mut().enumerate() {
                let of_point = values[m * reps..(m + 1) * reps].iter().map(|v| Some(v[k]));
                *mean = Summary::of(of_point).map_or(f64::NAN, |s| s.mean);
            }
            means
        })
        .collect())
}

/// The pool for "every core" (as many threads as rayon's default), kept like the
/// others.
fn global_pool() -> anyhow::Result<Arc<ThreadPool>> {
    static GLOBAL: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    let threads = *GLOBAL.get_or_init(rayon::current_num_threads);
    pool_of(threads)
}

/// A rayon pool of `threads` threads, made once per thread count and kept: starting
/// threads on every call would cost more than the rest of a fast call's overhead.
fn pool_of(threads: usize) -> anyhow::Result<Arc<ThreadPool>> {
    static POOLS: Mutex<Vec<(usize, Arc<ThreadPool>)>> = Mutex::new(Vec::new());
    let mut pools = POOLS.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, pool)) = pools.iter().find(|(n, _)| *n == threads) {
        return Ok(Arc::clone(pool));
    }
    let pool = Arc::new(
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()?,
    );
    pools.push((threads, Arc::clone(&pool)));
    Ok(pool)
}

/// Every replication of every model, in (model, replication) order, each as its KPI
/// values (NaN where undefined), on the current rayon pool.
fn all_replications(
    models: &[Model],
    replications: u32,
    cancel: &AtomicBool,
) -> Result<Vec<[f64; KPI_COUNT]>, Stopped> {
    let control = Control {
        progress: &engine::no_progress,
        cancel: Some(cancel),
    };
    let options = Options::default();
    // Workspaces outlive calls (as a worker's does in `runner`): a fast call
    // would otherwise spend much of its time allocating and first touching the
    // engine's buffers. At most one per thread that ever ran a replication is kept;
    // which one a replication gets does not change its result.
    static SPARE: Mutex<Vec<Workspace>> = Mutex::new(Vec::new());
    let spare = &SPARE;
    let reps = u64::from(replications);
    let total = models.len() as u64 * reps;
    (0..total)
        .into_par_iter()
        .map(|task| {
            let model = &models[(task / reps) as usize];
            let mut workspace = spare
                .lock()
                .ok()
                .and_then(|mut s| s.pop())
                .unwrap_or_default();
            let replication =
                engine::run_replication_with(&mut workspace, model, task % reps, &options, control);
            if let Ok(mut s) = spare.lock() {
                s.push(workspace);
            }
            let replication = replication.ok_or(Stopped::Cancelled)?;
            let kpis = kpi::compute(model, &replication);
            Ok(kpis.0.map(|k| k.unwrap_or(f64::NAN)))
        })
        .collect()
}
