//! The project stands on its own documents: the generated parameter reference is
//! current, every document path and `§` section the code, the scenarios and the docs
//! name exists, and nothing cites a document that is not in the repository.

use std::fs;
use std::path::{Path, PathBuf};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every text file whose citations must resolve: sources, tests, benches, bundled
/// scenarios and experiments, and the documents themselves.
fn cited_from() -> Vec<PathBuf> {
    fn walk(dir: &Path, exts: &[&str], out: &mut Vec<PathBuf>) {
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        let mut entries: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(&p, exts, out);
            } else if p
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| exts.contains(&e))
            {
                out.push(p);
            }
        }
    }
    let r = root();
    let mut files = Vec::new();
    walk(&r.join("src"), &["rs"], &mut files);
    walk(&r.join("benches"), &["rs"], &mut files);
    walk(&r.join("scenarios"), &["toml"], &mut files);
    walk(&r.join("experiments"), &["toml"], &mut files);
    walk(&r.join("docs"), &["md"], &mut files);
    // Only the test sources, not the deliberately broken scenario corpora.
    for entry in fs::read_dir(r.join("tests")).unwrap() {
        let p = entry.unwrap().path();
        if p.extension().is_some_and(|e| e == "rs") {
            files.push(p);
        }
    }
    for f in [
        "README.md",
        "ARCHITECTURE.md",
        "Cargo.toml",
        "build.rs",
        "CITATION.cff",
    ] {
        if r.join(f).is_file() {
            files.push(r.join(f));
        }
    }
    files
}

fn rel(p: &Path) -> String {
    p.strip_prefix(root()).unwrap_or(p).display().to_string()
}

fn line_of(text: &str, at: usize) -> usize {
    text[..at].matches('\n').count() + 1
}

#[allow(non_snake_case)]
fn PATH_CHARS(c: char) -> bool {
    c.is_ascii_alphanumeric() || "_./-".contains(c)
}

/// Repository paths named in `text`: `docs/…`, `scenarios/….toml`, `experiments/…`,
/// `src/….rs`, `tests/….rs`, `benches/….rs`, `assets/…` and the top-level documents.
/// A path must start at a word boundary (so `results/x/scenarios/a.csv` is not one)
/// and end in a file extension (so `scenarios/NAME/` is a pattern, not a path).
fn paths_named(text: &str) -> Vec<(usize, String)> {
    const TOP: [&str; 6] = [
        "README.md",
        "ARCHITECTURE.md",
        "CITATION.cff",
        "LICENSE-MIT",
        "LICENSE-APACHE",
        "Cargo.toml",
    ];
    const DIRS: [&str; 7] = [
        "docs/",
        "scenarios/",
        "experiments/",
        "src/",
        "tests/",
        "benches/",
        "assets/",
    ];
    let mut out = Vec::new();
    for (at, _) in text.char_indices() {
        if text[..at].chars().next_back().is_some_and(PATH_CHARS) {
            continue;
        }
        let rest = &text[at..];
        if let Some(top) = TOP.iter().find(|t| rest.starts_with(**t)) {
            if !rest[top.len()..].starts_with(PATH_CHARS) || rest[top.len()..].starts_with('.') {
                out.push((at, top.to_string()));
            }
            continue;
        }
        let Some(dir) = DIRS.iter().find(|d| rest.starts_with(**d)) else {
            continue;
        };
        let end = rest.find(|c| !PATH_CHARS(c)).unwrap_or(rest.len());
        let path = rest[..end].trim_end_matches('.');
        let name = path.rsplit('/').next().unwrap_or("");
        let Some((_, ext)) = name.rsplit_once('.') else {
            continue;
        };
        let wanted: &[&str] = match *dir {
            // Inside a results folder, `scenarios/NAME/timeseries.csv` is output.
            "scenarios/" => &["toml"],
            "src/" | "tests/" | "benches/" => &["rs", "toml"],
            _ => &["md", "toml", "csv", "txt", "cff", "rs", "ttf"],
        };
        if wanted.contains(&ext) {
            out.push((at, path.to_string()));
        }
    }
    out
}

