//! The resolved scenario as text: TOML for `holdsim check` (every key, with units and
//! sources as comments, and loadable again) and JSON for manifests.

use std::fmt::Write;

use serde_json::{Map, Value, json};

use super::registry::{Number, Record};
use super::{Profile, SECTIONS, Scenario, Service, section_specs};

fn number_json(n: Number) -> Value {
    match n {
        Number::Int(i) => json!(i),
        Number::Float(x) => json!(x),
    }
}

pub fn to_toml(s: &Scenario) -> String {
    let mut out = String::new();
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
            let _ = writeln!(out, "{} = {value}  # {unit}{}", spec.key, spec.about);
        }
        out.push('\n');
    }
    for p in &s.profiles {
        out.push_str("[[profile]]\n");
        let _ = writeln!(out, "name = {}", toml_string(&p.name));
        write_record(&mut out, p);
        let services: Vec<String> = p
            .services
            .iter()
            .map(|(n, w)| format!("{} = {w:?}", toml_key(n)))
            .collect();
        let _ = writeln!(out, "services = {{ {} }}\n", services.join(", "));
    }
    for sv in &s.services {
        out.push_str("[[service]]\n");
        let _ = writeln!(out, "name = {}", toml_string(&sv.name));
        write_record(&mut out, sv);
        out.push('\n');
    }
    for g in &s.site_groups {
        out.push_str("[[site_group]]\n");
        let _ = writeln!(out, "name = {}", toml_string(&g.name));
        let _ = writeln!(out, "count = {}", g.count);
        let set: Vec<String> = g
            .set
            .iter()
            .map(|(p, v)| format!("{} = {v}", toml_string(p)))
            .collect();
        let _ = writeln!(out, "set = {{ {} }}\n", set.join(", "));
    }
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
    let profiles: Vec<Value> = s.profiles.iter().map(profile_json).collect();
    let services: Vec<Value> = s.services.iter().map(service_json).collect();
    root.insert("profile".into(), Value::Array(profiles));
    root.insert("service".into(), Value::Array(services));
    let groups: Vec<Value> = s
        .site_groups
        .iter()
        .map(|g| {
            let set: Map<String, Value> = g
                .set
                .iter()
                .map(|(p, v)| (p.clone(), number_json(*v)))
                .collect();
            json!({"name": g.name, "count": g.count, "set": set})
        })
        .collect();
    root.insert("site_group".into(), Value::Array(groups));
    Value::Object(root)
}

fn profile_json(p: &Profile) -> Value {
    let mut m = Map::new();
    m.insert("name".into(), json!(p.name));
    m.extend(record_json(p));
    let services: Map<String, Value> = p
        .services
        .iter()
        .map(|(n, w)| (n.clone(), json!(w)))
        .collect();
    m.insert("services".into(), Value::Object(services));
    Value::Object(m)
}

fn service_json(sv: &Service) -> Value {
    let mut m = Map::new();
    m.insert("name".into(), json!(sv.name));
    m.extend(record_json(sv));
    Value::Object(m)
}
