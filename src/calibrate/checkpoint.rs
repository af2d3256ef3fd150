//! The checkpoint of a calibration in progress: every finished stage, saved after
//! each one, so a calibration killed at any moment (even `kill -9`) resumes from its
//! last finished stage and ends with the bytes of an uninterrupted run.
//!
//! It lives beside the results folder, in `.NAME.calibration/checkpoint.json`
//! (`NAME` the folder's name), because the results folder itself is written whole
//! at the end ([`crate::output::atomic::Staging`]). The file is replaced atomically;
//! on resume it must carry the calibration's fingerprint (a hash of everything that
//! decides the results) and its stages must hash to the checksum saved with them,
//! else it is set aside and the calibration starts again, saying why.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::Context;
use holdsim_core::calibration::Stage;
use serde::{Deserialize, Serialize};

use crate::output::atomic::write_file;
use crate::sweep::files::{FNV_START, fnv1a};

#[derive(Serialize, Deserialize)]
struct Saved {
    fingerprint: String,
    /// FNV-1a of `stages` as JSON text.
    checksum: String,
    stages: String,
}

/// Where the checkpoint of results folder `out` (resolved) lives.
pub fn folder_for(out: &Path) -> PathBuf {
    let name = out
        .file_name()
        .map_or_else(|| "results".into(), |n| n.to_string_lossy().into_owned());
    out.with_file_name(format!(".{name}.calibration"))
}

/// The fingerprint of a calibration's description.
pub fn fingerprint(description: &serde_json::Value) -> String {
    format!(
        "{:016x}",
        fnv1a(FNV_START, description.to_string().as_bytes())
    )
}

/// Saves `stages` under `dir` (created if needed).
pub fn save(dir: &Path, fingerprint: &str, stages: &[Stage]) -> anyhow::Result<()> {
    fs::create_dir_all(dir).with_context(|| format!("cannot create `{}`", dir.display()))?;
    let stages = serde_json::to_string(stages)?;
    let saved = Saved {
        fingerprint: fingerprint.to_string(),
        checksum: format!("{:016x}", fnv1a(FNV_START, stages.as_bytes())),
        stages,
    };
    write_file(&dir.join("checkpoint.json"), &serde_json::to_vec(&saved)?)
}

/// What a resume found.
pub enum Found {
    Nothing,
    Stages(Vec<Stage>),
    /// A checkpoint that cannot be used, and why (it is ignored and overwritten).
    Unusable(String),
}

/// The stages saved under `dir` for `fingerprint`, verified.
pub fn load(dir: &Path, fingerprint: &str) -> Found {
    let path = dir.join("checkpoint.json");
    let Ok(bytes) = fs::read(&path) else {
        return Found::Nothing;
    };
    let Ok(saved) = serde_json::from_slice::<Saved>(&bytes) else {
        return Found::Unusable(format!("`{}` is not a checkpoint", path.display()));
    };
    if saved.fingerprint != fingerprint {
        return Found::Unusable(format!(
            "`{}` belongs to a different calibration (the file, its scenarios or holdsim changed)",
            path.display()
        ));
    }
    if saved.checksum != format!("{:016x}", fnv1a(FNV_START, saved.stages.as_bytes())) {
        return Found::Unusable(format!("`{}` is damaged", path.display()));
    }
    match serde_json::from_str(&saved.stages) {
        Ok(stages) => Found::Stages(stages),
        Err(e) => Found::Unusable(format!("`{}` is damaged: {e}", path.display())),
    }
}

/// Removes the checkpoint folder (after the results are in place, or on `--force`).
pub fn remove(dir: &Path) -> anyhow::Result<()> {
    match fs::remove_dir_all(dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e).with_context(|| format!("cannot remove `{}`", dir.display())),
    }
}
