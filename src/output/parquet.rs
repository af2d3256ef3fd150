//! Parquet tables, for pandas, polars and R (arrow) to read directly: the [`Parquet`]
//! format of the table layer ([`super::table`]), written from typed rows with the
//! parquet crate's low-level writer (no Arrow dependency). Rows are buffered one row
//! group at a time, so memory stays bounded whatever the table's size.
//!
//! Every column is nullable (an empty cell is a null); `created_by` names holdsim, so
//! the same rows always give the same bytes.
//!
//! [`Parquet`]: super::table::Parquet

use std::io::Write;
use std::sync::Arc;

use anyhow::{Context, bail};
use parquet::data_type::{ByteArray, ByteArrayType, DoubleType, Int64Type};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::parser::parse_message_type;

use super::table::{Cell, ColumnKind, Schema, TableSink};
use crate::scenario::Number;

/// Rows per row group.
const ROW_GROUP: usize = 65_536;

/// One column's values for the row group being filled: the present values and a
/// definition level per row (1 present, 0 null).
enum ColumnBuffer {
    Int(Vec<i64>, Vec<i16>),
    Double(Vec<f64>, Vec<i16>),
    Utf8(Vec<ByteArray>, Vec<i16>),
}

impl ColumnBuffer {
    fn of(kind: ColumnKind) -> ColumnBuffer {
        match kind {
            ColumnKind::Int => ColumnBuffer::Int(Vec::new(), Vec::new()),
            ColumnKind::Float => ColumnBuffer::Double(Vec::new(), Vec::new()),
            ColumnKind::Text => ColumnBuffer::Utf8(Vec::new(), Vec::new()),
        }
    }

    /// Adds one row's cell; `Err` with what the column expected when the cell does
    /// not fit it.
    fn push(&mut self, cell: &Cell<'_>) -> Result<(), &'static str> {
        let null = matches!(cell, Cell::Text("") | Cell::Float(None))
            || matches!(cell, Cell::Float(Some(x)) if !x.is_finite());
        let defs = match self {
            ColumnBuffer::Int(_, d) | ColumnBuffer::Double(_, d) | ColumnBuffer::Utf8(_, d) => d,
        };
        defs.push(i16::from(!null));
        if null {
            return Ok(());
        }
        match (self, *cell) {
            (ColumnBuffer::Int(v, _), Cell::Int(i) | Cell::Setting(Number::Int(i))) => v.push(i),
            (
                ColumnBuffer::Double(v, _),
                Cell::Float(Some(x)) | Cell::Setting(Number::Float(x)),
            ) => {
                v.push(x);
            }
            (ColumnBuffer::Double(v, _), Cell::Int(i) | Cell::Setting(Number::Int(i))) => {
                v.push(i as f64);
            }
            (ColumnBuffer::Utf8(v, _), Cell::Text(t)) => {
                v.push(ByteArray::from(t.as_bytes().to_vec()));
            }
            (ColumnBuffer::Int(..), _) => return Err("an integer"),
            (ColumnBuffer::Double(..), _) => return Err("a number"),
            (ColumnBuffer::Utf8(..), _) => return Err("text"),
        }
        Ok(())
    }
}

/// A Parquet table being written to `W`.
pub struct ParquetWriter<W: Write + Send> {
    writer: SerializedFileWriter<W>,
    names: Vec<String>,
    columns: Vec<ColumnBuffer>,
    rows: usize,
}

impl<W: Write + Send> ParquetWriter<W> {
    /// Starts a table of `schema` on `out`.
    pub fn begin(schema: &Schema, out: W) -> anyhow::Result<ParquetWriter<W>> {
        let fields: Vec<String> = schema
            .columns
            .iter()
            .map(|c| match c.kind {
                ColumnKind::Int => format!("optional int64 {};", c.name),
                ColumnKind::Float => format!("optional double {};", c.name),
                ColumnKind::Text => format!("optional binary {} (UTF8);", c.name),
            })
            .collect();
        let message = Arc::new(parse_message_type(&format!(
            "message holdsim {{ {} }}",
            fields.join(" ")
        ))?);
        let props = Arc::new(
            WriterProperties::builder()
                .set_created_by(format!("holdsim {}", env!("CARGO_PKG_VERSION")))
                .build(),
        );
        Ok(ParquetWriter {
            writer: SerializedFileWriter::new(out, message, props)?,
            names: schema.names().map(str::to_string).collect(),
            columns: schema
                .columns
                .iter()
                .map(|c| ColumnBuffer::of(c.kind))
                .collect(),
            rows: 0,
        })
    }

