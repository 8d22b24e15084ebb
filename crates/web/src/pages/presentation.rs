//! The presentation & interview schedule: the committee's board (`/panitia/presentasi`:
//! generate, edit a slot, publish), the iCalendar downloads for a unit's slot and a judge's
//! slots, the judge's schedule page, and the schedule box on the operator's proposal page.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use kolabik_app::AppError;
use kolabik_app::presentation::{Board, GenerateInput, SlotInput, UnitSlot};
use kolabik_app::store::field::Visit;
use kolabik_app::store::presentation::Slot;
use kolabik_domain::ical::{self, Event};
use kolabik_domain::{Id, Instant, TimeZone};

use super::render;
use crate::AppState;
use crate::ctx::{Ctx, see_other};
use crate::error::WebError;
use crate::forms::FormState;
use crate::i18n::Tr;
use crate::view::Chrome;

/// The host part of the public URL, for stable event UIDs.
pub(crate) fn uid_host(site_url: &str) -> String {
    let rest = site_url.split_once("://").map_or(site_url, |(_, r)| r);
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
    let host = match host.rsplit_once(':') {
        Some((h, port)) if port.chars().all(|c| c.is_ascii_digit()) => h,
        _ => host,
    };
    if host.is_empty() {
        "kolabik.local".to_owned()
    } else {
        host.to_owned()
    }
}

/// One slot as a calendar event, in the reader's language.
pub(crate) fn slot_event(tr: Tr, slot: &Slot, host: &str, stamp: Instant) -> Event {
    let speaking = (slot.talk_minutes - slot.video_minutes).max(0).to_string();
    let talk = slot.talk_minutes.to_string();
    let video = slot.video_minutes.to_string();
    let qa = slot.qa_minutes.to_string();
    let link = if slot.meeting_url.is_empty() {
        "—".to_owned()
    } else {
        slot.meeting_url.clone()
    };
    let room = if slot.room.is_empty() {
        "—".to_owned()
    } else {
        slot.room.clone()
    };
    let description = tr.fmt(
        "presentation.ics_description",
        &[
            ("title", slot.title.as_str()),
            ("unit", slot.unit_name.as_str()),
            ("talk", talk.as_str()),
            ("video", video.as_str()),
            ("speaking", speaking.as_str()),
            ("qa", qa.as_str()),
            ("link", link.as_str()),
            ("room", room.as_str()),
        ],
    );
    let location = match (slot.room.is_empty(), slot.meeting_url.is_empty()) {
        (false, _) => slot.room.clone(),
        (true, false) => slot.meeting_url.clone(),
        (true, true) => String::new(),
    };
    Event {
        uid: format!("presentasi-{}@{host}", slot.id),
        stamp,
        start: slot.starts_at,
        end: slot.ends_at(),
        summary: tr.fmt(
            "presentation.ics_summary",
            &[
                ("title", slot.title.as_str()),
                ("unit", slot.unit_name.as_str()),
            ],
        ),
        description,
        location,
        url: slot.meeting_url.clone(),
    }
}

/// A calendar download.
pub(crate) fn ics_response(body: String, filename: &str) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                "text/calendar; charset=utf-8".to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        body,
    )
        .into_response()
}

/// The unit's slot as one calendar (shared with the API).
pub(crate) async fn unit_calendar(state: &AppState, ctx: &Ctx, id: Id) -> Result<String, WebError> {
    let us = state
        .app
        .unit_presentation_slot(id, &ctx.grants, &ctx.actor())
        .await?;
    let tr = ctx.tr();
    let host = uid_host(state.app.site_url());
    let event = slot_event(tr, &us.slot, &host, state.app.now());
    Ok(ical::calendar(
        "-//Kolabik//Jadwal Presentasi//ID",
        tr.get("presentation.ics_name"),
        &[event],
    ))
}

/// A judge's slots as one calendar (shared with the API).
pub(crate) async fn judge_calendar(state: &AppState, ctx: &Ctx) -> Result<String, WebError> {
    let user = ctx.user.as_ref().ok_or_else(WebError::unauthenticated)?;
    let (_, slots) = state.app.judge_presentation_slots(user.id).await?;
    let tr = ctx.tr();
    let host = uid_host(state.app.site_url());
    let now = state.app.now();
    let events: Vec<Event> = slots
        .iter()
        .map(|s| slot_event(tr, s, &host, now))
        .collect();
    Ok(ical::calendar(
        "-//Kolabik//Jadwal Presentasi//ID",
        tr.get("presentation.ics_name"),
        &events,
    ))
}

