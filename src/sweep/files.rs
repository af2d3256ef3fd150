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
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};

use super::PointResult;
use crate::kpi::ALL_KPIS;
use crate::output::atomic::write_file;
use crate::output::field;
use crate::output::parquet::{ColumnKind, csv_to_parquet};
use crate::stats::Summary;

/// The streamed tables, in the order their byte counts are checkpointed.
pub const STREAMED: [&str; 3] = ["replications.csv", "summary.csv", "status.csv"];

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
struct Checkpoint {
    fingerprint: String,
    points_done: usize,
    bytes: [u64; 3],
}

/// Where a sweep starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Start {
    Fresh,
    /// Resuming after this many points.
    Resume(usize),
    /// Every point is done and the final files exist.
    Complete,
}

/// An open sweep folder.
pub struct SweepFiles {
    dir: PathBuf,
    progress: PathBuf,
    checkpoint: Checkpoint,
    files: Vec<File>,
}

fn headers() -> [String; 3] {
    let kpis: Vec<&str> = ALL_KPIS.iter().map(|k| k.name()).collect();
    [
        format!("point,replication,patient_days,{}\n", kpis.join(",")),
        "point,kpi,n,mean,sd,ci_low,ci_high,p5,p50,p95\n".into(),
        "point,status,replications,error\n".into(),
    ]
}

fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\"").replace('\n', " "))
}

impl SweepFiles {
    /// Opens `dir` for the sweep with `fingerprint`: fresh, resumed, or already complete.
    /// A folder holding something else is refused unless `force` (which starts afresh).
    pub fn open(
        dir: &Path,
        fingerprint: &str,
        force: bool,
        points_csv: &str,
    ) -> anyhow::Result<(SweepFiles, Start)> {
        let progress = dir.join("progress");
        let checkpoint_path = progress.join("checkpoint.json");
        if dir.exists() && force {
            fs::remove_dir_all(dir)
                .with_context(|| format!("cannot remove `{}`", dir.display()))?;
        }
        let mut start = Start::Fresh;
        let mut checkpoint = Checkpoint {
            fingerprint: fingerprint.to_string(),
            points_done: 0,
            bytes: [0; 3],
        };
        if dir.exists() {
            if checkpoint_path.exists() {
                let old: Checkpoint = serde_json::from_str(&fs::read_to_string(&checkpoint_path)?)
                    .with_context(|| {
                        format!(
                            "`{}` is damaged; rerun with --force to start again",
                            checkpoint_path.display()
                        )
                    })?;
                if old.fingerprint != fingerprint {
                    bail!(
                        "`{}` holds an unfinished sweep of a different experiment (or different settings); pass --force to discard it, or choose another folder with --out",
                        dir.display()
                    );
                }
                start = Start::Resume(old.points_done);
                checkpoint = old;
            } else if let Ok(text) = fs::read_to_string(dir.join("manifest.json")) {
                let m: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
                if m["fingerprint"] == fingerprint {
                    start = Start::Complete;
                } else {
                    bail!(
                        "`{}` holds the results of a different sweep; pass --force to replace them, or choose another folder with --out",
                        dir.display()
                    );
                }
            } else {
                bail!(
                    "the output folder `{}` already exists and is not a sweep of this experiment; pass --force to replace it, or choose another with --out",
                    dir.display()
                );
            }
        }
        if start != Start::Complete {
            fs::create_dir_all(&progress)
                .with_context(|| format!("cannot create `{}`", progress.display()))?;
            write_file(&dir.join("points.csv"), points_csv.as_bytes())?;
        }
        let mut files = Vec::new();
        if start != Start::Complete {
            for (i, name) in STREAMED.iter().enumerate() {
                let path = progress.join(name);
                let mut f = OpenOptions::new()
                    .create(true)
                    .read(true)
                    .write(true)
                    .truncate(false)
                    .open(&path)
                    .with_context(|| format!("cannot open `{}`", path.display()))?;
                if start == Start::Fresh {
                    f.set_len(0)?;
                    let header = &headers()[i];
                    f.write_all(header.as_bytes())?;
                    checkpoint.bytes[i] = header.len() as u64;
                } else {
                    // Cut off anything written after the last checkpoint.
                    f.set_len(checkpoint.bytes[i])?;
                }
                use std::io::Seek;
                f.seek(std::io::SeekFrom::End(0))?;
                files.push(f);
            }
        }
        let mut this = SweepFiles {
            dir: dir.to_path_buf(),
            progress,
            checkpoint,
            files,
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
            self.files[i].write_all(t.as_bytes())?;
            self.checkpoint.bytes[i] += t.len() as u64;
        }
        self.checkpoint.points_done += results.len();
        self.save_checkpoint()
    }

    /// Puts the final files in place: the CSVs, their Parquet copies and `manifest`.
    pub fn finish(self, manifest: &serde_json::Value) -> anyhow::Result<PathBuf> {
        finish_dir(&self.progress, &self.dir, manifest)?;
        Ok(self.dir)
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
    for name in STREAMED {
        let src = work.join(name);
        let stem = name.trim_end_matches(".csv");
        let tmp = work.join(format!("{stem}.parquet.tmp"));
        csv_to_parquet(&src, &tmp, &kind)?;
        fs::rename(&tmp, dir.join(format!("{stem}.parquet")))?;
        let tmp = work.join(format!("{name}.tmp"));
        fs::copy(&src, &tmp)?;
        fs::rename(&tmp, dir.join(name))?;
    }
    let tmp = work.join("points.parquet.tmp");
    csv_to_parquet(&dir.join("points.csv"), &tmp, &|h: &str| {
        if h == "point" {
            ColumnKind::Int64
        } else {
            ColumnKind::Double
        }
    })?;
    fs::rename(&tmp, dir.join("points.parquet"))?;
    write_file(
        &dir.join("manifest.json"),
        serde_json::to_string_pretty(manifest)?.as_bytes(),
    )?;
    fs::remove_dir_all(work).ok();
    Ok(())
}
