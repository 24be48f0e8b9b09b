//! A print batch as one PDF, written as a stream.
//!
//! A provider prints a batch from a single file, but a batch may hold a hundred
//! thousand letters: holding it in memory is not an option. Each letter is
//! typeset on its own, then its pages and the objects they use are renumbered
//! and appended to the output at once; only the byte offset of each object and
//! the list of page ids stay in memory until the cross-reference table is
//! written at the end.

use std::collections::{BTreeMap, VecDeque};
use std::io::{self, Write};

use lopdf::{Dictionary, Document, Object, ObjectId, StringFormat};

use crate::error::LetterError;

const PAGES_ID: u32 = 1;
const CATALOG_ID: u32 = 2;

/// Concatenates single-letter PDFs into one batch PDF, streaming to `W`.
#[derive(Debug)]
pub struct PdfBatchWriter<W: Write> {
    out: W,
    written: u64,
    /// Byte offset of object n at index n - 1.
    offsets: Vec<u64>,
    pages: Vec<u32>,
}

impl<W: Write> PdfBatchWriter<W> {
    /// Starts a batch; writes the PDF header.
    pub fn new(out: W) -> io::Result<Self> {
        let mut w = Self {
            out,
            written: 0,
            offsets: vec![0, 0],
            pages: Vec::new(),
        };
        w.put(b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n")?;
        Ok(w)
    }

    /// Number of pages appended so far.
    pub fn page_count(&self) -> usize {
        self.pages.len()
    }

    fn put(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.out.write_all(bytes)?;
        self.written += bytes.len() as u64;
        Ok(())
    }

    /// Appends every page of one letter's PDF; returns its page count.
    ///
    /// I/O errors (a full disk) come back as `Err(Ok(io))` so callers can tell
    /// them from a malformed letter, `Err(Err(letter))`.
    pub fn append(&mut self, pdf: &[u8]) -> Result<usize, AppendError> {
        let doc = Document::load_mem(pdf)
            .map_err(|e| AppendError::Letter(LetterError::Render(e.to_string())))?;
        let page_ids: Vec<ObjectId> = doc.get_pages().into_values().collect();
        // Breadth-first copy of everything the pages reference, except the old page tree.
        let mut map: BTreeMap<ObjectId, u32> = BTreeMap::new();
        let mut queue: VecDeque<ObjectId> = VecDeque::new();
        let base = u32::try_from(self.offsets.len()).unwrap_or(u32::MAX);
        let mut next = base + 1;
        for id in &page_ids {
            map.insert(*id, next);
            next += 1;
            queue.push_back(*id);
        }
        let mut order: Vec<ObjectId> = Vec::new();
        while let Some(id) = queue.pop_front() {
            order.push(id);
            let Ok(obj) = doc.get_object(id) else {
                continue;
            };
            let is_page = page_ids.contains(&id);
            let mut refs = Vec::new();
            collect_refs(obj, is_page, &mut refs);
            if is_page {
                for key in [&b"Resources"[..], b"MediaBox", b"CropBox", b"Rotate"] {
                    if let Some(o) = inherited(&doc, id, key) {
                        collect_refs(&o, false, &mut refs);
                    }
                }
            }
            for r in refs {
                if let std::collections::btree_map::Entry::Vacant(e) = map.entry(r) {
                    e.insert(next);
                    next += 1;
                    queue.push_back(r);
                }
            }
        }
        for id in order {
            let Ok(obj) = doc.get_object(id) else {
                continue;
            };
            let mut obj = obj.clone();
            if page_ids.contains(&id)
                && let Object::Dictionary(dict) = &mut obj
            {
                for key in [&b"Resources"[..], b"MediaBox", b"CropBox", b"Rotate"] {
                    if !dict.has(key)
                        && let Some(o) = inherited(&doc, id, key)
                    {
                        dict.set(key.to_vec(), o);
                    }
                }
                dict.remove(b"StructParents");
                dict.set("Parent", Object::Reference((PAGES_ID, 0)));
            }
            let new_id = map.get(&id).copied().unwrap_or(0);
            self.offsets.push(self.written);
            debug_assert_eq!(self.offsets.len(), new_id as usize);
            let mut buf = format!("{new_id} 0 obj\n").into_bytes();
            write_object(&mut buf, &obj, &map);
            buf.extend_from_slice(b"\nendobj\n");
            self.put(&buf).map_err(AppendError::Io)?;
        }
        for id in &page_ids {
            self.pages.push(map.get(id).copied().unwrap_or(0));
        }
        Ok(page_ids.len())
    }

    /// Writes the page tree, the catalog, the cross-reference table and the trailer.
    pub fn finish(mut self) -> io::Result<W> {
        let mut kids = Vec::with_capacity(self.pages.len() * 8 + 64);
        kids.extend_from_slice(b"<< /Type /Pages /Kids [");
        for p in &self.pages {
            kids.extend_from_slice(format!("{p} 0 R ").as_bytes());
        }
        kids.extend_from_slice(format!("] /Count {} >>", self.pages.len()).as_bytes());
        self.offsets[(PAGES_ID - 1) as usize] = self.written;
        self.put(format!("{PAGES_ID} 0 obj\n").as_bytes())?;
        self.put(&kids)?;
        self.put(b"\nendobj\n")?;
        self.offsets[(CATALOG_ID - 1) as usize] = self.written;
        self.put(
            format!("{CATALOG_ID} 0 obj\n<< /Type /Catalog /Pages {PAGES_ID} 0 R >>\nendobj\n")
                .as_bytes(),
        )?;
        let xref_at = self.written;
        let n = self.offsets.len() + 1;
        let mut xref = format!("xref\n0 {n}\n0000000000 65535 f \n").into_bytes();
        for off in &self.offsets {
            xref.extend_from_slice(format!("{off:010} 00000 n \n").as_bytes());
        }
        self.put(&xref)?;
        self.put(
            format!(
                "trailer\n<< /Size {n} /Root {CATALOG_ID} 0 R >>\nstartxref\n{xref_at}\n%%EOF\n"
            )
            .as_bytes(),
        )?;
        self.out.flush()?;
        Ok(self.out)
    }
}

/// Why a letter could not be appended to a batch.
#[derive(Debug, thiserror::Error)]
pub enum AppendError {
    /// Writing failed (for example a full disk): retry the batch later.
    #[error("écriture du lot impossible : {0}")]
    Io(#[source] io::Error),
    /// The letter's PDF could not be read.
    #[error(transparent)]
    Letter(LetterError),
}

fn inherited(doc: &Document, page: ObjectId, key: &[u8]) -> Option<Object> {
    let mut current = doc.get_dictionary(page).ok()?;
    for _ in 0..32 {
        if let Ok(v) = current.get(key) {
            return Some(v.clone());
        }
        let parent = current.get(b"Parent").ok()?.as_reference().ok()?;
        current = doc.get_dictionary(parent).ok()?;
    }
    None
}

fn collect_refs(obj: &Object, skip_parent: bool, out: &mut Vec<ObjectId>) {
    match obj {
        Object::Reference(id) => out.push(*id),
        Object::Array(items) => items.iter().for_each(|o| collect_refs(o, false, out)),
        Object::Dictionary(dict) => collect_dict(dict, skip_parent, out),
        Object::Stream(stream) => collect_dict(&stream.dict, false, out),
        _ => {}
    }
}

fn collect_dict(dict: &Dictionary, skip_parent: bool, out: &mut Vec<ObjectId>) {
    for (key, value) in dict.iter() {
        if skip_parent && (key == b"Parent" || key == b"StructParents") {
            continue;
        }
        collect_refs(value, false, out);
    }
}

fn write_object(buf: &mut Vec<u8>, obj: &Object, map: &BTreeMap<ObjectId, u32>) {
    match obj {
        Object::Null => buf.extend_from_slice(b"null"),
        Object::Boolean(b) => buf.extend_from_slice(if *b { b"true" } else { b"false" }),
        Object::Integer(i) => buf.extend_from_slice(i.to_string().as_bytes()),
        Object::Real(r) => buf.extend_from_slice(format!("{r}").as_bytes()),
        Object::Name(name) => write_name(buf, name),
        Object::String(bytes, format) => match format {
            StringFormat::Literal | StringFormat::Hexadecimal => {
                buf.push(b'<');
                for b in bytes {
                    buf.extend_from_slice(format!("{b:02X}").as_bytes());
                }
                buf.push(b'>');
            }
        },
        Object::Array(items) => {
            buf.push(b'[');
            for (i, o) in items.iter().enumerate() {
                if i > 0 {
                    buf.push(b' ');
                }
                write_object(buf, o, map);
            }
            buf.push(b']');
        }
        Object::Dictionary(dict) => write_dict(buf, dict, map, None),
        Object::Stream(stream) => {
            write_dict(buf, &stream.dict, map, Some(stream.content.len()));
            buf.extend_from_slice(b"\nstream\n");
            buf.extend_from_slice(&stream.content);
            buf.extend_from_slice(b"\nendstream");
        }
        Object::Reference(id) => {
            // A dangling reference becomes null, which every reader accepts.
            match map.get(id) {
                Some(n) => buf.extend_from_slice(format!("{n} 0 R").as_bytes()),
                None => buf.extend_from_slice(b"null"),
            }
        }
    }
}

fn write_dict(
    buf: &mut Vec<u8>,
    dict: &Dictionary,
    map: &BTreeMap<ObjectId, u32>,
    length: Option<usize>,
) {
    buf.extend_from_slice(b"<<");
    for (key, value) in dict.iter() {
        if length.is_some() && key == b"Length" {
            continue;
        }
        buf.push(b' ');
        write_name(buf, key);
        buf.push(b' ');
        write_object(buf, value, map);
    }
    if let Some(len) = length {
        buf.extend_from_slice(format!(" /Length {len}").as_bytes());
    }
    buf.extend_from_slice(b" >>");
}

fn write_name(buf: &mut Vec<u8>, name: &[u8]) {
    buf.push(b'/');
    for &b in name {
        if b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'-' | b'_' | b'.' | b'+' | b'*' | b',' | b';' | b':' | b'@'
            )
        {
            buf.push(b);
        } else {
            buf.extend_from_slice(format!("#{b:02X}").as_bytes());
        }
    }
}
