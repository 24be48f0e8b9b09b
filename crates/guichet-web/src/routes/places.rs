//! `GET /lieux?q=…&demarche=…`: « Où aller près de chez moi ». A person types their commune
//! or postcode and sees the nearest places that can help — their town hall, France Services,
//! digital-mediation places, any other kind the territory data holds — with the address, a
//! `tel:` link, the hours in plain French, whether it is open now (French local time) and the
//! travel time measured the way `/territoire` measures it, labelled as an estimate when it is
//! one. With `demarche`, the page names the procedure, shows where it is done (its definition's
//! counters and phone line) and puts first the places that can handle it.
//!
//! Everything comes from the territorial report (`AppState::territory`: its communes, places
//! and network, [`TerritoryReport::directory`] and [`TerritoryReport::nearby`]) and, for a
//! procedure, the store and the catalogue. GET only; works without JavaScript; every input is
//! checked and answered in French (400 for what cannot be read, 404 for what does not exist).

use std::sync::Arc;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use guichet_domain::{OperatorKind, ProcedureId};
use guichet_places::{Hours, InseeCode, Phone, PlaceKind, WeekLine, local_time};
use guichet_territory::{Lookup, Method, NearbyPlace, TerritoryReport, Want, fold};
use serde::Deserialize;

use crate::error::AppError;
use crate::territory::TerritoryStatus;
use crate::{AppState, Layout};

/// Places listed at most.
const MAX_PLACES: usize = 8;
/// The longest estimated trip (minutes by car) for a place to be listed as near.
const MAX_MINUTES: f64 = 90.0;
/// Longest procedure id read (ids are short slugs).
const MAX_DEMARCHE_CHARS: usize = 100;

#[derive(Debug, Deserialize, Default)]
pub struct Params {
    /// A commune name or a postcode, as typed. `None` when the form was not sent yet.
    q: Option<String>,
    /// A hosted procedure id.
    #[serde(default)]
    demarche: String,
    /// The INSEE code of a commune chosen among several (links of the choice list).
    #[serde(default)]
    commune: String,
}

/// One phone number: a `tel:` link when it is a French number, else the text as published.
#[derive(Debug)]
pub struct PhoneView {
    pub href: Option<String>,
    pub text: String,
}

impl PhoneView {
    fn new(raw: &str) -> PhoneView {
        match Phone::parse(raw) {
            Some(p) => PhoneView {
                href: Some(format!("tel:{}", p.e164())),
                text: p.display(),
            },
            None => PhoneView {
                href: None,
                text: raw.trim().to_owned(),
            },
        }
    }
}

/// One place of the list.
#[derive(Debug)]
pub struct PlaceCard {
    pub kind: String,
    pub name: String,
    /// Street address, or empty when the source gives none.
    pub address: String,
    /// Postcode and commune.
    pub town: String,
    pub phone: Option<PhoneView>,
    pub email: Option<String>,
    /// « environ 12 min en voiture (estimation) ».
    pub travel: String,
    /// « Ouvert maintenant… », « Fermé — ouvre… », or `None` when the hours are not known.
    pub status: Option<String>,
    pub open_now: bool,
    /// The week in plain French; empty when unknown.
    pub week: Vec<WeekLine>,
    /// Hours the source gives but that could not be read, shown as published.
    pub unreadable_hours: Option<String>,
    /// A bus or an itinerant service, not a fixed counter.
    pub format: Option<String>,
    /// Can handle the procedure asked about.
    pub preferred: Option<&'static str>,
}

/// A commune to choose among several.
#[derive(Debug)]
pub struct Choice {
    pub name: String,
    pub detail: String,
    pub href: String,
}

