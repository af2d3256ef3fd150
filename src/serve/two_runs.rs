//! Two finished jobs of the log side by side (`GET /api/compare/{a}/{b}`): each one's
//! inputs and headline results, and how the second's inputs differ from the first's
//! in words — so "what did we change between Tuesday's run and today's?" needs no
//! files opened.

use std::path::Path;

use serde_json::{Value, json};

use crate::kpi::Kpi;

/// One job as the page shows it beside another.
pub fn summary(dir: &Path) -> anyhow::Result<Value> {
    let job = read_json(&dir.join("job.json"))?;
    let scenarios = job["inputs"]["scenarios"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let drew = !job["inputs"]["posterior"].is_null();
    let results = headline_results(dir, &scenarios, drew)?;
    Ok(json!({
        "id": job["id"],
        "title": job["title"],
        "created_utc": job["created_utc"],
        "inputs": job["inputs"],
        "results": results,
    }))
}

fn read_json(path: &Path) -> anyhow::Result<Value> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("cannot read `{}`: {e}", path.display()))?;
    serde_json::from_str(&text)
        .map_err(|e| anyhow::anyhow!("`{}` is not valid JSON: {e}", path.display()))
}

/// Per verdict measure: its label, which option is best (and whether clearly), and
/// each scenario's mean with its 95% CI, from `verdict.csv` and `compare.csv`; for a
/// job that `drew` its parameters from a posterior, also the range of 95% of its
/// replications (`summary.csv`'s p2_5 and p97_5) and the probability that an option
/// beats the baseline (`compare.csv`'s p_better).
fn headline_results(dir: &Path, scenarios: &[Value], drew: bool) -> anyhow::Result<Vec<Value>> {
    let compare = read_rows(&dir.join("compare.csv"))?;
    let spread = if drew {
        uncertainty(dir, scenarios)?
    } else {
        Vec::new()
    };
    let verdict = read_rows(&dir.join("verdict.csv"))?;
    let field = |row: &csv::StringRecord, i: usize| row.get(i).unwrap_or("").to_string();
    let number = |row: &csv::StringRecord, i: usize| row.get(i).and_then(|v| v.parse::<f64>().ok());
    Ok(verdict
        .iter()
        .map(|v| {
            let kpi = field(v, 0);
            let values: Vec<Value> = scenarios
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    let row = compare
                        .iter()
                        .find(|r| r.get(0) == s["name"].as_str() && r.get(1) == Some(&kpi));
                    let mut value = row.map_or(Value::Null, |r| {
                        json!({"mean": number(r, 3), "ci_low": number(r, 4), "ci_high": number(r, 5)})
                    });
                    if let (Some(Some(by_kpi)), Some(_)) = (spread.get(i), row)
                        && let Some(extra) = by_kpi.get(&kpi)
                    {
                        value["range_low"] = extra["range_low"].clone();
                        value["range_high"] = extra["range_high"].clone();
                        value["p_better"] = extra["p_better"].clone();
                    }
                    value
                })
                .collect();
            json!({
                "kpi": kpi,
                "label": Kpi::from_name(&kpi).map_or(kpi.as_str(), |k| k.label()),
                "better": field(v, 1),
                "best_title": field(v, 3),
                "clear": v.get(4) == Some("true"),
                "values": values,
            })
        })
        .collect())
}

/// Per scenario (in order), per KPI: `{"range_low", "range_high", "p_better"}` from
/// its `summary.csv` and the job's `compare.csv`, found by column name (`None` for a
/// scenario whose files lack them, e.g. written by an older holdsim).
fn uncertainty(
    dir: &Path,
    scenarios: &[Value],
) -> anyhow::Result<Vec<Option<serde_json::Map<String, Value>>>> {
    let compare = Table::read(&dir.join("compare.csv"))?;
    Ok(scenarios
        .iter()
        .map(|s| {
            let name = s["name"].as_str().unwrap_or("");
            let summary =
                Table::read(&dir.join("scenarios").join(name).join("summary.csv")).ok()?;
            let mut by_kpi = serde_json::Map::new();
            for row in &summary.rows {
                let kpi = summary.text(row, "kpi")?;
                let p_better = compare
                    .rows
                    .iter()
                    .find(|r| {
                        compare.text(r, "scenario") == Some(name)
                            && compare.text(r, "kpi") == Some(kpi)
                    })
                    .and_then(|r| compare.number(r, "p_better"));
                by_kpi.insert(
                    kpi.to_string(),
                    json!({
                        "range_low": summary.number(row, "p2_5"),
                        "range_high": summary.number(row, "p97_5"),
                        "p_better": p_better,
                    }),
                );
            }
            Some(by_kpi)
        })
        .collect())
}

/// A CSV file's rows with its header, to find cells by column name.
struct Table {
    header: csv::StringRecord,
    rows: Vec<csv::StringRecord>,
}

