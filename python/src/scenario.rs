//! `holdsim.Scenario`: a loaded, checked scenario, read and changed by the dotted
//! paths of `--set`. Loading goes through the CLI's loader (`holdsim::scenario::load`,
//! `load_str`), so problems name the same file, line and key.

use std::path::PathBuf;

use holdsim::model::Model;
use holdsim::scenario::{self, Number, Problem, Scenario};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyFloat, PyInt};

use crate::errors::{key_error, scenario_error};

/// A holdsim scenario: every parameter resolved, checked like `holdsim check` does.
///
/// Make one with `Scenario.load(path)` or `Scenario.from_toml(text)`; read and change
/// parameters with `get` / `set` and the dotted paths of `--set`
/// (`workforce.link_workers`, `profile.waiting.holding_hours_mean`, ...).
#[pyclass(name = "Scenario", module = "holdsim", from_py_object)]
#[derive(Clone)]
pub struct PyScenario {
    pub inner: Scenario,
    /// What problems and results call this scenario: its file stem or given name.
    #[pyo3(get)]
    pub name: String,
    /// The file it was loaded from, if any.
    pub path: Option<PathBuf>,
}

#[pymethods]
impl PyScenario {
    /// Loads a scenario file (and its `base` chain) with optional `--set` style
    /// overrides (`["workforce.link_workers=6"]`). Raises `ScenarioError`.
    #[staticmethod]
    #[pyo3(signature = (path, overrides = Vec::new()))]
    fn load(py: Python<'_>, path: PathBuf, overrides: Vec<String>) -> PyResult<PyScenario> {
        let loaded = py.detach(|| holdsim::scenario::load(&path, &overrides));
        let inner = loaded.map_err(|e| scenario_error(py, &e.problems))?;
        let name = path
            .file_stem()
            .map_or_else(|| "scenario".into(), |s| s.to_string_lossy().into_owned());
        Ok(PyScenario {
            inner,
            name,
            path: Some(path),
        })
    }

    /// A scenario from TOML text (no `base = ...`: there is no file to resolve it
    /// against). `name` labels problems and results (default `"scenario"`).
    #[staticmethod]
    #[pyo3(signature = (text, name = None, overrides = Vec::new()))]
    fn from_toml(
        py: Python<'_>,
        text: &str,
        name: Option<String>,
        overrides: Vec<String>,
    ) -> PyResult<PyScenario> {
        let name = name.unwrap_or_else(|| "scenario".into());
        let inner = scenario::load_str(&name, text, &overrides)
            .map_err(|e| scenario_error(py, &e.problems))?;
        Ok(PyScenario {
            inner,
            name,
            path: None,
        })
    }

    /// Sets one parameter by dotted path (as `--set path=value`), checking its type
    /// and range; rules between keys are checked by `check()` and before a run.
    fn set(&mut self, py: Python<'_>, path: &str, value: &Bound<'_, PyAny>) -> PyResult<()> {
        let number = to_number(value)?;
        self.inner
            .set_path(path, number)
            .map_err(|e| key_error(py, "set", path, e.to_string()))
    }

    /// One parameter by dotted path: an `int` or a `float`.
    fn get<'py>(&self, py: Python<'py>, path: &str) -> PyResult<Bound<'py, PyAny>> {
        match self.inner.get_path(path) {
            Ok(Number::Int(i)) => Ok(i.into_pyobject(py)?.into_any()),
            Ok(Number::Float(x)) => Ok(x.into_pyobject(py)?.into_any()),
            Err(e) => Err(key_error(py, "get", path, e.to_string())),
        }
    }

    /// The resolved scenario as TOML, every key present, units as comments.
    fn to_toml(&self) -> String {
        self.inner.to_toml()
    }

    /// Raises `ScenarioError` if the scenario cannot run (the rules between keys and
    /// the model's limits, as `holdsim check`), else returns None.
    fn check(&self, py: Python<'_>) -> PyResult<()> {
        let problems = self.problems();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(scenario_error(py, &problems))
        }
    }

    /// The scenario's title, if it has one.
    #[getter]
    fn title(&self) -> Option<String> {
        self.inner.title.clone()
    }

    /// An independent copy (`set` on it leaves this one as it is).
    fn copy(&self) -> PyScenario {
        self.clone()
    }

    fn __copy__(&self) -> PyScenario {
        self.clone()
    }

    fn __deepcopy__(&self, _memo: &Bound<'_, PyAny>) -> PyScenario {
        self.clone()
    }

    fn __repr__(&self) -> String {
        let r = &self.inner.run;
        format!(
            "<holdsim.Scenario {:?}: {} sites, {} days, {} replications, seed {}>",
            self.name, r.sites, r.horizon_days, r.replications, r.seed
        )
    }
}

impl PyScenario {
    /// What keeps this scenario from running, each naming the key (and the file the
    /// scenario came from).
    pub fn problems(&self) -> Vec<Problem> {
        self.inner
            .validate()
            .into_iter()
            .map(|(key, message)| Problem {
                source: self.label(),
                line: None,
                key: Some(key),
                message,
            })
            .collect()
    }

    /// The file it came from, else its name: what problems name as their source.
    pub fn label(&self) -> String {
        self.path
            .as_ref()
            .map_or_else(|| self.name.clone(), |p| p.display().to_string())
    }

    /// The model of this scenario, or its problems as `ScenarioError`.
    pub fn model(&self, py: Python<'_>) -> PyResult<Model> {
        Model::try_new(&self.inner).map_err(|_| scenario_error(py, &self.problems()))
    }
}

/// A Python int or float (numpy's too) as a scenario number; anything else (bools included: a
/// `True` is never meant as 1) is a `TypeError`.
pub fn to_number(value: &Bound<'_, PyAny>) -> PyResult<Number> {
    if value.is_instance_of::<PyBool>() {
        Err(PyTypeError::new_err(
            "expected an int or a float, got a bool",
        ))
    } else if value.is_instance_of::<PyInt>() || value.hasattr("__index__")? {
        Ok(Number::Int(value.extract()?))
    } else if value.is_instance_of::<PyFloat>() || value.hasattr("__float__")? {
        Ok(Number::Float(value.extract()?))
    } else {
        Err(PyTypeError::new_err(format!(
            "expected an int or a float, got {}",
            value.get_type().name()?
        )))
    }
}
