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
    access_csv(&mut csv, &communes, &places, &access, &m).unwrap();
    let csv = String::from_utf8(csv).unwrap();
    assert!(
        csv.lines().count() == 3 && csv.contains("ESTIMATION"),
        "{csv}"
    );
    let gj = access_geojson(&communes, &places, &access, &m);
    assert_eq!(gj["features"].as_array().unwrap().len(), 3);
    assert!(gj["methode"].as_str().unwrap().contains("ESTIMATION"));
    let opts = MapOptions {
        title: "Carte <test>".into(),
        width: 400,
        departement: Some("01".into()),
    };
    let svg = render_svg(&communes, &access, &places, &opts, &m).unwrap();
    assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
    assert!(svg.contains("Carte &lt;test&gt;") && !svg.contains("Carte <test>"));
    assert!(svg.contains("ESTIMATION"));
    assert_eq!(
        svg.matches("<circle").count(),
        2 + 6,
        "2 communes + 6 legend dots"
    );
    let png = render_png(&communes, &access, &places, &opts).unwrap();
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
