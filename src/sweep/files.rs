//! A sweep's folder on disk: streamed files with a checkpoint while it runs, and the
//! final CSV and Parquet files once every point is done.
//!
//! While running, results are appended to `progress/*.csv`; after each chunk
//! `progress/checkpoint.json` (written atomically) records how
//! many points are done and how many bytes of each file are valid. Resuming truncates
//! each file to that length and carries on, so the bytes are those of an uninterrupted
//! run. When the last point is done the final files are put in place one by one
//! (temporary name, then rename) and `progress/` is removed.

use std::fs::{self, File, OpenOptions};
use std::io::{BufReader, Read, Seek, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::{Deserialize, Serialize};

use super::PointResult;
use crate::commands::UsageError;
use crate::kpi::ALL_KPIS;
use crate::output::atomic::write_file;
use crate::output::folder::{self, FolderLock};
use crate::output::table::{
    Cell, Column, ColumnKind, CsvWriter, Format, Parquet, ReadError, Row, Schema, TableReader,
};
use crate::output::tables;
use crate::stats::Summary;

/// The streamed tables, in the order their byte counts are checkpointed.
pub const STREAMED: [&str; 3] = ["replications.csv", "summary.csv", "status.csv"];

/// The data files of a finished sweep (beside `manifest.json`), as the manifest lists
/// them and `merge` reproduces them.
pub const FINAL: [&str; 8] = [
    "points.csv",
    "replications.csv",
    "summary.csv",
    "status.csv",
    "points.parquet",
    "replications.parquet",
    "summary.parquet",
    "status.parquet",
];

/// How far the streamed files are valid. `bytes`, `rows` and `fnv1a` let a resume
/// verify the files before trusting them: each file's first `bytes[i]` bytes must
/// hash to `fnv1a[i]` and hold `rows[i]` data rows.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
struct Checkpoint {
    fingerprint: String,
    points_done: usize,
    bytes: [u64; 3],
    /// Data rows (header excluded) of each file up to `bytes`.
    #[serde(default)]
    rows: Option<[u64; 3]>,
    /// FNV-1a (64-bit, hex) of each file's first `bytes` bytes.
    #[serde(default)]
    fnv1a: Option<[String; 3]>,
}

/// FNV-1a, 64-bit, continued from `h` over `bytes`: a streaming checksum, so the
/// checkpoint can carry it forward chunk by chunk.
pub fn fnv1a(mut h: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// FNV-1a's starting value.
pub const FNV_START: u64 = 0xcbf2_9ce4_8422_2325;

/// Where a sweep starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Start {
    Fresh,
    /// Resuming after this many points.
    Resume(usize),
    /// Every point is done and the final files exist.
    Complete,
}

/// An open sweep folder, locked against other holdsim commands while it is open.
pub struct SweepFiles {
    dir: PathBuf,
    /// The folder as the user named it.
    shown: PathBuf,
    progress: PathBuf,
    checkpoint: Checkpoint,
    /// Running checksums and row counts of the streamed files.
    hashes: [u64; 3],
    rows: [u64; 3],
    files: Vec<File>,
    _lock: FolderLock,
}

/// The columns of streamed table `i` (an index into [`STREAMED`]).
pub fn schema(i: usize) -> Schema {
    let point = [tables::point_column()];
    match i {
        0 => tables::replications_schema(&point),
        1 => tables::summary_schema(&point),
        _ => Schema::new(vec![
            tables::point_column(),
            Column::new("status", ColumnKind::Text),
            Column::new("replications", ColumnKind::Int),
            Column::new("error", ColumnKind::Text),
        ]),
    }
}

/// `points.csv`'s columns: the point, then one per factor (by its key).
pub fn points_schema<'a>(factors: impl IntoIterator<Item = &'a str>) -> Schema {
    Schema::new(vec![tables::point_column()]).with(factors, ColumnKind::Float)
}

/// A failed point's reason on one line, so every row of `status.csv` is one line (the
/// checkpoint counts rows by line ends).
fn one_line(reason: &str) -> String {
    reason.replace('\n', " ")
}

/// A damaged file: exit 2, naming the file (and line) and what is wrong.
pub fn damaged(message: String) -> anyhow::Error {
    UsageError(message).into()
}

/// A problem reading a table as a holdsim error: a file that cannot be read stays an
/// I/O error (exit 1), anything else means the file is damaged (exit 2).
pub fn read_error(e: ReadError) -> anyhow::Error {
    if e.is_io() {
        anyhow::Error::new(e)
    } else {
        damaged(e.to_string())
    }
}

