//! `holdsim.sweep` and `holdsim.sensitivity`: the CLI's commands themselves
//! (`holdsim::commands::sweep` / `sensitivity`), called with the arguments the command
//! line would give, so their folders are the CLI's. They write to disk and are
//! resumable there; the Python side reads their tables back.

use std::path::PathBuf;

use holdsim::cli::SweepArgs;
use pyo3::prelude::*;

use crate::errors::to_py;
use crate::interrupt::interruptible;

fn sweep_args(
    experiment: PathBuf,
    out: Option<PathBuf>,
    threads: Option<usize>,
    force: bool,
    overrides: Vec<String>,
    progress: bool,
) -> SweepArgs {
    SweepArgs {
        experiment,
        out,
        threads,
        force,
        overrides,
        shard: None,
        quiet: !progress,
    }
}

/// Runs `holdsim sweep EXPERIMENT` into `out` (default `results/<stem>`).
#[pyfunction]
#[pyo3(signature = (experiment, out = None, threads = None, force = false, overrides = Vec::new(), progress = false))]
pub fn sweep(
    py: Python<'_>,
    experiment: PathBuf,
    out: Option<PathBuf>,
    threads: Option<usize>,
    force: bool,
    overrides: Vec<String>,
    progress: bool,
) -> PyResult<()> {
    let args = sweep_args(experiment, out, threads, force, overrides, progress);
    interruptible(py, |_| holdsim::commands::sweep(&args))?.map_err(|e| to_py(py, e))
}

/// Runs `holdsim sensitivity EXPERIMENT` into `out` (default `results/<stem>`).
#[pyfunction]
#[pyo3(signature = (experiment, out = None, threads = None, force = false, overrides = Vec::new(), progress = false))]
pub fn sensitivity(
    py: Python<'_>,
    experiment: PathBuf,
    out: Option<PathBuf>,
    threads: Option<usize>,
    force: bool,
    overrides: Vec<String>,
    progress: bool,
) -> PyResult<()> {
    let args = sweep_args(experiment, out, threads, force, overrides, progress);
    interruptible(py, |_| holdsim::commands::sensitivity(&args))?.map_err(|e| to_py(py, e))
}
