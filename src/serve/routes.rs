//! Which URL does what, and the checks every request passes first: the token (when
//! the server was started with one) and the body size limit.

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};

use super::{AppState, api, pages};

/// The largest request body: a scenario file is a few KB; seven of them, with room.
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

const COOKIE: &str = "holdsim_token";

/// Every route of the app.
pub fn router(app: AppState) -> Router {
    Router::new()
        .route("/", get(pages::index))
        .route("/app.js", get(pages::script))
        .route("/app.css", get(pages::style))
        .route("/api/jobs", post(api::post_job).get(api::list_jobs))
        .route(
            "/api/jobs/{id}",
            get(api::get_job)
                .delete(api::delete_job)
                .patch(api::rename_job),
        )
        .route("/api/jobs/{id}/cancel", post(api::cancel_job))
        .route("/api/jobs/{id}/main", get(api::main_results))
        .route("/api/jobs/{id}/files", get(api::list_files))
        .route("/api/jobs/{id}/files/{*name}", get(api::get_file))
        .route("/api/resolve", post(api::resolve))
        .route("/api/compare/{a}/{b}", get(api::compare_two))
        .layer(middleware::from_fn_with_state(app.clone(), authorise))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(app)
}

/// Compares without stopping at the first difference, so the time taken does not
/// tell an attacker how much of a guess was right.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// With a token: `Authorization: Bearer T`, or the cookie set by visiting once with
/// `?token=T` (which redirects to the same page without it). Without: everything.
async fn authorise(State(app): State<AppState>, request: Request, next: Next) -> Response {
    let Some(token) = app.token.as_deref() else {
        return next.run(request).await;
    };
    let headers = request.headers();
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let cookie = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| {
            c.trim()
                .strip_prefix(&format!("{COOKIE}="))
                .map(str::to_string)
        })
        .next();
    if bearer.is_some_and(|b| same(b, token)) || cookie.is_some_and(|c| same(&c, token)) {
        return next.run(request).await;
    }
    let query = request.uri().query().unwrap_or("");
    let given = query.split('&').find_map(|p| p.strip_prefix("token="));
    if given.is_some_and(|g| same(g, token)) {
        let mut response = Redirect::to(request.uri().path()).into_response();
        let cookie = format!("{COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/");
        if let Ok(v) = HeaderValue::from_str(&cookie) {
            response.headers_mut().insert(header::SET_COOKIE, v);
        }
        return response;
    }
    (
        StatusCode::UNAUTHORIZED,
        "this holdsim server needs its token: open the address with ?token=… once, or send `Authorization: Bearer …`\n",
    )
        .into_response()
}
