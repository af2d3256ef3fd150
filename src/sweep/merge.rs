//! Combining a sharded sweep: `DIR/shard-K-of-N/` folders (each a finished sweep of the
//! points whose index is K mod N) merged into `DIR`'s own files, byte-identical to a
//! single-machine run. Rows are merged by point index, streaming row by row (read with
//! the `csv` crate), so memory stays bounded. Nothing is trusted: every table of every
//! shard must hold exactly its points (index ≡ K mod N), once each and in order, with
//! the rows its status calls for; missing, unfinished, copied, swapped or damaged shards
//! are named with the file and line.

use std::fs::{self, File};
use std::io::BufReader;
use std::path::{Path, PathBuf};

use anyhow::Context;

use super::files::{
    self, Rows, STREAMED, StatusRow, damaged, expect_end, expect_point_rows, finish_dir, status_row,
};
use crate::output::atomic::write_file;
use crate::output::folder::{self, FolderLock};
use crate::output::table::{CsvFile, TableReader};

/// The shard folders found in `dir`: `(index, count, path)`, sorted. Folders whose
/// name is a shard's but not spelt as holdsim spells it (`shard-01-of-2`), and two
/// folders for one shard, are refused.
fn shard_folders(dir: &Path) -> anyhow::Result<Vec<(usize, usize, PathBuf)>> {
    let mut found = Vec::new();
    for entry in fs::read_dir(dir).with_context(|| format!("cannot read `{}`", dir.display()))? {
        let entry = entry.with_context(|| format!("cannot read `{}`", dir.display()))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(rest) = name.strip_prefix("shard-")
            && let Some((k, n)) = rest.split_once("-of-")
            && let (Ok(k), Ok(n)) = (k.parse::<usize>(), n.parse::<usize>())
            && entry.path().is_dir()
        {
            if name != format!("shard-{k}-of-{n}") {
                return Err(damaged(format!(
                    "`{}` is not a shard folder holdsim writes (expected `shard-{k}-of-{n}`); move it out of `{}`",
                    entry.path().display(),
                    dir.display()
                )));
            }
            found.push((k, n, entry.path()));
        }
    }
    found.sort();
    Ok(found)
}

/// What a merge found and wrote.
pub struct Merged {
    pub shards: usize,
    pub points: usize,
}

type Reader = Rows<BufReader<File>>;

/// A shard's index and its `manifest.json`.
type Manifest = (usize, serde_json::Value);

/// Opens one shard's table, named for messages as `shard K of N: `path``.
fn open_table(shard: &Path, k: usize, count: usize, table: usize) -> anyhow::Result<Reader> {
    let path = shard.join(STREAMED[table]);
    let f = File::open(&path).with_context(|| format!("cannot open `{}`", path.display()))?;
    files::rows(
        BufReader::new(f),
        format!("shard {k} of {count}: `{}`", path.display()),
        table,
    )
}