/// A streamed table read back, its header checked.
pub type Rows<R> = TableReader<R>;

/// Starts reading `source` (named `label`), which must begin with the header of
/// streamed table `table` (an index into [`STREAMED`]).
pub fn rows<R: Read>(source: R, label: String, table: usize) -> anyhow::Result<Rows<R>> {
    TableReader::open_exact(source, label, &schema(table)).map_err(read_error)
}

/// The next row of `rows`, or `None` at the end.
pub fn next_row<'r, R: Read>(rows: &'r mut Rows<R>) -> anyhow::Result<Option<Row<'r>>> {
    rows.next_row().map_err(read_error)
}

/// One row of a status table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StatusRow {
    pub point: usize,
    pub ok: bool,
    pub replications: u64,
}

/// Parses a status row (`point,status,replications,error`).
pub fn status_row(row: &Row<'_>) -> anyhow::Result<StatusRow> {
    let point = row.whole("point").map_err(read_error)?;
    let replications = row.whole("replications").map_err(read_error)?;
    let ok = match row.text("status") {
        "ok" => true,
        "failed" if replications == 0 => false,
        other => {
            return Err(damaged(format!(
                "{}, line {}: status `{other}` with {replications} replications; expected `ok`, or `failed` with 0",
                row.label(),
                row.line()
            )));
        }
    };
    Ok(StatusRow {
        point: point as usize,
        ok,
        replications,
    })
}

