//! The workbooks: `results.xlsx` of a run and `comparison.xlsx` of a comparison, for
//! readers who work in a spreadsheet rather than in CSV files.
//!
//! Sheets, in order: "Summary" (every KPI's mean and 95% CI, one column group per
//! option), "Compared" (each option against the baseline; comparisons only), "Costs"
//! (the KPIs whose name starts with `cost`, so a new cost KPI appears without a code
//! change), "Assumptions" (every parameter that differs from its default, with unit
//! and source) and the per-replication rows (one sheet per option).
//!
//! Every number is stored at full precision and only *shown* rounded (three
//! significant figures, shares as percentages: the report's rules, [`crate::numbers`]),
//! so a reader who wants more digits selects the cell. Each sheet is one
//! [`Workbook::sheet`] call with its name, heading lines, [`SheetColumn`]s and rows of
//! [`Cell`]s handed to a [`SheetRows`], which is a [`TableSink`]: any table holdsim
//! makes as rows can become a sheet, and a new sheet is one more call.
//!
//! The file is made in memory and written like every other result file: into the
//! staging folder of a run, or atomically ([`super::atomic::write_file`]) by
//! `holdsim report` and `holdsim compare`, so an interrupted command never leaves a
//! half-written workbook.

use crate::analysis::Analysis;
use std::collections::HashMap;
use std::path::Path;

use anyhow::Context;
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Worksheet};
use serde_json::Value;

use super::atomic::{Staging, write_file};
use super::table::{Cell, TableSink};
use crate::compare::Row;
use crate::kpi::{ALL_KPIS, Kpi};
use crate::numbers::{self, Shown};
use crate::results::{RunResults, Table};
use crate::scenario::{ARRAY_SECTIONS, SECTIONS, Scenario, section_specs};
use crate::stats::Summary;

/// Excel's limits: rows in a sheet, UTF-16 units in a sheet name and in a cell's text.
const MAX_ROWS: u32 = 1_048_576;
/// The most replications a per-replication sheet holds. Each cell costs the workbook
/// about a hundred bytes until it is saved, so a run of millions of replications
/// would need gigabytes for a sheet nobody scrolls; beyond this the sheet says where
/// the rows are (`replications.csv`). Far above any comparison's count.
const MAX_SHEET_REPLICATIONS: usize = 100_000;
const MAX_SHEET_NAME: usize = 31;
const MAX_CELL_TEXT: usize = 32_767;
/// The widest a column gets, in characters (a long title fits); longer text wraps
/// within it.
const MAX_WIDTH: usize = 80;

/// How a column's numbers are shown (the cell always keeps the full value).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Numbers {
    /// Excel's own "General": as many digits as fit (parameter values, indices).
    General,
    /// Three significant figures, thousands grouped; as percentages when `Percent`.
    Significant(Shown),
    /// [`Numbers::Significant`] as the row's KPI is shown ([`SheetRows::row_shown`]):
    /// for sheets with one KPI per row.
    AsRow,
    /// A fixed number of decimals (of the percentage for `Percent`): a column of one
    /// quantity, whose decimals line up.
    Fixed(usize, Shown),
    /// A relative change: a percentage to two figures ("-38%", "4.5%").
    Change,
}

/// One column of a sheet: its heading, an optional group heading spanning the
/// columns that share it (an option's title over its mean and CI), how its numbers
/// read, and whether they are differences (shown with a sign).
#[derive(Clone, Debug, PartialEq)]
pub struct SheetColumn {
    pub title: String,
    pub group: Option<String>,
    pub numbers: Numbers,
    pub signed: bool,
}

impl SheetColumn {
    /// A column of text (or of numbers shown as Excel's General).
    pub fn text(title: impl Into<String>) -> SheetColumn {
        SheetColumn::numbers(title, Numbers::General)
    }

    pub fn numbers(title: impl Into<String>, numbers: Numbers) -> SheetColumn {
        SheetColumn {
            title: title.into(),
            group: None,
            numbers,
            signed: false,
        }
    }

    /// A difference: positive values get a `+`.
    pub fn signed(mut self) -> SheetColumn {
        self.signed = true;
        self
    }

    /// Under a group heading.
    pub fn in_group(mut self, group: impl Into<String>) -> SheetColumn {
        self.group = Some(group.into());
        self
    }
}

/// The cell formats of one workbook, made once each: a number format per (decimals,
/// percentage, signed), and the heading styles.
struct Formats {
    numbers: HashMap<(usize, bool, bool), Format>,
    title: Format,
    /// Headings of text columns (left) and of rounded numbers (right, over them).
    header: Format,
    number_header: Format,
    group: Format,
    /// Text cells, indented by one step; `wrapped` for text wider than a column.
    text: Format,
    /// Numbers in Excel's General format (top-aligned like every cell).
    general: Format,
    wrapped: Format,
}

impl Formats {
    fn new() -> Formats {
        let header = Format::new()
            .set_bold()
            .set_text_wrap()
            .set_align(FormatAlign::Top)
            .set_border_bottom(FormatBorder::Thin);
        Formats {
            numbers: HashMap::new(),
            title: Format::new().set_bold().set_font_size(13),
            group: header.clone().set_align(FormatAlign::Center),
            number_header: header.clone().set_align(FormatAlign::Right),
            header: header.set_align(FormatAlign::Left).set_indent(1),
            text: Format::new().set_indent(1).set_align(FormatAlign::Top),
            general: Format::new().set_align(FormatAlign::Top),
            wrapped: Format::new()
                .set_indent(1)
                .set_align(FormatAlign::Top)
                .set_text_wrap(),
        }
    }

    /// The format showing `decimals` decimals, as a percentage or not, with a sign or
    /// not: `#,##0.00`, `+#,##0.0%;-#,##0.0%;#,##0.0%`.
    fn number(&mut self, decimals: usize, percent: bool, signed: bool) -> &Format {
        self.numbers
            .entry((decimals, percent, signed))
            .or_insert_with(|| {
                let mut body = String::from("#,##0");
                if decimals > 0 {
                    body.push('.');
                    body.push_str(&"0".repeat(decimals));
                }
                if percent {
                    body.push('%');
                }
                let code = if signed {
                    format!("+{body};-{body};{body}")
                } else {
                    body
                };
                Format::new()
                    .set_num_format(code)
                    .set_align(FormatAlign::Top)
            })
    }
}

/// Decimals that show `shown_value` (the value as displayed: ×100 for a percentage)
/// to three significant figures, as [`numbers::significant`] writes it.
fn significant_decimals(shown_value: f64) -> usize {
    if shown_value == 0.0 || !shown_value.is_finite() {
        return 0;
    }
    (2 - shown_value.abs().log10().floor() as i32).clamp(0, 6) as usize
}

/// The characters of `{x:.decimals$}` with its thousands grouped (`-1,234.50`),
/// counted without making the text: the widest cell of a column sets its width.
fn fixed_width(x: f64, decimals: usize) -> usize {
    if !x.is_finite() {
        return 0;
    }
    let scale = 10f64.powi(decimals.min(17) as i32);
    let whole = ((x.abs() * scale).round() / scale).trunc();
    let mut digits = 1;
    let mut rest = whole;
    while rest >= 10.0 && digits < 309 {
        rest /= 10.0;
        digits += 1;
    }
    let point = if decimals > 0 { decimals + 1 } else { 0 };
    usize::from(x.is_sign_negative()) + digits + (digits - 1) / 3 + point
}

/// The characters of `{x}`, made in `scratch` rather than in a new `String` (for a
/// finite value by the data files' formatter, which writes `{}`'s text faster).
fn display_len(scratch: &mut Vec<u8>, x: f64) -> usize {
    use std::io::Write;
    scratch.clear();
    if x.is_finite() {
        super::write_number(scratch, Some(x));
    } else {
        // Writing into a Vec cannot fail.
        let _ = write!(scratch, "{x}");
    }
    scratch.len()
}

/// The characters of [`numbers::significant`]'s text of `x` ([`numbers::signed`]'s
/// when `signed`), its digits made in `scratch` rather than in new `String`s: the
/// same `{x:.decimals$}`, then one comma per three whole digits and the sign counted.
fn significant_width(scratch: &mut Vec<u8>, x: f64, signed: bool) -> usize {
    use std::io::Write;
    if x == 0.0 || !x.is_finite() {
        let text = if signed {
            numbers::signed(x)
        } else {
            numbers::significant(x)
        };
        return text.chars().count();
    }
    let decimals = significant_decimals(x);
    scratch.clear();
    // Writing into a Vec cannot fail.
    let _ = write!(scratch, "{x:.decimals$}");
    let whole_digits = scratch
        .iter()
        .take_while(|&&b| b != b'.')
        .filter(|b| b.is_ascii_digit())
        .count();
    scratch.len() + whole_digits.saturating_sub(1) / 3 + usize::from(signed && x > 0.0)
}

/// The characters of a number shown with `decimals` decimals (of its percentage for
/// `Percent`), with room for a sign or a `%`.
fn fixed_shown_width(x: f64, decimals: usize, shown: Shown, signed: bool) -> usize {
    let percent = shown == Shown::Percent;
    let scaled = if percent { 100.0 * x } else { x };
    fixed_width(scaled, decimals) + usize::from(percent || signed)
}

