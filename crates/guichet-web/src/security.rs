//! Security headers on every response: a strict Content-Security-Policy (no script, no inline
//! style, nothing from elsewhere), no framing, no MIME sniffing, no referrer sent outside.
//!
//! The pages need no JavaScript at all, so the policy allows none; a page that one day adds a
//! script must serve it from `/static` and widen `script-src` here, in one place.

use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

/// The policy of every page.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The security headers of every response, each unless the route set its own. A response to a
/// request that carries a cookie, or that sets one, is personal (a case, a session's form
/// token): no cache may keep it, so that the next person at a shared computer (a France
/// Services counter, a library) cannot bring it back with the « précédent » button.
pub async fn headers(request: Request, next: Next) -> Response {
    let personal = request.headers().contains_key(header::COOKIE);
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    let set = |h: &mut axum::http::HeaderMap, name, value: &'static str| {
        h.entry(name).or_insert(HeaderValue::from_static(value));
    };
    if personal || h.contains_key(header::SET_COOKIE) {
        set(h, header::CACHE_CONTROL, "private, no-store");
    }
    set(h, header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY);
    set(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(h, header::X_FRAME_OPTIONS, "DENY");
    set(h, header::REFERRER_POLICY, "same-origin");
    set(
        h,
        header::HeaderName::from_static("permissions-policy"),
        "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    );
    set(
        h,
        header::HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin",
    );
    response
}
