//! The routes, the pages (maud templates: every interpolated value is escaped) and the actions.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{OriginalUri, Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse as _, Response};
use axum::routing::{get, post};
use http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use maud::{DOCTYPE, Markup, html};

use super::auth::Token;
use super::rows::{Overview, Rows};
use crate::dead_letter::JsonLinesSink;
use crate::inbox::{Filter, InboxError, RowDetail, RowSummary, State as RowState};

/// What every handler shares.
pub(crate) struct Shared {
    pub(crate) token: Token,
    pub(crate) rows: Option<Arc<dyn Rows>>,
    pub(crate) sink: Option<Arc<JsonLinesSink>>,
}

type Console = State<Arc<Shared>>;

const STYLESHEET: &str = include_str!("console.css");
/// No script, no inline style, no frames; forms post only to the console's own origin.
const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; \
                   form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
/// Rows a listing shows at once.
const PAGE: u32 = 50;
/// Rows re-driven per statement by "re-drive all matching" (short transactions).
const REDRIVE_BATCH: u32 = 1_000;
/// The largest form accepted (a page's selection of row ids).
const FORM_LIMIT: usize = 64 * 1024;
/// The most of a body a delivery's page shows.
const BODY_SHOWN: usize = 256 * 1024;

pub(crate) fn router<S: Clone + Send + Sync + 'static>(shared: Arc<Shared>) -> Router<S> {
    Router::new()
        .route("/", get(overview))
        .route("/deliveries", get(deliveries))
        .route("/deliveries/{row}", get(delivery))
        .route("/deliveries/{row}/redrive", post(redrive_one))
        .route("/redrive", post(redrive_many))
        .route("/purge", post(purge))
        .route("/dead-letters", get(dead_letters))
        .route("/console.css", get(stylesheet))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(shared.clone(), guard))
        .with_state(shared)
}

/// Credentials first, on every path (the stylesheet and unknown paths too); then, for a
/// `POST`, the same origin; and on every response the headers that keep the page to itself.
async fn guard(State(shared): Console, request: Request, next: Next) -> Response {
    let authorized = request
        .headers()
        .get_all(header::AUTHORIZATION)
        .iter()
        .any(|value| shared.token.accepts(value.as_bytes()));
    let mut response = if !authorized {
        let mut response = refusal(StatusCode::UNAUTHORIZED, "credentials required");
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"webhook-guard admin\", charset=\"UTF-8\""),
        );
        response
    } else if request.method() == Method::POST && cross_site(request.headers()) {
        refusal(StatusCode::FORBIDDEN, "cross-site request refused")
    } else {
        next.run(request).await
    };
    let headers = response.headers_mut();
    for (name, value) in [
        (header::CONTENT_SECURITY_POLICY, CSP),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        // Not `no-referrer`: under it, browsers send `Origin: null` with the console's own
        // forms, which the origin check refuses. `same-origin` keeps the console's URLs (row
        // ids, filters) from other sites all the same.
        (header::REFERRER_POLICY, "same-origin"),
        (header::CACHE_CONTROL, "no-store"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

/// Whether a `POST` came from another site: `Sec-Fetch-Site` says so (browsers send it), or
/// `Origin` names another host than `Host`. Neither header (a script, `curl`): the CSRF token
/// decides.
fn cross_site(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site")
        && !matches!(site.as_bytes(), b"same-origin" | b"none")
    {
        return true;
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        return false;
    };
    let host = headers.get(header::HOST).map(HeaderValue::as_bytes);
    let origin_host = origin
        .to_str()
        .ok()
        .and_then(|origin| origin.split_once("://"))
        .map(|(_, host)| host.as_bytes());
    origin_host.is_none() || origin_host != host
}

/// A short plain-text refusal: status and reason.
fn refusal(status: StatusCode, reason: &'static str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        reason,
    )
        .into_response()
}

fn page(status: StatusCode, markup: Markup) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        markup.into_string(),
    )
        .into_response()
}

fn see_other(location: &str) -> Response {
    match HeaderValue::from_str(location) {
        Ok(location) => (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response(),
        Err(_) => refusal(StatusCode::BAD_REQUEST, "unusable path"),
    }
}

async fn stylesheet() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        STYLESHEET,
    )
        .into_response()
}

async fn not_found() -> Response {
    refusal(StatusCode::NOT_FOUND, "no such page")
}

/// The path the console is mounted under ("" at the root), from the path the request came in
/// on: the links work under any `nest`.
fn base(request: &Request) -> String {
    let inner = request.uri().path();
    let outer = request
        .extensions()
        .get::<OriginalUri>()
        .map_or(inner, |original| original.path());
    outer
        .strip_suffix(inner)
        .unwrap_or_else(|| outer.trim_end_matches('/'))
        .to_owned()
}

