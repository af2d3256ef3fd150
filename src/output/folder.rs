//! Output folders are the user's too: the rules every command that writes a folder
//! follows before it computes anything.
//!
//! - Every folder holdsim writes carries a marker file, [`MARKER`], so `--force` can
//!   tell holdsim's own results from the user's files: it replaces only a folder with
//!   the marker, and never `.`, `..`, the working directory or any of its ancestors,
//!   the home folder or `/`.
//! - A folder being written is locked ([`FolderLock`]): `flock` on a lock file beside
//!   it, holding the writer's PID. A second command on the same folder fails at once,
//!   naming that PID; a lock left by a killed process is released by the kernel and
//!   simply taken over.
//! - A bad `--out` (a dangling symbolic link, a file, an unwritable parent) is refused
//!   up front, so no computing is wasted.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::MetadataExt;
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};

use anyhow::Context;

/// The marker file holdsim writes into every folder it creates.
pub const MARKER: &str = ".holdsim";

/// The marker's content: what wrote the folder (JSON, for people and tools).
pub fn marker_text() -> String {
    let command = std::env::args().nth(1).unwrap_or_default();
    format!(
        "{}\n",
        serde_json::json!({
            "written_by": "holdsim",
            "kind": command,
            "version": env!("CARGO_PKG_VERSION"),
        })
    )
}

/// Writes the marker into `dir` (which must exist).
pub fn write_marker(dir: &Path) -> anyhow::Result<()> {
    let path = dir.join(MARKER);
    fs::write(&path, marker_text()).with_context(|| format!("cannot write `{}`", path.display()))
}

/// Whether `dir` carries holdsim's marker (a regular file, not a link to one).
pub fn has_marker(dir: &Path) -> bool {
    fs::symlink_metadata(dir.join(MARKER)).is_ok_and(|m| m.is_file())
}

/// Why holdsim will not write (or replace) an output folder. Each message says what to
/// do instead; all are the user's to fix: another `--out`, `--force`, or moving their
/// own files (exit 2, see [`crate::error::exit_code`]).
/// `out` is the folder as the user gave it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FolderRefusal {
    #[error(
        "the output folder `{}` is a symbolic link to `{target}`, which is not a folder; choose another with --out",
        .out.display()
    )]
    LinkToNonFolder { out: PathBuf, target: String },
    #[error(
        "the output folder `{}` is a symbolic link to `{target}`, which does not exist; remove the link or choose another folder with --out",
        .out.display()
    )]
    DanglingLink { out: PathBuf, target: String },
    #[error(
        "`{}` is a file, not a folder; holdsim writes results only into folders (it replaces nothing but folders it wrote itself); choose another --out",
        .out.display()
    )]
    IsAFile { out: PathBuf },
    /// `.`, `..` or a path with no final name.
    #[error("`{}` cannot be an output folder; name a folder with --out", .out.display())]
    NotAFolderName { out: PathBuf },
    #[error(
        "cannot write `{}`: `{}` is not a folder; choose another folder with --out",
        .out.display(),
        .parent.display()
    )]
    ParentNotAFolder { out: PathBuf, parent: PathBuf },
    /// Exists, and `--force` was not given.
    #[error(
        "the output folder `{}` already exists; pass --force to replace it (only a folder holdsim wrote can be replaced), or choose another with --out",
        .out.display()
    )]
    Exists { out: PathBuf },
    /// The working directory, the home folder, an ancestor of either, or `/`.
    #[error(
        "refusing to replace `{}` with --force: {why}; choose a new folder with --out",
        .out.display()
    )]
    Protected { out: PathBuf, why: &'static str },
    #[error(
        "refusing to replace `{}` with --force: it is not a folder; holdsim replaces only folders it wrote, so choose another folder with --out",
        .out.display()
    )]
    ReplaceNotAFolder { out: PathBuf },
    /// No [`MARKER`]: the folder may hold the user's own files.
    #[error(
        "refusing to replace `{}` with --force: it was not written by holdsim (it has no `{MARKER}` marker), so it may hold your own files; move or delete it yourself, or choose another folder with --out",
        .out.display()
    )]
    Unmarked { out: PathBuf },
}

/// Another holdsim command is writing the folder (it holds the lock); `holder` names
/// it. Not a [`FolderRefusal`]: nothing in the command line is wrong, and the same
/// command succeeds once the other finishes, so it exits 1 like other conditions of the
/// machine, not 2 (see [`crate::error::exit_code`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{}` is being written by {holder} (lock `{}`); wait for it to finish, or choose another folder with --out",
    .out.display(),
    .lock.display()
)]
pub struct FolderLocked {
    pub out: PathBuf,
    pub holder: String,
    pub lock: PathBuf,
}

/// `path` made absolute against the working directory (not resolved).
fn absolute(path: &Path) -> anyhow::Result<PathBuf> {
    if path.is_absolute() {
        Ok(path.to_path_buf())
    } else {
        Ok(std::env::current_dir()
            .context("cannot read the working directory")?
            .join(path))
    }
}

