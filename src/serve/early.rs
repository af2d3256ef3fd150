//! A job's main results before its files: as soon as the replications are written,
//! the report page (verdict, counts and costs before → after with CIs, the KPI table
//! and every chart as SVG) is built in memory from the staging folder, so the page can
//! show the answer while the PNGs, the workbook and any robustness reruns follow.
//! The final `report.html` is built afterwards by `compare`'s own code, unchanged.

use std::path::Path;

use rayon::prelude::*;

use crate::plot::{Figure, Look};
use crate::report::Meta;
use crate::results::RunResults;

/// The report's words for "no reruns", and what they become while the reruns the job
/// asked for are still running (tests/serve.rs checks the early page says so).
const NOT_RERUN: [(&str, &str); 2] = [
    (
        "(robustness reruns skipped).",
        "(the reruns across them are still running: this page is replaced when they finish).",
    ),
    (
        "The comparison was not rerun across these assumptions (<code>--no-robustness</code>).",
        "The reruns across these assumptions are still running.",
    ),
];

/// The report page of the runs under `dir/scenarios/NAME/` (the baseline first),
/// without the robustness reruns, the PNGs or the workbook. `reruns_coming`: the job
/// asked for the robustness reruns, so the page says they are on their way.
pub fn report(
    dir: &Path,
    names: &[String],
    (seed, replications): (u64, u32),
    reruns_coming: bool,
) -> anyhow::Result<String> {
    let runs: Vec<RunResults> = names
        .par_iter()
        .map(|n| RunResults::load(&dir.join("scenarios").join(n)))
        .collect::<anyhow::Result<_>>()?;
    let runs = crate::results::distinct_titles(runs);
    let analysis = crate::analysis::analyse(&runs);
    let figures = svg_figures(&runs)?;
    let meta = Meta {
        created_utc: crate::output::utc_now(),
        seed: Some(seed),
        replications: Some(u64::from(replications)),
        streams: "common random numbers".into(),
        posterior: runs
            .first()
            .and_then(|r| crate::report::uncertainty::PosteriorMeta::from_manifest(&r.manifest)),
    };
    let mut html = crate::report::html(&runs, &analysis, None, &figures, &meta);
    if reruns_coming {
        for (skipped, coming) in NOT_RERUN {
            html = html.replace(skipped, coming);
        }
    }
    Ok(html)
}

/// The report's standard figures, drawn as SVG only (the PNGs are for slides and come
/// with the files).
fn svg_figures(runs: &[RunResults]) -> anyhow::Result<Vec<Figure>> {
    let mut plots = crate::plot::standard_plots(runs);
    for plot in &mut plots {
        plot.restyle(&Look::default())?;
    }
    plots
        .par_iter()
        .map(|p| {
            Ok(Figure {
                stem: p.stem.clone(),
                title: p.title.clone(),
                caption: p.caption.clone(),
                svg: p.svg()?,
            })
        })
        .collect()
}
