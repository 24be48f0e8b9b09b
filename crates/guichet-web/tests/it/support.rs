//! `TestApp`: the one way web tests build the application and talk to it.
//!
//! [`TestApp::builder`] chooses what the app state holds — the demo banner, the demo procedures
//! and their definitions (published in the store at a fixed date, so pages never show a date
//! that changes), national sheets to search, a territorial report — and builds it on a fresh
//! database: [`TestAppBuilder::on_both_engines`] runs a test body once on SQLite and once on
//! PostgreSQL (`guichet_store::testing`), [`TestAppBuilder::run_on`] on one engine for pages
//! that do not touch the database.
//!
//! The client drives the axum `Router` in process (`tower::ServiceExt::oneshot`), like a
//! browser without JavaScript that follows nothing by itself: a redirect is a response whose
//! [`TestResponse::location`] the test reads and gets. It keeps cookies across requests (a
//! small jar: `Set-Cookie` in, `Cookie` out; one host, so domains and paths are ignored) and
//! remembers the CSRF token of the last page (`<input type="hidden" name="csrf" value="…">`,
//! the name set with [`TestAppBuilder::csrf_field`]), which [`TestApp::post_form`] adds to the
//! next form it posts, as the page's form would.
//!
//! Sign-in does not exist yet. When agents sign in, the place for it is a
//! `TestApp::sign_in_as(agent)` here that posts the real sign-in form with `post_form` (the
//! session cookie then stays in the jar): never a forged cookie or a bypass of the real route.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use chrono::{TimeZone, Utc};
use guichet_catalogue::OperatorDirectory;
use guichet_catalogue::sheet::Sheet;
use guichet_search::SearchIndex;
use guichet_store::testing::TestDb;
use guichet_store::{Engine, Store};
use guichet_web::search_index::Catalogue;
use guichet_web::territory::TerritoryState;
use guichet_web::{AppState, router};
use tower::ServiceExt;

/// Larger than any page or file the app serves (the national map is a few MB).
const MAX_BODY: usize = 32 << 20;

/// What the app state will hold. Cheap to clone: one builder serves both engines.
#[derive(Clone)]
pub struct TestAppBuilder {
    demo: bool,
    procedures: bool,
    sheets: Vec<Sheet>,
    operator_names: Option<BTreeMap<String, String>>,
    territory: Option<Arc<TerritoryState>>,
    csrf_field: String,
    semantic: bool,
}

impl TestAppBuilder {
    /// Pages show the demonstration banner (`serve --demo`).
    pub fn demo_banner(mut self) -> Self {
        self.demo = true;
        self
    }

    /// Publishes the demo procedures with their definition files (and their operators), as
    /// `serve --demo` does, at a fixed date.
    pub fn demo_procedures(mut self) -> Self {
        self.procedures = true;
        self
    }

    /// National sheets the search index holds besides the published procedures.
    pub fn search_sheets(mut self, sheets: Vec<Sheet>) -> Self {
        self.sheets = sheets;
        self
    }

    /// Search fuses with sentence embeddings, as a server with the model installed (the
    /// vectors of the builder's sheets and procedures, computed here: keep them few).
    pub fn semantic_search(mut self) -> Self {
        self.semantic = true;
        self
    }

    /// Operator names the search index shows; by default those of the store, as the server.
    pub fn operator_names(mut self, names: BTreeMap<String, String>) -> Self {
        self.operator_names = Some(names);
        self
    }

    /// The territorial report behind `/territoire` (by default: still loading).
    pub fn territory(mut self, state: Arc<TerritoryState>) -> Self {
        self.territory = Some(state);
        self
    }

    /// The name of the hidden field that carries the CSRF token (`csrf` by default).
    pub fn csrf_field(mut self, name: &str) -> Self {
        self.csrf_field = name.to_owned();
        self
    }

    /// Runs `body` once per engine, each time on a fresh database dropped afterwards.
    pub async fn on_both_engines<F, Fut>(self, body: F)
    where
        F: Fn(TestApp) -> Fut,
        Fut: Future<Output = ()>,
    {
        for engine in [Engine::Sqlite, Engine::Postgres] {
            self.clone().run_on(engine, &body).await;
        }
    }