/// Where an output folder really is: a symbolic link is followed (a dangling one is
/// refused), an existing non-folder is refused, and a missing folder's parent is
/// created. Returns the resolved absolute path (its parent canonical) for locking and
/// for every later check, so two spellings of one folder are one folder.
pub fn resolve(out: &Path) -> anyhow::Result<PathBuf> {
    match fs::symlink_metadata(out) {
        Ok(meta) if meta.file_type().is_symlink() => {
            let target = fs::read_link(out)
                .map(|t| t.display().to_string())
                .unwrap_or_else(|_| "?".into());
            match fs::canonicalize(out) {
                Ok(real) if real.is_dir() => Ok(real),
                Ok(_) => Err(FolderRefusal::LinkToNonFolder {
                    out: out.to_path_buf(),
                    target,
                }
                .into()),
                Err(_) => Err(FolderRefusal::DanglingLink {
                    out: out.to_path_buf(),
                    target,
                }
                .into()),
            }
        }
        Ok(meta) if meta.is_dir() => {
            fs::canonicalize(out).with_context(|| format!("cannot resolve `{}`", out.display()))
        }
        Ok(_) => Err(FolderRefusal::IsAFile {
            out: out.to_path_buf(),
        }
        .into()),
        // Not a directory: a file stands where a parent folder should be (reported
        // below as a refusal naming it).
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
            ) =>
        {
            let abs = absolute(out)?;
            let not_a_name = || FolderRefusal::NotAFolderName {
                out: out.to_path_buf(),
            };
            let name = abs.file_name().ok_or_else(not_a_name)?;
            if name == ".." || name == "." {
                return Err(not_a_name().into());
            }
            let parent = abs.parent().unwrap_or(Path::new("/"));
            if let Ok(meta) = fs::metadata(parent)
                && !meta.is_dir()
            {
                return Err(FolderRefusal::ParentNotAFolder {
                    out: out.to_path_buf(),
                    parent: parent.to_path_buf(),
                }
                .into());
            }
            fs::create_dir_all(parent)
                .with_context(|| format!("cannot create the folder `{}`", parent.display()))?;
            let parent = fs::canonicalize(parent)
                .with_context(|| format!("cannot resolve `{}`", parent.display()))?;
            Ok(parent.join(name))
        }
        Err(e) => Err(anyhow::Error::new(e).context(format!("cannot inspect `{}`", out.display()))),
    }
}

/// Why holdsim must never replace (delete) `dir`, if it must not: it is the working
/// directory or one of its ancestors, the home folder or one of its ancestors, or `/`.
fn protected(dir: &Path) -> Option<&'static str> {
    let real = fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    if real.parent().is_none() {
        return Some("it is the root folder `/`");
    }
    if let Ok(cwd) = std::env::current_dir().and_then(fs::canonicalize) {
        if cwd == real {
            return Some("it is the current working directory");
        }
        if cwd.starts_with(&real) {
            return Some("it contains the current working directory");
        }
    }
    if let Some(home) = std::env::var_os("HOME").and_then(|h| fs::canonicalize(h).ok()) {
        if home == real {
            return Some("it is your home folder");
        }
        if home.starts_with(&real) {
            return Some("it contains your home folder");
        }
    }
    None
}

/// Checks that `--force` may replace `dir` (an existing path, resolved by
/// [`resolve`]): a folder that holdsim wrote (it carries [`MARKER`]) and that is not
/// protected. `shown` is the path as the user gave it.
pub fn check_replaceable(dir: &Path, shown: &Path) -> anyhow::Result<()> {
    if let Some(why) = protected(dir) {
        return Err(FolderRefusal::Protected {
            out: shown.to_path_buf(),
            why,
        }
        .into());
    }
    let meta = fs::symlink_metadata(dir)
        .with_context(|| format!("cannot inspect `{}`", shown.display()))?;
    if !meta.is_dir() {
        return Err(FolderRefusal::ReplaceNotAFolder {
            out: shown.to_path_buf(),
        }
        .into());
    }
    if !has_marker(dir) {
        return Err(FolderRefusal::Unmarked {
            out: shown.to_path_buf(),
        }
        .into());
    }
    Ok(())
}

/// An exclusive lock on an output folder, held while it is written: `flock` on
/// `.NAME.lock` beside the folder (so it survives the folder being replaced), with the
/// holder's PID written in it. Released (and the lock file removed) when dropped; the
/// kernel releases it when the holder dies, so a stale lock is simply taken over.
pub struct FolderLock {
    file: File,
    path: PathBuf,
}

impl FolderLock {
    /// The lock file of the folder `dir` (resolved by [`resolve`]).
    pub fn path_for(dir: &Path) -> PathBuf {
        let name = dir
            .file_name()
            .map_or_else(|| "root".into(), |n| n.to_string_lossy().into_owned());
        dir.parent()
            .unwrap_or(Path::new("/"))
            .join(format!(".{name}.lock"))
    }