/// The procedure the person asked about.
#[derive(Debug)]
pub struct ProcedureView {
    pub id: String,
    pub title: String,
    pub operator: String,
    /// How to do it at the counter, and where (from its definition).
    pub counter_how: Option<String>,
    pub counters: Vec<String>,
    pub counter_hours: Option<String>,
    pub phone: Option<PhoneView>,
    pub phone_hours: Option<String>,
    /// Which of the places below can handle it, in one sentence.
    pub guidance: String,
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "places.html")]
pub struct PlacesPage {
    layout: Layout,
    q: String,
    demarche: String,
    /// A message about the input (the field is then marked invalid).
    error: Option<String>,
    /// A message about the service (data still loading, unavailable).
    notice: Option<String>,
    suggestions: Vec<Choice>,
    choices_intro: Option<String>,
    choices: Vec<Choice>,
    commune: Option<String>,
    method: Option<String>,
    places: Vec<PlaceCard>,
    procedure: Option<ProcedureView>,
}

impl PlacesPage {
    fn new(state: &AppState, q: String, demarche: String) -> PlacesPage {
        PlacesPage {
            layout: Layout::new(state, "Où aller près de chez moi"),
            q,
            demarche,
            error: None,
            notice: None,
            suggestions: Vec::new(),
            choices_intro: None,
            choices: Vec::new(),
            commune: None,
            method: None,
            places: Vec::new(),
            procedure: None,
        }
    }

    /// The page with an input error, under `status`; its title starts with « Erreur : ».
    fn error(mut self, status: StatusCode, message: String) -> Response {
        self.layout.title = format!("Erreur\u{a0}: {message} — {}", self.layout.title);
        self.error = Some(message);
        (status, self).into_response()
    }
}

/// Who handles the procedure, for the preference rules.
#[derive(Debug, Clone)]
pub(crate) struct Handler {
    kind: OperatorKind,
    /// The operator's name, folded, to recognise the person's own town hall.
    folded_name: String,
}

