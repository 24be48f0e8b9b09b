//! `guichet bench web`: the real router on loopback, loaded by a bounded HTTP client (200
//! concurrent connections by default), on SQLite and on PostgreSQL in the same run, compared
//! with a minimal axum route served by the same server (the ceiling: what the HTTP stack alone
//! allows on this machine).
//!
//! Scenarios, each for `--seconds`: the ceiling, the home page, a search (the same question
//! each time, as a popular one; with the embedding model installed its sentence vector comes
//! from the search's cache), a search never asked before (`search_new`: the model's cost per
//! question), a procedure page, the
//! page of a followed case (`/suivi/{reference}`, session cookie), a form step submission (a
//! `POST` that stores the step's answers through the case service) and complete online
//! submissions (« vos coordonnées », every step, the check page: nine requests, eight of them
//! writes, per submission). Then the desk's hot paths with `--agents` signed-in front-desk
//! agents over a directory of `--people` people: finding a person by a mistyped name, and
//! opening a case for one at the counter. Latencies are per request; the figures end with one
//! JSON line.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use clap::Args;
use guichet_store::Store;

#[derive(Debug, Args)]
pub struct WebBenchArgs {
    /// Concurrent connections (one client task each).
    #[arg(long, default_value_t = 200)]
    concurrency: usize,
    /// Concurrent agents for the desk's scenarios.
    #[arg(long, default_value_t = 50)]
    agents: usize,
    /// People in the directory the desk searches.
    #[arg(long, default_value_t = 100_000)]
    people: usize,
    /// Only the desk's scenarios (skips the portal's).
    #[arg(long)]
    desk_only: bool,
    /// Milliseconds each desk agent waits between two requests (the time to read the page
    /// and talk with the person). 0, the default, sends them back to back: the server's
    /// saturation, where latency is mostly queueing behind the other agents.
    #[arg(long, default_value_t = 0)]
    desk_pause_ms: u64,
    /// Seconds per scenario.
    #[arg(long, default_value_t = 8)]
    seconds: u64,
    /// Only these portal scenarios (comma-separated names, as in the output: `case_page`,
    /// `submission`, …); the ceiling is always measured. All of them by default.
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
    /// PostgreSQL server to measure (a temporary database is created and dropped there).
    #[arg(
        long,
        env = "GUICHET_BENCH_POSTGRES_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/postgres"
    )]
    postgres_url: String,
    /// Where the search's sentence vectors are kept (computed there the first time, minutes):
    /// the search scenarios measure the search a server runs, lexical and semantic, when the
    /// embedding model is installed.
    #[arg(long, default_value = "guichet-data/cache")]
    cache_dir: std::path::PathBuf,
    /// Measure the lexical search alone, even with the embedding model installed.
    #[arg(long)]
    lexical: bool,
}

/// One scenario's figures.
#[derive(Debug, Clone, serde::Serialize)]
struct Figures {
    scenario: &'static str,
    requests_per_s: f64,
    /// Complete submissions per second (the submission scenario only).
    #[serde(skip_serializing_if = "Option::is_none")]
    submissions_per_s: Option<f64>,
    p50_ms: f64,
    p99_ms: f64,
    errors: u64,
    /// Searches answered lexically because every core that may embed was busy.
    #[serde(skip_serializing_if = "Option::is_none")]
    lexical_when_busy: Option<u64>,
}