    /// Runs `body` on one engine, on a fresh database dropped afterwards.
    pub async fn run_on<F, Fut, T>(self, engine: Engine, body: F) -> T
    where
        F: FnOnce(TestApp) -> Fut,
        Fut: Future<Output = T>,
    {
        let db = TestDb::new(engine).await;
        let app = self.build(db.store.clone()).await;
        let out = body(app).await;
        db.cleanup().await;
        out
    }

    /// The app over `store`, which the caller cleans up.
    pub async fn build(self, store: Store) -> TestApp {
        if self.procedures {
            let published = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
            guichet_catalogue::demo::publish(&store, published)
                .await
                .unwrap();
        }
        let definitions = guichet_catalogue::stored::load_definitions(&store)
            .await
            .unwrap();
        let catalogue = if self.sheets.is_empty() && definitions.is_empty() {
            Catalogue::empty().unwrap()
        } else {
            let names = match self.operator_names {
                Some(names) => names,
                None => store
                    .list_operators()
                    .await
                    .unwrap()
                    .into_iter()
                    .map(|o| (o.id.to_string(), o.name))
                    .collect(),
            };
            let index = SearchIndex::build(
                &self.sheets,
                &definitions,
                &OperatorDirectory::shipped().unwrap(),
                &names,
            )
            .unwrap();
            if self.semantic {
                let model =
                    guichet_embed::locate_model().expect(guichet_search::semantic::NO_MODEL);
                let embedder = guichet_embed::Embedder::load(&model).unwrap();
                let vectors =
                    guichet_search::SheetVectors::compute(&self.sheets, &definitions, &embedder)
                        .unwrap();
                let semantic = guichet_search::Semantic::new(Arc::new(embedder), vectors).unwrap();
                index.attach_semantic(semantic).unwrap();
            }
            Catalogue::new(index, definitions)
        };
        let state = AppState::new(guichet_web::Services {
            store: store.clone(),
            cases: guichet_cases::CaseService::new(store.clone()),
            clock: Arc::new(guichet_domain::ManualClock::new(
                chrono::DateTime::UNIX_EPOCH + chrono::Duration::days(20_500),
            )),
            demo: self.demo,
            catalogue: Arc::new(catalogue),
            territory: self.territory.unwrap_or_else(TerritoryState::loading),
            site: Arc::new(if self.demo {
                guichet_web::Site::demo()
            } else {
                guichet_web::Site::unconfigured()
            }),
        });
        TestApp {
            router: router(state),
            store,
            cookies: CookieJar::default(),
            csrf_field: self.csrf_field,
            csrf: None,
            client: None,
        }
    }
}

/// The application and one visitor's browser: its cookies and the last page's CSRF token.
pub struct TestApp {
    router: Router,
    store: Store,
    cookies: CookieJar,
    csrf_field: String,
    csrf: Option<String>,
    /// The network address the requests come from (none: as a server without connection
    /// information, the handlers see « unknown »).
    client: Option<std::net::SocketAddr>,
}

impl TestApp {
    pub fn builder() -> TestAppBuilder {
        TestAppBuilder {
            demo: false,
            procedures: false,
            sheets: Vec::new(),
            operator_names: None,
            territory: None,
            csrf_field: "csrf".to_owned(),
            semantic: false,
        }
    }

    /// Another visitor of the same app: same router and store, an empty cookie jar.
    pub fn fresh_visitor(&self) -> TestApp {
        TestApp {
            router: self.router.clone(),
            store: self.store.clone(),
            cookies: CookieJar::default(),
            csrf_field: self.csrf_field.clone(),
            csrf: None,
            client: None,
        }
    }

    /// Another visitor, from another network address (`ip`).
    pub fn visitor_from(&self, ip: &str) -> TestApp {
        TestApp {
            client: Some(std::net::SocketAddr::new(ip.parse().unwrap(), 40_000)),
            ..self.fresh_visitor()
        }
    }

