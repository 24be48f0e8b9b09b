//! An operator's name as French grammar needs it in a sentence: with its article, and the
//! article contracted after « de » and « à » (« la mairie de Saint-Clair », « du CCAS de
//! Saint-Clair », « auprès de la CAF du Rhône », « à l’agence … »). Operators are named the
//! way they sign (« Mairie de Saint-Clair-sur-Lys », « CCAS de … »); letters then write
//! « auprès du CCAS de … », never « auprès de CCAS de … ».

/// The grammatical form of an operator's name for the article it takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Article {
    /// « le CCAS », « du CCAS », « au CCAS ».
    Masculine,
    /// « la mairie », « de la mairie », « à la mairie ».
    Feminine,
    /// « l’agence », « de l’agence », « à l’agence ».
    Elided,
    /// A proper name that takes no article (« France Travail »).
    None,
}

/// Head words of operator names: the noun, whether it is written in lower case inside a
/// sentence (a common noun; acronyms keep their capitals), and its article.
const HEADS: &[(&str, bool, Article)] = &[
    ("mairie", true, Article::Feminine),
    ("ville", true, Article::Feminine),
    ("commune", true, Article::Feminine),
    ("communauté", true, Article::Feminine),
    ("métropole", true, Article::Feminine),
    ("préfecture", true, Article::Feminine),
    ("sous-préfecture", true, Article::Feminine),
    ("caisse", true, Article::Feminine),
    ("mutualité", true, Article::Feminine),
    ("maison", true, Article::Feminine),
    ("direction", true, Article::Feminine),
    ("région", true, Article::Feminine),
    ("CAF", false, Article::Feminine),
    ("CPAM", false, Article::Feminine),
    ("MSA", false, Article::Feminine),
    ("MDPH", false, Article::Feminine),
    ("centre", true, Article::Masculine),
    ("conseil", true, Article::Masculine),
    ("département", true, Article::Masculine),
    ("service", true, Article::Masculine),
    ("syndicat", true, Article::Masculine),
    ("pôle", true, Article::Masculine),
    ("point", true, Article::Masculine),
    ("CCAS", false, Article::Masculine),
    ("CIAS", false, Article::Masculine),
    ("SIVOM", false, Article::Masculine),
    ("agence", true, Article::Elided),
    ("office", true, Article::Elided),
    ("hôtel", true, Article::Elided),
    ("établissement", true, Article::Elided),
];

/// An operator's name, ready for sentences.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperatorName {
    /// As the operator signs: « Mairie de Saint-Clair-sur-Lys ».
    pub name: String,
    /// Inside a sentence, without article: « mairie de Saint-Clair-sur-Lys », « CCAS de … ».
    noun: String,
    article: Article,
}

impl OperatorName {
    /// Reads the article from the name's first word; a name it does not know (a proper name
    /// such as « France Travail ») is written without one.
    pub fn new(name: &str) -> Self {
        let name = name.trim();
        let first = name.split([' ', '\u{a0}']).next().unwrap_or_default();
        // A name that already starts with an article keeps it as written.
        for (lead, article) in [
            ("Le ", Article::Masculine),
            ("La ", Article::Feminine),
            ("L’", Article::Elided),
            ("L'", Article::Elided),
        ] {
            if let Some(rest) = name.strip_prefix(lead) {
                return Self {
                    name: name.to_owned(),
                    noun: rest.to_owned(),
                    article,
                };
            }
        }
        let head = HEADS.iter().find(|(word, common, _)| {
            if *common {
                first.to_lowercase() == *word
            } else {
                first == *word
            }
        });
        match head {
            Some((_, common, article)) => {
                let noun = if *common {
                    let mut chars = name.chars();
                    chars.next().map_or_else(String::new, |c| {
                        c.to_lowercase().chain(chars).collect::<String>()
                    })
                } else {
                    name.to_owned()
                };
                Self {
                    name: name.to_owned(),
                    noun,
                    article: *article,
                }
            }
            None => Self {
                name: name.to_owned(),
                noun: name.to_owned(),
                article: Article::None,
            },
        }
    }

    /// « la mairie de … », « le CCAS de … », « l’agence … », « France Travail ».
    pub fn with_article(&self) -> String {
        let noun = &self.noun;
        match self.article {
            Article::Masculine => format!("le {noun}"),
            Article::Feminine => format!("la {noun}"),
            Article::Elided => format!("l’{noun}"),
            Article::None => noun.clone(),
        }
    }

    /// After « de »: « de la mairie de … », « du CCAS de … », « de l’agence … ».
    pub fn of(&self) -> String {
        let noun = &self.noun;
        match self.article {
            Article::Masculine => format!("du {noun}"),
            Article::Feminine => format!("de la {noun}"),
            Article::Elided => format!("de l’{noun}"),
            Article::None if starts_with_vowel(noun) => format!("d’{noun}"),
            Article::None => format!("de {noun}"),
        }
    }

    /// After « à »: « à la mairie de … », « au CCAS de … », « à l’agence … ».
    pub fn to(&self) -> String {
        let noun = &self.noun;
        match self.article {
            Article::Masculine => format!("au {noun}"),
            Article::Feminine => format!("à la {noun}"),
            Article::Elided => format!("à l’{noun}"),
            Article::None => format!("à {noun}"),
        }
    }
}

fn starts_with_vowel(s: &str) -> bool {
    s.chars()
        .next()
        .is_some_and(|c| "AEIOUYÂÊÎÔÛÉÈaeiouyâêîôûéèh".chars().any(|v| v == c))
}

#[cfg(test)]
mod tests {
    use super::OperatorName;

    #[test]
    fn articles_follow_the_head_word() {
        let cases = [
            (
                "Mairie de Saint-Clair-sur-Lys",
                "la mairie de Saint-Clair-sur-Lys",
                "de la mairie de Saint-Clair-sur-Lys",
                "à la mairie de Saint-Clair-sur-Lys",
            ),
            (
                "CCAS de Saint-Clair-sur-Lys",
                "le CCAS de Saint-Clair-sur-Lys",
                "du CCAS de Saint-Clair-sur-Lys",
                "au CCAS de Saint-Clair-sur-Lys",
            ),
            (
                "Centre communal d’action sociale de Saint-Rémy",
                "le centre communal d’action sociale de Saint-Rémy",
                "du centre communal d’action sociale de Saint-Rémy",
                "au centre communal d’action sociale de Saint-Rémy",
            ),
            (
                "CAF du Rhône",
                "la CAF du Rhône",
                "de la CAF du Rhône",
                "à la CAF du Rhône",
            ),
            (
                "Agence régionale de santé",
                "l’agence régionale de santé",
                "de l’agence régionale de santé",
                "à l’agence régionale de santé",
            ),
            (
                "France Travail",
                "France Travail",
                "de France Travail",
                "à France Travail",
            ),
            ("La Poste", "la Poste", "de la Poste", "à la Poste"),
        ];
        for (name, the, of, to) in cases {
            let n = OperatorName::new(name);
            assert_eq!(n.with_article(), the, "{name}");
            assert_eq!(n.of(), of, "{name}");
            assert_eq!(n.to(), to, "{name}");
        }
    }
}
