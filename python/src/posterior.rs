//! `holdsim.Posterior`: weighted particles a run or comparison draws its parameters
//! from (`posterior=`), read by the CLI's own reader (`posterior_file::read`) or built
//! from a DataFrame's columns and checked by the core's own rules
//! (`posterior::Posterior::new`), so Python and `--posterior` refuse the same things.

use std::path::PathBuf;

use holdsim::commands::PosteriorUsed;
use holdsim::posterior::{Drawn, Posterior};
use holdsim::scenario::Scenario;
use pyo3::prelude::*;
use serde_json::json;

use crate::errors::{HoldsimError, to_py};

/// Weighted posterior particles over dotted scenario paths: `posterior.csv` as
/// `holdsim calibrate` writes it, or the same columns from a DataFrame.
#[pyclass(name = "Posterior", module = "holdsim", frozen)]
pub struct PyPosterior {
    /// What messages and the manifest call it: the file as given, or `"a DataFrame"`.
    #[pyo3(get)]
    pub source: String,
    pub inner: Posterior,
}

#[pymethods]
impl PyPosterior {
    /// Reads a `posterior.csv` (a `particle` column, one column per dotted path and
    /// `weight` summing to 1), checked cell by cell as `--posterior` checks it.
    /// Raises `HoldsimError` naming the file and line.
    #[staticmethod]
    fn read(py: Python<'_>, path: PathBuf) -> PyResult<PyPosterior> {
        let read = py.detach(|| PosteriorUsed::read(&path));
        let used = read.map_err(|e| to_py(py, e))?;
        Ok(PyPosterior {
            source: used.source,
            inner: used.posterior,
        })
    }

    /// Particles from columns: `paths` (dotted scenario paths), one row of values
    /// per particle in `paths` order, and a weight per particle (normalised here, so
    /// they need not sum to 1). `source` names it in messages. Raises `HoldsimError`
    /// for a repeated path, a value that is not finite or a negative weight, naming
    /// the particle (its row, from 0).
    #[staticmethod]
    #[pyo3(signature = (paths, values, weights, source = "a DataFrame".to_string()))]
    fn from_columns(
        paths: Vec<String>,
        values: Vec<Vec<f64>>,
        weights: Vec<f64>,
        source: String,
    ) -> PyResult<PyPosterior> {
        let inner = Posterior::new(paths, values, weights)
            .map_err(|e| HoldsimError::new_err(format!("the posterior `{source}`: {e}")))?;
        Ok(PyPosterior { source, inner })
    }

    /// The dotted scenario paths the particles set, in column order.
    #[getter]
    fn paths(&self) -> Vec<String> {
        self.inner.paths().to_vec()
    }

    /// The particles' weights, normalised to sum to 1.
    #[getter]
    fn weights(&self) -> Vec<f64> {
        self.inner.weights().to_vec()
    }

    /// Particle `particle`'s values, in `paths` order.
    fn values(&self, particle: usize) -> PyResult<Vec<f64>> {
        if particle >= self.inner.len() {
            return Err(pyo3::exceptions::PyIndexError::new_err(format!(
                "particle {particle} of a posterior of {} particles",
                self.inner.len()
            )));
        }
        Ok(self.inner.values(particle).to_vec())
    }

    /// The particle replication `replication` runs with under seed `seed`: drawn by
    /// weight from (seed, replication) only, the same in every scenario.
    fn particle_for(&self, seed: u64, replication: u64) -> usize {
        self.inner.particle_for(seed, replication)
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }

    fn __repr__(&self) -> String {
        format!(
            "<holdsim.Posterior {}: {} particles over {}>",
            self.source,
            self.inner.len(),
            self.inner.paths().join(", ")
        )
    }
}

impl PyPosterior {
    /// The CLI's view of this posterior (what `--posterior` would have read).
    pub fn used(&self) -> PosteriorUsed {
        PosteriorUsed {
            source: self.source.clone(),
            posterior: self.inner.clone(),
        }
    }

    /// `scenario`'s draws, every particle checked against it first (as
    /// `--posterior`): `name` labels the scenario in the error.
    pub fn drawn_for(&self, scenario: &Scenario, name: &str) -> anyhow::Result<Drawn> {
        self.used().drawn_for(scenario, name)
    }

    /// The manifest's `posterior` entry, with the CLI's keys.
    pub fn manifest(&self) -> serde_json::Value {
        json!({
            "file": self.source,
            "particles": self.inner.len(),
            "parameters": self.inner.paths(),
            "draw": "replication r runs the particle drawn by weight from a stream keyed by (seed, r), the same in every scenario; replications.csv's `particle` column names it",
        })
    }
}