    /// The store behind the app, to arrange data or check what a request wrote.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Every case stored (newest first, at most 100), for a test that just made one.
    pub async fn cases(&self) -> Vec<guichet_store::CaseSummary> {
        self.store
            .list_cases(&guichet_store::CaseFilter::default())
            .await
            .expect("the cases")
    }

    /// The router itself, for a test that needs to wrap it (a test-only route, a layer).
    pub fn map_router(&mut self, f: impl FnOnce(Router) -> Router) {
        self.router = f(self.router.clone());
    }

    /// The cookies the app has set and not removed.
    pub fn cookies(&self) -> &CookieJar {
        &self.cookies
    }

    pub async fn get(&mut self, path: &str) -> TestResponse {
        self.send(Request::get(path).body(Body::empty()).unwrap())
            .await
    }

    /// Posts a form (`application/x-www-form-urlencoded`). The last page's CSRF token is added
    /// when it had one and `fields` do not already carry that field.
    pub async fn post_form(&mut self, path: &str, fields: &[(&str, &str)]) -> TestResponse {
        let mut pairs: Vec<(&str, &str)> = fields.to_vec();
        let token = self.csrf.clone();
        if let Some(token) = &token
            && !pairs.iter().any(|(k, _)| *k == self.csrf_field)
        {
            pairs.push((self.csrf_field.as_str(), token));
        }
        let body = form_urlencode(&pairs);
        let request = Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap();
        self.send(request).await
    }

    /// Posts a `multipart/form-data` form, as a page with a file input does: `fields`, then
    /// `files` as (input name, file name, bytes). The last page's CSRF token is added like
    /// [`Self::post_form`].
    pub async fn post_multipart(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        files: &[(&str, &str, &[u8])],
    ) -> TestResponse {
        const BOUNDARY: &str = "----guichet-test-boundary-7MA4YWxkTrZu0gW";
        let mut pairs: Vec<(&str, &str)> = fields.to_vec();
        let token = self.csrf.clone();
        if let Some(token) = &token
            && !pairs.iter().any(|(k, _)| *k == self.csrf_field)
        {
            pairs.push((self.csrf_field.as_str(), token));
        }
        let mut body: Vec<u8> = Vec::new();
        for (name, value) in pairs {
            body.extend_from_slice(
                format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                    .as_bytes(),
            );
        }
        for (name, file_name, bytes) in files {
            body.extend_from_slice(
                format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n")
                    .as_bytes(),
            );
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
        let request = Request::post(path)
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={BOUNDARY}"),
            )
            .body(Body::from(body))
            .unwrap();
        self.send(request).await
    }

    /// Sends any request with the jar's cookies; stores the cookies and the CSRF token of the
    /// response.
    pub async fn send(&mut self, mut request: Request<Body>) -> TestResponse {
        if let Some(cookie) = self.cookies.header_value()
            && !request.headers().contains_key(header::COOKIE)
        {
            request
                .headers_mut()
                .insert(header::COOKIE, cookie.parse().unwrap());
        }
        if let Some(addr) = self.client {
            request
                .extensions_mut()
                .insert(axum::extract::ConnectInfo(addr));
        }
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let body = axum::body::to_bytes(response.into_body(), MAX_BODY)
            .await
            .unwrap()
            .to_vec();
        self.cookies.store_from(&headers);
        let response = TestResponse {
            status,
            headers,
            body,
        };
        self.csrf = response.hidden_input(&self.csrf_field);
        response
    }
}

