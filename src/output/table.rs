//! The one table layer: every data file holdsim writes or reads goes through here.
//!
//! A table is a [`Schema`] (column names, each with a [`ColumnKind`]) and rows of
//! typed [`Cell`]s. Rows are handed to a [`TableSink`] one at a time, so a table of any
//! size streams with bounded memory; a [`Format`] opens a sink on any
//! [`std::io::Write`]. Two formats exist:
//!
//! - [`Csv`] ([`CsvWriter`], rows made as [`CsvRows`]): the `csv` crate's rules (a
//!   field is quoted only when it holds a comma, a quote or a line break) and one
//!   number formatter ([`super::write_number`]: Rust's shortest round-trip `{}`, empty
//!   when undefined);
//! - [`Parquet`] ([`super::parquet::ParquetWriter`]): the same typed rows as nullable
//!   Parquet columns, with no CSV text in between.
//!
//! A new format (the workbook, JSON) is one more file: a type implementing [`Format`]
//! whose sink implements [`TableSink`]; every table holdsim makes can then be written
//! in it, because tables are only ever made as rows handed to a sink:
//!
//! ```
//! use holdsim::output::table::{Cell, Column, ColumnKind, Csv, Format, Schema};
//! let schema = Schema::new(vec![
//!     Column::new("kpi", ColumnKind::Text),
//!     Column::new("mean", ColumnKind::Float),
//! ]);
//! let bytes = Csv
//!     .bytes(&schema, &mut |sink| sink.row(&[Cell::Text("a, b"), Cell::Float(Some(0.5))]))
//!     .unwrap();
//! assert_eq!(bytes, b"kpi,mean\n\"a, b\",0.5\n");
//! ```
//!
//! Reading is [`TableReader`]: it checks the header, the width of every row and
//! names the file and line of any problem ([`ReadError`]); cells are found by column
//! name, never by position.

use std::io::{Read, Write};

use super::number::MakeRow;
use crate::scenario::Number;

/// What a column holds, which decides its Parquet type (CSV text is the same for all).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColumnKind {
    /// Whole numbers (Parquet `int64`).
    Int,
    /// Real numbers, empty when undefined (Parquet `double`).
    Float,
    /// Text, empty when absent (Parquet UTF-8 `binary`).
    Text,
}

/// A named, typed column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    pub kind: ColumnKind,
}

impl Column {
    pub fn new(name: impl Into<String>, kind: ColumnKind) -> Column {
        Column {
            name: name.into(),
            kind,
        }
    }
}

/// A table's columns, in file order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Schema {
    pub columns: Vec<Column>,
}

impl Schema {
    pub fn new(columns: Vec<Column>) -> Schema {
        Schema { columns }
    }

    /// Adds columns of one kind at the end (e.g. one per KPI).
    pub fn with<S: Into<String>>(
        mut self,
        names: impl IntoIterator<Item = S>,
        kind: ColumnKind,
    ) -> Schema {
        self.columns
            .extend(names.into_iter().map(|n| Column::new(n, kind)));
        self
    }

    /// The column names, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.columns.iter().map(|c| c.name.as_str())
    }

    /// The position of the column called `name`.
    pub fn index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }

    pub fn len(&self) -> usize {
        self.columns.len()
    }

    pub fn is_empty(&self) -> bool {
        self.columns.is_empty()
    }
}

/// One value of a row. Borrowed text keeps rows free of allocation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Cell<'a> {
    /// A whole number: an index or a count.
    Int(i64),
    /// A measured value; `None` (or a non-finite value) is written as an empty field.
    Float(Option<f64>),
    /// A scenario setting as the experiment file spells it in TOML (`2`, `1.0`): the
    /// design's levels keep their TOML text in CSV and are reals in Parquet.
    Setting(Number),
    /// Text; the empty string is an empty field (null in Parquet).
    Text(&'a str),
}

impl Cell<'_> {
    /// A count as an integer cell (counts fit `i64` by far).
    pub fn count(n: impl TryInto<i64>) -> Cell<'static> {
        Cell::Int(n.try_into().unwrap_or(i64::MAX))
    }

    /// Appends the cell's file text to `out`: the one place cells become text, so CSV
    /// and anything else textual agree.
    pub fn write_text(&self, out: &mut Vec<u8>) {
        match *self {
            Cell::Int(i) => super::write_integer(out, i),
            Cell::Float(x) => super::write_number(out, x),
            Cell::Setting(n) => {
                let _ = write!(out, "{n}");
            }
            Cell::Text(t) => out.extend_from_slice(t.as_bytes()),
        }
    }
}

