//! `/lieux`, « Où aller près de chez moi », on real data: the communes of the Ain (01) and the
//! Loire (42) from the copy committed in `guichet-territory/data`, their France Services from
//! the ANCT list and their digital-mediation places from the AURA list in `../shared/data`,
//! and the town halls. The app's clock is Monday 16 February 2026, 00:00 UTC (01:00 in Paris):
//! every place is closed.
//!
//! The page reads no database for places; the store holds the procedures of `?demarche=`.

use std::io::Read;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use axum::http::StatusCode;
use chrono::{TimeZone, Utc};
use guichet_domain::{
    ChannelAccess, HostedProcedure, HostedProcedureFields, Operator, OperatorId, OperatorKind,
    ProcedureChannel, ProcedureId,
};
use guichet_places::{Commune, Place};
use guichet_store::Engine;
use guichet_territory::{Network, TerritoryReport};
use guichet_web::territory::{TerritoryData, TerritoryState};

use crate::support::{TestApp, TestAppBuilder, TestResponse};

const DEPS: [&str; 2] = ["01", "42"];

fn workspace() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

fn in_deps(code: Option<&guichet_places::InseeCode>) -> bool {
    code.is_some_and(|c| DEPS.iter().any(|d| c.as_str().starts_with(d)))
}

struct Fixture {
    communes: Vec<Commune>,
    places: Vec<Place>,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let gz =
            std::fs::read(workspace().join("crates/guichet-territory/data/communes-2026.csv.gz"))
                .unwrap();
        let mut text = String::new();
        flate2::read::GzDecoder::new(&gz[..])
            .read_to_string(&mut text)
            .unwrap();
        let mut lines = text.lines();
        let mut csv = format!("{}\n", lines.next().unwrap());
        for l in lines.filter(|l| DEPS.contains(&l.split(',').nth(2).unwrap_or(""))) {
            csv.push_str(l);
            csv.push('\n');
        }
        let set = guichet_places::load_communes(csv.as_bytes()).unwrap();
        let data = workspace().join("../shared/data");
        let fs = guichet_places::load_france_services(
            std::fs::File::open(data.join("france-services-2024-08-01.csv")).unwrap(),
        )
        .unwrap();
        let lmn = guichet_places::load_mediation_places(
            std::fs::File::open(data.join("lieux-mediation-numerique-aura.json")).unwrap(),
        )
        .unwrap();
        let mut places = guichet_places::town_halls(&set);
        places.extend(fs.places.into_iter().filter(|p| in_deps(p.insee.as_ref())));
        // The mediation list gives postcodes, not INSEE codes.
        places.extend(
            lmn.places
                .into_iter()
                .filter(|p| DEPS.iter().any(|d| p.postcode.starts_with(d))),
        );
        Fixture {
            communes: set.communes,
            places,
        }
    })
}

fn ready() -> Arc<TerritoryState> {
    let f = fixture();
    let report = TerritoryReport::build(
        f.communes.clone(),
        f.places.clone(),
        Network::estimate(1.3, 50.0).unwrap(),
    )
    .unwrap();
    TerritoryState::ready(TerritoryData {
        report,
        notes: Vec::new(),
    })
}

fn builder() -> TestAppBuilder {
    TestApp::builder().territory(ready())
}

/// Runs `body` on SQLite (the page reads the store only for `?demarche=`).
async fn with_app<F, Fut>(b: TestAppBuilder, body: F)
where
    F: FnOnce(TestApp) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    b.run_on(Engine::Sqlite, body).await
}

/// The places listed, as (kind, name) in page order.
fn listed(r: &TestResponse) -> Vec<(String, String)> {
    let t = r.text();
    t.split("<li class=\"lieux-lieu\">")
        .skip(1)
        .map(|card| {
            let between = |a: &str, b: &str| {
                let s = card.find(a).unwrap() + a.len();
                let e = s + card[s..].find(b).unwrap();
                card[s..e].to_owned()
            };
            (
                between("<span class=\"etiquette\">", "</span>"),
                between("<h3 class=\"lieux-lieu__nom\">", "</h3>"),
            )
        })
        .collect()
}

