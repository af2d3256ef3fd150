//! Records the git commit holdsim is built from, for `manifest.json`.
//!
//! Why a build script: a results folder should say exactly which code produced it.
//! The commit is read with `git` at build time and passed to the crate as
//! `HOLDSIM_GIT_COMMIT` (empty when not built from a git checkout, e.g. from a
//! source tarball or when git is not installed). To keep it from going stale, the
//! script asks cargo to rerun it whenever the commit can change: `HEAD`, the branch
//! it points to (loose or packed), and the index; and whenever the sources the binary
//! is built from change, since those decide the `-dirty` suffix. In a git worktree,
//! where `.git` is a file, `git rev-parse` resolves the real folders.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The sources the binary is built from: their edits make the build "dirty".
const SOURCES: [&str; 5] = ["src", "build.rs", "Cargo.toml", "Cargo.lock", "assets"];

fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    Some(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn watch(path: &Path) {
    println!("cargo:rerun-if-changed={}", path.display());
}

/// The nearest existing folder at or above `path`, so a loose ref that git has not
/// written yet (the branch is packed) is still noticed when it appears.
fn nearest_existing(path: &Path) -> Option<PathBuf> {
    path.ancestors().find(|p| p.is_dir()).map(Path::to_path_buf)
}

fn commit(root: &Path) -> Option<String> {
    // Only this repository's own checkout counts: a crate unpacked inside some other
    // git repository (a home folder under version control) is not "built from git".
    git(root, &["ls-files", "--error-unmatch", "Cargo.toml"])?;
    let git_dir = PathBuf::from(git(root, &["rev-parse", "--absolute-git-dir"])?);
    let common = git(root, &["rev-parse", "--git-common-dir"])?;
    let common = if Path::new(&common).is_absolute() {
        PathBuf::from(common)
    } else {
        root.join(common)
    };

    watch(&git_dir.join("HEAD"));
    watch(&git_dir.join("index"));
    let packed = common.join("packed-refs");
    if packed.exists() {
        watch(&packed);
    }
    if let Some(reference) = git(root, &["symbolic-ref", "-q", "HEAD"]) {
        let loose = common.join(&reference);
        if loose.is_file() {
            watch(&loose);
        } else if let Some(dir) = nearest_existing(loose.parent()?) {
            watch(&dir);
        }
    }
    for s in SOURCES {
        if root.join(s).exists() {
            watch(&root.join(s));
        }
    }

    let head = git(root, &["rev-parse", "--verify", "-q", "HEAD"])?;
    if head.len() != 40 || !head.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    // Without optional locks `git status` does not rewrite the index it is watching.
    let mut status = vec![
        "--no-optional-locks",
        "status",
        "--porcelain",
        "--untracked-files=no",
        "--",
    ];
    status.extend(SOURCES);
    let dirty = git(root, &status).is_some_and(|s| !s.is_empty());
    Some(if dirty { format!("{head}-dirty") } else { head })
}

fn main() {
    let root = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    watch(&root.join("build.rs"));
    let commit = commit(&root).unwrap_or_default();
    println!("cargo:rustc-env=HOLDSIM_GIT_COMMIT={commit}");
}
