//! Templates: checked before saving, rendered with typed values.

use guichet_domain::{Delivery, NotificationKind};
use guichet_letters::Wording;
use guichet_notify::NotifyError;
use guichet_notify::template::{
    Template, TemplateSource, Value, default_templates, format_euros, parse_template_file,
    sample_values,
};

fn source(channel: Delivery, subject: Option<&str>, body: &str) -> TemplateSource {
    TemplateSource {
        kind: NotificationKind::Receipt,
        channel,
        wording: Wording::Standard,
        subject: subject.map(str::to_owned),
        body: body.into(),
        legal_mentions: None,
    }
}

fn message(r: Result<Template, NotifyError>) -> String {
    match r {
        Err(NotifyError::Template(m)) => m,
        other => panic!("expected a template error, got {other:?}"),
    }
}

#[test]
fn unknown_placeholder_is_refused_with_the_list_of_valid_ones() {
    let m = message(Template::new(source(
        Delivery::Email,
        Some("Objet"),
        "Bonjour {{ prenom }}",
    )));
    assert!(m.contains("{{prenom}}"), "{m}");
    assert!(m.contains("reference_dossier"), "{m}");
    // A placeholder of another kind is unknown here too.
    let m = message(Template::new(source(
        Delivery::Email,
        Some("Objet"),
        "Montant {{ montant }}",
    )));
    assert!(m.contains("montant"), "{m}");
}

#[test]
fn broken_markup_is_refused_with_its_line() {
    let m = message(Template::new(source(
        Delivery::Email,
        Some("Objet"),
        "Bonjour\n{{ nom }\nfin",
    )));
    assert!(m.contains("ligne 2"), "{m}");
    let m = message(Template::new(source(
        Delivery::Email,
        Some("Objet"),
        "a }} b",
    )));
    assert!(m.contains("}}"), "{m}");
    let m = message(Template::new(source(
        Delivery::Email,
        Some("Objet"),
        "{{ Nom }}",
    )));
    assert!(m.contains("nom de champ"), "{m}");
}

#[test]
fn channel_rules() {
    message(Template::new(source(Delivery::Email, None, "x")));
    message(Template::new(source(Delivery::Sms, Some("objet"), "x")));
    let long = "{{ nom }} ".repeat(60);
    let m = message(Template::new(source(Delivery::Sms, None, &long)));
    assert!(m.contains("SMS"), "{m}");
    let mut decision = source(
        Delivery::Letter,
        Some("Décision"),
        "Décision : {{ decision }}",
    );
    decision.kind = NotificationKind::Decision;
    let m = message(Template::new(decision.clone()));
    assert!(m.contains("recours"), "{m}");
    decision.legal_mentions = Some("Recours sous deux mois.".into());
    Template::new(decision).expect("valid with legal mentions");
}

#[test]
fn values_are_typed_and_formatted_in_french() {
    let mut s = source(
        Delivery::Letter,
        Some("Décision"),
        "Montant : {{ montant }}, le {{ date_decision }}.",
    );
    s.kind = NotificationKind::Decision;
    s.legal_mentions = Some("Recours.".into());
    let t = Template::new(s).expect("valid");
    let out = t
        .render(&sample_values(NotificationKind::Decision))
        .expect("render");
    assert_eq!(
        out.paragraphs,
        vec!["Montant : 250,00\u{a0}€, le 10 mars 2026.".to_owned()]
    );
    let mut wrong = sample_values(NotificationKind::Decision);
    wrong.insert("montant".into(), Value::Text("beaucoup".into()));
    assert!(t.render(&wrong).is_err());
    wrong.remove("montant");
    assert!(t.render(&wrong).is_err());
    assert_eq!(
        format_euros(123_456_789),
        "1\u{202f}234\u{202f}567,89\u{a0}€"
    );
}

#[test]
fn shipped_templates_are_valid_and_cover_every_kind_and_channel() {
    let all = default_templates().expect("defaults parse and validate");
    for kind in NotificationKind::ALL
        .into_iter()
        .filter(|k| k.is_about_a_case())
    {
        for channel in [Delivery::Email, Delivery::Sms, Delivery::Letter] {
            assert!(
                all.iter()
                    .any(|t| t.source().kind == kind && t.source().channel == channel),
                "{kind:?} {channel:?}"
            );
        }
        assert!(
            all.iter()
                .any(|t| t.source().kind == kind && t.source().wording == Wording::EasyToRead)
        );
        for t in all.iter().filter(|t| t.source().kind == kind) {
            t.render(&sample_values(kind))
                .expect("renders with sample values");
        }
    }
}

#[test]
fn what_people_read() {
    let all = default_templates().expect("defaults");
    let mut out = String::new();
    for t in all
        .iter()
        .filter(|t| t.source().kind == NotificationKind::Decision)
    {
        let r = t
            .render(&sample_values(NotificationKind::Decision))
            .expect("render");
        out.push_str(&format!(
            "=== {:?} {:?}\n",
            t.source().channel,
            t.source().wording
        ));
        if let Some(s) = r.subject {
            out.push_str(&format!("Objet: {s}\n"));
        }
        out.push_str(&r.paragraphs.join("\n\n"));
        out.push('\n');
        if !r.legal_mentions.is_empty() {
            out.push_str("--- recours\n");
            out.push_str(&r.legal_mentions.join("\n\n"));
            out.push('\n');
        }
    }
    insta::assert_snapshot!(out);
}

#[test]
fn template_file_round_trip() {
    let text = r#"
kind = "reminder"
channel = "sms"
body = "Rappel : {{ objet_rappel }} le {{ date_limite }}"
"#;
    let t = parse_template_file(text).expect("valid file");
    assert_eq!(t.used_placeholders(), vec!["date_limite", "objet_rappel"]);
    let back = guichet_notify::template::to_template_file(t.source()).expect("toml");
    assert_eq!(parse_template_file(&back).expect("reparse"), t);
    assert!(parse_template_file("kind = \"inconnu\"").is_err());
}
