//! What this binary was built from, for the manifests of results folders.

/// The version of holdsim (from `Cargo.toml`).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The git commit this binary was built from (40 hex digits, with `-dirty` appended
/// when the sources differed from that commit), or `None` when it was not built from
/// a git checkout. `build.rs` reruns whenever the commit or the sources change, so
/// the value is never stale.
pub fn commit() -> Option<&'static str> {
    option_env!("HOLDSIM_GIT_COMMIT").filter(|c| !c.is_empty())
}
