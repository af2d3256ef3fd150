//! `--set path=value` overrides, applied after every file of the chain.

use toml::de::DeValue;

use super::suggest::expected_of;
use super::text::to_number;
use super::{Loader, Origin};
use crate::scenario::{PathError, Scenario};

impl Loader {
    /// Applies one `--set path=value`.
    pub(super) fn apply_override(&mut self, scenario: &mut Scenario, spec: &str) {
        let source = format!("--set {spec}");
        let Some((path, value)) = spec.split_once('=') else {
            self.problem(
                &source,
                None,
                None,
                "expected `key=value`, e.g. `--set workforce.link_workers=4`",
            );
            return;
        };
        let (path, value) = (path.trim(), value.trim());
        let number = match DeValue::parse(value) {
            Ok(v) => to_number(v.get_ref()),
            Err(_) if value.is_empty() => Err("nothing".to_string()),
            Err(_) => Err(format!("`{value}`")),
        };
        let number = match number {
            Ok(n) => n,
            Err(found) => {
                let expected = expected_of(path);
                self.path_problem(&source, None, path, PathError::Invalid { expected }, &found);
                return;
            }
        };
        match scenario.set_path(path, number) {
            Ok(()) => {
                self.origins
                    .insert(path.to_string(), Origin { source, line: None });
            }
            Err(e) => self.path_problem(&source, None, path, e, value),
        }
    }
}
