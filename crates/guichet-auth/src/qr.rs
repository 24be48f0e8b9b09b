//! The QR code that hands a TOTP secret to a phone, as inline SVG: no image file, no script,
//! sized by the page's CSS through its `viewBox`, and named for screen readers by the caller
//! (the page also shows the secret as text for people who cannot scan it).

use std::fmt::Write as _;

use qrcode::{Color, EcLevel, QrCode};

/// Four modules of light margin around the code, as ISO/IEC 18004 requires for readers.
const QUIET_ZONE: usize = 4;

/// The QR code of `data` as an `<svg>` element: `role="img"`, `aria-label` = `label` (escaped),
/// dark modules black on a white square with a quiet zone, coordinates in modules and a
/// `viewBox` without `width` or `height`, so CSS sizes it. Error correction level M (15 %),
/// or L when the data only fits that way. Data too long for any QR code (about 2 900 bytes)
/// gives a white square saying « QR code indisponible » with the same label — an
/// `otpauth://` URI is far shorter.
pub fn qr_svg(data: &str, label: &str) -> String {
    let code = QrCode::with_error_correction_level(data, EcLevel::M)
        .or_else(|_| QrCode::with_error_correction_level(data, EcLevel::L));
    let label = escape_xml(label);
    let Ok(code) = code else {
        return format!(
            concat!(
                r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 40" role="img" aria-label="{label}">"##,
                r##"<rect width="120" height="40" fill="#fff"/>"##,
                r##"<text x="60" y="24" font-size="10" text-anchor="middle" fill="#000">QR code indisponible</text>"##,
                "</svg>"
            ),
            label = label
        );
    };
    let width = code.width();
    let modules = code.to_colors();
    let size = width + 2 * QUIET_ZONE;
    let mut path = String::new();
    for (y, row) in modules.chunks(width).enumerate() {
        let mut x = 0;
        while x < width {
            if row[x] == Color::Light {
                x += 1;
                continue;
            }
            let start = x;
            while x < width && row[x] == Color::Dark {
                x += 1;
            }
            let run = x - start;
            let _ = write!(
                path,
                "M{} {}h{run}v1h-{run}z",
                start + QUIET_ZONE,
                y + QUIET_ZONE
            );
        }
    }
    format!(
        concat!(
            r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" role="img" aria-label="{label}" shape-rendering="crispEdges">"##,
            r##"<rect width="{size}" height="{size}" fill="#fff"/>"##,
            r##"<path fill="#000" d="{path}"/>"##,
            "</svg>"
        ),
        size = size,
        label = label,
        path = path
    )
}

/// Text for an XML attribute: the five characters with a meaning there become entities.
fn escape_xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attribute_text_is_escaped() {
        assert_eq!(
            escape_xml(r#"a<b>&"c"'d'"#),
            "a&lt;b&gt;&amp;&quot;c&quot;&apos;d&apos;"
        );
        assert_eq!(escape_xml("Épinal"), "Épinal");
    }
}
