//! `holdsim serve`: the commissioner's what-if tool in the browser (axum on a small
//! tokio runtime). One concept per module: [`routes`] (URLs, token, body limit),
//! [`api`] (the JSON API), [`jobs`] (the queue, the worker and the log of jobs under
//! `--data`), [`early`] (a job's main results before its files), [`two_runs`] (two
//! logged jobs side by side), [`pages`] (the HTML page and its embedded script and
//! styles) and [`bundled`] (the bundled scenarios and posted text loaded on top of them,
//! and the bundled literature posterior a job may draw its parameters from).
//!
//! Stopping the server (Ctrl-C, SIGTERM) goes through [`crate::output::interrupt`]
//! like every command: a job being written is removed, finished ones stay.

pub mod api;
pub mod bundled;
pub mod early;
pub mod jobs;
pub mod pages;
pub mod routes;
pub mod two_runs;

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

use crate::cli::ServeArgs;
use crate::commands::UsageError;

/// What every request handler shares.
#[derive(Clone)]
pub struct AppState {
    pub jobs: Arc<jobs::Jobs>,
    pub limits: api::Limits,
    pub token: Option<Arc<str>>,
}

/// `--data`'s default: `$XDG_DATA_HOME/holdsim`, else `~/.local/share/holdsim`.
fn default_data() -> PathBuf {
    if let Some(dir) = std::env::var_os("XDG_DATA_HOME").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir).join("holdsim");
    }
    let home = std::env::var_os("HOME").map_or_else(|| PathBuf::from("."), PathBuf::from);
    home.join(".local/share/holdsim")
}

/// Refuses a non-loopback address without `--token` or `--insecure`, and warns
/// loudly about `--insecure`.
fn check_exposure(bind: IpAddr, args: &ServeArgs) -> anyhow::Result<()> {
    if let Some(token) = &args.token
        && (token.len() < 8
            || !token
                .bytes()
                .all(|b| b.is_ascii_graphic() && b != b';' && b != b'&'))
    {
        return Err(UsageError(
            "--token must be at least 8 printable characters without spaces, `;` or `&`".into(),
        )
        .into());
    }
    if bind.is_loopback() || args.token.is_some() {
        return Ok(());
    }
    if !args.insecure {
        return Err(UsageError(format!(
            "binding to {bind} lets other machines use this server; give --token SECRET (sent as `Authorization: Bearer SECRET`, or once as ?token=SECRET), or --insecure if a proxy of yours guards it"
        ))
        .into());
    }
    eprintln!(
        "WARNING: --insecure: anyone who can reach {bind} can run jobs and read every job's results, with no token. Use it only behind a proxy that authenticates."
    );
    Ok(())
}

/// `holdsim serve`: opens the log under `--data`, starts the job worker, binds and
/// serves until the process is stopped.
pub fn serve(args: &ServeArgs) -> anyhow::Result<()> {
    check_exposure(args.bind, args)?;
    let data = args.data.clone().unwrap_or_else(default_data);
    let threads = crate::commands::threads(args.threads)?;
    let jobs = jobs::Jobs::start(&data, threads)?;
    let app = AppState {
        jobs,
        limits: api::Limits {
            max_replications: args.max_replications,
            max_site_days: args.max_site_days,
        },
        token: args.token.as_deref().map(Arc::from),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_io()
        .enable_time()
        .build()?;
    runtime.block_on(async move {
        let address = SocketAddr::new(args.bind, args.port);
        let listener = tokio::net::TcpListener::bind(address)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on {address}: {e}"))?;
        let bound = listener.local_addr()?;
        let host = match bound.ip() {
            IpAddr::V6(ip) => format!("[{ip}]"),
            IpAddr::V4(ip) => ip.to_string(),
        };
        println!(
            "holdsim serve: open http://{host}:{}/ (results in {}; Ctrl-C stops)",
            bound.port(),
            data.display()
        );
        axum::serve(listener, routes::router(app))
            .await
            .map_err(|e| anyhow::anyhow!("the server stopped: {e}"))
    })
}
