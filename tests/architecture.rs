//! The architecture the compiler cannot check alone: the core crate stays pure.
//!
//! `holdsim-core` is what the CLI, the web app and the Python package share; if it
//! pulled in a terminal, plotting, file-format or server crate, or touched a file, the
//! clock or the terminal, every front end would inherit it. Its manifest is the first
//! guard (the compiler refuses what is not a dependency); these tests keep the
//! dependency list and the source honest.

use std::path::Path;
use std::process::Command;

use crate::util::root;

/// Crates the core must never depend on, directly or through another crate.
const EXCLUDED: [&str; 14] = [
    "clap",
    "anyhow",
    "indicatif",
    "plotters",
    "parquet",
    "csv",
    "rust_xlsxwriter",
    "axum",
    "tokio",
    "hyper",
    "pyo3",
    "libc",
    "dejavu",
    "console",
];

#[test]
fn the_core_crate_depends_on_no_front_end_crate() {
    let out = Command::new(env!("CARGO"))
        .current_dir(root())
        .args([
            "tree",
            "-p",
            "holdsim-core",
            "-e",
            "normal",
            "--prefix",
            "none",
            "--offline",
        ])
        .output()
        .expect("cargo runs");
    let tree = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && tree.contains("holdsim-core"),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let crates: Vec<&str> = tree
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    for excluded in EXCLUDED {
        assert!(
            !crates.contains(&excluded),
            "holdsim-core depends on `{excluded}`:\n{tree}"
        );
    }
    // The check sees the crates it should: the core's own dependencies are listed.
    for expected in ["rand", "rayon", "toml", "serde"] {
        assert!(crates.contains(&expected), "`{expected}` missing:\n{tree}");
    }
}

/// What pure code must not name: files, the clock, the environment, processes,
/// sockets, standard streams.
const IMPURE: [&str; 11] = [
    "std::fs",
    "std::time",
    "std::env",
    "std::process",
    "std::net",
    "std::io::std",
    "println!",
    "eprintln!",
    "print!(",
    "dbg!(",
    "unsafe ",
];

#[test]
fn the_core_source_touches_no_file_clock_or_terminal() {
    let mut offences = Vec::new();
    let mut files = 0;
    visit(
        &root().join("crates/holdsim-core/src"),
        &mut |path, text| {
            files += 1;
            // Unit tests may print what they measured; the shipped code may not.
            let shipped = text.split("#[cfg(test)]").next().unwrap_or("");
            for (i, line) in shipped.lines().enumerate() {
                let code = line.split("//").next().unwrap_or("");
                for word in IMPURE {
                    if code.contains(word) {
                        offences.push(format!("{}:{}: {}", path.display(), i + 1, line.trim()));
                    }
                }
            }
        },
    );
    assert!(files > 20, "found only {files} core source files");
    assert!(
        offences.is_empty(),
        "impure code in the core:\n{}",
        offences.join("\n")
    );
}

fn visit(dir: &Path, f: &mut dyn FnMut(&Path, &str)) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            visit(&path, f);
        } else if path.extension().is_some_and(|e| e == "rs") {
            f(&path, &std::fs::read_to_string(&path).unwrap());
        }
    }
}