#[tokio::test]
async fn the_form_alone_asks_for_a_commune() {
    with_app(builder(), |mut app| async move {
        let r = app.get("/lieux").await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.title(), "Où aller près de chez moi — Guichet");
        let t = r.text();
        assert!(t.contains("<label for=\"lieux-q\">Votre commune ou votre code postal</label>"));
        assert!(t.contains("id=\"lieux-q\" name=\"q\""));
        assert!(!t.contains("lieux-lieu"));
    })
    .await;
}

#[tokio::test]
async fn a_postcode_of_one_commune_lists_its_places_nearest_first() {
    with_app(builder(), |mut app| async move {
        let r = app.get("/lieux?q=42000").await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(
            r.title(),
            "Lieux près de Saint-Étienne (42000) — Où aller près de chez moi — Guichet"
        );
        let places = listed(&r);
        assert!(!places.is_empty() && places.len() <= 8, "{places:?}");
        let kinds: Vec<&str> = places.iter().map(|p| p.0.as_str()).collect();
        assert!(kinds.contains(&"Mairie"), "{kinds:?}");
        assert!(kinds.contains(&"France Services"), "{kinds:?}");
        assert!(kinds.contains(&"Lieu de médiation numérique"), "{kinds:?}");
        // The town hall of the commune, not a neighbour's.
        assert!(places.iter().any(|p| p.1 == "Mairie de Saint-Étienne"));
        assert_eq!(
            places.iter().filter(|p| p.0 == "Mairie").count(),
            1,
            "{places:?}"
        );
        // Sorted by travel time.
        let t = r.text();
        let times: Vec<u32> = t
            .split("<p class=\"lieux-trajet\">")
            .skip(1)
            .map(|s| {
                let s = &s[..s.find("</p>").unwrap()];
                if s.starts_with("moins de 5") {
                    0
                } else {
                    s.split_whitespace().nth(1).unwrap().parse().unwrap()
                }
            })
            .collect();
        assert_eq!(times.len(), places.len());
        assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
    })
    .await;
}

#[tokio::test]
async fn travel_times_are_labelled_as_an_estimate_with_the_method() {
    with_app(builder(), |mut app| async move {
        let r = app.get("/lieux?q=42000").await;
        let text = r.page_text();
        assert!(text.contains("min en voiture (estimation)"), "{text}");
        assert!(
            text.contains("Temps de trajet estimés depuis la mairie de Saint-Étienne, sans réseau routier\u{a0}: distance à vol d’oiseau × 1,30 ÷ 50 km/h."),
            "{text}"
        );
        // The time of the Montreynaud France Services, recomputed here: haversine × 1.3 ÷ 50.
        let f = fixture();
        let mairie = f
            .communes
            .iter()
            .find(|c| c.insee.as_str() == "42218")
            .unwrap()
            .point
            .unwrap();
        let fs = f
            .places
            .iter()
            .find(|p| p.name.ends_with("Montreynaud"))
            .unwrap();
        let km = haversine_km(mairie, fs.location);
        let minutes = km * 1.3 / 50.0 * 60.0;
        assert!((5.0..7.0).contains(&minutes), "{minutes}");
        let card = r
            .text()
            .split("<li class=\"lieux-lieu\">")
            .find(|c| c.contains("Montreynaud"))
            .unwrap();
        let want = format!("environ {} min en voiture (estimation)", minutes.round());
        assert!(card.contains(&want), "{want}: {card}");
        // The town hall itself, from the town hall: under five minutes.
        let card = r
            .text()
            .split("<li class=\"lieux-lieu\">")
            .find(|c| c.contains("Mairie de Saint-Étienne"))
            .unwrap();
        assert!(card.contains("moins de 5 min en voiture (estimation)"), "{card}");
    })
    .await;
}

fn haversine_km(a: guichet_places::LatLon, b: guichet_places::LatLon) -> f64 {
    let (p1, p2) = (a.lat.to_radians(), b.lat.to_radians());
    let h = ((p2 - p1) / 2.0).sin().powi(2)
        + p1.cos() * p2.cos() * ((b.lon - a.lon).to_radians() / 2.0).sin().powi(2);
    2.0 * 6_371.008_8 * h.sqrt().asin()
}