pub async fn page(
    State(state): State<AppState>,
    params: Result<Query<Params>, QueryRejection>,
) -> Result<Response, AppError> {
    let Ok(Query(params)) = params else {
        let page = PlacesPage::new(&state, String::new(), String::new());
        return Ok(page.error(
            StatusCode::BAD_REQUEST,
            "L’adresse de la page est mal formée. Indiquez votre commune dans le formulaire."
                .to_owned(),
        ));
    };
    let sent = params.q.is_some();
    let q = params.q.unwrap_or_default();
    let demarche = params.demarche.trim().to_owned();
    let mut page = PlacesPage::new(&state, q.clone(), demarche.clone());

    // The procedure first: an unknown one is an error whatever the commune.
    let mut handler = None;
    if !demarche.is_empty() {
        let unknown = || {
            let shown: String = demarche.chars().take(MAX_DEMARCHE_CHARS).collect();
            format!(
                "La démarche « {shown} » n’existe pas ici. Vérifiez le lien, ou cherchez la démarche depuis l’accueil."
            )
        };
        let Ok(id) = ProcedureId::parse(&demarche) else {
            page.demarche = String::new();
            return Ok(page.error(StatusCode::NOT_FOUND, unknown()));
        };
        let Some(procedure) = state.store.get_procedure(&id, None).await? else {
            page.demarche = String::new();
            return Ok(page.error(StatusCode::NOT_FOUND, unknown()));
        };
        let operator = state
            .store
            .list_operators()
            .await?
            .into_iter()
            .find(|o| &o.id == procedure.operator());
        let (operator_name, kind) = match &operator {
            Some(o) => (o.name.clone(), o.kind),
            None => (procedure.operator().to_string(), OperatorKind::Other),
        };
        let definition = state.catalogue.definition(&id);
        let counter = definition.and_then(|d| d.channels().counter.clone());
        let phone = definition.and_then(|d| d.channels().phone.clone());
        page.procedure = Some(ProcedureView {
            id: procedure.id().to_string(),
            title: procedure.title().to_owned(),
            guidance: guidance(kind, &operator_name),
            operator: operator_name.clone(),
            counter_how: counter.as_ref().map(|c| c.how.clone()),
            counters: counter
                .as_ref()
                .map(|c| c.counters.clone())
                .unwrap_or_default(),
            counter_hours: counter.as_ref().and_then(|c| c.hours.clone()),
            phone: phone
                .as_ref()
                .and_then(|p| p.number.as_deref())
                .map(PhoneView::new),
            phone_hours: phone.as_ref().and_then(|p| p.hours.clone()),
        });
        handler = Some(Handler {
            kind,
            folded_name: fold(&operator_name),
        });
    }

    let commune_code = params.commune.trim();
    if !sent && commune_code.is_empty() {
        // The form alone (or the procedure and the form).
        return Ok(page.into_response());
    }

    let report = match state.territory.status() {
        TerritoryStatus::Ready(data) => data,
        TerritoryStatus::Loading => {
            page.notice = Some(
                "La liste des lieux est en cours de chargement sur ce serveur. Réessayez dans quelques instants.".to_owned(),
            );
            let mut r = (StatusCode::SERVICE_UNAVAILABLE, page).into_response();
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("10"));
            return Ok(r);
        }
        TerritoryStatus::Unavailable(_) => {
            page.notice = Some(
                "La liste des lieux n’est pas disponible sur ce serveur. Appelez l’accueil de votre mairie pour savoir où aller.".to_owned(),
            );
            return Ok((StatusCode::SERVICE_UNAVAILABLE, page).into_response());
        }
    };
    let data = report;
    let report = &data.report;
    let directory = report.directory();

    let found = if !commune_code.is_empty() {
        let index = InseeCode::parse(commune_code)
            .and_then(|code| report.communes().iter().position(|c| c.insee == code));
        match index {
            Some(i) => Lookup::One(i),
            None => Lookup::Invalid(
                "Cette commune n’est pas connue ici. Indiquez son nom ou son code postal."
                    .to_owned(),
            ),
        }
    } else {
        directory.lookup(&q)
    };

    let communes = report.communes();
    let choice = |i: usize| {
        let c = &communes[i];
        let postcodes = directory.postcodes(i).join(", ");
        let dep = guichet_territory::departement_name(&c.departement)
            .map(|n| format!("{n} ({})", c.departement))
            .unwrap_or_else(|| c.departement.clone());
        Choice {
            name: c.name.clone(),
            detail: if postcodes.is_empty() {
                dep
            } else {
                format!("{postcodes} — {dep}")
            },
            href: choice_href(c.insee.as_str(), &q, &demarche),
        }
    };
    match found {
        Lookup::Invalid(message) => Ok(page.error(StatusCode::BAD_REQUEST, message)),
        Lookup::UnknownPostcode(code) => Ok(page.error(
            StatusCode::NOT_FOUND,
            format!("Aucune commune n’a le code postal {code}. Vérifiez-le, ou indiquez le nom de votre commune."),
        )),
        Lookup::UnknownName { suggestions } => {
            page.suggestions = suggestions.into_iter().map(choice).collect();
            let shown: String = q.trim().chars().take(60).collect();
            let message = if page.suggestions.is_empty() {
                format!("Nous ne trouvons pas de commune nommée « {shown} ». Vérifiez l’orthographe, ou indiquez son code postal.")
            } else {
                format!("Nous ne trouvons pas de commune nommée « {shown} ». Vouliez-vous dire l’une des communes ci-dessous\u{a0}?")
            };
            Ok(page.error(StatusCode::NOT_FOUND, message))
        }
        Lookup::Several { postcode, communes: several } => {
            page.choices_intro = Some(match postcode {
                Some(p) => format!("Plusieurs communes ont le code postal {p}. Choisissez la vôtre :"),
                None => "Plusieurs communes portent ce nom. Choisissez la vôtre :".to_owned(),
            });
            page.choices = several.into_iter().map(choice).collect();
            page.layout.title = format!("Choisissez votre commune — {}", page.layout.title);
            Ok(page.into_response())
        }
        Lookup::One(i) => {
            let now = state.clock.now();
            let c = &communes[i];
            let postcodes = directory.postcodes(i);
            let name = match postcodes.first() {
                Some(p) => format!("{} ({p})", c.name),
                None => c.name.clone(),
            };
            page.layout.title = format!("Lieux près de {name} — {}", page.layout.title);
            if page.q.trim().is_empty() {
                page.q = c.name.clone();
            }
            page.method = Some(method_note(report, i));
            // On roads this is a graph search: off the async runtime.
            let data = Arc::clone(&data);
            page.places = tokio::task::spawn_blocking(move || {
                cards(&data.report, i, handler.as_ref(), now)
            })
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?;
            page.commune = Some(name);
            Ok(page.into_response())
        }
    }
}

