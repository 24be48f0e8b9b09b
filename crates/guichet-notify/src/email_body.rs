//! The HTML part of an email: one column, real paragraphs, `lang="fr"`, text escaped by askama.
//! Sending it is `guichet-delivery`'s (`smtp.rs`).

use askama::Template;

#[derive(Template)]
#[template(
    source = r#"<!DOCTYPE html>
<html lang="fr">
<head><meta charset="utf-8"><title>{{ title }}</title></head>
<body style="font-family: Arial, sans-serif; font-size: 16px; line-height: 1.5; max-width: 40em;">
{% for p in paragraphs %}<p>{% for line in p.lines() %}{% if !loop.first %}<br>{% endif %}{{ line }}{% endfor %}</p>
{% endfor %}</body>
</html>
"#,
    ext = "html"
)]
struct EmailHtml<'a> {
    title: &'a str,
    paragraphs: &'a [String],
}

/// Minimal, accessible HTML for an email body: paragraphs of escaped text, a line break for each
/// newline inside a paragraph.
pub fn html_body(title: &str, paragraphs: &[String]) -> String {
    EmailHtml { title, paragraphs }
        .render()
        .unwrap_or_else(|_| paragraphs.join("\n\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_escapes_text_and_keeps_line_breaks() {
        let h = html_body("T & co", &["<b>Zoé & co</b>".into(), "un\ndeux".into()]);
        assert!(
            h.contains("&#60;b&#62;Zoé &#38; co&#60;/b&#62;")
                || h.contains("&lt;b&gt;Zoé &amp; co&lt;/b&gt;"),
            "{h}"
        );
        assert!(
            h.contains("<title>T &#38; co</title>") || h.contains("<title>T &amp; co</title>"),
            "{h}"
        );
        assert!(h.contains("<p>un<br>deux</p>"), "{h}");
        assert!(h.contains("lang=\"fr\""));
    }
}
