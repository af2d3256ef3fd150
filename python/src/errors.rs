//! Python exceptions for holdsim's errors: a scenario's problems become
//! `ScenarioError` with `.problems` (the fields the web app's API returns for the
//! same problems), a cancelled run `KeyboardInterrupt`, anything else `HoldsimError`
//! with the CLI's message. Never a panic across the boundary.

use holdsim::runner::Stopped;
use holdsim::scenario::{Problem, ScenarioError as CoreScenarioError};
use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyKeyboardInterrupt};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

create_exception!(
    holdsim,
    HoldsimError,
    PyException,
    "An error from holdsim (the CLI would have printed it and exited non-zero)."
);
create_exception!(
    holdsim,
    ScenarioError,
    HoldsimError,
    "An invalid scenario; `.problems` lists each problem as a dict with `file`, `line`, `key` and `message`."
);

/// `ScenarioError` carrying `problems` as a list of dicts.
pub fn scenario_error(py: Python<'_>, problems: &[Problem]) -> PyErr {
    let message = CoreScenarioError {
        problems: problems.to_vec(),
    }
    .to_string();
    let err = ScenarioError::new_err(message);
    let listed = problems_list(py, problems);
    if let Ok(list) = listed {
        // Setting an attribute on a fresh exception instance cannot fail in practice;
        // if it did, the message still names every problem.
        let _ = err.value(py).setattr("problems", list);
    }
    err
}

fn problems_list<'py>(py: Python<'py>, problems: &[Problem]) -> PyResult<Bound<'py, PyList>> {
    let list = PyList::empty(py);
    for p in problems {
        let d = PyDict::new(py);
        d.set_item("file", &p.source)?;
        d.set_item("line", p.line)?;
        d.set_item("key", p.key.as_deref())?;
        d.set_item("message", &p.message)?;
        list.append(d)?;
    }
    Ok(list)
}

/// One problem about `key` (from `source`, e.g. `set`), as a `ScenarioError`.
pub fn key_error(py: Python<'_>, source: &str, key: &str, message: String) -> PyErr {
    scenario_error(
        py,
        &[Problem {
            source: source.to_string(),
            line: None,
            key: Some(key.to_string()),
            message,
        }],
    )
}

/// The Python exception for an error of the I/O layer or the core.
pub fn to_py(py: Python<'_>, e: anyhow::Error) -> PyErr {
    if let Some(s) = e.downcast_ref::<CoreScenarioError>() {
        return scenario_error(py, &s.problems);
    }
    if let Some(Stopped::Cancelled) = e.downcast_ref::<Stopped>() {
        return PyKeyboardInterrupt::new_err("the holdsim run was interrupted");
    }
    HoldsimError::new_err(format!("{e:#}"))
}
