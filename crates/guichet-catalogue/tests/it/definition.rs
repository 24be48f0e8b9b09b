//! Definition files: the demo folder passes; each publishing rule refuses with file, line and
//! rule.

use std::path::{Path, PathBuf};

use guichet_catalogue::definition::{FieldKind, PhoneLine, ReturnAddress, load_dir};
use guichet_catalogue::{CatalogueError, Problems, ProcedureDefinition, Rule};
use guichet_domain::ProcedureChannel;

fn demo_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("demo")
}

const VALID: &str = r#"id = "test-proc"
version = 2
title = "Une démarche"
summary = "Résumé."
operator = "mairie-test"

[channels.web]
how = "En ligne."

[channels.post]
how = "Par courrier."
address = "Mairie, 1 place, 00000 Ville"

[[fields]]
id = "a"
type = "yes_no"
label = "A ?"

[[fields]]
id = "b"
type = "text"
label = "B"
show_if = { field = "a", equals = true }
"#;

fn parse(text: &str) -> Result<ProcedureDefinition, Problems> {
    ProcedureDefinition::parse(Path::new("x/test.toml"), text)
}

fn only_problem(text: &str) -> guichet_catalogue::Problem {
    let problems = parse(text).expect_err("must be refused").0;
    assert_eq!(problems.len(), 1, "{problems:?}");
    problems.into_iter().next().unwrap()
}

#[test]
fn the_demo_definitions_pass_and_compile_into_domain_procedures() {
    let defs = load_dir(&demo_dir()).unwrap();
    assert!(defs.len() >= 5);
    for d in &defs {
        let p = d.procedure();
        assert!(p.channels().keys().any(|c| !c.is_digital()), "{}", d.id());
        if p.decides_rights() {
            assert!(d.notify().iter().any(|c| c == "post"), "{}", d.id());
        }
        if !d.digitisable() {
            assert!(!d.places().is_empty());
        }
    }
    let cantine = defs
        .iter()
        .find(|d| d.id().as_str() == "inscription-cantine")
        .unwrap();
    assert!(cantine.procedure().offers(ProcedureChannel::Post));
    let FieldKind::Group { fields, min, max } = &cantine.fields()[0].kind else {
        panic!("first field is the repeated group");
    };
    assert_eq!((fields.len(), *min, *max), (3, Some(1), Some(6)));
}

#[test]
fn a_valid_file_parses_with_its_conditions() {
    let d = parse(VALID).unwrap();
    assert_eq!(d.version(), 2);
    assert_eq!(d.fields()[1].show_if.as_ref().unwrap().field, "a");
    assert_eq!(d.source(), VALID);
}

#[test]
fn digital_only_is_refused_with_line_and_rule() {
    let text = VALID.replace(
        "[channels.post]\nhow = \"Par courrier.\"\naddress = \"Mairie, 1 place, 00000 Ville\"\n",
        "",
    );
    let p = only_problem(&text);
    assert_eq!(p.rule, Rule::NeverDigitalOnly);
    // The [channels] table starts at the `[channels.web]` header, line 7.
    assert_eq!(p.line, Some(7));
    let shown = p.to_string();
    assert!(
        shown.starts_with("x/test.toml:7: [never-digital-only]"),
        "{shown}"
    );
    assert!(shown.contains("refus du numérique"));
}

#[test]
fn no_channel_at_all_is_refused() {
    let text =
        "id = \"p\"\nversion = 1\ntitle = \"T\"\nsummary = \"\"\noperator = \"o\"\nchannels = {}\n";
    assert_eq!(only_problem(text).rule, Rule::NeverDigitalOnly);
}

#[test]
fn rights_decisions_must_go_by_post() {
    let text = VALID.replace(
        "operator = \"mairie-test\"\n",
        "operator = \"mairie-test\"\ndecides_rights = true\n[decisions]\nnotify = [\"email\"]\n",
    );
    let p = only_problem(&text);
    assert_eq!(p.rule, Rule::RightsDecisionsByPost);
    assert_eq!(p.line, Some(7), "{p}");
    let ok = VALID.replace("operator = \"mairie-test\"\n", "operator = \"mairie-test\"\ndecides_rights = true\n[decisions]\nnotify = [\"email\", \"post\"]\n");
    assert!(parse(&ok).is_ok());
    // Without any [decisions] table, the line of `decides_rights` is named.
    let none = VALID.replace(
        "operator = \"mairie-test\"\n",
        "operator = \"mairie-test\"\ndecides_rights = true\n",
    );
    let p = only_problem(&none);
    assert_eq!((p.rule, p.line), (Rule::RightsDecisionsByPost, Some(6)));
}