/// A response, read whole.
#[derive(Debug)]
pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl TestResponse {
    /// The body as text (panics if it is not UTF-8: use `body` for images).
    pub fn text(&self) -> &str {
        std::str::from_utf8(&self.body).expect("a UTF-8 body")
    }

    /// The page's `<title>` (empty when it has none).
    pub fn title(&self) -> String {
        let t = self.text();
        let start = t.find("<title>").map_or(0, |i| i + "<title>".len());
        let end = t.find("</title>").unwrap_or(start);
        t[start..end].to_owned()
    }

    /// The status and the text, for tests that look at both.
    pub fn status_and_text(&self) -> (StatusCode, String) {
        (self.status, self.text().to_owned())
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn content_type(&self) -> &str {
        self.header(header::CONTENT_TYPE.as_str()).unwrap_or("")
    }

    /// Where a redirect points.
    pub fn location(&self) -> Option<&str> {
        self.header(header::LOCATION.as_str())
    }

    fn is_html(&self) -> bool {
        self.content_type().starts_with("text/html")
    }

    /// The value of `<input type="hidden" name="{name}" value="…">` in an HTML page.
    pub fn hidden_input(&self, name: &str) -> Option<String> {
        if !self.is_html() {
            return None;
        }
        let html = std::str::from_utf8(&self.body).ok()?;
        hidden_input(html, name)
    }

    /// What a person reads on the page, line by line ([`page_text`]).
    pub fn page_text(&self) -> String {
        page_text(self.text())
    }
}

/// The cookies a browser would send back. One host: `Domain` and `Path` are ignored.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct CookieJar {
    cookies: BTreeMap<String, String>,
}

impl CookieJar {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.cookies.get(name).map(String::as_str)
    }

    /// Reads every `Set-Cookie` of a response: sets, replaces, or removes (`Max-Age=0` or less,
    /// or an `Expires` in the past, as servers write a removal).
    pub fn store_from(&mut self, headers: &HeaderMap) {
        for value in headers.get_all(header::SET_COOKIE) {
            if let Ok(v) = value.to_str() {
                self.store(v);
            }
        }
    }

    /// Reads one `Set-Cookie` value.
    pub fn store(&mut self, set_cookie: &str) {
        let mut parts = set_cookie.split(';');
        let Some((name, value)) = parts.next().and_then(|nv| nv.split_once('=')) else {
            return;
        };
        let (name, value) = (name.trim(), value.trim().trim_matches('"'));
        if name.is_empty() {
            return;
        }
        let removed = parts.any(|attr| {
            let (k, v) = attr.split_once('=').unwrap_or((attr, ""));
            let (k, v) = (k.trim().to_ascii_lowercase(), v.trim());
            (k == "max-age" && v.parse::<i64>().is_ok_and(|s| s <= 0))
                || (k == "expires" && v.contains("1970"))
        });
        if removed {
            self.cookies.remove(name);
        } else {
            self.cookies.insert(name.to_owned(), value.to_owned());
        }
    }

    /// The `Cookie` header to send, if any cookie is set.
    pub fn header_value(&self) -> Option<String> {
        (!self.cookies.is_empty()).then(|| {
            self.cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ")
        })
    }
}

fn form_urlencode(pairs: &[(&str, &str)]) -> String {
    fn encode(s: &str) -> String {
        let mut out = String::with_capacity(s.len());
        for b in s.bytes() {
            match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => {
                    out.push(b as char)
                }
                b' ' => out.push('+'),
                _ => out.push_str(&format!("%{b:02X}")),
            }
        }
        out
    }
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// The text of each tag of `html`, between `<` and `>` (templates write names in lower case).
fn tags(html: &str) -> impl Iterator<Item = &str> {
    html.split('<')
        .skip(1)
        .filter_map(|rest| rest.split_once('>').map(|(tag, _)| tag))
}

/// The value of attribute `name` in a tag's text (`input type="hidden" name="csrf" …`).
fn attribute(tag: &str, name: &str) -> Option<String> {
    let mut rest = tag;
    while let Some(i) = rest.find(name) {
        let before = rest[..i].chars().last();
        let after = rest[i + name.len()..].trim_start();
        rest = &rest[i + name.len()..];
        if !before.is_some_and(char::is_whitespace) {
            continue;
        }
        let Some(value) = after.strip_prefix('=') else {
            continue;
        };
        let value = value.trim_start();
        let quote = value.chars().next()?;
        return if quote == '"' || quote == '\'' {
            value[1..].split(quote).next().map(unescape)
        } else {
            value.split_whitespace().next().map(unescape)
        };
    }
    None
}

