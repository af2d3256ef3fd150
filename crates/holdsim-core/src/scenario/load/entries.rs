//! The entries of a file's arrays of tables: `[[profile]]` and `[[service]]` (every
//! numeric key required, checked by the registry) and `[[site_group]]` (a name, a
//! count and the dotted paths it sets).

use toml::Spanned;
use toml::de::{DeArray, DeTable, DeValue};

use super::suggest::suggest;
use super::text::{Lossy, Text, describe, to_number};
use super::{Loader, Origin};
use crate::scenario::registry::{Number, Record, SetError};
use crate::scenario::{Profile, Scenario, Service, SiteGroup};

/// An array-of-tables section: how the loader reads a file's entries of it. Every
/// array in [`crate::scenario::scenario_sections`] implements it, so the loader's
/// dispatch (generated from that table) cannot miss one.
pub(crate) trait Entries: Sized {
    /// The entries of `items` that are valid, reporting the others; `scenario` is
    /// the scenario read so far (the files this one inherits from).
    fn read_all(
        loader: &mut Loader,
        scenario: &Scenario,
        label: &str,
        text: &Text<'_>,
        items: &DeArray<'_>,
    ) -> Vec<Self>;
}

impl Entries for Profile {
    fn read_all(
        loader: &mut Loader,
        _: &Scenario,
        label: &str,
        text: &Text<'_>,
        items: &DeArray<'_>,
    ) -> Vec<Profile> {
        let entries = items.iter().enumerate();
        entries
            .filter_map(|(i, item)| loader.read_profile(label, text, i, item))
            .collect()
    }
}

impl Entries for Service {
    fn read_all(
        loader: &mut Loader,
        _: &Scenario,
        label: &str,
        text: &Text<'_>,
        items: &DeArray<'_>,
    ) -> Vec<Service> {
        let mut no_extra_keys = |_: &mut Loader, _: &str, _: &str, _: &Spanned<DeValue<'_>>| false;
        let mut services = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let entry =
                loader.read_entry::<Service>(label, text, "service", i, item, &mut no_extra_keys);
            if let Some((mut service, name)) = entry {
                service.name = name;
                services.push(service);
            }
        }
        services
    }
}

impl Entries for SiteGroup {
    fn read_all(
        loader: &mut Loader,
        scenario: &Scenario,
        label: &str,
        text: &Text<'_>,
        items: &DeArray<'_>,
    ) -> Vec<SiteGroup> {
        let mut groups = Vec::new();
        loader.group_origins.clear();
        // One group-free scratch scenario checks every group's `set` paths: cloning
        // the scenario per path made this quadratic.
        let mut scratch = scenario.without_groups();
        for (i, item) in items.iter().enumerate() {
            if let Some(g) = loader.read_site_group(&mut scratch, label, text, i, item) {
                groups.push(g);
                loader.group_origins.push(Origin {
                    source: label.into(),
                    line: Some(text.line(item.span().start)),
                });
            }
        }
        groups
    }
}

/// Reads a non-numeric key of an entry (`services` of a `[[profile]]`): given the
/// loader, the entry's name, the key and its value, returns whether it handled the key.
type ExtraKey<'a> = dyn FnMut(&mut Loader, &str, &str, &Spanned<DeValue<'_>>) -> bool + 'a;

/// Entries of `[[profile]]`/`[[service]]` that start blank and list their
/// non-numeric required keys.
pub(crate) trait Blank {
    fn blank() -> Self;
    fn extra_keys() -> &'static [&'static str];
}

impl Blank for Profile {
    fn blank() -> Self {
        Profile::blank()
    }
    fn extra_keys() -> &'static [&'static str] {
        &["services"]
    }
}

impl Blank for Service {
    fn blank() -> Self {
        Service::blank()
    }
    fn extra_keys() -> &'static [&'static str] {
        &[]
    }
}

/// A key of an entry: the array's name, the key, and its dotted path (which names
/// the entry too).
struct EntryKey<'a> {
    kind: &'a str,
    key: &'a str,
    path: &'a str,
}