/// A workbook being made: sheets are added in order, then [`Workbook::bytes`].
pub struct Workbook {
    book: rust_xlsxwriter::Workbook,
    names: Vec<String>,
    formats: Formats,
    /// Rows of numbers written into their sheet's XML at saving ([`LateRows`]).
    late: Vec<LateRows>,
}

impl Default for Workbook {
    fn default() -> Self {
        Workbook::new()
    }
}

impl Workbook {
    pub fn new() -> Workbook {
        Workbook {
            book: rust_xlsxwriter::Workbook::new(),
            names: Vec::new(),
            formats: Formats::new(),
            late: Vec::new(),
        }
    }

    /// Adds a sheet named after `name` (made valid and unique: [`sheet_name`]): the
    /// `heading` lines (the first as a title), a blank line, the column headings
    /// (frozen, so they stay in view), then the rows `fill` hands to the
    /// [`SheetRows`]. Column widths follow the content; a sheet of more than six
    /// columns keeps its first column in view too. Returns the sheet's name.
    pub fn sheet(
        &mut self,
        name: &str,
        heading: &[String],
        columns: &[SheetColumn],
        fill: impl FnOnce(&mut SheetRows<'_>) -> anyhow::Result<()>,
    ) -> anyhow::Result<String> {
        let name = sheet_name(name, &self.names);
        self.names.push(name.clone());
        let sheet = self.book.add_worksheet();
        sheet.set_name(&name)?;
        for (i, line) in heading.iter().enumerate() {
            let format = if i == 0 {
                &self.formats.title
            } else {
                &Format::new()
            };
            sheet.write_string_with_format(i as u32, 0, clip(line), format)?;
        }
        let groups = columns.iter().any(|c| c.group.is_some());
        let header_row = heading.len() as u32 + 1 + u32::from(groups);
        // A column of fixed decimals has one format: set once on the column, each
        // cell takes it (a format given with every cell is looked up every time,
        // most of the cost of a long sheet).
        for (col, column) in columns.iter().enumerate() {
            if let Numbers::Fixed(decimals, shown) = column.numbers {
                let format = self
                    .formats
                    .number(decimals, shown == Shown::Percent, column.signed);
                sheet.set_column_format(col as u16, format)?;
            }
        }
        let mut rows = SheetRows {
            sheet,
            columns,
            formats: &mut self.formats,
            next: header_row + 1,
            widths: columns.iter().map(|_| 0).collect(),
            scratch: Vec::new(),
            header_row,
            first_row_general_numbers: false,
            late: None,
        };
        fill(&mut rows)
            .with_context(|| format!("cannot write the sheet \"{name}\" of the workbook"))?;
        let late = rows.late.take();
        rows.headings(header_row, groups)?;
        if let Some(mut late) = late {
            late.sheet = self.names.len();
            self.late.push(late);
        }
        Ok(name)
    }

    /// The finished workbook as the bytes of an `.xlsx` file.
    pub fn bytes(mut self) -> anyhow::Result<Vec<u8>> {
        // Deflate's fastest level: a third of the instructions of the default level
        // (6) for a larger but still small file (results.xlsx of 200 baseline
        // replications: 72 → 107 kB).
        self.book.set_zip_compression_level(1);
        let bytes = self.book.save_to_buffer()?;
        if self.late.is_empty() {
            return Ok(bytes);
        }
        with_late_rows(&bytes, &self.late).context("cannot add the rows written late")
    }
}

/// A valid, unique sheet name from `wanted` (an option's title, say): Excel refuses
/// the characters `[]:*?/\`, a name of more than 31 characters, one that starts or
/// ends with `'`, a blank one, the reserved "History" and two names that differ only
/// in case. Refused characters become spaces, runs of spaces one; a long name is cut;
/// a taken one gets " (2)", " (3)" … The full title goes in the sheet's heading.
pub fn sheet_name(wanted: &str, taken: &[String]) -> String {
    let spaced: String = wanted
        .chars()
        .map(|c| {
            if "[]:*?/\\".contains(c) || c.is_control() {
                ' '
            } else {
                c
            }
        })
        .collect();
    let words = spaced.split_whitespace().collect::<Vec<_>>().join(" ");
    let clean = words.trim_matches(|c: char| c == '\'' || c.is_whitespace());
    let base = if clean.is_empty() { "Sheet" } else { clean };
    let is_taken = |name: &str| {
        let lower = name.to_lowercase();
        lower == "history" || taken.iter().any(|t| t.to_lowercase() == lower)
    };
    (1..)
        .map(|k| {
            let suffix = if k == 1 {
                String::new()
            } else {
                format!(" ({k})")
            };
            let room = MAX_SHEET_NAME - suffix.len();
            let mut cut = String::new();
            for c in base.chars() {
                if cut.encode_utf16().count() + c.len_utf16() > room {
                    break;
                }
                cut.push(c);
            }
            let cut = cut.trim_end_matches(|c: char| c == '\'' || c.is_whitespace());
            format!("{cut}{suffix}")
        })
        .find(|name| !is_taken(name))
        .unwrap_or_else(|| "Sheet".into())
}

/// Text within Excel's limit for one cell (32,767 characters), marked with "…" where
/// cut: far beyond any title or source text holdsim writes.
fn clip(text: &str) -> std::borrow::Cow<'_, str> {
    if text.encode_utf16().count() <= MAX_CELL_TEXT {
        return text.into();
    }
    let mut cut = String::new();
    for c in text.chars() {
        if cut.encode_utf16().count() + c.len_utf16() >= MAX_CELL_TEXT {
            break;
        }
        cut.push(c);
    }
    cut.push('…');
    cut.into()
}

/// The rows of one sheet being written; a [`TableSink`], so table-making functions
/// can fill a sheet directly.
pub struct SheetRows<'s> {
    sheet: &'s mut Worksheet,
    columns: &'s [SheetColumn],
    formats: &'s mut Formats,
    /// The row the next call writes.
    next: u32,
    /// The widest shown content of each column so far, in characters.
    widths: Vec<usize>,
    /// Room to make a number's text in to count it, reused from cell to cell.
    scratch: Vec<u8>,
    /// The row of the column headings.
    header_row: u32,
    /// Whether the first data row has a number in every [`Numbers::General`] column
    /// (its cells show the format later cells of the column take).
    first_row_general_numbers: bool,
    /// The rows kept to be written into the sheet's XML at saving, once there are
    /// any ([`SheetRows::row_later`]).
    late: Option<LateRows>,
}

