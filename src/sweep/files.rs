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
use crate::output::field;
use crate::output::folder::{self, FolderLock};
use crate::output::parquet::{ColumnKind, csv_to_parquet};
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

/// The header fields of each streamed table.
pub fn header_fields(i: usize) -> Vec<String> {
    let fixed: &[&str] = match i {
        0 => &["point", "replication", "patient_days"],
        1 => &[
            "point", "kpi", "n", "mean", "sd", "ci_low", "ci_high", "p5", "p50", "p95",
        ],
        _ => &["point", "status", "replications", "error"],
    };
    let mut fields: Vec<String> = fixed.iter().map(|s| (*s).to_string()).collect();
    if i == 0 {
        fields.extend(ALL_KPIS.iter().map(|k| k.name().to_string()));
    }
    fields
}

fn headers() -> [String; 3] {
    [0, 1, 2].map(|i| format!("{}\n", header_fields(i).join(",")))
}

/// The status table's error field as the sweep writes it (always quoted).
pub fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\"").replace('\n', " "))
}

/// A damaged file: exit 2, naming the file (and line) and what is wrong.
pub fn damaged(message: String) -> anyhow::Error {
    UsageError(message).into()
}

/// A streamed table read back with the `csv` crate, checking its header and reporting
/// every problem with the file's name and line.
pub struct Rows<R: Read> {
    reader: csv::Reader<R>,
    /// The file as named in messages.
    pub label: String,
    record: csv::StringRecord,
    width: usize,
    /// The line of the last row read (1: the header), for "ends after line N".
    pub last_line: u64,
}

impl<R: Read> Rows<R> {
    /// Starts reading `source` (named `label`), which must begin with the header of
    /// streamed table `table` (an index into [`STREAMED`]).
    pub fn new(source: R, label: String, table: usize) -> anyhow::Result<Rows<R>> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(true)
            .from_reader(source);
        let expected = header_fields(table);
        let header = reader.headers().map_err(|e| csv_error(e, &label))?.clone();
        if header.is_empty() {
            return Err(damaged(format!("{label} is empty (no header line)")));
        }
        if header.iter().ne(expected.iter().map(String::as_str)) {
            return Err(damaged(format!(
                "{label}, line 1: the header is `{}`, expected `{}`",
                header.iter().collect::<Vec<_>>().join(","),
                expected.join(",")
            )));
        }
        Ok(Rows {
            reader,
            label,
            record: csv::StringRecord::new(),
            width: expected.len(),
            last_line: 1,
        })
    }

    /// The next row and its line number, or `None` at the end.
    pub fn next_row(&mut self) -> anyhow::Result<Option<(u64, &csv::StringRecord)>> {
        if !self
            .reader
            .read_record(&mut self.record)
            .map_err(|e| csv_error(e, &self.label))?
        {
            return Ok(None);
        }
        let line = self.record.position().map_or(0, csv::Position::line);
        self.last_line = line;
        if self.record.len() != self.width {
            return Err(damaged(format!(
                "{}, line {line}: {} fields, expected {}",
                self.label,
                self.record.len(),
                self.width
            )));
        }
        Ok(Some((line, &self.record)))
    }
}

/// A `csv` error as a holdsim error: I/O stays an I/O error (exit 1), anything else
/// means the file is damaged (exit 2).
pub fn csv_error(e: csv::Error, label: &str) -> anyhow::Error {
    let line = e.position().map(csv::Position::line);
    let at = line.map_or(String::new(), |l| format!(", line {l}"));
    if e.is_io_error() {
        anyhow::Error::new(e).context(format!("cannot read {label}"))
    } else {
        damaged(format!("{label}{at}: {e}"))
    }
}

/// One row of a status table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StatusRow {
    pub point: usize,
    pub ok: bool,
    pub replications: u64,
}

/// Parses a status row (`point,status,replications,error`).
pub fn status_row(record: &csv::StringRecord, label: &str, line: u64) -> anyhow::Result<StatusRow> {
    let point = whole(&record[0], label, line, "point")?;
    let replications = whole(&record[2], label, line, "replications")?;
    let ok = match &record[1] {
        "ok" => true,
        "failed" if replications == 0 => false,
        other => {
            return Err(damaged(format!(
                "{label}, line {line}: status `{other}` with {replications} replications; expected `ok`, or `failed` with 0"
            )));
        }
    };
    Ok(StatusRow {
        point: point as usize,
        ok,
        replications,
    })
}

