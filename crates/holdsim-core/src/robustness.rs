//! Is the verdict robust? The comparison rerun across the plausible range of each
//! assumption that decides it, on the same replications and seed (common random
//! numbers), and where the best option changes.
//!
//! Why rerun rather than reuse a sensitivity analysis: the question is not how much a
//! KPI moves but whether the *ranking of the options* survives, which needs every option
//! run at the same assumed value, paired, exactly as the main comparison.

use crate::compare::Arm;
use crate::engine::Options;
use crate::kpi::{Kpi, Kpis};
use crate::model::Model;
use crate::runner::{self, Stopped, Watch};
use crate::scenario::{Number, Scenario};
use crate::verdict::{self, Verdict};

/// The assumptions that decide a comparison whose options differ in the `changed`
/// keys, most decisive first: those behind the levers changed, then those behind the
/// headline outcomes; without repeats, and without keys the options themselves set
/// (those are what is compared, not an assumption all options share).
pub fn decisive_keys(changed: &[String]) -> Vec<&'static str> {
    use crate::scenario::levers::{assumptions_behind, lever};
    let from_levers = changed
        .iter()
        .filter_map(|k| lever(k))
        .flat_map(|l| l.assumptions.iter().copied());
    let from_outcomes = Kpi::headlines()
        .into_iter()
        .flat_map(|k| assumptions_behind(k).iter().copied());
    let mut out: Vec<&'static str> = Vec::new();
    for key in from_levers.chain(from_outcomes) {
        if !out.contains(&key) && !changed.iter().any(|c| c == key) {
            out.push(key);
        }
    }
    out
}

/// An assumption to vary, and the values to try.
#[derive(Clone, Debug, PartialEq)]
pub struct Assumption {
    /// Dotted scenario key ("support.supervision_effect").
    pub key: String,
    pub values: Vec<f64>,
}

/// `points` values evenly spaced from `low` to `high` inclusive (`points ≥ 2`); for an
/// integer key, rounded and without repeats.
pub fn grid(low: f64, high: f64, points: usize, integer: bool) -> Vec<f64> {
    let n = points.max(2);
    let mut values: Vec<f64> = (0..n)
        .map(|i| low + (high - low) * i as f64 / (n - 1) as f64)
        .map(|v| if integer { v.round() } else { v })
        .collect();
    values.dedup();
    values
}

/// The comparison at one value of one assumption.
#[derive(Clone, Debug)]
pub struct GridPoint {
    pub key: String,
    pub value: f64,
    /// The verdict on each headline KPI at this value (empty when `problem` is set).
    pub verdicts: Vec<Verdict>,
    /// Why the scenarios are invalid at this value (a cross-key rule), if they are.
    pub problem: Option<String>,
}

/// One option's KPIs per replication, held in memory.
struct MemoryArm<'a> {
    name: &'a str,
    kpis: Vec<Kpis>,
}

impl Arm for MemoryArm<'_> {
    fn name(&self) -> &str {
        self.name
    }
    fn kpi_values(&self, kpi: Kpi) -> Vec<Option<f64>> {
        self.kpis.iter().map(|k| k[kpi]).collect()
    }
}

/// How each grid point's options are run: replications, threads, and a hook applied
/// to each option's model before it runs (index, model), e.g. to give options their
/// own streams when the main comparison did.
pub struct Rerun<'a> {
    pub replications: u32,
    pub threads: usize,
    pub prepare: &'a (dyn Fn(usize, &mut Model) + Sync),
}

/// Reruns every option at every value of every assumption; the first scenario is the
/// baseline. Stops (and returns `Stopped`) if the watch's flag is set.
pub fn rerun(
    scenarios: &[Scenario],
    names: &[String],
    assumptions: &[Assumption],
    how: &Rerun,
    watch: Watch,
) -> Result<Vec<GridPoint>, Stopped> {
    let mut points = Vec::new();
    for a in assumptions {
        for &value in &a.values {
            let point = match models_at(scenarios, &a.key, value) {
                Err(problem) => GridPoint {
                    key: a.key.clone(),
                    value,
                    verdicts: Vec::new(),
                    problem: Some(problem),
                },
                Ok(mut models) => {
                    let mut arms = Vec::with_capacity(models.len());
                    for (i, (model, name)) in models.iter_mut().zip(names).enumerate() {
                        (how.prepare)(i, model);
                        // Only the KPIs are kept: a replication's weekly series are
                        // dropped as soon as it is done.
                        let mut kpis = Vec::with_capacity(how.replications as usize);
                        runner::run_each_prepared(
                            model,
                            (how.replications, how.threads, usize::MAX),
                            &Options::default(),
                            watch,
                            &|o| o.kpis,
                            &mut |k| {
                                kpis.push(k);
                                Ok::<(), Stopped>(())
                            },
                        )?;
                        arms.push(MemoryArm { name, kpis });
                    }
                    let pairs = verdict::pairwise(&arms);
                    GridPoint {
                        key: a.key.clone(),
                        value,
                        verdicts: verdict::verdicts(&arms, &pairs, &Kpi::headlines()),
                        problem: None,
                    }
                }
            };
            points.push(point);
        }
    }
    Ok(points)
}

/// Every scenario with `key` set to `value`, as models; or what makes them invalid.
fn models_at(scenarios: &[Scenario], key: &str, value: f64) -> Result<Vec<Model>, String> {
    scenarios
        .iter()
        .map(|s| {
            let mut s = s.clone();
            let number = match s.get_path(key) {
                Ok(Number::Int(_)) => Number::Int(value.round() as i64),
                _ => Number::Float(value),
            };
            s.set_path(key, number)
                .map_err(|e| format!("{key} = {value}: {e}"))?;
            Model::try_new(&s).map_err(|e| format!("{key} = {value}: {e}"))
        })
        .collect()
}