/// Merges every `DIR/shard-K-of-N/` into `DIR`. Fails, naming them, if any shard of the
/// N is missing, unfinished, still being written, copied or swapped, from a different
/// sweep, or damaged (a table that does not hold exactly its points, once each).
pub fn merge(dir: &Path) -> anyhow::Result<Merged> {
    if !dir.is_dir() {
        return Err(damaged(format!(
            "`{}` is not a folder; run `holdsim sweep … --shard K/N --out {}` first",
            dir.display(),
            dir.display()
        )));
    }
    let resolved = folder::resolve(dir)?;
    let _lock = FolderLock::acquire(&resolved, dir)?;
    let shards = shard_folders(dir)?;
    let Some(&(_, count, _)) = shards.first() else {
        return Err(damaged(format!(
            "`{}` holds no shard folders (shard-K-of-N); run `holdsim sweep … --shard K/N --out {}` first",
            dir.display(),
            dir.display()
        )));
    };
    if shards.iter().any(|s| s.1 != count) {
        let counts: Vec<String> = shards
            .iter()
            .map(|s| format!("shard-{}-of-{}", s.0, s.1))
            .collect();
        return Err(damaged(format!(
            "`{}` mixes shard counts ({}); keep the folders of one sharding only",
            dir.display(),
            counts.join(", ")
        )));
    }
    let (manifests, shard_locks) = read_manifests(dir, count)?;
    let (sweep_print, total) = check_manifests(dir, count, &manifests)?;

    // The merged files go into DIR itself: only into a folder holdsim made, or one
    // without any file the merge would overwrite.
    if !folder::has_marker(&resolved) {
        if let Some(name) = ["points.csv", "manifest.json"]
            .iter()
            .chain(STREAMED.iter())
            .find(|n| dir.join(n).exists())
        {
            return Err(damaged(format!(
                "refusing to merge into `{}`: it was not made by holdsim (no `{}` marker) and already holds `{name}`, which the merge would overwrite",
                dir.display(),
                folder::MARKER
            )));
        }
        folder::write_marker(&resolved)?;
    }

    let shard_dirs: Vec<PathBuf> = (0..count)
        .map(|k| dir.join(format!("shard-{k}-of-{count}")))
        .collect();
    let work = dir.join("progress-merge");
    merge_rows(&shard_dirs, total, &work)?;
    let points_path = shard_dirs[0].join("points.csv");
    let design = fs::read(&points_path)
        .with_context(|| format!("cannot read `{}`", points_path.display()))?;
    let design_points = count_rows(&design, &points_path)?;
    if design_points != total {
        return Err(damaged(format!(
            "`{}` holds {design_points} design points, its manifest says {total}",
            points_path.display()
        )));
    }
    write_file(&dir.join("points.csv"), &design)?;
    let mut manifest = manifests[0].1.clone();
    manifest["fingerprint"] = sweep_print;
    manifest["shard"] = serde_json::Value::Null;
    manifest["merged_from_shards"] = serde_json::json!(count);
    manifest["wall_time_seconds_this_session"] = serde_json::Value::Null;
    finish_dir(&work, dir, &manifest)?;
    drop(shard_locks);
    Ok(Merged {
        shards: count,
        points: total as usize,
    })
}

/// The data rows of the table `bytes` read from `path` (checked as CSV on the way).
fn count_rows(bytes: &[u8], path: &Path) -> anyhow::Result<u64> {
    let mut reader =
        TableReader::open(bytes, format!("`{}`", path.display())).map_err(files::read_error)?;
    let mut rows = 0;
    while reader.next_row().map_err(files::read_error)?.is_some() {
        rows += 1;
    }
    Ok(rows)
}

/// Each shard's manifest, in shard order, with a lock on each shard folder (a shard
/// still being written is not ready to merge). Every missing or unfinished shard is
/// named at once.
fn read_manifests(dir: &Path, count: usize) -> anyhow::Result<(Vec<Manifest>, Vec<FolderLock>)> {
    let mut problems = Vec::new();
    let mut manifests = Vec::new();
    let mut shard_locks = Vec::new();
    for k in 0..count {
        let path = dir.join(format!("shard-{k}-of-{count}"));
        if path.is_dir() {
            // A shard still being written is not ready to merge.
            shard_locks.push(FolderLock::acquire(&folder::resolve(&path)?, &path)?);
        }
        let manifest_path = path.join("manifest.json");
        match fs::read_to_string(&manifest_path) {
            Ok(text) => manifests.push((
                k,
                serde_json::from_str::<serde_json::Value>(&text).map_err(|e| {
                    damaged(format!(
                        "shard {k} of {count}: `{}` is damaged ({e}); rerun the shard with --force",
                        manifest_path.display()
                    ))
                })?,
            )),
            Err(_) if path.join("progress").exists() => problems.push(format!("shard {k} of {count} is unfinished (`{}`): rerun it, e.g. `holdsim sweep EXPERIMENT --shard {k}/{count} --out {}`, which resumes it", path.display(), dir.display())),
            Err(_) if path.exists() => problems.push(format!("shard {k} of {count} has no results (`{}`)", path.display())),
            Err(_) => problems.push(format!("shard {k} of {count} is missing (no `{}`): run `holdsim sweep EXPERIMENT --shard {k}/{count} --out {}`", path.display(), dir.display())),
        }
    }
    if !problems.is_empty() {
        return Err(damaged(format!(
            "cannot merge `{}`:\n  - {}",
            dir.display(),
            problems.join("\n  - ")
        )));
    }
    Ok((manifests, shard_locks))
}