/// A whole-number field.
pub fn whole(text: &str, label: &str, line: u64, column: &str) -> anyhow::Result<u64> {
    text.parse::<u64>().map_err(|_| {
        damaged(format!(
            "{label}, line {line}: {column} is `{text}`, expected a whole number"
        ))
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
    each: &mut dyn FnMut(usize, &csv::StringRecord) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let kpis = if s.ok { ALL_KPIS.len() as u64 } else { 0 };
    for (table, rows, count) in [
        (0, &mut *replications, s.replications),
        (1, &mut *summary, kpis),
    ] {
        for j in 0..count {
            let label = rows.label.clone();
            let last = rows.last_line;
            let Some((line, r)) = rows.next_row()? else {
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
            let point = whole(&r[0], &label, line, "point")?;
            let second_ok = if table == 0 {
                whole(&r[1], &label, line, "replication")? == j
            } else {
                &r[1] == ALL_KPIS[j as usize].name()
            };
            if point != s.point as u64 || !second_ok {
                let what = if table == 0 {
                    format!("replication {j}")
                } else {
                    format!("KPI {}", ALL_KPIS[j as usize].name())
                };
                return Err(damaged(format!(
                    "{label}, line {line}: found point {point}, {} `{}`; expected point {}, {what} (a row is missing, duplicated or out of order)",
                    if table == 0 { "replication" } else { "KPI" },
                    &r[1],
                    s.point
                )));
            }
            each(table, r)?;
        }
    }
    Ok(())
}

/// Checks that a table has no rows left (after every point's rows were read).
pub fn expect_end<R: Read>(rows: &mut Rows<R>) -> anyhow::Result<()> {
    let label = rows.label.clone();
    if let Some((line, r)) = rows.next_row()? {
        return Err(damaged(format!(
            "{label}, line {line}: an extra row (point `{}`) after the last point's rows",
            &r[0]
        )));
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
    let open = |i: usize| -> anyhow::Result<Rows<std::io::Take<BufReader<File>>>> {
        let path = progress.join(STREAMED[i]);
        let f = File::open(&path).with_context(|| format!("cannot open `{}`", path.display()))?;
        Rows::new(
            BufReader::new(f).take(cp.bytes[i]),
            format!("`{}`", path.display()),
            i,
        )
    };
    let (mut reps, mut summary, mut status) = (open(0)?, open(1)?, open(2)?);
    let mut points = 0;
    let mut last: Option<usize> = None;
    loop {
        let label = status.label.clone();
        let Some((line, r)) = status.next_row()? else {
            break;
        };
        let s = status_row(r, &label, line)?;
        if last.is_some_and(|p| s.point <= p) {
            return Err(damaged(format!(
                "{label}, line {line}: point {} after point {}; points must be in increasing order, once each; {again}",
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
        let checkpoint_path = progress.join("checkpoint.json");
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
                checkpoint = old;
                if verified != checkpoint.points_done {
                    eprintln!(
                        "warning: `{}` claims {} points done, but its verified files hold {verified}; resuming after {verified}",
                        checkpoint_path.display(),
                        checkpoint.points_done
                    );
                    checkpoint.points_done = verified;
                }
                start = Start::Resume(checkpoint.points_done);
            } else if let Ok(text) = fs::read_to_string(dir.join("manifest.json")) {
                let m: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
                if m["fingerprint"] == fingerprint {
                    start = Start::Complete;
                } else {
                    return Err(damaged(format!(
                        "`{}` holds the results of a different sweep; pass --force to replace them, or choose another folder with --out",
                        shown.display()
                    )));
                }
            } else {
                return Err(damaged(format!(
                    "the output folder `{}` already exists and is not a sweep of this experiment; pass --force to replace it (only a folder holdsim wrote can be replaced), or choose another with --out",
                    shown.display()
                )));
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
        let mut files = Vec::new();
        let mut hashes = [FNV_START; 3];
        let mut rows = [0u64; 3];
        if start != Start::Complete {
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
                    let header = &headers()[i];
                    f.write_all(header.as_bytes()).with_context(context)?;
                    checkpoint.bytes[i] = header.len() as u64;
                    hashes[i] = fnv1a(FNV_START, header.as_bytes());
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
        }
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
        let mut text = [String::new(), String::new(), String::new()];
        for r in results {
            match &r.outcome {
                Ok(rows) => {
                    for row in rows {
                        text[0].push_str(&format!(
                            "{},{},{}",
                            r.point, row.replication, row.patient_days
                        ));
                        for k in ALL_KPIS {
                            text[0].push(',');
                            text[0].push_str(&field(row.kpis[k]));
                        }
                        text[0].push('\n');
                    }
                    for k in ALL_KPIS {
                        match Summary::of(rows.iter().map(|row| row.kpis[k])) {
                            Some(s) => {
                                let cells = [s.mean, s.sd, s.ci_low, s.ci_high, s.p5, s.p50, s.p95]
                                    .map(|x| field(Some(x)));
                                text[1].push_str(&format!(
                                    "{},{},{},{}\n",
                                    r.point,
                                    k.name(),
                                    s.n,
                                    cells.join(",")
                                ));
                            }
                            None => {
                                text[1].push_str(&format!("{},{},0,,,,,,,\n", r.point, k.name()))
                            }
                        }
                    }
                    text[2].push_str(&format!("{},ok,{},\n", r.point, rows.len()));
                }
                Err(e) => text[2].push_str(&format!("{},failed,0,{}\n", r.point, quote(e))),
            }
        }
        for (i, t) in text.iter().enumerate() {
            let path = self.progress.join(STREAMED[i]);
            self.files[i]
                .write_all(t.as_bytes())
                .with_context(|| format!("cannot write `{}`", path.display()))?;
            self.checkpoint.bytes[i] += t.len() as u64;
            self.hashes[i] = fnv1a(self.hashes[i], t.as_bytes());
            self.rows[i] += t.bytes().filter(|&b| b == b'\n').count() as u64;
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

/// Moves the complete tables in `work` (the three streamed CSVs) into `dir` beside
/// `dir/points.csv`, with Parquet copies of all four and `manifest.json` last, then
/// removes `work`. Each file goes to a temporary name first and is renamed, and the
/// sources are copied rather than moved, so an interrupted finish can simply run again.
pub fn finish_dir(work: &Path, dir: &Path, manifest: &serde_json::Value) -> anyhow::Result<()> {
    let kind = |h: &str| match h {
        "point" | "replication" | "n" | "replications" => ColumnKind::Int64,
        "kpi" | "status" | "error" => ColumnKind::Utf8,
        _ => ColumnKind::Double,
    };
    let rename = |from: &Path, to: &Path| {
        fs::rename(from, to).with_context(|| format!("cannot move `{}` into place", to.display()))
    };
    for name in STREAMED {
        let src = work.join(name);
        let stem = name.trim_end_matches(".csv");
        let tmp = work.join(format!("{stem}.parquet.tmp"));
        csv_to_parquet(&src, &tmp, &kind)
            .with_context(|| format!("cannot write `{}`", tmp.display()))?;
        rename(&tmp, &dir.join(format!("{stem}.parquet")))?;
        let tmp = work.join(format!("{name}.tmp"));
        fs::copy(&src, &tmp).with_context(|| format!("cannot write `{}`", tmp.display()))?;
        rename(&tmp, &dir.join(name))?;
    }
    let tmp = work.join("points.parquet.tmp");
    csv_to_parquet(&dir.join("points.csv"), &tmp, &|h: &str| {
        if h == "point" {
            ColumnKind::Int64
        } else {
            ColumnKind::Double
        }
    })
    .with_context(|| format!("cannot write `{}`", tmp.display()))?;
    rename(&tmp, &dir.join("points.parquet"))?;
    write_file(
        &dir.join("manifest.json"),
        serde_json::to_string_pretty(manifest)?.as_bytes(),
    )?;
    fs::remove_dir_all(work).ok();
    Ok(())
}