/// The `base = "…"` and `file = "…"` values of a scenario or experiment file, which
/// are relative to the file.
fn relative_files_named(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let t = line.trim_start();
        for key in ["base", "file"] {
            if let Some(v) = t.strip_prefix(key) {
                let v = v.trim_start();
                if let Some(v) = v.strip_prefix('=') {
                    let v = v.trim();
                    if let Some(s) = v.strip_prefix('"').and_then(|s| s.split('"').next()) {
                        out.push((offset, s.to_string()));
                    }
                }
            }
        }
        offset += line.len();
    }
    out
}

/// docs/model.md split into its numbered sections: (number, body).
fn model_sections() -> Vec<(u32, String)> {
    let text = fs::read_to_string(root().join("docs/model.md")).unwrap();
    let mut sections: Vec<(u32, String)> = Vec::new();
    for line in text.lines() {
        if let Some(h) = line.strip_prefix("### ")
            && let Some((n, _)) = h.split_once(". ")
            && let Ok(n) = n.parse()
        {
            sections.push((n, String::new()));
            continue;
        }
        if line.starts_with("## ") || line.starts_with("# ") {
            continue;
        }
        if let Some((_, body)) = sections.last_mut() {
            body.push_str(line);
            body.push('\n');
        }
    }
    sections
}

/// A `§` citation parsed: `§ 7`, `§ 7.10`, `§ 3 step 8`, `§ 9 item 5`, `§ 9, item 5`.
#[derive(Debug)]
struct Citation {
    section: u32,
    sub: Option<u32>,
    item: Option<u32>,
}

fn parse_citation(after: &str) -> Result<Citation, String> {
    let rest = after
        .strip_prefix(' ')
        .ok_or("`§` must be followed by a space and a section number of docs/model.md")?;
    let digits = |s: &str| -> (Option<u32>, usize) {
        let end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
        (s[..end].parse().ok(), end)
    };
    let (section, end) = digits(rest);
    let section = section.ok_or("`§ ` must be followed by a section number of docs/model.md")?;
    let mut rest = &rest[end..];
    let mut sub = None;
    if let Some(r) = rest.strip_prefix('.')
        && let (Some(n), end) = digits(r)
    {
        sub = Some(n);
        rest = &r[end..];
    }
    if rest.starts_with(|c: char| c.is_alphanumeric()) {
        return Err(format!(
            "`§ {section}{}` is not a section number of docs/model.md",
            rest.chars().next().unwrap()
        ));
    }
    let rest = rest.strip_prefix(',').unwrap_or(rest);
    let mut item = None;
    for word in [" step ", " steps ", " item ", " items "] {
        if let Some(r) = rest.strip_prefix(word) {
            item = digits(r).0;
        }
    }
    Ok(Citation { section, sub, item })
}

