//! JSON API for the presentation schedule (slots, generation, edits, publication,
//! iCalendar downloads) and field verification (checklist, visits, photos). Same access
//! rules as the pages.

use axum::Json;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kolabik_app::field::{VisitDetail, VisitInput};
use kolabik_app::presentation::{GenerateInput, SlotInput, SlotView};
use kolabik_domain::{Id, TimeZone};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use crate::AppState;
use crate::api::ErrorBody;
use crate::ctx::Ctx;
use crate::error::WebError;
use crate::pages::presentation::{ics_response, judge_calendar, unit_calendar};

#[derive(Serialize, ToSchema)]
pub struct PresentationSettingsDto {
    pub talk_minutes: i64,
    /// Part of the talk.
    pub video_minutes: i64,
    pub qa_minutes: i64,
    pub break_minutes: i64,
    /// First start last used to generate, edition wall clock (`YYYY-MM-DDTHH:MM`).
    pub start: String,
    /// `HH:MM` or empty.
    pub day_end: String,
    pub meeting_url: String,
    pub room: String,
    /// When the schedule was published to units and judges; `null`: not published.
    pub published_at: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct PanelMemberDto {
    pub judge_id: i64,
    pub name: String,
    /// The judge has an active conflict with the proposal (an error to fix).
    pub conflicted: bool,
    /// The judge is also on an overlapping slot's panel.
    pub double_booked: bool,
}

#[derive(Serialize, ToSchema)]
pub struct SlotDto {
    pub id: i64,
    pub proposal_id: i64,
    pub title: String,
    pub unit_name: String,
    pub category: String,
    /// RFC 3339, UTC.
    pub starts_at: String,
    pub ends_at: String,
    /// Start on the edition's wall clock (`YYYY-MM-DDTHH:MM`).
    pub starts_local: String,
    pub talk_minutes: i64,
    pub video_minutes: i64,
    pub qa_minutes: i64,
    pub meeting_url: String,
    pub room: String,
    pub panel: Vec<PanelMemberDto>,
    /// Starts before the stage opens or ends after it closes.
    pub outside_stage: bool,
}

#[derive(Serialize, ToSchema)]
pub struct ScheduleDto {
    pub stage_id: i64,
    /// `WIB`, `WITA` or `WIT`.
    pub time_zone: String,
    pub frozen: bool,
    pub settings: PresentationSettingsDto,
    pub slots: Vec<SlotDto>,
    /// Proposals of the stage without a slot.
    pub unscheduled: Vec<i64>,
}

fn slot_dto(tz: TimeZone, s: SlotView) -> SlotDto {
    SlotDto {
        outside_stage: s.outside_stage,
        id: s.slot.id,
        proposal_id: s.slot.proposal_id,
        starts_at: s.slot.starts_at.to_rfc3339(),
        ends_at: s.ends_at.to_rfc3339(),
        starts_local: tz.to_local(s.slot.starts_at).to_string(),
        title: s.slot.title,
        unit_name: s.slot.unit_name,
        category: s.slot.category_name,
        talk_minutes: s.slot.talk_minutes,
        video_minutes: s.slot.video_minutes,
        qa_minutes: s.slot.qa_minutes,
        meeting_url: s.slot.meeting_url,
        room: s.slot.room,
        panel: s
            .panel
            .into_iter()
            .map(|m| PanelMemberDto {
                judge_id: m.judge_id,
                name: m.name,
                conflicted: m.conflicted,
                double_booked: m.double_booked,
            })
            .collect(),
    }
}

/// The presentation schedule of the current edition with each slot's panel and flags.
#[utoipa::path(get, path = "/api/v1/presentation/slots", tag = "presentation",
    responses((status = 200, body = ScheduleDto), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn slots(State(state): State<AppState>, ctx: Ctx) -> Result<Json<ScheduleDto>, WebError> {
    let b = state.app.presentation_board(&ctx.actor()).await?;
    let tz = b.time_zone;
    let s = b.settings;
    Ok(Json(ScheduleDto {
        stage_id: b.stage.id,
        time_zone: tz.as_str().to_owned(),
        frozen: b.frozen,
        settings: PresentationSettingsDto {
            talk_minutes: s.talk_minutes,
            video_minutes: s.video_minutes,
            qa_minutes: s.qa_minutes,
            break_minutes: s.break_minutes,
            start: s.start_local,
            day_end: s.day_end,
            meeting_url: s.meeting_url,
            room: s.room,
            published_at: s.published_at.map(|t| t.to_rfc3339()),
        },
        slots: b.slots.into_iter().map(|v| slot_dto(tz, v)).collect(),
        unscheduled: b.unscheduled.iter().map(|e| e.proposal_id).collect(),
    }))
}

fn ten() -> u32 {
    10
}
fn three() -> u32 {
    3
}
fn twenty() -> u32 {
    20
}

#[derive(Deserialize, ToSchema)]
pub struct GenerateBody {
    /// First start on the edition's wall clock, `YYYY-MM-DDTHH:MM`.
    pub start: String,
    #[serde(default = "ten")]
    pub talk_minutes: u32,
    #[serde(default = "three")]
    pub video_minutes: u32,
    #[serde(default = "twenty")]
    pub qa_minutes: u32,
    #[serde(default)]
    pub break_minutes: u32,
    /// `HH:MM`: a slot that would end later moves to the next day at the start hour.
    #[serde(default)]
    pub day_end: Option<String>,
    /// Default meeting link of every slot.
    #[serde(default)]
    pub meeting_url: String,
    #[serde(default)]
    pub room: String,
}

#[derive(Serialize, ToSchema)]
pub struct GenerateDto {
    pub slots: usize,
}

/// (Re)generates every slot of the stage in category then proposal order; replaces the
/// existing slots.
#[utoipa::path(post, path = "/api/v1/presentation/slots/generate", tag = "presentation",
    request_body = GenerateBody,
    responses((status = 200, body = GenerateDto), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn generate(
    State(state): State<AppState>,
    ctx: Ctx,
    Json(b): Json<GenerateBody>,
) -> Result<Json<GenerateDto>, WebError> {
    let input = GenerateInput {
        start: b.start,
        talk_minutes: b.talk_minutes.to_string(),
        video_minutes: b.video_minutes.to_string(),
        qa_minutes: b.qa_minutes.to_string(),
        break_minutes: b.break_minutes.to_string(),
        day_end: b.day_end.unwrap_or_default(),
        meeting_url: b.meeting_url,
        room: b.room,
    };
    let n = state
        .app
        .generate_presentation_slots(&input, &ctx.actor())
        .await?;
    Ok(Json(GenerateDto { slots: n }))
}

#[derive(Deserialize, ToSchema)]
pub struct SlotBody {
    /// Start on the edition's wall clock, `YYYY-MM-DDTHH:MM`.
    pub start: String,
    pub talk_minutes: u32,
    pub video_minutes: u32,
    pub qa_minutes: u32,
    #[serde(default)]
    pub meeting_url: String,
    #[serde(default)]
    pub room: String,
}

/// Changes one slot's time, durations, meeting link and room.
#[utoipa::path(put, path = "/api/v1/presentation/slots/{id}", tag = "presentation",
    request_body = SlotBody, params(("id" = i64, Path, description = "Slot id")),
    responses((status = 204), (status = 422, body = ErrorBody), (status = 404, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn update_slot(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<Id>,
    Json(b): Json<SlotBody>,
) -> Result<StatusCode, WebError> {
    let input = SlotInput {
        start: b.start,
        talk_minutes: b.talk_minutes.to_string(),
        video_minutes: b.video_minutes.to_string(),
        qa_minutes: b.qa_minutes.to_string(),
        meeting_url: b.meeting_url,
        room: b.room,
    };
    state
        .app
        .update_presentation_slot(id, &input, &ctx.actor())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct PublishBody {
    pub published: bool,
}

/// Publishes the schedule to units and judges (or takes it back).
#[utoipa::path(post, path = "/api/v1/presentation/publish", tag = "presentation",
    request_body = PublishBody,
    responses((status = 204), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn publish(
    State(state): State<AppState>,
    ctx: Ctx,
    Json(b): Json<PublishBody>,
) -> Result<StatusCode, WebError> {
    state
        .app
        .publish_presentation_schedule(b.published, &ctx.actor())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The proposal's slot as iCalendar: for the unit's operators once published (and the
/// committee at any time).
#[utoipa::path(get, path = "/api/v1/proposals/{id}/presentation.ics", tag = "presentation",
    params(("id" = i64, Path, description = "Proposal id")),
    responses((status = 200, content_type = "text/calendar", body = String), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn unit_ics(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<Id>,
) -> Result<Response, WebError> {
    let body = unit_calendar(&state, &ctx, id).await?;
    Ok(ics_response(body, &format!("presentasi-usulan-{id}.ics")))
}

/// The signed-in judge's published slots as one iCalendar (never a conflicted proposal).
#[utoipa::path(get, path = "/api/v1/judge/presentation.ics", tag = "presentation",
    responses((status = 200, content_type = "text/calendar", body = String), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn judge_ics(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let body = judge_calendar(&state, &ctx).await?;
    Ok(ics_response(body, "jadwal-juri.ics"))
}

#[derive(Serialize, ToSchema)]
pub struct ChecklistItemDto {
    /// Negative ids stand for the default items (the edition has none of its own).
    pub id: i64,
    pub label: String,
}

#[derive(Serialize, ToSchema)]
pub struct FieldChecklistDto {
    pub items: Vec<ChecklistItemDto>,
    pub is_default: bool,
}

/// The field-verification checklist in force for the current edition.
#[utoipa::path(get, path = "/api/v1/field/checklist", tag = "field",
    responses((status = 200, body = FieldChecklistDto), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn checklist(State(state): State<AppState>) -> Result<Json<FieldChecklistDto>, WebError> {
    let (items, is_default) = state.app.field_checklist().await?;
    Ok(Json(FieldChecklistDto {
        items: items
            .into_iter()
            .map(|i| ChecklistItemDto {
                id: i.id,
                label: i.label,
            })
            .collect(),
        is_default,
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct FieldChecklistBody {
    /// The items in order (empty ones are dropped; at most 40 of 300 characters).
    pub items: Vec<String>,
}

/// Replaces the edition's checklist.
#[utoipa::path(put, path = "/api/v1/field/checklist", tag = "field",
    request_body = FieldChecklistBody,
    responses((status = 204), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn set_checklist(
    State(state): State<AppState>,
    ctx: Ctx,
    Json(b): Json<FieldChecklistBody>,
) -> Result<StatusCode, WebError> {
    if b.items.iter().any(|i| i.contains('\n')) {
        return Err(kolabik_app::AppError::invalid("items", "field.error_checklist").into());
    }
    state
        .app
        .set_field_checklist(&b.items.join("\n"), &ctx.actor())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct VisitRowDto {
    pub proposal_id: i64,
    pub title: String,
    pub unit_name: String,
    /// `null` while no visit is scheduled.
    pub visit_id: Option<i64>,
    pub scheduled_at: Option<String>,
    pub announced: Option<bool>,
    pub completed_at: Option<String>,
}

/// Every proposal of the field-verification stage with its visit.
#[utoipa::path(get, path = "/api/v1/field/visits", tag = "field",
    responses((status = 200, body = Vec<VisitRowDto>), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn visits(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Json<Vec<VisitRowDto>>, WebError> {
    let b = state.app.field_board(&ctx.actor()).await?;
    Ok(Json(
        b.rows
            .into_iter()
            .map(|r| VisitRowDto {
                proposal_id: r.entry.proposal_id,
                title: r.entry.title,
                unit_name: r.entry.unit_name,
                visit_id: r.visit.as_ref().map(|v| v.id),
                scheduled_at: r
                    .visit
                    .as_ref()
                    .and_then(|v| v.scheduled_at)
                    .map(|t| t.to_rfc3339()),
                announced: r.visit.as_ref().map(|v| v.announced),
                completed_at: r
                    .visit
                    .as_ref()
                    .and_then(|v| v.completed_at)
                    .map(|t| t.to_rfc3339()),
            })
            .collect(),
    ))
}

fn yes() -> bool {
    true
}

#[derive(Deserialize, ToSchema)]
pub struct ScheduleVisitBody {
    pub proposal_id: i64,
    /// Edition wall clock, `YYYY-MM-DDTHH:MM`; omitted: not fixed yet.
    #[serde(default)]
    pub scheduled_at: Option<String>,
    /// `false`: the unit sees nothing of the visit until it is completed.
    #[serde(default = "yes")]
    pub announced: bool,
}

#[derive(Serialize, ToSchema)]
pub struct VisitIdDto {
    pub visit_id: i64,
}

/// Schedules (or reschedules) the visit of a proposal of the stage.
#[utoipa::path(post, path = "/api/v1/field/visits", tag = "field",
    request_body = ScheduleVisitBody,
    responses((status = 200, body = VisitIdDto), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn schedule_visit(
    State(state): State<AppState>,
    ctx: Ctx,
    Json(b): Json<ScheduleVisitBody>,
) -> Result<Json<VisitIdDto>, WebError> {
    let id = state
        .app
        .schedule_field_visit(
            b.proposal_id,
            b.scheduled_at.as_deref().unwrap_or(""),
            b.announced,
            &ctx.actor(),
        )
        .await?;
    Ok(Json(VisitIdDto { visit_id: id }))
}

#[derive(Serialize, Deserialize, ToSchema)]
pub struct AnswerDto {
    pub item_id: i64,
    #[serde(default)]
    pub label: String,
    /// `sesuai`, `tidak_sesuai`, `tidak_dapat_dinilai`, or `null` (not yet assessed).
    #[serde(default)]
    pub finding: Option<String>,
    #[serde(default)]
    pub note: String,
}

#[derive(Serialize, ToSchema)]
pub struct PhotoDto {
    pub file_id: i64,
    pub caption: String,
    pub filename: String,
    pub content_type: String,
    pub size_bytes: i64,
    /// Download address (same access rules as the visit).
    pub url: String,
}

#[derive(Serialize, ToSchema)]
pub struct VisitDto {
    pub id: i64,
    pub proposal_id: i64,
    pub title: String,
    pub unit_name: String,
    pub scheduled_at: Option<String>,
    pub announced: bool,
    pub answers: Vec<AnswerDto>,
    pub notes: String,
    pub photos: Vec<PhotoDto>,
    pub completed_at: Option<String>,
    pub visited_by: Option<i64>,
    /// Neither completed nor frozen.
    pub editable: bool,
}

fn visit_dto(d: VisitDetail) -> VisitDto {
    let id = d.visit.id;
    VisitDto {
        id,
        proposal_id: d.visit.proposal_id,
        title: d.visit.title,
        unit_name: d.visit.unit_name,
        scheduled_at: d.visit.scheduled_at.map(|t| t.to_rfc3339()),
        announced: d.visit.announced,
        answers: d
            .answers
            .into_iter()
            .map(|a| AnswerDto {
                item_id: a.item_id,
                label: a.label,
                finding: a.finding.map(|f| f.as_str().to_owned()),
                note: a.note,
            })
            .collect(),
        notes: d.visit.notes,
        photos: d
            .photos
            .into_iter()
            .map(|p| PhotoDto {
                url: format!("/lapangan/{id}/foto/{}", p.file_id),
                file_id: p.file_id,
                caption: p.caption,
                filename: p.filename,
                content_type: p.content_type,
                size_bytes: p.size_bytes,
            })
            .collect(),
        completed_at: d.visit.completed_at.map(|t| t.to_rfc3339()),
        visited_by: d.visit.visited_by,
        editable: d.editable,
    }
}

/// One visit: for the committee and the judges assigned to the proposal in the stage
/// (404 for a judge with an active conflict).
#[utoipa::path(get, path = "/api/v1/field/visits/{visit}", tag = "field",
    params(("visit" = i64, Path, description = "Visit id")),
    responses((status = 200, body = VisitDto), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn visit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<Id>,
) -> Result<Json<VisitDto>, WebError> {
    let d = state.app.field_visit(id, &ctx.actor(), &ctx.grants).await?;
    Ok(Json(visit_dto(d)))
}

#[derive(Deserialize, ToSchema, Default)]
pub struct VisitBody {
    /// Answers to change (others stay as they are).
    #[serde(default)]
    pub answers: Vec<AnswerDto>,
    /// Omitted: the notes stay as they are.
    #[serde(default)]
    pub notes: Option<String>,
}

fn input(b: VisitBody) -> VisitInput {
    VisitInput {
        answers: b
            .answers
            .into_iter()
            .map(|a| (a.item_id, a.finding.unwrap_or_default(), a.note))
            .collect(),
        notes: b.notes,
    }
}

/// Saves a visit's answers and notes as a draft.
#[utoipa::path(put, path = "/api/v1/field/visits/{visit}", tag = "field",
    request_body = VisitBody, params(("visit" = i64, Path, description = "Visit id")),
    responses((status = 200, body = VisitDto), (status = 422, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn save_visit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<Id>,
    Json(b): Json<VisitBody>,
) -> Result<Json<VisitDto>, WebError> {
    state
        .app
        .save_field_visit(id, &input(b), false, &ctx.actor(), &ctx.grants)
        .await?;
    let d = state.app.field_visit(id, &ctx.actor(), &ctx.grants).await?;
    Ok(Json(visit_dto(d)))
}

/// Completes a visit (every item needs a finding); records who and when. An optional
/// body saves answers first.
#[utoipa::path(post, path = "/api/v1/field/visits/{visit}/complete", tag = "field",
    request_body = VisitBody, params(("visit" = i64, Path, description = "Visit id")),
    responses((status = 200, body = VisitDto), (status = 422, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn complete_visit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<Id>,
    body: Option<Json<VisitBody>>,
) -> Result<Json<VisitDto>, WebError> {
    let b = body.map(|Json(b)| b).unwrap_or_default();
    state
        .app
        .save_field_visit(id, &input(b), true, &ctx.actor(), &ctx.grants)
        .await?;
    let d = state.app.field_visit(id, &ctx.actor(), &ctx.grants).await?;
    Ok(Json(visit_dto(d)))
}

#[derive(Deserialize, ToSchema)]
pub struct ReopenBody {
    /// Why the completed visit is opened again (required; audit-logged).
    pub reason: String,
}

/// The committee opens a completed visit again to correct its findings (refused once the
/// stage is frozen).
#[utoipa::path(post, path = "/api/v1/field/visits/{visit}/reopen", tag = "field",
    request_body = ReopenBody, params(("visit" = i64, Path, description = "Visit id")),
    responses((status = 200, body = VisitDto), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn reopen_visit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<Id>,
    Json(b): Json<ReopenBody>,
) -> Result<Json<VisitDto>, WebError> {
    state
        .app
        .reopen_field_visit(id, &b.reason, &ctx.actor(), &ctx.grants)
        .await?;
    let d = state.app.field_visit(id, &ctx.actor(), &ctx.grants).await?;
    Ok(Json(visit_dto(d)))
}

/// Adds a photo: `multipart/form-data` with a `photo` file (JPEG or PNG by content) and
/// an optional `caption`.
#[utoipa::path(post, path = "/api/v1/field/visits/{visit}/photos", tag = "field",
    params(("visit" = i64, Path, description = "Visit id")),
    request_body(content = String, content_type = "multipart/form-data"),
    responses((status = 201, body = PhotoDto), (status = 422, body = ErrorBody), (status = 404, body = ErrorBody), (status = 413, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn upload_photo(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<Id>,
    mut multipart: Multipart,
) -> Result<Response, WebError> {
    let mut file: Option<(String, Vec<u8>)> = None;
    let mut caption = String::new();
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(_) => return Err(WebError::too_large()),
        };
        match field.name() {
            Some("photo") => {
                let name = field.file_name().unwrap_or("foto").to_owned();
                let bytes = field.bytes().await.map_err(|_| WebError::too_large())?;
                file = Some((name, bytes.to_vec()));
            }
            Some("caption") => caption = field.text().await.unwrap_or_default(),
            _ => {}
        }
    }
    let (name, bytes) = file.unwrap_or_default();
    let file_id = state
        .app
        .add_field_photo(id, &name, &caption, &bytes, &ctx.actor(), &ctx.grants)
        .await?;
    let d = state.app.field_visit(id, &ctx.actor(), &ctx.grants).await?;
    let p = d
        .photos
        .into_iter()
        .find(|p| p.file_id == file_id)
        .ok_or_else(WebError::not_found)?;
    let dto = PhotoDto {
        url: format!("/lapangan/{id}/foto/{file_id}"),
        file_id,
        caption: p.caption,
        filename: p.filename,
        content_type: p.content_type,
        size_bytes: p.size_bytes,
    };
    Ok((StatusCode::CREATED, Json(dto)).into_response())
}

#[derive(OpenApi)]
#[openapi(
    paths(
        slots,
        generate,
        update_slot,
        publish,
        unit_ics,
        judge_ics,
        checklist,
        set_checklist,
        visits,
        schedule_visit,
        visit,
        save_visit,
        complete_visit,
        reopen_visit,
        upload_photo
    ),
    components(schemas(
        PresentationSettingsDto,
        ReopenBody,
        PanelMemberDto,
        SlotDto,
        ScheduleDto,
        GenerateBody,
        GenerateDto,
        SlotBody,
        PublishBody,
        ChecklistItemDto,
        FieldChecklistDto,
        FieldChecklistBody,
        VisitRowDto,
        ScheduleVisitBody,
        VisitIdDto,
        AnswerDto,
        PhotoDto,
        VisitDto,
        VisitBody
    ))
)]
pub struct PresentationApiDoc;
