//! Finding a commune the way people write it: a name with or without accents, capitals,
//! hyphens or « St » for « Saint » (« saint etienne » is Saint-Étienne), or a postcode (one
//! postcode may serve several communes, and one commune several postcodes).
//!
//! The postcodes come from the table shipped in `data/codes-postaux-2026.csv.gz` (see
//! `data/README.md`), read by [`crate::sources::embedded_postcodes`]. A directory is built from
//! values and does no I/O; [`crate::TerritoryReport::directory`] builds the report's own once.

use std::collections::{BTreeMap, HashMap};

use guichet_places::{Commune, InseeCode};

/// Longest query read, in characters: the longest commune name has 45.
pub const MAX_QUERY_CHARS: usize = 100;
/// Suggestions offered for an unknown name.
const MAX_SUGGESTIONS: usize = 6;
/// Communes listed for a name or a postcode shared by many.
pub const MAX_CHOICES: usize = 30;

/// Communes by folded name and by postcode.
#[derive(Debug, Default)]
pub struct CommuneDirectory {
    /// Folded name of each commune, in the order of the communes given.
    folded: Vec<String>,
    by_name: HashMap<String, Vec<usize>>,
    by_postcode: BTreeMap<String, Vec<usize>>,
    postcodes: Vec<Vec<String>>,
    population: Vec<u32>,
}

/// What a query found. Indices are those of the communes the directory was built from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    /// Exactly one commune.
    One(usize),
    /// Several communes answer (a shared postcode, or a name several communes bear): the
    /// person chooses. Largest population first.
    Several {
        postcode: Option<String>,
        communes: Vec<usize>,
    },
    /// No commune of that name; close names, if any.
    UnknownName { suggestions: Vec<usize> },
    /// A well-formed postcode that no commune has.
    UnknownPostcode(String),
    /// Not a name or a postcode (empty, too long, a wrong number of digits): the French reason.
    Invalid(String),
}

/// Lower case, no accents, « œ » as « oe », every other sign a space, « st » / « ste » as
/// « saint » / « sainte »: how names are compared.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().flat_map(char::to_lowercase) {
        match c {
            'à' | 'â' | 'ä' | 'á' | 'ã' | 'å' => out.push('a'),
            'ç' => out.push('c'),
            'é' | 'è' | 'ê' | 'ë' => out.push('e'),
            'î' | 'ï' | 'í' | 'ì' => out.push('i'),
            'ô' | 'ö' | 'ó' | 'ò' | 'õ' => out.push('o'),
            'ù' | 'û' | 'ü' | 'ú' => out.push('u'),
            'ÿ' | 'ý' => out.push('y'),
            'ñ' => out.push('n'),
            'œ' => out.push_str("oe"),
            'æ' => out.push_str("ae"),
            c if c.is_alphanumeric() => out.push(c),
            _ => out.push(' '),
        }
    }
    out.split_whitespace()
        .map(|w| match w {
            "st" => "saint",
            "ste" => "sainte",
            w => w,
        })
        .collect::<Vec<_>>()
        .join(" ")
}

impl CommuneDirectory {
    /// `postcodes`: (postcode, INSEE code) pairs; pairs of communes not in `communes` are
    /// ignored (a territory directory may hold a few départements only).
    pub fn new(communes: &[Commune], postcodes: &[(String, InseeCode)]) -> CommuneDirectory {
        let mut d = CommuneDirectory {
            folded: communes.iter().map(|c| fold(&c.name)).collect(),
            postcodes: vec![Vec::new(); communes.len()],
            population: communes.iter().map(|c| c.population.unwrap_or(0)).collect(),
            ..Default::default()
        };
        for (i, name) in d.folded.iter().enumerate() {
            d.by_name.entry(name.clone()).or_default().push(i);
        }
        let index: HashMap<&InseeCode, usize> = communes
            .iter()
            .enumerate()
            .map(|(i, c)| (&c.insee, i))
            .collect();
        for (code, insee) in postcodes {
            if let Some(&i) = index.get(insee) {
                d.by_postcode.entry(code.clone()).or_default().push(i);
                d.postcodes[i].push(code.clone());
            }
        }
        for v in d.by_postcode.values_mut().chain(d.by_name.values_mut()) {
            v.sort_by_key(|&i| std::cmp::Reverse(d.population[i]));
            v.dedup();
        }
        d
    }

