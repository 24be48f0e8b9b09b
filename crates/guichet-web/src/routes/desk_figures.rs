//! Orienting people to another operator (`/agents/orienter`) and the desk's figures
//! (`/agents/chiffres`, `/agents/chiffres.csv`): per day and channel, the cases served at the
//! counter, on the phone and by post, the orientations per operator and theme, and the people
//! helped who refuse digital.

use std::collections::{BTreeMap, BTreeSet};

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Duration, NaiveDate};
use guichet_domain::access::Action;
use guichet_domain::{AgentId, PersonId, Resource};
use guichet_store::agents::{AgentEvent, Orientation};
use serde::Deserialize;

use crate::error::AppError;
use crate::form_input::FormInput;
use crate::staff::{AgentBar, SignedIn};
use crate::{AppState, Layout};

/// The days the figures cover.
pub const DAYS: i64 = 31;

/// What an orientation ended with.
pub const OUTCOMES: [&str; 4] = [
    "coordonnées de l’organisme données à la personne",
    "rendez-vous pris pour la personne",
    "démarche faite avec la personne",
    "autre",
];

#[derive(Debug, Deserialize, Default)]
pub struct OrientQuery {
    personne: Option<String>,
    enregistree: Option<String>,
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "desk_orient.html")]
pub struct OrientPage {
    layout: Layout,
    bar: AgentBar,
    person: Option<String>,
    fields: Vec<TextField>,
    errors: Vec<(String, String)>,
    saved: bool,
    outcomes: [&'static str; 4],
}

/// A text input of the orientation form.
#[derive(Debug)]
pub struct TextField {
    id: &'static str,
    label: &'static str,
    help: &'static str,
    value: String,
    error: Option<String>,
}

fn text_fields(target: &str, theme: &str, errors: &[(String, String)]) -> Vec<TextField> {
    let error = |id: &str| errors.iter().find(|e| e.0 == id).map(|e| e.1.clone());
    vec![
        TextField {
            id: "organisme",
            label: "Organisme vers lequel la personne est orientée",
            help: "Par exemple : CAF, CPAM, France Travail, préfecture.",
            value: target.to_owned(),
            error: error("organisme"),
        },
        TextField {
            id: "objet",
            label: "Pour quoi",
            help: "Par exemple : demande d’APL.",
            value: theme.to_owned(),
            error: error("objet"),
        },
    ]
}

fn orient_page(state: &AppState, me: &SignedIn) -> OrientPage {
    OrientPage {
        layout: Layout::new(state, "Orienter une personne"),
        bar: AgentBar::of(me),
        person: None,
        fields: text_fields("", "", &[]),
        errors: Vec::new(),
        saved: false,
        outcomes: OUTCOMES,
    }
}

fn operator_scope<'a>(me: &'a SignedIn) -> Resource<'a> {
    Resource::Operator {
        operator: &me.account().operator,
        place: me.account().place.as_deref(),
    }
}

pub async fn orient_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<OrientQuery>, QueryRejection>,
) -> Result<Response, AppError> {
    let me = SignedIn::require(&state, &headers).await?;
    me.may(&state, Action::Orient, operator_scope(&me), "orienter")
        .await?;
    let mut page = orient_page(&state, &me);
    let query = query.map(|Query(q)| q).unwrap_or_default();
    page.saved = query.enregistree.is_some();
    page.person = query.personne.filter(|p| p.parse::<PersonId>().is_ok());
    Ok(page.into_response())
}