/// The query string's pairs.
fn query(request: &Request) -> Vec<(String, String)> {
    form_urlencoded::parse(request.uri().query().unwrap_or_default().as_bytes())
        .into_owned()
        .collect()
}

fn value<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(key, value)| key == name && !value.trim().is_empty())
        .map(|(_, value)| value.trim())
}

/// `path` under the mount path `base`. The overview is the mount path itself (`/admin`, not
/// `/admin/`: axum's `nest` routes only the former into the console).
fn href(base: &str, path: &str) -> String {
    match path.strip_prefix('/') {
        Some("") if !base.is_empty() => base.to_owned(),
        Some(rest) if rest.starts_with('?') && !base.is_empty() => format!("{base}{rest}"),
        _ => format!("{base}{path}"),
    }
}

/// What a page is rendered with.
struct Context<'a> {
    base: String,
    csrf: &'a str,
    has_inbox: bool,
    has_sink: bool,
}

impl<'a> Context<'a> {
    fn new(shared: &'a Shared, request: &Request) -> Self {
        Self {
            base: base(request),
            csrf: shared.token.csrf(),
            has_inbox: shared.rows.is_some(),
            has_sink: shared.sink.is_some(),
        }
    }

    fn href(&self, path: &str) -> String {
        href(&self.base, path)
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Nav {
    Overview,
    Deliveries,
    DeadLetters,
}

fn layout(
    context: &Context<'_>,
    nav: Nav,
    title: &str,
    notice: Option<String>,
    content: Markup,
) -> Markup {
    let link = |target: Nav, path: &str, label: &str| {
        html! { a class=[(nav == target).then_some("active")] href=(context.href(path)) { (label) } }
    };
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · webhook-guard" }
                link rel="stylesheet" href=(context.href("/console.css"));
            }
            body {
                header {
                    strong { "webhook-guard" }
                    (link(Nav::Overview, "/", "Overview"))
                    @if context.has_inbox { (link(Nav::Deliveries, "/deliveries", "Deliveries")) }
                    @if context.has_sink { (link(Nav::DeadLetters, "/dead-letters", "Dead letters")) }
                }
                main {
                    @if let Some(notice) = notice { p.notice role="status" { (notice) } }
                    (content)
                }
            }
        }
    }
}

/// The page for an inbox that did not answer. Its error is logged, not shown: a database's
/// message may name hosts or users.
fn unavailable(context: &Context<'_>, error: &InboxError) -> Response {
    tracing::warn!(%error, "admin console: the inbox did not answer");
    page(
        StatusCode::SERVICE_UNAVAILABLE,
        layout(
            context,
            Nav::Overview,
            "Unavailable",
            None,
            html! { p.error { "The inbox's database did not answer; see the service's logs." } },
        ),
    )
}

/// A confirmation from an action's redirect: a fixed sentence and a number, never text from
/// the query (a link could otherwise put words on the console's page).
fn notice(pairs: &[(String, String)]) -> Option<String> {
    let count: u64 = value(pairs, "n")?.parse().ok()?;
    let noun = |one: &str, many: &str| {
        if count == 1 {
            one.to_owned()
        } else {
            many.to_owned()
        }
    };
    match value(pairs, "done")? {
        "redriven" => Some(format!(
            "{count} {} re-driven",
            noun("delivery", "deliveries")
        )),
        "purged" => Some(format!("{count} handled {} purged", noun("row", "rows"))),
        _ => None,
    }
}

fn millis_text(ms: i64) -> String {
    let seconds = ms.div_euclid(1000);
    let fraction = ms.rem_euclid(1000);
    let text = crate::time::format_rfc3339(seconds);
    format!("{}.{fraction:03}Z", text.trim_end_matches('Z'))
}

/// A skew between the signed time and the reception, said the way round it is.
fn skew_text(skew_ms: i64) -> String {
    if skew_ms >= 0 {
        format!("{} after it was signed", age_text(skew_ms))
    } else {
        format!(
            "{} before its signed time: the sender's clock is ahead",
            age_text(-skew_ms)
        )
    }
}

fn age_text(ms: i64) -> String {
    let seconds = ms.max(0) / 1000;
    match seconds {
        0..60 => format!("{seconds}s"),
        60..3600 => format!("{}m {}s", seconds / 60, seconds % 60),
        3600..86_400 => format!("{}h {}m", seconds / 3600, seconds % 3600 / 60),
        _ => format!("{}d {}h", seconds / 86_400, seconds % 86_400 / 3600),
    }
}

fn state_cell(state: RowState) -> Markup {
    html! { span class=(format!("state state-{}", state.as_str())) { (state.as_str()) } }
}

