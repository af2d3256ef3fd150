//! Atomic results folders: files are written into a hidden staging folder next to the
//! destination, then the folder is renamed into place in one step. A run killed at
//! any moment leaves either the old results or the new ones, never a mixture.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::Context;

use super::folder::{self, FolderLock};
use super::interrupt;

/// A results folder being written. It holds the folder's lock from [`Staging::begin`]
/// to [`Staging::commit`], so no other holdsim command writes or replaces it meanwhile.
pub struct Staging {
    staging: PathBuf,
    destination: PathBuf,
    /// The destination as the user gave it (for messages and the returned path).
    shown: PathBuf,
    _lock: FolderLock,
}

impl Staging {
    /// Checks the destination can be used before any work is done: it may exist only
    /// with `force`, and then only as a folder holdsim wrote (see [`super::folder`]);
    /// a dangling link or a file is refused. Takes the folder's lock and creates the
    /// staging folder, marked as holdsim's.
    pub fn begin(destination: &Path, force: bool) -> anyhow::Result<Staging> {
        let (resolved, exists, lock) = folder::prepare(destination, force)?;
        if exists && !force {
            return Err(folder::FolderRefusal::Exists {
                out: destination.to_path_buf(),
            }
            .into());
        }
        let parent = resolved.parent().unwrap_or(Path::new("/")).to_path_buf();
        let name = resolved
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "results".into());
        // We hold the folder's lock, so any staging folder of another process for
        // this name was abandoned by a killed run.
        remove_abandoned(&parent, &name);
        let staging = parent.join(format!(".{name}.partial-{}", std::process::id()));
        if staging.exists() {
            fs::remove_dir_all(&staging).ok();
        }
        interrupt::remove_on_interrupt(&staging);
        fs::create_dir(&staging)
            .with_context(|| format!("cannot create `{}`", staging.display()))?;
        let this = Staging {
            staging,
            destination: resolved,
            shown: destination.to_path_buf(),
            _lock: lock,
        };
        folder::write_marker(&this.staging)?;
        Ok(this)
    }

    /// The staging folder itself (for readers of what was written so far).
    pub fn path(&self) -> &Path {
        &self.staging
    }

    /// Writes one file into the staging folder; `name` may contain subfolders.
    pub fn write(&self, name: &str, bytes: &[u8]) -> anyhow::Result<()> {
        let path = self.staging.join(name);
        if let Some(folder) = Path::new(name).parent() {
            self.create_dirs(folder)?;
        }
        fs::write(&path, bytes).with_context(|| format!("cannot write `{}`", path.display()))
    }

    /// Creates the subfolders `relative` inside the staging folder, one level at a
    /// time, and returns its path. Never the staging folder itself: when Ctrl-C has
    /// just removed it (`output::interrupt`) while this thread was still writing,
    /// `create_dir_all` would make it again, and it would outlive the process.
    pub fn create_dirs(&self, relative: &Path) -> anyhow::Result<PathBuf> {
        let mut path = self.staging.clone();
        for part in relative.components() {
            path.push(part);
            match fs::create_dir(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && path.is_dir() => {}
                Err(e) => {
                    return Err(e).with_context(|| format!("cannot create `{}`", path.display()));
                }
            }
        }
        if !path.is_dir() {
            anyhow::bail!("the staging folder `{}` is gone", self.staging.display());
        }
        Ok(path)
    }

    /// Moves the finished folder into place, replacing an old one (checked again: it
    /// must still be a folder holdsim wrote).
    pub fn commit(mut self) -> anyhow::Result<PathBuf> {
        let staging = self.staging.clone();
        // An interrupt waits until the folder is in place (or the old one is back);
        // afterwards the staging path no longer exists, so removing it is harmless.
        interrupt::uninterrupted(|| self.move_into_place())?;
        interrupt::keep(&staging);
        Ok(self.shown.clone())
    }

    fn move_into_place(&mut self) -> anyhow::Result<()> {
        let destination = self.destination.clone();
        if fs::symlink_metadata(&destination).is_ok() {
            folder::check_replaceable(&destination, &self.shown)?;
            let old = PathBuf::from(format!("{}.old", self.staging.display()));
            fs::rename(&destination, &old).with_context(|| {
                format!("cannot move the old `{}` aside", destination.display())
            })?;
            if let Err(e) = fs::rename(&self.staging, &destination) {
                // Put the old results back rather than leave nothing.
                fs::rename(&old, &destination).ok();
                return Err(anyhow::Error::new(e).context(format!(
                    "cannot move results into `{}`",
                    destination.display()
                )));
            }
            fs::remove_dir_all(&old)
                .with_context(|| format!("cannot remove the old results `{}`", old.display()))?;
        } else {
            fs::rename(&self.staging, &destination)
                .with_context(|| format!("cannot move results into `{}`", destination.display()))?;
        }
        self.staging = PathBuf::new();
        Ok(())
    }
}

impl Drop for Staging {
    /// An abandoned staging folder (an error part-way) is removed.
    fn drop(&mut self) {
        if !self.staging.as_os_str().is_empty() {
            fs::remove_dir_all(&self.staging).ok();
            interrupt::keep(&self.staging);
        }
    }
}

/// Removes staging folders for `name` left by runs that were killed. Called with the
/// folder's lock held, so every other process's staging folder is abandoned.
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
        if pid != std::process::id() {
            fs::remove_dir_all(entry.path()).ok();
        }
    }
}

/// Writes one file atomically: a temporary file in the same folder, then a rename. On
/// failure (a full disk, say) the temporary file is removed and the error names `path`.
pub fn write_file(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let name = path
        .file_name()
        .map_or_else(|| "file".into(), |n| n.to_string_lossy().into_owned());
    let tmp = path.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
    let written = fs::write(&tmp, bytes)
        .with_context(|| format!("cannot write `{}`", path.display()))
        .and_then(|()| {
            fs::rename(&tmp, path)
                .with_context(|| format!("cannot move `{}` into place", path.display()))
        });
    if written.is_err() {
        fs::remove_file(&tmp).ok();
    }
    written
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
        assert!(dest.join(folder::MARKER).exists(), "marked as holdsim's");
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
