//! The rules and types of a public-service innovation competition.
//!
//! This crate does no I/O: no database, no clock, no network, no randomness. Callers pass
//! instants and data in; everything here is a plain function of its inputs, so tests can
//! exercise every rule without a server.

pub mod access;
pub mod assignment;
pub mod calibration;
pub mod catalog;
pub mod certificate;
pub mod conflicts;
pub mod edition;
pub mod field;
pub mod files;
pub mod funnel;
pub mod ical;
pub mod ids;
pub mod leaders;
pub mod model;
pub mod password;
pub mod proposal;
pub mod ranking;
pub mod richtext;
pub mod rubric;
pub mod schedule;
pub mod scoring;
pub mod screening;
pub mod time;
pub mod units;
pub mod vote;

pub use calibration::{
    AggregationMethod, JudgeLeniency, ProposalScore, Reliability, SheetTotal, aggregate,
};
pub use ids::{Email, IdError, Nip, Npsn, RegionCode, Slug};
pub use model::*;
pub use ranking::{
    Combined, Promotion, RankEntry, Ranked, TieRule, combine_stages, promote, rank_category,
};
pub use rubric::{Criterion, LevelDescriptor, Rubric, RubricError};
pub use scoring::{Sheet, SheetCheck, SheetEntry, SheetError, weighted_total};
pub use time::{Instant, LocalDateTime, TimeZone};