fn citation_problem(c: &Citation, sections: &[(u32, String)]) -> Option<String> {
    let Some((_, body)) = sections.iter().find(|(n, _)| *n == c.section) else {
        return Some(format!(
            "docs/model.md has no section {} (its sections: {})",
            c.section,
            sections
                .iter()
                .map(|(n, _)| n.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    };
    if let Some(sub) = c.sub
        && !body.contains(&format!("**{}.{sub} ", c.section))
    {
        return Some(format!(
            "docs/model.md § {} has no subsection {}.{sub}",
            c.section, c.section
        ));
    }
    if let Some(item) = c.item
        && !body
            .lines()
            .any(|l| l.trim_start().starts_with(&format!("{item}. ")))
    {
        return Some(format!(
            "docs/model.md § {} has no numbered step or item {item}",
            c.section
        ));
    }
    None
}

/// The committed `docs/parameters.md` is the text the registry generates, so a new
/// key, default or range cannot leave the reference behind.
#[test]
fn documents_that_do_not_exist_parameters_md_is_generated_from_the_registry() {
    let path = root().join(holdsim::docs::PARAMETERS_PATH);
    let want = holdsim::docs::parameters_markdown();
    if std::env::var_os("HOLDSIM_BLESS").is_some() {
        fs::write(&path, &want).unwrap();
        return;
    }
    let have = fs::read_to_string(&path).unwrap_or_default();
    if have != want {
        let line = have
            .lines()
            .zip(want.lines())
            .position(|(a, b)| a != b)
            .map_or(have.lines().count().min(want.lines().count()) + 1, |i| {
                i + 1
            });
        panic!(
            "{} is not the text the parameter registry generates (first difference at line {line}).\n\
             Regenerate it with: HOLDSIM_BLESS=1 cargo test --test tests project_documents",
            holdsim::docs::PARAMETERS_PATH
        );
    }
}

/// Every repository path and every `§` section named in the sources, tests, bundled
/// scenarios and experiments, README, ARCHITECTURE.md and docs exists.
#[test]
fn documents_that_do_not_exist_every_named_path_and_section_exists() {
    let sections = model_sections();
    assert!(
        sections.len() >= 11,
        "docs/model.md should have its numbered sections, found {}",
        sections.len()
    );
    let mut problems = Vec::new();
    for file in cited_from() {
        let text = fs::read_to_string(&file).unwrap();
        // This file spells out bad citations and patterns on purpose; the fuzz test
        // names files of the folders it generates, not of the repository.
        let checks_sections = !file.ends_with("tests/project_documents.rs");
        let checks_paths = checks_sections && !file.ends_with("tests/fuzz.rs");
        for (at, path) in paths_named(&text).into_iter().filter(|_| checks_paths) {
            if !root().join(&path).exists() {
                problems.push(format!(
                    "{}:{}: names `{path}`, which is not in the repository",
                    rel(&file),
                    line_of(&text, at)
                ));
            }
        }
        let in_inputs = ["scenarios", "experiments"]
            .iter()
            .any(|d| file.starts_with(root().join(d)));
        if in_inputs {
            for (at, name) in relative_files_named(&text) {
                if !file.parent().unwrap().join(&name).is_file() {
                    problems.push(format!(
                        "{}:{}: names `{name}` (relative to the file), which does not exist",
                        rel(&file),
                        line_of(&text, at)
                    ));
                }
            }
        }
        for (at, _) in text.match_indices('§').filter(|_| checks_sections) {
            let after = &text[at + '§'.len_utf8()..];
            let problem = match parse_citation(after) {
                Ok(c) => citation_problem(&c, &sections),
                Err(e) => Some(e),
            };
            if let Some(p) = problem {
                let shown: String = after.chars().take_while(|&c| c != '\n').take(16).collect();
                problems.push(format!(
                    "{}:{}: `§{shown}…`: {p}",
                    rel(&file),
                    line_of(&text, at)
                ));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} citation(s) name nothing in the repository (cite docs/model.md as `docs/model.md § N`, \
         `§ N.M`, `§ N step K` or `§ N item K`, and parameters as docs/parameters.md):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// Nothing cites the documents of another project: the reference model's own text,
/// its table of defaults, or a shared folder outside this repository.
#[test]
fn documents_that_do_not_exist_none_is_cited() {
    // Spelled in pieces so this file does not cite them itself.
    let forbidden = [
        ["MODEL", ".md"].concat(),
        ["DEFAULTS", ".md"].concat(),
        ["../", "shared"].concat(),
    ];
    let mut problems = Vec::new();
    for file in cited_from() {
        let text = fs::read_to_string(&file).unwrap();
        for word in &forbidden {
            for (at, _) in text.match_indices(word.as_str()) {
                problems.push(format!(
                    "{}:{}: cites `{word}`, which is not part of this repository",
                    rel(&file),
                    line_of(&text, at)
                ));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "cite docs/model.md (by its section numbers) or docs/parameters.md instead:\n{}",
        problems.join("\n")
    );
}

#[test]
fn citation_parser_reads_the_forms_in_use_and_rejects_others() {
    let sections = model_sections();
    for ok in [
        " 3 step 8",
        " 7.10)",
        " 9 item 5",
        " 9, item 5",
        " 8.",
        " 11",
    ] {
        let c = parse_citation(ok).unwrap();
        assert_eq!(citation_problem(&c, &sections), None, "{ok}");
    }
    for bad in ["3a.4", " 3a.4", " 7.12", " 12", " 3 step 9", " 9 item 11"] {
        let rejected = match parse_citation(bad) {
            Err(_) => true,
            Ok(c) => citation_problem(&c, &sections).is_some(),
        };
        assert!(rejected, "`§{bad}` should be refused");
    }
    let named: Vec<String> = paths_named(
        "see docs/model.md, README.md; results/x/scenarios/a.toml; scenarios/NAME/ and \
         scenarios/baseline.toml.",
    )
    .into_iter()
    .map(|(_, p)| p)
    .collect();
    assert_eq!(
        named,
        ["docs/model.md", "README.md", "scenarios/baseline.toml"]
    );
}

/// `Cargo.toml` says MIT OR Apache-2.0: both licence texts, the embedded font's
/// licence and a citation file that names this version are in the repository.
#[test]
fn documents_that_do_not_exist_licences_and_citation() {
    let r = root();
    let cargo = fs::read_to_string(r.join("Cargo.toml")).unwrap();
    assert!(cargo.contains("license = \"MIT OR Apache-2.0\""));
    let mit = fs::read_to_string(r.join("LICENSE-MIT")).expect("LICENSE-MIT");
    assert!(mit.contains("Permission is hereby granted, free of charge"));
    let apache = fs::read_to_string(r.join("LICENSE-APACHE")).expect("LICENSE-APACHE");
    assert!(apache.contains("Apache License") && apache.contains("Version 2.0, January 2004"));
    let font = fs::read_to_string(r.join("assets/fonts/LICENSE-DejaVu.txt")).unwrap();
    assert!(font.contains("Bitstream Vera Fonts Copyright"));
    let cff = fs::read_to_string(r.join("CITATION.cff")).expect("CITATION.cff");
    assert!(cff.contains("cff-version: 1.2.0"));
    assert!(
        cff.lines()
            .any(|l| l == format!("version: {}", env!("CARGO_PKG_VERSION"))),
        "CITATION.cff must give version {} (as Cargo.toml)",
        env!("CARGO_PKG_VERSION")
    );
}

/// A run's manifest records the holdsim version and, built from a git checkout, the
/// commit: the one checked out now, since the build script reruns when it changes.
#[test]
fn documents_that_do_not_exist_manifest_records_version_and_commit() {
    let dir = tempfile::tempdir().unwrap();
    let out = crate::util::holdsim(dir.path())
        .arg("run")
        .arg(root().join("scenarios/baseline.toml"))
        .args(["-n", "2", "--quiet", "--out", "r"])
        .args(["--set", "run.horizon_days=400"])
        .output()
        .unwrap();
    crate::util::assert_success(&out);
    let text = fs::read_to_string(dir.path().join("r/manifest.json")).unwrap();
    let manifest: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(manifest["holdsim_version"], env!("CARGO_PKG_VERSION"));
    let commit = &manifest["holdsim_commit"];
    assert_eq!(
        commit.as_str(),
        holdsim::build_info::commit(),
        "the binary and the library agree"
    );
    let head = std::process::Command::new("git")
        .arg("-C")
        .arg(root())
        .args(["rev-parse", "HEAD"])
        .output();
    let head = match head {
        Ok(o) if o.status.success() => String::from_utf8(o.stdout).unwrap().trim().to_string(),
        _ => {
            eprintln!("git or a git checkout is not available: the commit is not compared");
            assert!(commit.is_null() || commit.is_string());
            return;
        }
    };
    let commit = commit
        .as_str()
        .expect("built from a git checkout, the manifest names the commit");
    let hash = commit.strip_suffix("-dirty").unwrap_or(commit);
    assert!(
        hash.len() == 40 && hash.bytes().all(|b| b.is_ascii_hexdigit()),
        "{commit}"
    );
    assert_eq!(hash, head, "the manifest's commit is the one checked out");
}