/// Where a table's rows go, one at a time, in order.
pub trait TableSink {
    /// Writes one row; it must have the schema's width.
    fn row(&mut self, cells: &[Cell<'_>]) -> anyhow::Result<()>;
    /// Writes a row of `whole` numbers then measured `values` (the time series'
    /// rows, holdsim's largest file): a sink may write them without a cell each.
    fn numbers_row(&mut self, whole: &[i64], values: &[f64]) -> anyhow::Result<()> {
        const ROOM: usize = 64;
        let cells = whole
            .iter()
            .map(|&n| Cell::Int(n))
            .chain(values.iter().map(|&v| Cell::Float(Some(v))));
        if whole.len() + values.len() <= ROOM {
            let mut row = [Cell::Int(0); ROOM];
            let mut width = 0;
            for (slot, cell) in row.iter_mut().zip(cells) {
                *slot = cell;
                width += 1;
            }
            self.row(&row[..width])
        } else {
            self.row(&cells.collect::<Vec<_>>())
        }
    }
    /// Writes `count` rows of `whole_len` whole numbers then `values_len` measured
    /// values, row `k` as `make(k, whole, values)` makes it: as many
    /// [`TableSink::numbers_row`]s, which a sink may write at once.
    fn numbers_rows(
        &mut self,
        count: usize,
        whole_len: usize,
        values_len: usize,
        make: &mut MakeRow<'_>,
    ) -> anyhow::Result<()> {
        let (mut whole, mut values) = (vec![0; whole_len], vec![0.0; values_len]);
        for k in 0..count {
            make(k, &mut whole, &mut values);
            self.numbers_row(&whole, &values)?;
        }
        Ok(())
    }
    /// Completes the table: writes what is buffered (a Parquet row group, its footer)
    /// and flushes.
    fn finish(self: Box<Self>) -> anyhow::Result<()>;
}

/// Fills a table: called once with the sink to hand every row to.
pub type Fill<'f> = dyn FnMut(&mut dyn TableSink) -> anyhow::Result<()> + 'f;

/// A file format for tables: the exporter seam. Implement it (and a [`TableSink`])
/// to make every holdsim table available in a new format.
pub trait Format {
    /// The file name extension, without the dot.
    fn extension(&self) -> &'static str;

    /// Starts a table of `schema` on `out`.
    fn begin<'w>(
        &self,
        schema: &Schema,
        out: Box<dyn Write + Send + 'w>,
    ) -> anyhow::Result<Box<dyn TableSink + 'w>>;

    /// A whole table as bytes: `fill` hands its rows to the sink.
    fn bytes(&self, schema: &Schema, fill: &mut Fill<'_>) -> anyhow::Result<Vec<u8>> {
        let mut buffer = Vec::new();
        let mut sink = self.begin(schema, Box::new(&mut buffer))?;
        fill(sink.as_mut())?;
        sink.finish()?;
        Ok(buffer)
    }
}

/// Comma-separated values, header first, `\n` line ends.
#[derive(Clone, Copy, Debug, Default)]
pub struct Csv;

impl Format for Csv {
    fn extension(&self) -> &'static str {
        "csv"
    }

    fn begin<'w>(
        &self,
        schema: &Schema,
        out: Box<dyn Write + Send + 'w>,
    ) -> anyhow::Result<Box<dyn TableSink + 'w>> {
        Ok(Box::new(CsvWriter::begin(schema, out)?))
    }
}

/// Parquet: see [`super::parquet`].
#[derive(Clone, Copy, Debug, Default)]
pub struct Parquet;

impl Format for Parquet {
    fn extension(&self) -> &'static str {
        "parquet"
    }

    fn begin<'w>(
        &self,
        schema: &Schema,
        out: Box<dyn Write + Send + 'w>,
    ) -> anyhow::Result<Box<dyn TableSink + 'w>> {
        Ok(Box::new(super::parquet::ParquetWriter::begin(schema, out)?))
    }
}

/// CSV rows as text, with the `csv` crate's writing rules: a field is quoted only when
/// it holds a comma, a quote or a line break (quotes doubled inside), a row whose only
/// field is empty is written `""` (so it is not a blank line), and every row has the
/// first row's width. Rows are made straight into one growing string: numbers, most
/// of every data file, need no quoting and are formatted in place, which is several
/// times cheaper than handing each field to the `csv` crate's writer.
///
/// Rows can be made apart from the file they go to (on the thread that simulated a
/// replication, say) and appended to it later with [`CsvWriter::append`].
#[derive(Clone, Debug, Default)]
pub struct CsvRows {
    /// ASCII and UTF-8 text (numbers are written as bytes, without a UTF-8 check).
    text: Vec<u8>,
    /// The first row's width, which every later row must have.
    width: Option<usize>,
    /// Scratch for a text cell that may need quoting.
    field: Vec<u8>,
}