impl SheetRows<'_> {
    /// Writes one row; columns of [`Numbers::AsRow`] show its numbers as `shown`
    /// (percentages for a share KPI). An empty text or undefined number is a blank.
    pub fn row_shown(&mut self, cells: &[Cell<'_>], shown: Shown) -> anyhow::Result<()> {
        anyhow::ensure!(
            cells.len() == self.columns.len(),
            "a row of {} cells in a sheet of {} columns",
            cells.len(),
            self.columns.len()
        );
        anyhow::ensure!(
            self.next < MAX_ROWS,
            "more rows than a sheet holds ({MAX_ROWS})"
        );
        anyhow::ensure!(
            self.late.is_none(),
            "a row written now after rows written at saving"
        );
        let row = self.next;
        let mut lines = 1;
        for (col, (cell, column)) in cells.iter().zip(self.columns).enumerate() {
            let width = match *cell {
                Cell::Int(i) => self.general(row, col, i as f64)?,
                Cell::Setting(n) => self.general(row, col, n.as_f64())?,
                Cell::Float(Some(x)) if x.is_finite() => match column.numbers {
                    Numbers::General => self.general(row, col, x)?,
                    Numbers::Significant(s) => self.significant(row, col, x, s)?,
                    Numbers::AsRow => self.significant(row, col, x, shown)?,
                    Numbers::Fixed(decimals, s) => self.fixed(row, col, x, decimals, s)?,
                    Numbers::Change => self.change(row, col, x)?,
                },
                Cell::Float(_) => 0,
                Cell::Text(t) => {
                    let width = t.chars().count();
                    // Indented, so text after a column of numbers does not run
                    // into them; wrapped (never cut) where wider than a column,
                    // in a row made tall enough (spreadsheets do not all fit a
                    // row's height to its text when they open a file).
                    let format = if width > MAX_WIDTH {
                        lines = lines.max(wrapped_lines(t, MAX_WIDTH));
                        &self.formats.wrapped
                    } else {
                        &self.formats.text
                    };
                    if !t.is_empty() {
                        self.sheet
                            .write_string_with_format(row, col as u16, clip(t), format)?;
                    }
                    width
                }
            };
            self.widths[col] = self.widths[col].max(width);
        }
        if lines > 1 {
            self.sheet.set_row_height(row, 15.0 * lines as f64)?;
        }
        if row == self.header_row + 1 {
            let number = |cell: &Cell| match *cell {
                Cell::Int(_) => true,
                Cell::Setting(n) => n.as_f64().is_finite(),
                Cell::Float(x) => x.is_some_and(f64::is_finite),
                Cell::Text(_) => false,
            };
            self.first_row_general_numbers = cells
                .iter()
                .zip(self.columns)
                .all(|(cell, column)| column.numbers != Numbers::General || number(cell));
        }
        self.next += 1;
        Ok(())
    }

    /// A number in Excel's General format; returns its shown width.
    fn general(&mut self, row: u32, col: usize, x: f64) -> anyhow::Result<usize> {
        let format = &self.formats.general;
        self.sheet
            .write_number_with_format(row, col as u16, x, format)?;
        Ok(display_len(&mut self.scratch, x).min(12))
    }

    /// A number shown to three significant figures (×100 with `%` for `Percent`).
    fn significant(&mut self, row: u32, col: usize, x: f64, shown: Shown) -> anyhow::Result<usize> {
        let percent = shown == Shown::Percent;
        let scaled = if percent { 100.0 * x } else { x };
        let signed = self.columns[col].signed;
        let format = self
            .formats
            .number(significant_decimals(scaled), percent, signed);
        self.sheet
            .write_number_with_format(row, col as u16, x, format)?;
        Ok(significant_width(&mut self.scratch, scaled, signed) + usize::from(percent))
    }

    /// A number shown with `decimals` decimals (of its percentage for `Percent`).
    fn fixed(
        &mut self,
        row: u32,
        col: usize,
        x: f64,
        decimals: usize,
        shown: Shown,
    ) -> anyhow::Result<usize> {
        // The column's format (set with the sheet) shows it.
        self.sheet.write_number(row, col as u16, x)?;
        Ok(fixed_shown_width(
            x,
            decimals,
            shown,
            self.columns[col].signed,
        ))
    }

    /// Keeps a row of numbers (NaN: a blank) to be written straight into the sheet's
    /// XML when the workbook is saved ([`LateRows`]), as [`SheetRows::row`] would
    /// write it; only for columns of [`Numbers::General`] or [`Numbers::Fixed`].
    ///
    /// Why: each cell handed to rust_xlsxwriter is stored in a tree, looked up in
    /// hash tables, then formatted on saving: about 2,000 instructions a number,
    /// most of the cost of a workbook with a long per-replication sheet.
    ///
    /// The rows before, written through rust_xlsxwriter, must include one data row
    /// with every [`Numbers::General`] cell defined (its cells show the formats the
    /// later cells take), in the block of 16 rows of the column headings (whose
    /// `spans` then cover every column); otherwise the row is written now.
    pub fn row_later(&mut self, values: &[f64]) -> anyhow::Result<()> {
        anyhow::ensure!(
            values.len() == self.columns.len(),
            "a row of {} cells in a sheet of {} columns",
            values.len(),
            self.columns.len()
        );
        let first_data_row = self.header_row + 1;
        let can_wait = self.late.is_some()
            || (self.next == first_data_row + 1
                && first_data_row / 16 == self.header_row / 16
                && self.first_row_general_numbers);
        if !can_wait {
            let cells: Vec<Cell> = values
                .iter()
                .map(|&x| Cell::Float(Some(x).filter(|x| x.is_finite())))
                .collect();
            return self.row(&cells);
        }
        anyhow::ensure!(
            self.next < MAX_ROWS,
            "more rows than a sheet holds ({MAX_ROWS})"
        );
        for (col, (&x, column)) in values.iter().zip(self.columns).enumerate() {
            if !x.is_finite() {
                continue;
            }
            let width = match column.numbers {
                Numbers::General => display_len(&mut self.scratch, x).min(12),
                Numbers::Fixed(decimals, shown) => {
                    fixed_shown_width(x, decimals, shown, column.signed)
                }
                other => anyhow::bail!("numbers shown as {other:?} cannot be written late"),
            };
            self.widths[col] = self.widths[col].max(width);
        }
        let late = self.late.get_or_insert_with(|| LateRows {
            sheet: 0,
            first_row: self.next,
            header_row: self.header_row,
            columns: self.columns.len(),
            values: Vec::new(),
        });
        late.values.extend_from_slice(values);
        self.next += 1;
        Ok(())
    }

    /// A relative change as a percentage to two figures, signed.
    fn change(&mut self, row: u32, col: usize, x: f64) -> anyhow::Result<usize> {
        let decimals = usize::from((100.0 * x).abs() < 10.0);
        let format = self.formats.number(decimals, true, true);
        self.sheet
            .write_number_with_format(row, col as u16, x, format)?;
        Ok(numbers::signed_percent(x).chars().count())
    }

    /// The column headings (and group headings above them), column widths from the
    /// content, the frozen panes and the print layout; called once every row is written.
    fn headings(mut self, header_row: u32, groups: bool) -> anyhow::Result<()> {
        let mut header_lines = 1;
        let mut widths = Vec::with_capacity(self.columns.len());
        for (col, column) in self.columns.iter().enumerate() {
            let title = column.title.chars().count();
            let width = self.widths[col].max(title.min(14)).clamp(6, MAX_WIDTH) + 2;
            header_lines = header_lines.max(wrapped_lines(&column.title, width - 1));
            self.sheet.set_column_width(col as u16, width as f64)?;
            let format = if column.numbers == Numbers::General {
                &self.formats.header
            } else {
                &self.formats.number_header
            };
            self.sheet
                .write_string_with_format(header_row, col as u16, &column.title, format)?;
            widths.push(width);
        }
        self.sheet
            .set_row_height(header_row, 15.0 * header_lines as f64)?;
        if groups {
            self.group_headings(header_row - 1, &widths)?;
        }
        // A wide sheet keeps its row labels in view too.
        let label_columns = u16::from(self.columns.len() > 6);
        self.sheet.set_freeze_panes(header_row + 1, label_columns)?;
        // Printed on A4 (code 9) in landscape, one page wide, headings on every page.
        let first_heading = header_row - u32::from(groups);
        self.sheet
            .set_paper_size(9)
            .set_landscape()
            .set_print_fit_to_pages(1, 0)
            .set_repeat_rows(first_heading, header_row)?;
        Ok(())
    }

    /// Each run of columns sharing a group heading gets it once, across them.
    fn group_headings(&mut self, row: u32, widths: &[usize]) -> anyhow::Result<()> {
        let mut lines = 1;
        let mut start = 0;
        while start < self.columns.len() {
            let group = &self.columns[start].group;
            let end = start
                + self.columns[start..]
                    .iter()
                    .take_while(|c| &c.group == group)
                    .count();
            if let Some(title) = group {
                let width: usize = widths[start..end].iter().sum();
                lines = lines.max(wrapped_lines(title, width.saturating_sub(2).max(1)));
                let (first, last) = (start as u16, (end - 1) as u16);
                if first == last {
                    self.sheet.write_string_with_format(
                        row,
                        first,
                        clip(title),
                        &self.formats.group,
                    )?;
                } else {
                    self.sheet.merge_range(
                        row,
                        first,
                        row,
                        last,
                        &clip(title),
                        &self.formats.group,
                    )?;
                }
            }
            start = end;
        }
        self.sheet.set_row_height(row, 15.0 * lines as f64)?;
        Ok(())
    }
}

impl TableSink for SheetRows<'_> {
    fn row(&mut self, cells: &[Cell<'_>]) -> anyhow::Result<()> {
        self.row_shown(cells, Shown::Plain)
    }

    fn finish(self: Box<Self>) -> anyhow::Result<()> {
        Ok(())
    }
}

/// The lines `text` takes when wrapped at word boundaries to `width` characters.
fn wrapped_lines(text: &str, width: usize) -> usize {
    let mut lines = 1;
    let mut used = 0;
    for word in text.split_whitespace() {
        let len = word.chars().count();
        if used > 0 && used + 1 + len > width {
            lines += 1;
            used = 0;
        }
        used += if used > 0 { 1 + len } else { len };
        lines += used.saturating_sub(1) / width.max(1);
        used = if used > width { used % width } else { used };
    }
    lines
}

/// Rows of numbers written straight into their sheet's XML when the workbook is
/// saved ([`SheetRows::row_later`]), after the sheet's first data row, which
/// rust_xlsxwriter wrote: the XML rust_xlsxwriter writes for such cells
/// (`<c r="B7" s="7"><v>0.5</v></c>`: numbers as `zmij` writes them, each cell with
/// the style its column's cell has in the first data row, or else the column's own),
/// in rows `<row r="7" spans="1:35">` with `spans` per block of 16 rows, and the
/// sheet's `dimension` extended to them. The test
/// `rows_written_late_make_the_same_workbook_as_rows_written_now` holds them to that.
struct LateRows {
    /// The sheet's number (`xl/worksheets/sheet{sheet}.xml`), from 1.
    sheet: usize,
    /// The (0-based) row of the first of them.
    first_row: u32,
    header_row: u32,
    columns: usize,
    /// Row after row (NaN: a blank).
    values: Vec<f64>,
}

