//! JSON API for the leaders' dashboard: every number behind its charts.

use axum::Json;
use axum::extract::State;
use kolabik_domain::leaders::{Area, Participation};
use kolabik_domain::{ProposalState, UnitKind};
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

use crate::AppState;
use crate::api::{CountDto, ErrorBody};
use crate::error::WebError;

#[derive(Serialize, ToSchema)]
pub struct ParticipationDto {
    /// Unit kind code (e.g. `kelurahan`); for kecamatan rows the kecamatan's unit id as text,
    /// or `city` for units not under a kecamatan.
    pub key: String,
    /// The kecamatan's name (kecamatan rows only).
    pub name: Option<String>,
    pub units: i64,
    /// Units with at least one submitted proposal.
    pub participating: i64,
    /// `participating * 100 / units`, rounded down; 0 for no units.
    pub rate_percent: i64,
    /// Submitted proposals of these units.
    pub proposals: i64,
}

#[derive(Serialize, ToSchema)]
pub struct HistogramDto {
    /// `null` for the final ranking, otherwise the judged stage's kind code.
    pub stage: Option<String>,
    /// Ten counts: scores 0–<10, 10–<20, …, 80–<90, 90–100.
    pub bins: Vec<i64>,
    pub count: i64,
    pub mean: Option<f64>,
    pub median: Option<f64>,
}

#[derive(Serialize, ToSchema)]
pub struct EditionTotalsDto {
    pub year: i64,
    pub name: String,
    pub is_current: bool,
    pub units_participating: i64,
    pub proposals_submitted: i64,
    pub finalists: i64,
    pub winners: i64,
}

#[derive(Serialize, ToSchema)]
pub struct ViewerDashboardDto {
    pub edition_year: i32,
    /// Every proposal of the current edition, drafts included.
    pub proposals_total: i64,
    /// Proposals past the unit's desk (submitted, returned, screened, finalist, winner).
    pub proposals_submitted: i64,
    pub proposals_by_state: Vec<CountDto>,
    /// Submitted proposals per unit kind.
    pub proposals_by_unit_kind: Vec<CountDto>,
    /// Submitted proposals per category name.
    pub proposals_by_category: Vec<CountDto>,
    pub participation_by_unit_kind: Vec<ParticipationDto>,
    /// Each kecamatan, then `city`.
    pub participation_by_kecamatan: Vec<ParticipationDto>,
    /// Per BerAKHLAK value code; a proposal counts once per value it names.
    pub proposals_by_value: Vec<CountDto>,
    /// Per SDG number `1`–`17`; a proposal counts once per goal it names.
    pub proposals_by_sdg: Vec<CountDto>,
    /// Steps in order: `submitted`, `passed_screening`, each judged stage's kind code,
    /// `finalists`, `winners`.
    pub pipeline: Vec<CountDto>,
    /// Frozen scores only: one per judged stage of the edition, then the final ranking.
    pub score_distributions: Vec<HistogramDto>,
    /// Every edition, oldest first.
    pub editions: Vec<EditionTotalsDto>,
}

fn participation(key: String, name: Option<String>, p: &Participation) -> ParticipationDto {
    ParticipationDto {
        key,
        name,
        units: p.units,
        participating: p.participating,
        rate_percent: p.rate_percent(),
        proposals: p.proposals,
    }
}

fn count(key: impl Into<String>, count: i64) -> CountDto {
    CountDto {
        key: key.into(),
        count,
    }
}

/// The leaders' dashboard in numbers (city leaders and the committee).
#[utoipa::path(get, path = "/api/v1/dashboard/viewer", tag = "dashboard",
    responses((status = 200, body = ViewerDashboardDto), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn viewer_dashboard(
    State(state): State<AppState>,
) -> Result<Json<ViewerDashboardDto>, WebError> {
    let d = state.app.leaders_dashboard().await?;
    Ok(Json(ViewerDashboardDto {
        edition_year: d.edition.year,
        proposals_total: d.proposals_total,
        proposals_submitted: d.proposals_submitted,
        proposals_by_state: d
            .by_state
            .iter()
            .map(|(s, n)| count(ProposalState::as_str(*s), *n))
            .collect(),
        proposals_by_unit_kind: d
            .by_unit_kind
            .iter()
            .map(|(k, p)| count(UnitKind::as_str(*k), p.proposals))
            .collect(),
        proposals_by_category: d
            .by_category
            .iter()
            .map(|(name, n)| count(name.clone(), *n))
            .collect(),
        participation_by_unit_kind: d
            .by_unit_kind
            .iter()
            .map(|(k, p)| participation(k.as_str().to_owned(), None, p))
            .collect(),
        participation_by_kecamatan: d
            .by_kecamatan
            .iter()
            .map(|a| {
                let key = match a.area {
                    Area::Kecamatan(id) => id.to_string(),
                    Area::City => "city".to_owned(),
                };
                participation(key, a.name.clone(), &a.participation)
            })
            .collect(),
        proposals_by_value: d
            .by_value
            .iter()
            .map(|(v, n)| count(v.as_str(), *n))
            .collect(),
        proposals_by_sdg: d
            .by_sdg
            .iter()
            .map(|(s, n)| count(s.number().to_string(), *n))
            .collect(),
        pipeline: d
            .pipeline
            .iter()
            .map(|(step, n)| count(step.code(), *n))
            .collect(),
        score_distributions: d
            .scores
            .iter()
            .map(|s| HistogramDto {
                stage: s.stage.map(|k| k.as_str().to_owned()),
                bins: s.histogram.bins.to_vec(),
                count: s.histogram.count,
                mean: s.histogram.mean,
                median: s.histogram.median,
            })
            .collect(),
        editions: d
            .editions
            .iter()
            .map(|e| EditionTotalsDto {
                year: e.year,
                name: e.name.clone(),
                is_current: e.is_current,
                units_participating: e.units_participating,
                proposals_submitted: e.proposals_submitted,
                finalists: e.finalists,
                winners: e.winners,
            })
            .collect(),
    }))
}

#[derive(OpenApi)]
#[openapi(paths(viewer_dashboard))]
pub struct LeadersApiDoc;
