//! The calibration's `report.html`, in the project's report style (the same head,
//! fonts, style sheet and figures as `run` and `compare`): what was fitted to what,
//! the posterior per parameter, the fit per target, the stages, the figures.

use std::fmt::Write;

use holdsim_core::calibration::posterior::{effective_size, marginal, predictive};
use holdsim_core::calibration::{Calibrator, Stage};

use crate::numbers::significant;
use crate::plot::Figure;
use crate::report::{escape, sections};

pub fn html(calibrator: &Calibrator, figures: &[Figure], wall_seconds: f64) -> String {
    let c = &calibrator.calibration;
    let particles = calibrator.posterior().unwrap_or_default();
    let mut h = crate::report::head(&c.title);
    let _ = writeln!(
        h,
        "<h1>{}</h1>\n<p class=\"subtitle\">Calibration of {} parameter{} to {} observed figure{} (<code>{}</code>): history matching, then ABC population Monte Carlo; see docs/calibration.md.</p>",
        escape(&c.title),
        c.parameters.len(),
        if c.parameters.len() == 1 { "" } else { "s" },
        c.targets.len(),
        if c.targets.len() == 1 { "" } else { "s" },
        escape(&c.path.display().to_string())
    );
    h.push_str("<h2>Parameters</h2>\n<p class=\"note\">Uniform priors. A 90% interval that keeps most of the prior's width means the targets say little about that parameter: its value still rests on the assumption, not on these data.</p>\n<table>\n<thead><tr><th>parameter</th><th>prior</th><th>posterior median</th><th>90% interval</th><th>share of the prior's width</th></tr></thead>\n<tbody>\n");
    for (i, p) in c.parameters.iter().enumerate() {
        let (median, low, high) = marginal(particles, i);
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>[{}, {}]{}</td><td>{}</td><td>[{}, {}]</td><td>{:.0}%</td></tr>",
            escape(&p.path),
            significant(p.min),
            significant(p.max),
            if p.from_registry {
                " (plausible range)"
            } else {
                ""
            },
            significant(median),
            significant(low),
            significant(high),
            100.0 * (high - low) / (p.max - p.min)
        );
    }
    h.push_str("</tbody>\n</table>\n");
    targets_table(&mut h, calibrator);
    stages_table(&mut h, calibrator);
    h.push_str(&sections::figures(figures));
    let _ = writeln!(
        h,
        "<h2>About this calibration</h2>\n<p class=\"note\">{} parameter points simulated, {} replications each, seed {}, {} particles; {:.1} s. Implausibility cut-off {}; model discrepancy sd {}% of each observed value unless a target gives its own.</p>\n</body>\n</html>",
        calibrator.simulations(),
        c.settings.replications,
        c.settings.seed,
        particles.len(),
        wall_seconds,
        c.settings.cutoff,
        100.0 * c.settings.discrepancy
    );
    h
}

fn targets_table(h: &mut String, calibrator: &Calibrator) {
    let c = &calibrator.calibration;
    let particles = calibrator.posterior().unwrap_or_default();
    h.push_str("<h2>Targets</h2>\n<p class=\"note\">The posterior predictive interval covers parameter uncertainty and the observation and discrepancy noise. Implausibility: the distance of the predictive mean from the observed value in standard deviations; above the cut-off the model cannot reproduce the figure.</p>\n<table>\n<thead><tr><th>target</th><th>observed (sd)</th><th>posterior predictive mean</th><th>95% interval</th><th>implausibility</th><th class=\"words\">source</th></tr></thead>\n<tbody>\n");
    for (i, t) in c.targets.iter().enumerate() {
        let p = predictive(particles, t, i);
        let _ = writeln!(
            h,
            "<tr><td>{} <span class=\"note\">({})</span></td><td>{} ({})</td><td>{}</td><td>[{}, {}]</td><td>{:.2}</td><td class=\"words\">{}</td></tr>",
            escape(t.kpi.label()),
            escape(&c.scenarios[t.scenario].0),
            significant(t.value),
            significant(t.sd),
            significant(p.mean),
            significant(p.low),
            significant(p.high),
            p.implausibility,
            escape(&t.source)
        );
    }
    h.push_str("</tbody>\n</table>\n");
}

fn stages_table(h: &mut String, calibrator: &Calibrator) {
    let cutoff = calibrator.calibration.settings.cutoff;
    h.push_str("<h2>Stages</h2>\n<table>\n<thead><tr><th>stage</th><th>points simulated</th><th>kept</th><th>ABC tolerance</th><th>effective sample size</th></tr></thead>\n<tbody>\n");
    for stage in &calibrator.stages {
        let _ = match stage {
            Stage::Wave(w) => writeln!(
                h,
                "<tr><td>history-matching wave {}</td><td>{}</td><td>{} ({:.0}%)</td><td></td><td></td></tr>",
                w.wave,
                w.points.len(),
                w.kept(cutoff).count(),
                100.0 * w.kept(cutoff).count() as f64 / w.points.len() as f64
            ),
            Stage::Generation(g) => {
                let weights: Vec<f64> = g.particles.iter().map(|p| p.weight).collect();
                writeln!(
                    h,
                    "<tr><td>ABC generation {}</td><td>{}</td><td>{}</td><td>{:.3}</td><td>{:.0}</td></tr>",
                    g.generation,
                    g.simulations,
                    g.particles.len(),
                    g.tolerance,
                    effective_size(&weights)
                )
            }
        };
    }
    h.push_str("</tbody>\n</table>\n");
}
