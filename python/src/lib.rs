//! `holdsim._native`: the Python binding's compiled half. It calls the same core
//! (`holdsim_core`, through the `holdsim` I/O crate's re-exports) and the same table
//! code (`holdsim::output::tables`) as the CLI, so a run from Python gives the CLI's
//! numbers bit for bit. It hands Python plain columns (raw `f64`/`i64` bytes, lists of
//! text); `holdsim/__init__.py` turns them into pandas frames, so this crate needs no
//! numpy or pandas headers.

mod columns;
mod errors;
mod interrupt;
mod posterior;
mod run;
mod scenario;
mod simulate;
mod sweep;

use pyo3::prelude::*;

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("HoldsimError", py.get_type::<errors::HoldsimError>())?;
    m.add("ScenarioError", py.get_type::<errors::ScenarioError>())?;
    m.add_class::<scenario::PyScenario>()?;
    m.add_class::<posterior::PyPosterior>()?;
    m.add_function(wrap_pyfunction!(run::run, m)?)?;
    m.add_function(wrap_pyfunction!(run::compare_scenarios, m)?)?;
    m.add_function(wrap_pyfunction!(simulate::simulate, m)?)?;
    m.add_function(wrap_pyfunction!(simulate::simulate_many, m)?)?;
    m.add_function(wrap_pyfunction!(simulate::kpi_names, m)?)?;
    m.add_function(wrap_pyfunction!(sweep::experiment, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
