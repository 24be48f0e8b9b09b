//! The search engine: one in-memory tantivy index over the national sheets and the hosted
//! procedures, queried with French analysis, synonyms, typo tolerance and situations.
//!
//! Ranking, in order of application:
//! 1. situations: a query naming a life event puts that event's sheets first;
//! 2. BM25 over fields weighted title > breadcrumb (the folder listing the sheet) >
//!    keywords/description > body > titles of the sheets linking to it, each query term scored
//!    by its best field (dismax), words that say who asks rather than what about (« ma mère »,
//!    « je viens de ») at a fraction of the weight, the body counting more for people's words
//!    (those bodies use far more than titles do), two adjacent query words side by side in a
//!    title scoring as a phrase, the longer members of a long word's family (« apprenti » →
//!    apprentissage) and synonyms added at a lower weight, and a
//!    query term absent from the whole index read as the nearest word headlines use, else
//!    replaced by its near spellings (typo tolerance, words of five letters or more);
//! 3. signals from the corpus's own structure, which hold for queries nobody tuned for:
//!    coverage (the share of the query's words, by idf, a document holds in any field), the
//!    folder vote (the folder gathering the best candidates' score lifts its other sheets)
//!    and popularity (how many sheets link to this one), a tie-breaker;
//! 4. audience: sheets for the public first, unless the query speaks of a business or an
//!    association, in which case those come first.
//!
//! The engine takes values in (sheets, definitions) and gives hits back; loading them from the
//! extract or the database is the caller's business.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex, OnceLock};

use guichet_catalogue::{Audience, OperatorDirectory, ProcedureDefinition, Sheet};
use tantivy::collector::TopDocs;
use tantivy::query::{
    BooleanQuery, BoostQuery, DisjunctionMaxQuery, FuzzyTermQuery, Occur, PhraseQuery, Query,
    TermQuery,
};
use tantivy::schema::{
    FAST, Field, IndexRecordOption, STORED, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{DocAddress, Index, IndexReader, TantivyDocument, Term, doc};

use crate::SearchError;
use crate::expand::Expansions;
use crate::hit::{self, Hit, HitKind};
use crate::recent::Recent;
use crate::semantic::{self, Semantic};
use crate::text::{self, ANALYZER, PLAIN_ANALYZER};

/// Queries longer than this are refused: nobody types that much, and it bounds the work.
pub const MAX_QUERY_CHARS: usize = 500;
/// How many distinct queries' answers [`SearchIndex::search`] keeps (at most about 10 MB of
/// result cards for lists of ten).
pub const RECENT_ANSWERS: usize = 512;
/// At most this many distinct terms are used from one query.
const MAX_TERMS: usize = 24;
/// Results are re-ranked within this many BM25 candidates.
const CANDIDATES: usize = 60;

#[derive(Debug, Clone, Copy)]
struct Fields {
    ord: Field,
    title: Field,
    keywords: Field,
    description: Field,
    breadcrumb: Field,
    body: Field,
    linked: Field,
    title_plain: Field,
    description_plain: Field,
}

/// Weights of the fields, title first. The breadcrumb names the folder listing the sheet
/// (« Surendettement », « Hébergement des personnes âgées »), which says in everyday words what
/// a sheet is about; `linked` holds the titles of the sheets that point to this one.
const WEIGHTS: [(FieldName, f32); 6] = [
    (FieldName::Title, TITLE),
    (FieldName::Keywords, 1.6),
    (FieldName::Description, 1.4),
    (FieldName::Breadcrumb, 2.0),
    (FieldName::Body, 0.6),
    (FieldName::Linked, 0.3),
];

/// Weight of the title field.
const TITLE: f32 = 3.0;
/// Weight of a [`WEAK_WORDS`] word relative to the query's other words.
const WEAK_WEIGHT: f32 = 0.3;
/// Exponent of the share of the query a document holds (see [`Coverage`]).
const COVERAGE_EXPONENT: f32 = 1.0;
/// Bonus per unit of ln(1 + incoming links): a tie-breaker for the sheets the corpus points to.
const POPULARITY: f32 = 0.03;
/// Bonus for the candidates in the folder that gathers the most of the best candidates' score.
const FOLDER: f32 = 0.3;
/// How many of the best candidates vote for their folder.
const FOLDER_VOTERS: usize = 10;
/// Extra weight of the body field for a query word that bodies use and titles, descriptions and
/// breadcrumbs do not (see [`SearchIndex::term_query`]), at the most.
const PEOPLES_WORDS: f32 = 0.3;
/// Weight, relative to a title match, of two adjacent query words found side by side in a
/// title (« école maternelle », « carte grise »; a stop word between them, as in « carte
/// d'identité », breaks the phrase: allowing one gap measured worse on dev).
const PHRASE: f32 = 0.15;
/// A query stem at least this long also finds the headline stems that extend it by at most
/// [`FAMILY_EXTRA`] letters, at [`FAMILY_WEIGHT`] of its weight (see [`SearchIndex::family`]).
const FAMILY_MIN: usize = 7;
const FAMILY_EXTRA: usize = 5;
const FAMILY_WEIGHT: f32 = 0.8;

#[derive(Debug, Clone, Copy)]
enum FieldName {
    Title,
    Keywords,
    Description,
    Breadcrumb,
    Body,
    Linked,
}

impl Fields {
    fn get(&self, name: FieldName) -> Field {
        match name {
            FieldName::Title => self.title,
            FieldName::Keywords => self.keywords,
            FieldName::Description => self.description,
            FieldName::Breadcrumb => self.breadcrumb,
            FieldName::Body => self.body,
            FieldName::Linked => self.linked,
        }
    }
}

/// What the engine knows about each indexed document besides its text.
#[derive(Debug, Clone)]
struct Entry {
    hit: Hit,
    audiences: Vec<Audience>,
    kind: String,
    /// A hosted procedure's title and keywords, folded (situations name hosted procedures by
    /// these, since each instance hosts its own); empty for a national sheet.
    hosted_words: Vec<String>,
    /// The stems of a hosted procedure's title and keywords; empty for a national sheet.
    hosted_stems: BTreeSet<String>,
    /// ln(1 + number of sheets that link to this one).
    popularity: f32,
    /// The folder that lists the sheet (the breadcrumb's last step).
    folder: String,
}

/// A built index, ready to answer queries. Cheap to share behind an `Arc`.
pub struct SearchIndex {
    reader: IndexReader,
    fields: Fields,
    analyzer: TextAnalyzer,
    plain: TextAnalyzer,
    entries: Vec<Entry>,
    by_id: BTreeMap<String, usize>,
    expansions: Expansions,
    /// Per segment, each tantivy document's index into `entries` (the `ord` fast field).
    ords: Vec<Vec<u32>>,
    /// How many documents hold each stem in their title, description or breadcrumb.
    headline_df: HashMap<String, u32>,
    /// The same stems in order, to find those a query stem begins.
    headlines: BTreeSet<String>,
    /// Sentence embeddings, once attached: from then on every search fuses with them.
    semantic: OnceLock<Semantic>,
    /// The answers to the most recent queries (forgotten when the embeddings are attached).
    recent: Mutex<Recent<Arc<[Hit]>>>,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex")
            .field("documents", &self.entries.len())
            .field("semantic", &self.is_semantic())
            .finish_non_exhaustive()
    }
}