pub async fn unit_ics(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<Id>,
) -> Result<Response, WebError> {
    let body = unit_calendar(&state, &ctx, id).await?;
    Ok(ics_response(body, &format!("presentasi-usulan-{id}.ics")))
}

pub async fn judge_ics(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let body = judge_calendar(&state, &ctx).await?;
    Ok(ics_response(body, "jadwal-juri.ics"))
}

#[derive(Template)]
#[template(path = "presentation/board.html")]
struct BoardPage {
    c: Chrome,
    b: Board,
    tz: TimeZone,
    /// The generate form (typed values and errors).
    form: FormState,
    /// The slot whose edit failed, with its typed values and errors.
    slot_error: Option<Id>,
    slot_form: FormState,
}

impl BoardPage {
    fn local(&self, at: &Instant) -> String {
        self.tz.to_local(*at).to_string()
    }
    fn time(&self, at: &Instant) -> String {
        let l = self.tz.to_local(*at);
        format!("{:02}.{:02}", l.hour, l.minute)
    }
    fn generate_fields(&self) -> [(&'static str, &'static str); 4] {
        [
            ("talk_minutes", "presentation.talk"),
            ("video_minutes", "presentation.video"),
            ("qa_minutes", "presentation.qa"),
            ("break_minutes", "presentation.break"),
        ]
    }
    fn shape_fields(&self, s: &Slot) -> [(&'static str, &'static str, i64); 3] {
        [
            ("talk_minutes", "presentation.talk", s.talk_minutes),
            ("video_minutes", "presentation.video", s.video_minutes),
            ("qa_minutes", "presentation.qa", s.qa_minutes),
        ]
    }
    fn failed_on(&self, id: &Id) -> bool {
        self.slot_error == Some(*id)
    }
    fn problems(&self) -> usize {
        self.b.slots.iter().filter(|s| s.has_problem()).count()
    }
}

async fn board_page(
    state: &AppState,
    ctx: &Ctx,
    form: Option<FormState>,
    slot_error: Option<(Id, FormState)>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let b = state.app.presentation_board(&ctx.actor()).await?;
    let tz = b.time_zone;
    let form = form.unwrap_or_else(|| {
        let s = &b.settings;
        FormState::new(ctx.tr())
            .with_value("start", &s.start_local)
            .with_value("talk_minutes", &s.talk_minutes.to_string())
            .with_value("video_minutes", &s.video_minutes.to_string())
            .with_value("qa_minutes", &s.qa_minutes.to_string())
            .with_value("break_minutes", &s.break_minutes.to_string())
            .with_value("day_end", &s.day_end)
            .with_value("meeting_url", &s.meeting_url)
            .with_value("room", &s.room)
    });
    let (slot_error, slot_form) = match slot_error {
        Some((id, f)) => (Some(id), f),
        None => (None, FormState::new(ctx.tr())),
    };
    let c = Chrome::new(ctx, ctx.tr().get("presentation.title"));
    let mut r = render(&BoardPage {
        c,
        b,
        tz,
        form,
        slot_error,
        slot_form,
    });
    *r.status_mut() = status;
    Ok(r)
}

pub async fn board(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    board_page(&state, &ctx, None, None, StatusCode::OK).await
}