impl LateRows {
    /// Writes `xml` (the sheet as rust_xlsxwriter saved it) to `out` with the rows
    /// added after the first data row.
    fn write_into(&self, xml: &str, out: &mut impl std::io::Write) -> anyhow::Result<()> {
        let damaged = || anyhow::anyhow!("the sheet's XML is not as rust_xlsxwriter writes it");
        // The first data row is XML row `first_row` (XML counts from 1).
        let first_data = format!("<row r=\"{}\"", self.first_row);
        let row_at = xml.find(&first_data).ok_or_else(damaged)?;
        let row_end = row_at + xml[row_at..].find("</row>").ok_or_else(damaged)? + 6;
        let names: Vec<String> = (0..self.columns).map(column_name).collect();
        let styles = self.styles(xml, &xml[row_at..row_end], &names)?;
        let rows = self.values.chunks_exact(self.columns.max(1));
        let last_row = rows
            .clone()
            .rposition(|r| r.iter().any(|x| x.is_finite()))
            .map(|i| self.first_row + i as u32);
        let head = match last_row {
            Some(last) => with_dimension_to(&xml[..row_end], last).ok_or_else(damaged)?,
            None => xml[..row_end].to_string(),
        };
        out.write_all(head.as_bytes())?;
        let spans = self.spans();
        // Each cell's `<c r="` and ` s="…"` (none for style 0) are made once per column.
        let styles: Vec<String> = styles
            .iter()
            .map(|&s| match s {
                0 => String::new(),
                s => format!(" s=\"{s}\""),
            })
            .collect();
        let mut text = Vec::with_capacity(1 << 16);
        let (mut number, mut integer) = (zmij::Buffer::new(), itoa::Buffer::new());
        for (i, row) in rows.enumerate() {
            if !row.iter().any(|x| x.is_finite()) {
                continue;
            }
            let r = self.first_row + i as u32 + 1;
            let (low, high) = spans[((r - 1) / 16 - self.first_row / 16) as usize];
            let r = integer.format(r).as_bytes().to_vec();
            text.extend_from_slice(b"<row r=\"");
            text.extend_from_slice(&r);
            text.extend_from_slice(b"\" spans=\"");
            text.extend_from_slice(integer.format(low + 1).as_bytes());
            text.push(b':');
            text.extend_from_slice(integer.format(high + 1).as_bytes());
            text.extend_from_slice(b"\">");
            for ((&x, name), style) in row.iter().zip(&names).zip(&styles) {
                if !x.is_finite() {
                    continue;
                }
                text.extend_from_slice(b"<c r=\"");
                text.extend_from_slice(name.as_bytes());
                text.extend_from_slice(&r);
                text.push(b'"');
                text.extend_from_slice(style.as_bytes());
                text.extend_from_slice(b"><v>");
                text.extend_from_slice(number.format_finite(x).as_bytes());
                text.extend_from_slice(b"</v></c>");
            }
            text.extend_from_slice(b"</row>");
            if text.len() > 1 << 15 {
                out.write_all(&text)?;
                text.clear();
            }
        }
        out.write_all(&text)?;
        out.write_all(&xml.as_bytes()[row_end..])?;
        Ok(())
    }

    /// Each column's cell style: its cell's in the first data row (`row`), or else
    /// the column's own (a `<col>` with a `style`), or none.
    fn styles(&self, xml: &str, row: &str, names: &[String]) -> anyhow::Result<Vec<u32>> {
        let number_after = |text: &str, key: &str| -> Option<u32> {
            let from = text.find(key)? + key.len();
            let digits = text[from..].split('"').next()?;
            digits.parse().ok()
        };
        let cols = xml
            .find("<cols>")
            .and_then(|at| xml[at..].find("</cols>").map(|end| &xml[at..at + end]))
            .unwrap_or("");
        let mut styles = Vec::with_capacity(names.len());
        for (col, name) in names.iter().enumerate() {
            let cell = format!("<c r=\"{name}{}\"", self.first_row);
            let style = match row.find(&cell) {
                Some(at) => {
                    let tag = &row[at..at + row[at..].find('>').unwrap_or(0)];
                    number_after(tag, " s=\"").unwrap_or(0)
                }
                None => cols
                    .split("<col ")
                    .skip(1)
                    .find(|c| {
                        let (min, max) = (number_after(c, "min=\""), number_after(c, "max=\""));
                        matches!((min, max), (Some(a), Some(b)) if (a..=b).contains(&(col as u32 + 1)))
                    })
                    .and_then(|c| number_after(c, " style=\""))
                    .unwrap_or(0),
            };
            styles.push(style);
        }
        Ok(styles)
    }

    /// Per block of 16 rows from the first data row's, the first and last column with
    /// a cell: every column in the block of the column headings.
    fn spans(&self) -> Vec<(usize, usize)> {
        let first_block = self.first_row / 16;
        let rows = self.values.len() / self.columns.max(1);
        let last_block = (self.first_row + rows as u32) / 16;
        let mut spans = vec![(usize::MAX, 0); (last_block - first_block + 1) as usize];
        if self.header_row / 16 == first_block {
            spans[0] = (0, self.columns.saturating_sub(1));
        }
        for (i, row) in self.values.chunks_exact(self.columns.max(1)).enumerate() {
            let block = ((self.first_row + i as u32) / 16 - first_block) as usize;
            for (col, x) in row.iter().enumerate() {
                if x.is_finite() {
                    let (low, high) = &mut spans[block];
                    *low = (*low).min(col);
                    *high = (*high).max(col);
                }
            }
        }
        spans
    }
}

/// `xml` with its `<dimension ref="A1:AI6"/>` reaching (0-based) row `last` at least.
fn with_dimension_to(xml: &str, last: u32) -> Option<String> {
    let key = "<dimension ref=\"";
    let from = xml.find(key)? + key.len();
    let end = from + xml[from..].find('"')?;
    let range = &xml[from..end];
    let (start, corner) = range.split_once(':')?;
    let digits = corner.find(|c: char| c.is_ascii_digit())?;
    let (letters, row) = corner.split_at(digits);
    let row = row.parse::<u32>().ok()?.max(last + 1);
    Some(format!(
        "{}{start}:{letters}{row}{}",
        &xml[..from],
        &xml[end..]
    ))
}

/// A column's letters, as Excel names it: A … Z, AA … AZ, BA …
fn column_name(col: usize) -> String {
    let mut name = Vec::new();
    let mut n = col + 1;
    while n > 0 {
        let rest = (n - 1) % 26;
        name.push(b'A' + rest as u8);
        n = (n - 1) / 26;
    }
    name.reverse();
    String::from_utf8(name).unwrap_or_default()
}

/// The workbook `saved` by rust_xlsxwriter with the `late` rows written into their
/// sheets; every other part is copied as it is (still compressed).
fn with_late_rows(saved: &[u8], late: &[LateRows]) -> anyhow::Result<Vec<u8>> {
    use std::io::Read;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(saved))?;
    let cells: usize = late.iter().map(|l| l.values.len()).sum();
    let room = saved.len() + 16 * cells;
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::with_capacity(room)));
    // As rust_xlsxwriter writes its parts, at the level `Workbook::bytes` sets.
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(1))
        .unix_permissions(0o600)
        .last_modified_time(zip::DateTime::default());
    for i in 0..archive.len() {
        let name = archive.by_index_raw(i)?.name()?.to_string();
        let rows = late
            .iter()
            .find(|l| name == format!("xl/worksheets/sheet{}.xml", l.sheet));
        match rows {
            Some(rows) => {
                let mut xml = String::new();
                archive.by_index(i)?.read_to_string(&mut xml)?;
                out.start_file(name.as_str(), options)?;
                rows.write_into(&xml, &mut out)
                    .with_context(|| format!("`{name}`"))?;
            }
            None => out.raw_copy_file(archive.by_index_raw(i)?)?,
        }
    }
    Ok(out.finish()?.into_inner())
}

/// One option of a workbook, as its sheets read it.
pub struct Arm<'a> {
    /// The unique file stem (the `scenario` column of the CSV files).
    pub name: &'a str,
    /// What readers see.
    pub title: &'a str,
    /// The resolved scenario as manifests record it.
    pub scenario: &'a Value,
    /// Its replications (`replications.csv`) as the sheets show them.
    pub replications: &'a Replications,
}

/// One option's replications as its workbook shows them: the rows of its
/// per-replication sheet, how many there were, each column's largest value (which
/// sets the decimals the column shows) and the KPI summaries of the "Summary" and
/// "Costs" sheets.
///
/// `holdsim run` fills it as its replications stream (it is a [`TableSink`] of
/// `replications.csv`'s rows), so `results.xlsx` is made without reading that file
/// back: the values are the ones the file's text stands for (the shortest text that
/// reads back as the same `f64`; an undefined or non-finite value is an empty field
/// there and undefined here). `holdsim report` and `holdsim compare` make it from the
/// table they read ([`Replications::of_table`]).
#[derive(Clone, Debug)]
pub struct Replications {
    columns: Vec<String>,
    /// Rows seen.
    count: usize,
    /// The rows, value after value (NaN where undefined), while there are no more
    /// than the sheet shows ([`MAX_SHEET_REPLICATIONS`]); emptied beyond, so a run of
    /// millions of replications keeps its memory bounded.
    shown: Vec<f64>,
    /// Each column's largest magnitude over every row, shown or not.
    largest: Vec<f64>,
    /// Each KPI's summary over every replication.
    summaries: Vec<(Kpi, Option<Summary>)>,
}

