//! French text analysis shared by indexing and querying: the tantivy analyzer (accent folding,
//! stop words, Snowball French stemming) and the folding used to match synonym and situation
//! phrases written in data files.
//!
//! Indexing and querying must agree exactly, so both go through [`analyzer`] and [`fold`].

use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer,
    StopWordFilter, TextAnalyzer,
};

/// The name the analyzer is registered under in the index.
pub const ANALYZER: &str = "fr";
/// The same analysis without stemming, for typo tolerance: a typo in a suffix ("naturalisaton")
/// defeats the stemmer, so near spellings are looked up among whole words.
pub const PLAIN_ANALYZER: &str = "fr_plain";

/// Words that carry no meaning for finding a procedure. Written folded (no accents): the filter
/// runs after accent folding. Elided forms (`l'`, `d'`, `j'`, `qu'`) appear as single letters.
const STOP_WORDS: &[&str] = &[
    "a",
    "c",
    "d",
    "j",
    "l",
    "m",
    "n",
    "s",
    "t",
    "y",
    "qu",
    "au",
    "aux",
    "avec",
    "ce",
    "ces",
    "cet",
    "cette",
    "dans",
    "de",
    "des",
    "du",
    "elle",
    "elles",
    "en",
    "et",
    "eux",
    "il",
    "ils",
    "je",
    "la",
    "le",
    "les",
    "leur",
    "leurs",
    "lui",
    "ma",
    "mais",
    "me",
    "meme",
    "mes",
    "moi",
    "mon",
    "ne",
    "nos",
    "notre",
    "nous",
    "on",
    "ou",
    "par",
    "pas",
    "pour",
    "qui",
    "que",
    "quoi",
    "sa",
    "se",
    "ses",
    "son",
    "sur",
    "ta",
    "te",
    "tes",
    "toi",
    "ton",
    "tu",
    "un",
    "une",
    "vos",
    "votre",
    "vous",
    "est",
    "suis",
    "es",
    "sont",
    "etre",
    "ete",
    "ai",
    "as",
    "avons",
    "avez",
    "ont",
    "avoir",
    "eu",
    "fait",
    "faire",
    "comment",
    "quel",
    "quelle",
    "quels",
    "quelles",
    "quand",
    "combien",
    "pourquoi",
    "veux",
    "voudrais",
    "souhaite",
    "dois",
    "doit",
    "faut",
    "peux",
    "peut",
    "puis",
    "est-ce",
    "si",
    "ca",
    "cela",
    "ceci",
    "tout",
    "tous",
    "toute",
    "toutes",
    "plus",
    "tres",
    "bien",
    "aussi",
    "alors",
    "donc",
    "car",
    "ni",
    "or",
    "chez",
    "bonjour",
    "svp",
    "merci",
    "besoin",
    "aide",
    "aider",
    "demarche",
    "demarches",
    "savoir",
    "obtenir",
    "demander",
    "demande",
    "comme",
    "ici",
    "quoi",
    "etc",
];

/// The French analyzer: split on non-alphanumerics, drop very long tokens, lowercase, fold
/// accents, drop stop words, stem.
pub fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(StopWordFilter::remove(
            STOP_WORDS.iter().map(|w| (*w).to_owned()),
        ))
        .filter(Stemmer::new(Language::French))
        .build()
}

/// [`analyzer`] without the stemmer.
pub fn plain_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(StopWordFilter::remove(
            STOP_WORDS.iter().map(|w| (*w).to_owned()),
        ))
        .build()
}

/// The analyzed terms of a text, in order, duplicates kept.
pub fn terms(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut stream = analyzer.token_stream(text);
    while stream.advance() {
        out.push(stream.token().text.clone());
    }
    out
}

/// Lowercase, accents folded, every run of non-alphanumerics turned into one space, with a
/// space at both ends so that `contains(" word ")` matches whole words only.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push(' ');
    let mut last_space = true;
    for c in text.chars().flat_map(char::to_lowercase) {
        let folded = fold_char(c);
        match folded {
            Some(s) => {
                out.push_str(s);
                last_space = false;
            }
            None if c.is_alphanumeric() => {
                out.push(c);
                last_space = false;
            }
            None => {
                if !last_space {
                    out.push(' ');
                    last_space = true;
                }
            }
        }
    }
    if !last_space {
        out.push(' ');
    }
    out
}

fn fold_char(c: char) -> Option<&'static str> {
    Some(match c {
        'à' | 'â' | 'ä' | 'á' | 'ã' | 'å' => "a",
        'ç' => "c",
        'é' | 'è' | 'ê' | 'ë' => "e",
        'î' | 'ï' | 'í' | 'ì' => "i",
        'ô' | 'ö' | 'ó' | 'ò' | 'õ' => "o",
        'ù' | 'û' | 'ü' | 'ú' => "u",
        'ÿ' | 'ý' => "y",
        'ñ' => "n",
        'œ' => "oe",
        'æ' => "ae",
        'a'..='z' | '0'..='9' => return None,
        _ => return None,
    })
}

/// Makes any user input safe to analyze: control characters become spaces and the text is
/// cut at `max_chars` characters.
pub fn sanitize(input: &str, max_chars: usize) -> String {
    input
        .chars()
        .take(max_chars)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accents_case_and_inflections_meet() {
        let mut a = analyzer();
        assert_eq!(terms(&mut a, "Déménagement"), terms(&mut a, "demenagement"));
        assert_eq!(
            terms(&mut a, "J'ai perdu ma carte d'identité"),
            vec!["perdu", "cart", "identit"]
        );
        assert_eq!(terms(&mut a, "CARTES"), terms(&mut a, "carte"));
    }

    #[test]
    fn fold_keeps_word_boundaries() {
        assert_eq!(fold("Je DÉMÉNAGE !"), " je demenage ");
        assert_eq!(fold("carte d’identité"), " carte d identite ");
        assert_eq!(fold(""), " ");
    }
}