#[tokio::test]
async fn phones_are_tel_links_and_hours_are_plain_french() {
    with_app(builder(), |mut app| async move {
        let r = app.get("/lieux?q=42000").await;
        let t = r.text();
        assert!(
            t.contains("<a class=\"lieux-tel\" href=\"tel:+33477921449\">04 77 92 14 49</a>"),
            "{t}"
        );
        let text = r.page_text();
        // Monday 16 February 2026 at 01:00 in Paris: the Montreynaud France Services opens
        // at 13:30 that afternoon (its Monday column: « 13:30 - 17:00 »).
        let card = t
            .split("<li class=\"lieux-lieu\">")
            .find(|c| c.contains("Montreynaud"))
            .unwrap();
        assert!(
            card.contains("Fermé — ouvre aujourd’hui à 13\u{a0}h\u{a0}30"),
            "{card}"
        );
        assert!(
            card.contains("lundi\u{a0}: <span class=\"lieux-insecable\">13 h 30 – 17 h</span>"),
            "{card}"
        );
        // Town halls' hours are not in the data: never invented.
        let mairie = t
            .split("<li class=\"lieux-lieu\">")
            .find(|c| c.contains("Mairie de Saint-Étienne"))
            .unwrap();
        // Nor a phone: nobody is told to call a number they are not given.
        assert!(
            mairie
                .contains("Horaires non communiqués\u{a0}: renseignez-vous avant de vous déplacer"),
            "{mairie}"
        );
        assert!(!mairie.contains("Ouvert") && !mairie.contains("Fermé"));
        assert!(text.contains("Téléphone\u{a0}: non communiqué"), "{text}");
        // A France Services bus is not a counter open every day in one place.
        let bus = t
            .split("<li class=\"lieux-lieu\">")
            .find(|c| c.contains("Bus France services UDAF"))
            .unwrap();
        assert!(bus.contains(
            "France Services en bus : appelez pour connaître ses jours et lieux de passage"
        ));
        assert!(!t.contains("Bus_équivalent"));
    })
    .await;
}

#[tokio::test]
async fn a_name_is_found_with_or_without_accents() {
    with_app(builder(), |mut app| async move {
        for q in [
            "Saint-%C3%89tienne",
            "saint+etienne",
            "SAINT-ETIENNE",
            "St+Etienne",
            "42100",
        ] {
            let r = app.get(&format!("/lieux?q={q}")).await;
            assert_eq!(r.status, StatusCode::OK, "{q}");
            assert!(
                r.text()
                    .contains("<h2>Lieux près de Saint-Étienne (42000)</h2>"),
                "{q}"
            );
        }
        // The field keeps what the person typed.
        let r = app.get("/lieux?q=saint+etienne").await;
        assert!(r.text().contains("value=\"saint etienne\""));
    })
    .await;
}

#[tokio::test]
async fn a_postcode_of_several_communes_lets_the_person_choose() {
    with_app(builder(), |mut app| async move {
        let r = app.get("/lieux?q=01000").await;
        assert_eq!(r.status, StatusCode::OK);
        let t = r.text();
        assert!(t.contains("Plusieurs communes ont le code postal 01000. Choisissez la vôtre :"));
        assert!(
            t.contains("<a href=\"/lieux?commune=01053&#38;q=01000\">Bourg-en-Bresse</a>"),
            "{t}"
        );
        assert!(
            t.contains("<a href=\"/lieux?commune=01344&#38;q=01000\">Saint-Denis-lès-Bourg</a>"),
            "{t}"
        );
        assert!(listed(&r).is_empty());
        // Following a link gives that commune's places.
        let r = app.get("/lieux?commune=01344&q=01000").await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(
            r.text()
                .contains("<h2>Lieux près de Saint-Denis-lès-Bourg (01000)</h2>")
        );
        assert!(
            listed(&r)
                .iter()
                .any(|p| p.1 == "Mairie de Saint-Denis-lès-Bourg")
        );
    })
    .await;
}