/// Whether a sheet is indexed. "Recherche guidée" sheets are service-public.fr's interactive
/// questionnaires: they duplicate ordinary sheets and mean nothing outside that site's engine.
pub(crate) fn indexed(sheet: &Sheet) -> bool {
    sheet.kind != "Recherche guidée"
}

/// Statistics of one build.
#[derive(Debug, Clone, Copy)]
pub struct BuildStats {
    pub sheets: usize,
    pub procedures: usize,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(ANALYZER)
            .set_index_option(IndexRecordOption::WithFreqs),
    );
    let ord = b.add_u64_field("ord", FAST | STORED);
    // Titles keep positions: two query words side by side in a title score as a phrase.
    let positions = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(ANALYZER)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let title = b.add_text_field("title", positions);
    let keywords = b.add_text_field("keywords", text.clone());
    let description = b.add_text_field("description", text.clone());
    let breadcrumb = b.add_text_field("breadcrumb", text.clone());
    let body = b.add_text_field("body", text.clone());
    let linked = b.add_text_field("linked", text);
    let plain = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(PLAIN_ANALYZER)
            .set_index_option(IndexRecordOption::Basic),
    );
    let title_plain = b.add_text_field("title_plain", plain.clone());
    let description_plain = b.add_text_field("description_plain", plain);
    (
        b.build(),
        Fields {
            ord,
            title,
            keywords,
            description,
            breadcrumb,
            body,
            linked,
            title_plain,
            description_plain,
        },
    )
}

fn engine(e: tantivy::TantivyError) -> SearchError {
    SearchError::Engine(e.to_string())
}

