//! The WeasyPrint peer: the same letters written as HTML/CSS (same page, blocks, fonts and
//! sizes), rendered by WeasyPrint in a pool of one process per core (`weasyprint_bench.py`,
//! which times itself), for its rate in letters per second.

use std::process::Command;

use guichet_letters::{Letter, LetterKind, PrintSize, Wording};

use super::LettersBenchArgs;

/// The same letter as HTML/CSS for WeasyPrint: same page, blocks, fonts and sizes.
fn letter_html(letter: &Letter) -> String {
    let e = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    let large = letter.size == PrintSize::LargePrint;
    let body_pt = if large { 16 } else { 11 };
    let small_pt = if large { 15 } else { 10 };
    let mut h = String::new();
    h.push_str(&format!(
        "<!DOCTYPE html><html lang=\"fr\"><head><meta charset=\"utf-8\"><title>Courrier</title><style>\
         @page {{ size: A4; margin: 15mm 15mm 22mm 20mm; @bottom-right {{ content: \"Page \" counter(page) \"/\" counter(pages); font: {small_pt}pt 'Liberation Sans'; }} }}\
         body {{ font-family: 'Liberation Sans', 'DejaVu Sans', sans-serif; font-size: {body_pt}pt; line-height: {}; hyphens: {}; text-align: {}; }}\
         .sender {{ position: absolute; top: 0; left: 0; width: 80mm; font-size: {small_pt}pt; }}\
         .address {{ position: absolute; top: 35mm; left: 92mm; width: 93mm; font-size: 10pt; line-height: 1.25; }}\
         .date {{ position: absolute; top: 87mm; left: 92mm; }}\
         .content {{ padding-top: {}mm; }} h1 {{ font-size: {body_pt}pt; }} h2 {{ font-size: {body_pt}pt; }}\
         .signature {{ margin-left: 95mm; }}</style></head><body>",
        if large { "1.5" } else { "1.3" },
        if large || letter.wording == Wording::EasyToRead { "manual" } else { "auto" },
        if large || letter.wording == Wording::EasyToRead { "left" } else { "justify" },
        if large { 101 } else { 97 }
    ));
    h.push_str("<div class=\"sender\"><strong>");
    h.push_str(&e(&letter.sender.name));
    h.push_str("</strong>");
    for l in &letter.sender.lines {
        h.push_str("<br>");
        h.push_str(&e(l));
    }
    if let Some(r) = &letter.reference {
        h.push_str(&format!(
            "<p>Référence du dossier : <strong>{}</strong><br>Code de suivi : <strong>{}</strong></p>",
            e(&r.case_reference),
            e(&r.follow_up_code)
        ));
    }
    h.push_str("</div><div class=\"address\">");
    h.push_str(
        &letter
            .recipient
            .lines()
            .iter()
            .map(|l| e(l))
            .collect::<Vec<_>>()
            .join("<br>"),
    );
    h.push_str(&format!(
        "</div><div class=\"date\">{}, le {}</div><div class=\"content\"><h1>Objet : {}</h1><p>{}</p>",
        e(&letter.place),
        guichet_letters::french_date(letter.date),
        e(&letter.subject),
        e(&letter.salutation)
    ));
    for p in &letter.body {
        h.push_str(&format!("<p>{}</p>", e(p)));
    }
    if let LetterKind::Decision { legal_mentions } = &letter.kind {
        h.push_str("<h2>Voies et délais de recours</h2>");
        for m in legal_mentions {
            h.push_str(&format!("<p>{}</p>", e(m)));
        }
    }
    h.push_str(&format!(
        "<p>{}</p><p class=\"signature\"><strong>{}</strong><br>{}</p></div></body></html>",
        e(&letter.closing),
        e(&letter.signature.name),
        e(&letter.signature.title)
    ));
    h
}

/// WeasyPrint's rate on `args.peer_letters` of `letters` (cycled), in letters per second.
pub(super) fn rate(
    args: &LettersBenchArgs,
    letters: &[Letter],
    cores: usize,
) -> anyhow::Result<f64> {
    let check = Command::new(&args.python)
        .args(["-c", "import weasyprint"])
        .output()?;
    anyhow::ensure!(
        check.status.success(),
        "{} cannot import weasyprint",
        args.python
    );
    let dir = tempfile::tempdir()?;
    for (i, letter) in letters
        .iter()
        .cycle()
        .take(args.peer_letters.max(1))
        .enumerate()
    {
        std::fs::write(dir.path().join(format!("{i:06}.html")), letter_html(letter))?;
    }
    let script = dir.path().join("bench.py");
    std::fs::write(&script, include_str!("weasyprint_bench.py"))?;
    let out = Command::new(&args.python)
        .arg(&script)
        .arg(dir.path())
        .arg(cores.to_string())
        .output()?;
    anyhow::ensure!(
        out.status.success(),
        "weasyprint failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    if v["harfbuzz_subset"] == serde_json::Value::Bool(false) {
        println!(
            "weasyprint: subsetting fonts with fontTools, its slow deprecated fallback; install \
             HarfBuzz-Subset (Debian: apt-get install libharfbuzz-subset0) for a fair comparison"
        );
    }
    v["per_s"]
        .as_f64()
        .ok_or_else(|| anyhow::anyhow!("unexpected output {v}"))
}