#[tokio::test]
async fn an_unknown_commune_is_said_in_french_with_close_names() {
    with_app(builder(), |mut app| async move {
        let r = app.get("/lieux?q=Saint-Etiene").await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert!(r.title().starts_with("Erreur\u{a0}: Nous ne trouvons pas de commune nommée « Saint-Etiene »"));
        let t = r.text();
        assert!(t.contains("aria-invalid=\"true\""));
        assert!(t.contains("aria-describedby=\"lieux-q-aide lieux-q-erreur\""));
        assert!(t.contains("value=\"Saint-Etiene\""));
        assert!(t.contains("<a href=\"/lieux?commune=42218&#38;q=Saint-Etiene\">Saint-Étienne</a>"), "{t}");

        let r = app.get("/lieux?q=Xyzzyville").await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert!(r.page_text().contains("Nous ne trouvons pas de commune nommée « Xyzzyville ». Vérifiez l’orthographe, ou indiquez son code postal."));

        let r = app.get("/lieux?q=59000").await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "Lille is not in this territory");
        assert!(r.title().starts_with("Erreur\u{a0}: Aucune commune n’a le code postal 59000."));
    })
    .await;
}

#[tokio::test]
async fn bad_input_gets_a_french_message_and_never_a_crash() {
    with_app(builder(), |mut app| async move {
        let long = "a".repeat(2000);
        for (path, status, message) in [
            (
                "/lieux?q=".to_owned(),
                StatusCode::BAD_REQUEST,
                "Indiquez le nom de votre commune ou son code postal.",
            ),
            (
                "/lieux?q=+++".to_owned(),
                StatusCode::BAD_REQUEST,
                "Indiquez le nom de votre commune ou son code postal.",
            ),
            (
                format!("/lieux?q={long}"),
                StatusCode::BAD_REQUEST,
                "Ce texte est trop long (2000 caractères)",
            ),
            (
                "/lieux?q=420".to_owned(),
                StatusCode::BAD_REQUEST,
                "Un code postal s’écrit avec 5 chiffres",
            ),
            (
                "/lieux?commune=zzz".to_owned(),
                StatusCode::BAD_REQUEST,
                "Cette commune n’est pas connue ici.",
            ),
            (
                "/lieux?commune=59350".to_owned(),
                StatusCode::BAD_REQUEST,
                "Cette commune n’est pas connue ici.",
            ),
            // Bytes that are not UTF-8 are read as replacement characters: no name.
            (
                "/lieux?q=%FF%FE".to_owned(),
                StatusCode::BAD_REQUEST,
                "Indiquez le nom de votre commune ou son code postal.",
            ),
            // Two values for one field cannot be read.
            (
                "/lieux?q=42000&q=01000".to_owned(),
                StatusCode::BAD_REQUEST,
                "L’adresse de la page est mal formée.",
            ),
            (
                "/lieux?demarche=%3Cb%3E".to_owned(),
                StatusCode::NOT_FOUND,
                "La démarche « <b> » n’existe pas ici.",
            ),
            (
                "/lieux?demarche=inconnue&q=42000".to_owned(),
                StatusCode::NOT_FOUND,
                "La démarche « inconnue » n’existe pas ici.",
            ),
        ] {
            let r = app.get(&path).await;
            assert_eq!(r.status, status, "{path}");
            assert!(
                r.title().starts_with("Erreur\u{a0}: "),
                "{path}: {}",
                r.title()
            );
            assert!(r.page_text().contains(message), "{path}: {}", r.page_text());
            assert!(
                r.text().contains("id=\"lieux-q\""),
                "{path}: the form stays"
            );
        }
        // The long text is kept in the field, escaped.
        let r = app.get(&format!("/lieux?q={long}")).await;
        assert!(r.text().contains(&format!("value=\"{long}\"")));
    })
    .await;
}

