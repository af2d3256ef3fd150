//! A `posterior.csv` read back (for `run`/`compare --posterior`): the parameter paths,
//! each particle's values and weights, every cell checked with its file and line.

use std::path::Path;

use crate::commands::UsageError;
use crate::output::table::TableReader;
use crate::posterior::Posterior;

/// Reads a posterior written by `holdsim calibrate`: a `particle` column, one column
/// per parameter and `weight`. The file must be a regular file of at most 16 MiB
/// (`input::read_input_file`). Refuses (exit 2) a file without those columns, a cell
/// that is not a finite number, a negative weight, no particle or more than the
/// core's limit, or weights that do not sum to 1 (to within 10⁻⁶): each naming the
/// file and line.
pub fn read(path: &Path) -> anyhow::Result<Posterior> {
    let shown = format!("`{}`", path.display());
    let text = crate::input::read_input_file(path).map_err(|e| {
        anyhow::Error::new(UsageError(format!(
            "cannot read the posterior {shown}: {e}"
        )))
    })?;
    parse(&text, &shown)
}

/// As [`read`], for a posterior's text already in memory (an upload), `shown` naming
/// it in messages.
pub fn parse(text: &str, shown: &str) -> anyhow::Result<Posterior> {
    let shown = shown.to_string();
    let usage = |e: String| anyhow::Error::new(UsageError(e));
    let mut reader =
        TableReader::open(text.as_bytes(), shown.clone()).map_err(|e| usage(e.to_string()))?;
    reader.require(&["particle", "weight"]).map_err(|e| {
        usage(format!(
            "{e}; a posterior is the posterior.csv `holdsim calibrate` writes"
        ))
    })?;
    let paths: Vec<String> = reader
        .header()
        .iter()
        .filter(|c| *c != "particle" && *c != "weight")
        .cloned()
        .collect();
    let (mut values, mut weights) = (Vec::new(), Vec::new());
    while let Some(row) = reader.next_row().map_err(|e| usage(e.to_string()))? {
        if values.len() == holdsim_core::calibration::file::MAX_PARTICLES {
            return Err(usage(format!(
                "{shown}, line {}: more than {} particles; a calibration writes at most that many",
                row.line(),
                holdsim_core::calibration::file::MAX_PARTICLES
            )));
        }
        let number = |column: &str| -> anyhow::Result<f64> {
            match row.number(column) {
                Ok(Some(x)) if x.is_finite() => Ok(x),
                Ok(_) => Err(usage(format!(
                    "{shown}, line {}: `{column}` is empty",
                    row.line()
                ))),
                Err(e) => Err(usage(e.to_string())),
            }
        };
        let weight = number("weight")?;
        if weight < 0.0 {
            return Err(usage(format!(
                "{shown}, line {}: `weight` is negative ({weight})",
                row.line()
            )));
        }
        values.push(
            paths
                .iter()
                .map(|p| number(p))
                .collect::<anyhow::Result<Vec<f64>>>()?,
        );
        weights.push(weight);
    }
    let total: f64 = weights.iter().sum();
    if weights.is_empty() || (total - 1.0).abs() > 1e-6 {
        return Err(usage(format!(
            "{shown}: the weights of {} particle(s) sum to {total}, not 1; is it a posterior `holdsim calibrate` wrote?",
            weights.len()
        )));
    }
    Posterior::new(paths, values, weights).map_err(|e| usage(format!("{shown}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_text(text: &str) -> anyhow::Result<Posterior> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("posterior.csv");
        std::fs::write(&path, text).unwrap();
        read(&path)
    }

    #[test]
    fn a_posterior_reads_back_and_bad_ones_are_refused_with_their_line() {
        let p = read_text("particle,strain.alpha,weight\n0,0.04,0.25\n1,0.05,0.75\n").unwrap();
        assert_eq!(p.paths(), ["strain.alpha"]);
        assert_eq!(
            (p.values(0), p.values(1)),
            ([0.04].as_slice(), [0.05].as_slice())
        );
        assert_eq!(p.weights(), [0.25, 0.75]);
        let e = read_text("particle,strain.alpha,weight\n0,0.04,0.25\n1,x,0.75\n").unwrap_err();
        assert!(e.to_string().contains("line 3"), "{e}");
        let e = read_text("particle,strain.alpha,weight\n0,0.04,-0.25\n").unwrap_err();
        assert!(
            e.to_string().contains("line 2: `weight` is negative"),
            "{e}"
        );
        let e = read_text("particle,strain.alpha,weight\n0,0.04,0.5\n").unwrap_err();
        assert!(e.to_string().contains("sum to 0.5, not 1"), "{e}");
        let e = read_text("kpi,mean\nx,1\n").unwrap_err();
        assert!(e.to_string().contains("posterior.csv"), "{e}");
        assert_eq!(crate::error::exit_code(&e), 2);
    }
}
