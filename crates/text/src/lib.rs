//! Indonesian text analysis and deterministic similarity for Kolabik's catalogue: stemming,
//! ranked search, similar innovations and near-duplicate passages.
//!
//! Pure: no I/O, no clock, no randomness. Every ordering ends in a total tie-break on the
//! document id and scores are rounded, so the same documents give the same answer whatever
//! database they came from.

mod analyzer;
mod duplicates;
mod hash;
mod search;

pub use analyzer::{Analyzer, Token};
pub use duplicates::{
    DupDocument, DuplicateMatch, DuplicatePair, Passage, SHINGLE, ShingleIndex, Span,
    near_duplicates,
};
pub use search::{
    Document, FieldWeights, Filter, MatchMode, SearchHit, SearchIndex, SearchResults, SharedTerm,
    SimilarHit,
};

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TextError {
    #[error("field weights must be positive finite numbers")]
    InvalidFieldWeights,
    #[error("a similarity threshold must lie between 0 and 1, not {0}")]
    InvalidThreshold(f64),
}
