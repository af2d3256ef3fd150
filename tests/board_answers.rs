//! The answer files of `compare` (`pairwise.csv`, `verdict.csv`,
//! `cost_effectiveness.csv`) against an independent computation from the options'
//! `replications.csv`: paired differences and their t intervals by hand, the best
//! option by its mean, "clear" from the hand-made intervals.

use std::collections::HashMap;
use std::fs;
use std::path::Path;

use crate::util::{assert_success, holdsim, root};

/// A CSV file as rows of column → text.
fn read_csv(path: &Path) -> Vec<HashMap<String, String>> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            header
                .iter()
                .cloned()
                .zip(r.iter().map(str::to_string))
                .collect()
        })
        .collect()
}

/// One KPI's per-replication values of one option.
fn column(dir: &Path, option: &str, kpi: &str) -> Vec<f64> {
    read_csv(&dir.join("scenarios").join(option).join("replications.csv"))
        .iter()
        .map(|r| r[kpi].parse::<f64>().unwrap())
        .collect()
}

/// Two-sided 97.5% Student-t quantile for 11 degrees of freedom (tables: 2.2010).
const T_11: f64 = 2.200_985_160_082_949;

/// Mean and 95% t interval of the paired differences `b − a` (12 replications).
fn paired(a: &[f64], b: &[f64]) -> (f64, f64, f64) {
    let d: Vec<f64> = a.iter().zip(b).map(|(x, y)| y - x).collect();
    assert_eq!(d.len(), 12);
    let n = d.len() as f64;
    let m = d.iter().sum::<f64>() / n;
    let sd = (d.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    let half = T_11 * sd / n.sqrt();
    (m, m - half, m + half)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

#[test]
fn verdict_pairwise_and_costs_agree_with_a_hand_computation_from_the_replications() {
    let dir = tempfile::tempdir().unwrap();
    let s = |f: &str| root().join("scenarios").join(f).display().to_string();
    let out = holdsim(dir.path())
        .args([
            "compare",
            &s("pressured.toml"),
            &s("option-supervision.toml"),
            &s("option-fourth-worker.toml"),
            "-n",
            "12",
            "--no-robustness",
            "--quiet",
            "--out",
            "q",
        ])
        .output()
        .unwrap();
    assert_success(&out);
    let q = dir.path().join("q");
    let options = ["pressured", "option-supervision", "option-fourth-worker"];

    // pairwise.csv: every ordered pair, every KPI; spot-check three KPIs by hand.
    let pairwise = read_csv(&q.join("pairwise.csv"));
    let kpis = read_csv(&q.join("compare.csv"))
        .iter()
        .filter(|r| r["scenario"] == "pressured")
        .count();
    assert_eq!(pairwise.len(), 3 * 2 * kpis);
    for kpi in ["exits", "patients_seen", "cost"] {
        for a in options {
            for b in options.iter().filter(|&&b| b != a) {
                let row = pairwise
                    .iter()
                    .find(|r| r["scenario"] == *b && r["other"] == a && r["kpi"] == kpi)
                    .unwrap_or_else(|| panic!("no row {b} vs {a} on {kpi}"));
                let (m, lo, hi) = paired(&column(&q, a, kpi), &column(&q, b, kpi));
                let got = |c: &str| row[c].parse::<f64>().unwrap();
                assert!(
                    close(got("diff"), m),
                    "{b} − {a} {kpi}: {} vs {m}",
                    row["diff"]
                );
                assert!(close(got("diff_ci_low"), lo) && close(got("diff_ci_high"), hi));
                let clear = lo > 0.0 || hi < 0.0;
                assert_eq!(row["clear"], clear.to_string(), "{b} − {a} {kpi}");
            }
        }
    }

    // verdict.csv: the best mean in the better direction; clear against every other.
    let verdicts = read_csv(&q.join("verdict.csv"));
    assert!(verdicts.len() >= 4);
    for v in &verdicts {
        let kpi = v["kpi"].as_str();
        let lower = v["better"] == "lower";
        let mean = |o: &str| {
            let x = column(&q, o, kpi);
            x.iter().sum::<f64>() / x.len() as f64
        };
        let best = options
            .iter()
            .copied()
            .reduce(|a, b| {
                let better = if lower {
                    mean(b) < mean(a)
                } else {
                    mean(b) > mean(a)
                };
                if better { b } else { a }
            })
            .unwrap();
        assert_eq!(v["best"], best, "{kpi}");
        let clear = options.iter().filter(|&&o| o != best).all(|&o| {
            let (_, lo, hi) = paired(&column(&q, o, kpi), &column(&q, best, kpi));
            if lower { hi < 0.0 } else { lo > 0.0 }
        });
        assert_eq!(v["clear"], clear.to_string(), "{kpi}");
        assert!(!v["best_title"].is_empty());
    }

    // cost_effectiveness.csv: cost difference and leavers avoided by hand; the
    // assessment follows the stated rule.
    let effects = read_csv(&q.join("cost_effectiveness.csv"));
    assert_eq!(effects.len(), 2 * 2);
    for e in &effects {
        let option = e["scenario"].as_str();
        let (kpi, sign) = match e["outcome"].as_str() {
            "leaver_avoided" => ("exits", -1.0),
            "extra_patient_seen" => ("patients_seen", 1.0),
            other => panic!("unknown outcome {other}"),
        };
        let (dc, _, _) = paired(
            &column(&q, "pressured", "cost"),
            &column(&q, option, "cost"),
        );
        let (dg, lo, hi) = paired(&column(&q, "pressured", kpi), &column(&q, option, kpi));
        let (gain, glo, ghi) = (
            sign * dg,
            (sign * lo).min(sign * hi),
            (sign * lo).max(sign * hi),
        );
        let got = |c: &str| e[c].parse::<f64>().unwrap();
        assert!(
            close(got("cost_diff"), dc) && close(got("gain"), gain),
            "{e:?}"
        );
        assert!(close(got("gain_ci_low"), glo) && close(got("gain_ci_high"), ghi));
        let expected = if glo <= 0.0 && ghi >= 0.0 {
            "undefined"
        } else if gain > 0.0 && dc < 0.0 {
            "dominant"
        } else if gain < 0.0 && dc > 0.0 {
            "dominated"
        } else {
            "ratio"
        };
        assert_eq!(e["assessment"], expected, "{e:?}");
        if expected == "ratio" {
            assert!(close(got("ratio"), dc / gain));
            assert!(got("ratio_ci_low") <= got("ratio") && got("ratio") <= got("ratio_ci_high"));
        }
    }
    // The report prints the verdict table; no robustness file without the reruns.
    let html = fs::read_to_string(q.join("report.html")).unwrap();
    assert!(html.contains("class=\"verdict\""));
    assert!(!q.join("robustness.csv").exists());
}
