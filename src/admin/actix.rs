//! The console on actix-web: the same router, called from an actix `Scope` (one core: the
//! pages, the credentials and the CSRF checks are the axum router's own).

use actix_web::{HttpRequest, HttpResponse, web};
use axum::Router;
use axum::extract::OriginalUri;
use http_body_util::BodyExt as _;
use tower_service::Service as _;

/// Serves `router` for the requests under `path`: each becomes an `http` request whose path
/// is the part under `path` (as axum's `nest` would make it), its full path kept as
/// [`OriginalUri`] for the links.
pub(crate) fn scope(path: &str, router: Router) -> actix_web::Scope {
    let mount = path.trim_end_matches('/').to_owned();
    web::scope(&mount.clone()).default_service(web::to(
        move |request: HttpRequest, body: web::Bytes| {
            let router = router.clone();
            let mount = mount.clone();
            async move { call(router, &mount, &request, body).await }
        },
    ))
}

async fn call(
    mut router: Router,
    mount: &str,
    request: &HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let full = request.uri().to_string();
    let inner_path = request
        .path()
        .strip_prefix(mount)
        .filter(|rest| rest.is_empty() || rest.starts_with('/'))
        .unwrap_or("/");
    let inner = match request.query_string() {
        "" => inner_path.to_owned(),
        query => format!("{inner_path}?{query}"),
    };
    let inner = if inner.starts_with('/') {
        inner
    } else {
        format!("/{inner}")
    };
    let (Ok(uri), Ok(original)) = (inner.parse::<http::Uri>(), full.parse::<http::Uri>()) else {
        return HttpResponse::BadRequest().body("unusable path");
    };
    let Ok(method) = http::Method::from_bytes(request.method().as_str().as_bytes()) else {
        return HttpResponse::BadRequest().body("unusable method");
    };
    let mut builder = http::Request::builder().method(method).uri(uri);
    for (name, value) in request.headers() {
        builder = builder.header(name.as_str(), value.as_bytes());
    }
    let Ok(mut converted) = builder.body(axum::body::Body::from(body)) else {
        return HttpResponse::BadRequest().body("unusable request");
    };
    converted.extensions_mut().insert(OriginalUri(original));
    // A `Router` is always ready.
    let ready = std::future::poll_fn(|cx| {
        tower_service::Service::<http::Request<axum::body::Body>>::poll_ready(&mut router, cx)
    })
    .await;
    let response = match ready {
        Ok(()) => router.call(converted).await,
        Err(never) => match never {},
    };
    let Ok(response) = response;
    let (parts, body) = response.into_parts();
    let Ok(collected) = body.collect().await else {
        return HttpResponse::InternalServerError().body("the page could not be rendered");
    };
    let status = actix_web::http::StatusCode::from_u16(parts.status.as_u16())
        .unwrap_or(actix_web::http::StatusCode::INTERNAL_SERVER_ERROR);
    let mut out = HttpResponse::build(status);
    for (name, value) in &parts.headers {
        out.append_header((name.as_str(), value.as_bytes()));
    }
    out.body(collected.to_bytes())
}