impl Replications {
    /// No rows yet, in a table of `columns`.
    pub fn new<'c>(columns: impl IntoIterator<Item = &'c str>) -> Replications {
        let columns: Vec<String> = columns.into_iter().map(String::from).collect();
        Replications {
            largest: vec![0.0; columns.len()],
            columns,
            count: 0,
            shown: Vec::new(),
            summaries: Vec::new(),
        }
    }

    /// The replications of a table read back from `replications.csv`, with each
    /// KPI's summary over its column.
    pub fn of_table(table: &Table) -> Replications {
        let mut replications = Replications::new(table.columns.iter().map(String::as_str));
        for row in &table.rows {
            replications.push(row.iter().copied());
        }
        let summaries = ALL_KPIS
            .into_iter()
            .map(|k| (k, Summary::of(table.column(k.name()).unwrap_or_default())))
            .collect();
        replications.with_summaries(summaries)
    }

    /// The KPI summaries over every replication (a run has them from the values it
    /// kept: the same values, so the same summaries).
    pub fn with_summaries(mut self, summaries: Vec<(Kpi, Option<Summary>)>) -> Replications {
        self.summaries = summaries;
        self
    }

    /// Adds one row of values (as many as there are columns).
    fn push(&mut self, values: impl Iterator<Item = Option<f64>>) {
        self.count += 1;
        let keep = self.count <= MAX_SHEET_REPLICATIONS;
        if !keep && !self.shown.is_empty() {
            self.shown = Vec::new();
        }
        for (largest, value) in self.largest.iter_mut().zip(values) {
            let value = value.filter(|x| x.is_finite());
            if let Some(x) = value {
                *largest = largest.max(x.abs());
            }
            if keep {
                self.shown.push(value.unwrap_or(f64::NAN));
            }
        }
    }

    /// The rows the sheet shows: every row, or none when there are more than it holds.
    fn shown_rows(&self) -> impl Iterator<Item = &[f64]> {
        self.shown.chunks_exact(self.columns.len().max(1))
    }

    fn summary(&self, kpi: Kpi) -> Option<Summary> {
        self.summaries
            .iter()
            .find(|(k, _)| *k == kpi)
            .and_then(|(_, s)| *s)
    }
}

impl TableSink for Replications {
    fn row(&mut self, cells: &[Cell<'_>]) -> anyhow::Result<()> {
        anyhow::ensure!(
            cells.len() == self.columns.len(),
            "a replication row of {} cells in a table of {} columns",
            cells.len(),
            self.columns.len()
        );
        let text = cells.iter().find_map(|cell| match cell {
            Cell::Text(t) => Some(*t),
            _ => None,
        });
        if let Some(t) = text {
            anyhow::bail!("a replication row has the text \"{t}\" where numbers belong");
        }
        self.push(cells.iter().map(|cell| match *cell {
            Cell::Int(i) => Some(i as f64),
            Cell::Float(x) => x,
            Cell::Setting(n) => Some(n.as_f64()),
            Cell::Text(_) => None,
        }));
        Ok(())
    }

    fn finish(self: Box<Self>) -> anyhow::Result<()> {
        Ok(())
    }
}

/// The workbook's file name: `comparison.xlsx` for several options, else `results.xlsx`.
pub fn file_name(options: usize) -> &'static str {
    if options > 1 {
        "comparison.xlsx"
    } else {
        "results.xlsx"
    }
}

/// Writes the workbook of a results folder `dir` read back as `runs` (the baseline
/// first), with the comparison's `rows`: what `holdsim report` and `holdsim compare`
/// call, so the workbook is rebuilt with the report.
pub fn write(dir: &Path, runs: &[RunResults], analysis: &Analysis) -> anyhow::Result<()> {
    let replications: Vec<Replications> = runs
        .iter()
        .map(|run| Replications::of_table(&run.replications))
        .collect();
    let arms: Vec<Arm> = runs
        .iter()
        .zip(&replications)
        .map(|(run, replications)| Arm {
            name: &run.name,
            title: &run.title,
            scenario: &run.manifest["scenario"],
            replications,
        })
        .collect();
    let name = file_name(arms.len());
    let bytes = workbook(&arms, Some(analysis)).with_context(|| format!("cannot make `{name}`"))?;
    write_file(&dir.join(name), &bytes)
}

/// Writes `results.xlsx` of a run into its staging folder, from the `replications`
/// the run kept as they streamed into `replications.csv` (so the file is not read
/// back). Returns the file's name.
pub fn write_run(
    staging: &Staging,
    name: &str,
    scenario: &Scenario,
    replications: &Replications,
) -> anyhow::Result<&'static str> {
    let json = scenario.to_json();
    let arm = Arm {
        name,
        title: scenario.title.as_deref().unwrap_or(name),
        scenario: &json,
        replications,
    };
    let file = file_name(1);
    let bytes = workbook(&[arm], None).with_context(|| format!("cannot make `{file}`"))?;
    staging.write(file, &bytes)?;
    Ok(file)
}

/// The whole workbook of `arms` (the baseline first) and a comparison's analysis.
pub fn workbook(arms: &[Arm], analysis: Option<&Analysis>) -> anyhow::Result<Vec<u8>> {
    let mut book = Workbook::new();
    summary_sheet(&mut book, "Summary", arms, |_| true)?;
    let comparison = analysis.filter(|_| arms.len() > 1);
    if let Some(a) = comparison {
        verdict_sheet(&mut book, arms, a)?;
        compared_sheet(&mut book, arms, &a.rows)?;
        pairwise_sheet(&mut book, arms, a)?;
    }
    summary_sheet(&mut book, "Costs", arms, |k| k.name().starts_with("cost"))?;
    if let Some(a) = comparison {
        cost_effectiveness_sheet(&mut book, arms, a)?;
    }
    assumptions_sheet(&mut book, arms)?;
    for arm in arms {
        replications_sheet(&mut book, arm, arms.len() > 1)?;
    }
    book.bytes()
}

/// "days 180 to 1,825 of each run, after a 180-day start-up that is left out".
fn window(arm: &Arm) -> String {
    let run = &arm.scenario["run"];
    match (run["warmup_days"].as_u64(), run["horizon_days"].as_u64()) {
        (Some(w), Some(h)) => format!(
            "Values are over days {w} to {h} of each simulated period (the first {w} days, while the service fills up, are left out), over {} replications (runs with different random events).",
            arm.replications.count
        ),
        _ => String::new(),
    }
}

/// "Summary" (every KPI) or "Costs" (the KPIs `keep` selects): label, unit, then per
/// option its mean and 95% CI, then the KPI's column name in the CSV files.
fn summary_sheet(
    book: &mut Workbook,
    name: &str,
    arms: &[Arm],
    keep: impl Fn(Kpi) -> bool,
) -> anyhow::Result<()> {
    let mut columns = vec![SheetColumn::text("Measure"), SheetColumn::text("Unit")];
    for arm in arms {
        for title in ["Mean", "95% CI low", "95% CI high"] {
            let column = SheetColumn::numbers(title, Numbers::AsRow);
            // A run's one option is named in the heading; a comparison's head their
            // column groups.
            columns.push(match arms.len() {
                1 => column,
                _ => column.in_group(arm.title),
            });
        }
    }
    columns.push(SheetColumn::text("Column in the CSV files"));
    let what = if name == "Costs" { "Costs" } else { "Results" };
    let mut heading = vec![
        match arms {
            [one] => format!("{what}: {}", one.title),
            _ => format!("{what}: {} options side by side", arms.len()),
        },
        window(&arms[0]),
        "Each number is a mean with its 95% confidence interval, rounded for reading; the cell holds the full value (select it to see more digits).".into(),
    ];
    if name == "Costs" {
        heading.push("In £. The prices behind them are each option's cost keys, listed on the Assumptions sheet where they differ from the defaults (docs/parameters.md).".into());
    }
    book.sheet(name, &heading, &columns, |rows| {
        for kpi in ALL_KPIS.into_iter().filter(|&k| keep(k)) {
            let info = kpi.info();
            let mut cells = vec![Cell::Text(info.label), Cell::Text(info.unit)];
            for arm in arms {
                let s = arm.replications.summary(kpi);
                cells.extend(
                    [s.map(|s| s.mean), s.map(|s| s.ci_low), s.map(|s| s.ci_high)].map(Cell::Float),
                );
            }
            cells.push(Cell::Text(kpi.name()));
            rows.row_shown(&cells, Shown::of(kpi))?;
        }
        Ok(())
    })?;
    Ok(())
}

