use guichet_auth::{TotpSecret, qr_svg};

/// Reads the SVG back as a module grid (the format `qr_svg` writes: one `M x y h n v1 h-n z`
/// per run of dark modules) and decodes it with an independent QR reader.
fn decode(svg: &str) -> String {
    let size: usize = svg
        .split("viewBox=\"0 0 ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .unwrap()
        .parse()
        .unwrap();
    let d = svg
        .split(" d=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let mut dark = vec![false; size * size];
    for run in d.split('z').filter(|r| !r.is_empty()) {
        let (xy, rest) = run.strip_prefix('M').unwrap().split_once('h').unwrap();
        let (x, y) = xy.split_once(' ').unwrap();
        let (x, y): (usize, usize) = (x.parse().unwrap(), y.parse().unwrap());
        let n: usize = rest.split_once('v').unwrap().0.parse().unwrap();
        for i in x..x + n {
            dark[y * size + i] = true;
        }
    }
    // Four pixels per module, as a camera would see a printed code.
    let scale = 4;
    let mut image =
        rqrr::PreparedImage::prepare_from_greyscale(size * scale, size * scale, |x, y| {
            if dark[(y / scale) * size + x / scale] {
                0
            } else {
                255
            }
        });
    let grids = image.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code in the picture");
    grids[0].decode().unwrap().1
}

#[test]
fn an_otpauth_uri_becomes_an_accessible_svg_that_decodes_to_it() {
    let uri = TotpSecret::generate().otpauth_uri("Mairie de Lyon", "agent@lyon.example");
    let svg = qr_svg(
        &uri,
        "QR code à scanner avec votre application d’authentification",
    );
    assert!(svg.starts_with("<svg "), "{svg}");
    assert!(svg.ends_with("</svg>"), "{svg}");
    assert!(svg.contains(r#"role="img""#));
    assert!(
        svg.contains(r#"aria-label="QR code à scanner avec votre application d’authentification""#)
    );
    assert!(svg.contains("viewBox=\"0 0 "));
    assert!(
        !svg.contains("width=\"") || svg.contains("<rect width=\""),
        "no fixed size on <svg>"
    );
    assert!(svg.contains(r##"<rect width="##) && svg.contains(r##"fill="#fff""##));
    assert!(svg.contains(r##"<path fill="#000" d="M"##));
    assert_eq!(decode(&svg), uri);
}

#[test]
fn the_quiet_zone_is_four_light_modules() {
    let svg = qr_svg("bonjour", "QR code");
    // Version 1 is 21 modules wide: 21 + 2 × 4.
    assert!(svg.contains(r#"viewBox="0 0 29 29""#), "{svg}");
    let d = svg.split(" d=\"").nth(1).unwrap();
    // The first dark run is the top-left finder pattern, 4 modules in.
    assert!(d.starts_with("M4 4h7v1h-7z"), "{d}");
    assert_eq!(decode(&svg), "bonjour");
}

#[test]
fn the_label_is_escaped() {
    let svg = qr_svg("x", r#"Code "A" <b> & 'c'"#);
    assert!(
        svg.contains(r#"aria-label="Code &quot;A&quot; &lt;b&gt; &amp; &apos;c&apos;""#),
        "{svg}"
    );
    assert!(!svg.contains("<b>"));
}

#[test]
fn data_too_long_for_a_qr_code_gives_a_labelled_notice() {
    let svg = qr_svg(&"x".repeat(5_000), "QR code");
    assert!(svg.starts_with("<svg "));
    assert!(svg.contains(r#"role="img" aria-label="QR code""#));
    assert!(svg.contains("QR code indisponible"));
}