impl Table {
    fn read(path: &Path) -> anyhow::Result<Table> {
        let mut reader = csv::Reader::from_path(path)
            .map_err(|e| anyhow::anyhow!("cannot read `{}`: {e}", path.display()))?;
        let header = reader
            .headers()
            .map_err(|e| anyhow::anyhow!("`{}`: {e}", path.display()))?
            .clone();
        let rows = reader
            .records()
            .collect::<Result<_, _>>()
            .map_err(|e| anyhow::anyhow!("`{}`: {e}", path.display()))?;
        Ok(Table { header, rows })
    }

    fn text<'a>(&self, row: &'a csv::StringRecord, column: &str) -> Option<&'a str> {
        row.get(self.header.iter().position(|c| c == column)?)
    }

    fn number(&self, row: &csv::StringRecord, column: &str) -> Option<f64> {
        self.text(row, column)?.parse().ok()
    }
}

fn read_rows(path: &Path) -> anyhow::Result<Vec<csv::StringRecord>> {
    let mut reader = csv::Reader::from_path(path)
        .map_err(|e| anyhow::anyhow!("cannot read `{}`: {e}", path.display()))?;
    reader
        .records()
        .collect::<Result<_, _>>()
        .map_err(|e| anyhow::anyhow!("`{}`: {e}", path.display()))
}

/// The resolved scenario of each of a job's scenarios, in order (`Null` where its
/// manifest cannot be read).
fn resolved(dir: &Path, summary: &Value) -> Vec<(String, Value)> {
    let scenarios = summary["inputs"]["scenarios"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    scenarios
        .iter()
        .map(|s| {
            let name = s["name"].as_str().unwrap_or("");
            let manifest = read_json(&dir.join("scenarios").join(name).join("manifest.json"));
            let title = s["title"].as_str().unwrap_or(name).to_string();
            (
                title,
                manifest.map_or(Value::Null, |m| m["scenario"].clone()),
            )
        })
        .collect()
}

/// How the second job's inputs differ from the first's, in words: the run settings,
/// then each scenario by position (the baseline, option 1, …) with every changed input
/// by its plain-English label.
pub fn differences(a_dir: &Path, a: &Value, b_dir: &Path, b: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for (key, label) in [
        ("replications", "Replications"),
        ("seed", "Seed"),
        ("robustness", "Robustness reruns"),
    ] {
        let (x, y) = (&a["inputs"][key], &b["inputs"][key]);
        if x != y {
            out.push(format!("{label}: {x} → {y}"));
        }
    }
    let (x, y) = (&a["inputs"]["posterior"], &b["inputs"]["posterior"]);
    if x != y {
        let (from, to) = (uncertainty_words(x), uncertainty_words(y));
        let other = if from == to { " (another file)" } else { "" };
        out.push(format!("Parameter uncertainty: {from} → {to}{other}"));
    }
    let (xs, ys) = (resolved(a_dir, a), resolved(b_dir, b));
    for i in 0..xs.len().max(ys.len()) {
        let role = if i == 0 {
            "The baseline".to_string()
        } else {
            format!("Option {i}")
        };
        match (xs.get(i), ys.get(i)) {
            (Some((tx, sx)), Some((ty, sy))) => {
                if tx != ty {
                    out.push(format!("{role}'s name: {tx} → {ty}"));
                }
                for change in run_changes(sy, sx)
                    .into_iter()
                    .chain(crate::report::board::changes(sy, sx))
                {
                    out.push(format!("{role} ({ty}): {change}"));
                }
            }
            (Some((tx, _)), None) => out.push(format!("{role} ({tx}) is only in the first run")),
            (None, Some((ty, _))) => out.push(format!("{role} ({ty}) is only in the second run")),
            (None, None) => {}
        }
    }
    out
}

/// A job's `inputs.posterior` in words.
fn uncertainty_words(posterior: &Value) -> String {
    if posterior.is_null() {
        return "fixed assumptions (the scenarios' values)".into();
    }
    format!(
        "drawn from {} ({} particles)",
        posterior["source"].as_str().unwrap_or("a posterior"),
        posterior["particles"]
    )
}

/// The `[run]` settings other than the seed and replications (said once for the whole
/// job) that differ: the period simulated, its warm-up, the sites.
fn run_changes(scenario: &Value, reference: &Value) -> Vec<String> {
    let Some(run) = scenario["run"].as_object() else {
        return Vec::new();
    };
    run.iter()
        .filter(|(k, v)| {
            !matches!(k.as_str(), "replications" | "seed") && reference["run"][k.as_str()] != **v
        })
        .map(|(k, v)| {
            let key = format!("run.{k}");
            let label = crate::scenario::spec(&key).map_or(key.as_str(), |s| s.label);
            format!("{label}: {} → {v}", reference["run"][k.as_str()])
        })
        .collect()
}