/// What the reruns say about one headline KPI's verdict under one assumption.
#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    pub key: String,
    pub kpi: Kpi,
    /// The values tried (valid ones only), lowest first, with the best option at each.
    pub best: Vec<(f64, Option<usize>)>,
    /// The main comparison's best option.
    pub main_best: Option<usize>,
}

impl Finding {
    /// The best option is the main verdict's at every value tried.
    pub fn holds(&self) -> bool {
        !self.best.is_empty() && self.best.iter().all(|&(_, b)| b == self.main_best)
    }

    /// Runs of consecutive values with the same best option: `(from, to, best)`.
    pub fn stretches(&self) -> Vec<(f64, f64, Option<usize>)> {
        let mut out: Vec<(f64, f64, Option<usize>)> = Vec::new();
        for &(v, b) in &self.best {
            match out.last_mut() {
                Some(last) if last.2 == b => last.1 = v,
                _ => out.push((v, v, b)),
            }
        }
        out
    }
}

/// One finding per (assumption, headline KPI of the main verdicts), in assumption
/// order then KPI order.
pub fn findings(main: &[Verdict], points: &[GridPoint]) -> Vec<Finding> {
    let mut keys: Vec<&str> = Vec::new();
    for p in points {
        if !keys.contains(&p.key.as_str()) {
            keys.push(&p.key);
        }
    }
    let mut out = Vec::new();
    for key in keys {
        for m in main {
            let mut best: Vec<(f64, Option<usize>)> = points
                .iter()
                .filter(|p| p.key == key && p.problem.is_none())
                .map(|p| {
                    let b = p
                        .verdicts
                        .iter()
                        .find(|v| v.kpi == m.kpi)
                        .and_then(|v| v.best);
                    (p.value, b)
                })
                .collect();
            best.sort_by(|a, b| a.0.total_cmp(&b.0));
            out.push(Finding {
                key: key.to_string(),
                kpi: m.kpi,
                best,
                main_best: m.best,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_changed_lever_puts_its_assumption_first_and_a_changed_assumption_is_not_varied() {
        let keys = decisive_keys(&["support.supervision_hours_per_month".to_string()]);
        assert_eq!(keys.first(), Some(&"support.supervision_effect"));
        let mut sorted = keys.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), keys.len(), "no repeats: {keys:?}");
        let both = decisive_keys(&[
            "support.supervision_hours_per_month".to_string(),
            "support.supervision_effect".to_string(),
        ]);
        assert!(!both.contains(&"support.supervision_effect"));
    }

    #[test]
    fn grids_span_the_range_evenly_and_integer_grids_do_not_repeat() {
        assert_eq!(grid(0.0, 1.0, 5, false), vec![0.0, 0.25, 0.5, 0.75, 1.0]);
        assert_eq!(grid(2.0, 4.0, 5, true), vec![2.0, 3.0, 4.0]);
    }

    #[test]
    fn a_finding_holds_only_when_every_value_keeps_the_main_best() {
        let f = Finding {
            key: "strain.alpha".into(),
            kpi: Kpi::Exits,
            best: vec![
                (0.02, Some(0)),
                (0.04, Some(0)),
                (0.06, Some(1)),
                (0.08, Some(1)),
            ],
            main_best: Some(1),
        };
        assert!(!f.holds());
        assert_eq!(
            f.stretches(),
            vec![(0.02, 0.04, Some(0)), (0.06, 0.08, Some(1))]
        );
        let all = Finding {
            best: vec![(0.02, Some(1)), (0.08, Some(1))],
            ..f
        };
        assert!(all.holds());
    }

    #[test]
    fn where_supervision_matters_the_supervised_option_keeps_more_staff_across_its_effect() {
        // Baseline without supervision against 4 h a month: at every supervision effect
        // above zero, the supervised option loses fewer staff; at zero effect it cannot
        // be clearly better (the options are then the same model, so every replication
        // ties and no option is clearly best).
        let mut base = Scenario::default();
        base.set_path("run.horizon_days", Number::Int(900)).unwrap();
        base.set_path("run.warmup_days", Number::Int(90)).unwrap();
        base.set_path("referrals.rate_per_week", Number::Float(18.0))
            .unwrap();
        base.set_path("support.supervision_hours_per_month", Number::Float(0.0))
            .unwrap();
        let mut supervised = base.clone();
        supervised
            .set_path("support.supervision_hours_per_month", Number::Float(4.0))
            .unwrap();
        let names = ["none".to_string(), "supervised".to_string()];
        let assumptions = [Assumption {
            key: "support.supervision_effect".into(),
            values: vec![0.0, 0.25, 0.5],
        }];
        let points = rerun(
            &[base, supervised],
            &names,
            &assumptions,
            &Rerun {
                replications: 30,
                threads: 2,
                prepare: &|_, _| {},
            },
            Watch::UNWATCHED,
        )
        .unwrap();
        assert_eq!(points.len(), 3);
        let exits = |p: &GridPoint| {
            p.verdicts
                .iter()
                .find(|v| v.kpi == Kpi::Exits)
                .unwrap()
                .clone()
        };
        assert!(!exits(&points[0]).clear, "no effect, no clear winner");
        for p in &points[1..] {
            let v = exits(p);
            assert_eq!((v.best, v.clear), (Some(1), true), "at {}", p.value);
        }
    }
}