fn value(pairs: &[(String, String)], k: &str) -> String {
    pairs
        .iter()
        .find(|(n, _)| n == k)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

pub async fn generate(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let input = GenerateInput {
        start: value(&pairs, "start"),
        talk_minutes: value(&pairs, "talk_minutes"),
        video_minutes: value(&pairs, "video_minutes"),
        qa_minutes: value(&pairs, "qa_minutes"),
        break_minutes: value(&pairs, "break_minutes"),
        day_end: value(&pairs, "day_end"),
        meeting_url: value(&pairs, "meeting_url"),
        room: value(&pairs, "room"),
    };
    let only_settings = value(&pairs, "action") == "settings";
    let done = if only_settings {
        state
            .app
            .save_presentation_settings(&input, &ctx.actor())
            .await
    } else {
        state
            .app
            .generate_presentation_slots(&input, &ctx.actor())
            .await
            .map(|_| ())
    };
    match done {
        Ok(()) if only_settings => Ok(see_other("/panitia/presentasi#buat")),
        Ok(()) => Ok(see_other("/panitia/presentasi#jadwal")),
        Err(AppError::Invalid(errors)) => {
            let form = FormState::new(ctx.tr())
                .with_value("start", &input.start)
                .with_value("talk_minutes", &input.talk_minutes)
                .with_value("video_minutes", &input.video_minutes)
                .with_value("qa_minutes", &input.qa_minutes)
                .with_value("break_minutes", &input.break_minutes)
                .with_value("day_end", &input.day_end)
                .with_value("meeting_url", &input.meeting_url)
                .with_value("room", &input.room)
                .with_errors(&errors);
            board_page(
                &state,
                &ctx,
                Some(form),
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn edit_slot(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<Id>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let input = SlotInput {
        start: value(&pairs, "start"),
        talk_minutes: value(&pairs, "talk_minutes"),
        video_minutes: value(&pairs, "video_minutes"),
        qa_minutes: value(&pairs, "qa_minutes"),
        meeting_url: value(&pairs, "meeting_url"),
        room: value(&pairs, "room"),
    };
    match state
        .app
        .update_presentation_slot(id, &input, &ctx.actor())
        .await
    {
        Ok(()) => Ok(see_other(&format!("/panitia/presentasi#sesi-{id}"))),
        Err(AppError::Invalid(errors)) => {
            let form = FormState::new(ctx.tr())
                .with_value("start", &input.start)
                .with_value("talk_minutes", &input.talk_minutes)
                .with_value("video_minutes", &input.video_minutes)
                .with_value("qa_minutes", &input.qa_minutes)
                .with_value("meeting_url", &input.meeting_url)
                .with_value("room", &input.room)
                .with_errors(&errors);
            board_page(
                &state,
                &ctx,
                None,
                Some((id, form)),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn publish(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let publish = value(&pairs, "publish") == "1";
    match state
        .app
        .publish_presentation_schedule(publish, &ctx.actor())
        .await
    {
        Ok(()) => Ok(see_other("/panitia/presentasi")),
        Err(AppError::Invalid(errors)) => {
            let form = FormState::new(ctx.tr()).with_errors(&errors);
            board_page(
                &state,
                &ctx,
                Some(form),
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "presentation/judge.html")]
struct JudgePage {
    c: Chrome,
    tz: TimeZone,
    slots: Vec<Slot>,
    visits: Vec<Visit>,
}

/// The judge's own schedule: published presentation slots and assigned field visits.
pub async fn judge_schedule(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let user = ctx.user.as_ref().ok_or_else(WebError::unauthenticated)?;
    let (tz, slots) = state.app.judge_presentation_slots(user.id).await?;
    let visits = state.app.judge_field_visits(user.id).await?;
    let c = Chrome::new(&ctx, ctx.tr().get("presentation.judge_title"));
    Ok(render(&JudgePage {
        c,
        tz,
        slots,
        visits,
    }))
}

/// What the operator's proposal page shows of the later stages.
#[derive(Default)]
pub struct UnitStages {
    pub slot: Option<UnitSlot>,
    pub visit: Option<(Visit, TimeZone)>,
}

/// The published slot and the visible field visit of a proposal, for its operator.
pub(crate) async fn unit_stages(state: &AppState, ctx: &Ctx, proposal_id: Id) -> UnitStages {
    if !ctx.has_role(kolabik_domain::Role::UnitOperator) {
        return UnitStages::default();
    }
    let operator_grants: Vec<_> = ctx
        .grants
        .iter()
        .filter(|g| g.role == kolabik_domain::Role::UnitOperator)
        .cloned()
        .collect();
    let slot = state
        .app
        .unit_presentation_slot(proposal_id, &operator_grants, &ctx.actor())
        .await
        .ok();
    let visit = state
        .app
        .unit_field_visit(proposal_id, &operator_grants)
        .await
        .ok()
        .flatten();
    UnitStages { slot, visit }
}