impl Loader {
    /// Entry `item` of a `[[kind]]` array as a table, or `None` with the problem reported.
    fn entry_table<'t>(
        &mut self,
        label: &str,
        text: &Text<'_>,
        kind: &str,
        item: &'t Spanned<DeValue<'_>>,
    ) -> Option<&'t DeTable<'t>> {
        match item.get_ref() {
            DeValue::Table(table) => Some(table),
            other => {
                let line = Some(text.line(item.span().start));
                let message = format!("expected a table, found {}", describe(other));
                self.problem(label, line, Some(kind.into()), message);
                None
            }
        }
    }

    /// The `name` of entry `index` of a `[[kind]]` array, which every entry needs.
    fn entry_name(
        &mut self,
        label: &str,
        entry_line: Option<usize>,
        kind: &str,
        index: usize,
        table: &DeTable<'_>,
    ) -> Option<String> {
        match table.get("name").map(|v| v.get_ref()) {
            Some(DeValue::String(s)) => Some(s.to_string()),
            Some(other) => {
                let message = format!("expected a string, found {}", describe(other));
                self.problem(label, entry_line, Some(format!("{kind}.name")), message);
                None
            }
            None => {
                let message = format!("[[{kind}]] #{} has no `name`", index + 1);
                self.problem(label, entry_line, Some(kind.into()), message);
                None
            }
        }
    }

    /// One `[[profile]]` or `[[service]]` entry with its name: every numeric key of
    /// `R` set (the registry checks each), non-numeric keys handed to `extra`.
    fn read_entry<R>(
        &mut self,
        label: &str,
        text: &Text<'_>,
        kind: &str,
        index: usize,
        item: &Spanned<DeValue<'_>>,
        extra: &mut ExtraKey<'_>,
    ) -> Option<(R, String)>
    where
        R: Record + Blank,
    {
        let entry_line = Some(text.line(item.span().start));
        let table = self.entry_table(label, text, kind, item)?;
        let name = self.entry_name(label, entry_line, kind, index, table)?;
        let mut record = R::blank();
        let before = self.problems.len();
        let mut seen = Vec::new();
        for (key, v) in table.iter() {
            let key_str: &str = key.get_ref().as_ref();
            let line = Some(text.line(key.span().start));
            let path = format!("{kind}.{name}.{key_str}");
            // Later cross-key problems about this key point here.
            self.set_origin(path.clone(), label, line);
            if key_str == "name" {
                continue;
            }
            if extra(self, &name, key_str, v) {
                seen.push(key_str.to_string());
                continue;
            }
            // A known key given a bad value is reported as such, not also as missing.
            if R::specs().iter().any(|s| s.key == key_str) {
                seen.push(key_str.to_string());
            }
            let at = EntryKey {
                kind,
                key: key_str,
                path: &path,
            };
            self.set_entry_key(&mut record, label, line, at, v.get_ref());
        }
        self.report_missing::<R>(label, entry_line, kind, &name, &seen);
        (self.problems.len() == before).then_some((record, name))
    }

    /// Sets a numeric key of an entry of a `[[kind]]` array.
    fn set_entry_key<R: Record>(
        &mut self,
        record: &mut R,
        label: &str,
        line: Option<usize>,
        at: EntryKey<'_>,
        value: &DeValue<'_>,
    ) {
        let EntryKey { kind, key, path } = at;
        let message = match to_number(value).map(|n| record.set(key, n)) {
            Ok(Ok(())) => return,
            Ok(Err(SetError::UnknownKey)) => {
                let keys: Vec<&str> = R::specs().iter().map(|s| s.key).collect();
                let hint = suggest(key, &keys);
                format!(
                    "unknown key{hint}; [[{kind}]] has: name, {}",
                    keys.join(", ")
                )
            }
            Ok(Err(SetError::Invalid { expected })) => {
                format!("expected {expected}, found {}", value.to_string_lossy())
            }
            Err(found) => match R::specs().iter().find(|s| s.key == key) {
                Some(spec) => format!("expected {}, found {found}", spec.expected()),
                None => "unknown key".into(),
            },
        };
        self.problem(label, line, Some(path.into()), message);
    }

    /// Reports the required keys of `R` an entry does not give (`seen` are those it does).
    fn report_missing<R: Record + Blank>(
        &mut self,
        label: &str,
        entry_line: Option<usize>,
        kind: &str,
        name: &str,
        seen: &[String],
    ) {
        let missing: Vec<&str> = R::specs()
            .iter()
            .map(|s| s.key)
            .chain(R::extra_keys().iter().copied())
            .filter(|k| !seen.iter().any(|s| s == k))
            .collect();
        if missing.is_empty() {
            return;
        }
        let plural = if missing.len() == 1 { "" } else { "s" };
        let message = format!(
            "missing required key{plural} {} (every key is required in a [[{kind}]] a file gives: `[[{kind}]]` replaces the whole inherited list; to change some keys of one inherited {kind}, write `[{kind}.NAME]` with only those keys)",
            missing.join(", ")
        );
        self.problem(label, entry_line, Some(format!("{kind}.{name}")), message);
    }

    fn read_profile(
        &mut self,
        label: &str,
        text: &Text<'_>,
        index: usize,
        item: &Spanned<DeValue<'_>>,
    ) -> Option<Profile> {
        let mut services: Vec<(String, f64)> = Vec::new();
        let mut read_services =
            |this: &mut Self, name: &str, key: &str, v: &Spanned<DeValue<'_>>| -> bool {
                if key != "services" {
                    return false;
                }
                this.read_services(label, text, name, v, &mut services);
                true
            };
        let (mut profile, name) =
            self.read_entry::<Profile>(label, text, "profile", index, item, &mut read_services)?;
        services.sort_by(|a, b| a.0.cmp(&b.0));
        profile.name = name;
        profile.services = services;
        Some(profile)
    }

    /// `services = { name = weight, … }` of profile `name`, each weight > 0.
    fn read_services(
        &mut self,
        label: &str,
        text: &Text<'_>,
        name: &str,
        value: &Spanned<DeValue<'_>>,
        services: &mut Vec<(String, f64)>,
    ) {
        let DeValue::Table(table) = value.get_ref() else {
            let line = Some(text.line(value.span().start));
            self.problem(
                label,
                line,
                Some(format!("profile.{name}.services")),
                format!(
                    "expected a table of service name = weight, found {}",
                    describe(value.get_ref())
                ),
            );
            return;
        };
        for (service, w) in table.iter() {
            let key = Some(format!("profile.{name}.services.{}", service.get_ref()));
            let line = Some(text.line(service.span().start));
            let found = match to_number(w.get_ref()).map(Number::as_f64) {
                Ok(x) if x.is_finite() && x > 0.0 => {
                    services.push((service.get_ref().to_string(), x));
                    continue;
                }
                Ok(_) => w.get_ref().to_string_lossy(),
                Err(found) => found,
            };
            self.problem(
                label,
                line,
                key,
                format!("expected a weight > 0, found {found}"),
            );
        }
    }

    /// One `[[site_group]]`: `name`, `count` and `set = { "dotted.path" = value, … }`,
    /// each path checked on `scratch` (the group-free scenario read so far).
    fn read_site_group(
        &mut self,
        scratch: &mut Scenario,
        label: &str,
        text: &Text<'_>,
        index: usize,
        item: &Spanned<DeValue<'_>>,
    ) -> Option<SiteGroup> {
        let table = self.entry_table(label, text, "site_group", item)?;
        let before = self.problems.len();
        let mut group = SiteGroup {
            name: format!("group {}", index + 1),
            count: 0,
            set: Vec::new(),
        };
        let mut has_count = false;
        for (key, v) in table.iter() {
            let line = Some(text.line(key.span().start));
            let key: &str = key.get_ref().as_ref();
            match (key, v.get_ref()) {
                ("name", DeValue::String(s)) => group.name = s.to_string(),
                ("count", DeValue::Integer(_)) => {
                    has_count |= self.read_group_count(&mut group, label, line, v.get_ref());
                }
                ("set", DeValue::Table(paths)) => {
                    self.read_group_set(&mut group, scratch, label, text, paths);
                }
                (_, other) => self.group_key_problem(label, line, key, other),
            }
        }
        if !has_count && self.problems.len() == before {
            let entry_line = Some(text.line(item.span().start));
            self.problem(
                label,
                entry_line,
                Some("site_group.count".into()),
                format!(
                    "[[site_group]] #{} needs `count` (how many sites are in the group)",
                    index + 1
                ),
            );
        }
        (self.problems.len() == before).then_some(group)
    }

    /// A group's `count` (an integer, given as one): whether it is in range.
    fn read_group_count(
        &mut self,
        group: &mut SiteGroup,
        label: &str,
        line: Option<usize>,
        value: &DeValue<'_>,
    ) -> bool {
        match to_number(value) {
            Ok(Number::Int(n)) if (1..=1_000_000).contains(&n) => {
                group.count = n as u32;
                true
            }
            _ => {
                let message = format!(
                    "expected an integer from 1 to 1000000, found {}",
                    value.to_string_lossy()
                );
                self.problem(label, line, Some("site_group.count".into()), message);
                false
            }
        }
    }

    /// A group's `set` table: each dotted path outside `[run]`, with a number that
    /// `scratch` accepts at that path.
    fn read_group_set(
        &mut self,
        group: &mut SiteGroup,
        scratch: &mut Scenario,
        label: &str,
        text: &Text<'_>,
        paths: &DeTable<'_>,
    ) {
        for (path, value) in paths.iter() {
            let path = path.get_ref().to_string();
            let line = Some(text.line(value.span().start));
            let key = Some(format!("site_group.set.{path}"));
            if path.starts_with("run.") {
                let message = "[run] settings apply to the whole scenario, not to a group of sites";
                self.problem(label, line, key, message);
                continue;
            }
            match to_number(value.get_ref()) {
                Ok(n) => match scratch.set_path(&path, n) {
                    Ok(()) => group.set.push((path, n)),
                    Err(e) => {
                        let found = value.get_ref().to_string_lossy();
                        self.path_problem(label, line, &path, e, &found);
                    }
                },
                Err(found) => {
                    let message = format!("expected a number, found {found}");
                    self.problem(label, line, key, message);
                }
            }
        }
    }

    /// A key of a `[[site_group]]` that is unknown, or known with a value of the
    /// wrong type.
    fn group_key_problem(
        &mut self,
        label: &str,
        line: Option<usize>,
        key: &str,
        value: &DeValue<'_>,
    ) {
        let expected = match key {
            "name" => "a string",
            "count" => "an integer ≥ 1",
            "set" => {
                "a table of dotted parameter paths, e.g. set = { \"workforce.link_workers\" = 2 }"
            }
            _ => {
                let message = "unknown key; [[site_group]] has: name, count, set";
                self.problem(label, line, Some(format!("site_group.{key}")), message);
                return;
            }
        };
        let message = format!("expected {expected}, found {}", describe(value));
        self.problem(label, line, Some(format!("site_group.{key}")), message);
    }
}