/// Checks that the next rows of `replications` and `summary` are exactly those the
/// status row `s` calls for: its replications numbered 0, 1, … in order, and one
/// summary row per KPI in order (none for a failed point). Calls `each` with the
/// table index and every row read, for a merge to copy them.
pub fn expect_point_rows<R: Read>(
    s: &StatusRow,
    replications: &mut Rows<R>,
    summary: &mut Rows<R>,
    each: &mut dyn FnMut(usize, &Row<'_>) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let kpis = if s.ok { ALL_KPIS.len() as u64 } else { 0 };
    for (table, rows, count) in [
        (0, &mut *replications, s.replications),
        (1, &mut *summary, kpis),
    ] {
        for j in 0..count {
            let label = rows.label().to_string();
            let last = rows.last_line();
            let Some(r) = next_row(rows)? else {
                return Err(damaged(format!(
                    "{label} ends after line {last}, before point {}'s rows ({} of {count} present; its status says {})",
                    s.point,
                    j,
                    if table == 0 {
                        "how many replications ran"
                    } else {
                        "it ran"
                    }
                )));
            };
            let point = r.whole("point").map_err(read_error)?;
            let (second, second_ok) = if table == 0 {
                (
                    r.text("replication"),
                    r.whole("replication").map_err(read_error)? == j,
                )
            } else {
                (r.text("kpi"), r.text("kpi") == ALL_KPIS[j as usize].name())
            };
            if point != s.point as u64 || !second_ok {
                let what = if table == 0 {
                    format!("replication {j}")
                } else {
                    format!("KPI {}", ALL_KPIS[j as usize].name())
                };
                return Err(damaged(format!(
                    "{label}, line {}: found point {point}, {} `{second}`; expected point {}, {what} (a row is missing, duplicated or out of order)",
                    r.line(),
                    if table == 0 { "replication" } else { "KPI" },
                    s.point
                )));
            }
            each(table, &r)?;
        }
    }
    Ok(())
}

/// Checks that a table has no rows left (after every point's rows were read).
pub fn expect_end<R: Read>(rows: &mut Rows<R>) -> anyhow::Result<()> {
    let label = rows.label().to_string();
    if let Some(r) = next_row(rows)? {
        return Err(damaged(format!(
            "{label}, line {}: an extra row (point `{}`) after the last point's rows",
            r.line(),
            r.text("point")
        )));
    }
    Ok(())
}

/// Checks each streamed file against the checkpoint `cp`: at least its recorded
/// length, and over that length the recorded checksum and row count.
fn check_bytes(
    progress: &Path,
    cp: &Checkpoint,
    rows: &[u64; 3],
    hashes: &[String; 3],
) -> anyhow::Result<()> {
    let cp_path = progress.join("checkpoint.json");
    let again = "rerun with --force to start the sweep again";
    for (i, name) in STREAMED.iter().enumerate() {
        let path = progress.join(name);
        let len = fs::metadata(&path)
            .with_context(|| format!("cannot read `{}`", path.display()))?
            .len();
        if len < cp.bytes[i] {
            return Err(damaged(format!(
                "`{}` is {len} bytes long, shorter than the {} bytes its checkpoint `{}` records: the file was damaged; {again}",
                path.display(),
                cp.bytes[i],
                cp_path.display()
            )));
        }
        let mut reader = BufReader::new(
            File::open(&path).with_context(|| format!("cannot open `{}`", path.display()))?,
        )
        .take(cp.bytes[i]);
        let (mut h, mut lines) = (FNV_START, 0u64);
        let mut buf = [0u8; 64 * 1024];
        loop {
            let n = reader
                .read(&mut buf)
                .with_context(|| format!("cannot read `{}`", path.display()))?;
            if n == 0 {
                break;
            }
            h = fnv1a(h, &buf[..n]);
            lines += buf[..n].iter().filter(|&&b| b == b'\n').count() as u64;
        }
        if format!("{h:016x}") != hashes[i] {
            return Err(damaged(format!(
                "`{}` does not match its checkpoint `{}` (the checksum of its first {} bytes differs): the file or the checkpoint was changed; {again}",
                path.display(),
                cp_path.display(),
                cp.bytes[i]
            )));
        }
        if lines.saturating_sub(1) != rows[i] {
            return Err(damaged(format!(
                "`{}` records {} rows of `{}` but the file holds {}: the checkpoint was changed; {again}",
                cp_path.display(),
                rows[i],
                path.display(),
                lines.saturating_sub(1)
            )));
        }
    }
    Ok(())
}

/// Checks the streamed files in `progress` against `cp` before a resume trusts them:
/// each file's length and checksum up to the checkpoint, its row count, and that the
/// three tables agree point by point. Returns the number of points the verified files
/// hold.
fn verify(progress: &Path, cp: &Checkpoint) -> anyhow::Result<usize> {
    let cp_path = progress.join("checkpoint.json");
    let again = "rerun with --force to start the sweep again";
    let (Some(rows), Some(hashes)) = (&cp.rows, &cp.fnv1a) else {
        return Err(damaged(format!(
            "`{}` has no row counts or checksums (damaged, or written by an older holdsim), so the files cannot be verified; {again}",
            cp_path.display()
        )));
    };
    check_bytes(progress, cp, rows, hashes)?;
    let open = |i: usize| -> anyhow::Result<Rows<std::io::Take<BufReader<File>>>> {
        let path = progress.join(STREAMED[i]);
        let f = File::open(&path).with_context(|| format!("cannot open `{}`", path.display()))?;
        self::rows(
            BufReader::new(f).take(cp.bytes[i]),
            format!("`{}`", path.display()),
            i,
        )
    };
    let (mut reps, mut summary, mut status) = (open(0)?, open(1)?, open(2)?);
    let mut points = 0;
    let mut last: Option<usize> = None;
    loop {
        let label = status.label().to_string();
        let Some(r) = next_row(&mut status)? else {
            break;
        };
        let s = status_row(&r)?;
        if last.is_some_and(|p| s.point <= p) {
            return Err(damaged(format!(
                "{label}, line {}: point {} after point {}; points must be in increasing order, once each; {again}",
                r.line(),
                s.point,
                last.unwrap_or_default()
            )));
        }
        last = Some(s.point);
        expect_point_rows(&s, &mut reps, &mut summary, &mut |_, _| Ok(()))?;
        points += 1;
    }
    expect_end(&mut reps)?;
    expect_end(&mut summary)?;
    Ok(points)
}

/// Whether `dir` is a shard's folder (`shard-K-of-N`).
fn is_shard_folder(dir: &Path) -> bool {
    dir.file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| n.strip_prefix("shard-"))
        .and_then(|n| n.split_once("-of-"))
        .is_some_and(|(k, n)| k.parse::<usize>().is_ok() && n.parse::<usize>().is_ok())
}

