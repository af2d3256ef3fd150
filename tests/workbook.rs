//! The workbooks (`comparison.xlsx`, `results.xlsx`) read back with calamine and
//! checked against the CSV files the same command wrote, read with the csv crate: the
//! sheets hold the CSV values at full precision, in the right rows and columns.

use std::collections::HashMap;
use std::fs;
use std::path::Path;

use calamine::{Data, Reader, Xlsx, open_workbook};
use holdsim::kpi::{ALL_KPIS, Kpi};
use holdsim::scenario::{SECTIONS, Scenario, section_specs};

use crate::util::{holdsim, root};

/// One sheet as a grid of cells by absolute position (A1 is row 0, column 0).
struct Sheet {
    name: String,
    cells: Vec<Vec<Data>>,
}

impl Sheet {
    fn read(book: &mut Xlsx<std::io::BufReader<fs::File>>, name: &str) -> Sheet {
        let range = book.worksheet_range(name).expect("sheet reads");
        let (rows, cols) = range.end().map_or((0, 0), |(r, c)| (r + 1, c + 1));
        let cells = (0..rows)
            .map(|r| {
                (0..cols)
                    .map(|c| range.get_value((r, c)).cloned().unwrap_or(Data::Empty))
                    .collect()
            })
            .collect();
        Sheet {
            name: name.to_string(),
            cells,
        }
    }

    fn text(&self, row: usize, col: usize) -> &str {
        match self.cells.get(row).and_then(|r| r.get(col)) {
            Some(Data::String(s)) => s,
            _ => "",
        }
    }

    /// The number at (row, col), `None` for a blank; anything else fails the test.
    fn number(&self, row: usize, col: usize) -> Option<f64> {
        match self.cells.get(row).and_then(|r| r.get(col)) {
            Some(Data::Float(x)) => Some(*x),
            Some(Data::Int(i)) => Some(*i as f64),
            None | Some(Data::Empty) => None,
            Some(other) => panic!("{}: cell ({row}, {col}) is {other:?}", self.name),
        }
    }

    /// The row whose first cell reads `first`: the column headings.
    fn header_row(&self, first: &str) -> usize {
        (0..self.cells.len())
            .find(|&r| self.text(r, 0) == first)
            .unwrap_or_else(|| panic!("{}: no row starts with {first:?}", self.name))
    }

    /// The first column of `row` that reads `title`.
    fn column(&self, row: usize, title: &str) -> usize {
        (0..self.cells[row].len())
            .find(|&c| self.text(row, c) == title)
            .unwrap_or_else(|| panic!("{}: no {title:?} in row {row}", self.name))
    }

    /// The data rows below `header`, up to the last row.
    fn rows_below(&self, header: usize) -> std::ops::Range<usize> {
        header + 1..self.cells.len()
    }
}