/// "Compared": every option but the baseline against it, one row per (option, KPI),
/// as `compare.csv` has them.
fn compared_sheet(book: &mut Workbook, arms: &[Arm], rows: &[Row]) -> anyhow::Result<()> {
    let baseline = &arms[0];
    let kpi_shown = |title: &str| SheetColumn::numbers(title, Numbers::AsRow);
    let columns = [
        SheetColumn::text("Measure"),
        SheetColumn::text("Option"),
        SheetColumn::text("Unit"),
        kpi_shown("Baseline mean"),
        kpi_shown("Option mean"),
        kpi_shown("Difference").signed(),
        kpi_shown("95% CI low").signed(),
        kpi_shown("95% CI high").signed(),
        SheetColumn::numbers("Relative change", Numbers::Change),
        SheetColumn::numbers("Relative change, 95% CI low", Numbers::Change),
        SheetColumn::numbers("Relative change, 95% CI high", Numbers::Change),
        SheetColumn::text("Clear difference (CI excludes 0)"),
        SheetColumn::text("Column in the CSV files"),
        SheetColumn::text("Option in the CSV files"),
    ];
    let heading = vec![
        format!("Each option compared with the baseline: {}", baseline.title),
        "Difference = option minus baseline, paired replication by replication (the same random events in every option), with its 95% confidence interval; a difference of two shares is in percentage points.".into(),
        window(baseline),
    ];
    let title_of = |name: &str| {
        arms.iter()
            .find(|a| a.name == name)
            .map_or_else(|| name.to_string(), |a| a.title.to_string())
    };
    book.sheet("Compared", &heading, &columns, |sheet| {
        for r in rows {
            let Some(d) = &r.difference else { continue };
            let base = rows
                .iter()
                .find(|b| b.scenario == baseline.name && b.kpi == r.kpi)
                .and_then(|b| b.summary);
            let rel = d.relative.ok();
            let info = r.kpi.info();
            let title = title_of(&r.scenario);
            let cells = [
                Cell::Text(info.label),
                Cell::Text(&title),
                Cell::Text(info.unit),
                Cell::Float(base.map(|s| s.mean)),
                Cell::Float(r.summary.map(|s| s.mean)),
                Cell::Float(Some(d.mean)),
                Cell::Float(Some(d.ci_low)),
                Cell::Float(Some(d.ci_high)),
                Cell::Float(rel.map(|r| r.0)),
                Cell::Float(rel.map(|r| r.1)),
                Cell::Float(rel.map(|r| r.2)),
                Cell::Text(if d.significant() { "yes" } else { "no" }),
                Cell::Text(r.kpi.name()),
                Cell::Text(&r.scenario),
            ];
            sheet.row_shown(&cells, Shown::of(r.kpi))?;
        }
        Ok(())
    })?;
    Ok(())
}

/// "Verdict": per headline KPI, which option is best and whether clearly.
fn verdict_sheet(book: &mut Workbook, arms: &[Arm], a: &Analysis) -> anyhow::Result<()> {
    let columns = [
        SheetColumn::text("Measure"),
        SheetColumn::text("Better"),
        SheetColumn::text("Best option"),
        SheetColumn::text("Clearly best (better than every other option)"),
        SheetColumn::text("Cannot be told apart from"),
        SheetColumn::text("Column in the CSV files"),
        SheetColumn::text("Best option in the CSV files"),
    ];
    let heading = vec![
        "The verdict: the best option on each headline measure".to_string(),
        "Best = the best mean; clearly = its paired 95% confidence interval excludes zero against every other option, the baseline included.".into(),
        window(&arms[0]),
    ];
    book.sheet("Verdict", &heading, &columns, |sheet| {
        for v in &a.verdicts {
            let better = match v.kpi.info().better {
                crate::kpi::Better::Higher => "higher",
                _ => "lower",
            };
            let (best, stem) = v.best.map_or(("", ""), |b| (arms[b].title, arms[b].name));
            let tied: Vec<&str> = v.tied_with_best.iter().map(|&i| arms[i].title).collect();
            let tied = tied.join("; ");
            sheet.row(&[
                Cell::Text(v.kpi.label()),
                Cell::Text(better),
                Cell::Text(best),
                Cell::Text(if v.clear { "yes" } else { "no" }),
                Cell::Text(&tied),
                Cell::Text(v.kpi.name()),
                Cell::Text(stem),
            ])?;
        }
        Ok(())
    })?;
    Ok(())
}

/// "Pairwise": every option against every other, per KPI.
fn pairwise_sheet(book: &mut Workbook, arms: &[Arm], a: &Analysis) -> anyhow::Result<()> {
    let kpi_shown = |title: &str| SheetColumn::numbers(title, Numbers::AsRow);
    let columns = [
        SheetColumn::text("Measure"),
        SheetColumn::text("Option"),
        SheetColumn::text("Compared with"),
        kpi_shown("Difference").signed(),
        kpi_shown("95% CI low").signed(),
        kpi_shown("95% CI high").signed(),
        SheetColumn::numbers("Relative change", Numbers::Change),
        SheetColumn::text("Clear difference (CI excludes 0)"),
        SheetColumn::text("Column in the CSV files"),
    ];
    let heading = vec![
        "Every option against every other".to_string(),
        "Difference = option minus the option it is compared with, paired replication by replication, with its 95% confidence interval; relative change against the second option's mean.".into(),
        window(&arms[0]),
    ];
    book.sheet("Pairwise", &heading, &columns, |sheet| {
        for p in &a.pairs {
            let Some(d) = &p.difference else { continue };
            let cells = [
                Cell::Text(p.kpi.label()),
                Cell::Text(arms[p.scenario].title),
                Cell::Text(arms[p.other].title),
                Cell::Float(Some(d.mean)),
                Cell::Float(Some(d.ci_low)),
                Cell::Float(Some(d.ci_high)),
                Cell::Float(d.relative.ok().map(|r| r.0)),
                Cell::Text(if p.clear() { "yes" } else { "no" }),
                Cell::Text(p.kpi.name()),
            ];
            sheet.row_shown(&cells, Shown::of(p.kpi))?;
        }
        Ok(())
    })?;
    Ok(())
}

/// "Cost-effectiveness": each option against the baseline, per outcome, in words and
/// numbers.
fn cost_effectiveness_sheet(book: &mut Workbook, arms: &[Arm], a: &Analysis) -> anyhow::Result<()> {
    let money = |t: &str| SheetColumn::numbers(t, Numbers::Significant(Shown::Plain));
    let columns = [
        SheetColumn::text("Option"),
        SheetColumn::text("Gain"),
        money("Extra cost over the period (£)").signed(),
        money("95% CI low").signed(),
        money("95% CI high").signed(),
        money("Gain").signed(),
        money("Gain, 95% CI low").signed(),
        money("Gain, 95% CI high").signed(),
        SheetColumn::text("Assessment"),
        money("£ per unit of gain"),
        money("95% CI low (bootstrap)"),
        money("95% CI high (bootstrap)"),
        SheetColumn::text("In words"),
    ];
    let heading = vec![
        format!("Cost-effectiveness against the baseline: {}", arms[0].title),
        "Dominant = better and cheaper; dominated = worse and dearer; a ratio is given only where the gain's 95% CI excludes zero, with an interval from resampling the paired replications.".into(),
        window(&arms[0]),
    ];
    let names: Vec<(String, String)> = arms
        .iter()
        .map(|x| (x.name.to_string(), x.title.to_string()))
        .collect();
    book.sheet("Cost-effectiveness", &heading, &columns, |sheet| {
        for e in &a.effects {
            let ratio = match e.assessment {
                crate::economics::Assessment::Ratio {
                    ratio,
                    ci_low,
                    ci_high,
                } => [Some(ratio), Some(ci_low), Some(ci_high)],
                _ => [None; 3],
            };
            let words = crate::report::answer::cost_per_gain_words(e, &names);
            sheet.row(&[
                Cell::Text(arms[e.scenario].title),
                Cell::Text(e.outcome.unit().1),
                Cell::Float(Some(e.cost.mean)),
                Cell::Float(Some(e.cost.ci_low)),
                Cell::Float(Some(e.cost.ci_high)),
                Cell::Float(Some(e.gain.mean)),
                Cell::Float(Some(e.gain.ci_low)),
                Cell::Float(Some(e.gain.ci_high)),
                Cell::Text(e.assessment.name()),
                Cell::Float(ratio[0]),
                Cell::Float(ratio[1]),
                Cell::Float(ratio[2]),
                Cell::Text(&words),
            ])?;
        }
        Ok(())
    })?;
    Ok(())
}

/// One parameter that differs from its default: key, value, default, unit, source.
struct Changed {
    key: String,
    value: Value,
    default: Value,
    unit: &'static str,
    about: String,
}

/// Every parameter of `scenario` whose value differs from `defaults`, in file order;
/// a changed list (`[[service]]`, …) is one entry.
fn changed_parameters(scenario: &Value, defaults: &Value) -> Vec<Changed> {
    let mut changed = Vec::new();
    for &section in SECTIONS {
        for spec in section_specs(section).unwrap_or_default() {
            let (value, default) = (&scenario[section][spec.key], &defaults[section][spec.key]);
            if value != default {
                changed.push(Changed {
                    key: format!("{section}.{}", spec.key),
                    value: value.clone(),
                    default: default.clone(),
                    unit: spec.unit,
                    about: spec.about.to_string(),
                });
            }
        }
    }
    for &list in ARRAY_SECTIONS {
        if scenario[list] != defaults[list] {
            changed.push(Changed {
                key: format!("[[{list}]]"),
                value: Value::String("changed".into()),
                default: Value::String("the default list".into()),
                unit: "",
                about: format!(
                    "the {list} list differs from the defaults; see the scenario file or the manifest.json of this option"
                ),
            });
        }
    }
    changed
}

