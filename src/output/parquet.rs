//! Parquet copies of holdsim's CSV tables, for pandas, polars and R (arrow) to read
//! directly. Written with the parquet crate's low-level writer (no Arrow dependency),
//! streaming the CSV in row groups so memory stays bounded whatever the table's size.
//! Every column is nullable (an empty CSV field is a null); `created_by` names holdsim,
//! so the same CSV always gives the same bytes.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, bail};
use parquet::data_type::{ByteArray, ByteArrayType, DoubleType, Int64Type};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::parser::parse_message_type;

/// A column's Parquet type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColumnKind {
    Int64,
    Double,
    Utf8,
}

/// Rows per row group.
const ROW_GROUP: usize = 65_536;

/// Splits one CSV line, honouring double quotes (`"a, ""b"""` is `a, "b"`).
pub fn split_csv_line(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cell = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cell.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => out.push(std::mem::take(&mut cell)),
            (c, _) => cell.push(c),
        }
    }
    out.push(cell);
    out
}

/// Converts `csv` (header + rows) to `parquet`; `kind` gives each column's type by name.
pub fn csv_to_parquet(
    csv: &Path,
    parquet: &Path,
    kind: &dyn Fn(&str) -> ColumnKind,
) -> anyhow::Result<()> {
    let reader = BufReader::new(
        File::open(csv).with_context(|| format!("cannot open `{}`", csv.display()))?,
    );
    let mut lines = reader.lines();
    let header = split_csv_line(&lines.next().context("empty CSV")??);
    let kinds: Vec<ColumnKind> = header.iter().map(|h| kind(h)).collect();
    let fields: Vec<String> = header
        .iter()
        .zip(&kinds)
        .map(|(h, k)| match k {
            ColumnKind::Int64 => format!("optional int64 {h};"),
            ColumnKind::Double => format!("optional double {h};"),
            ColumnKind::Utf8 => format!("optional binary {h} (UTF8);"),
        })
        .collect();
    let schema = Arc::new(parse_message_type(&format!(
        "message holdsim {{ {} }}",
        fields.join(" ")
    ))?);
    let props = Arc::new(
        WriterProperties::builder()
            .set_created_by(format!("holdsim {}", env!("CARGO_PKG_VERSION")))
            .build(),
    );
    let out =
        File::create(parquet).with_context(|| format!("cannot create `{}`", parquet.display()))?;
    let mut writer = SerializedFileWriter::new(out, schema, props)?;

    let mut batch: Vec<Vec<String>> = Vec::with_capacity(ROW_GROUP);
    let mut flush = |batch: &mut Vec<Vec<String>>| -> anyhow::Result<()> {
        if batch.is_empty() {
            return Ok(());
        }
        let mut group = writer.next_row_group()?;
        for (j, k) in kinds.iter().enumerate() {
            let mut column = group.next_column()?.context("schema and data disagree")?;
            let cells: Vec<&str> = batch.iter().map(|row| row[j].as_str()).collect();
            let defs: Vec<i16> = cells.iter().map(|c| i16::from(!c.is_empty())).collect();
            let present = cells.iter().filter(|c| !c.is_empty());
            match k {
                ColumnKind::Int64 => {
                    let values = present
                        .map(|c| {
                            c.parse::<i64>().with_context(|| {
                                format!("`{c}` in column {} is not an integer", header[j])
                            })
                        })
                        .collect::<anyhow::Result<Vec<_>>>()?;
                    column
                        .typed::<Int64Type>()
                        .write_batch(&values, Some(&defs), None)?;
                }
                ColumnKind::Double => {
                    let values = present
                        .map(|c| {
                            c.parse::<f64>().with_context(|| {
                                format!("`{c}` in column {} is not a number", header[j])
                            })
                        })
                        .collect::<anyhow::Result<Vec<_>>>()?;
                    column
                        .typed::<DoubleType>()
                        .write_batch(&values, Some(&defs), None)?;
                }
                ColumnKind::Utf8 => {
                    let values: Vec<ByteArray> = present
                        .map(|c| ByteArray::from(c.as_bytes().to_vec()))
                        .collect();
                    column
                        .typed::<ByteArrayType>()
                        .write_batch(&values, Some(&defs), None)?;
                }
            }
            column.close()?;
        }
        group.close()?;
        batch.clear();
        Ok(())
    };
    for (i, line) in lines.enumerate() {
        let line = line?;
        if line.is_empty() {
            continue;
        }
        let cells = split_csv_line(&line);
        if cells.len() != header.len() {
            bail!(
                "`{}` line {}: {} fields, expected {}",
                csv.display(),
                i + 2,
                cells.len(),
                header.len()
            );
        }
        batch.push(cells);
        if batch.len() == ROW_GROUP {
            flush(&mut batch)?;
        }
    }
    flush(&mut batch)?;
    writer.close()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_csv_fields_split_correctly() {
        assert_eq!(
            split_csv_line("1,\"a, \"\"b\"\"\",,x"),
            vec!["1", "a, \"b\"", "", "x"]
        );
    }

    #[test]
    fn parquet_round_trips_through_the_reader() {
        use parquet::file::reader::{FileReader, SerializedFileReader};
        let dir = tempfile::tempdir().unwrap();
        let csv = dir.path().join("t.csv");
        std::fs::write(
            &csv,
            "point,kpi,mean\n0,exits,0.25\n1,exits,\n2,\"a,b\",1e-3\n",
        )
        .unwrap();
        let pq = dir.path().join("t.parquet");
        let kind = |h: &str| match h {
            "point" => ColumnKind::Int64,
            "kpi" => ColumnKind::Utf8,
            _ => ColumnKind::Double,
        };
        csv_to_parquet(&csv, &pq, &kind).unwrap();
        let reader = SerializedFileReader::new(File::open(&pq).unwrap()).unwrap();
        assert_eq!(reader.metadata().file_metadata().num_rows(), 3);
        let rows: Vec<String> = reader
            .get_row_iter(None)
            .unwrap()
            .map(|r| r.unwrap().to_string())
            .collect();
        assert_eq!(rows[0], "{point: 0, kpi: \"exits\", mean: 0.25}");
        assert_eq!(rows[1], "{point: 1, kpi: \"exits\", mean: null}");
        assert_eq!(rows[2], "{point: 2, kpi: \"a,b\", mean: 0.001}");
        // Same input, same bytes.
        let again = dir.path().join("u.parquet");
        csv_to_parquet(&csv, &again, &kind).unwrap();
        assert_eq!(std::fs::read(&pq).unwrap(), std::fs::read(&again).unwrap());
    }
}
