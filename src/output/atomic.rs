//! Atomic results folders: files are written into a hidden staging folder next to the
//! destination, then the folder is renamed into place in one step. A run killed at
//! any moment leaves either the old results or the new ones, never a mixture.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

/// A results folder being written.
pub struct Staging {
    staging: PathBuf,
    destination: PathBuf,
}

impl Staging {
    /// Checks the destination can be used (it may exist only with `force`) before any
    /// work is done, and creates the staging folder.
    pub fn begin(destination: &Path, force: bool) -> anyhow::Result<Staging> {
        if destination.exists() && !force {
            bail!(
                "the output folder `{}` already exists; pass --force to replace it, or choose another with --out",
                destination.display()
            );
        }
        let parent = match destination.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&parent)
            .with_context(|| format!("cannot create `{}`", parent.display()))?;
        let name = destination
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "results".into());
        remove_abandoned(&parent, &name);
        let staging = parent.join(format!(".{name}.partial-{}", std::process::id()));
        if staging.exists() {
            fs::remove_dir_all(&staging).ok();
        }
        fs::create_dir(&staging)
            .with_context(|| format!("cannot create `{}`", staging.display()))?;
        Ok(Staging {
            staging,
            destination: destination.to_path_buf(),
        })
    }

    /// The staging folder itself (for readers of what was written so far).
    pub fn path(&self) -> &Path {
        &self.staging
    }

    /// Writes one file into the staging folder; `name` may contain subfolders.
    pub fn write(&self, name: &str, bytes: &[u8]) -> anyhow::Result<()> {
        let path = self.staging.join(name);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)
                .with_context(|| format!("cannot create `{}`", parent.display()))?;
        }
        fs::write(&path, bytes).with_context(|| format!("cannot write `{}`", path.display()))
    }

    /// Moves the finished folder into place, replacing an old one.
    pub fn commit(self) -> anyhow::Result<PathBuf> {
        let destination = self.destination.clone();
        if destination.exists() {
            let old = PathBuf::from(format!("{}.old", self.staging.display()));
            fs::rename(&destination, &old).with_context(|| {
                format!("cannot move the old `{}` aside", destination.display())
            })?;
            fs::rename(&self.staging, &destination)
                .with_context(|| format!("cannot move results into `{}`", destination.display()))?;
            fs::remove_dir_all(&old).ok();
        } else {
            fs::rename(&self.staging, &destination)
                .with_context(|| format!("cannot move results into `{}`", destination.display()))?;
        }
        std::mem::forget(self);
        Ok(destination)
    }
}

impl Drop for Staging {
    /// An abandoned staging folder (an error part-way) is removed.
    fn drop(&mut self) {
        fs::remove_dir_all(&self.staging).ok();
    }
}

/// Removes staging folders for `name` left by runs that were killed (their process is
/// gone), so interrupted runs leave no lasting clutter.
fn remove_abandoned(parent: &Path, name: &str) {
    let prefix = format!(".{name}.partial-");
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let file = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = file
            .strip_prefix(&prefix)
            .and_then(|p| p.trim_end_matches(".old").parse::<u32>().ok())
        else {
            continue;
        };
        let alive = Path::new(&format!("/proc/{pid}")).exists();
        if !alive && pid != std::process::id() {
            fs::remove_dir_all(entry.path()).ok();
        }
    }
}

/// Writes one file atomically: a temporary file in the same folder, then a rename.
pub fn write_file(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
    fs::write(&tmp, bytes).with_context(|| format!("cannot write `{}`", tmp.display()))?;
    fs::rename(&tmp, path).with_context(|| format!("cannot move `{}` into place", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staging_commits_whole_and_refuses_to_clobber() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("out");
        let s = Staging::begin(&dest, false).unwrap();
        s.write("a.csv", b"x").unwrap();
        assert!(!dest.exists(), "nothing visible before commit");
        s.commit().unwrap();
        assert_eq!(fs::read(dest.join("a.csv")).unwrap(), b"x");
        assert!(Staging::begin(&dest, false).is_err());
        let s = Staging::begin(&dest, true).unwrap();
        s.write("b.csv", b"y").unwrap();
        s.commit().unwrap();
        assert!(!dest.join("a.csv").exists(), "old folder replaced whole");
        assert!(dest.join("b.csv").exists());
        // An abandoned staging folder leaves no trace.
        let s = Staging::begin(&dir.path().join("other"), false).unwrap();
        drop(s);
        let left: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left, vec![std::ffi::OsString::from("out")]);
    }
}