impl SearchIndex {
    /// Indexes the national sheets and the hosted procedures. `operator_names` gives the French
    /// name of hosted procedures' operators (by operator id), when known.
    pub fn build(
        sheets: &[Sheet],
        procedures: &[ProcedureDefinition],
        operators: &OperatorDirectory,
        operator_names: &BTreeMap<String, String>,
    ) -> Result<Self, SearchError> {
        let (schema, fields) = schema();
        let index = Index::create_in_ram(schema);
        index.tokenizers().register(ANALYZER, text::analyzer());
        index
            .tokenizers()
            .register(PLAIN_ANALYZER, text::plain_analyzer());
        let mut writer = index
            .writer_with_num_threads::<TantivyDocument>(1, 64_000_000)
            .map_err(engine)?;
        let mut entries = Vec::with_capacity(sheets.len() + procedures.len());
        // The corpus's own links: which sheets list this one under « voir aussi ». Their
        // titles (often questions, as people ask them) describe it, and their number says how
        // central it is.
        let mut linked: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for s in sheets.iter().filter(|s| indexed(s)) {
            for r in &s.related {
                linked.entry(r.as_str()).or_default().push(s.title.as_str());
            }
        }
        let indegree = |id: &str| linked.get(id).map_or(0, Vec::len);
        let mut headline_df: HashMap<String, u32> = HashMap::new();
        let mut analyzer = text::analyzer();
        let mut count_headline = |text: &str| {
            let stems: BTreeSet<String> = text::terms(&mut analyzer, text).into_iter().collect();
            for stem in stems {
                *headline_df.entry(stem).or_default() += 1;
            }
        };
        for sheet in sheets.iter().filter(|s| indexed(s)) {
            let ord = entries.len() as u64;
            count_headline(&format!(
                "{} ; {} ; {} ; {}",
                sheet.title,
                sheet.description,
                sheet.subject,
                sheet.breadcrumb.join(" ; ")
            ));
            let keywords = sheet.abbreviations.join(" ; ");
            writer
                .add_document(doc!(
                    fields.ord => ord,
                    fields.title => sheet.title.as_str(),
                    fields.title_plain => sheet.title.as_str(),
                    fields.keywords => keywords,
                    fields.description => sheet.description.as_str(),
                    fields.description_plain => sheet.description.as_str(),
                    fields.breadcrumb => format!("{} {}", sheet.subject, sheet.breadcrumb.join(" ")),
                    fields.body => sheet.body.as_str(),
                    fields.linked => linked.get(sheet.id.as_str()).map(|t| t.join(" ; ")).unwrap_or_default(),
                ))
                .map_err(engine)?;
            entries.push(Entry {
                hit: hit::for_sheet(sheet, operators),
                audiences: sheet.audiences.clone(),
                kind: sheet.kind.clone(),
                hosted_words: Vec::new(),
                hosted_stems: BTreeSet::new(),
                popularity: (1.0 + indegree(sheet.id.as_str()) as f32).ln(),
                folder: sheet.breadcrumb.last().cloned().unwrap_or_default(),
            });
        }
        let mut stems_of = text::analyzer();
        for def in procedures {
            let ord = entries.len() as u64;
            let p = def.procedure();
            let operator_name = operator_names
                .get(p.operator().as_str())
                .map(String::as_str);
            count_headline(&format!(
                "{} ; {} ; {}",
                p.title(),
                p.summary(),
                operator_name.unwrap_or_default()
            ));
            let mut body = String::new();
            for f in def.fields() {
                body.push_str(&f.label);
                body.push(' ');
            }
            for d in def.documents() {
                body.push_str(&d.name);
                body.push(' ');
            }
            writer
                .add_document(doc!(
                    fields.ord => ord,
                    fields.title => p.title(),
                    fields.title_plain => p.title(),
                    fields.keywords => def.keywords().join(" ; "),
                    fields.description => p.summary(),
                    fields.description_plain => p.summary(),
                    fields.breadcrumb => operator_name.unwrap_or_default(),
                    fields.body => body,
                ))
                .map_err(engine)?;
            entries.push(Entry {
                hit: hit::for_procedure(def, operator_name),
                audiences: def.audience().to_vec(),
                kind: "Démarche".to_owned(),
                popularity: 0.0,
                folder: String::new(),
                hosted_words: std::iter::once(def.procedure().title())
                    .chain(def.keywords().iter().map(String::as_str))
                    .map(text::fold)
                    .collect(),
                hosted_stems: std::iter::once(def.procedure().title())
                    .chain(def.keywords().iter().map(String::as_str))
                    .flat_map(|t| text::terms(&mut stems_of, t))
                    .collect(),
            });
        }
        writer.commit().map_err(engine)?;
        let reader = index.reader().map_err(engine)?;
        let mut ords = Vec::new();
        for segment in reader.searcher().segment_readers() {
            let column = segment.fast_fields().u64("ord").map_err(engine)?;
            ords.push(
                (0..segment.max_doc())
                    .map(|d| column.first(d).unwrap_or(0) as u32)
                    .collect(),
            );
        }
        let by_id = entries
            .iter()
            .enumerate()
            .map(|(i, e)| (e.hit.id.clone(), i))
            .collect();
        Ok(Self {
            reader,
            fields,
            analyzer: text::analyzer(),
            plain: text::plain_analyzer(),
            entries,
            by_id,
            expansions: Expansions::shipped()?,
            ords,
            headlines: headline_df.keys().cloned().collect(),
            headline_df,
            semantic: OnceLock::new(),
            recent: Mutex::new(Recent::new(RECENT_ANSWERS)),
        })
    }

    /// From now on, [`search`](Self::search) fuses the lexical ranking with the sentence
    /// embeddings (see [`semantic`]). Refused when the vectors are not those of this index's
    /// documents, in its order, or when embeddings are already attached.
    pub fn attach_semantic(&self, semantic: Semantic) -> Result<(), SearchError> {
        semantic.check_documents(self.ids())?;
        self.semantic.set(semantic).map_err(|_| {
            SearchError::Semantic("des vecteurs sont déjà attachés à l’index".into())
        })?;
        if let Ok(mut recent) = self.recent.lock() {
            recent.clear();
        }
        Ok(())
    }

    /// How many searches were answered lexically because every core that may embed was busy
    /// with other new questions ([`Semantic::lexical_when_busy`]); 0 without embeddings.
    pub fn busy_answers(&self) -> u64 {
        self.semantic.get().map_or(0, Semantic::busy_answers)
    }