/// The value of the first `<input type="hidden" name="{name}">` of `html`.
pub fn hidden_input(html: &str, name: &str) -> Option<String> {
    tags(html)
        .filter(|t| t.starts_with("input") && t[5..].starts_with(char::is_whitespace))
        .find(|t| {
            attribute(t, "type").is_some_and(|v| v.eq_ignore_ascii_case("hidden"))
                && attribute(t, "name").as_deref() == Some(name)
        })
        .and_then(|t| attribute(t, "value"))
}

/// Undoes the escaping of askama (`&#38;`, `&#60;`, …) and the usual named entities.
fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let Some(end) = rest.find(';').filter(|&e| e <= 10) else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let entity = &rest[1..end];
        let ch = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            "nbsp" => Some('\u{a0}'),
            _ => entity
                .strip_prefix("#x")
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match ch {
            Some(c) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Tags after which a person reads a new line.
const BLOCKS: &[&str] = &[
    "address",
    "article",
    "aside",
    "br",
    "caption",
    "dd",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "label",
    "legend",
    "li",
    "main",
    "nav",
    "ol",
    "option",
    "p",
    "section",
    "table",
    "tbody",
    "thead",
    "title",
    "tr",
    "ul",
];

/// What a person reads on a page, for snapshots: the text of `<title>` and `<body>`, one line
/// per block (paragraph, heading, list item, table row — its cells joined by « | »), spaces
/// collapsed, entities decoded, style and script left out. The paper form's boxes, writing
/// lines and date boxes are drawn (« ☐ », « ________ », « ____ ») since people fill them in.
pub fn page_text(html: &str) -> String {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    let mut skip_until: Option<&str> = None;
    let mut rest = html;
    let flush = |line: &mut String, lines: &mut Vec<String>| {
        // ASCII whitespace only: no-break and narrow no-break spaces are French typography.
        let collapsed = unescape(line)
            .split(|c: char| c.is_ascii_whitespace())
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        let collapsed = collapsed.trim_start_matches("| ").to_owned();
        if !collapsed.is_empty() {
            lines.push(collapsed);
        }
        line.clear();
    };
    while let Some(start) = rest.find('<') {
        if skip_until.is_none() {
            line.push_str(&rest[..start]);
        }
        let Some(end) = rest[start..].find('>') else {
            break;
        };
        let tag = &rest[start + 1..start + end];
        rest = &rest[start + end + 1..];
        let closing = tag.starts_with('/');
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        if let Some(until) = skip_until {
            if closing && name == until {
                skip_until = None;
            }
            continue;
        }
        match name.as_str() {
            "style" | "script" if !closing => {
                skip_until = Some(if name == "style" { "style" } else { "script" })
            }
            "td" | "th" if !closing => line.push_str(" | "),
            "span" if !closing && attribute(tag, "class").as_deref() == Some("case") => {
                line.push_str("☐ ")
            }
            // The empty boxes of a date (`<span></span>/<span></span>/…`).
            "span" if !closing && rest.starts_with("</span>") => line.push_str("____"),
            "div" if !closing && attribute(tag, "class").as_deref() == Some("ligne") => {
                flush(&mut line, &mut lines);
                lines.push("________".to_owned());
            }
            "img" => {
                if let Some(alt) = attribute(tag, "alt") {
                    line.push_str(&format!(" [image : {alt}] "));
                }
            }
            n if BLOCKS.contains(&n) => flush(&mut line, &mut lines),
            _ => {}
        }
    }
    line.push_str(rest);
    flush(&mut line, &mut lines);
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderMap as Headers;
    use axum::response::{IntoResponse, Redirect};
    use axum::routing::get;

    use super::*;

    /// Test-only routes merged into the real router: one sets a cookie, one echoes the cookies
    /// it gets, one serves a form with a CSRF token, one echoes a posted form.
    fn with_test_routes(router: Router) -> Router {
        router
            .route(
                "/essai/cookie",
                get(|| async {
                    (
                        [(header::SET_COOKIE, "essai=valeur-1; Path=/; HttpOnly")],
                        Redirect::to("/essai/echo"),
                    )
                }),
            )
            .route(
                "/essai/echo",
                get(|headers: Headers| async move {
                    headers
                        .get(header::COOKIE)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("")
                        .to_owned()
                }),
            )
            .route(
                "/essai/formulaire",
                get(|| async {
                    axum::response::Html(
                        r#"<form method="post"><input type="hidden" name="jeton" value="j&#38;1"></form>"#,
                    )
                })
                .post(|body: String| async move { body.into_response() }),
            )
    }

    #[tokio::test]
    async fn the_client_keeps_cookies_follows_nothing_and_posts_the_last_csrf_token() {
        TestApp::builder()
            .csrf_field("jeton")
            .run_on(Engine::Sqlite, |mut app| async move {
                app.map_router(with_test_routes);
                let r = app.get("/essai/cookie").await;
                assert_eq!(
                    r.status,
                    StatusCode::SEE_OTHER,
                    "a redirect is not followed"
                );
                assert_eq!(r.location(), Some("/essai/echo"));
                assert_eq!(app.cookies().get("essai"), Some("valeur-1"));
                let echo = app.get(r.location().unwrap()).await;
                assert_eq!(echo.text(), "essai=valeur-1");

                let form = app.get("/essai/formulaire").await;
                assert_eq!(form.hidden_input("jeton").as_deref(), Some("j&1"));
                let posted = app.post_form("/essai/formulaire", &[("nom", "Zoé")]).await;
                assert_eq!(posted.text(), "nom=Zo%C3%A9&jeton=j%261");
                // The echo page has no token: the next post carries none.
                let posted = app.post_form("/essai/formulaire", &[("nom", "Zoé")]).await;
                assert_eq!(posted.text(), "nom=Zo%C3%A9");
                assert_eq!(
                    app.get("/essai/echo").await.header("content-type"),
                    Some("text/plain; charset=utf-8")
                );
            })
            .await;
    }

    #[test]
    fn the_jar_sets_replaces_and_removes_cookies() {
        let mut jar = CookieJar::default();
        jar.store("session=abc123; Path=/; HttpOnly; SameSite=Lax");
        jar.store("lang=fr");
        assert_eq!(
            jar.header_value().as_deref(),
            Some("lang=fr; session=abc123")
        );
        jar.store("session=\"def\"; Max-Age=3600");
        assert_eq!(jar.get("session"), Some("def"));
        jar.store("session=; Max-Age=0; Path=/");
        jar.store("lang=; Expires=Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(jar.header_value(), None);
        jar.store("=nameless");
        jar.store("garbage");
        assert_eq!(jar, CookieJar::default());
    }

    #[test]
    fn the_csrf_token_is_read_from_a_hidden_input() {
        let html = r#"<form method="post"><input type="text" name="csrf" value="visible">
            <input  name='csrf' type="hidden" value="a&#43;b&#61;&amp;c"><input type="hidden" name="other" value="x"></form>"#;
        assert_eq!(hidden_input(html, "csrf").as_deref(), Some("a+b=&c"));
        assert_eq!(hidden_input(html, "other").as_deref(), Some("x"));
        assert_eq!(hidden_input(html, "absent"), None);
        assert_eq!(
            hidden_input("<inputs type=hidden name=csrf value=1>", "csrf"),
            None
        );
    }

    #[test]
    fn page_text_keeps_what_people_read() {
        let html = "<html><head><title>A &amp; B</title><style>p{x:1}</style></head><body>\
            <h1>Titre</h1><p>Un   texte\n sur <a href=\"/\">deux</a> lignes</p>\
            <table><tr><th scope=\"row\">Ain</th><td>12&#160;%</td></tr></table>\
            <ul class=\"choix\"><li><span class=\"case\"></span>oui</li></ul><div class=\"ligne\"></div>\
            <p>Le <span></span>/<span></span></p></body></html>";
        assert_eq!(
            page_text(html),
            "A & B\nTitre\nUn texte sur deux lignes\nAin | 12\u{a0}%\n☐ oui\n________\nLe ____/____"
        );
    }

    #[test]
    fn forms_are_encoded_as_browsers_do() {
        assert_eq!(
            form_urlencode(&[("nom", "Zoé Haddad"), ("a&b", "1+1=2")]),
            "nom=Zo%C3%A9+Haddad&a%26b=1%2B1%3D2"
        );
    }
}
