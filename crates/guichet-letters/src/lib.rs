//! Postal letters for Guichet: a typed letter model in, PDF bytes out.
//!
//! Paper is a right here, not a fallback: every decision on a person's rights is
//! sent by post. This crate lays letters out for French window envelopes (DL,
//! window on the right) with the address validated against NF Z10-011, offers a
//! large-print variant and an easy-to-read layout, produces tagged PDF/UA for
//! screen readers, and concatenates letters into print batches as a stream.
//! It does no I/O of its own: callers hand it values and writers.

pub mod address;
pub mod batch;
pub mod error;
pub mod model;
mod print_pdf;
pub mod render;
mod samples;

pub use address::{PostalAddress, postal_town};
pub use batch::{AppendError, PdfBatchWriter};
pub use error::LetterError;
pub use model::{
    Letter, LetterKind, PrintSize, Reference, Sender, Signature, Signer, Wording, french_date,
    sample_decision,
};
pub use render::{Output, RenderedLetter, RenderedSet, render, render_set};
pub use samples::{sample_letter, sample_postcode};