#[tokio::test]
async fn html_in_the_query_is_shown_as_text() {
    with_app(builder(), |mut app| async move {
        let r = app
            .get("/lieux?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E&demarche=%22%3E%3Cimg%3E")
            .await;
        let t = r.text();
        assert!(!t.contains("<script>alert"), "{t}");
        assert!(!t.contains("<img>"), "{t}");
        assert!(
            t.contains("&lt;script&gt;") || t.contains("&#60;script&#62;"),
            "{t}"
        );
        let r = app.get("/lieux?q=%3Cb%3Etoto%3C%2Fb%3E").await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert!(!r.text().contains("<b>toto"));
        assert!(
            r.page_text().contains("« <b>toto</b> »"),
            "{}",
            r.page_text()
        );
    })
    .await;
}

#[tokio::test]
async fn a_town_procedure_names_its_counters_and_keeps_the_procedure_in_links() {
    with_app(builder().demo_procedures(), |mut app| async move {
        let r = app
            .get("/lieux?demarche=copie-acte-etat-civil&q=01000")
            .await;
        assert_eq!(r.status, StatusCode::OK);
        let text = r.page_text();
        assert!(
            text.contains("Pour la démarche «\u{a0}Copie ou extrait d’un acte d’état civil\u{a0}»"),
            "{text}"
        );
        assert!(
            text.contains("Service responsable\u{a0}: Mairie de Saint-Clair-sur-Lys"),
            "{text}"
        );
        assert!(text.contains("Accueil de la mairie, 1 place de la Mairie, Saint-Clair-sur-Lys"));
        assert!(text.contains("Horaires du guichet\u{a0}: du lundi au samedi de 8 h 30 à 12 h"));
        let t = r.text();
        assert!(
            t.contains("<input type=\"hidden\" name=\"demarche\" value=\"copie-acte-etat-civil\">")
        );
        assert!(
            t.contains(
                "href=\"/lieux?commune=01053&#38;q=01000&#38;demarche=copie-acte-etat-civil\""
            ),
            "{t}"
        );
        // Saint-Clair-sur-Lys is not the person's commune: no town hall is said to handle it.
        let r = app
            .get("/lieux?demarche=copie-acte-etat-civil&commune=01053")
            .await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(!r.text().contains("Traite cette démarche"));
        assert!(r.text().contains("Pour la démarche"));
        // Without a commune, the procedure and the form.
        let r = app.get("/lieux?demarche=copie-acte-etat-civil").await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.text().contains("Pour la démarche"));
        assert!(listed(&r).is_empty());
    })
    .await;
}

