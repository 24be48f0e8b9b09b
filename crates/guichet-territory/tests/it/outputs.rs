//! Downloads and maps state the method. (The command line that writes a whole report is tested
//! with the `guichet` binary, in `crates/guichet/tests/it/territory.rs`.)

use guichet_territory::*;

use crate::analyses::{commune, place};

#[test]
fn csv_geojson_svg_png_state_the_method() {
    let communes = vec![
        commune("01001", "01", Some(10), Some((45.1, 5.0))),
        commune("01002", "01", Some(20), Some((45.3, 5.2))),
    ];
    let places = vec![place("a<&>", 45.0, 5.0)];
    let net = Network::estimate(1.3, 50.0).unwrap();
    let (access, _) = access_times(&net, &communes, &places).unwrap();
    let m = net.method();
    let mut csv = Vec::new();
    access_csv(&mut csv, &communes, &places, &access, &m, "Ain (01)").unwrap();
    let csv = String::from_utf8(csv).unwrap();
    assert!(
        csv.lines().count() == 3 && csv.contains("ESTIMATION") && csv.contains("Ain (01)"),
        "{csv}"
    );
    let gj = access_geojson(&communes, &places, &access, &m, "Ain (01)");
    assert_eq!(gj["zone"], "Ain (01)");
    assert_eq!(gj["features"].as_array().unwrap().len(), 3);
    assert!(gj["methode"].as_str().unwrap().contains("ESTIMATION"));
    let opts = MapOptions {
        title: "Carte <test>".into(),
        width: 400,
        departement: Some("01".into()),
        notes: vec!["Zone couverte par les lieux : Ain (01).".into()],
        ..MapOptions::default()
    };
    let svg = render_svg(&communes, &access, &places, &opts, &m).unwrap();
    assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
    assert!(svg.contains("Carte &lt;test&gt;") && !svg.contains("Carte <test>"));
    assert!(svg.contains("ESTIMATION") && svg.contains("Zone couverte par les lieux : Ain (01)."));
    // Title, legend (7 classes and the place mark) and the département's outline.
    assert!(svg.contains("<title id=\"t\">Carte &lt;test&gt;</title>"));
    assert_eq!(svg.matches("<circle").count(), 7, "7 legend classes");
    for label in [
        "10 min ou moins",
        "plus de 45 min",
        "traversée maritime : temps non estimé",
        "temps inconnu",
        "lieu (triangle noir)",
    ] {
        assert!(svg.contains(label), "{label}");
    }
    assert!(
        svg.contains("fill=\"#eeeeee\" stroke=\"#8c8c8c\""),
        "outlines drawn"
    );
    assert!(
        svg.contains("stroke=\"#161616\" stroke-width=\"2\""),
        "the département's own outline"
    );
    let png = render_png(&communes, &access, &places, &opts, &m).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let width = u32::from_be_bytes([png[16], png[17], png[18], png[19]]);
    assert_eq!(width, 400);
    let none = MapOptions {
        departement: Some("99".into()),
        ..opts
    };
    assert!(matches!(
        render_svg(&communes, &access, &places, &none, &m),
        Err(TerritoryError::NoCommunes)
    ));
}

/// The national France Services map: outlines, title and legend inside both images, and a
/// PNG that stays small (indexed palette, deflate) while the SVG stays under its bound too.
#[test]
fn national_maps_are_readable_and_light() {
    let communes = load_communes(std::fs::File::open(crate::data("communes-2026.csv")).unwrap())
        .unwrap()
        .communes;
    let fs = load_france_services(
        std::fs::File::open(crate::data("france-services-2024-08-01.csv")).unwrap(),
    )
    .unwrap()
    .places;
    let net = Network::estimate(1.3, 50.0).unwrap();
    let (access, _) = access_times(&net, &communes, &fs).unwrap();
    let area = Area::infer(&communes, &fs);
    let opts = MapOptions {
        title: "Temps d’accès au lieu « France services » le plus proche".into(),
        width: 1000,
        departement: None,
        notes: vec![format!("Zone couverte par les lieux : {}.", area.label)],
        area: Some(area),
    };
    let svg = render_svg(&communes, &access, &fs, &opts, &net.method()).unwrap();
    let png = render_png(&communes, &access, &fs, &opts, &net.method()).unwrap();
    eprintln!("SVG {} bytes, PNG {} bytes", svg.len(), png.len());
    assert!(svg.contains("Zone couverte par les lieux : France métropolitaine"));
    assert!(svg.len() < 700_000, "SVG {} bytes", svg.len());
    assert!(png.len() < 300_000, "PNG {} bytes", png.len());
    // Indexed colour (type 3).
    assert_eq!(png[25], 3);
}

use guichet_places::{load_communes, load_france_services};