/// A JSON value as a cell: numbers as numbers, anything else as its text.
fn value_cell(v: &Value) -> Cell<'_> {
    match v {
        Value::Number(n) => Cell::Float(n.as_f64()),
        Value::String(s) => Cell::Text(s),
        _ => Cell::Text(""),
    }
}

/// "Assumptions": per option, every parameter that differs from its default.
fn assumptions_sheet(book: &mut Workbook, arms: &[Arm]) -> anyhow::Result<()> {
    let columns = [
        SheetColumn::text("Option"),
        SheetColumn::text("Parameter"),
        SheetColumn::text("Value"),
        SheetColumn::text("Default"),
        SheetColumn::text("Unit"),
        SheetColumn::text("About and source"),
    ];
    let heading = vec![
        "Assumptions: every parameter that differs from holdsim's default".into(),
        "Parameters not listed have their default value (see docs/parameters.md). Values marked \"assumption\" have no published source: they are for calibration and sensitivity analysis.".into(),
    ];
    let defaults = Scenario::default().to_json();
    book.sheet("Assumptions", &heading, &columns, |sheet| {
        for arm in arms {
            let changed = changed_parameters(arm.scenario, &defaults);
            if changed.is_empty() {
                let none = "none: every parameter has its default value";
                sheet.row(&[arm.title, none, "", "", "", ""].map(Cell::Text))?;
            }
            for c in &changed {
                sheet.row(&[
                    Cell::Text(arm.title),
                    Cell::Text(&c.key),
                    value_cell(&c.value),
                    value_cell(&c.default),
                    Cell::Text(c.unit),
                    Cell::Text(&c.about),
                ])?;
            }
        }
        Ok(())
    })?;
    Ok(())
}