/// `/lieux?commune=…&q=…&demarche=…`, with the values percent-encoded.
fn choice_href(insee: &str, q: &str, demarche: &str) -> String {
    let mut href = format!("/lieux?commune={}", encode(insee));
    if !q.trim().is_empty() {
        href.push_str(&format!("&q={}", encode(q.trim())));
    }
    if !demarche.is_empty() {
        href.push_str(&format!("&demarche={}", encode(demarche)));
    }
    href
}

fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(char::from(b))
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// National bodies whose procedures France Services counsellors handle with people.
fn france_services_partner(kind: OperatorKind) -> bool {
    matches!(
        kind,
        OperatorKind::Caf
            | OperatorKind::Cpam
            | OperatorKind::Msa
            | OperatorKind::FranceTravail
            | OperatorKind::Prefecture
            | OperatorKind::TaxOffice
    )
}

fn guidance(kind: OperatorKind, operator: &str) -> String {
    if france_services_partner(kind) {
        format!(
            "Les conseillers France Services vous accompagnent pour les démarches de cet organisme ({operator}) : ces lieux sont indiqués en premier."
        )
    } else if matches!(kind, OperatorKind::TownHall | OperatorKind::Ccas) {
        format!(
            "Cette démarche se fait auprès de : {operator}. Si c’est la mairie de votre commune, elle est indiquée en premier ; les autres lieux peuvent vous aider à la faire en ligne ou vous orienter."
        )
    } else {
        format!(
            "Cette démarche se fait auprès de : {operator}. Les lieux ci-dessous peuvent vous aider à la faire en ligne ou vous orienter."
        )
    }
}

/// What ANCT's `format_fs` (with « (antenne) » added by the importer) means for a visit; a
/// fixed counter needs no word.
fn format_fr(format: &str) -> Option<String> {
    let f = format.to_lowercase();
    let text = if f.starts_with("bus") {
        "France Services en bus : appelez pour connaître ses jours et lieux de passage"
    } else if f.starts_with("itin") {
        "Service itinérant : appelez pour connaître ses jours et lieux de passage"
    } else if f.starts_with("multisites") {
        "Accueil sur plusieurs sites : appelez pour savoir où aller"
    } else if f.contains("antenne") {
        "Antenne d’une France Services"
    } else {
        return None;
    };
    Some(text.to_owned())
}

/// How times were obtained, in one sentence, from where.
fn method_note(report: &TerritoryReport, commune: usize) -> String {
    let c = &report.communes()[commune];
    let from = if c.point_is_town_hall {
        format!("depuis la mairie de {}", c.name)
    } else {
        format!("depuis le centre de {}", c.name)
    };
    let note = match report.method() {
        Method::Estimate { detour, speed_kmh } => format!(
            "Temps de trajet estimés {from}, sans réseau routier : distance à vol d’oiseau × {} ÷ {speed_kmh:.0} km/h. Le trajet réel peut être plus long.",
            format!("{detour:.2}").replace('.', ",")
        ),
        Method::Roads { .. } => format!(
            "Temps de trajet en voiture calculés {from} sur le réseau routier OpenStreetMap, sans compter les embouteillages ni le stationnement."
        ),
    };
    // « … sans réseau routier : » must not leave the colon alone at the start of a line.
    super::online::french_spaces(&note)
}