impl CsvRows {
    /// No rows yet.
    pub fn new() -> CsvRows {
        CsvRows::default()
    }

    /// No rows yet, with room for `bytes` of them: a replication's time series is
    /// known in advance to be tens of kilobytes, made without growing again.
    pub fn with_capacity(bytes: usize) -> CsvRows {
        CsvRows {
            text: Vec::with_capacity(bytes),
            ..CsvRows::default()
        }
    }

    /// The rows' text.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.text).unwrap_or_default()
    }

    /// The rows' text as bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.text
    }

    /// The rows' length in bytes.
    pub fn len(&self) -> usize {
        self.text.len()
    }

    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// Refuses a row whose width is not the first row's (as the `csv` crate does).
    fn check_width(&mut self, width: usize) -> csv::Result<()> {
        match self.width {
            Some(w) if w != width => Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("found record with {width} fields, but the previous record has {w} fields"),
            )
            .into()),
            Some(_) => Ok(()),
            None => {
                self.width = Some(width);
                Ok(())
            }
        }
    }

    /// Appends one row.
    pub fn write_row(&mut self, cells: &[Cell<'_>]) -> csv::Result<()> {
        self.check_width(cells.len())?;
        // Room for a row of typical numbers, so the row grows the text at most once.
        self.text.reserve(24 * cells.len());
        let start = self.text.len();
        let (text, field) = (&mut self.text, &mut self.field);
        super::number::with_recent(|recent| {
            for (i, cell) in cells.iter().enumerate() {
                if i > 0 {
                    text.push(b',');
                }
                match *cell {
                    Cell::Int(n) => super::write_integer(text, n),
                    Cell::Float(x) => super::write_number_with(text, x, Some(&mut *recent)),
                    Cell::Text(t) => push_field(text, t),
                    Cell::Setting(_) => {
                        field.clear();
                        cell.write_text(field);
                        push_field_bytes(text, field);
                    }
                }
            }
        });
        self.end_row(start);
        Ok(())
    }

    /// Appends a row of `whole` numbers then measured `values`, as [`Self::write_row`]
    /// would write their cells but without the cells: the time series' rows.
    pub fn write_numbers(&mut self, whole: &[i64], values: &[f64]) -> csv::Result<()> {
        self.check_width(whole.len() + values.len())?;
        let start = self.text.len();
        super::number::with_recent(|recent| recent.write_row(&mut self.text, whole, values));
        self.end_row(start);
        Ok(())
    }

    /// Appends a row of text fields.
    pub fn write_fields<'f>(
        &mut self,
        fields: impl IntoIterator<Item = &'f str>,
    ) -> csv::Result<()> {
        let start = self.text.len();
        let mut width = 0;
        for field in fields {
            if width > 0 {
                self.text.push(b',');
            }
            push_field(&mut self.text, field);
            width += 1;
        }
        if let Err(e) = self.check_width(width) {
            self.text.truncate(start);
            return Err(e);
        }
        self.end_row(start);
        Ok(())
    }

    /// Ends the row begun at byte `start`: a row of nothing at all is `""`.
    fn end_row(&mut self, start: usize) {
        if self.text.len() == start {
            self.text.extend_from_slice(b"\"\"");
        }
        self.text.push(b'\n');
    }
}

/// Appends a text field, quoted if it holds a comma, a quote or a line break.
fn push_field(out: &mut Vec<u8>, field: &str) {
    push_field_bytes(out, field.as_bytes());
}

/// [`push_field`] of a field's UTF-8 bytes.
fn push_field_bytes(out: &mut Vec<u8>, field: &[u8]) {
    if field
        .iter()
        .any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r'))
    {
        out.push(b'"');
        for (i, part) in field.split(|&b| b == b'"').enumerate() {
            if i > 0 {
                out.extend_from_slice(b"\"\"");
            }
            out.extend_from_slice(part);
        }
        out.push(b'"');
    } else {
        out.extend_from_slice(field);
    }
}

