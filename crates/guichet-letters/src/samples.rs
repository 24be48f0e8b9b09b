//! Many different realistic letters, for benchmarks and tests.

use chrono::NaiveDate;

use crate::{Letter, LetterError, PostalAddress, PrintSize, Wording, sample_decision};

const GIVEN: [&str; 12] = [
    "Awa",
    "Jean",
    "Marie-Claire",
    "Karim",
    "Nguyen",
    "Élodie",
    "François",
    "Inès",
    "Yannick",
    "Zoé",
    "Loïc",
    "Fatoumata",
];
const FAMILY: [&str; 10] = [
    "DIALLO",
    "MARTIN",
    "BERNARD",
    "BENALI",
    "TRAN",
    "LEFÈVRE",
    "GARCÍA",
    "MOREAU",
    "N’DIAYE",
    "ROUSSEAU",
];
const STREETS: [&str; 8] = [
    "rue Francis-de-Pressensé",
    "avenue Jean-Jaurès",
    "boulevard du 11-Novembre-1918",
    "chemin des Vignes",
    "place de la République",
    "impasse des Lilas",
    "allée Rosa-Parks",
    "route de Grenoble",
];
const TOWNS: [(&str, &str); 8] = [
    ("69100", "VILLEURBANNE"),
    ("69003", "LYON"),
    ("38000", "GRENOBLE"),
    ("42000", "SAINT-ETIENNE"),
    ("01000", "BOURG-EN-BRESSE"),
    ("73000", "CHAMBERY"),
    ("26000", "VALENCE"),
    ("63000", "CLERMONT-FERRAND"),
];

/// A realistic decision letter, varied by `n` (names, addresses, amounts, print size, one in
/// ten easy-to-read): for benchmarks and for tests that need many different letters.
pub fn sample_letter(n: usize) -> Result<Letter, LetterError> {
    let wording = if n % 10 == 7 {
        Wording::EasyToRead
    } else {
        Wording::Standard
    };
    let size = if n % 10 == 3 {
        PrintSize::LargePrint
    } else {
        PrintSize::Standard
    };
    let mut letter = sample_decision(size, wording)?;
    let given = GIVEN[n % GIVEN.len()];
    let family = FAMILY[(n / 3) % FAMILY.len()];
    let (postcode, town) = TOWNS[(n / 7) % TOWNS.len()];
    let civ = if n.is_multiple_of(2) {
        "Madame"
    } else {
        "Monsieur"
    };
    letter.recipient = PostalAddress::new([
        format!("{civ} {given} {family}"),
        format!("Appartement {}", 10 + n % 90),
        format!("{} {}", 1 + n % 180, STREETS[n % STREETS.len()]),
        format!("{postcode} {town}"),
    ])?;
    letter.salutation = format!("{civ},");
    if wording == Wording::Standard {
        letter.body[0] = format!(
            "Vous avez déposé le {} février 2026 une demande d’aide au paiement de vos factures d’énergie. \
             Après examen de votre dossier par la commission permanente du 10 mars 2026, une aide de {} euros \
             vous est attribuée.",
            1 + n % 28,
            50 + (n * 37) % 450
        );
    }
    if let Some(r) = letter.reference.as_mut() {
        r.case_reference = format!("D-2026-{:06}", n);
    }
    letter.date = NaiveDate::from_ymd_opt(2026, 3, 12).unwrap_or_default();
    Ok(letter)
}

/// The postcode of [`sample_letter`]`(n)`, without building the letter.
pub fn sample_postcode(n: usize) -> &'static str {
    TOWNS[(n / 7) % TOWNS.len()].0
}