/// Publishes a procedure of `operator` (created) open online and at the counter.
async fn publish(app: &TestApp, id: &str, title: &str, operator: &Operator) {
    app.store().save_operator(operator).await.unwrap();
    let mut channels = std::collections::BTreeMap::new();
    for c in [ProcedureChannel::Web, ProcedureChannel::Counter] {
        channels.insert(
            c,
            ChannelAccess {
                how: "Avec un conseiller.".into(),
            },
        );
    }
    let procedure = HostedProcedure::try_from(HostedProcedureFields {
        id: ProcedureId::parse(id).unwrap(),
        version: 1,
        title: title.into(),
        summary: String::new(),
        operator: operator.id.clone(),
        channels,
        deadline: None,
        decides_rights: true,
    })
    .unwrap();
    app.store()
        .publish_procedure(
            &procedure,
            Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap(),
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn a_national_procedure_puts_france_services_first() {
    with_app(builder(), |mut app| async move {
        let caf = Operator {
            id: OperatorId::parse("caf-42").unwrap(),
            name: "CAF de la Loire".into(),
            kind: OperatorKind::Caf,
        };
        publish(&app, "prime-activite", "Prime d’activité", &caf).await;
        // Without the procedure, the town hall (0 min) comes first.
        let r = app.get("/lieux?q=42000").await;
        assert_eq!(listed(&r)[0].0, "Mairie");
        let r = app.get("/lieux?q=42000&demarche=prime-activite").await;
        assert_eq!(r.status, StatusCode::OK);
        let places = listed(&r);
        let first_other = places.iter().position(|p| p.0 != "France Services").unwrap();
        assert!(first_other >= 1, "{places:?}");
        assert!(places[first_other..].iter().all(|p| p.0 != "France Services"), "{places:?}");
        assert!(r.text().contains("Vous accompagne pour cette démarche"));
        assert!(r.page_text().contains("Les conseillers France Services vous accompagnent pour les démarches de cet organisme (CAF de la Loire)"));
        assert!(!r.text().contains("Traite cette démarche"));
    })
    .await;
}

#[tokio::test]
async fn the_persons_own_town_hall_is_marked_for_its_procedures() {
    with_app(builder(), |mut app| async move {
        let mairie = Operator {
            id: OperatorId::parse("mairie-saint-etienne").unwrap(),
            name: "Mairie de Saint-Étienne".into(),
            kind: OperatorKind::TownHall,
        };
        publish(&app, "permis-de-louer", "Permis de louer", &mairie).await;
        let r = app.get("/lieux?q=42000&demarche=permis-de-louer").await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(listed(&r)[0].1, "Mairie de Saint-Étienne");
        let card = r
            .text()
            .split("<li class=\"lieux-lieu\">")
            .nth(1)
            .unwrap()
            .to_owned();
        assert!(card.contains("Traite cette démarche"), "{card}");
        assert_eq!(r.text().matches("Traite cette démarche").count(), 1);
        // From another commune, that town hall is not the person's: nothing is marked.
        let r = app.get("/lieux?q=01000&demarche=permis-de-louer").await;
        assert!(!r.text().contains("Traite cette démarche"));
        let r = app
            .get("/lieux?commune=01053&demarche=permis-de-louer")
            .await;
        assert!(!r.text().contains("Traite cette démarche"));
        assert!(!r.text().contains("Vous accompagne pour cette démarche"));
    })
    .await;
}

#[tokio::test]
async fn while_the_territory_loads_the_page_says_so() {
    with_app(TestApp::builder(), |mut app| async move {
        let r = app.get("/lieux?q=42000").await;
        assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(r.header("retry-after"), Some("10"));
        assert!(
            r.page_text()
                .contains("La liste des lieux est en cours de chargement")
        );
        assert!(r.text().contains("id=\"lieux-q\""));
    })
    .await;
}

/// No place over [`MAX_MINUTES`](../../src/routes/places.rs) away is listed as « near »: with
/// the digital-mediation places of the Loire alone, Divonne-les-Bains (at the far end of the
/// Ain, about five hours away by the estimate) is offered none, but still its France Services
/// and its town hall.
#[tokio::test]
async fn a_place_more_than_ninety_minutes_away_is_not_listed_as_near() {
    let f = fixture();
    let places: Vec<Place> = f
        .places
        .iter()
        .filter(|p| {
            p.kind != guichet_places::PlaceKind::DigitalMediation || p.postcode.starts_with("42")
        })
        .cloned()
        .collect();
    let report = TerritoryReport::build(
        f.communes.clone(),
        places,
        Network::estimate(1.3, 50.0).unwrap(),
    )
    .unwrap();
    let territory = TerritoryState::ready(TerritoryData {
        report,
        notes: Vec::new(),
    });
    with_app(
        TestApp::builder().territory(territory),
        |mut app| async move {
            let r = app.get("/lieux?q=Divonne-les-Bains").await;
            assert_eq!(r.status, StatusCode::OK);
            let kinds: Vec<String> = listed(&r).into_iter().map(|p| p.0).collect();
            assert!(kinds.iter().any(|k| k == "France Services"), "{kinds:?}");
            assert!(kinds.iter().any(|k| k == "Mairie"), "{kinds:?}");
            assert!(
                !kinds.iter().any(|k| k == "Lieu de médiation numérique"),
                "{kinds:?}"
            );
            // From Saint-Étienne, the same territory lists them.
            let r = app.get("/lieux?q=42000").await;
            let kinds: Vec<String> = listed(&r).into_iter().map(|p| p.0).collect();
            assert!(
                kinds.iter().any(|k| k == "Lieu de médiation numérique"),
                "{kinds:?}"
            );
        },
    )
    .await;
}