impl TableSink for CsvRows {
    fn row(&mut self, cells: &[Cell<'_>]) -> anyhow::Result<()> {
        Ok(self.write_row(cells)?)
    }

    fn numbers_row(&mut self, whole: &[i64], values: &[f64]) -> anyhow::Result<()> {
        Ok(self.write_numbers(whole, values)?)
    }

    fn numbers_rows(
        &mut self,
        count: usize,
        whole_len: usize,
        values_len: usize,
        make: &mut MakeRow<'_>,
    ) -> anyhow::Result<()> {
        if count == 0 {
            return Ok(());
        }
        if whole_len + values_len == 0 {
            // Rows of nothing: as many `""` rows, as `write_numbers` writes them.
            for k in 0..count {
                make(k, &mut [], &mut []);
                self.write_numbers(&[], &[])?;
            }
            return Ok(());
        }
        self.check_width(whole_len + values_len)?;
        let text = &mut self.text;
        super::number::with_recent(|recent| {
            recent.write_rows(text, count, whole_len, values_len, make)
        });
        Ok(())
    }

    fn finish(self: Box<Self>) -> anyhow::Result<()> {
        Ok(())
    }
}

/// A CSV table being written: rows are made as [`CsvRows`] and written out in pieces
/// of about 64 KiB, so a table of any size streams with bounded memory.
pub struct CsvWriter<W: Write> {
    out: W,
    rows: CsvRows,
}

/// How much row text is buffered before it is written out.
const FLUSH_BYTES: usize = 1 << 16;

impl<W: Write> CsvWriter<W> {
    /// Starts a table on `out` with `schema`'s header line.
    pub fn begin(schema: &Schema, out: W) -> anyhow::Result<CsvWriter<W>> {
        let mut w = CsvWriter::continuing(out);
        w.rows
            .write_fields(schema.columns.iter().map(|c| c.name.as_str()))?;
        Ok(w)
    }

    /// Continues a table whose header (and earlier rows) are already written, as a
    /// sweep appends a chunk of rows to its streamed files.
    pub fn continuing(out: W) -> CsvWriter<W> {
        CsvWriter {
            out,
            rows: CsvRows {
                text: Vec::with_capacity(FLUSH_BYTES + 4096),
                ..CsvRows::default()
            },
        }
    }

    /// Writes one row.
    pub fn write_row(&mut self, cells: &[Cell<'_>]) -> csv::Result<()> {
        self.rows.write_row(cells)?;
        self.flush_full()
    }

    /// Copies a row read by a [`TableReader`] field by field (a merge's copy).
    pub fn copy_row(&mut self, row: &Row<'_>) -> csv::Result<()> {
        self.rows.write_fields(row.record.iter())?;
        self.flush_full()
    }

    /// Appends rows made apart (see [`CsvRows`]); they must have this table's width.
    pub fn append(&mut self, rows: &CsvRows) -> csv::Result<()> {
        if let Some(width) = rows.width {
            self.rows.check_width(width)?;
        }
        if self.rows.len() + rows.len() <= FLUSH_BYTES {
            self.rows.text.extend_from_slice(&rows.text);
            return self.flush_full();
        }
        self.write_buffered()?;
        self.out.write_all(&rows.text)?;
        Ok(())
    }

    /// Writes the buffered rows out once there are enough of them.
    fn flush_full(&mut self) -> csv::Result<()> {
        if self.rows.len() >= FLUSH_BYTES {
            self.write_buffered()?;
        }
        Ok(())
    }

    /// Writes the buffered rows out.
    fn write_buffered(&mut self) -> std::io::Result<()> {
        self.out.write_all(&self.rows.text)?;
        self.rows.text.clear();
        Ok(())
    }

    /// Flushes and returns the writer.
    pub fn into_inner(mut self) -> anyhow::Result<W> {
        self.flush()?;
        Ok(self.out)
    }

    /// Flushes what is buffered to the writer.
    pub fn flush(&mut self) -> std::io::Result<()> {
        self.write_buffered()?;
        self.out.flush()
    }
}

impl<W: Write> TableSink for CsvWriter<W> {
    fn row(&mut self, cells: &[Cell<'_>]) -> anyhow::Result<()> {
        Ok(self.write_row(cells)?)
    }

    fn finish(mut self: Box<Self>) -> anyhow::Result<()> {
        Ok(self.flush()?)
    }
}

/// A problem reading a table, naming the file (`label`) and line.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("cannot read {label}")]
    Io {
        label: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{label} is empty (no header line)")]
    Empty { label: String },
    #[error("{label}, line 1: the header is `{found}`, expected `{expected}`")]
    Header {
        label: String,
        found: String,
        expected: String,
    },
    #[error("{label}, line 1: the column `{column}` appears twice")]
    Duplicate { label: String, column: String },
    #[error("{label}, line 1: missing column{} `{}`", if .columns.len() == 1 { "" } else { "s" }, .columns.join("`, `"))]
    Missing { label: String, columns: Vec<String> },
    #[error("{label}, line {line}: {found} fields, expected {expected}")]
    Width {
        label: String,
        line: u64,
        found: usize,
        expected: usize,
    },
    #[error("{label}{}: {message}", .line.map_or(String::new(), |l| format!(", line {l}")))]
    Syntax {
        label: String,
        line: Option<u64>,
        message: String,
    },
    #[error("{label}, line {line}: {column} is `{text}`, expected a whole number")]
    NotWhole {
        label: String,
        line: u64,
        column: String,
        text: String,
    },
    #[error("{label}, line {line}, column `{column}`: `{text}` is not a finite number")]
    NotNumber {
        label: String,
        line: u64,
        column: String,
        text: String,
    },
}

impl ReadError {
    /// Whether the file could not be read at all (rather than read and found damaged).
    pub fn is_io(&self) -> bool {
        matches!(self, ReadError::Io { .. })
    }

