//! Reading scenario files: TOML parsing with spans, `base = "…"` inheritance,
//! `--set` overrides, and problems that name file, line and key.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use toml::Spanned;

use crate::source::FileSource;
use toml::de::{DeTable, DeValue};

use super::registry::{Number, Record, SetError};
use super::{
    PathError, Problem, Profile, SECTIONS, Scenario, ScenarioError, Service, SiteGroup,
    section_specs,
};

/// Reads a non-numeric key of an entry (`services` of a `[[profile]]`): given the
/// loader, the entry's name, the key and its value, returns whether it handled the key.
type ExtraKey<'a> = dyn FnMut(&mut Loader, &str, &str, &Spanned<DeValue<'_>>) -> bool + 'a;

/// Where a key's value came from, so later problems can point at it.
#[derive(Clone, Debug)]
struct Origin {
    source: String,
    line: Option<usize>,
}

/// Collects problems and remembers the origin of every key set so far.
struct Loader {
    problems: Vec<Problem>,
    origins: BTreeMap<String, Origin>,
    /// Where each `[[site_group]]` of the scenario (the last file's array) begins.
    group_origins: Vec<Origin>,
    /// Whether the file being applied may hold experiment tables (the top file of
    /// an experiment, read by [`load_experiment_scenario`]).
    experiment_tables_allowed: bool,
}

/// Top-level tables that belong to experiment files (`holdsim sweep`), not scenarios.
pub const EXPERIMENT_TABLES: [&str; 4] = ["experiment", "design", "adaptive", "sensitivity"];

/// How deep `base` chains may go before we call it a mistake.
const MAX_BASE_DEPTH: usize = 16;

/// The largest scenario or experiment file a [`FileSource`] should hand over: far
/// beyond any hand-written file (the bundled ones are a few KB; 20,000 site groups are
/// ~2 MB), small enough that reading one can never exhaust memory.
pub const MAX_INPUT_BYTES: u64 = 16 * 1024 * 1024;

/// Loads a scenario file, its `base` chain and `overrides` (`path=value` strings, as
/// given to `--set`), then validates the result.
pub fn load(
    files: &dyn FileSource,
    path: &Path,
    overrides: &[String],
) -> Result<Scenario, ScenarioError> {
    load_chain(files, path, overrides, false)
}

/// Loads the scenario an experiment file describes: its `base` chain and any scenario
/// keys it sets, ignoring its experiment tables (`[experiment]`, `[design]`, …), which
/// [`crate::experiment`] reads.
pub fn load_experiment_scenario(
    files: &dyn FileSource,
    path: &Path,
    overrides: &[String],
) -> Result<Scenario, ScenarioError> {
    load_chain(files, path, overrides, true)
}

fn load_chain(
    files: &dyn FileSource,
    path: &Path,
    overrides: &[String],
    experiment: bool,
) -> Result<Scenario, ScenarioError> {
    let mut loader = Loader {
        problems: Vec::new(),
        origins: BTreeMap::new(),
        group_origins: Vec::new(),
        experiment_tables_allowed: false,
    };
    let mut chain = Vec::new();
    loader.read_chain(files, path, &mut chain);
    let mut scenario = Scenario::default();
    if loader.problems.is_empty() {
        let top = chain.len().saturating_sub(1);
        for (i, (label, text)) in chain.iter().rev().enumerate() {
            loader.experiment_tables_allowed = experiment && i == top;
            loader.apply_text(&mut scenario, label, text);
        }
    }
    finish(loader, scenario, overrides, &path.display().to_string())
}

/// Loads a scenario from text (no `base` allowed), as if read from `label`.
pub fn load_str(label: &str, text: &str, overrides: &[String]) -> Result<Scenario, ScenarioError> {
    let mut loader = Loader {
        problems: Vec::new(),
        origins: BTreeMap::new(),
        group_origins: Vec::new(),
        experiment_tables_allowed: false,
    };
    let mut scenario = Scenario::default();
    if let Ok(table) = DeTable::parse(text)
        && let Some(base) = table.get_ref().get("base")
    {
        let line = line_of(text, base.span().start);
        loader.problem(label, Some(line), Some("base".into()), "`base` is not supported here: there is no file to resolve it against; load the scenario from a file");
    }
    loader.apply_text(&mut scenario, label, text);
    finish(loader, scenario, overrides, label)
}