/// What an existing folder holds for the sweep with `fingerprint`: an unfinished
/// run of it (verified, with its checkpoint) or its finished results; anything else is
/// refused.
fn existing_sweep(
    dir: &Path,
    shown: &Path,
    fingerprint: &str,
) -> anyhow::Result<(Start, Option<Checkpoint>)> {
    let progress = dir.join("progress");
    let checkpoint_path = progress.join("checkpoint.json");
    if checkpoint_path.exists() {
        let text = fs::read_to_string(&checkpoint_path)
            .with_context(|| format!("cannot read `{}`", checkpoint_path.display()))?;
        let old: Checkpoint = serde_json::from_str(&text).map_err(|e| {
            damaged(format!(
                "`{}` is damaged ({e}); rerun with --force to start the sweep again",
                checkpoint_path.display()
            ))
        })?;
        if old.fingerprint != fingerprint {
            return Err(damaged(format!(
                "`{}` holds an unfinished sweep of a different experiment (or different settings); pass --force to discard it, or choose another folder with --out",
                shown.display()
            )));
        }
        let verified = verify(&progress, &old)?;
        let mut checkpoint = old;
        if verified != checkpoint.points_done {
            eprintln!(
                "warning: `{}` claims {} points done, but its verified files hold {verified}; resuming after {verified}",
                checkpoint_path.display(),
                checkpoint.points_done
            );
            checkpoint.points_done = verified;
        }
        Ok((Start::Resume(checkpoint.points_done), Some(checkpoint)))
    } else if let Ok(text) = fs::read_to_string(dir.join("manifest.json")) {
        let m: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        if m["fingerprint"] == fingerprint {
            Ok((Start::Complete, None))
        } else {
            Err(damaged(format!(
                "`{}` holds the results of a different sweep; pass --force to replace them, or choose another folder with --out",
                shown.display()
            )))
        }
    } else {
        Err(damaged(format!(
            "the output folder `{}` already exists and is not a sweep of this experiment; pass --force to replace it (only a folder holdsim wrote can be replaced), or choose another with --out",
            shown.display()
        )))
    }
}

/// Opens the streamed files in `progress`: a fresh sweep's with their headers (the
/// checkpoint's byte counts set to them), a resumed one's cut back to the checkpoint.
/// Returns the files, their running checksums and row counts.
fn open_streamed(
    progress: &Path,
    start: Start,
    checkpoint: &mut Checkpoint,
) -> anyhow::Result<(Vec<File>, [u64; 3], [u64; 3])> {
    let mut files = Vec::new();
    let mut hashes = [FNV_START; 3];
    let mut rows = [0u64; 3];
    for (i, name) in STREAMED.iter().enumerate() {
        let path = progress.join(name);
        let context = || format!("cannot write `{}`", path.display());
        let mut f = OpenOptions::new()
            .create(true)
            .read(true)
            .write(true)
            .truncate(false)
            .open(&path)
            .with_context(|| format!("cannot open `{}`", path.display()))?;
        if start == Start::Fresh {
            f.set_len(0).with_context(context)?;
            let header = CsvWriter::begin(&schema(i), Vec::new())
                .and_then(CsvWriter::into_inner)
                .with_context(context)?;
            f.write_all(&header).with_context(context)?;
            checkpoint.bytes[i] = header.len() as u64;
            hashes[i] = fnv1a(FNV_START, &header);
        } else {
            // Cut off anything written after the last checkpoint.
            f.set_len(checkpoint.bytes[i]).with_context(context)?;
            let verified = checkpoint.fnv1a.as_ref().map(|h| &h[i]);
            hashes[i] = verified
                .and_then(|h| u64::from_str_radix(h, 16).ok())
                .unwrap_or(FNV_START);
            rows[i] = checkpoint.rows.map_or(0, |r| r[i]);
        }
        f.seek(std::io::SeekFrom::End(0)).with_context(context)?;
        files.push(f);
    }
    Ok((files, hashes, rows))
}

