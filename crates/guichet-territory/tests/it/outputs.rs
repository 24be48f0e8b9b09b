//! Downloads and maps state the method, and the CLI writes a whole report.

use guichet_territory::*;

use crate::analyses::{commune, place};
use crate::data;

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

#[test]
fn cli_report_on_real_french_data() {
    use clap::Parser;
    #[derive(Parser)]
    struct Cli {
        #[command(subcommand)]
        cmd: TerritoryCommand,
    }
    let out = std::env::temp_dir().join(format!("guichet-territory-report-{}", std::process::id()));
    let communes = data("communes-2026.csv");
    let fs = data("france-services-2024-08-01.csv");
    let cli = Cli::try_parse_from([
        "territory",
        "report",
        "--communes",
        communes.to_str().unwrap(),
        "--france-services",
        fs.to_str().unwrap(),
        "--k",
        "5",
        "--out-dir",
        out.to_str().unwrap(),
    ])
    .unwrap();
    run(cli.cmd).unwrap();
    for f in [
        "acces.csv",
        "acces.geojson",
        "couverture.csv",
        "sites.csv",
        "carte.svg",
        "carte.png",
    ] {
        assert!(out.join(f).metadata().unwrap().len() > 100, "{f}");
    }
    assert!(out.join("departements/23.svg").exists());
    let sites = std::fs::read_to_string(out.join("sites.csv")).unwrap();
    assert_eq!(sites.lines().count(), 6, "{sites}");
    let cov = std::fs::read_to_string(out.join("couverture.csv")).unwrap();
    assert!(cov.lines().nth(1).unwrap().starts_with("national,France,"));
    std::fs::remove_dir_all(&out).unwrap();
}

#[test]
fn cli_refuses_missing_inputs_with_a_french_message() {
    use clap::Parser;
    #[derive(Parser)]
    struct Cli {
        #[command(subcommand)]
        cmd: TerritoryCommand,
    }
    let communes = data("communes-2026.csv");
    let cli = Cli::try_parse_from([
        "territory",
        "access",
        "--communes",
        communes.to_str().unwrap(),
        "--out",
        "/dev/null",
    ])
    .unwrap();
    let err = format!("{:#}", run(cli.cmd).unwrap_err());
    assert!(err.contains("--france-services requis"), "{err}");
    let bad_pbf = std::env::temp_dir().join(format!("bad-{}.osm.pbf", std::process::id()));
    std::fs::write(&bad_pbf, b"not a pbf").unwrap();
    let cli = Cli::try_parse_from([
        "territory",
        "graph",
        "--pbf",
        bad_pbf.to_str().unwrap(),
        "--out",
        "/dev/null",
    ])
    .unwrap();
    let err = format!("{:#}", run(cli.cmd).unwrap_err());
    assert!(err.contains("illisible"), "{err}");
    std::fs::remove_file(&bad_pbf).unwrap();
}
