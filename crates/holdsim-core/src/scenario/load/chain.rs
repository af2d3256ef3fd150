//! Base chains: a scenario file and the `base = "…"` files it inherits from.

use std::path::{Path, PathBuf};

use toml::de::{DeTable, DeValue};

use super::Loader;
use super::text::{describe, error_line, invalid_toml, line_of};
use crate::source::FileSource;

/// How deep `base` chains may go before we call it a mistake.
const MAX_BASE_DEPTH: usize = 16;

/// A file of the chain as read: its label (the path as given) and text.
type Link = (String, String);

/// Where the chain goes next: the file a `base` names and the line that names it.
struct Base {
    path: PathBuf,
    line: usize,
}

impl Loader {
    /// Reads `path` and the files it names as `base`, nearest first, stopping at
    /// the first file that cannot be read or that closes a cycle.
    pub(super) fn read_chain(&mut self, files: &dyn FileSource, path: &Path) -> Vec<Link> {
        let mut chain: Vec<Link> = Vec::new();
        let mut seen: Vec<PathBuf> = Vec::new();
        let mut next = Some(path.to_path_buf());
        // The line of `base` in the last file read, which names `next`.
        let mut base_line = None;
        while let Some(path) = next.take() {
            let label = path.display().to_string();
            // Problems with a base file are reported at the `base` key that names it.
            let parent = chain.last().map(|(l, _)| l.clone());
            let Some(text) = self.read_link(files, &path, parent.as_deref(), base_line) else {
                return chain;
            };
            let canonical = files.identity(&path);
            let at = parent.as_deref().unwrap_or(&label);
            if seen.contains(&canonical) {
                let files: Vec<&str> = chain
                    .iter()
                    .map(|(l, _)| l.as_str())
                    .chain([label.as_str()])
                    .collect();
                let message = format!("`base` files form a cycle: {}", files.join(" → "));
                self.problem(at, base_line, Some("base".into()), message);
                return chain;
            }
            if seen.len() >= MAX_BASE_DEPTH {
                let message = format!("`base` chain deeper than {MAX_BASE_DEPTH} files");
                self.problem(at, base_line, Some("base".into()), message);
                return chain;
            }
            seen.push(canonical);
            if let Some(base) = self.base_of(&path, &label, &text) {
                next = Some(base.path);
                base_line = Some(base.line);
            }
            chain.push((label, text));
        }
        chain
    }

    /// The text of one file of the chain, or `None` with the problem reported: at
    /// the `base` key of `parent` that names it, or as the scenario file itself.
    fn read_link(
        &mut self,
        files: &dyn FileSource,
        path: &Path,
        parent: Option<&str>,
        base_line: Option<usize>,
    ) -> Option<String> {
        let label = path.display().to_string();
        match files.read_text(path) {
            Ok(text) => Some(text),
            Err(e) => {
                match parent {
                    Some(parent) => self.problem(
                        parent,
                        base_line,
                        Some("base".into()),
                        format!("cannot read base scenario `{label}`: {e}"),
                    ),
                    None => self.problem(
                        &label,
                        None,
                        None,
                        format!("cannot read scenario file `{label}`: {e}"),
                    ),
                }
                None
            }
        }
    }

    /// The file `text`'s `base` names (relative to `path`'s folder), if it names
    /// one; a file that is not TOML, or whose `base` is not a string, is reported.
    fn base_of(&mut self, path: &Path, label: &str, text: &str) -> Option<Base> {
        let table = match DeTable::parse(text) {
            Ok(table) => table,
            Err(e) => {
                self.problem(label, error_line(text, &e), None, invalid_toml(&e));
                return None;
            }
        };
        let base = table.get_ref().get("base")?;
        let line = line_of(text, base.span().start);
        match base.get_ref() {
            DeValue::String(s) => {
                let dir = path.parent().unwrap_or(Path::new("."));
                Some(Base {
                    path: dir.join(s.as_ref()),
                    line,
                })
            }
            other => {
                self.problem(
                    label,
                    Some(line),
                    Some("base".into()),
                    format!("expected a file path string, found {}", describe(other)),
                );
                None
            }
        }
    }
}