pub async fn run(args: WebBenchArgs) -> anyhow::Result<()> {
    anyhow::ensure!(
        args.concurrency > 0 && args.seconds > 0,
        "--concurrency and --seconds must be positive"
    );
    let mut engines = serde_json::Map::new();

    let dir = std::env::temp_dir().join(format!(
        "guichet-bench-web-{}",
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::create_dir_all(&dir)?;
    let sqlite = Store::open_sqlite(&dir.join("bench.db")).await?;
    let result = measure("SQLite", sqlite.clone(), &args).await;
    sqlite.close().await;
    let _ = std::fs::remove_dir_all(&dir);
    engines.insert("sqlite".into(), serde_json::to_value(result?)?);

    let name = format!("guichet_bench_web_{}", uuid::Uuid::new_v4().simple());
    match Store::connect_postgres(&args.postgres_url, 1).await {
        Ok(admin) => {
            admin
                .raw_execute(&format!("CREATE DATABASE {name}"))
                .await?;
            let url = match args.postgres_url.rsplit_once('/') {
                Some((base, _)) if base.len() > "postgres:/".len() => format!("{base}/{name}"),
                _ => format!("{}/{name}", args.postgres_url),
            };
            let pg = Store::connect_postgres(&url, 32).await?;
            let result = measure("PostgreSQL", pg.clone(), &args).await;
            pg.close().await;
            admin
                .raw_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .await?;
            admin.close().await;
            engines.insert("postgres".into(), serde_json::to_value(result?)?);
        }
        Err(e) => {
            println!("PostgreSQL: not measured ({e}); start PostgreSQL or pass --postgres-url")
        }
    }
    println!(
        "{}",
        serde_json::json!({
            "bench": "web",
            "concurrency": args.concurrency,
            "desk_agents": args.agents,
            "desk_pause_ms": args.desk_pause_ms,
            "seconds_per_scenario": args.seconds,
            "engines": engines,
        })
    );
    Ok(())
}

/// Serves the real router, plus the ceiling route, on a free loopback port.
async fn serve(
    store: Store,
    args: &WebBenchArgs,
) -> anyhow::Result<(
    String,
    tokio::task::JoinHandle<()>,
    Arc<guichet_web::search_index::Catalogue>,
)> {
    store.migrate().await?;
    let published = crate::now();
    guichet_catalogue::demo::publish(&store, published).await?;
    let catalogue = guichet_web::search_index::build(&store).await?;
    if !args.lexical {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        match guichet_web::search_index::attach_semantic(
            &store,
            &catalogue,
            args.cache_dir.clone(),
            cores,
        )
        .await?
        {
            Some(how) => println!("search: lexical and sentence embeddings ({how})"),
            None => println!(
                "search: lexical only ({})",
                guichet_search::semantic::NO_MODEL
            ),
        }
    }
    let kept = catalogue.clone();
    let state = guichet_web::AppState::new(guichet_web::Services {
        store: store.clone(),
        cases: guichet_cases::CaseService::new(store.clone()),
        clock: Arc::new(crate::SystemClock),
        demo: true,
        catalogue,
        territory: guichet_web::territory::TerritoryState::loading(),
        site: Arc::new(guichet_web::Site::demo()),
    });
    let app =
        guichet_web::router(state).route("/__plafond", axum::routing::get(|| async { "plafond" }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let handle = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok((base, handle, kept))
}

/// A visitor: their session cookie and CSRF token.
#[derive(Debug, Clone, Default)]
struct Visitor {
    cookie: Option<String>,
    csrf: String,
    reference: String,
}

fn csrf_of(html: &str) -> String {
    html.split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_default()
        .to_owned()
}

impl Visitor {
    /// Keeps every cookie the response sets (an agent's browser holds the staff cookie and,
    /// once a case is filled at the desk, the portal's session cookie too).
    fn keep_cookies(&mut self, response: &reqwest::Response) {
        for set in response.headers().get_all(reqwest::header::SET_COOKIE) {
            let Some(pair) = set.to_str().ok().and_then(|s| s.split(';').next()) else {
                continue;
            };
            let name = pair.split('=').next().unwrap_or_default();
            let mut kept: Vec<String> = self
                .cookie
                .iter()
                .flat_map(|c| c.split("; "))
                .filter(|c| !c.starts_with(&format!("{name}=")))
                .map(str::to_owned)
                .collect();
            kept.push(pair.to_owned());
            self.cookie = Some(kept.join("; "));
        }
    }

    /// A request carrying the visitor's cookies.
    fn with_cookies(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.cookie {
            Some(c) => request.header(reqwest::header::COOKIE, c),
            None => request,
        }
    }

    async fn get(&mut self, client: &reqwest::Client, url: &str) -> anyhow::Result<String> {
        let response = self.with_cookies(client.get(url)).send().await?;
        self.keep_cookies(&response);
        anyhow::ensure!(
            response.status().is_success(),
            "GET {url}: {}",
            response.status()
        );
        let text = response.text().await?;
        let csrf = csrf_of(&text);
        if !csrf.is_empty() {
            self.csrf = csrf;
        }
        Ok(text)
    }

    /// A page read and dropped, as a browser that already holds its token would: no UTF-8
    /// decoding, no token search, so that the load generator spends as little of the
    /// machine as it can.
    async fn fetch(&self, client: &reqwest::Client, url: &str) -> anyhow::Result<()> {
        let response = self.with_cookies(client.get(url)).send().await?;
        anyhow::ensure!(
            response.status().is_success(),
            "GET {url}: {}",
            response.status()
        );
        response.bytes().await?;
        Ok(())
    }

    async fn post(
        &mut self,
        client: &reqwest::Client,
        url: &str,
        form: &[(&str, &str)],
    ) -> anyhow::Result<String> {
        let mut fields: Vec<(&str, &str)> = form.to_vec();
        fields.push(("csrf", &self.csrf));
        let body: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        let request = client
            .post(url)
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(body);
        let response = self.with_cookies(request).send().await?;
        self.keep_cookies(&response);
        anyhow::ensure!(
            response.status().is_redirection(),
            "POST {url}: {}",
            response.status()
        );
        Ok(response
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|l| l.to_str().ok())
            .unwrap_or_default()
            .to_owned())
    }
}

const FORM: &str = "/demarches/inscription-cantine/en-ligne";

/// A whole online submission of the canteen form; returns the case reference.
async fn submit_once(
    client: &reqwest::Client,
    base: &str,
    v: &mut Visitor,
) -> anyhow::Result<String> {
    v.get(client, &format!("{base}{FORM}/coordonnees")).await?;
    v.post(
        client,
        &format!("{base}{FORM}/coordonnees"),
        &[
            ("prenom", "Jeanne"),
            ("nom", "Martin"),
            ("adresse-ligne1", "3 rue des Lilas"),
            ("adresse-code_postal", "59990"),
            ("adresse-commune", "Saint-Clair-sur-Lys"),
            ("contact", "Par courrier"),
        ],
    )
    .await?;
    let steps: [&[(&str, &str)]; 5] = [
        &[
            ("champ", "enfant"),
            ("instances", "1"),
            ("enfant-1-enfant_nom", "Léa Martin"),
            ("enfant-1-enfant_naissance", "03/09/2018"),
            ("enfant-1-ecole", "École Jules-Ferry"),
        ],
        &[("champ", "jours"), ("jours", "lundi"), ("jours", "jeudi")],
        &[("champ", "allergie"), ("allergie", "non")],
        &[
            ("champ", "responsable_adresse"),
            ("responsable_adresse-ligne1", "3 rue des Lilas"),
            ("responsable_adresse-code_postal", "59990"),
            ("responsable_adresse-commune", "Saint-Clair-sur-Lys"),
        ],
        &[("champ", "quotient"), ("quotient", "850")],
    ];
    for (i, fields) in steps.iter().enumerate() {
        v.post(client, &format!("{base}{FORM}/etape/{}", i + 1), fields)
            .await?;
    }
    let to = v
        .post(
            client,
            &format!("{base}{FORM}/verification"),
            &[("certifie", "oui")],
        )
        .await?;
    let reference = to
        .trim_start_matches("/suivi/")
        .split('?')
        .next()
        .unwrap_or_default()
        .to_owned();
    anyhow::ensure!(
        !reference.is_empty(),
        "no receipt after submitting (went to {to:?})"
    );
    v.reference = reference.clone();
    Ok(reference)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scenario {
    Ceiling,
    Home,
    Search,
    SearchNew,
    Procedure,
    CasePage,
    FormStep,
    Submission,
}

impl Scenario {
    fn name(self) -> &'static str {
        match self {
            Scenario::Ceiling => "ceiling",
            Scenario::Home => "home",
            Scenario::Search => "search",
            Scenario::SearchNew => "search_new",
            Scenario::Procedure => "procedure",
            Scenario::CasePage => "case_page",
            Scenario::FormStep => "form_step",
            Scenario::Submission => "submission",
        }
    }
}

async fn measure(engine: &str, store: Store, args: &WebBenchArgs) -> anyhow::Result<Vec<Figures>> {
    let store_of_bench = store.clone();
    let (base, server, catalogue) = serve(store, args).await?;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(args.concurrency)
        .build()?;
    // One visitor per connection, each with a submitted case (for the case page) and a draft
    // (for the form step).
    let mut visitors = Vec::with_capacity(args.concurrency);
    let portal = if args.desk_only { 0 } else { args.concurrency };
    for _ in 0..portal {
        let mut v = Visitor::default();
        submit_once(&client, &base, &mut v)
            .await
            .context("preparing the visitors")?;
        let mut draft = Visitor::default();
        draft
            .get(&client, &format!("{base}{FORM}/coordonnees"))
            .await?;
        draft
            .post(
                &client,
                &format!("{base}{FORM}/coordonnees"),
                &[
                    ("nom", "Durand"),
                    ("adresse-ligne1", "1 rue Haute"),
                    ("adresse-code_postal", "59990"),
                    ("adresse-commune", "Saint-Clair-sur-Lys"),
                    ("contact", "Par courrier"),
                ],
            )
            .await?;
        draft.reference = v.reference.clone();
        visitors.push((v, draft));
    }
    let mut out = Vec::new();
    let scenarios: &[Scenario] = if args.desk_only {
        &[Scenario::Ceiling]
    } else {
        &[
            Scenario::Ceiling,
            Scenario::Home,
            Scenario::Search,
            Scenario::SearchNew,
            Scenario::Procedure,
            Scenario::CasePage,
            Scenario::FormStep,
            Scenario::Submission,
        ]
    };
    for &scenario in scenarios {
        if visitors.is_empty() {
            break;
        }
        if scenario != Scenario::Ceiling
            && !args.only.is_empty()
            && !args.only.iter().any(|o| o == scenario.name())
        {
            continue;
        }
        let busy_before = catalogue.index.busy_answers();
        let mut figures = load(scenario, &client, &base, &visitors, args).await;
        // Searches answered lexically because every core that may embed was busy (a burst of
        // new questions): said, so that a fast `search_new` is not read as the model's speed.
        let busy = catalogue.index.busy_answers() - busy_before;
        figures.lexical_when_busy = (busy > 0).then_some(busy);
        println!(
            "{engine:<10} {:<11} {:>8.0} req/s{}  p50 {:>6.1} ms  p99 {:>6.1} ms  errors {}{}",
            figures.scenario,
            figures.requests_per_s,
            figures
                .submissions_per_s
                .map(|s| format!(" ({s:.0} submissions/s)"))
                .unwrap_or_default(),
            figures.p50_ms,
            figures.p99_ms,
            figures.errors,
            figures
                .lexical_when_busy
                .map(|n| format!("  ({n} answered lexically, every core busy)"))
                .unwrap_or_default()
        );
        out.push(figures);
    }
    if args.only.is_empty() || args.only.iter().any(|o| o.starts_with("desk")) {
        out.extend(measure_desk(engine, &store_of_bench, &client, &base, args).await?);
    }
    server.abort();
    if let (Some(ceiling), Some(case)) = (
        out.iter().find(|f| f.scenario == "ceiling"),
        out.iter().find(|f| f.scenario == "case_page"),
    ) {
        println!(
            "{engine:<10} case page at {:.0} % of the ceiling's throughput",
            100.0 * case.requests_per_s / ceiling.requests_per_s.max(1.0)
        );
    }
    Ok(out)
}

async fn load(
    scenario: Scenario,
    client: &reqwest::Client,
    base: &str,
    visitors: &[(Visitor, Visitor)],
    args: &WebBenchArgs,
) -> Figures {
    let stop = Arc::new(AtomicBool::new(false));
    let errors = Arc::new(AtomicU64::new(0));
    let submissions = Arc::new(AtomicU64::new(0));
    let fresh_query = Arc::new(AtomicU64::new(0));
    #[allow(clippy::disallowed_methods)] // a benchmark measures wall-clock time
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (v, draft) in visitors.iter().cloned() {
        let (client, base) = (client.clone(), base.to_owned());
        let (stop, errors, submissions) = (stop.clone(), errors.clone(), submissions.clone());
        let fresh_query = fresh_query.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies: Vec<u32> = Vec::new();
            let (v, mut draft) = (v, draft);
            let mut fresh = Visitor::default();
            while !stop.load(Ordering::Relaxed) {
                #[allow(clippy::disallowed_methods)] // a benchmark measures wall-clock time
                let t0 = Instant::now();
                let result = match scenario {
                    Scenario::Ceiling => v.fetch(&client, &format!("{base}/__plafond")).await,
                    Scenario::Home => v.fetch(&client, &format!("{base}/")).await,
                    Scenario::Search => {
                        v.fetch(
                            &client,
                            &format!(
                                "{base}/recherche?q=inscrire%20mon%20enfant%20%C3%A0%20la%20cantine"
                            ),
                        )
                        .await
                    }
                    // A question never asked before: its sentence vector is not in the
                    // search's cache, so this measures the model's cost per query.
                    Scenario::SearchNew => {
                        let n = fresh_query.fetch_add(1, Ordering::Relaxed);
                        v.fetch(
                            &client,
                            &format!("{base}/recherche?q=aide%20pour%20payer%20la%20cantine%20{n}"),
                        )
                        .await
                    }
                    Scenario::Procedure => {
                        v.fetch(&client, &format!("{base}/demarches/inscription-cantine"))
                            .await
                    }
                    Scenario::CasePage => {
                        v.fetch(&client, &format!("{base}/suivi/{}", v.reference))
                            .await
                    }
                    Scenario::FormStep => draft
                        .post(
                            &client,
                            &format!("{base}{FORM}/etape/2"),
                            &[("champ", "jours"), ("jours", "mardi")],
                        )
                        .await
                        .map(|_| ()),
                    Scenario::Submission => {
                        fresh.cookie = None;
                        submit_once(&client, &base, &mut fresh).await.map(|_| {
                            submissions.fetch_add(1, Ordering::Relaxed);
                        })
                    }
                };
                if result.is_err() {
                    errors.fetch_add(1, Ordering::Relaxed);
                }
                latencies.push(u32::try_from(t0.elapsed().as_micros()).unwrap_or(u32::MAX));
            }
            latencies
        }));
    }
    tokio::time::sleep(Duration::from_secs(args.seconds)).await;
    stop.store(true, Ordering::Relaxed);
    let mut all: Vec<u32> = Vec::new();
    for t in tasks {
        if let Ok(l) = t.await {
            all.extend(l);
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    all.sort_unstable();
    let pct = |p: f64| -> f64 {
        if all.is_empty() {
            return 0.0;
        }
        let i = ((all.len() as f64 - 1.0) * p).round() as usize;
        f64::from(all[i]) / 1000.0
    };
    // A submission is nine requests; its latencies are those of the whole submission.
    let done = submissions.load(Ordering::Relaxed);
    let requests = if scenario == Scenario::Submission {
        done as f64 * 9.0
    } else {
        all.len() as f64
    };
    Figures {
        scenario: scenario.name(),
        requests_per_s: requests / elapsed,
        submissions_per_s: (scenario == Scenario::Submission).then(|| done as f64 / elapsed),
        lexical_when_busy: None,
        p50_ms: pct(0.5),
        p99_ms: pct(0.99),
        errors: errors.load(Ordering::Relaxed),
    }
}

/// Family names for the directory the desk searches (the most frequent French names).
const FAMILY: [&str; 20] = [
    "Martin", "Bernard", "Thomas", "Petit", "Robert", "Richard", "Durand", "Dubois", "Moreau",
    "Laurent", "Simon", "Michel", "Lefèvre", "Leroy", "Roux", "David", "Bertrand", "Morel",
    "Fournier", "Girard",
];
const GIVEN: [&str; 10] = [
    "Marie", "Jean", "Hélène", "Pierre", "Nathalie", "Michel", "Isabelle", "Philippe", "Sylvie",
    "Alain",
];

/// The desk's hot paths with `--agents` signed-in agents over `--people` people: finding a
/// person (a name with a typo and a birth year, among the town hall's people) and opening a
/// case for one at the counter.
async fn measure_desk(
    engine: &str,
    store: &Store,
    client: &reqwest::Client,
    base: &str,
    args: &WebBenchArgs,
) -> anyhow::Result<Vec<Figures>> {
    use guichet_domain::{
        AccessibleFormats, ContactChannel, ContactPreferences, OperatorId, Person, PersonId,
        PersonName, PostalAddress, StaffRole,
    };
    let operator = OperatorId::parse("mairie-saint-clair")?;
    let now = crate::now();
    #[allow(clippy::disallowed_methods)] // a benchmark measures wall-clock time
    let t0 = Instant::now();
    let mut ids = Vec::with_capacity(args.people);
    for i in 0..args.people {
        let person = Person {
            id: PersonId::from_uuid(uuid::Uuid::from_u128(0xbe0c_0000_0000 + i as u128)),
            name: PersonName::parse(
                &format!("{} {}", GIVEN[i % GIVEN.len()], i / 200),
                FAMILY[(i / GIVEN.len()) % FAMILY.len()],
            )?,
            birth_date: chrono::NaiveDate::from_ymd_opt(
                1930 + (i % 80) as i32,
                1 + (i % 12) as u32,
                1 + (i % 28) as u32,
            ),
            address: Some(PostalAddress::parse(
                &[&format!("{} rue des Lilas", 1 + i % 300)],
                "59990",
                "Saint-Clair-sur-Lys",
            )?),
            email: None,
            phone: None,
            preferences: ContactPreferences::new(
                [ContactChannel::Post],
                i % 3 == 0,
                AccessibleFormats::default(),
            ),
        };
        store.insert_person(&person, now).await?;
        // Half the directory is the town hall's; the others belong to other operators.
        if i % 2 == 0 {
            store.attach_person(person.id, &operator, now).await?;
            ids.push(person.id);
        }
    }
    println!(
        "{engine:<10} desk: {} people registered in {:.0} s",
        args.people,
        t0.elapsed().as_secs_f64()
    );
    // One account per agent, each signed in once (a TOTP code is accepted once per account).
    let mut agents = Vec::with_capacity(args.agents);
    for n in 0..args.agents {
        let secret = guichet_auth::TotpSecret::generate();
        let login = format!("agent{n}@bench.example");
        let password = "Banc-Essai-Guichet-2026";
        store
            .insert_agent(&guichet_store::agents::AgentAccount {
                id: guichet_domain::AgentId::from_uuid(uuid::Uuid::new_v4()),
                login: login.clone(),
                display_name: format!("Agent {n}"),
                title: "Agent d’accueil".into(),
                role: StaffRole::FrontDesk,
                operator: operator.clone(),
                place: None,
                password_hash: guichet_auth::hash_password(password)?,
                totp_secret: Some(secret.to_base32()),
                totp_last_step: None,
                failed_attempts: 0,
                locked_until: None,
                suspended: false,
                created_at: now,
            })
            .await?;
        let mut v = Visitor::default();
        v.get(client, &format!("{base}/agents/connexion")).await?;
        v.post(
            client,
            &format!("{base}/agents/connexion"),
            &[("identifiant", &login), ("mot_de_passe", password)],
        )
        .await?;
        v.get(client, &format!("{base}/agents/connexion/code"))
            .await?;
        let code = secret.code_at(crate::now().timestamp());
        let to = v
            .post(
                client,
                &format!("{base}/agents/connexion/code"),
                &[("code", &code)],
            )
            .await?;
        anyhow::ensure!(to == "/agents", "agent {n} not signed in (went to {to:?})");
        v.get(client, &format!("{base}/agents/personnes")).await?;
        agents.push(v);
    }
    let ids = Arc::new(ids);
    let mut out = Vec::new();
    for scenario in ["desk_search", "desk_open_case"] {
        let stop = Arc::new(AtomicBool::new(false));
        let errors = Arc::new(AtomicU64::new(0));
        #[allow(clippy::disallowed_methods)] // a benchmark measures wall-clock time
        let started = Instant::now();
        let pause = args.desk_pause_ms;
        let agent_count = agents.len();
        let mut tasks = Vec::new();
        for (n, v) in agents.iter().cloned().enumerate() {
            let (client, base) = (client.clone(), base.to_owned());
            let (stop, errors) = (stop.clone(), errors.clone());
            let ids = Arc::clone(&ids);
            tasks.push(tokio::spawn(async move {
                let mut v = v;
                let mut latencies: Vec<u32> = Vec::new();
                let mut i = n;
                // Agents work independently: with a pause, each starts at its own offset
                // within it, so that the 50 do not all ask at the same instant.
                if pause > 0 {
                    let offset = pause * n as u64 / agent_count.max(1) as u64;
                    tokio::time::sleep(Duration::from_millis(offset)).await;
                }
                while !stop.load(Ordering::Relaxed) {
                    i += args_stride();
                    #[allow(clippy::disallowed_methods)] // a benchmark measures wall-clock time
                    let t0 = Instant::now();
                    let result = if scenario == "desk_search" {
                        // « Lefevbre Helene 1954 »-like: a typo in the family name, a birth date.
                        let family = FAMILY[i % FAMILY.len()];
                        let typo: String =
                            family.chars().take(family.chars().count() - 1).collect();
                        let q = format!("{typo} {}", GIVEN[i % GIVEN.len()]);
                        let url = format!(
                            "{base}/agents/personnes?q={}",
                            form_urlencoded::byte_serialize(q.as_bytes()).collect::<String>()
                        );
                        v.get(&client, &url).await.map(|_| ())
                    } else {
                        let person = ids[i % ids.len()];
                        v.post(
                            &client,
                            &format!("{base}/agents/personnes/{person}/dossiers"),
                            &[("demarche", "copie-acte-etat-civil"), ("canal", "counter")],
                        )
                        .await
                        .and_then(|to| {
                            anyhow::ensure!(
                                to.starts_with("/demarches/"),
                                "the case was not opened (went to {to:?})"
                            );
                            Ok(())
                        })
                    };
                    if result.is_err() {
                        errors.fetch_add(1, Ordering::Relaxed);
                    }
                    latencies.push(u32::try_from(t0.elapsed().as_micros()).unwrap_or(u32::MAX));
                    if pause > 0 {
                        tokio::time::sleep(Duration::from_millis(pause)).await;
                    }
                }
                latencies
            }));
        }
        tokio::time::sleep(Duration::from_secs(args.seconds)).await;
        stop.store(true, Ordering::Relaxed);
        let mut all: Vec<u32> = Vec::new();
        for t in tasks {
            if let Ok(l) = t.await {
                all.extend(l);
            }
        }
        let elapsed = started.elapsed().as_secs_f64();
        all.sort_unstable();
        let pct = |p: f64| -> f64 {
            if all.is_empty() {
                return 0.0;
            }
            let i = ((all.len() as f64 - 1.0) * p).round() as usize;
            f64::from(all[i]) / 1000.0
        };
        let figures = Figures {
            scenario,
            requests_per_s: all.len() as f64 / elapsed,
            submissions_per_s: None,
            lexical_when_busy: None,
            p50_ms: pct(0.5),
            p99_ms: pct(0.99),
            errors: errors.load(Ordering::Relaxed),
        };
        println!(
            "{engine:<10} {:<14} {:>8.0} req/s  p50 {:>6.1} ms  p99 {:>6.1} ms  errors {}  ({} agents, {} people, {} ms between requests)",
            figures.scenario,
            figures.requests_per_s,
            figures.p50_ms,
            figures.p99_ms,
            figures.errors,
            args.agents,
            args.people,
            args.desk_pause_ms
        );
        out.push(figures);
    }
    Ok(out)
}

/// Each agent walks the names and people with its own stride.
fn args_stride() -> usize {
    7
}
