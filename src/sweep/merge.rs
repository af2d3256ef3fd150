//! Combining a sharded sweep: `DIR/shard-K-of-N/` folders (each a finished sweep of the
//! points whose index is K mod N) merged into `DIR`'s own files, byte-identical to a
//! single-machine run. Rows are merged by point index, streaming line by line, so
//! memory stays bounded; missing, unfinished or mismatched shards are named.

use std::fs::{self, File};
use std::io::{BufRead, BufReader, Lines, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

use super::files::{STREAMED, finish_dir};
use crate::output::atomic::write_file;

/// The shard folders found in `dir`: `(index, count, path)`, sorted.
fn shard_folders(dir: &Path) -> anyhow::Result<Vec<(usize, usize, PathBuf)>> {
    let mut found = Vec::new();
    for entry in fs::read_dir(dir).with_context(|| format!("cannot read `{}`", dir.display()))? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(rest) = name.strip_prefix("shard-")
            && let Some((k, n)) = rest.split_once("-of-")
            && let (Ok(k), Ok(n)) = (k.parse::<usize>(), n.parse::<usize>())
            && entry.path().is_dir()
        {
            found.push((k, n, entry.path()));
        }
    }
    found.sort();
    Ok(found)
}

/// A shard's table, read a point at a time.
struct Reader {
    lines: Lines<BufReader<File>>,
    next: Option<(usize, String)>,
}

impl Reader {
    fn open(path: &Path) -> anyhow::Result<(String, Reader)> {
        let mut lines = BufReader::new(
            File::open(path).with_context(|| format!("cannot open `{}`", path.display()))?,
        )
        .lines();
        let header = lines
            .next()
            .with_context(|| format!("`{}` is empty", path.display()))??;
        let mut r = Reader { lines, next: None };
        r.advance(path)?;
        Ok((header, r))
    }

    fn advance(&mut self, path: &Path) -> anyhow::Result<()> {
        self.next = match self.lines.next() {
            None => None,
            Some(line) => {
                let line = line?;
                let point = line
                    .split(',')
                    .next()
                    .and_then(|p| p.parse().ok())
                    .with_context(|| {
                        format!("`{}`: a row without a point index", path.display())
                    })?;
                Some((point, line))
            }
        };
        Ok(())
    }
}

/// What a merge found and wrote.
pub struct Merged {
    pub shards: usize,
    pub points: usize,
}

/// Merges every `DIR/shard-K-of-N/` into `DIR`. Fails, naming them, if any shard of the
/// N is missing or unfinished, or if shards come from different sweeps.
pub fn merge(dir: &Path) -> anyhow::Result<Merged> {
    let shards = shard_folders(dir)?;
    let Some(&(_, count, _)) = shards.first() else {
        bail!(
            "`{}` holds no shard folders (shard-K-of-N); run `holdsim sweep … --shard K/N --out {}` first",
            dir.display(),
            dir.display()
        );
    };
    if shards.iter().any(|s| s.1 != count) {
        let counts: Vec<String> = shards
            .iter()
            .map(|s| format!("shard-{}-of-{}", s.0, s.1))
            .collect();
        bail!(
            "`{}` mixes shard counts ({}); keep the folders of one sharding only",
            dir.display(),
            counts.join(", ")
        );
    }
    let mut problems = Vec::new();
    let mut manifests = Vec::new();
    for k in 0..count {
        let path = dir.join(format!("shard-{k}-of-{count}"));
        match fs::read_to_string(path.join("manifest.json")) {
            Ok(text) => manifests.push((k, serde_json::from_str::<serde_json::Value>(&text).with_context(|| format!("`{}/manifest.json` is damaged", path.display()))?)),
            Err(_) if path.join("progress").exists() => problems.push(format!("shard {k} of {count} is unfinished (`{}`): rerun it, e.g. `holdsim sweep EXPERIMENT --shard {k}/{count} --out {}`, which resumes it", path.display(), dir.display())),
            Err(_) if path.exists() => problems.push(format!("shard {k} of {count} has no results (`{}`)", path.display())),
            Err(_) => problems.push(format!("shard {k} of {count} is missing (no `{}`): run `holdsim sweep EXPERIMENT --shard {k}/{count} --out {}`", path.display(), dir.display())),
        }
    }
    if !problems.is_empty() {
        bail!(
            "cannot merge `{}`:\n  - {}",
            dir.display(),
            problems.join("\n  - ")
        );
    }
    let sweep_print = manifests[0].1["sweep_fingerprint"].clone();
    for (k, m) in &manifests {
        if m["sweep_fingerprint"] != sweep_print {
            bail!(
                "shard {k} of {count} in `{}` belongs to a different sweep (experiment or settings changed); rerun it with --force",
                dir.display()
            );
        }
    }

    let work = dir.join("progress-merge");
    fs::create_dir_all(&work)?;
    let shard_dirs: Vec<PathBuf> = (0..count)
        .map(|k| dir.join(format!("shard-{k}-of-{count}")))
        .collect();
    let mut points = 0;
    for name in STREAMED {
        let mut readers = Vec::new();
        let mut header = None;
        for d in &shard_dirs {
            let (h, r) = Reader::open(&d.join(name))?;
            header.get_or_insert(h);
            readers.push(r);
        }
        let mut out = std::io::BufWriter::new(File::create(work.join(name))?);
        writeln!(out, "{}", header.unwrap_or_default())?;
        // Point p lives in shard p mod N: take its rows from there, in point order.
        let mut point = 0;
        loop {
            let k = point % count;
            let mut wrote = false;
            while let Some((p, line)) = readers[k].next.take() {
                if p != point {
                    readers[k].next = Some((p, line));
                    break;
                }
                writeln!(out, "{line}")?;
                wrote = true;
                readers[k].advance(&shard_dirs[k].join(name))?;
            }
            let done = readers.iter().all(|r| r.next.is_none());
            if !wrote && done {
                break;
            }
            if !wrote
                && readers
                    .iter()
                    .all(|r| r.next.as_ref().is_none_or(|(p, _)| *p < point))
            {
                bail!("shard tables of `{name}` are out of order near point {point}");
            }
            point += 1;
        }
        out.flush()?;
        if name == "status.csv" {
            points = point;
        }
    }
    let design = fs::read(shard_dirs[0].join("points.csv"))?;
    write_file(&dir.join("points.csv"), &design)?;
    let mut manifest = manifests[0].1.clone();
    manifest["fingerprint"] = sweep_print;
    manifest["shard"] = serde_json::Value::Null;
    manifest["merged_from_shards"] = serde_json::json!(count);
    manifest["wall_time_seconds_this_session"] = serde_json::Value::Null;
    finish_dir(&work, dir, &manifest)?;
    Ok(Merged {
        shards: count,
        points,
    })
}