    fn of_csv(e: csv::Error, label: &str) -> ReadError {
        let line = e.position().map(csv::Position::line);
        let message = e.to_string();
        match e.into_kind() {
            csv::ErrorKind::Io(source) => ReadError::Io {
                label: label.to_string(),
                source,
            },
            _ => ReadError::Syntax {
                label: label.to_string(),
                line,
                message,
            },
        }
    }
}

/// A CSV table read row by row with the `csv` crate.
pub struct TableReader<R: Read> {
    reader: csv::Reader<R>,
    label: String,
    header: Vec<String>,
    record: csv::StringRecord,
    last_line: u64,
}

impl<R: Read> TableReader<R> {
    /// Starts reading `source`, named `label` in messages (e.g. "`dir/summary.csv`"):
    /// reads its header, which must be present and name no column twice.
    pub fn open(source: R, label: impl Into<String>) -> Result<TableReader<R>, ReadError> {
        let reader = TableReader::start(source, label.into())?;
        for (i, c) in reader.header.iter().enumerate() {
            if reader.header[..i].contains(c) {
                return Err(ReadError::Duplicate {
                    label: reader.label,
                    column: c.clone(),
                });
            }
        }
        Ok(reader)
    }

    /// Starts reading a table that must have exactly `schema`'s header.
    pub fn open_exact(
        source: R,
        label: impl Into<String>,
        schema: &Schema,
    ) -> Result<TableReader<R>, ReadError> {
        let reader = TableReader::start(source, label.into())?;
        if reader.header.iter().map(String::as_str).ne(schema.names()) {
            return Err(ReadError::Header {
                found: reader.header.join(","),
                expected: schema.names().collect::<Vec<_>>().join(","),
                label: reader.label,
            });
        }
        Ok(reader)
    }

    /// Reads the header line, which must be present.
    fn start(source: R, label: String) -> Result<TableReader<R>, ReadError> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(true)
            .from_reader(source);
        let header: Vec<String> = reader
            .headers()
            .map_err(|e| ReadError::of_csv(e, &label))?
            .iter()
            .map(str::to_string)
            .collect();
        if header.iter().all(String::is_empty) {
            return Err(ReadError::Empty { label });
        }
        Ok(TableReader {
            reader,
            label,
            header,
            record: csv::StringRecord::new(),
            last_line: 1,
        })
    }

    /// The file as named in messages.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The column names, in file order.
    pub fn header(&self) -> &[String] {
        &self.header
    }

    /// The line of the last row read (1: the header), for "ends after line N".
    pub fn last_line(&self) -> u64 {
        self.last_line
    }

    /// Refuses the table unless it has every one of `columns`.
    pub fn require(&self, columns: &[&str]) -> Result<(), ReadError> {
        let missing: Vec<String> = columns
            .iter()
            .filter(|c| !self.header.iter().any(|h| h == *c))
            .map(|c| (*c).to_string())
            .collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(ReadError::Missing {
                label: self.label.clone(),
                columns: missing,
            })
        }
    }

    /// The next row, or `None` at the end. Blank lines are skipped; a row whose width
    /// is not the header's is refused.
    pub fn next_row(&mut self) -> Result<Option<Row<'_>>, ReadError> {
        loop {
            if !self
                .reader
                .read_record(&mut self.record)
                .map_err(|e| ReadError::of_csv(e, &self.label))?
            {
                return Ok(None);
            }
            if self.header.len() > 1 && self.record.len() == 1 && self.record[0].is_empty() {
                continue;
            }
            break;
        }
        let line = self.record.position().map_or(0, csv::Position::line);
        self.last_line = line;
        if self.record.len() != self.header.len() {
            return Err(ReadError::Width {
                label: self.label.clone(),
                line,
                found: self.record.len(),
                expected: self.header.len(),
            });
        }
        Ok(Some(Row {
            line,
            record: &self.record,
            header: &self.header,
            label: &self.label,
        }))
    }
}

/// One row of a [`TableReader`], its cells found by column name.
pub struct Row<'r> {
    line: u64,
    record: &'r csv::StringRecord,
    header: &'r [String],
    label: &'r str,
}