impl SweepFiles {
    /// Opens `dir` for the sweep with `fingerprint`: fresh, resumed, or already complete.
    /// A folder holding something else is refused unless `force` (which starts afresh,
    /// and only in a folder holdsim wrote: see [`crate::output::folder`]). The folder
    /// is locked until the returned files are dropped; a resume first verifies the
    /// streamed files against the checkpoint.
    pub fn open(
        dir: &Path,
        fingerprint: &str,
        force: bool,
        points_csv: &str,
    ) -> anyhow::Result<(SweepFiles, Start)> {
        let shown = dir;
        let parent_existed = dir
            .parent()
            .is_none_or(|p| p.as_os_str().is_empty() || p.exists());
        let (dir, exists, lock) = folder::prepare(shown, force)?;
        if is_shard_folder(&dir)
            && !parent_existed
            && let Some(parent) = dir.parent()
        {
            // The sharded sweep's own folder, created here: holdsim's, for merge.
            folder::write_marker(parent)?;
        }
        let progress = dir.join("progress");
        if exists && force {
            fs::remove_dir_all(&dir)
                .with_context(|| format!("cannot remove `{}`", shown.display()))?;
        }
        let mut start = Start::Fresh;
        let mut checkpoint = Checkpoint {
            fingerprint: fingerprint.to_string(),
            points_done: 0,
            bytes: [0; 3],
            rows: Some([0; 3]),
            fnv1a: None,
        };
        if dir.exists() {
            let (found, old) = existing_sweep(&dir, shown, fingerprint)?;
            start = found;
            if let Some(old) = old {
                checkpoint = old;
            }
        }
        if start == Start::Fresh {
            fs::create_dir_all(&dir)
                .with_context(|| format!("cannot create `{}`", shown.display()))?;
            folder::write_marker(&dir)?;
        }
        if start != Start::Complete {
            fs::create_dir_all(&progress)
                .with_context(|| format!("cannot create `{}`", progress.display()))?;
            write_file(&dir.join("points.csv"), points_csv.as_bytes())?;
        }
        let (files, hashes, rows) = if start == Start::Complete {
            (Vec::new(), [FNV_START; 3], [0; 3])
        } else {
            open_streamed(&progress, start, &mut checkpoint)?
        };
        let mut this = SweepFiles {
            dir,
            shown: shown.to_path_buf(),
            progress,
            checkpoint,
            hashes,
            rows,
            files,
            _lock: lock,
        };
        if start == Start::Fresh {
            this.save_checkpoint()?;
        }
        Ok((this, start))
    }

    /// Records how far the files are valid. Writes go straight to the kernel (no
    /// user-space buffer), so a killed process loses nothing written before this; the
    /// files are not fsynced on every chunk (that would dominate small chunks), so a
    /// power cut may lose the last chunks, which a resume then recomputes.
    fn save_checkpoint(&mut self) -> anyhow::Result<()> {
        self.checkpoint.rows = Some(self.rows);
        self.checkpoint.fnv1a = Some(self.hashes.map(|h| format!("{h:016x}")));
        write_file(
            &self.progress.join("checkpoint.json"),
            serde_json::to_string_pretty(&self.checkpoint)?.as_bytes(),
        )
    }

    pub fn points_done(&self) -> usize {
        self.checkpoint.points_done
    }

    /// Appends finished points (in design order) and moves the checkpoint past them.
    pub fn append(&mut self, results: &[PointResult]) -> anyhow::Result<()> {
        let chunk = chunk_rows(results).context("cannot write a sweep's rows")?;
        for (i, bytes) in chunk.iter().enumerate() {
            let path = self.progress.join(STREAMED[i]);
            self.files[i]
                .write_all(bytes)
                .with_context(|| format!("cannot write `{}`", path.display()))?;
            self.checkpoint.bytes[i] += bytes.len() as u64;
            self.hashes[i] = fnv1a(self.hashes[i], bytes);
            self.rows[i] += bytes.iter().filter(|&&b| b == b'\n').count() as u64;
        }
        self.checkpoint.points_done += results.len();
        self.save_checkpoint()
    }

    /// Puts the final files in place: the CSVs, their Parquet copies and `manifest`.
    pub fn finish(self, manifest: &serde_json::Value) -> anyhow::Result<PathBuf> {
        finish_dir(&self.progress, &self.dir, manifest)?;
        Ok(self.shown)
    }
}

/// The rows `results` add to each streamed table, as CSV bytes (no header).
fn chunk_rows(results: &[PointResult]) -> anyhow::Result<[Vec<u8>; 3]> {
    let mut out = [0, 1, 2].map(|_| CsvWriter::continuing(Vec::new()));
    let [replications, summary, status] = &mut out;
    for r in results {
        let point = Some(r.point);
        match &r.outcome {
            Ok(rows) => {
                for row in rows {
                    tables::replication_row(
                        replications,
                        point,
                        row.replication,
                        row.patient_days,
                        &row.kpis,
                    )?;
                }
                for k in ALL_KPIS {
                    let s = Summary::of(rows.iter().map(|row| row.kpis[k]));
                    tables::summary_row(summary, point, k, s.as_ref())?;
                }
                status.write_row(&[
                    Cell::count(r.point),
                    Cell::Text("ok"),
                    Cell::count(rows.len()),
                    Cell::Text(""),
                ])?;
            }
            Err(e) => status.write_row(&[
                Cell::count(r.point),
                Cell::Text("failed"),
                Cell::Int(0),
                Cell::Text(&one_line(e)),
            ])?,
        }
    }
    let [a, b, c] = out;
    Ok([a.into_inner()?, b.into_inner()?, c.into_inner()?])
}

