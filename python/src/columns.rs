//! A table as columns: a [`TableSink`] that keeps the cells the CLI's table code
//! hands it (`holdsim::output::tables`) instead of formatting them, so Python gets the
//! CLI's columns, in the CLI's order, with the very values the CLI prints.
//!
//! Numbers cross to Python as raw native-endian bytes (`numpy.frombuffer` reads them
//! without a copy per value); an undefined number (an empty CSV field) is NaN.

use holdsim::output::table::{Cell, ColumnKind, Schema, TableSink};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList};

enum Data {
    Int(Vec<i64>),
    Float(Vec<f64>),
    Text(Vec<String>),
}

/// One table being filled row by row.
pub struct Columns {
    names: Vec<String>,
    data: Vec<Data>,
}

impl Columns {
    pub fn new(schema: &Schema) -> Columns {
        Columns {
            names: schema.names().map(str::to_string).collect(),
            data: schema
                .columns
                .iter()
                .map(|c| match c.kind {
                    ColumnKind::Int => Data::Int(Vec::new()),
                    ColumnKind::Float => Data::Float(Vec::new()),
                    ColumnKind::Text => Data::Text(Vec::new()),
                })
                .collect(),
        }
    }

    /// The table for Python: a list of `(name, kind, data)` where kind is `"i8"`
    /// (bytes of int64), `"f8"` (bytes of float64) or `"str"` (a list of str).
    pub fn into_py<'py>(self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let list = PyList::empty(py);
        for (name, data) in self.names.into_iter().zip(self.data) {
            let (kind, payload) = match data {
                Data::Int(v) => (
                    "i8",
                    PyBytes::new(py, &ne_bytes(&v, i64::to_ne_bytes)).into_any(),
                ),
                Data::Float(v) => (
                    "f8",
                    PyBytes::new(py, &ne_bytes(&v, f64::to_ne_bytes)).into_any(),
                ),
                Data::Text(v) => ("str", PyList::new(py, v)?.into_any()),
            };
            list.append((name, kind, payload))?;
        }
        Ok(list)
    }
}

/// The values' bytes in the machine's order, as `numpy.frombuffer` reads them.
pub fn ne_bytes<T: Copy, const N: usize>(values: &[T], to_bytes: fn(T) -> [u8; N]) -> Vec<u8> {
    values.iter().flat_map(|&x| to_bytes(x)).collect()
}

impl TableSink for Columns {
    fn row(&mut self, cells: &[Cell<'_>]) -> anyhow::Result<()> {
        anyhow::ensure!(
            cells.len() == self.data.len(),
            "a row of {} cells for a table of {} columns",
            cells.len(),
            self.data.len()
        );
        for (column, cell) in self.data.iter_mut().zip(cells) {
            match (column, *cell) {
                (Data::Int(v), Cell::Int(i)) => v.push(i),
                (Data::Float(v), Cell::Float(x)) => v.push(x.unwrap_or(f64::NAN)),
                (Data::Float(v), Cell::Int(i)) => v.push(i as f64),
                (Data::Float(v), Cell::Setting(n)) => v.push(n.as_f64()),
                (Data::Text(v), Cell::Text(t)) => v.push(t.to_string()),
                (Data::Text(v), other) => {
                    let mut text = Vec::new();
                    other.write_text(&mut text);
                    v.push(String::from_utf8_lossy(&text).into_owned());
                }
                (_, other) => anyhow::bail!("a {other:?} cell in a numeric column"),
            }
        }
        Ok(())
    }

    fn finish(self: Box<Self>) -> anyhow::Result<()> {
        Ok(())
    }
}