impl<'r> Row<'r> {
    /// The row's line in the file.
    pub fn line(&self) -> u64 {
        self.line
    }

    /// The file as named in messages.
    pub fn label(&self) -> &'r str {
        self.label
    }

    /// The text in `column` (empty if the table has no such column: callers check
    /// the header first, with [`TableReader::require`] or [`TableReader::open_exact`]).
    pub fn text(&self, column: &str) -> &'r str {
        self.header
            .iter()
            .position(|h| h == column)
            .and_then(|i| self.record.get(i))
            .unwrap_or("")
    }

    /// The whole number in `column`.
    pub fn whole(&self, column: &str) -> Result<u64, ReadError> {
        let text = self.text(column);
        text.parse::<u64>().map_err(|_| ReadError::NotWhole {
            label: self.label.to_string(),
            line: self.line,
            column: column.to_string(),
            text: text.to_string(),
        })
    }

    /// The finite number in `column`, `None` when the field is empty.
    pub fn number(&self, column: &str) -> Result<Option<f64>, ReadError> {
        number_at(self.text(column), self.label, self.line, column)
    }

    /// Every cell in order, typed by `schema` (which must be the file's header): how a
    /// table written as CSV is read back as typed rows (e.g. for its Parquet copy).
    pub fn cells(&self, schema: &Schema) -> Result<Vec<Cell<'r>>, ReadError> {
        self.record
            .iter()
            .zip(&schema.columns)
            .map(|(text, column)| match (column.kind, text) {
                // An empty field is absent whatever the column's kind (null in Parquet).
                (_, "") => Ok(Cell::Text("")),
                (ColumnKind::Int, t) => {
                    t.parse::<i64>()
                        .map(Cell::Int)
                        .map_err(|_| ReadError::NotWhole {
                            label: self.label.to_string(),
                            line: self.line,
                            column: column.name.clone(),
                            text: t.to_string(),
                        })
                }
                (ColumnKind::Float, t) => {
                    number_at(t, self.label, self.line, &column.name).map(Cell::Float)
                }
                (ColumnKind::Text, t) => Ok(Cell::Text(t)),
            })
            .collect()
    }

    /// Every cell as a finite number (`None` when empty), in order: for tables that
    /// hold only numbers.
    pub fn numbers(&self) -> Result<Vec<Option<f64>>, ReadError> {
        self.record
            .iter()
            .zip(self.header)
            .map(|(text, column)| number_at(text, self.label, self.line, column))
            .collect()
    }

    /// The fields in order, as text.
    pub fn fields(&self) -> impl Iterator<Item = &'r str> {
        self.record.iter()
    }
}

/// A field's finite number, `None` when empty.
fn number_at(text: &str, label: &str, line: u64, column: &str) -> Result<Option<f64>, ReadError> {
    if text.is_empty() {
        return Ok(None);
    }
    match text.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(Some(v)),
        _ => Err(ReadError::NotNumber {
            label: label.to_string(),
            line,
            column: column.to_string(),
            text: text.to_string(),
        }),
    }
}

/// A CSV table streamed to a file, whose every error names the file: what `run`
/// writes its per-replication tables with and `merge` its merged tables.
pub struct CsvFile {
    path: std::path::PathBuf,
    csv: CsvWriter<std::fs::File>,
}

impl CsvFile {
    /// Creates `path` and writes `schema`'s header.
    pub fn create(path: std::path::PathBuf, schema: &Schema) -> anyhow::Result<CsvFile> {
        use anyhow::Context;
        let file = std::fs::File::create(&path)
            .with_context(|| format!("cannot create `{}`", path.display()))?;
        let csv = CsvWriter::begin(schema, file)
            .with_context(|| format!("cannot write `{}`", path.display()))?;
        Ok(CsvFile { path, csv })
    }

    fn context<T, E>(&self, result: Result<T, E>) -> anyhow::Result<T>
    where
        Result<T, E>: anyhow::Context<T, E>,
    {
        use anyhow::Context;
        result.with_context(|| format!("cannot write `{}`", self.path.display()))
    }

    /// Appends rows with `write`.
    pub fn rows(
        &mut self,
        write: impl FnOnce(&mut dyn TableSink) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        let result = write(&mut self.csv);
        self.context(result)
    }

    /// Appends rows made apart (on a worker thread, say).
    pub fn append(&mut self, rows: &CsvRows) -> anyhow::Result<()> {
        let result = self.csv.append(rows);
        self.context(result)
    }

    /// Copies a row read from another table as it was written.
    pub fn copy(&mut self, row: &Row<'_>) -> anyhow::Result<()> {
        let result = self.csv.copy_row(row);
        self.context(result)
    }