/// The per-replication rows of one option (`replications.csv`), its KPI columns
/// headed by their labels. The sheet is named after the option in a comparison.
fn replications_sheet(book: &mut Workbook, arm: &Arm, comparison: bool) -> anyhow::Result<()> {
    let table = arm.replications;
    // Each column's decimals show its largest value to three significant figures
    // (rounding is monotonic, so the largest of 100 × |x| is 100 × the largest |x|).
    let fixed = |i: usize, shown: Shown| {
        let factor = if shown == Shown::Percent { 100.0 } else { 1.0 };
        Numbers::Fixed(significant_decimals(factor * table.largest[i]), shown)
    };
    let columns: Vec<SheetColumn> = table
        .columns
        .iter()
        .enumerate()
        .map(|(i, c)| match (c.as_str(), Kpi::from_name(c)) {
            ("replication", _) => SheetColumn::text("Replication"),
            ("patient_days", _) => SheetColumn::numbers("Patient-days", fixed(i, Shown::Plain)),
            (_, Some(k)) => SheetColumn::numbers(k.label(), fixed(i, Shown::of(k))),
            (other, None) => SheetColumn::numbers(other, fixed(i, Shown::Plain)),
        })
        .collect();
    let name = if comparison {
        arm.title
    } else {
        "Replications"
    };
    let mut heading = vec![
        format!("Each replication of: {}", arm.title),
        "One row per replication: a run of the whole period with its own random events (the same events in every option of a comparison, replication by replication).".into(),
        window(arm),
    ];
    let fits = table.count <= MAX_SHEET_REPLICATIONS;
    if !fits {
        heading.push(format!(
            "{} replications are more than this sheet shows (at most {}): their rows are in replications.csv.",
            numbers::group_thousands(&table.count.to_string()),
            numbers::group_thousands(&MAX_SHEET_REPLICATIONS.to_string())
        ));
    }
    book.sheet(name, &heading, &columns, |sheet| {
        // The first row through rust_xlsxwriter, the rest straight into the XML.
        let mut rows = table.shown_rows();
        if let Some(first) = rows.next() {
            let cells: Vec<Cell> = first
                .iter()
                .map(|&x| Cell::Float(Some(x).filter(|x| x.is_finite())))
                .collect();
            sheet.row(&cells)?;
        }
        rows.try_for_each(|row| sheet.row_later(row))?;
        Ok(())
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_width_counts_the_grouped_text_without_making_it() {
        let values = [
            0.0,
            -0.0,
            0.4,
            0.5,
            0.96,
            9.6,
            9.96,
            99.5,
            999.4,
            999.96,
            1234.5,
            -1234.5,
            -0.004,
            123_456.789,
            1_234_567.0,
            0.123_456,
            2_095.857_534_246_575,
        ];
        for x in values {
            for decimals in 0..=6 {
                let text = numbers::group_thousands(&format!("{x:.decimals$}"));
                assert_eq!(
                    fixed_width(x, decimals),
                    text.len(),
                    "{x} to {decimals}: {text}"
                );
            }
        }
    }

    #[test]
    fn widths_are_counted_as_the_texts_they_stand_for() {
        let mut scratch = Vec::new();
        let mut values = vec![
            0.0,
            -0.0,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            9.995,
            -9.995,
            99.95,
            0.000_999_5,
            999.5,
            999_999.5,
            1e-7,
            1e21,
            1e300,
            -123_456.789,
            0.1 + 0.2,
            2_095.857_534_246_575,
            12.0,
            -3.0,
        ];
        values.extend((1..2000).map(|i| (i as f64 * 0.618_033_988_7).powi(i % 9 - 3)));
        for x in values {
            assert_eq!(display_len(&mut scratch, x), format!("{x}").len(), "{x}");
            let significant = numbers::significant(x).chars().count();
            assert_eq!(
                significant_width(&mut scratch, x, false),
                significant,
                "{x}"
            );
            let signed = numbers::signed(x).chars().count();
            assert_eq!(significant_width(&mut scratch, x, true), signed, "{x}");
        }
    }

    #[test]
    fn sheet_names_are_valid_unique_and_keep_what_they_can() {
        let none: Vec<String> = Vec::new();
        assert_eq!(sheet_name("Summary", &none), "Summary");
        assert_eq!(
            sheet_name("Supported: training, 2 h supervision a month", &none),
            "Supported training, 2 h supervi"
        );
        assert_eq!(sheet_name("a/b\\c[d]e*f?g:h", &none), "a b c d e f g h");
        assert_eq!(sheet_name("'quoted'", &none), "quoted");
        assert_eq!(sheet_name(" :: ", &none), "Sheet");
        assert_eq!(sheet_name("History", &none), "History (2)");
        let taken = vec!["Summary".to_string(), "summary (2)".to_string()];
        assert_eq!(sheet_name("SUMMARY", &taken), "SUMMARY (3)");
        let long = "x".repeat(40);
        let taken = vec!["x".repeat(31)];
        assert_eq!(sheet_name(&long, &taken), format!("{} (2)", "x".repeat(27)));
        // Excel counts UTF-16 units: 16 two-unit emoji do not fit in 31.
        let emoji = "😀".repeat(16);
        assert_eq!(sheet_name(&emoji, &none), "😀".repeat(15));
    }

    #[test]
    fn number_formats_show_three_significant_figures() {
        assert_eq!(significant_decimals(0.0961), 4);
        assert_eq!(significant_decimals(1.05), 2);
        assert_eq!(significant_decimals(12.3), 1);
        assert_eq!(significant_decimals(472_215.0), 0);
        assert_eq!(significant_decimals(-0.5), 3);
        assert_eq!(significant_decimals(0.0), 0);
        assert_eq!(significant_decimals(1e-12), 6);
        let mut formats = Formats::new();
        assert_eq!(
            formats.number(2, false, false).clone(),
            Format::new()
                .set_num_format("#,##0.00")
                .set_align(FormatAlign::Top)
        );
        assert_eq!(
            formats.number(1, true, true).clone(),
            Format::new()
                .set_num_format("+#,##0.0%;-#,##0.0%;#,##0.0%")
                .set_align(FormatAlign::Top)
        );
    }

    /// The cells of `sheet` in a workbook's bytes, by row, as text.
    fn read_sheet(bytes: Vec<u8>, sheet: &str) -> Vec<Vec<String>> {
        use calamine::Reader;
        let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
        let range = book.worksheet_range(sheet).unwrap();
        range
            .rows()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect()
    }

    #[test]
    fn a_sheet_of_too_many_replications_points_to_the_csv_instead() {
        let table = |n: usize| Table {
            columns: vec!["replication".into(), "cost".into()],
            rows: (0..n).map(|i| vec![Some(i as f64), Some(2.5)]).collect(),
        };
        let scenario = Scenario::default().to_json();
        for (n, data_rows) in [(3, 3), (MAX_SHEET_REPLICATIONS + 1, 0)] {
            let replications = Replications::of_table(&table(n));
            let arm = Arm {
                name: "a",
                title: "A",
                scenario: &scenario,
                replications: &replications,
            };
            let rows = read_sheet(workbook(&[arm], None).unwrap(), "Replications");
            let header = rows.iter().position(|r| r[0] == "Replication").unwrap();
            assert_eq!(rows[header][1], crate::kpi::Kpi::Cost.label());
            assert_eq!(rows.len() - header - 1, data_rows, "{n} replications");
            let note = rows
                .iter()
                .any(|r| r[0].contains("their rows are in replications.csv"));
            assert_eq!(note, data_rows == 0);
        }
    }

    /// A replication row with awkward values: undefined, non-finite, negative zero,
    /// large and tiny, whole and shortest-text fractions.
    fn awkward_kpis(i: usize) -> crate::kpi::Kpis {
        let values = [
            None,
            Some(f64::NAN),
            Some(f64::INFINITY),
            Some(-0.0),
            Some(1e300),
            Some(-1e-300),
            Some(0.1 + 0.2),
            Some(2_095.857_534_246_575),
            Some(i as f64 / 7.0),
            Some(-(i as f64)),
        ];
        crate::kpi::Kpis(std::array::from_fn(|k| values[(k + i) % values.len()]))
    }

    #[test]
    fn rows_kept_as_they_stream_are_the_rows_read_back_from_the_csv() {
        use super::super::table::{Csv, Format};
        use super::super::tables;
        let schema = tables::replications_schema_with_particle();
        let mut kept = Replications::new(schema.names());
        let mut fill = |sink: &mut dyn TableSink| {
            (0..12).try_for_each(|i| {
                let (patient_days, particle) = (1000.0 + i as f64 / 3.0, Some(i % 4));
                let kpis = awkward_kpis(i);
                tables::replication_row_of(sink, None, (i as u64, particle), patient_days, &kpis)
            })
        };
        fill(&mut kept).unwrap();
        let csv = Csv.bytes(&schema, &mut fill).unwrap();
        let table = Table::parse(std::str::from_utf8(&csv).unwrap(), "test").unwrap();
        let read = Replications::of_table(&table);
        assert_eq!(kept.columns, read.columns);
        assert_eq!(kept.count, 12);
        assert_eq!(kept.count, read.count);
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&kept.shown), bits(&read.shown));
        assert_eq!(bits(&kept.largest), bits(&read.largest));
        assert!(kept.largest.contains(&1e300));
    }

    #[test]
    fn a_run_keeps_no_rows_beyond_what_the_sheet_shows_but_still_their_largest() {
        let mut kept = Replications::new(["replication", "cost"]);
        for i in 0..=MAX_SHEET_REPLICATIONS {
            kept.push([Some(i as f64), Some(2.5)].into_iter());
            if i + 1 == MAX_SHEET_REPLICATIONS {
                assert_eq!(kept.shown_rows().count(), MAX_SHEET_REPLICATIONS);
            }
        }
        assert_eq!(kept.count, MAX_SHEET_REPLICATIONS + 1);
        assert_eq!(kept.shown_rows().count(), 0);
        assert_eq!(kept.shown.capacity(), 0);
        assert_eq!(kept.largest, [MAX_SHEET_REPLICATIONS as f64, 2.5]);
    }

    #[test]
    fn a_replication_row_of_text_is_refused() {
        let mut kept = Replications::new(["replication", "cost"]);
        let err = kept.row(&[Cell::Int(1), Cell::Text("x")]).unwrap_err();
        assert!(err.to_string().contains("\"x\""), "{err}");
        assert!(kept.row(&[Cell::Int(1)]).is_err());
        assert_eq!(kept.count, 0);
    }

    /// Every part of a workbook's file as text, by name, but the save times in
    /// `docProps/core.xml`.
    fn parts(bytes: &[u8]) -> std::collections::BTreeMap<String, String> {
        use std::io::Read;
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut parts = std::collections::BTreeMap::new();
        for i in 0..archive.len() {
            let mut file = archive.by_index(i).unwrap();
            let mut text = String::new();
            file.read_to_string(&mut text).unwrap();
            let name = file.name().unwrap().to_string();
            if name != "docProps/core.xml" {
                parts.insert(name, text);
            }
        }
        parts
    }

    /// A workbook of one sheet of `rows` (NaN: blank) in `columns`, under `heading`
    /// lines, its rows after the first written late or all written now.
    fn one_sheet(
        heading: usize,
        columns: &[SheetColumn],
        rows: &[Vec<f64>],
        late: bool,
    ) -> Vec<u8> {
        let heading: Vec<String> = (0..heading).map(|i| format!("line {i}")).collect();
        let mut book = Workbook::new();
        book.sheet(
            "Summary",
            &["a text sheet first".to_string()],
            &[SheetColumn::text("x")],
            |s| s.row(&[Cell::Text("before")]),
        )
        .unwrap();
        book.sheet("Rows", &heading, columns, |sheet| {
            for (i, row) in rows.iter().enumerate() {
                if late && i > 0 {
                    sheet.row_later(row)?;
                } else {
                    let cells: Vec<Cell> = row
                        .iter()
                        .map(|&x| Cell::Float(Some(x).filter(|x| x.is_finite())))
                        .collect();
                    sheet.row(&cells)?;
                }
            }
            Ok(())
        })
        .unwrap();
        book.bytes().unwrap()
    }

    #[test]
    fn rows_written_late_make_the_same_workbook_as_rows_written_now() {
        // 30 columns (past Z), one of General numbers, percentages, signed ones;
        // blanks in the first row, whole blank rows, blocks of 16 rows whose last
        // columns are blank (the headings' block too), and blank rows at the end.
        let mut columns = vec![SheetColumn::text("Replication")];
        for c in 1..30 {
            let shown = if c % 3 == 0 {
                Shown::Percent
            } else {
                Shown::Plain
            };
            let column = SheetColumn::numbers(format!("column {c}"), Numbers::Fixed(c % 4, shown));
            columns.push(if c % 5 == 0 { column.signed() } else { column });
        }
        let value = |r: usize, c: usize| match (r, c) {
            (7, _) => f64::NAN,
            (r, _) if r > 60 => f64::NAN,
            (_, 0) => r as f64,
            (0, 2) => f64::NAN,
            (r, c) if (1..16).contains(&r) && c > 27 => f64::NAN,
            (r, c) if (20..40).contains(&r) && c > 25 => f64::NAN,
            (r, c) => (r as f64 - 20.0) * 1.37f64.powi(c as i32 - 12) + 0.1,
        };
        let rows: Vec<Vec<f64>> = (0..64)
            .map(|r| (0..30).map(|c| value(r, c)).collect())
            .collect();
        for heading in [2, 3, 9] {
            for n in [1, 2, 17, 40, 64] {
                let now = parts(&one_sheet(heading, &columns, &rows[..n], false));
                let late = parts(&one_sheet(heading, &columns, &rows[..n], true));
                assert_eq!(
                    now.keys().collect::<Vec<_>>(),
                    late.keys().collect::<Vec<_>>()
                );
                for (name, text) in &now {
                    assert!(
                        text == &late[name],
                        "{name} differs, {heading} lines, {n} rows"
                    );
                }
            }
        }
        // Written late: the per-replication sheet is not in rust_xlsxwriter's cells.
        let late = one_sheet(3, &columns, &rows, true);
        assert!(parts(&late)["xl/worksheets/sheet2.xml"].contains("<c r=\"AD66\""));
    }

    #[test]
    fn rows_are_written_now_where_late_ones_could_not_be_like_them() {
        // No General number in the first row: its format would be unknown.
        let columns = [
            SheetColumn::text("Replication"),
            SheetColumn::numbers("x", Numbers::Fixed(2, Shown::Plain)),
        ];
        let rows = vec![vec![f64::NAN, 1.0], vec![1.0, 2.0], vec![2.0, 3.0]];
        assert_eq!(
            parts(&one_sheet(3, &columns, &rows, false)),
            parts(&one_sheet(3, &columns, &rows, true))
        );
        // Headings down to another block of 16 rows than the first data row's.
        let rows: Vec<Vec<f64>> = (0..20).map(|r| vec![r as f64, 0.5]).collect();
        assert_eq!(
            parts(&one_sheet(14, &columns, &rows, false)),
            parts(&one_sheet(14, &columns, &rows, true))
        );
        // Only numbers can wait.
        let mut book = Workbook::new();
        let columns = [SheetColumn::numbers("x", Numbers::Change)];
        let err = book.sheet("S", &[], &columns, |sheet| {
            sheet.row(&[Cell::Float(Some(0.5))])?;
            sheet.row_later(&[0.25])
        });
        assert!(format!("{:#}", err.unwrap_err()).contains("cannot be written late"));
    }

    #[test]
    fn column_names_run_past_z() {
        let names: Vec<String> = [0, 25, 26, 51, 52, 701, 702, 16_383]
            .map(column_name)
            .into();
        assert_eq!(names, ["A", "Z", "AA", "AZ", "BA", "ZZ", "AAA", "XFD"]);
    }

    #[test]
    fn wrapped_lines_count_word_wrapping() {
        assert_eq!(wrapped_lines("Mean", 10), 1);
        assert_eq!(wrapped_lines("Relative change, 95% CI low", 16), 2);
        assert_eq!(wrapped_lines("Relative change, 95% CI low", 14), 3);
        assert_eq!(wrapped_lines("aaaa bbbb cccc", 4), 3);
        assert_eq!(wrapped_lines(&"x".repeat(25), 10), 3);
    }
}
