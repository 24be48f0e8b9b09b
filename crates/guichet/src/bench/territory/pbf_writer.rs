//! A minimal OpenStreetMap PBF writer, for the synthetic network the OSRM comparison runs on.
//!
//! Only what the bench needs: untagged dense nodes, then tagged ways, no metadata, no
//! relations. Each block holds at most 8,000 objects (what libosmium writes) and is
//! zlib-compressed; the protobuf messages of `fileformat.proto` and `osmformat.proto` are
//! encoded by hand (a dozen fields), so the only dependency is `flate2`, already in the
//! workspace. Both readers in the comparison accept the result: `osmpbf` (ours) and libosmium
//! (OSRM's `osrm-extract`).

use std::io::Write;

use flate2::Compression;
use flate2::write::ZlibEncoder;

/// Objects per block, as libosmium writes them.
pub(super) const BLOCK: usize = 8_000;

/// Writes an `.osm.pbf` stream: call [`PbfWriter::nodes`] for every node block first, then
/// [`PbfWriter::ways`], with increasing ids.
pub(super) struct PbfWriter<W: Write> {
    out: W,
    /// The string table shared by every way block (index 0 is the empty string, as required).
    strings: Vec<String>,
}

/// One way: id, tags as indexes into the writer's string table, node references.
pub(super) struct Way {
    pub id: i64,
    pub tags: Vec<(u32, u32)>,
    pub refs: Vec<i64>,
}

impl<W: Write> PbfWriter<W> {
    /// Starts the file (its header block); `strings` are the tag keys and values ways use,
    /// referred to by their index + 1.
    pub(super) fn new(out: W, strings: &[&str]) -> std::io::Result<Self> {
        let mut w = PbfWriter {
            out,
            strings: std::iter::once("")
                .chain(strings.iter().copied())
                .map(str::to_owned)
                .collect(),
        };
        let mut header = Vec::new();
        for feature in ["OsmSchema-V0.6", "DenseNodes"] {
            bytes_field(&mut header, 4, feature.as_bytes());
        }
        bytes_field(&mut header, 16, b"guichet bench territory");
        w.blob("OSMHeader", &header)?;
        Ok(w)
    }

    /// The string-table index of `s` (one of those given to [`PbfWriter::new`]).
    pub(super) fn string(&self, s: &str) -> u32 {
        self.strings.iter().position(|t| t == s).unwrap_or(0) as u32
    }

    /// One block of untagged nodes: `(id, lat_e7, lon_e7)`, ids increasing.
    pub(super) fn nodes(&mut self, nodes: &[(i64, i32, i32)]) -> std::io::Result<()> {
        let (mut ids, mut lats, mut lons) = (Vec::new(), Vec::new(), Vec::new());
        let (mut id0, mut lat0, mut lon0) = (0i64, 0i64, 0i64);
        for &(id, lat, lon) in nodes {
            varint(&mut ids, zigzag(id - id0));
            // Granularity 100 nanodegrees: the stored value is the coordinate in 1e-7 degrees.
            varint(&mut lats, zigzag(i64::from(lat) - lat0));
            varint(&mut lons, zigzag(i64::from(lon) - lon0));
            (id0, lat0, lon0) = (id, i64::from(lat), i64::from(lon));
        }
        let mut dense = Vec::new();
        bytes_field(&mut dense, 1, &ids);
        bytes_field(&mut dense, 8, &lats);
        bytes_field(&mut dense, 9, &lons);
        let mut group = Vec::new();
        bytes_field(&mut group, 2, &dense);
        self.primitive_block(&group)
    }

    /// One block of ways, ids increasing.
    pub(super) fn ways(&mut self, ways: &[Way]) -> std::io::Result<()> {
        let mut group = Vec::new();
        let mut way = Vec::new();
        let mut packed = Vec::new();
        for w in ways {
            way.clear();
            key(&mut way, 1, 0);
            varint(&mut way, w.id as u64);
            packed.clear();
            for &(k, _) in &w.tags {
                varint(&mut packed, u64::from(k));
            }
            bytes_field(&mut way, 2, &packed);
            packed.clear();
            for &(_, v) in &w.tags {
                varint(&mut packed, u64::from(v));
            }
            bytes_field(&mut way, 3, &packed);
            packed.clear();
            let mut prev = 0i64;
            for &r in &w.refs {
                varint(&mut packed, zigzag(r - prev));
                prev = r;
            }
            bytes_field(&mut way, 8, &packed);
            bytes_field(&mut group, 3, &way);
        }
        self.primitive_block(&group)
    }

    /// Ends the stream and gives the writer back.
    pub(super) fn finish(mut self) -> std::io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }

    fn primitive_block(&mut self, group: &[u8]) -> std::io::Result<()> {
        let mut table = Vec::new();
        for s in &self.strings {
            bytes_field(&mut table, 1, s.as_bytes());
        }
        let mut block = Vec::new();
        bytes_field(&mut block, 1, &table);
        bytes_field(&mut block, 2, group);
        self.blob("OSMData", &block)
    }

    /// A `BlobHeader` (length-prefixed) then its zlib `Blob`.
    fn blob(&mut self, kind: &str, raw: &[u8]) -> std::io::Result<()> {
        let mut z = ZlibEncoder::new(Vec::new(), Compression::fast());
        z.write_all(raw)?;
        let zipped = z.finish()?;
        let mut blob = Vec::new();
        key(&mut blob, 2, 0);
        varint(&mut blob, raw.len() as u64);
        bytes_field(&mut blob, 3, &zipped);
        let mut header = Vec::new();
        bytes_field(&mut header, 1, kind.as_bytes());
        key(&mut header, 3, 0);
        varint(&mut header, blob.len() as u64);
        let len = u32::try_from(header.len()).map_err(std::io::Error::other)?;
        self.out.write_all(&len.to_be_bytes())?;
        self.out.write_all(&header)?;
        self.out.write_all(&blob)
    }
}

fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

fn varint(buf: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        buf.push((v as u8) | 0x80);
        v >>= 7;
    }
    buf.push(v as u8);
}

/// A field key: number and wire type (0 varint, 2 length-delimited).
fn key(buf: &mut Vec<u8>, field: u32, wire: u8) {
    varint(buf, (u64::from(field) << 3) | u64::from(wire));
}

fn bytes_field(buf: &mut Vec<u8>, field: u32, bytes: &[u8]) {
    key(buf, field, 2);
    varint(buf, bytes.len() as u64);
    buf.extend_from_slice(bytes);
}