fn travel_text(p: &NearbyPlace<'_>, estimate: bool) -> String {
    let Some(m) = p.minutes() else {
        return "temps de trajet non calculé".to_owned();
    };
    let suffix = if estimate { " (estimation)" } else { "" };
    if m < 5.0 {
        format!("moins de 5 min en voiture{suffix}")
    } else {
        format!("environ {} min en voiture{suffix}", m.round())
    }
}

/// The places around commune `i`, nearest first, those that can handle the procedure before.
pub(crate) fn cards(
    report: &TerritoryReport,
    i: usize,
    handler: Option<&Handler>,
    now: chrono::DateTime<chrono::Utc>,
) -> Vec<PlaceCard> {
    let commune = &report.communes()[i];
    let partner = handler.is_some_and(|h| france_services_partner(h.kind));
    let mut wants = vec![
        Want::InCommune {
            kind: PlaceKind::TownHall,
        },
        Want::Nearest {
            kind: PlaceKind::FranceServices,
            count: if partner { 4 } else { 3 },
        },
        Want::Nearest {
            kind: PlaceKind::DigitalMediation,
            count: 3,
        },
    ];
    for k in report.kinds() {
        if let PlaceKind::Other(_) = k.kind {
            wants.push(Want::Nearest {
                kind: k.kind.clone(),
                count: 2,
            });
        }
    }
    let own_town_hall = handler.is_some_and(|h| {
        matches!(h.kind, OperatorKind::TownHall | OperatorKind::Ccas)
            && h.folded_name.ends_with(&fold(&commune.name))
    });
    let preferred = |p: &NearbyPlace<'_>| -> Option<&'static str> {
        match p.place.kind {
            PlaceKind::FranceServices if partner => Some("Vous accompagne pour cette démarche"),
            PlaceKind::TownHall if own_town_hall => Some("Traite cette démarche"),
            _ => None,
        }
    };
    let mut near = report.nearby(i, &wants);
    // The nearest of a kind may still be far: the data of digital-mediation places covers one
    // region, so from Lille the « nearest » were 12 hours away. Not near, so not listed.
    near.retain(|p| preferred(p).is_some() || p.minutes().is_none_or(|m| m <= MAX_MINUTES));
    // Stable: within each group, nearest first.
    near.sort_by_key(|p| preferred(p).is_none());
    near.truncate(MAX_PLACES);
    let estimate = matches!(report.method(), Method::Estimate { .. });
    near.iter()
        .map(|p| {
            let place = p.place;
            let local = local_time(now, place.insee.as_ref().or(Some(&commune.insee)));
            let (status, open_now) = match &place.hours {
                Hours::Known { .. } => {
                    let s = place.hours.status(local);
                    let sentence = crate::site::numbers_unbroken(&s.sentence_fr(local));
                    (Some(sentence), s.is_open())
                }
                _ => (None, false),
            };
            let week = place.hours.week_fr(local.date()).unwrap_or_default();
            let town = [place.postcode.trim(), place.commune_name.trim()]
                .iter()
                .filter(|s| !s.is_empty())
                .copied()
                .collect::<Vec<_>>()
                .join(" ");
            PlaceCard {
                kind: place.kind.label().to_owned(),
                name: place.name.clone(),
                address: place.address.trim().to_owned(),
                town,
                phone: place.phone.as_deref().map(PhoneView::new),
                email: place.email.clone(),
                travel: travel_text(p, estimate),
                status,
                open_now,
                week,
                unreadable_hours: match &place.hours {
                    Hours::Unreadable { raw, .. } => Some(raw.clone()),
                    _ => None,
                },
                format: place.format.as_deref().and_then(format_fr),
                preferred: preferred(p),
            }
        })
        .collect()
}