    /// Whether searches fuse with sentence embeddings.
    pub fn is_semantic(&self) -> bool {
        self.semantic.get().is_some()
    }

    /// The same index with other expansion tables (an evaluation measuring what they bring).
    pub fn with_expansions(mut self, expansions: Expansions) -> Self {
        self.expansions = expansions;
        self.recent = Mutex::new(Recent::new(RECENT_ANSWERS));
        self
    }

    /// An index with nothing in it (tests of pages that do not search, a store not loaded yet).
    pub fn empty() -> Result<Self, SearchError> {
        let operators = OperatorDirectory::parse("[operators]\n[pivots]\n[domains]\n[titles]\n")?;
        Self::build(&[], &[], &operators, &BTreeMap::new())
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The result card of one indexed sheet or procedure.
    pub fn get(&self, id: &str) -> Option<&Hit> {
        self.by_id.get(id).map(|i| &self.entries[*i].hit)
    }

    /// Answers a query with at most `limit` results, best first: the lexical ranking, fused
    /// with the sentence embeddings when they are attached.
    /// The answers to the last [`RECENT_ANSWERS`] distinct queries are kept: a repeated query
    /// costs a lookup.
    pub fn search(&self, query: &str, limit: usize) -> Result<Vec<Hit>, SearchError> {
        let key = format!("{limit}\u{1f}{query}");
        let kept = self.recent.lock().ok().and_then(|mut r| r.get(&key));
        if let Some(hits) = kept {
            return Ok(hits.to_vec());
        }
        let (hits, whole) = match self.semantic.get() {
            None => (self.lexical(query, limit)?, true),
            Some(semantic) => self.hybrid(semantic, query, limit)?,
        };
        // An answer made without the embeddings for want of a free core is not kept: asked
        // again, the question gets the whole answer.
        if whole && let Ok(mut recent) = self.recent.lock() {
            recent.put(&key, hits.as_slice().into());
        }
        Ok(hits)
    }

    /// Reciprocal-rank fusion of the lexical ranking's first [`semantic::CANDIDATES`] and as
    /// many documents nearest the query's vector (see [`semantic::fuse`]). A query with no
    /// word to search for (only stop words, symbols) gets the lexical answer: its vector would
    /// find whatever lies nearest to nothing. A new query met while every core that may embed
    /// is busy with other new queries gets the lexical answer at once, marked as not whole
    /// (false) so that it is not kept.
    fn hybrid(
        &self,
        semantic: &Semantic,
        query: &str,
        limit: usize,
    ) -> Result<(Vec<Hit>, bool), SearchError> {
        let lexical = self.lexical(query, semantic::CANDIDATES)?;
        let clean = text::sanitize(query, MAX_QUERY_CHARS);
        let lexical_only =
            |hits: Vec<Hit>| -> Vec<Hit> { hits.into_iter().take(limit.clamp(1, 50)).collect() };
        if text::terms(&mut self.analyzer.clone(), &clean).is_empty() {
            return Ok((lexical_only(lexical), true));
        }
        let Some(dense) = semantic.nearest(&clean, semantic::CANDIDATES) else {
            return Ok((lexical_only(lexical), false));
        };
        let mut found: HashMap<usize, Hit> = HashMap::new();
        let mut engine: Vec<(usize, bool)> = Vec::with_capacity(lexical.len());
        for hit in lexical {
            if let Some(&i) = self.by_id.get(&hit.id) {
                // The engine's own answers keep their places: the instance's procedures (the
                // vectors know nothing of the town), and the sheets a distress situation names.
                let distress = hit
                    .situation
                    .as_deref()
                    .is_some_and(|name| self.expansions.is_distress(name));
                engine.push((i, hit.kind == HitKind::Procedure || distress));
                found.insert(i, hit);
            }
        }
        let fused = semantic::fuse(&engine, &dense)
            .into_iter()
            .take(limit.clamp(1, 50))
            .map(|i| {
                // A lexical hit keeps what the lexical ranking said of it (its situation).
                found
                    .remove(&i)
                    .unwrap_or_else(|| self.entries[i].hit.clone())
            })
            .collect();
        Ok((fused, true))
    }

    /// Today's ranking: BM25 with the corpus's structural signals and the data tables.
    fn lexical(&self, query: &str, limit: usize) -> Result<Vec<Hit>, SearchError> {
        if query.chars().count() > MAX_QUERY_CHARS {
            return Err(SearchError::QueryTooLong {
                max: MAX_QUERY_CHARS,
            });
        }
        let clean = text::sanitize(query, MAX_QUERY_CHARS);
        if clean.trim().is_empty() {
            return Err(SearchError::EmptyQuery);
        }
        let limit = limit.clamp(1, 50);
        let folded = text::fold(&clean);
        let mut analyzer = self.analyzer.clone();
        let searcher = self.reader.searcher();

        let mut plain = self.plain.clone();
        let mut seen: BTreeSet<String> = BTreeSet::new();
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let mut own: Vec<QueryWord> = Vec::new();
        let mut add_terms = |text: &str,
                             weight: f32,
                             clauses: &mut Vec<(Occur, Box<dyn Query>)>,
                             own: &mut Vec<QueryWord>| {
            for word in text::terms(&mut plain, text) {
                let Some(stem) = text::terms(&mut analyzer, &word).into_iter().next() else {
                    continue;
                };
                let stem = self.respelt(&searcher, &stem, &word).unwrap_or(stem);
                if seen.len() >= MAX_TERMS || !seen.insert(stem.clone()) {
                    continue;
                }
                let weight = if WEAK_WORDS.contains(&word.as_str()) {
                    weight * WEAK_WEIGHT
                } else {
                    weight
                };
                own.push(QueryWord {
                    stem: stem.clone(),
                    weight,
                    synonyms: Vec::new(),
                });
                if let Some(q) = self.term_query(&searcher, &stem, &word, weight) {
                    clauses.push((Occur::Should, q));
                }
            }
        };
        add_terms(&clean, 1.0, &mut clauses, &mut own);
        let mut ignored = Vec::new();
        for expr in self.expansions.synonyms_for(&folded) {
            add_terms(expr, 0.7, &mut clauses, &mut ignored);
        }
        // A word is covered by its synonyms too: « CNI » by « carte d'identité ».
        for (trigger, synonym) in self.expansions.synonym_pairs_for(&folded) {
            let triggers = text::terms(&mut self.analyzer.clone(), trigger);
            let stems = text::terms(&mut self.analyzer.clone(), synonym);
            for w in own.iter_mut().filter(|w| triggers.contains(&w.stem)) {
                w.synonyms.push(stems.clone());
            }
        }
        let coverage = self.coverage(&searcher, &own)?;
        for (stem, weight) in self.family(&own, &seen) {
            if let Some(q) = self.term_query(&searcher, &stem, &stem, weight) {
                clauses.push((Occur::Should, q));
            }
        }
        let strong: Vec<&QueryWord> = own.iter().filter(|w| w.weight >= 1.0).collect();
        for pair in strong.windows(2) {
            let terms = vec![
                Term::from_field_text(self.fields.title, &pair[0].stem),
                Term::from_field_text(self.fields.title, &pair[1].stem),
            ];
            clauses.push((
                Occur::Should,
                Box::new(BoostQuery::new(
                    Box::new(PhraseQuery::new(terms)),
                    PHRASE * TITLE,
                )),
            ));
        }

        let mut ranked: Vec<(f32, usize)> = Vec::new();
        if !clauses.is_empty() {
            let query = BooleanQuery::new(clauses);
            let top = searcher
                .search(&query, &TopDocs::with_limit(CANDIDATES))
                .map_err(engine)?;
            let audience = audience_of(&folded);
            for (score, address) in top {
                let Some(entry) = self
                    .ord(address)
                    .and_then(|o| self.entries.get(o).map(|e| (o, e)))
                else {
                    continue;
                };
                let cov = coverage.of(address);
                ranked.push((
                    score * factor(entry.1, audience) * cov.powf(COVERAGE_EXPONENT),
                    entry.0,
                ));
            }
            // Folder vote: the folders of the best candidates, weighted by their score, say
            // what the query is about; a candidate in the leading folder gains up to FOLDER.
            let best = ranked.iter().map(|r| r.0).fold(0.0_f32, f32::max).max(1e-6);
            let mut by_score = ranked.clone();
            by_score.sort_by(|a, b| b.0.total_cmp(&a.0));
            let mut votes: BTreeMap<&str, f32> = BTreeMap::new();
            for (score, i) in by_score.iter().take(FOLDER_VOTERS) {
                let folder = self.entries[*i].folder.as_str();
                if !folder.is_empty() {
                    *votes.entry(folder).or_default() += score / best;
                }
            }
            let lead = votes.values().copied().fold(0.0_f32, f32::max).max(1e-6);
            for r in &mut ranked {
                let e = &self.entries[r.1];
                let vote = votes.get(e.folder.as_str()).copied().unwrap_or(0.0) / lead;
                r.0 *= 1.0 + POPULARITY * e.popularity + FOLDER * vote;
            }
            ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        }

        let situations = self.expansions.situations_for(&folded);
        let mut out: Vec<Hit> = Vec::new();
        // The instance's own procedures first: those a situation calls for (distress leads to
        // the CCAS's emergency aid), then those that answer the query almost as well as the
        // best national sheet (« acte de naissance » is the town hall's own procedure here).
        for situation in &situations {
            // In the order of the situation's words: its first word names the best answer.
            for word in situation.hosted.iter().map(|k| text::fold(k)) {
                for entry in &self.entries {
                    let wanted = entry.hosted_words.iter().any(|w| w.contains(&word));
                    if !wanted || out.iter().any(|h| h.id == entry.hit.id) {
                        continue;
                    }
                    let mut h = entry.hit.clone();
                    h.situation = Some(situation.name.clone());
                    out.push(h);
                }
            }
        }
        // A hosted procedure whose title and keywords hold every word the query is about
        // (« cantine »: a keyword of the canteen's registration) answers it, however the
        // national sheets score.
        let about: Vec<&str> = own
            .iter()
            .filter(|w| w.weight >= 1.0)
            .map(|w| w.stem.as_str())
            .collect();
        if !about.is_empty() {
            for entry in &self.entries {
                if !entry.hosted_stems.is_empty()
                    && about.iter().all(|s| entry.hosted_stems.contains(*s))
                    && !out.iter().any(|h| h.id == entry.hit.id)
                {
                    out.push(entry.hit.clone());
                }
            }
        }
        let best = ranked.first().map_or(0.0, |r| r.0);
        for (score, i) in &ranked {
            let h = &self.entries[*i].hit;
            if h.kind == HitKind::Procedure
                && *score >= HOSTED_SHARE * best
                && !out.iter().any(|o| o.id == h.id)
            {
                out.push(h.clone());
            }
        }
        for situation in situations {
            for id in &situation.sheets {
                if let Some(i) = self.by_id.get(id)
                    && !out.iter().any(|h| &h.id == id)
                {
                    let mut h = self.entries[*i].hit.clone();
                    h.situation = Some(situation.name.clone());
                    out.push(h);
                }
            }
        }
        for (_, i) in ranked {
            if out.len() >= limit {
                break;
            }
            let h = &self.entries[i].hit;
            if !out.iter().any(|o| o.id == h.id) {
                out.push(h.clone());
            }
        }
        out.truncate(limit);
        Ok(out)
    }

    /// The index into `entries` of a tantivy document, read once from the `ord` fast field at
    /// build time rather than from each candidate's stored document.
    fn ord(&self, address: DocAddress) -> Option<usize> {
        self.ords
            .get(address.segment_ord as usize)?
            .get(address.doc_id as usize)
            .map(|o| *o as usize)
    }

    /// Word families the stemmer leaves apart: the stems of titles, descriptions and
    /// breadcrumbs that extend a long query stem by a derivational ending (« apprenti » →
    /// apprentissage), when headlines use the longer form more than the query's own: the
    /// query's word is then the rarer way to say it. Short stems are left alone (« cart »
    /// would find « carton »), and so are stems no headline holds.
    fn family(&self, words: &[QueryWord], seen: &BTreeSet<String>) -> Vec<(String, f32)> {
        let mut out = Vec::new();
        // A stem no headline holds is more likely misspelt than derived: typo tolerance has it.
        let known = |w: &&QueryWord| self.headline_df.contains_key(&w.stem);
        for word in words
            .iter()
            .filter(|w| w.stem.len() >= FAMILY_MIN)
            .filter(known)
        {
            let stem = word.stem.as_str();
            for other in self.headlines.range(word.stem.clone()..) {
                if !other.starts_with(stem) {
                    break;
                }
                if other.len() > stem.len()
                    && other.len() - stem.len() <= FAMILY_EXTRA
                    && !seen.contains(other)
                    && self.headline_df.get(other) > self.headline_df.get(stem)
                {
                    out.push((other.clone(), FAMILY_WEIGHT * word.weight));
                }
            }
        }
        out
    }

    /// Which documents hold each of the query's own words, in any field, to reward the
    /// documents that answer the whole query rather than one word of it.
    fn coverage(
        &self,
        searcher: &tantivy::Searcher,
        words: &[QueryWord],
    ) -> Result<Coverage, SearchError> {
        let n = searcher.num_docs().max(1) as f32;
        let holding = |stem: &str| {
            let per_field: Vec<(Occur, Box<dyn Query>)> = WEIGHTS
                .iter()
                .map(|(name, _)| {
                    let t = Term::from_field_text(self.fields.get(*name), stem);
                    (
                        Occur::Should,
                        Box::new(TermQuery::new(t, IndexRecordOption::Basic)) as Box<dyn Query>,
                    )
                })
                .collect();
            searcher
                .search(&BooleanQuery::new(per_field), &SortedDocs)
                .map_err(engine)
        };
        let mut out = Coverage::default();
        for word in words {
            let mut docs = holding(&word.stem)?;
            if docs.is_empty() {
                continue;
            }
            // The idf is the word's own: a synonym widens what covers it, not its weight.
            let idf = (1.0 + n / docs.len() as f32).ln() * word.weight;
            for synonym in &word.synonyms {
                let mut all: Option<Vec<DocAddress>> = None;
                for stem in synonym {
                    let d = holding(stem)?;
                    all = Some(match all {
                        None => d,
                        Some(mut a) => {
                            a.retain(|x| d.binary_search(x).is_ok());
                            a
                        }
                    });
                }
                docs.extend(all.unwrap_or_default());
            }
            docs.sort_unstable();
            docs.dedup();
            out.total += idf;
            out.terms.push((idf, docs));
        }
        Ok(out)
    }

    /// One query word: its stem is looked up in every field and the best field wins (dismax).
    /// A word that many bodies use but few titles, descriptions and breadcrumbs is how people
    /// say it rather than how sheets are titled (« caution », « patron »): the body is where it
    /// can match, so the body counts up to [`PEOPLES_WORDS`] more for it.
    /// A word whose stem the whole index ignores is probably misspelt: when it is long enough
    /// for that to be safe, its near spellings are looked up among the whole words of titles and
    /// descriptions instead.
    fn term_query(
        &self,
        searcher: &tantivy::Searcher,
        stem: &str,
        word: &str,
        weight: f32,
    ) -> Option<Box<dyn Query>> {
        if self.is_known(searcher, stem) {
            let in_bodies = searcher
                .doc_freq(&Term::from_field_text(self.fields.body, stem))
                .unwrap_or(0) as f32;
            let in_headlines = self.headline_df.get(stem).copied().unwrap_or(0) as f32;
            let gap = 1.0 - (in_headlines / in_bodies.max(1.0)).min(1.0);
            let per_field: Vec<Box<dyn Query>> = WEIGHTS
                .iter()
                .map(|(name, w)| {
                    let t = Term::from_field_text(self.fields.get(*name), stem);
                    let w = match name {
                        FieldName::Body => w * (1.0 + PEOPLES_WORDS * gap),
                        _ => *w,
                    };
                    Box::new(BoostQuery::new(
                        Box::new(TermQuery::new(t, IndexRecordOption::WithFreqs)),
                        w * weight,
                    )) as Box<dyn Query>
                })
                .collect();
            return Some(Box::new(DisjunctionMaxQuery::with_tie_breaker(
                per_field, 0.2,
            )));
        }
        let most = match word.chars().count() {
            0..=4 => return None,
            5..=6 => 1,
            _ => 2,
        };
        // Fuzzy matches score a constant, of the order of one BM25 term match.
        let fuzzy = |distance: u8| -> Box<dyn Query> {
            let per_field: Vec<Box<dyn Query>> = [
                (self.fields.title_plain, 2.5),
                (self.fields.description_plain, 1.2),
            ]
            .into_iter()
            .map(|(field, w)| {
                let t = Term::from_field_text(field, word);
                Box::new(BoostQuery::new(
                    Box::new(FuzzyTermQuery::new(t, distance, true)),
                    w * weight,
                )) as Box<dyn Query>
            })
            .collect();
            Box::new(DisjunctionMaxQuery::with_tie_breaker(per_field, 0.2))
        };
        Some(fuzzy(most))
    }

    /// Whether any field of the index holds `stem`.
    fn is_known(&self, searcher: &tantivy::Searcher, stem: &str) -> bool {
        WEIGHTS.iter().any(|(name, _)| {
            let t = Term::from_field_text(self.fields.get(*name), stem);
            searcher.doc_freq(&t).map(|n| n > 0).unwrap_or(false)
        })
    }

    /// A query word the whole index ignores, long enough for a guess to be safe (`word`, as
    /// typed), read as the nearest stem titles, descriptions and breadcrumbs use: one letter
    /// away for words of five or six letters, two for longer ones. From then on it is that
    /// word (every field, coverage, the instance's procedures' keywords): « cantinne » is the
    /// canteen, not « continue », two letters away too but further.
    fn respelt(&self, searcher: &tantivy::Searcher, stem: &str, word: &str) -> Option<String> {
        let most = match word.chars().count() {
            0..=4 => return None,
            5..=6 => 1,
            _ => 2,
        };
        if self.is_known(searcher, stem) {
            return None;
        }
        self.nearest_headline(stem, most)
    }

    /// The headline stem nearest `stem` by edit distance, at most `most` away; between equally
    /// near ones, the most used. `None` when none is near enough.
    fn nearest_headline(&self, stem: &str, most: usize) -> Option<String> {
        let len = stem.chars().count();
        self.headlines
            .iter()
            .filter(|h| h.chars().count().abs_diff(len) <= most)
            .map(|h| (strsim::levenshtein(stem, h), h))
            .filter(|(d, _)| *d <= most)
            .min_by(|(da, a), (db, b)| {
                da.cmp(db).then_with(|| {
                    let df = |h: &str| self.headline_df.get(h).copied().unwrap_or(0);
                    df(b).cmp(&df(a)).then_with(|| a.cmp(b))
                })
            })
            .map(|(_, h)| h.clone())
    }

    /// All sheets' and procedures' ids, in index order.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|e| e.hit.id.as_str())
    }