fn finish(
    mut loader: Loader,
    mut scenario: Scenario,
    overrides: &[String],
    top: &str,
) -> Result<Scenario, ScenarioError> {
    if loader.problems.is_empty() {
        for o in overrides {
            loader.apply_override(&mut scenario, o);
        }
    }
    // With [[site_group]]s the sites are the groups' sites, unless run.sites was set.
    if !scenario.site_groups.is_empty() && !loader.origins.contains_key("run.sites") {
        let total: u64 = scenario
            .site_groups
            .iter()
            .map(|g| u64::from(g.count))
            .sum();
        scenario.run.sites = u32::try_from(total).unwrap_or(u32::MAX);
    }
    if loader.problems.is_empty() {
        // The same derivation `Model::try_new` runs, so what passes here runs.
        for b in crate::model::Model::problems(&scenario) {
            let (key, origin) = match b.group.and_then(|i| loader.group_origins.get(i)) {
                Some(origin) => (b.key, origin.clone()),
                None => loader.locate(b.key, &b.related, top),
            };
            loader.problems.push(Problem {
                source: origin.source,
                line: origin.line,
                key: Some(key),
                message: b.message,
            });
        }
    }
    if loader.problems.is_empty() {
        Ok(scenario)
    } else {
        Err(ScenarioError {
            problems: loader.problems,
        })
    }
}

/// The line of a TOML parse error, when the parser gives a span.
fn error_line(text: &str, e: &toml::de::Error) -> Option<usize> {
    e.span().map(|span| line_of(text, span.start))
}

/// A file's text with the offsets of its newlines, so that finding the line of a
/// key costs O(log n) instead of a scan from the start (which made reading a file
/// of many `[[site_group]]`s quadratic).
struct Text<'a> {
    src: &'a str,
    newlines: Vec<usize>,
}

