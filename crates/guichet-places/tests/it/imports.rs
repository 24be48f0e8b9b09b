//! All-or-nothing imports of communes, France Services and mediation places.

use guichet_places::*;

use crate::data;

#[test]
fn real_communes_import_with_warnings() {
    let f = std::fs::File::open(data("communes-2026.csv")).unwrap();
    let set = load_communes(f).unwrap();
    assert_eq!(set.len(), 34_969);
    let paris = set.get(&InseeCode::parse("75056").unwrap()).unwrap();
    assert!(paris.population.unwrap() > 2_000_000);
    assert!(
        set.get(&InseeCode::parse("2A004").unwrap()).is_some(),
        "Ajaccio"
    );
    // Uninhabited overseas districts have no population: warned, not fatal.
    assert!(
        set.warnings
            .iter()
            .any(|w| w.contains("population inconnue"))
    );
    assert!(set.warnings.iter().any(|w| w.contains("sans coordonnées")));
    // Anse-Bertrand's town hall is published at 61.5° E (lost minus sign): centroid used.
    let anse = set.get(&InseeCode::parse("97102").unwrap()).unwrap();
    assert!(!anse.point_is_town_hall);
    assert!(anse.point.unwrap().lon < -61.0);
    assert!(
        set.warnings
            .iter()
            .any(|w| w.contains("97102") && w.contains("mairie"))
    );
    let located = set.communes.iter().filter(|c| c.point.is_some()).count();
    assert!(located > 34_800);
}

#[test]
fn duplicate_invalid_and_malformed_communes_refuse_the_file() {
    let head = "code_insee,nom,departement,region,population,mairie_lon,mairie_lat,centroid_lon,centroid_lat\n";
    let ok = "01001,A,01,84,860,4.92,46.15,4.93,46.15\n";
    let dup = format!("{head}{ok}{ok}");
    assert!(matches!(
        load_communes(dup.as_bytes()),
        Err(PlacesError::DuplicateInsee {
            first: 2,
            second: 3,
            ..
        })
    ));
    let missing = format!("{head}{ok},B,01,84,10,,,,\n");
    let err = load_communes(missing.as_bytes()).unwrap_err();
    assert!(err.to_string().contains("ligne 3"), "{err}");
    assert!(err.to_string().contains("code INSEE"), "{err}");
    let pop = format!("{head}01002,B,01,84,beaucoup,,,,\n");
    assert!(matches!(
        load_communes(pop.as_bytes()),
        Err(PlacesError::BadRow { line: 2, .. })
    ));
    let sea = format!("{head}01002,B,01,84,5,400,46,,\n");
    assert!(
        load_communes(sea.as_bytes())
            .unwrap_err()
            .to_string()
            .contains("hors limites")
    );
    assert!(matches!(
        load_communes("code_insee,nom\n01001,A\n".as_bytes()),
        Err(PlacesError::MissingColumn(_))
    ));
    assert!(matches!(
        load_communes(head.as_bytes()),
        Err(PlacesError::Empty)
    ));
    let zero = format!("{head}01002,B,01,84,0,4.9,46.1,,\n");
    let set = load_communes(zero.as_bytes()).unwrap();
    assert_eq!(set.communes[0].population, Some(0));
    assert!(set.warnings[0].contains("population nulle"));
}

#[test]
fn real_france_services_import() {
    let f = std::fs::File::open(data("france-services-2024-08-01.csv")).unwrap();
    let imp = load_france_services(f).unwrap();
    assert_eq!(imp.places.len(), 2_845);
    assert_eq!(
        imp.unreadable_hours(),
        0,
        "{:?}",
        &imp.warnings[..imp.warnings.len().min(5)]
    );
    let first = &imp.places[0];
    assert_eq!(first.kind, PlaceKind::FranceServices);
    assert_eq!(first.insee.as_ref().unwrap().as_str(), "01033");
    assert!(
        imp.places
            .iter()
            .filter(|p| matches!(p.hours, Hours::Known { .. }))
            .count()
            > 2_700
    );
}

#[test]
fn france_services_with_a_bad_row_imports_nothing() {
    let text = std::fs::read_to_string(data("france-services-2024-08-01.csv")).unwrap();
    let mut lines: Vec<String> = text.lines().take(20).map(str::to_owned).collect();
    lines[10] = lines[10]
        .replacen(",46.", ",abc", 1)
        .replacen(",45.", ",abc", 1)
        .replacen(",4", ",x4", 1);
    let broken = lines.join("\n");
    let err = load_france_services(broken.as_bytes()).unwrap_err();
    assert!(matches!(err, PlacesError::BadRow { .. }), "{err}");
    // Malformed hours: imported, flagged, reported.
    let mut lines: Vec<String> = text.lines().take(3).map(str::to_owned).collect();
    lines[1] = lines[1].replacen("\"13:30 - 17:00\"", "\"le matin\"", 1);
    let imp = load_france_services(lines.join("\n").as_bytes()).unwrap();
    assert_eq!(imp.places.len(), 2);
    assert_eq!(imp.unreadable_hours(), 1);
    assert!(
        imp.warnings
            .iter()
            .any(|w| w.contains("horaires illisibles"))
    );
    // Duplicate ids.
    let mut lines: Vec<String> = text.lines().take(3).map(str::to_owned).collect();
    lines.push(lines[1].clone());
    assert!(matches!(
        load_france_services(lines.join("\n").as_bytes()),
        Err(PlacesError::DuplicatePlaceId(_))
    ));
}

#[test]
fn real_mediation_places_import() {
    let f = std::fs::File::open(data("lieux-mediation-numerique-aura.json")).unwrap();
    let imp = load_mediation_places(f).unwrap();
    assert_eq!(imp.places.len(), 687);
    let known = imp
        .places
        .iter()
        .filter(|p| matches!(p.hours, Hours::Known { .. }))
        .count();
    assert!(known > 300, "{known}");
    assert_eq!(
        imp.unreadable_hours(),
        imp.warnings
            .iter()
            .filter(|w| w.contains("horaires"))
            .count()
    );
    assert!(
        imp.places[0]
            .services
            .iter()
            .any(|s| s.contains("connexion internet"))
    );
    assert!(matches!(
        load_mediation_places("[{\"id\":".as_bytes()),
        Err(PlacesError::Json(_))
    ));
    assert!(matches!(
        load_mediation_places("[]".as_bytes()),
        Err(PlacesError::Empty)
    ));
    let no_coords = r#"[{"id":"1","nom":"X"}]"#;
    assert!(matches!(
        load_mediation_places(no_coords.as_bytes()),
        Err(PlacesError::BadRow { line: 1, .. })
    ));
}

#[test]
fn town_halls_come_from_real_town_hall_points_only() {
    let f = std::fs::File::open(data("communes-2026.csv")).unwrap();
    let set = load_communes(f).unwrap();
    let halls = town_halls(&set);
    assert_eq!(
        halls.len(),
        set.communes.iter().filter(|c| c.point_is_town_hall).count()
    );
    assert!(halls.len() > 34_000);
}
