//! Where every key was set (file and line, or `--set`), so that a problem found after
//! loading — a cross-key rule, a distribution's limit — points at the line to change.

use super::Loader;

/// Where a key's value came from, so later problems can point at it.
#[derive(Clone, Debug)]
pub(super) struct Origin {
    pub(super) source: String,
    pub(super) line: Option<usize>,
}

impl Loader {
    /// Remembers that `key` was set at `line` of `source`.
    pub(super) fn set_origin(&mut self, key: impl Into<String>, source: &str, line: Option<usize>) {
        self.origins.insert(
            key.into(),
            Origin {
                source: source.into(),
                line,
            },
        );
    }

    /// Forgets where the keys under `prefix` were set: a file's `[[…]]` array
    /// replaces the inherited entries, and the lines of their keys with them.
    pub(super) fn forget_prefix(&mut self, prefix: &str) {
        self.origins.retain(|k, _| !k.starts_with(prefix));
    }

    /// An origin set for `key` itself or for a key under it (`profile.x.services.y`
    /// for `profile.x.services`).
    fn explicit_origin(&self, key: &str) -> Option<Origin> {
        let child = format!("{key}.");
        // Keys are sorted, so the first key at or after `child` is under it if any is.
        self.origins
            .get(key)
            .or_else(|| {
                self.origins
                    .range(child.clone()..)
                    .next()
                    .filter(|(k, _)| k.starts_with(&child))
                    .map(|(_, o)| o)
            })
            .cloned()
    }

    /// Where to report a cross-key problem about `key`: where `key` was set, else where
    /// one of the `related` keys of the rule was set (reporting that key instead), else
    /// where an enclosing entry was set, else the default.
    pub(super) fn locate(&self, key: String, related: &[String], top: &str) -> (String, Origin) {
        if let Some(o) = self.explicit_origin(&key) {
            return (key, o);
        }
        for r in related {
            if let Some(o) = self.explicit_origin(r) {
                return (r.clone(), o);
            }
        }
        let origin = self.origin_of(&key, top);
        (key, origin)
    }

    fn origin_of(&self, key: &str, top: &str) -> Origin {
        // A cross-key problem about `profile.x.y` may stem from the whole [[profile]] array.
        let mut k = key.to_string();
        loop {
            if let Some(o) = self.origins.get(&k) {
                return o.clone();
            }
            match k.rfind('.') {
                Some(i) => k.truncate(i),
                None => break,
            }
        }
        Origin {
            source: format!("{top} (default value)"),
            line: None,
        }
    }
}