impl<'a> Text<'a> {
    fn new(src: &'a str) -> Text<'a> {
        Text {
            src,
            newlines: src.match_indices('\n').map(|(i, _)| i).collect(),
        }
    }

    /// The 1-based line of byte `offset`, as [`line_of`] counts it.
    fn line(&self, offset: usize) -> usize {
        self.newlines
            .partition_point(|&i| i < offset.min(self.src.len()))
            + 1
    }
}

impl std::ops::Deref for Text<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        self.src
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

fn describe(value: &DeValue<'_>) -> &'static str {
    match value {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date-time",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

/// A TOML number as a [`Number`], or what it was instead.
fn to_number(value: &DeValue<'_>) -> Result<Number, String> {
    match value {
        DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix())
            .map(Number::Int)
            .map_err(|_| "an integer too large for 64 bits".to_string()),
        DeValue::Float(x) => x
            .as_str()
            .parse::<f64>()
            .map(Number::Float)
            .map_err(|_| format!("the float `{}`", x.as_str())),
        other => Err(describe(other).to_string()),
    }
}

impl Loader {
    fn problem(
        &mut self,
        source: &str,
        line: Option<usize>,
        key: Option<String>,
        message: impl Into<String>,
    ) {
        self.problems.push(Problem {
            source: source.to_string(),
            line,
            key,
            message: message.into(),
        });
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
    fn locate(&self, key: String, related: &[String], top: &str) -> (String, Origin) {
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

    /// Reads `path` and the files it names as `base`, nearest first.
    fn read_chain(
        &mut self,
        files: &dyn FileSource,
        path: &Path,
        chain: &mut Vec<(String, String)>,
    ) {
        let mut seen: Vec<PathBuf> = Vec::new();
        let mut next = Some(path.to_path_buf());
        // The line of `base` in the last file read, which names `next`.
        let mut base_line = None;
        while let Some(path) = next.take() {
            let label = path.display().to_string();
            // Problems with a base file are reported at the `base` key that names it.
            let parent = chain.last().map(|(l, _): &(String, String)| l.clone());
            let text = match files.read_text(&path) {
                Ok(t) => t,
                Err(e) => {
                    match &parent {
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
                    return;
                }
            };
            let canonical = files.identity(&path);
            if seen.contains(&canonical) {
                let files: Vec<&str> = chain
                    .iter()
                    .map(|(l, _)| l.as_str())
                    .chain([label.as_str()])
                    .collect();
                self.problem(
                    parent.as_deref().unwrap_or(&label),
                    base_line,
                    Some("base".into()),
                    format!("`base` files form a cycle: {}", files.join(" → ")),
                );
                return;
            }
            if seen.len() >= MAX_BASE_DEPTH {
                self.problem(
                    parent.as_deref().unwrap_or(&label),
                    base_line,
                    Some("base".into()),
                    format!("`base` chain deeper than {MAX_BASE_DEPTH} files"),
                );
                return;
            }
            seen.push(canonical);
            match DeTable::parse(&text) {
                Ok(table) => {
                    if let Some(base) = table.get_ref().get("base") {
                        match base.get_ref() {
                            DeValue::String(s) => {
                                let dir = path.parent().unwrap_or(Path::new("."));
                                next = Some(dir.join(s.as_ref()));
                                base_line = Some(line_of(&text, base.span().start));
                            }
                            other => {
                                let line = line_of(&text, base.span().start);
                                self.problem(
                                    &label,
                                    Some(line),
                                    Some("base".into()),
                                    format!(
                                        "expected a file path string, found {}",
                                        describe(other)
                                    ),
                                );
                            }
                        }
                    }
                }
                Err(e) => {
                    self.problem(
                        &label,
                        error_line(&text, &e),
                        None,
                        format!("invalid TOML: {}", e.to_string().trim_end()),
                    );
                }
            }
            chain.push((label, text));
        }
    }

    /// Applies one file's keys on top of `scenario`.
    fn apply_text(&mut self, scenario: &mut Scenario, label: &str, text: &str) {
        let before = self.problems.len();
        self.apply_table(scenario, label, &Text::new(text));
        // The parsed table iterates keys in name order: list the problems in file order.
        self.problems[before..].sort_by_key(|p| p.line);
    }

    fn apply_table(&mut self, scenario: &mut Scenario, label: &str, text: &Text<'_>) {
        let table = match DeTable::parse(text) {
            Ok(t) => t.into_inner(),
            Err(e) => {
                self.problem(
                    label,
                    error_line(text, &e),
                    None,
                    format!("invalid TOML: {}", e.to_string().trim_end()),
                );
                return;
            }
        };
        let at = |span: std::ops::Range<usize>| Some(text.line(span.start));
        for (name, value) in table.iter() {
            let name_str = name.get_ref().as_ref();
            let line = at(name.span());
            match (name_str, value.get_ref()) {
                ("base", _) => {}
                (table, _) if EXPERIMENT_TABLES.contains(&table) => {
                    if !self.experiment_tables_allowed {
                        self.problem(
                            label,
                            line,
                            Some(table.into()),
                            format!("[{table}] belongs in an experiment file, so this is one: run it with `holdsim sweep {label}` (a scenario for `holdsim run` has no experiment tables)"),
                        );
                    }
                }
                ("profile", DeValue::Array(items)) => {
                    self.forget_prefix("profile.");
                    let mut profiles = Vec::new();
                    for (i, item) in items.iter().enumerate() {
                        if let Some(p) = self.read_profile(label, text, i, item) {
                            profiles.push(p);
                        }
                    }
                    scenario.profiles = profiles;
                    self.origins.insert(
                        "profile".into(),
                        Origin {
                            source: label.into(),
                            line,
                        },
                    );
                }
                ("service", DeValue::Array(items)) => {
                    self.forget_prefix("service.");
                    let mut services = Vec::new();
                    for (i, item) in items.iter().enumerate() {
                        if let Some(s) = self.read_service(label, text, i, item) {
                            services.push(s);
                        }
                    }
                    scenario.services = services;
                    self.origins.insert(
                        "service".into(),
                        Origin {
                            source: label.into(),
                            line,
                        },
                    );
                }
                ("site_group", DeValue::Array(items)) => {
                    let mut groups = Vec::new();
                    self.group_origins.clear();
                    // One group-free scratch scenario checks every group's `set`
                    // paths: cloning the scenario per path made this quadratic.
                    let mut scratch = scenario.without_groups();
                    for (i, item) in items.iter().enumerate() {
                        if let Some(g) = self.read_site_group(&mut scratch, label, text, i, item) {
                            groups.push(g);
                            self.group_origins.push(Origin {
                                source: label.into(),
                                line: Some(text.line(item.span().start)),
                            });
                        }
                    }
                    scenario.site_groups = groups;
                    self.origins.insert(
                        "site_group".into(),
                        Origin {
                            source: label.into(),
                            line,
                        },
                    );
                }
                ("site_group", other) => {
                    self.problem(
                        label,
                        line,
                        Some("site_group".into()),
                        format!(
                            "expected an array of tables (`[[site_group]]`), found {}",
                            describe(other)
                        ),
                    );
                }
                ("profile" | "service", other) => {
                    self.problem(
                        label,
                        line,
                        Some(name_str.into()),
                        format!(
                            "expected an array of tables (`[[{name_str}]]`), found {}",
                            describe(other)
                        ),
                    );
                }
                (section, DeValue::Table(keys)) if section_specs(section).is_some() => {
                    for (key, v) in keys.iter() {
                        let path = format!("{section}.{}", key.get_ref());
                        let line = at(key.span());
                        match to_number(v.get_ref()) {
                            Ok(n) => match scenario.set_path(&path, n) {
                                Ok(()) => {
                                    self.origins.insert(
                                        path,
                                        Origin {
                                            source: label.into(),
                                            line,
                                        },
                                    );
                                }
                                Err(e) => self.path_problem(
                                    label,
                                    line,
                                    &path,
                                    e,
                                    &v.get_ref().to_string_lossy(),
                                ),
                            },
                            Err(found) => {
                                let known = section_specs(section).is_some_and(|specs| {
                                    specs.iter().any(|s| s.key == key.get_ref().as_ref())
                                });
                                let err = if known {
                                    PathError::Invalid {
                                        expected: expected_of(&path),
                                    }
                                } else {
                                    PathError::UnknownKey
                                };
                                self.path_problem(label, line, &path, err, &found);
                            }
                        }
                    }
                }
                (section, other) if section_specs(section).is_some() => {
                    self.problem(
                        label,
                        line,
                        Some(section.into()),
                        format!(
                            "expected a table (`[{section}]`), found {}",
                            describe(other)
                        ),
                    );
                }
                (other, value) => {
                    let all = SECTIONS.map(|s| format!("[{s}]")).join(", ");
                    let home = SECTIONS.iter().find(|s| {
                        section_specs(s)
                            .is_some_and(|specs| specs.iter().any(|spec| spec.key == other))
                    });
                    let message = match (value, home) {
                        (DeValue::Table(_), _) => {
                            let mut known: Vec<&str> = SECTIONS.to_vec();
                            known.extend(["profile", "service"]);
                            format!(
                                "unknown section{}; expected one of {all}, [[profile]], [[service]] or `base`",
                                suggest(other, &known)
                            )
                        }
                        (_, Some(section)) => format!(
                            "unknown top-level key; `{other}` belongs in the [{section}] section"
                        ),
                        (_, None) => format!(
                            "unknown top-level key; a scenario has only `base` and the sections {all}, [[profile]], [[service]]"
                        ),
                    };
                    self.problem(label, line, Some(other.into()), message);
                }
            }
        }
    }

    fn forget_prefix(&mut self, prefix: &str) {
        self.origins.retain(|k, _| !k.starts_with(prefix));
    }

    fn path_problem(
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
                let (keys, header): (Vec<&str>, String) = match section {
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
                };
                let hint = suggest(path.rsplit('.').next().unwrap_or(""), &keys);
                format!("unknown key{hint}; {header} has: {}", keys.join(", "))
            }
            PathError::Invalid { expected } => format!("expected {expected}, found {found}"),
            other => other.to_string(),
        };
        self.problem(source, line, Some(path.into()), message);
    }

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
        let DeValue::Table(table) = item.get_ref() else {
            self.problem(
                label,
                entry_line,
                Some(kind.into()),
                format!("expected a table, found {}", describe(item.get_ref())),
            );
            return None;
        };
        let name = match table.get("name").map(|v| v.get_ref()) {
            Some(DeValue::String(s)) => s.to_string(),
            Some(other) => {
                self.problem(
                    label,
                    entry_line,
                    Some(format!("{kind}.name")),
                    format!("expected a string, found {}", describe(other)),
                );
                return None;
            }
            None => {
                self.problem(
                    label,
                    entry_line,
                    Some(kind.into()),
                    format!("[[{kind}]] #{} has no `name`", index + 1),
                );
                return None;
            }
        };
        let mut record = R::blank();
        let before = self.problems.len();
        let mut seen = Vec::new();
        for (key, v) in table.iter() {
            let key_str = key.get_ref().as_ref();
            let line = Some(text.line(key.span().start));
            let path = format!("{kind}.{name}.{key_str}");
            // Later cross-key problems about this key point here.
            self.origins.insert(
                path.clone(),
                Origin {
                    source: label.into(),
                    line,
                },
            );
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
            match to_number(v.get_ref()) {
                Ok(n) => match record.set(key_str, n) {
                    Ok(()) => {}
                    Err(SetError::UnknownKey) => {
                        let keys: Vec<&str> = R::specs().iter().map(|s| s.key).collect();
                        let hint = suggest(key_str, &keys);
                        self.problem(
                            label,
                            line,
                            Some(path),
                            format!(
                                "unknown key{hint}; [[{kind}]] has: name, {}",
                                keys.join(", ")
                            ),
                        );
                    }
                    Err(SetError::Invalid { expected }) => {
                        self.problem(
                            label,
                            line,
                            Some(path),
                            format!(
                                "expected {expected}, found {}",
                                v.get_ref().to_string_lossy()
                            ),
                        );
                    }
                },
                Err(found) => {
                    let expected = R::specs()
                        .iter()
                        .find(|s| s.key == key_str)
                        .map(|s| s.expected());
                    match expected {
                        Some(expected) => self.problem(
                            label,
                            line,
                            Some(path),
                            format!("expected {expected}, found {found}"),
                        ),
                        None => self.problem(label, line, Some(path), "unknown key"),
                    }
                }
            }
        }
        let missing: Vec<&str> = R::specs()
            .iter()
            .map(|s| s.key)
            .chain(R::extra_keys().iter().copied())
            .filter(|k| !seen.iter().any(|s| s == k))
            .collect();
        if !missing.is_empty() {
            self.problem(label, entry_line, Some(format!("{kind}.{name}")), format!("missing required key{} {} (every key is required in a [[{kind}]] a file gives)", if missing.len() == 1 { "" } else { "s" }, missing.join(", ")));
        }
        (self.problems.len() == before).then_some((record, name))
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
                let line = Some(text.line(v.span().start));
                match v.get_ref() {
                    DeValue::Table(t) => {
                        for (svc, w) in t.iter() {
                            let key = Some(format!("profile.{name}.services.{}", svc.get_ref()));
                            let line = Some(text.line(svc.span().start));
                            match to_number(w.get_ref()).map(Number::as_f64) {
                                Ok(x) if x.is_finite() && x > 0.0 => {
                                    services.push((svc.get_ref().to_string(), x))
                                }
                                Ok(_) => this.problem(
                                    label,
                                    line,
                                    key,
                                    format!(
                                        "expected a weight > 0, found {}",
                                        w.get_ref().to_string_lossy()
                                    ),
                                ),
                                Err(found) => this.problem(
                                    label,
                                    line,
                                    key,
                                    format!("expected a weight > 0, found {found}"),
                                ),
                            }
                        }
                    }
                    other => this.problem(
                        label,
                        line,
                        Some(format!("profile.{name}.services")),
                        format!(
                            "expected a table of service name = weight, found {}",
                            describe(other)
                        ),
                    ),
                }
                true
            };
        let (mut profile, name) =
            self.read_entry::<Profile>(label, text, "profile", index, item, &mut read_services)?;
        services.sort_by(|a, b| a.0.cmp(&b.0));
        profile.name = name;
        profile.services = services;
        Some(profile)
    }

    /// One `[[site_group]]`: `name`, `count` and `set = { "dotted.path" = value, … }`.
    fn read_site_group(
        &mut self,
        scratch: &mut Scenario,
        label: &str,
        text: &Text<'_>,
        index: usize,
        item: &Spanned<DeValue<'_>>,
    ) -> Option<SiteGroup> {
        let entry_line = Some(text.line(item.span().start));
        let DeValue::Table(table) = item.get_ref() else {
            self.problem(
                label,
                entry_line,
                Some("site_group".into()),
                format!("expected a table, found {}", describe(item.get_ref())),
            );
            return None;
        };
        let before = self.problems.len();
        let mut group = SiteGroup {
            name: format!("group {}", index + 1),
            count: 0,
            set: Vec::new(),
        };
        let mut has_count = false;
        for (key, v) in table.iter() {
            let k = key.get_ref().as_ref();
            let line = Some(text.line(key.span().start));
            match (k, v.get_ref()) {
                ("name", DeValue::String(s)) => group.name = s.to_string(),
                ("count", DeValue::Integer(_)) => match to_number(v.get_ref()) {
                    Ok(Number::Int(n)) if (1..=1_000_000).contains(&n) => {
                        group.count = n as u32;
                        has_count = true;
                    }
                    _ => self.problem(
                        label,
                        line,
                        Some("site_group.count".into()),
                        format!(
                            "expected an integer from 1 to 1000000, found {}",
                            v.get_ref().to_string_lossy()
                        ),
                    ),
                },
                ("set", DeValue::Table(paths)) => {
                    for (path, value) in paths.iter() {
                        let path = path.get_ref().to_string();
                        let line = Some(text.line(value.span().start));
                        if path.starts_with("run.") {
                            self.problem(label, line, Some(format!("site_group.set.{path}")), "[run] settings apply to the whole scenario, not to a group of sites");
                            continue;
                        }
                        match to_number(value.get_ref()) {
                            Ok(n) => match scratch.set_path(&path, n) {
                                Ok(()) => group.set.push((path, n)),
                                Err(e) => self.path_problem(
                                    label,
                                    line,
                                    &path,
                                    e,
                                    &value.get_ref().to_string_lossy(),
                                ),
                            },
                            Err(found) => self.problem(
                                label,
                                line,
                                Some(format!("site_group.set.{path}")),
                                format!("expected a number, found {found}"),
                            ),
                        }
                    }
                }
                ("name" | "count" | "set", other) => {
                    let expected = match k {
                        "name" => "a string",
                        "count" => "an integer ≥ 1",
                        _ => {
                            "a table of dotted parameter paths, e.g. set = { \"workforce.link_workers\" = 2 }"
                        }
                    };
                    self.problem(
                        label,
                        line,
                        Some(format!("site_group.{k}")),
                        format!("expected {expected}, found {}", describe(other)),
                    );
                }
                (other, _) => self.problem(
                    label,
                    line,
                    Some(format!("site_group.{other}")),
                    "unknown key; [[site_group]] has: name, count, set",
                ),
            }
        }
        if !has_count && self.problems.len() == before {
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

    fn read_service(
        &mut self,
        label: &str,
        text: &Text<'_>,
        index: usize,
        item: &Spanned<DeValue<'_>>,
    ) -> Option<Service> {
        let (mut service, name) =
            self.read_entry::<Service>(label, text, "service", index, item, &mut |_, _, _, _| {
                false
            })?;
        service.name = name;
        Some(service)
    }

    /// Applies one `--set path=value`.
    fn apply_override(&mut self, scenario: &mut Scenario, spec: &str) {
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
                self.path_problem(
                    &source,
                    None,
                    path,
                    PathError::Invalid {
                        expected: expected_of(path),
                    },
                    &found,
                );
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

/// What a valid value of the key at `path` looks like, for messages.
fn expected_of(path: &str) -> String {
    let parts: Vec<&str> = path.split('.').collect();
    let spec = match parts.as_slice() {
        [section, key] => section_specs(section).and_then(|s| s.iter().find(|s| s.key == *key)),
        ["profile", _, "services", _] => return "a weight > 0".into(),
        ["profile", _, key] => Profile::specs().iter().find(|s| s.key == *key),
        ["service", _, key] => Service::specs().iter().find(|s| s.key == *key),
        _ => None,
    };
    spec.map(|s| s.expected())
        .unwrap_or_else(|| "a number".into())
}

/// ", did you mean `x`?" when a known key is one or two edits away.
fn suggest(key: &str, known: &[&str]) -> String {
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

trait Lossy {
    fn to_string_lossy(&self) -> String;
}

impl Lossy for DeValue<'_> {
    fn to_string_lossy(&self) -> String {
        match self {
            DeValue::Integer(i) => i.to_string(),
            DeValue::Float(x) => x.to_string(),
            DeValue::String(s) => format!("\"{s}\""),
            DeValue::Boolean(b) => b.to_string(),
            other => describe(other).to_string(),
        }
    }
}