    /// Takes the lock on `dir` (resolved), or fails at once naming the process that
    /// holds it. `shown` is the folder as the user gave it.
    pub fn acquire(dir: &Path, shown: &Path) -> anyhow::Result<FolderLock> {
        let path = Self::path_for(dir);
        // A holder removes the lock file as it releases it; if we locked a file that
        // was removed meanwhile, the lock is worthless: try again on the new file.
        for _ in 0..100 {
            let mut file = OpenOptions::new()
                .create(true)
                .truncate(false)
                .read(true)
                .write(true)
                .open(&path)
                .with_context(|| format!("cannot open the lock file `{}`", path.display()))?;
            // SAFETY: flock on a file descriptor we own; no memory is involved.
            let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
            if rc != 0 {
                let err = std::io::Error::last_os_error();
                if err.raw_os_error() == Some(libc::EWOULDBLOCK) {
                    let mut text = String::new();
                    file.read_to_string(&mut text).ok();
                    let holder = match text.trim().parse::<u32>() {
                        Ok(pid) => format!("holdsim process {pid}"),
                        Err(_) => "another holdsim process".into(),
                    };
                    return Err(FolderLocked {
                        out: shown.to_path_buf(),
                        holder,
                        lock: path,
                    }
                    .into());
                }
                return Err(
                    anyhow::Error::new(err).context(format!("cannot lock `{}`", path.display()))
                );
            }
            let same = match (file.metadata(), fs::metadata(&path)) {
                (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
                _ => false,
            };
            if !same {
                continue;
            }
            file.set_len(0)
                .and_then(|()| write!(file, "{}", std::process::id()))
                .with_context(|| format!("cannot write the lock file `{}`", path.display()))?;
            super::interrupt::remove_on_interrupt(&path);
            return Ok(FolderLock { file, path });
        }
        anyhow::bail!(
            "cannot lock `{}`: its lock file `{}` keeps being replaced",
            shown.display(),
            path.display()
        )
    }
}

impl Drop for FolderLock {
    /// Removes the lock file while still holding the lock, so a waiting process that
    /// opened it sees (by its inode check) that it must start again.
    fn drop(&mut self) {
        fs::remove_file(&self.path).ok();
        super::interrupt::keep(&self.path);
        let _ = &self.file;
    }
}

/// Prepares to write the output folder `out`: resolves it (refusing a dangling link
/// or a file), takes its lock, and — if it exists — refuses it unless `force` and it
/// may be replaced. Returns the resolved folder, whether it exists, and the lock.
/// Everything here happens before any computing.
pub fn prepare(out: &Path, force: bool) -> anyhow::Result<(PathBuf, bool, FolderLock)> {
    let dir = resolve(out)?;
    let lock = FolderLock::acquire(&dir, out)?;
    let exists = fs::symlink_metadata(&dir).is_ok();
    if exists && force {
        check_replaceable(&dir, out)?;
    }
    Ok((dir, exists, lock))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_on_a_folder_fails_naming_the_holder() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let first = FolderLock::acquire(&out, &out).unwrap();
        let err = FolderLock::acquire(&out, &out).err().unwrap();
        assert!(err.downcast_ref::<FolderLocked>().is_some(), "{err}");
        let err = err.to_string();
        assert!(
            err.contains(&format!("process {}", std::process::id())),
            "{err}"
        );
        drop(first);
        assert!(!FolderLock::path_for(&out).exists(), "lock file removed");
        FolderLock::acquire(&out, &out).unwrap();
    }

    /// The refusal `result` failed with, if it is one.
    fn refusal<T>(result: anyhow::Result<T>) -> Option<FolderRefusal> {
        result.err().and_then(|e| e.downcast().ok())
    }

    #[test]
    fn force_replaces_only_marked_unprotected_folders() {
        let dir = tempfile::tempdir().unwrap();
        let mine = dir.path().join("mine");
        fs::create_dir(&mine).unwrap();
        assert!(
            matches!(
                refusal(check_replaceable(&mine, &mine)),
                Some(FolderRefusal::Unmarked { .. })
            ),
            "no marker"
        );
        write_marker(&mine).unwrap();
        check_replaceable(&mine, &mine).unwrap();
        assert!(matches!(
            refusal(check_replaceable(Path::new("/"), Path::new("/"))),
            Some(FolderRefusal::Protected { .. })
        ));
        let file = dir.path().join("file");
        fs::write(&file, "x").unwrap();
        assert!(matches!(
            refusal(check_replaceable(&file, &file)),
            Some(FolderRefusal::ReplaceNotAFolder { .. })
        ));
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(dir.path().join("nowhere"), &link).unwrap();
        let err = resolve(&link).err().unwrap().to_string();
        assert!(err.contains("does not exist"), "{err}");
        assert!(matches!(
            refusal(resolve(&link)),
            Some(FolderRefusal::DanglingLink { .. })
        ));
        assert!(matches!(
            refusal(resolve(&file)),
            Some(FolderRefusal::IsAFile { .. })
        ));
        assert!(matches!(
            refusal(resolve(&file.join("inside"))),
            Some(FolderRefusal::ParentNotAFolder { .. })
        ));
    }
}
