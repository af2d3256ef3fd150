//! The resolved scenario as text: TOML for `holdsim check` (every key, with units and
//! sources as comments, and loadable again) and JSON for manifests.

use std::fmt::Write;

use serde_json::{Map, Value, json};

use super::registry::{Number, Record};
use super::{Profile, SECTIONS, Scenario, Service, SiteGroup, section_specs};

fn number_json(n: Number) -> Value {
    match n {
        Number::Int(i) => json!(i),
        Number::Float(x) => json!(x),
    }
}

pub fn to_toml(s: &Scenario) -> String {
    let mut out = String::new();
    for (key, text) in [("title", &s.title), ("description", &s.description)] {
        if let Some(text) = text {
            let _ = writeln!(out, "{key} = {}", toml_string(text));
        }
    }
    if s.title.is_some() || s.description.is_some() {
        out.push('\n');
    }
    for section in SECTIONS {
        let _ = writeln!(out, "[{section}]");
        for spec in section_specs(section).unwrap_or_default() {
            let value = s
                .get_path(&format!("{section}.{}", spec.key))
                .expect("registry key");
            let unit = if spec.unit.is_empty() {
                String::new()
            } else {
                format!("[{}] ", spec.unit)
            };
            // Marks the inputs a PCN should set itself (docs/parameters.md).
            let essential = if spec.essential {
                "essential input · "
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "{} = {value}  # {essential}{unit}{}",
                spec.key, spec.about
            );
        }
        out.push('\n');
    }
    s.write_arrays_toml(&mut out);
    out
}

/// A TOML basic string: names may hold quotes, backslashes or control characters.
fn toml_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A TOML key: bare when it can be, else quoted.
fn toml_key(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        s.to_string()
    } else {
        toml_string(s)
    }
}

fn write_record<R: Record>(out: &mut String, r: &R) {
    for spec in R::specs() {
        let value = r.get(spec.key).expect("registry key");
        let _ = writeln!(out, "{} = {value}", spec.key);
    }
}

fn record_json<R: Record>(r: &R) -> Map<String, Value> {
    R::specs()
        .iter()
        .map(|spec| {
            (
                spec.key.to_string(),
                number_json(r.get(spec.key).expect("registry key")),
            )
        })
        .collect()
}

pub fn to_json(s: &Scenario) -> Value {
    let mut root = Map::new();
    for (key, text) in [("title", &s.title), ("description", &s.description)] {
        if let Some(text) = text {
            root.insert(key.into(), Value::String(text.clone()));
        }
    }
    for section in SECTIONS {
        let mut m = Map::new();
        for spec in section_specs(section).unwrap_or_default() {
            let value = s
                .get_path(&format!("{section}.{}", spec.key))
                .expect("registry key");
            m.insert(spec.key.to_string(), number_json(value));
        }
        root.insert(section.to_string(), Value::Object(m));
    }
    s.insert_arrays_json(&mut root);
    Value::Object(root)
}

/// How `check` (TOML) and manifests (JSON) render an entry of an array section;
/// every array of the section table implements it, so none can be left out.
pub(super) trait RenderEntry {
    /// The entry's keys after its `[[…]]` header, and the blank line that ends it.
    fn write_toml(&self, out: &mut String);
    fn to_json(&self) -> Value;
}

impl RenderEntry for Profile {
    fn write_toml(&self, out: &mut String) {
        let _ = writeln!(out, "name = {}", toml_string(&self.name));
        write_record(out, self);
        let services: Vec<String> = self
            .services
            .iter()
            .map(|(n, w)| format!("{} = {w:?}", toml_key(n)))
            .collect();
        let _ = writeln!(out, "services = {{ {} }}\n", services.join(", "));
    }

    fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("name".into(), json!(self.name));
        m.extend(record_json(self));
        let services: Map<String, Value> = self
            .services
            .iter()
            .map(|(n, w)| (n.clone(), json!(w)))
            .collect();
        m.insert("services".into(), Value::Object(services));
        Value::Object(m)
    }
}

impl RenderEntry for Service {
    fn write_toml(&self, out: &mut String) {
        let _ = writeln!(out, "name = {}", toml_string(&self.name));
        write_record(out, self);
        out.push('\n');
    }

    fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("name".into(), json!(self.name));
        m.extend(record_json(self));
        Value::Object(m)
    }
}

impl RenderEntry for SiteGroup {
    fn write_toml(&self, out: &mut String) {
        let _ = writeln!(out, "name = {}", toml_string(&self.name));
        let _ = writeln!(out, "count = {}", self.count);
        let set: Vec<String> = self
            .set
            .iter()
            .map(|(p, v)| format!("{} = {v}", toml_string(p)))
            .collect();
        let _ = writeln!(out, "set = {{ {} }}\n", set.join(", "));
    }

    fn to_json(&self) -> Value {
        let set: Map<String, Value> = self
            .set
            .iter()
            .map(|(p, v)| (p.clone(), number_json(*v)))
            .collect();
        json!({"name": self.name, "count": self.count, "set": set})
    }
}