    /// The postcodes of a commune, in the order of the table.
    pub fn postcodes(&self, commune: usize) -> &[String] {
        self.postcodes.get(commune).map_or(&[], Vec::as_slice)
    }

    /// Finds what `query` names: a postcode (five digits), a name, or both (« 59000 Lille »).
    pub fn lookup(&self, query: &str) -> Lookup {
        let query = query.trim();
        if query.is_empty() {
            return Lookup::Invalid(
                "Indiquez le nom de votre commune ou son code postal.".to_owned(),
            );
        }
        if query.chars().count() > MAX_QUERY_CHARS {
            return Lookup::Invalid(format!(
                "Ce texte est trop long ({} caractères) : indiquez seulement le nom de votre commune ou son code postal.",
                query.chars().count()
            ));
        }
        let (digits, words): (Vec<&str>, Vec<&str>) = query
            .split(|c: char| c.is_whitespace() || c == ',')
            .filter(|w| !w.is_empty())
            .partition(|w| w.chars().all(|c| c.is_ascii_digit()));
        let name = fold(&words.join(" "));
        let postcode: Option<String> = match digits.as_slice() {
            [] => None,
            [d] if d.len() == 5 => Some((*d).to_owned()),
            // « 59 000 »: a postcode written with a space.
            [a, b] if a.len() == 2 && b.len() == 3 => Some(format!("{a}{b}")),
            _ => {
                return Lookup::Invalid(
                    "Un code postal s’écrit avec 5 chiffres, par exemple 59000.".to_owned(),
                );
            }
        };
        match postcode {
            Some(code) => {
                let Some(found) = self.by_postcode.get(&code) else {
                    return Lookup::UnknownPostcode(code);
                };
                let found: Vec<usize> = if name.is_empty() {
                    found.clone()
                } else {
                    let same: Vec<usize> = found
                        .iter()
                        .copied()
                        .filter(|&i| self.folded[i] == name)
                        .collect();
                    // A name that does not match the postcode: the postcode decides.
                    if same.is_empty() { found.clone() } else { same }
                };
                match found.as_slice() {
                    [one] => Lookup::One(*one),
                    _ => Lookup::Several {
                        postcode: Some(code),
                        communes: found.into_iter().take(MAX_CHOICES).collect(),
                    },
                }
            }
            None if name.is_empty() => {
                Lookup::Invalid("Indiquez le nom de votre commune ou son code postal.".to_owned())
            }
            None => match self.by_name.get(&name).map(Vec::as_slice) {
                Some([one]) => Lookup::One(*one),
                Some(several) => Lookup::Several {
                    postcode: None,
                    communes: several.iter().copied().take(MAX_CHOICES).collect(),
                },
                None => Lookup::UnknownName {
                    suggestions: self.suggestions(&name),
                },
            },
        }
    }