/// A CSV file's rows as column → text, read with the csv crate.
fn csv_rows(path: &Path) -> Vec<HashMap<String, String>> {
    let mut reader = csv::Reader::from_path(path).expect("CSV opens");
    let header = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            header
                .iter()
                .zip(r.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

/// A CSV field's number, `None` when empty.
fn field(row: &HashMap<String, String>, column: &str) -> Option<f64> {
    let text = &row[column];
    (!text.is_empty()).then(|| text.parse().expect("a number"))
}

fn open(path: &Path) -> Xlsx<std::io::BufReader<fs::File>> {
    open_workbook(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Checks a "Summary" or "Costs" sheet against the options' `summary.csv`: for each
/// (option title, folder), every KPI row `keep` selects has the CSV's mean and CI.
fn check_summary(sheet: &Sheet, options: &[(String, std::path::PathBuf)], keep: fn(&str) -> bool) {
    let header = sheet.header_row("Measure");
    let name_col = sheet.column(header, "Column in the CSV files");
    for (title, folder) in options {
        // One group per option: its title above "Mean", "95% CI low", "95% CI high";
        // a run's single option has its title in the sheet's heading instead.
        let mean_col = if options.len() > 1 {
            sheet.column(header - 1, title)
        } else {
            assert!(
                sheet.text(0, 0).ends_with(title.as_str()),
                "{}",
                sheet.text(0, 0)
            );
            sheet.column(header, "Mean")
        };
        assert_eq!(sheet.text(header, mean_col), "Mean");
        assert_eq!(sheet.text(header, mean_col + 2), "95% CI high");
        let summary: Vec<_> = csv_rows(&folder.join("summary.csv"))
            .into_iter()
            .filter(|r| keep(&r["kpi"]))
            .collect();
        assert!(!summary.is_empty());
        let rows: Vec<usize> = sheet.rows_below(header).collect();
        assert_eq!(rows.len(), summary.len(), "{}: one row per KPI", sheet.name);
        for s in &summary {
            let r = *rows
                .iter()
                .find(|&&r| sheet.text(r, name_col) == s["kpi"])
                .unwrap_or_else(|| panic!("{}: no row for {}", sheet.name, s["kpi"]));
            let kpi = Kpi::from_name(&s["kpi"]).unwrap();
            assert_eq!(sheet.text(r, 0), kpi.label());
            assert_eq!(sheet.text(r, 1), kpi.info().unit);
            for (offset, column) in ["mean", "ci_low", "ci_high"].iter().enumerate() {
                assert_eq!(
                    sheet.number(r, mean_col + offset),
                    field(s, column),
                    "{}: {title}, {} {column}",
                    sheet.name,
                    s["kpi"]
                );
            }
        }
    }
}

/// Checks a per-replication sheet against `replications.csv`, cell by cell.
fn check_replications(sheet: &Sheet, csv: &Path) {
    let header = sheet.header_row("Replication");
    let reps = csv_rows(csv);
    let rows: Vec<usize> = sheet.rows_below(header).collect();
    assert_eq!(rows.len(), reps.len(), "{}", sheet.name);
    let columns: Vec<(usize, &str)> = (0..sheet.cells[header].len())
        .map(|c| {
            let title = sheet.text(header, c);
            let name = match title {
                "Replication" => "replication",
                "Patient-days" => "patient_days",
                label => ALL_KPIS
                    .iter()
                    .find(|k| k.label() == label)
                    .unwrap_or_else(|| panic!("unknown column {label:?}"))
                    .name(),
            };
            (c, name)
        })
        .collect();
    assert_eq!(
        columns.len(),
        reps[0].len(),
        "every CSV column is in the sheet"
    );
    for (r, rep) in rows.iter().zip(&reps) {
        for &(c, name) in &columns {
            assert_eq!(
                sheet.number(*r, c),
                field(rep, name),
                "{} {name}",
                sheet.name
            );
        }
    }
}

/// The value of `section.key` in a scenario as its manifest records it.
fn manifest_value(manifest: &serde_json::Value, path: &str) -> Option<f64> {
    let (section, key) = path.split_once('.').unwrap();
    manifest["scenario"][section][key].as_f64()
}

/// Checks "Assumptions": for each option, exactly the scalar parameters whose value in
/// its manifest differs from the default scenario's, with value, default and unit.
fn check_assumptions(sheet: &Sheet, options: &[(String, std::path::PathBuf)]) {
    let header = sheet.header_row("Option");
    let defaults = Scenario::default();
    for (title, folder) in options {
        let manifest: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(folder.join("manifest.json")).unwrap())
                .unwrap();
        let mut expected = Vec::new();
        for section in SECTIONS {
            for spec in section_specs(section).unwrap() {
                let path = format!("{section}.{}", spec.key);
                let default = defaults.get_path(&path).unwrap().as_f64();
                let value = manifest_value(&manifest, &path).unwrap();
                if value != default {
                    expected.push((path, value, default, spec.unit));
                }
            }
        }
        let listed: Vec<usize> = sheet
            .rows_below(header)
            .filter(|&r| sheet.text(r, 0) == title && !sheet.text(r, 1).starts_with("[["))
            .collect();
        assert_eq!(listed.len(), expected.len(), "{title}: {expected:?}");
        for (r, (path, value, default, unit)) in listed.iter().zip(&expected) {
            assert_eq!(sheet.text(*r, 1), path);
            assert_eq!(sheet.number(*r, 2), Some(*value), "{path}");
            assert_eq!(sheet.number(*r, 3), Some(*default), "{path}");
            assert_eq!(sheet.text(*r, 4), *unit, "{path}");
        }
    }
}

/// Mean of the paired differences `option − baseline` of one KPI, over the
/// replications where both are defined, from the two `replications.csv` files.
fn paired_mean(
    baseline: &[HashMap<String, String>],
    option: &[HashMap<String, String>],
    kpi: &str,
) -> Option<f64> {
    let d: Vec<f64> = baseline
        .iter()
        .zip(option)
        .filter_map(|(b, o)| Some(field(o, kpi)? - field(b, kpi)?))
        .collect();
    (!d.is_empty()).then(|| d.iter().sum::<f64>() / d.len() as f64)
}

/// Checks "Compared" against `compare.csv`, and its differences against an
/// independent paired mean from the replications.
fn check_compared(sheet: &Sheet, cmp: &Path) {
    let header = sheet.header_row("Measure");
    let col = |title: &str| sheet.column(header, title);
    let compare = csv_rows(&cmp.join("compare.csv"));
    let baseline_name = &compare[0]["scenario"];
    let reps = |name: &str| csv_rows(&cmp.join("scenarios").join(name).join("replications.csv"));
    let baseline_reps = reps(baseline_name);
    let differences: Vec<_> = compare.iter().filter(|r| !r["diff"].is_empty()).collect();
    let rows: Vec<usize> = sheet.rows_below(header).collect();
    assert_eq!(
        rows.len(),
        differences.len(),
        "one row per option and KPI but the baseline's"
    );
    for c in differences {
        let r = *rows
            .iter()
            .find(|&&r| {
                sheet.text(r, col("Column in the CSV files")) == c["kpi"]
                    && sheet.text(r, col("Option in the CSV files")) == c["scenario"]
            })
            .unwrap_or_else(|| panic!("no row for {} {}", c["scenario"], c["kpi"]));
        assert_eq!(sheet.text(r, col("Option")), c["title"]);
        let base = compare
            .iter()
            .find(|b| &b["scenario"] == baseline_name && b["kpi"] == c["kpi"])
            .unwrap();
        assert_eq!(sheet.number(r, col("Baseline mean")), field(base, "mean"));
        for (title, column) in [
            ("Option mean", "mean"),
            ("Difference", "diff"),
            ("95% CI low", "diff_ci_low"),
            ("95% CI high", "diff_ci_high"),
            ("Relative change", "rel_change"),
            ("Relative change, 95% CI low", "rel_ci_low"),
            ("Relative change, 95% CI high", "rel_ci_high"),
        ] {
            assert_eq!(
                sheet.number(r, col(title)),
                field(c, column),
                "{} {column}",
                c["kpi"]
            );
        }
        let clear = sheet.text(r, col("Clear difference (CI excludes 0)"));
        assert_eq!(clear == "yes", c["diff_excludes_zero"] == "true");
        let paired = paired_mean(&baseline_reps, &reps(&c["scenario"]), &c["kpi"]).unwrap();
        let diff = sheet.number(r, col("Difference")).unwrap();
        assert!(
            (diff - paired).abs() <= 1e-9 * paired.abs().max(1.0),
            "{}: {diff} vs {paired}",
            c["kpi"]
        );
    }
}

/// Checks "Verdict" against `verdict.csv`: the same best option (by title) and
/// clearness per KPI, in the same order.
fn check_verdict(sheet: &Sheet, cmp: &Path) {
    let csv = csv_rows(&cmp.join("verdict.csv"));
    let header = sheet.header_row("Measure");
    let rows: Vec<usize> = sheet.rows_below(header).collect();
    assert_eq!(rows.len(), csv.len(), "one row per headline KPI");
    let (best, clear, kpi) = (
        sheet.column(header, "Best option"),
        sheet.column(header, "Clearly best (better than every other option)"),
        sheet.column(header, "Column in the CSV files"),
    );
    for (&r, v) in rows.iter().zip(&csv) {
        assert_eq!(sheet.text(r, kpi), v["kpi"]);
        assert_eq!(sheet.text(r, best), v["best_title"], "{}", v["kpi"]);
        let yes = if v["clear"] == "true" { "yes" } else { "no" };
        assert_eq!(sheet.text(r, clear), yes, "{}", v["kpi"]);
    }
}

/// Checks "Pairwise" against `pairwise.csv`: every defined difference with its CI.
fn check_pairwise(sheet: &Sheet, cmp: &Path) {
    let csv: Vec<_> = csv_rows(&cmp.join("pairwise.csv"))
        .into_iter()
        .filter(|r| !r["diff"].is_empty())
        .collect();
    let header = sheet.header_row("Measure");
    let rows: Vec<usize> = sheet.rows_below(header).collect();
    assert_eq!(rows.len(), csv.len());
    let (diff, low, high) = (
        sheet.column(header, "Difference"),
        sheet.column(header, "95% CI low"),
        sheet.column(header, "95% CI high"),
    );
    for (&r, p) in rows.iter().zip(&csv) {
        assert_eq!(sheet.number(r, diff), field(p, "diff"), "{p:?}");
        assert_eq!(sheet.number(r, low), field(p, "diff_ci_low"));
        assert_eq!(sheet.number(r, high), field(p, "diff_ci_high"));
    }
}

#[test]
fn a_comparison_workbook_holds_the_values_of_its_csv_files() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = |f: &str| root().join("scenarios").join(f).display().to_string();
    let out = holdsim(dir.path())
        .args([
            "compare",
            &scenario("baseline.toml"),
            &scenario("supported.toml"),
        ])
        .args([
            &scenario("pressured.toml"),
            "-n",
            "6",
            "--quiet",
            "--out",
            "cmp",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cmp = dir.path().join("cmp");
    let compare = csv_rows(&cmp.join("compare.csv"));
    let mut options: Vec<(String, std::path::PathBuf)> = Vec::new();
    for r in &compare {
        if !options.iter().any(|(t, _)| *t == r["title"]) {
            options.push((
                r["title"].clone(),
                cmp.join("scenarios").join(&r["scenario"]),
            ));
        }
    }
    assert_eq!(options.len(), 3);

    let mut book = open(&cmp.join("comparison.xlsx"));
    let names = book.sheet_names();
    let fixed = [
        "Summary",
        "Verdict",
        "Compared",
        "Pairwise",
        "Costs",
        "Cost-effectiveness",
        "Assumptions",
    ];
    assert_eq!(names[..fixed.len()], fixed);
    assert_eq!(names.len(), fixed.len() + options.len(), "{names:?}");
    for (name, (title, folder)) in names[fixed.len()..].iter().zip(&options) {
        assert!(
            name.encode_utf16().count() <= 31
                && !name.contains([':', '/', '\\', '[', ']', '*', '?']),
            "{name}"
        );
        let sheet = Sheet::read(&mut book, name);
        assert!(
            sheet.text(0, 0).ends_with(title.as_str()),
            "the full title heads the sheet"
        );
        check_replications(&sheet, &folder.join("replications.csv"));
    }
    check_summary(&Sheet::read(&mut book, "Summary"), &options, |_| true);
    check_summary(&Sheet::read(&mut book, "Costs"), &options, |k| {
        k.starts_with("cost")
    });
    check_compared(&Sheet::read(&mut book, "Compared"), &cmp);
    check_verdict(&Sheet::read(&mut book, "Verdict"), &cmp);
    check_pairwise(&Sheet::read(&mut book, "Pairwise"), &cmp);
    let assumptions = Sheet::read(&mut book, "Assumptions");
    check_assumptions(&assumptions, &options);
    let supervision = assumptions
        .rows_below(assumptions.header_row("Option"))
        .find(|&r| assumptions.text(r, 1) == "support.supervision_hours_per_month")
        .expect("the supported option's supervision is listed");
    assert_eq!(assumptions.text(supervision, 0), options[1].0);
}

#[test]
fn a_run_writes_its_workbook_and_report_rebuilds_it() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = root().join("scenarios/supported.toml");
    let out = holdsim(dir.path())
        .args([
            "run",
            &scenario.display().to_string(),
            "-n",
            "4",
            "--quiet",
            "--out",
            "run",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let run = dir.path().join("run");
    let workbook = run.join("results.xlsx");
    let manifest: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(run.join("manifest.json")).unwrap()).unwrap();
    let title = manifest["scenario"]["title"].as_str().unwrap().to_string();
    let options = [(title, run.clone())];
    let check = || {
        let mut book = open(&workbook);
        assert_eq!(
            book.sheet_names(),
            ["Summary", "Costs", "Assumptions", "Replications"]
        );
        check_summary(&Sheet::read(&mut book, "Summary"), &options, |_| true);
        check_summary(&Sheet::read(&mut book, "Costs"), &options, |k| {
            k.starts_with("cost")
        });
        check_assumptions(&Sheet::read(&mut book, "Assumptions"), &options);
        check_replications(
            &Sheet::read(&mut book, "Replications"),
            &run.join("replications.csv"),
        );
    };
    check();
    fs::remove_file(&workbook).unwrap();
    let out = holdsim(dir.path())
        .args(["report", "run"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    check();
}