pub async fn orient(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: FormInput,
) -> Result<Response, AppError> {
    let me = SignedIn::require(&state, &headers).await?;
    me.0.check_csrf(form.get("csrf"))?;
    me.may(&state, Action::Orient, operator_scope(&me), "orienter")
        .await?;
    let clean = |name: &str| {
        form.get(name)
            .unwrap_or_default()
            .trim()
            .chars()
            .take(200)
            .collect::<String>()
    };
    let (target, theme) = (clean("organisme"), clean("objet"));
    let mut errors = Vec::new();
    if target.is_empty() {
        errors.push((
            "organisme".to_owned(),
            "Indiquez l’organisme vers lequel la personne est orientée (par exemple : CAF)."
                .to_owned(),
        ));
    }
    if theme.is_empty() {
        errors.push((
            "objet".to_owned(),
            "Indiquez pour quoi (par exemple : demande d’APL).".to_owned(),
        ));
    }
    let person = form
        .get("personne")
        .and_then(|p| p.parse::<PersonId>().ok());
    if !errors.is_empty() {
        let mut page = orient_page(&state, &me);
        page.layout = page.layout.with_error();
        page.person = person.map(|p| p.to_string());
        page.fields = text_fields(&target, &theme, &errors);
        page.errors = errors;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    let outcome = form
        .get("issue")
        .filter(|o| OUTCOMES.contains(o))
        .unwrap_or(OUTCOMES[0])
        .to_owned();
    let refuses_digital = match person {
        Some(id) => state
            .store
            .get_person(id)
            .await?
            .is_some_and(|p| p.preferences.refuses_digital()),
        None => form.get("refus_numerique") == Some("oui"),
    };
    state
        .store
        .insert_orientation(&Orientation {
            id: uuid::Uuid::new_v4(),
            at: state.clock.now(),
            agent_id: me.account().id,
            operator: me.account().operator.clone(),
            place: me.account().place.clone(),
            person,
            target,
            theme,
            channel: if form.get("canal") == Some("phone") {
                "phone".into()
            } else {
                "counter".into()
            },
            outcome,
            refuses_digital,
        })
        .await?;
    Ok(Redirect::to("/agents/orienter?enregistree=1").into_response())
}

/// A day's line of the figures.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Day {
    pub date: String,
    pub counter: usize,
    pub phone: usize,
    pub post: usize,
    pub orientations: usize,
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Figures {
    pub days: Vec<Day>,
    pub by_target: Vec<(String, usize)>,
    pub by_theme: Vec<(String, usize)>,
    pub refusing_digital: usize,
    pub totals: Day,
}

/// The figures, from the orientations and the agents' case events of the period: a case served
/// counts once per day and channel. Pure, for testing.
pub fn compute(
    orientations: &[Orientation],
    events: &[AgentEvent],
    agents: &BTreeSet<AgentId>,
    refusing_cases: &BTreeSet<String>,
) -> Figures {
    let day = |t: chrono::DateTime<chrono::Utc>| -> NaiveDate {
        guichet_places::local_time(t, None).date()
    };
    // Per day: the (channel, case) pairs served, and the orientations.
    type Served<'a> = (BTreeSet<(&'a str, &'a str)>, usize);
    let mut days: BTreeMap<NaiveDate, Served<'_>> = BTreeMap::new();
    let mut refusing: BTreeSet<String> = BTreeSet::new();
    for e in events.iter().filter(|e| agents.contains(&e.agent_id)) {
        days.entry(day(e.at))
            .or_default()
            .0
            .insert((e.channel.as_str(), e.case.as_str()));
        if refusing_cases.contains(&e.case) {
            refusing.insert(format!("case:{}", e.case));
        }
    }
    let mut by_target: BTreeMap<String, usize> = BTreeMap::new();
    let mut by_theme: BTreeMap<String, usize> = BTreeMap::new();
    for o in orientations {
        days.entry(day(o.at)).or_default().1 += 1;
        *by_target.entry(o.target.clone()).or_default() += 1;
        *by_theme.entry(o.theme.clone()).or_default() += 1;
        if o.refuses_digital {
            refusing.insert(match o.person {
                Some(p) => format!("person:{p}"),
                None => format!("orientation:{}", o.id),
            });
        }
    }
    let mut totals = Day {
        date: "Total".into(),
        ..Day::default()
    };
    let days = days
        .into_iter()
        .map(|(date, (served, orientations))| {
            let count = |c: &str| served.iter().filter(|(ch, _)| *ch == c).count();
            let d = Day {
                date: date.format("%d/%m/%Y").to_string(),
                counter: count("counter"),
                phone: count("phone"),
                post: count("post"),
                orientations,
            };
            totals.counter += d.counter;
            totals.phone += d.phone;
            totals.post += d.post;
            totals.orientations += d.orientations;
            d
        })
        .collect();
    let sorted = |m: BTreeMap<String, usize>| {
        let mut v: Vec<_> = m.into_iter().collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        v
    };
    Figures {
        days,
        by_target: sorted(by_target),
        by_theme: sorted(by_theme),
        refusing_digital: refusing.len(),
        totals,
    }
}

async fn load(state: &AppState, me: &SignedIn) -> Result<Figures, AppError> {
    let since = state.clock.now() - Duration::days(DAYS);
    let a = me.account();
    let place = a.place.as_deref();
    let orientations = state.store.orientations(&a.operator, place, since).await?;
    // The agents whose work counts: the operator's, or the place's for a place-bound account.
    let agents: BTreeSet<AgentId> = state
        .store
        .list_agents(&a.operator)
        .await?
        .into_iter()
        .filter(|x| place.is_none() || x.place.as_deref() == place)
        .map(|x| x.id)
        .collect();
    let events = state.store.agent_events(since).await?;
    let mut refusing_cases = BTreeSet::new();
    let cases: BTreeSet<&str> = events
        .iter()
        .filter(|e| agents.contains(&e.agent_id))
        .map(|e| e.case.as_str())
        .collect();
    for reference in cases {
        let Ok(r) = guichet_domain::CaseReference::parse(reference) else {
            continue;
        };
        let case = state.store.load_case(&r).await?;
        if let Some(p) = state.store.get_person(case.person).await?
            && p.preferences.refuses_digital()
        {
            refusing_cases.insert(reference.to_owned());
        }
    }
    Ok(compute(&orientations, &events, &agents, &refusing_cases))
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "desk_figures.html")]
pub struct FiguresPage {
    layout: Layout,
    bar: AgentBar,
    scope: String,
    figures: Figures,
    days: i64,
}