#[test]
fn non_digitisable_procedures_name_their_places_and_open_a_counter() {
    let text = VALID.replace(
        "operator = \"mairie-test\"\n",
        "operator = \"mairie-test\"\ndigitisable = false\n",
    );
    let problems = parse(&text).unwrap_err().0;
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(
        problems
            .iter()
            .all(|p| p.rule == Rule::NonDigitisableNamesPlaces && p.line == Some(6))
    );
    let fixed = text.replace(
        "digitisable = false\n",
        "digitisable = false\nplaces = [\"Hôpital, 1 rue\"]\n[channels.counter]\nhow = \"Sur place.\"\ncounters = [\"Hôpital\"]\n",
    );
    assert!(parse(&fixed).is_ok(), "{:?}", parse(&fixed).err());
}

#[test]
fn circular_conditions_are_refused_with_the_cycle() {
    let text = VALID.replace(
        "type = \"yes_no\"\nlabel = \"A ?\"\n",
        "type = \"yes_no\"\nlabel = \"A ?\"\nshow_if = { field = \"b\" }\n",
    );
    let p = only_problem(&text);
    assert_eq!(p.rule, Rule::ConditionsAcyclic);
    assert!(p.message.contains("a → b → a"), "{}", p.message);
    assert_eq!(p.line, Some(18));
    // A self-reference is a cycle too, and so is a longer loop through a group.
    let own = VALID.replace(
        "show_if = { field = \"a\", equals = true }",
        "show_if = { field = \"b\" }",
    );
    assert_eq!(only_problem(&own).rule, Rule::ConditionsAcyclic);
    let missing = VALID.replace("field = \"a\"", "field = \"zz\"");
    let p = only_problem(&missing);
    assert!(p.message.contains("zz"));
}

#[test]
fn unknown_field_types_and_stray_options_are_refused() {
    let text = VALID.replace("type = \"text\"", "type = \"signature\"");
    let p = only_problem(&text);
    assert_eq!((p.rule, p.line), (Rule::Syntax, Some(21)));
    assert!(p.message.contains("signature") && p.message.contains("yes_no"));
    let stray = VALID.replace(
        "label = \"B\"\n",
        "label = \"B\"\nchoices = [\"x\", \"y\"]\n",
    );
    assert_eq!(only_problem(&stray).rule, Rule::FormWellFormed);
    let one_choice = VALID.replace("type = \"text\"", "type = \"choice\"\nchoices = [\"seul\"]");
    assert_eq!(only_problem(&one_choice).rule, Rule::FormWellFormed);
    let dup = VALID.replace("id = \"b\"", "id = \"a\"");
    assert!(
        parse(&dup)
            .unwrap_err()
            .0
            .iter()
            .any(|p| p.message.contains("deux fois"))
    );
}

#[test]
fn malformed_files_give_a_syntax_error_with_a_line_and_never_panic() {
    let p = only_problem("id = \"p\"\nversion = \n");
    assert_eq!((p.rule, p.line), (Rule::Syntax, Some(2)));
    let p = only_problem(&VALID.replace("summary", "resume"));
    assert_eq!(p.rule, Rule::Syntax);
    assert_eq!(p.line, Some(4), "{p}");
    for junk in [
        "",
        "\u{0}\u{1}",
        "[[[",
        "id = 3",
        &"a".repeat(10_000),
        "fields = [1, 2]",
    ] {
        assert!(parse(junk).is_err());
    }
    let bad_deadline = VALID.replace(
        "[channels.web]",
        "[deadline]\ndays = 3\nmonths = 2\nsilence = \"accord\"\n\n[channels.web]",
    );
    assert_eq!(only_problem(&bad_deadline).rule, Rule::Identity);
    let bad_silence = VALID.replace(
        "[channels.web]",
        "[deadline]\ndays = 3\nsilence = \"peut-être\"\n\n[channels.web]",
    );
    assert_eq!(only_problem(&bad_silence).rule, Rule::Syntax);
}

