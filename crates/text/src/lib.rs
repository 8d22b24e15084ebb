//! Indonesian text analysis and deterministic similarity for Kolabik's catalogue: stemming,
//! ranked search, similar innovations and near-duplicate passages.
//!
//! Pure: no I/O, no clock, no randomness. Every ordering ends in a total tie-break on the
//! document id and scores are rounded, so the same documents give the same answer whatever
//! database they came from.

mod analyzer;
mod hash;

pub use analyzer::{Analyzer, Token};