/// Header names whose values are credentials or signatures: shown as `[redacted]`. Matched
/// broadly (a stray redacted header costs nothing; a shown secret does).
fn secret_header(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    [
        "sig",
        "hmac",
        "auth",
        "token",
        "secret",
        "key",
        "cookie",
        "password",
        "credential",
    ]
    .iter()
    .any(|part| name.contains(part))
}

fn headers_table(headers: &[(String, String)]) -> Markup {
    html! {
        table {
            tr { th { "Header" } th { "Value" } }
            @for (name, value) in headers {
                tr {
                    td.mono { (name) }
                    @if secret_header(name) {
                        td.redacted { "[redacted]" }
                    } @else {
                        td.mono { (value) }
                    }
                }
            }
        }
    }
}

/// The body as text: pretty-printed when it is JSON, else as UTF-8 (lossy), at most
/// [`BODY_SHOWN`] bytes. The template escapes it.
fn body_text(body: &[u8]) -> (String, bool) {
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(body)
        && let Ok(mut pretty) = serde_json::to_string_pretty(&value)
    {
        let clipped = pretty.len() > BODY_SHOWN;
        if clipped {
            let mut end = BODY_SHOWN;
            while !pretty.is_char_boundary(end) {
                end -= 1;
            }
            pretty.truncate(end);
        }
        return (pretty, clipped);
    }
    let shown = &body[..body.len().min(BODY_SHOWN)];
    (
        String::from_utf8_lossy(shown).into_owned(),
        shown.len() < body.len(),
    )
}

// --- the overview ---

async fn overview(State(shared): Console, request: Request) -> Response {
    let context = Context::new(&shared, &request);
    let notice = notice(&query(&request));
    let overview = match &shared.rows {
        Some(rows) => match rows.overview().await {
            Ok(overview) => Some(overview),
            Err(error) => return unavailable(&context, &error),
        },
        None => None,
    };
    let letters = shared.sink.as_ref().map(|sink| read_sink(sink));
    let content = html! {
        h1 { "Overview" }
        @if let Some(overview) = &overview { (overview_inbox(&context, overview)) }
        @if let Some(letters) = &letters {
            h2 { "Dead letters" }
            @match letters {
                Ok(letters) => {
                    p {
                        a href=(context.href("/dead-letters")) {
                            (letters.iter().filter(|(_, pending)| *pending).count())
                            " not re-driven"
                        }
                        ", " (letters.len()) " stored"
                    }
                }
                Err(error) => p.error { "The dead letters could not be read: " (error) }
            }
        }
        @if overview.is_none() && letters.is_none() {
            p.muted { "No inbox and no dead-letter sink configured." }
        }
    };
    page(
        StatusCode::OK,
        layout(&context, Nav::Overview, "Overview", notice, content),
    )
}

fn overview_inbox(context: &Context<'_>, overview: &Overview) -> Markup {
    let stats = &overview.stats;
    let card = |state: RowState, count: u64| {
        html! {
            a.card href=(context.href(&format!("/deliveries?state={}", state.as_str()))) {
                div.n { (count) }
                div.l { (state_cell(state)) }
            }
        }
    };
    html! {
        div.cards {
            (card(RowState::Pending, stats.pending))
            (card(RowState::Running, stats.running))
            (card(RowState::Done, stats.done))
            (card(RowState::Dead, stats.dead))
            div.card {
                div.n { (stats.oldest_pending_ms.map_or_else(|| "–".to_owned(), age_text)) }
                div.l { "oldest pending" }
            }
        }
        h2 { "Last hour, per minute" }
        (chart(&overview.per_minute))
        h2 { "By provider" }
        @if overview.by_scheme.is_empty() {
            p.muted { "Nothing pending, running or dead." }
        } @else {
            table {
                tr { th { "Provider" } th.num { "pending" } th.num { "running" } th.num { "dead" } }
                @for counts in &overview.by_scheme {
                    tr {
                        td { a href=(context.href(&format!("/deliveries?scheme={}", encode(&counts.scheme)))) { (counts.scheme) } }
                        td.num { (counts.pending) }
                        td.num { (counts.running) }
                        td.num {
                            @if counts.dead > 0 {
                                a href=(context.href(&format!("/deliveries?state=dead&scheme={}", encode(&counts.scheme)))) { (counts.dead) }
                            } @else { "0" }
                        }
                    }
                }
            }
        }
        form.actions method="post" action=(context.href("/purge")) {
            input type="hidden" name="csrf" value=(context.csrf);
            label { "Purge handled rows older than " input type="number" name="days" value="7" min="0" max="3650" size="4"; " days" }
            button.danger type="submit" { "Purge" }
        }
    }
}