pub async fn figures(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let me = SignedIn::require(&state, &headers).await?;
    me.may(&state, Action::SeeFigures, operator_scope(&me), "chiffres")
        .await?;
    let figures = load(&state, &me).await?;
    let scope = match &me.account().place {
        Some(p) => p.clone(),
        None => me.account().operator.to_string(),
    };
    Ok(FiguresPage {
        layout: Layout::new(&state, "Les chiffres de l’accueil"),
        bar: AgentBar::of(&me),
        scope,
        figures,
        days: DAYS,
    }
    .into_response())
}

/// One CSV field, quoted when needed (RFC 4180).
/// A CSV cell: quoted when it holds a separator or a quote, and never read as a formula by a
/// spreadsheet (a leading `=`, `+`, `-` or `@` gets an apostrophe).
pub(crate) fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    if s.contains([',', '"', '\n', ';']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

pub async fn figures_csv(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let me = SignedIn::require(&state, &headers).await?;
    me.may(
        &state,
        Action::SeeFigures,
        operator_scope(&me),
        "chiffres csv",
    )
    .await?;
    let f = load(&state, &me).await?;
    let mut out = String::from("jour,guichet,telephone,courrier,orientations\n");
    for d in &f.days {
        out.push_str(&format!(
            "{},{},{},{},{}\n",
            d.date, d.counter, d.phone, d.post, d.orientations
        ));
    }
    out.push_str("\norganisme,orientations\n");
    for (t, n) in &f.by_target {
        out.push_str(&format!("{},{n}\n", csv_field(t)));
    }
    out.push_str("\nobjet,orientations\n");
    for (t, n) in &f.by_theme {
        out.push_str(&format!("{},{n}\n", csv_field(t)));
    }
    out.push_str(&format!(
        "\npersonnes aidées qui refusent le numérique,{}\n",
        f.refusing_digital
    ));
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"chiffres-accueil.csv\"",
            ),
        ],
        out,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_case_counts_once_per_day_and_channel_and_other_agents_do_not_count() {
        let me = AgentId::from_uuid(uuid::Uuid::from_u128(1));
        let other = AgentId::from_uuid(uuid::Uuid::from_u128(2));
        let at = |h| chrono::Utc.with_ymd_and_hms(2026, 12, 1, h, 0, 0).unwrap();
        let e = |h, case: &str, channel: &str, agent| AgentEvent {
            at: at(h),
            case: case.into(),
            channel: channel.into(),
            agent_id: agent,
        };
        let events = [
            e(8, "A", "counter", me),
            e(9, "A", "counter", me),
            e(9, "A", "phone", me),
            e(10, "B", "counter", other),
            e(10, "C", "post", me),
        ];
        let o = Orientation {
            id: uuid::Uuid::from_u128(9),
            at: at(11),
            agent_id: me,
            operator: guichet_domain::OperatorId::parse("mairie-x").unwrap(),
            place: None,
            person: None,
            target: "CAF".into(),
            theme: "demande d’APL".into(),
            channel: "counter".into(),
            outcome: OUTCOMES[0].into(),
            refuses_digital: true,
        };
        let f = compute(
            &[o],
            &events,
            &BTreeSet::from([me]),
            &BTreeSet::from(["C".to_owned()]),
        );
        assert_eq!(
            f.days,
            [Day {
                date: "01/12/2026".into(),
                counter: 1,
                phone: 1,
                post: 1,
                orientations: 1
            }]
        );
        assert_eq!(f.by_target, [("CAF".to_owned(), 1)]);
        assert_eq!(
            f.refusing_digital, 2,
            "the person of case C and the oriented one"
        );
    }
}
