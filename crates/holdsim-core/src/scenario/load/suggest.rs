//! Wording problems so they name the fix: the keys a section has, the key a typo
//! most likely meant, and what a valid value looks like.

use super::Loader;
use crate::scenario::registry::Record;
use crate::scenario::{PathError, Profile, Service, Spec, section_specs};

impl Loader {
    /// Reports that the value `found` cannot be set at dotted `path`: an unknown key
    /// with the keys its section has (and the nearest one), or what was expected.
    pub(super) fn path_problem(
        &mut self,
        source: &str,
        line: Option<usize>,
        path: &str,
        err: PathError,
        found: &str,
    ) {
        let message = match err {
            PathError::UnknownKey => {
                let section = path.split('.').next().unwrap_or("");
                let (keys, header) = keys_of(section);
                let hint = suggest(path.rsplit('.').next().unwrap_or(""), &keys);
                format!("unknown key{hint}; {header} has: {}", keys.join(", "))
            }
            PathError::Invalid { expected } => format!("expected {expected}, found {found}"),
            other => other.to_string(),
        };
        self.problem(source, line, Some(path.into()), message);
    }
}

/// The keys a dotted path's first part may be followed by, and how messages name
/// that part (`[[profile]]`, `[workforce]`).
fn keys_of(section: &str) -> (Vec<&'static str>, String) {
    match section {
        "profile" => (
            Profile::specs()
                .iter()
                .map(|s| s.key)
                .chain(["services"])
                .collect(),
            "[[profile]]".into(),
        ),
        "service" => (
            Service::specs().iter().map(|s| s.key).collect(),
            "[[service]]".into(),
        ),
        _ => (
            section_specs(section)
                .map(|s| s.iter().map(|s| s.key).collect())
                .unwrap_or_default(),
            format!("[{section}]"),
        ),
    }
}

/// What a valid value of the key at `path` looks like, for messages.
pub(super) fn expected_of(path: &str) -> String {
    if is_service_weight(path) {
        return "a weight > 0".into();
    }
    spec_of(path)
        .map(|s| s.expected())
        .unwrap_or_else(|| "a number".into())
}

/// Whether `path` names a key a scenario has (a registry key of a section or entry,
/// or a profile's service weight).
pub(super) fn is_known(path: &str) -> bool {
    is_service_weight(path) || spec_of(path).is_some()
}

fn is_service_weight(path: &str) -> bool {
    matches!(
        path.split('.').collect::<Vec<_>>().as_slice(),
        ["profile", _, "services", _]
    )
}

/// The registry's declaration of the key at `path`, if it is a registry key.
fn spec_of(path: &str) -> Option<&'static Spec> {
    match path.split('.').collect::<Vec<_>>().as_slice() {
        [section, key] => section_specs(section).and_then(|s| s.iter().find(|s| s.key == *key)),
        ["profile", _, key] => Profile::specs().iter().find(|s| s.key == *key),
        ["service", _, key] => Service::specs().iter().find(|s| s.key == *key),
        _ => None,
    }
}

/// ", did you mean `x`?" when a known key is one or two edits away.
pub(super) fn suggest(key: &str, known: &[&str]) -> String {
    known
        .iter()
        .map(|k| (edit_distance(key, k), *k))
        .filter(|&(d, _)| d <= 2)
        .min()
        .map(|(_, k)| format!(" (did you mean `{k}`?)"))
        .unwrap_or_default()
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}