    /// Names that start with the query, then names within a small edit distance, largest
    /// population first within each.
    fn suggestions(&self, name: &str) -> Vec<usize> {
        let n = name.chars().count();
        let max_edits = match n {
            0..=3 => 0,
            4..=7 => 1,
            _ => 2,
        };
        let mut scored: Vec<(usize, std::cmp::Reverse<u32>, usize)> = Vec::new();
        for (i, f) in self.folded.iter().enumerate() {
            let score = if n >= 3 && f.starts_with(name) {
                Some(0)
            } else if max_edits > 0 && f.chars().count().abs_diff(n) <= max_edits {
                let d = strsim::levenshtein(f, name);
                (d <= max_edits).then_some(d)
            } else {
                None
            };
            if let Some(s) = score {
                scored.push((s, std::cmp::Reverse(self.population[i]), i));
            }
        }
        scored.sort_unstable();
        scored
            .into_iter()
            .take(MAX_SUGGESTIONS)
            .map(|s| s.2)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use guichet_places::load_communes;

    use super::*;

    fn directory() -> (Vec<Commune>, CommuneDirectory) {
        let csv = "code_insee,nom,departement,region,population,mairie_lon,mairie_lat,centroid_lon,centroid_lat\n\
                   42218,Saint-Étienne,42,84,170000,4.39,45.43,4.39,45.43\n\
                   42200,Saint-Étienne-le-Molard,42,84,1000,4.0,45.7,4.0,45.7\n\
                   59350,Lille,59,32,236000,3.06,50.63,3.06,50.63\n\
                   59220,Faches-Thumesnil,59,32,18000,3.07,50.59,3.07,50.59\n\
                   01015,Arboys en Bugey,01,84,600,5.6,45.7,5.6,45.7\n\
                   21001,Sainte-Colombe,21,27,100,4.5,47.4,4.5,47.4\n\
                   77001,Sainte-Colombe,77,11,1500,3.2,48.5,3.2,48.5\n";
        let set = load_communes(csv.as_bytes()).unwrap();
        let pairs: Vec<(String, InseeCode)> = [
            ("42000", "42218"),
            ("42100", "42218"),
            ("42330", "42200"),
            ("59000", "59350"),
            ("59155", "59220"),
            ("59160", "59350"),
            ("01260", "01015"),
            ("21350", "21001"),
            ("77650", "77001"),
            ("99999", "99999"),
        ]
        .iter()
        .map(|(p, i)| ((*p).to_owned(), InseeCode::parse(i).unwrap()))
        .collect();
        let d = CommuneDirectory::new(&set.communes, &pairs);
        (set.communes, d)
    }

    #[test]
    fn names_are_found_whatever_the_accents_case_and_hyphens() {
        let (c, d) = directory();
        for q in [
            "Saint-Étienne",
            "saint etienne",
            "SAINT ETIENNE",
            "St-Etienne",
            "st etienne",
            "  saint-etienne ",
        ] {
            match d.lookup(q) {
                Lookup::One(i) => assert_eq!(c[i].name, "Saint-Étienne", "{q}"),
                other => panic!("{q}: {other:?}"),
            }
        }
        assert_eq!(fold("L'Abergement-Clémenciat"), "l abergement clemenciat");
        assert_eq!(fold("Œuilly"), "oeuilly");
    }

    #[test]
    fn postcodes_give_their_communes() {
        let (c, d) = directory();
        assert!(matches!(d.lookup("59000"), Lookup::One(i) if c[i].name == "Lille"));
        assert!(matches!(d.lookup("59 000"), Lookup::One(i) if c[i].name == "Lille"));
        assert!(
            matches!(d.lookup("42100 saint etienne"), Lookup::One(i) if c[i].name == "Saint-Étienne")
        );
        assert_eq!(d.lookup("12345"), Lookup::UnknownPostcode("12345".into()));
        // The table's pair for a commune that is not loaded is ignored.
        assert_eq!(d.lookup("99999"), Lookup::UnknownPostcode("99999".into()));
        assert_eq!(d.postcodes(2), ["59000", "59160"]);
    }

    #[test]
    fn several_communes_let_the_person_choose() {
        let (c, d) = directory();
        let Lookup::Several { postcode, communes } = d.lookup("sainte colombe") else {
            panic!()
        };
        assert_eq!(postcode, None);
        // Largest first.
        let deps: Vec<&str> = communes
            .iter()
            .map(|&i| c[i].departement.as_str())
            .collect();
        assert_eq!(deps, ["77", "21"]);
    }

    #[test]
    fn unknown_names_get_close_suggestions_and_bad_input_a_reason() {
        let (c, d) = directory();
        let names = |l: Lookup| match l {
            Lookup::UnknownName { suggestions } => suggestions
                .into_iter()
                .map(|i| c[i].name.clone())
                .collect::<Vec<_>>(),
            other => panic!("{other:?}"),
        };
        assert_eq!(names(d.lookup("Lile")), ["Lille"]);
        assert_eq!(
            names(d.lookup("saint eti")),
            ["Saint-Étienne", "Saint-Étienne-le-Molard"]
        );
        assert_eq!(names(d.lookup("Xyzzyville")), Vec::<String>::new());
        for q in [
            "",
            "   ",
            "590",
            "5900012",
            "59 00",
            "1 2 3",
            &"a".repeat(2000),
        ] {
            assert!(matches!(d.lookup(q), Lookup::Invalid(_)), "{q:?}");
        }
    }
}
