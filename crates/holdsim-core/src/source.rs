//! Where input files come from. The core never opens a file: scenario `base` chains,
//! experiment files and table designs are read through a [`FileSource`] the caller
//! supplies — the file system for the CLI and Python, an upload's files for the web
//! app, a map in memory for tests ([`MemoryFiles`]).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Why a file could not be read, in words that finish "cannot read … `path`: ".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadError {
    pub message: String,
    /// The path names something the user can fix (missing, a directory, not text, too
    /// large): a usage problem (exit 2), not a fault of the machine (permissions, I/O).
    pub user_can_fix: bool,
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// One record of a CSV table: the line it starts on (1-based) and its cells, trimmed.
pub type TableRecord = (u64, Vec<String>);

/// A supplier of input files, by path as written (relative paths are already joined to
/// the directory of the file that named them).
pub trait FileSource: Sync {
    /// The whole text of a scenario or experiment file.
    fn read_text(&self, path: &Path) -> Result<String, ReadError>;

    /// What identifies `path` when looking for `base` cycles (the canonical path on a
    /// file system, where `a/../b.toml` and `b.toml` are one file).
    fn identity(&self, path: &Path) -> PathBuf {
        path.to_path_buf()
    }

    /// The non-blank records of a CSV table (header first), for `[design] method =
    /// "table"`; at most `max_bytes` of file. Parsing CSV is the caller's job (the core
    /// carries no CSV reader), so a source without tables refuses them.
    fn read_table(&self, path: &Path, max_bytes: u64) -> Result<Vec<TableRecord>, ReadError> {
        let _ = max_bytes;
        Err(ReadError {
            message: format!(
                "`{}`: table designs cannot be read here; give the points in the file",
                path.display()
            ),
            user_can_fix: true,
        })
    }
}

/// Files held in memory, by path: uploads, generated scenarios and tests.
#[derive(Clone, Debug, Default)]
pub struct MemoryFiles(pub BTreeMap<PathBuf, String>);

impl MemoryFiles {
    /// A source holding one file.
    pub fn one(path: impl Into<PathBuf>, text: impl Into<String>) -> MemoryFiles {
        let mut files = BTreeMap::new();
        files.insert(path.into(), text.into());
        MemoryFiles(files)
    }
}

impl FileSource for MemoryFiles {
    fn read_text(&self, path: &Path) -> Result<String, ReadError> {
        self.0.get(path).cloned().ok_or_else(|| ReadError {
            message: "no such file".into(),
            user_can_fix: true,
        })
    }
}