    /// Writes the buffered rows as one row group.
    fn flush_group(&mut self) -> anyhow::Result<()> {
        if self.rows == 0 {
            return Ok(());
        }
        let mut group = self.writer.next_row_group()?;
        for buffer in &mut self.columns {
            let mut column = group.next_column()?.context("schema and data disagree")?;
            match buffer {
                ColumnBuffer::Int(values, defs) => {
                    column
                        .typed::<Int64Type>()
                        .write_batch(values, Some(defs), None)?;
                    values.clear();
                    defs.clear();
                }
                ColumnBuffer::Double(values, defs) => {
                    column
                        .typed::<DoubleType>()
                        .write_batch(values, Some(defs), None)?;
                    values.clear();
                    defs.clear();
                }
                ColumnBuffer::Utf8(values, defs) => {
                    column
                        .typed::<ByteArrayType>()
                        .write_batch(values, Some(defs), None)?;
                    values.clear();
                    defs.clear();
                }
            }
            column.close()?;
        }
        group.close()?;
        self.rows = 0;
        Ok(())
    }
}

impl<W: Write + Send> TableSink for ParquetWriter<W> {
    fn row(&mut self, cells: &[Cell<'_>]) -> anyhow::Result<()> {
        if cells.len() != self.columns.len() {
            bail!(
                "a row of {} cells for a table of {} columns",
                cells.len(),
                self.columns.len()
            );
        }
        for ((buffer, cell), name) in self.columns.iter_mut().zip(cells).zip(&self.names) {
            if let Err(expected) = buffer.push(cell) {
                bail!("column `{name}` holds {expected}, not {cell:?}");
            }
        }
        self.rows += 1;
        if self.rows == ROW_GROUP {
            self.flush_group()?;
        }
        Ok(())
    }

    fn finish(mut self: Box<Self>) -> anyhow::Result<()> {
        self.flush_group()?;
        self.writer.close()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::table::{Column, Format, Parquet};
    use super::*;
    use parquet::file::reader::{FileReader, SerializedFileReader};

    fn schema() -> Schema {
        Schema::new(vec![
            Column::new("point", ColumnKind::Int),
            Column::new("kpi", ColumnKind::Text),
            Column::new("mean", ColumnKind::Float),
        ])
    }

    fn rows(sink: &mut dyn TableSink) -> anyhow::Result<()> {
        sink.row(&[Cell::Int(0), Cell::Text("exits"), Cell::Float(Some(0.25))])?;
        sink.row(&[Cell::Int(1), Cell::Text("exits"), Cell::Float(None)])?;
        sink.row(&[Cell::Int(2), Cell::Text("a,b"), Cell::Float(Some(1e-3))])?;
        sink.row(&[Cell::Int(3), Cell::Text(""), Cell::Float(Some(f64::NAN))])
    }

    #[test]
    fn parquet_round_trips_through_the_reader() {
        let bytes = Parquet.bytes(&schema(), &mut rows).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.parquet");
        std::fs::write(&path, &bytes).unwrap();
        let reader = SerializedFileReader::new(std::fs::File::open(&path).unwrap()).unwrap();
        assert_eq!(reader.metadata().file_metadata().num_rows(), 4);
        let rows_read: Vec<String> = reader
            .get_row_iter(None)
            .unwrap()
            .map(|r| r.unwrap().to_string())
            .collect();
        assert_eq!(rows_read[0], "{point: 0, kpi: \"exits\", mean: 0.25}");
        assert_eq!(rows_read[1], "{point: 1, kpi: \"exits\", mean: null}");
        assert_eq!(rows_read[2], "{point: 2, kpi: \"a,b\", mean: 0.001}");
        assert_eq!(rows_read[3], "{point: 3, kpi: null, mean: null}");
        // Same rows, same bytes.
        assert_eq!(Parquet.bytes(&schema(), &mut rows).unwrap(), bytes);
    }

    #[test]
    fn a_cell_that_does_not_fit_its_column_is_refused() {
        let err = Parquet
            .bytes(&schema(), &mut |sink| {
                sink.row(&[Cell::Text("x"), Cell::Text("k"), Cell::Float(None)])
            })
            .unwrap_err();
        assert!(
            err.to_string().contains("column `point` holds an integer"),
            "{err}"
        );
    }
}