    /// Whether an id is a hosted procedure.
    pub fn is_procedure(&self, id: &str) -> bool {
        self.get(id).is_some_and(|h| h.kind == HitKind::Procedure)
    }
}

/// One word of the query as typed, with the stems of each synonym of the expression it is in.
struct QueryWord {
    stem: String,
    weight: f32,
    synonyms: Vec<Vec<String>>,
}

/// The documents holding each query word, with the word's weight (idf × query weight).
#[derive(Default)]
struct Coverage {
    total: f32,
    /// Each word's weight and the documents holding it, sorted.
    terms: Vec<(f32, Vec<DocAddress>)>,
}

impl Coverage {
    /// The share of the query's weight a document holds, 1 when the query has no known word.
    fn of(&self, address: DocAddress) -> f32 {
        if self.total <= 0.0 {
            return 1.0;
        }
        let held: f32 = self
            .terms
            .iter()
            .filter(|(_, docs)| docs.binary_search(&address).is_ok())
            .map(|(w, _)| w)
            .sum();
        held / self.total
    }
}

/// Collects the documents a query matches as a sorted list: tantivy's `DocSetCollector` gives
/// a `HashSet`, and hashing every matching document of every query word (thousands for a
/// common word) was a tenth of a new query's time (perf, `guichet bench web`'s `search_new`).
struct SortedDocs;