/// Writes the Parquet copy of the CSV table at `csv` to `parquet`, reading the CSV
/// back as typed rows of `schema` (its header must be exactly that). A sweep's CSV
/// files are its record across sessions (streamed, resumed, merged from shards), so
/// the copy is made from them once they are complete.
fn parquet_copy(csv: &Path, parquet: &Path, schema: &Schema) -> anyhow::Result<()> {
    let source = File::open(csv).with_context(|| format!("cannot open `{}`", csv.display()))?;
    let mut reader = TableReader::open_exact(
        BufReader::new(source),
        format!("`{}`", csv.display()),
        schema,
    )
    .map_err(read_error)?;
    let out =
        File::create(parquet).with_context(|| format!("cannot create `{}`", parquet.display()))?;
    let mut sink = Parquet.begin(schema, Box::new(std::io::BufWriter::new(out)))?;
    while let Some(row) = reader.next_row().map_err(read_error)? {
        sink.row(&row.cells(schema).map_err(read_error)?)?;
    }
    sink.finish()
}

/// Moves the complete tables in `work` (the three streamed CSVs) into `dir` beside
/// `dir/points.csv`, with Parquet copies of all four and `manifest.json` last, then
/// removes `work`. Each file goes to a temporary name first and is renamed, and the
/// sources are copied rather than moved, so an interrupted finish can simply run again.
pub fn finish_dir(work: &Path, dir: &Path, manifest: &serde_json::Value) -> anyhow::Result<()> {
    let rename = |from: &Path, to: &Path| {
        fs::rename(from, to).with_context(|| format!("cannot move `{}` into place", to.display()))
    };
    for (i, name) in STREAMED.iter().enumerate() {
        let src = work.join(name);
        let stem = name.trim_end_matches(".csv");
        let tmp = work.join(format!("{stem}.parquet.tmp"));
        parquet_copy(&src, &tmp, &schema(i))
            .with_context(|| format!("cannot write `{}`", tmp.display()))?;
        rename(&tmp, &dir.join(format!("{stem}.parquet")))?;
        let tmp = work.join(format!("{name}.tmp"));
        fs::copy(&src, &tmp).with_context(|| format!("cannot write `{}`", tmp.display()))?;
        rename(&tmp, &dir.join(name))?;
    }
    let points = dir.join("points.csv");
    let header = TableReader::open(
        BufReader::new(
            File::open(&points).with_context(|| format!("cannot open `{}`", points.display()))?,
        ),
        format!("`{}`", points.display()),
    )
    .map_err(read_error)?
    .header()
    .to_vec();
    let tmp = work.join("points.parquet.tmp");
    parquet_copy(
        &points,
        &tmp,
        &points_schema(header.iter().skip(1).map(String::as_str)),
    )
    .with_context(|| format!("cannot write `{}`", tmp.display()))?;
    rename(&tmp, &dir.join("points.parquet"))?;
    write_file(
        &dir.join("manifest.json"),
        serde_json::to_string_pretty(manifest)?.as_bytes(),
    )?;
    fs::remove_dir_all(work).ok();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_points_reason_is_one_quoted_field_that_reads_back_whole() {
        let results = [PointResult {
            point: 4,
            outcome: Err("a, \"b\"\nc".into()),
        }];
        let [replications, summary, status] = chunk_rows(&results).unwrap();
        assert!(replications.is_empty() && summary.is_empty());
        assert_eq!(
            String::from_utf8(status.clone()).unwrap(),
            "4,failed,0,\"a, \"\"b\"\" c\"\n"
        );
        let mut file = CsvWriter::begin(&schema(2), Vec::new())
            .unwrap()
            .into_inner()
            .unwrap();
        file.extend_from_slice(&status);
        let mut reader = rows(&file[..], "`status.csv`".into(), 2).unwrap();
        let row = next_row(&mut reader).unwrap().unwrap();
        assert_eq!(
            status_row(&row).unwrap(),
            StatusRow {
                point: 4,
                ok: false,
                replications: 0
            }
        );
        assert_eq!(row.text("error"), "a, \"b\" c");
    }
}