    /// Flushes the file.
    pub fn finish(self) -> anyhow::Result<()> {
        use anyhow::Context;
        let CsvFile { path, csv } = self;
        csv.into_inner()
            .with_context(|| format!("cannot write `{}`", path.display()))
            .map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::strategy::Strategy;

    fn schema() -> Schema {
        Schema::new(vec![
            Column::new("point", ColumnKind::Int),
            Column::new("kpi", ColumnKind::Text),
            Column::new("mean", ColumnKind::Float),
            Column::new("level", ColumnKind::Float),
        ])
    }

    fn fill(sink: &mut dyn TableSink) -> anyhow::Result<()> {
        sink.row(&[
            Cell::Int(1),
            Cell::Text("a, \"b\""),
            Cell::Float(None),
            Cell::Setting(Number::Float(1.0)),
        ])?;
        sink.row(&[
            Cell::Int(2),
            Cell::Text("two\nlines"),
            Cell::Float(Some(0.1)),
            Cell::Setting(Number::Int(3)),
        ])?;
        sink.row(&[
            Cell::Int(-3),
            Cell::Text(""),
            Cell::Float(Some(f64::NAN)),
            Cell::Setting(Number::Float(1e-7)),
        ])
    }

    #[test]
    fn csv_quotes_only_what_needs_quoting_and_reads_back_the_same_fields() {
        let bytes = Csv.bytes(&schema(), &mut fill).unwrap();
        assert_eq!(
            String::from_utf8(bytes.clone()).unwrap(),
            "point,kpi,mean,level\n1,\"a, \"\"b\"\"\",,1.0\n2,\"two\nlines\",0.1,3\n-3,,,1e-7\n"
        );
        let mut reader = TableReader::open_exact(&bytes[..], "`t.csv`", &schema()).unwrap();
        let mut fields = Vec::new();
        while let Some(row) = reader.next_row().unwrap() {
            fields.push(row.fields().map(str::to_string).collect::<Vec<_>>());
        }
        assert_eq!(fields[0], ["1", "a, \"b\"", "", "1.0"]);
        assert_eq!(fields[1], ["2", "two\nlines", "0.1", "3"]);
        assert_eq!(fields[2], ["-3", "", "", "1e-7"]);
    }

    #[test]
    fn a_parquet_copy_read_back_from_csv_is_the_parquet_of_the_rows() {
        // A sweep's Parquet files are made from its CSV files (its record across
        // sessions); they must be the bytes the typed rows give directly.
        let schema = schema();
        let direct = Parquet.bytes(&schema, &mut fill).unwrap();
        let csv = Csv.bytes(&schema, &mut fill).unwrap();
        let copied = Parquet
            .bytes(&schema, &mut |sink| {
                let mut reader = TableReader::open_exact(&csv[..], "`t.csv`", &schema)?;
                while let Some(row) = reader.next_row()? {
                    sink.row(&row.cells(&schema)?)?;
                }
                Ok(())
            })
            .unwrap();
        assert_eq!(copied, direct);
    }

    #[test]
    fn cells_are_found_by_column_name() {
        let text = "mean,point,kpi\n0.5,7,exits\n";
        let mut reader = TableReader::open(text.as_bytes(), "`s.csv`").unwrap();
        reader.require(&["point", "kpi", "mean"]).unwrap();
        let row = reader.next_row().unwrap().unwrap();
        assert_eq!(row.whole("point").unwrap(), 7);
        assert_eq!(row.text("kpi"), "exits");
        assert_eq!(row.number("mean").unwrap(), Some(0.5));
        assert_eq!(row.line(), 2);
    }

    #[test]
    fn damaged_tables_are_refused_naming_file_and_line() {
        let err = |text: &str| match TableReader::open_exact(text.as_bytes(), "`t.csv`", &schema())
        {
            Err(e) => e.to_string(),
            Ok(mut r) => loop {
                match r.next_row() {
                    Ok(Some(row)) => {
                        if let Err(e) = row.cells(&schema()) {
                            break e.to_string();
                        }
                    }
                    Ok(None) => break "no error".into(),
                    Err(e) => break e.to_string(),
                }
            },
        };
        assert_eq!(err(""), "`t.csv` is empty (no header line)");
        assert_eq!(
            err("point,kpi,mean\n"),
            "`t.csv`, line 1: the header is `point,kpi,mean`, expected `point,kpi,mean,level`"
        );
        assert_eq!(
            err("point,kpi,mean,level\n1,a,2\n"),
            "`t.csv`, line 2: 3 fields, expected 4"
        );
        assert_eq!(
            err("point,kpi,mean,level\n1,a,2,3\nx,a,2,3\n"),
            "`t.csv`, line 3: point is `x`, expected a whole number"
        );
        assert_eq!(
            err("point,kpi,mean,level\n1,a,NaN,3\n"),
            "`t.csv`, line 2, column `mean`: `NaN` is not a finite number"
        );
        let twice = TableReader::open("a,b,a\n".as_bytes(), "`t.csv`")
            .err()
            .unwrap();
        assert_eq!(
            twice.to_string(),
            "`t.csv`, line 1: the column `a` appears twice"
        );
        let missing = TableReader::open("a,b\n".as_bytes(), "`t.csv`")
            .unwrap()
            .require(&["a", "c", "d"])
            .unwrap_err();
        assert_eq!(
            missing.to_string(),
            "`t.csv`, line 1: missing columns `c`, `d`"
        );
    }

    /// The `csv` crate's bytes for `rows` (holdsim's writer must give the same).
    fn csv_crate_bytes(rows: &[Vec<String>]) -> Vec<u8> {
        let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
        for row in rows {
            w.write_record(row).unwrap();
        }
        w.into_inner().unwrap()
    }

    #[test]
    fn rows_of_a_width_other_than_the_first_are_refused() {
        let mut rows = CsvRows::new();
        rows.write_row(&[Cell::Int(1), Cell::Int(2)]).unwrap();
        assert!(rows.write_row(&[Cell::Int(1)]).is_err());
        assert!(rows.write_fields(["a", "b", "c"]).is_err());
        let mut file = CsvWriter::continuing(Vec::new());
        file.write_row(&[Cell::Int(1)]).unwrap();
        assert!(file.append(&rows).is_err());
        assert_eq!(
            rows.as_str(),
            "1,2\n",
            "a refused row leaves nothing behind"
        );
        assert_eq!(file.into_inner().unwrap(), b"1\n");
    }

    #[test]
    fn appended_rows_are_the_rows_written_one_by_one_whatever_their_size() {
        let row = |i: i64| {
            [
                Cell::Int(i),
                Cell::Float(Some(i as f64 / 7.0)),
                Cell::Text("a,b"),
            ]
        };
        let (mut direct, mut appended) = (
            CsvWriter::continuing(Vec::new()),
            CsvWriter::continuing(Vec::new()),
        );
        // Pieces below and above the 64 KiB the writer buffers.
        for (start, end) in [(0, 3), (3, 5000), (5000, 5001), (5001, 9000)] {
            let mut piece = CsvRows::new();
            for i in start..end {
                direct.write_row(&row(i)).unwrap();
                piece.write_row(&row(i)).unwrap();
            }
            appended.append(&piece).unwrap();
        }
        let direct = direct.into_inner().unwrap();
        assert!(direct.len() > 3 * FLUSH_BYTES);
        assert!(appended.into_inner().unwrap() == direct);
    }

    proptest::proptest! {
        #[test]
        fn text_rows_are_written_as_the_csv_crate_writes_them(
            rows in (1usize..4).prop_flat_map(|width| proptest::collection::vec(
                proptest::collection::vec("[a,\"\n\r é]{0,4}", width), 0..6)),
        ) {
            let expected = csv_crate_bytes(&rows);
            let mut fields = CsvRows::new();
            let mut cells = CsvRows::new();
            for row in &rows {
                fields.write_fields(row.iter().map(String::as_str)).unwrap();
                let typed: Vec<Cell<'_>> = row.iter().map(|t| Cell::Text(t)).collect();
                cells.write_row(&typed).unwrap();
            }
            proptest::prop_assert_eq!(fields.as_str().as_bytes(), &expected[..]);
            proptest::prop_assert_eq!(cells.as_str().as_bytes(), &expected[..]);
            // Appended in pieces to a file: the same bytes.
            let mut file = CsvWriter::continuing(Vec::new());
            file.append(&fields).unwrap();
            file.append(&CsvRows::new()).unwrap();
            proptest::prop_assert_eq!(file.into_inner().unwrap(), expected);
        }

        #[test]
        fn every_f64_is_written_as_rusts_display_text(bits in proptest::prelude::any::<u64>()) {
            let v = f64::from_bits(bits);
            let mut text = Vec::new();
            Cell::Float(Some(v)).write_text(&mut text);
            let expected = if v.is_finite() { format!("{v}") } else { String::new() };
            proptest::prop_assert_eq!(text, expected.into_bytes());
        }

        #[test]
        fn whole_f64s_are_written_as_rusts_display_text(n in -(1i64 << 54)..(1i64 << 54)) {
            let v = n as f64;
            let mut text = Vec::new();
            Cell::Float(Some(v)).write_text(&mut text);
            proptest::prop_assert_eq!(text, format!("{v}").into_bytes());
        }
    }
}