impl tantivy::collector::Collector for SortedDocs {
    type Fruit = Vec<DocAddress>;
    type Child = SortedSegmentDocs;

    fn for_segment(
        &self,
        segment: tantivy::SegmentOrdinal,
        _reader: &tantivy::SegmentReader,
    ) -> tantivy::Result<SortedSegmentDocs> {
        Ok(SortedSegmentDocs {
            segment,
            docs: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Vec<DocAddress>>) -> tantivy::Result<Vec<DocAddress>> {
        let mut all: Vec<DocAddress> = fruits.into_iter().flatten().collect();
        all.sort_unstable();
        all.dedup();
        Ok(all)
    }
}

struct SortedSegmentDocs {
    segment: tantivy::SegmentOrdinal,
    docs: Vec<DocAddress>,
}

impl tantivy::collector::SegmentCollector for SortedSegmentDocs {
    type Fruit = Vec<DocAddress>;

    fn collect(&mut self, doc: tantivy::DocId, _score: tantivy::Score) {
        self.docs.push(DocAddress::new(self.segment, doc));
    }

    fn harvest(self) -> Vec<DocAddress> {
        self.docs
    }
}

/// A hosted procedure scoring at least this share of the best result goes first: it is what
/// the person can do here, with the instance's own counters and phone.
const HOSTED_SHARE: f32 = 0.5;

/// Words of a query that say who asks or how, not what about: relatives (« ma mère », « mon
/// mari »), auxiliary verbs of motion and intention (« je viens de », « je vais »), time
/// adverbs and vague nouns (« les papiers »). They still count, at a fraction of a word's
/// weight, so that « mère » does not find « mer » and « père » the PER savings plan.
/// Written as the plain analyzer gives them (lowercase, no accents).
const WEAK_WORDS: &[&str] = &[
    // relatives
    "pere",
    "mere",
    "papa",
    "maman",
    "mari",
    "femme",
    "epouse",
    "epoux",
    "conjoint",
    "conjointe",
    "compagnon",
    "compagne",
    "fils",
    "fille",
    "frere",
    "soeur",
    "parents",
    "grand",
    "grands",
    "gamin",
    "gamins",
    "gosse",
    "gosses",
    "copain",
    "copine",
    "voisin",
    "voisine",
    "belle",
    "beau",
    // auxiliary verbs of motion, intention and ability
    "vient",
    "viens",
    "venir",
    "venu",
    "venue",
    "va",
    "vais",
    "vas",
    "vont",
    "aller",
    "allez",
    "veut",
    "veulent",
    "voudrait",
    "voulons",
    "pouvez",
    "pouvons",
    "peuvent",
    "pourrais",
    "pourrait",
    "devez",
    "devons",
    "dois",
    "doivent",
    "devrais",
    "arrive",
    "arrivent",
    "sais",
    "sait",
    // time adverbs
    "deja",
    "encore",
    "maintenant",
    "bientot",
    "demain",
    "hier",
    "soir",
    "aujourd",
    "hui",
    "prochain",
    "prochaine",
    "dernier",
    "derniere",
    "vite",
    "urgent",
    "urgence",
    // vague nouns and fillers
    "papiers",
    "papier",
    "chose",
    "choses",
    "truc",
    "trucs",
    "gens",
    "quelqu",
    "rien",
    "trop",
    "vraiment",
    "toujours",
    "jamais",
];

/// Words that say the person asks as a business or an association.
const PRO_WORDS: &[&str] = &[
    " entreprise",
    " societe",
    " professionnel",
    " pro ",
    " salarie",
    " employeur",
    " micro ",
    " auto entrepreneur",
    " autoentrepreneur",
    " commerce",
    " commercant",
    " artisan",
    " sarl ",
    " sas ",
    " siret ",
    " siren ",
    " kbis ",
    " tva ",
    " urssaf ",
    " gerant",
    " boite ",
    " patron",
    " embauche",
    " restaurant",
    " boutique",
    " liberal",
];
const ASSO_WORDS: &[&str] = &[" association", " asso ", " benevole"];

fn audience_of(folded: &str) -> Audience {
    if ASSO_WORDS.iter().any(|w| folded.contains(w)) {
        Audience::Associations
    } else if PRO_WORDS.iter().any(|w| folded.contains(w)) {
        Audience::Professionnels
    } else {
        Audience::Particuliers
    }
}

/// Re-ranking multiplier: audience first, then a slight preference for practical sheets over
/// question-and-answer ones.
fn factor(entry: &Entry, wanted: Audience) -> f32 {
    let audience = if entry.audiences.contains(&wanted) {
        1.0
    } else if wanted == Audience::Particuliers {
        0.7
    } else {
        0.85
    };
    let kind = if entry.kind.starts_with("Fiche Question") {
        0.9
    } else {
        1.0
    };
    audience * kind
}