#[test]
fn a_folder_is_all_or_nothing() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.toml"), VALID).unwrap();
    std::fs::write(
        dir.path().join("b.toml"),
        VALID.replace("test-proc", "other"),
    )
    .unwrap();
    assert_eq!(load_dir(dir.path()).unwrap().len(), 2);
    std::fs::write(
        dir.path().join("c.toml"),
        VALID.replace("[channels.post]", "[channels.nowhere]"),
    )
    .unwrap();
    match load_dir(dir.path()) {
        Err(CatalogueError::Definitions(p)) => {
            assert_eq!(p.0.len(), 1);
            assert!(p.0[0].file.ends_with("c.toml"));
        }
        other => panic!("expected refusal, got {other:?}"),
    }
    std::fs::write(dir.path().join("c.toml"), VALID).unwrap();
    let err = load_dir(dir.path()).unwrap_err().to_string();
    assert!(err.contains("déjà utilisé"), "{err}");
    assert!(load_dir(&dir.path().join("missing")).is_err());
}

#[test]
fn the_sender_block_is_read_once_from_the_channels() {
    let defs = load_dir(&demo_dir()).unwrap();
    for d in &defs {
        let channels = d.channels();
        assert_eq!(
            d.return_address().is_some(),
            channels.post.is_some(),
            "{}",
            d.id()
        );
        assert_eq!(
            d.phone_line().is_some(),
            channels.phone.is_some(),
            "{}",
            d.id()
        );
    }
    let ccas = defs
        .iter()
        .find(|d| d.id().as_str() == "aide-sociale-urgence")
        .unwrap();
    let address = ccas.return_address().unwrap();
    assert_eq!(
        address,
        &ReturnAddress {
            lines: vec![
                "CCAS de Saint-Clair-sur-Lys".to_owned(),
                "2 place de la Mairie".to_owned()
            ],
            postcode: "59990".to_owned(),
            town: "Saint-Clair-sur-Lys".to_owned(),
        }
    );
    assert_eq!(
        ccas.phone_line(),
        Some(&PhoneLine {
            number: "03 20 00 00 00".to_owned(),
            hours: Some("du lundi au vendredi de 9 h à 12 h".to_owned()),
        })
    );

    let d = parse(VALID).unwrap();
    assert_eq!(d.return_address().unwrap().lines, ["Mairie", "1 place"]);
    assert_eq!(d.phone_line(), None);
    let with_phone = VALID.replace(
        "[channels.post]",
        "[channels.phone]\nhow = \"Appelez.\"\nnumber = \"03 20 00 00 09\"\n\n[channels.post]",
    );
    assert_eq!(
        parse(&with_phone).unwrap().phone_line(),
        Some(&PhoneLine {
            number: "03 20 00 00 09".to_owned(),
            hours: None,
        })
    );
    let with_hours = with_phone.replace(
        "number = \"03 20 00 00 09\"\n",
        "number = \"03 20 00 00 09\"\nhours = \"le mardi de 14 h à 17 h\"\n",
    );
    let line = parse(&with_hours).unwrap().phone_line().cloned().unwrap();
    assert_eq!(line.hours.as_deref(), Some("le mardi de 14 h à 17 h"));
}

#[test]
fn a_postal_address_without_postcode_and_town_is_refused_with_its_line() {
    let text = VALID.replace(
        "address = \"Mairie, 1 place, 00000 Ville\"",
        "address = \"Mairie, 1 place, Ville\"",
    );
    let p = only_problem(&text);
    assert_eq!((p.rule, p.line), (Rule::PostalAddress, Some(12)), "{p}");
    let shown = p.to_string();
    assert!(
        shown.starts_with("x/test.toml:12: [postal-address]"),
        "{shown}"
    );
    assert!(shown.contains("code postal et la commune"), "{shown}");
    assert!(shown.contains("« Ville »"), "{shown}");

    let long = VALID.replace(
        "address = \"Mairie, 1 place, 00000 Ville\"",
        "address = \"Mairie, service, bureau 2, bâtiment B, 1 place, 00000 Ville\"",
    );
    let p = only_problem(&long);
    assert_eq!((p.rule, p.line), (Rule::PostalAddress, Some(12)), "{p}");
    assert!(p.message.contains("6 parties"), "{}", p.message);

    // Written inline, the address is still pointed at.
    let inline = text.replace(
        "[channels.post]\nhow = \"Par courrier.\"\naddress = \"Mairie, 1 place, Ville\"\n",
        "",
    ) + "\n[channels]\npost = { how = \"Par courrier.\", address = \"Mairie, 1 place, Ville\" }\n";
    let p = only_problem(&inline);
    assert_eq!(p.rule, Rule::PostalAddress, "{p}");
    assert_eq!(p.line, Some(inline.lines().count()), "{p}");
}
