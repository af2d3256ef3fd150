//! `holdsim.sweep` and `holdsim.sensitivity`: the CLI's commands themselves
//! (`holdsim::commands::sweep` / `sensitivity`), called with the arguments the command
//! line would give, so their folders are the CLI's. They write to disk and are
//! resumable there; the Python side reads their tables back.
//!
//! Ctrl-C stops them between chunks of points (the folder stays resumable: a rerun
//! carries on), and they print nothing unless a progress bar is asked for.

use std::path::PathBuf;

use holdsim::cli::SweepArgs;
use holdsim::commands::Session;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::errors::to_py;
use crate::interrupt::interruptible;

/// Runs `holdsim sweep` or `holdsim sensitivity` (`command`) on `experiment` into `out`.
/// One argument per flag of the command line, as Python passes them.
#[allow(clippy::too_many_arguments)]
#[pyfunction]
#[pyo3(signature = (command, experiment, out, threads = None, force = false, overrides = Vec::new(), progress = false))]
pub fn experiment(
    py: Python<'_>,
    command: &str,
    experiment: PathBuf,
    out: PathBuf,
    threads: Option<usize>,
    force: bool,
    overrides: Vec<String>,
    progress: bool,
) -> PyResult<()> {
    type Command = fn(&SweepArgs, Session<'_>) -> anyhow::Result<()>;
    let run: Command = match command {
        "sweep" => holdsim::commands::sweep_in,
        "sensitivity" => holdsim::commands::sensitivity_in,
        other => {
            return Err(PyValueError::new_err(format!(
                "unknown command `{other}`; expected `sweep` or `sensitivity`"
            )));
        }
    };
    let args = SweepArgs {
        experiment,
        out: Some(out),
        threads,
        force,
        overrides,
        shard: None,
        quiet: !progress,
    };
    interruptible(py, |stop| {
        let session = Session {
            force,
            quiet: !progress,
            silent: !progress,
            stop: Some(stop),
        };
        run(&args, session)
    })?
    .map_err(|e| to_py(py, e))
}