/// Checks that the manifests are of shards 0 to N−1 of one sweep, each in its own
/// folder, and returns the sweep's fingerprint and its number of points.
fn check_manifests(
    dir: &Path,
    count: usize,
    manifests: &[Manifest],
) -> anyhow::Result<(serde_json::Value, u64)> {
    let sweep_print = manifests[0].1["sweep_fingerprint"].clone();
    let total = manifests[0].1["points"].as_u64();
    for (k, m) in manifests {
        let folder_name = format!("shard-{k}-of-{count}");
        let says = (m["shard"]["index"].as_u64(), m["shard"]["count"].as_u64());
        if says != (Some(*k as u64), Some(count as u64)) {
            let what = match says {
                (Some(i), Some(n)) => format!("the results of shard {i} of {n}"),
                _ => "no shard's results".into(),
            };
            return Err(damaged(format!(
                "`{}` holds {what} (its manifest.json says so), not shard {k} of {count}: a copied, swapped or renamed folder; put each shard's folder back under its own name, or rerun `holdsim sweep EXPERIMENT --shard {k}/{count} --out {} --force`",
                dir.join(&folder_name).display(),
                dir.display()
            )));
        }
        if m["sweep_fingerprint"] != sweep_print
            || m["fingerprint"].as_str()
                != sweep_print
                    .as_str()
                    .map(|p| format!("{p}/{folder_name}"))
                    .as_deref()
        {
            return Err(damaged(format!(
                "shard {k} of {count} in `{}` belongs to a different sweep (experiment or settings changed); rerun it with --force",
                dir.display()
            )));
        }
        if m["points"].as_u64() != total || total.is_none() {
            return Err(damaged(format!(
                "`{}/manifest.json` gives the design {} points, shard 0 of {count} gives it {}; the shards are from different sweeps or damaged",
                dir.join(&folder_name).display(),
                m["points"],
                manifests[0].1["points"]
            )));
        }
    }
    Ok((sweep_print, total.unwrap_or(0)))
}

/// Merges the shards' streamed tables into `work`, point by point (point p lives in
/// shard p mod N), checking each shard holds exactly its points' rows.
fn merge_rows(shard_dirs: &[PathBuf], total: u64, work: &Path) -> anyhow::Result<()> {
    let count = shard_dirs.len();
    let mut tables: Vec<[Reader; 3]> = Vec::new();
    for (k, d) in shard_dirs.iter().enumerate() {
        tables.push([
            open_table(d, k, count, 0)?,
            open_table(d, k, count, 1)?,
            open_table(d, k, count, 2)?,
        ]);
    }
    fs::create_dir_all(work).with_context(|| format!("cannot create `{}`", work.display()))?;
    let mut outs = Vec::new();
    for (i, name) in STREAMED.iter().enumerate() {
        outs.push(CsvFile::create(work.join(name), &files::schema(i))?);
    }
    // Point p lives in shard p mod N: take its rows from there, in point order, and
    // check each is exactly what the point's status row calls for.
    for p in 0..total {
        let k = (p % count as u64) as usize;
        let [reps, summary, status] = &mut tables[k];
        let label = status.label().to_string();
        let last_line = status.last_line();
        let s: StatusRow = match files::next_row(status)? {
            Some(r) => {
                let s = status_row(&r)?;
                if s.point as u64 != p {
                    return Err(damaged(format!(
                        "{label}, line {}: found point {}, expected point {p} (shard {k} of {count} holds the points whose index mod {count} is {k}, once each, in order)",
                        r.line(),
                        s.point
                    )));
                }
                outs[2].copy(&r)?;
                s
            }
            None => {
                return Err(damaged(format!(
                    "{label} ends after line {last_line}, before point {p} (the design has {total} points; shard {k} of {count} must hold every point whose index mod {count} is {k})"
                )));
            }
        };
        expect_point_rows(&s, reps, summary, &mut |table, r| outs[table].copy(r))?;
    }
    for shard in &mut tables {
        for rows in shard.iter_mut() {
            expect_end(rows)?;
        }
    }
    for out in outs {
        out.finish()?;
    }
    Ok(())
}