/// Four lines, acknowledged, handled, failed and dead per minute, in an inline SVG (no script,
/// no image).
fn chart(minutes: &[crate::admin::MinuteCounts]) -> Markup {
    const WIDTH: i64 = 720;
    const HEIGHT: i64 = 160;
    const PAD: i64 = 24;
    let top = minutes
        .iter()
        .map(|minute| {
            minute
                .acknowledged
                .max(minute.handled)
                .max(minute.failed)
                .max(minute.dead)
        })
        .max()
        .unwrap_or(0)
        .max(1);
    let points = |pick: fn(&crate::admin::MinuteCounts) -> u64| {
        let step = (WIDTH - 2 * PAD) / i64::try_from(minutes.len().max(2) - 1).unwrap_or(1);
        minutes
            .iter()
            .enumerate()
            .map(|(i, minute)| {
                let x = PAD + i64::try_from(i).unwrap_or(0) * step;
                let value = i64::try_from(pick(minute)).unwrap_or(i64::MAX);
                let top = i64::try_from(top).unwrap_or(i64::MAX);
                let y = HEIGHT - PAD - value.saturating_mul(HEIGHT - 2 * PAD) / top;
                format!("{x},{y}")
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    html! {
        svg.chart xmlns="http://www.w3.org/2000/svg" width=(WIDTH) height=(HEIGHT) viewBox=(format!("0 0 {WIDTH} {HEIGHT}")) role="img" aria-label="deliveries per minute, last hour" {
            line.axis x1=(PAD) y1=(HEIGHT - PAD) x2=(WIDTH - PAD) y2=(HEIGHT - PAD) {}
            line.axis x1=(PAD) y1=(PAD) x2=(PAD) y2=(HEIGHT - PAD) {}
            text x="2" y=(PAD) { (top) }
            text x=(PAD) y=(HEIGHT - 6) { "−60 min" }
            text x=(WIDTH - PAD - 24) y=(HEIGHT - 6) { "now" }
            polyline.acknowledged points=(points(|minute| minute.acknowledged)) {}
            polyline.handled points=(points(|minute| minute.handled)) {}
            polyline.failed points=(points(|minute| minute.failed)) {}
            polyline.dead points=(points(|minute| minute.dead)) {}
        }
        p.legend {
            span.acknowledged { "— acknowledged " (minutes.iter().map(|m| m.acknowledged).sum::<u64>()) }
            span.handled { "— handled " (minutes.iter().map(|m| m.handled).sum::<u64>()) }
            span.failed { "— failed " (minutes.iter().map(|m| m.failed).sum::<u64>()) }
            span.dead { "— dead " (minutes.iter().map(|m| m.dead).sum::<u64>()) }
        }
    }
}

fn encode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

// --- the deliveries ---

/// The listing's filter from the query; a precise refusal for a value it cannot use.
fn filter_from(pairs: &[(String, String)]) -> Result<Filter, &'static str> {
    let mut filter = Filter::default().limit(PAGE);
    if let Some(state) = value(pairs, "state") {
        filter = filter.state(match state {
            "pending" => RowState::Pending,
            "running" => RowState::Running,
            "done" => RowState::Done,
            "dead" => RowState::Dead,
            _ => return Err("unknown state: use pending, running, done or dead"),
        });
    }
    if let Some(scheme) = value(pairs, "scheme") {
        filter = filter.scheme(scheme);
    }
    if let Some(id) = value(pairs, "id") {
        filter = filter.delivery_id(id);
    }
    if let Some(text) = value(pairs, "text") {
        filter = filter.body_contains(text);
    }
    if let Some(before) = value(pairs, "before") {
        filter = filter.before(before.parse().map_err(|_| "before: not a row id")?);
    }
    Ok(filter)
}

/// The filter as a query string (without `before`), for links and the next page.
fn filter_query(filter: &Filter) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    if let Some(state) = filter.state {
        query.append_pair("state", state.as_str());
    }
    if let Some(scheme) = &filter.scheme {
        query.append_pair("scheme", scheme);
    }
    if let Some(id) = &filter.delivery_id {
        query.append_pair("id", id);
    }
    if let Some(text) = &filter.body_contains {
        query.append_pair("text", text);
    }
    query.finish()
}

async fn deliveries(State(shared): Console, request: Request) -> Response {
    let context = Context::new(&shared, &request);
    let Some(rows) = &shared.rows else {
        return refusal(StatusCode::NOT_FOUND, "no inbox configured");
    };
    let pairs = query(&request);
    let filter = match filter_from(&pairs) {
        Ok(filter) => filter,
        Err(reason) => return refusal(StatusCode::BAD_REQUEST, reason),
    };
    let listed = match rows.list(&filter).await {
        Ok(listed) => listed,
        Err(error) => return unavailable(&context, &error),
    };
    let query = filter_query(&filter);
    let next = (listed.len() == PAGE as usize)
        .then(|| listed.last().map(|row| row.row_id))
        .flatten();
    let selected_state = filter.state.map(RowState::as_str).unwrap_or_default();
    let content = html! {
        h1 { "Deliveries" }
        form.filter method="get" action=(context.href("/deliveries")) {
            label { "State"
                select name="state" {
                    option value="" selected[selected_state.is_empty()] { "any" }
                    @for state in ["pending", "running", "done", "dead"] {
                        option value=(state) selected[selected_state == state] { (state) }
                    }
                }
            }
            label { "Provider" input type="text" name="scheme" value=[filter.scheme.as_deref()] placeholder="github"; }
            label { "Delivery id" input type="text" name="id" value=[filter.delivery_id.as_deref()]; }
            label title=(format!("searched in the newest {} rows", crate::inbox::TEXT_SEARCH_ROWS)) {
                "Text in the body" input type="text" name="text" value=[filter.body_contains.as_deref()];
            }
            button type="submit" { "Filter" }
            a href=(context.href("/deliveries")) { "clear" }
        }
        form method="post" action=(context.href("/redrive")) {
            input type="hidden" name="csrf" value=(context.csrf);
            @if let Some(state) = filter.state { input type="hidden" name="state" value=(state.as_str()); }
            @if let Some(scheme) = &filter.scheme { input type="hidden" name="scheme" value=(scheme); }
            @if let Some(id) = &filter.delivery_id { input type="hidden" name="id" value=(id); }
            @if let Some(text) = &filter.body_contains { input type="hidden" name="text" value=(text); }
            div.actions {
                button type="submit" name="selected" value="1" { "Re-drive selected" }
                @if matches!(filter.state, None | Some(RowState::Dead)) {
                    button.danger type="submit" name="all" value="1" { "Re-drive all dead matching the filter" }
                }
                span.muted { (listed.len()) " shown, newest first" }
            }
            @if listed.is_empty() {
                p.muted { "No delivery matches." }
            } @else {
                table {
                    tr {
                        th { "" } th.num { "Row" } th { "Provider" } th { "Delivery id" } th { "Event" }
                        th { "State" } th.num { "Attempts" } th { "Received" } th { "Last error" } th { "" }
                    }
                    @for row in &listed { (delivery_row(&context, row)) }
                }
            }
        }
        @if let Some(before) = next {
            p { a href=(context.href(&format!("/deliveries?{query}{}before={before}", if query.is_empty() { "" } else { "&" }))) { "Older →" } }
        }
    };
    page(
        StatusCode::OK,
        layout(
            &context,
            Nav::Deliveries,
            "Deliveries",
            notice(&pairs),
            content,
        ),
    )
}

fn delivery_row(context: &Context<'_>, row: &RowSummary) -> Markup {
    let href = context.href(&format!("/deliveries/{}", row.row_id));
    html! {
        tr {
            td { @if row.state == RowState::Dead { input type="checkbox" name="row" value=(row.row_id) aria-label="select"; } }
            td.num { a href=(href) { (row.row_id) } }
            td { (row.scheme) }
            td.mono { a.delivery-id href=(href) { (row.delivery_id) } }
            td { (row.event_type.as_deref().unwrap_or("")) }
            td { (state_cell(row.state)) }
            td.num { (row.attempts) }
            td { (millis_text(row.received_at_ms)) }
            td { (row.last_error.as_deref().map(|error| clip(error, 120)).unwrap_or_default()) }
            td {
                @if row.state == RowState::Dead {
                    button type="submit" formaction=(context.href(&format!("/deliveries/{}/redrive", row.row_id))) { "Redrive" }
                }
            }
        }
    }
}

fn clip(text: &str, chars: usize) -> String {
    match text.char_indices().nth(chars) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}

/// The row id of a path segment.
fn row_id(request: &Request) -> Option<i64> {
    request
        .uri()
        .path()
        .trim_start_matches("/deliveries/")
        .split('/')
        .next()?
        .parse()
        .ok()
}

async fn delivery(State(shared): Console, request: Request) -> Response {
    let context = Context::new(&shared, &request);
    let Some(rows) = &shared.rows else {
        return refusal(StatusCode::NOT_FOUND, "no inbox configured");
    };
    let Some(row_id) = row_id(&request) else {
        return refusal(StatusCode::BAD_REQUEST, "not a row id");
    };
    let detail = match rows.show(row_id).await {
        Ok(Some(detail)) => detail,
        Ok(None) => return refusal(StatusCode::NOT_FOUND, "no such row"),
        Err(error) => return unavailable(&context, &error),
    };
    let title = format!("Delivery {}", detail.summary.delivery_id);
    let content = delivery_page(&context, &detail);
    page(
        StatusCode::OK,
        layout(
            &context,
            Nav::Deliveries,
            &title,
            notice(&query(&request)),
            content,
        ),
    )
}

fn delivery_page(context: &Context<'_>, detail: &RowDetail) -> Markup {
    let row = &detail.summary;
    let (body, clipped) = body_text(&detail.body);
    html! {
        h1 { "Delivery " span.mono { (row.delivery_id) } }
        @if row.state == RowState::Dead {
            form.actions method="post" action=(context.href(&format!("/deliveries/{}/redrive", row.row_id))) {
                input type="hidden" name="csrf" value=(context.csrf);
                button type="submit" { "Redrive" }
            }
        }
        dl.facts {
            dt { "Row" } dd { (row.row_id) }
            dt { "Provider (scheme)" } dd { (row.scheme) }
            dt { "Tenant" } dd { (row.tenant.as_deref().unwrap_or("–")) }
            dt { "Event type" } dd { (row.event_type.as_deref().unwrap_or("–")) }
            dt { "State" } dd { (state_cell(row.state)) }
            dt { "Attempts" } dd { (row.attempts) }
            dt { "Last error" } dd.mono { (row.last_error.as_deref().unwrap_or("–")) }
            dt { "Received (acknowledged)" } dd { (millis_text(row.received_at_ms)) }
            dt { (match row.state { RowState::Pending | RowState::Running => "Next run at", RowState::Done | RowState::Dead => "Last scheduled run" }) } dd { (millis_text(row.run_at_ms)) }
            dt { "Handled" } dd {
                @match row.done_at_ms {
                    Some(done) => { (millis_text(done)) " (" (age_text(done - row.received_at_ms)) " after it was received)" }
                    None => "–",
                }
            }
            dt { "Verified by" } dd { "the " (row.scheme) " scheme, before it was stored (a delivery that fails verification is never stored)" }
            dt { "Signed at" } dd {
                @match (detail.signed_at, detail.skew_ms()) {
                    (Some(at), Some(skew)) => {
                        (millis_text(at.saturating_mul(1000))) " (received " (skew_text(skew)) ")"
                    }
                    _ => "– (this scheme signs no timestamp)",
                }
            }
            dt { "Trace" } dd.mono { (detail.traceparent.as_deref().unwrap_or("–")) }
        }
        h2 { "Attempts" }
        @if detail.attempts.is_empty() {
            p.muted { "No attempt has ended yet." }
        } @else {
            table {
                thead { tr { th.num { "#" } th { "Started" } th.num { "Duration" } th { "Outcome" } th { "Error" } } }
                tbody {
                    @for attempt in &detail.attempts {
                        tr {
                            td.num { (attempt.attempt) }
                            td { (millis_text(attempt.started_at_ms)) }
                            td.num { (attempt.duration_ms()) " ms" }
                            td { (attempt.outcome) }
                            td.mono { (attempt.error.as_deref().unwrap_or("–")) }
                        }
                    }
                }
            }
        }
        h2 { "Headers" }
        (headers_table(&detail.headers))
        h2 { "Body" span.muted { " " (detail.body.len()) " bytes" @if clipped { ", first " (BODY_SHOWN) " shown" } } }
        pre.body { (body) }
    }
}

// --- the actions ---

/// The form's pairs, once its CSRF token is checked.
async fn form(shared: &Shared, request: Request) -> Result<Vec<(String, String)>, Response> {
    let body = axum::body::to_bytes(request.into_body(), FORM_LIMIT)
        .await
        .map_err(|_| refusal(StatusCode::PAYLOAD_TOO_LARGE, "form too large"))?;
    let pairs: Vec<(String, String)> = form_urlencoded::parse(&body).into_owned().collect();
    let token = pairs
        .iter()
        .find(|(key, _)| key == "csrf")
        .map(|(_, value)| value.as_str())
        .unwrap_or_default();
    if !shared.token.csrf_matches(token) {
        return Err(refusal(
            StatusCode::FORBIDDEN,
            "missing or wrong CSRF token",
        ));
    }
    Ok(pairs)
}

fn redirect_done(base: &str, path: &str, done: &str, count: u64) -> Response {
    let separator = if path.contains('?') { '&' } else { '?' };
    see_other(&href(
        base,
        &format!("{path}{separator}done={done}&n={count}"),
    ))
}

async fn redrive_one(State(shared): Console, request: Request) -> Response {
    let base = base(&request);
    let Some(rows) = shared.rows.clone() else {
        return refusal(StatusCode::NOT_FOUND, "no inbox configured");
    };
    let Some(row_id) = row_id(&request) else {
        return refusal(StatusCode::BAD_REQUEST, "not a row id");
    };
    if let Err(refused) = form(&shared, request).await {
        return refused;
    }
    match rows.redrive(row_id).await {
        Ok(count) => redirect_done(&base, &format!("/deliveries/{row_id}"), "redriven", count),
        Err(error) => {
            tracing::warn!(%error, "admin console: re-drive failed");
            refusal(StatusCode::SERVICE_UNAVAILABLE, "the inbox did not answer")
        }
    }
}

async fn redrive_many(State(shared): Console, request: Request) -> Response {
    let base = base(&request);
    let Some(rows) = shared.rows.clone() else {
        return refusal(StatusCode::NOT_FOUND, "no inbox configured");
    };
    let pairs = match form(&shared, request).await {
        Ok(pairs) => pairs,
        Err(refused) => return refused,
    };
    let mut filter = match filter_from(&pairs) {
        Ok(filter) => filter,
        Err(reason) => return refusal(StatusCode::BAD_REQUEST, reason),
    };
    let back = {
        let query = filter_query(&filter);
        if query.is_empty() {
            "/deliveries".to_owned()
        } else {
            format!("/deliveries?{query}")
        }
    };
    let outcome = if value(&pairs, "all").is_some() {
        // Dead rows only: a pending row re-driven stays pending, and would match forever.
        if !matches!(filter.state, None | Some(RowState::Dead)) {
            return refusal(
                StatusCode::BAD_REQUEST,
                "only dead rows are re-driven in bulk",
            );
        }
        filter = filter.state(RowState::Dead).limit(REDRIVE_BATCH);
        filter.before = None;
        let mut total = 0;
        loop {
            match rows.redrive_where(&filter).await {
                Ok(count) => {
                    total += count;
                    if count < u64::from(REDRIVE_BATCH) {
                        break Ok(total);
                    }
                }
                Err(error) => break Err(error),
            }
        }
    } else {
        let mut ids = Vec::new();
        for (key, value) in &pairs {
            if key == "row" {
                match value.parse::<i64>() {
                    Ok(id) => ids.push(id),
                    Err(_) => return refusal(StatusCode::BAD_REQUEST, "row: not a row id"),
                }
            }
        }
        if ids.is_empty() {
            return refusal(StatusCode::BAD_REQUEST, "no row selected");
        }
        let mut total = 0;
        let mut outcome = Ok(0);
        for id in ids {
            match rows.redrive(id).await {
                Ok(count) => {
                    total += count;
                    outcome = Ok(total);
                }
                Err(error) => {
                    outcome = Err(error);
                    break;
                }
            }
        }
        outcome
    };
    match outcome {
        Ok(count) => redirect_done(&base, &back, "redriven", count),
        Err(error) => {
            tracing::warn!(%error, "admin console: re-drive failed");
            refusal(StatusCode::SERVICE_UNAVAILABLE, "the inbox did not answer")
        }
    }
}

async fn purge(State(shared): Console, request: Request) -> Response {
    let base = base(&request);
    let Some(rows) = shared.rows.clone() else {
        return refusal(StatusCode::NOT_FOUND, "no inbox configured");
    };
    let pairs = match form(&shared, request).await {
        Ok(pairs) => pairs,
        Err(refused) => return refused,
    };
    let Some(days) = value(&pairs, "days").and_then(|days| days.parse::<u64>().ok()) else {
        return refusal(StatusCode::BAD_REQUEST, "days: not a whole number");
    };
    let Some(age) = days.checked_mul(86_400).map(Duration::from_secs) else {
        return refusal(StatusCode::BAD_REQUEST, "days: too large");
    };
    match rows.purge_older_than(age).await {
        Ok(count) => redirect_done(&base, "/", "purged", count),
        Err(error) => {
            tracing::warn!(%error, "admin console: purge failed");
            refusal(StatusCode::SERVICE_UNAVAILABLE, "the inbox did not answer")
        }
    }
}

// --- the dead letters ---

/// The sink's letters, newest first, each with whether it is still to re-drive.
fn read_sink(sink: &JsonLinesSink) -> Result<Vec<(crate::dead_letter::DeadLetter, bool)>, String> {
    let all = sink.read_all().map_err(|error| error.to_string())?;
    let pending = sink.read_pending().map_err(|error| error.to_string())?;
    let key = |letter: &crate::dead_letter::DeadLetter| {
        (
            letter.scheme.clone(),
            letter.tenant.clone(),
            letter.id.clone(),
        )
    };
    let pending: std::collections::HashSet<_> = pending.letters.iter().map(key).collect();
    let mut letters: Vec<_> = all
        .letters
        .into_iter()
        .map(|letter| {
            let waiting = pending.contains(&key(&letter));
            (letter, waiting)
        })
        .collect();
    letters.reverse();
    Ok(letters)
}

async fn dead_letters(State(shared): Console, request: Request) -> Response {
    let context = Context::new(&shared, &request);
    let Some(sink) = shared.sink.clone() else {
        return refusal(StatusCode::NOT_FOUND, "no dead-letter sink configured");
    };
    // The files are read on the blocking pool: the runtime's threads do not wait on disk.
    let letters = tokio::task::spawn_blocking(move || read_sink(&sink))
        .await
        .unwrap_or_else(|_| Err("the read failed".to_owned()));
    let content = html! {
        h1 { "Dead letters" }
        p.muted { "Deliveries the handler could not take (inline mode). They are re-driven through the application's own handler (JsonLinesSink::redrive), not from here." }
        @match &letters {
            Err(error) => p.error { "The dead letters could not be read: " (error) },
            Ok(letters) if letters.is_empty() => p.muted { "No dead letter." },
            Ok(letters) => {
                table {
                    tr { th { "Provider" } th { "Delivery id" } th { "Event" } th { "Received" } th { "Error" } th { "Status" } th { "Delivery" } }
                    @for (letter, waiting) in letters {
                        tr {
                            td { (letter.scheme) }
                            td.mono { (letter.id) }
                            td { (letter.event_type.as_deref().unwrap_or("")) }
                            td { (crate::time::format_rfc3339(letter.received_at)) }
                            td { (clip(&letter.error, 200)) }
                            td { @if *waiting { span.state.state-dead { "to re-drive" } } @else { span.state.state-done { "re-driven" } } }
                            td {
                                details {
                                    summary { (letter.body.len()) " bytes" }
                                    (headers_table(&letter.headers))
                                    pre.body { (body_text(&letter.body).0) }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    page(
        StatusCode::OK,
        layout(&context, Nav::DeadLetters, "Dead letters", None, content),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_and_credential_headers_are_redacted_and_others_are_not() {
        for name in [
            "X-Hub-Signature-256",
            "Stripe-Signature",
            "webhook-signature",
            "X-Shopify-Hmac-Sha256",
            "X-Gitlab-Token",
            "Authorization",
            "PAYPAL-TRANSMISSION-SIG",
            "X-Api-Key",
        ] {
            assert!(secret_header(name), "{name}");
        }
        for name in ["content-type", "x-github-event", "webhook-id", "user-agent"] {
            assert!(!secret_header(name), "{name}");
        }
    }

    #[test]
    fn notices_come_from_fixed_sentences_only() {
        let pairs = |list: &[(&str, &str)]| {
            list.iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            notice(&pairs(&[("done", "redriven"), ("n", "3")])).as_deref(),
            Some("3 deliveries re-driven")
        );
        assert_eq!(
            notice(&pairs(&[("done", "redriven"), ("n", "1")])).as_deref(),
            Some("1 delivery re-driven")
        );
        assert_eq!(
            notice(&pairs(&[("done", "call 555-0100"), ("n", "1")])),
            None
        );
        assert_eq!(notice(&pairs(&[("done", "purged"), ("n", "x")])), None);
    }

    #[test]
    fn filter_refuses_unknown_states_and_bad_row_ids() {
        let pairs = |list: &[(&str, &str)]| {
            list.iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect::<Vec<_>>()
        };
        assert!(filter_from(&pairs(&[("state", "zombie")])).is_err());
        assert!(filter_from(&pairs(&[("before", "1e3")])).is_err());
        let filter = filter_from(&pairs(&[
            ("state", "dead"),
            ("scheme", "github"),
            ("id", " "),
        ]))
        .unwrap();
        assert_eq!(filter.state, Some(RowState::Dead));
        assert_eq!(filter.scheme.as_deref(), Some("github"));
        assert_eq!(filter.delivery_id, None, "a blank field is no filter");
        assert_eq!(filter_query(&filter), "state=dead&scheme=github");
    }

    #[test]
    fn bodies_are_pretty_printed_when_json_and_clipped_when_huge() {
        assert_eq!(body_text(br#"{"a":1}"#).0, "{\n  \"a\": 1\n}");
        let huge = vec![b'x'; BODY_SHOWN + 10];
        let (text, clipped) = body_text(&huge);
        assert!(clipped);
        assert_eq!(text.len(), BODY_SHOWN);
    }
}
