//! Field verification: the committee's list of visits with the checklist editor and the
//! scheduling forms (`/panitia/lapangan`), and the phone-friendly visit form
//! (`/lapangan/{visit}`) for the proposal's assigned judges and the committee, with photo
//! evidence.

use askama::Template;
use axum::Form;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use kolabik_app::AppError;
use kolabik_app::field::{FieldBoard, VisitDetail, VisitInput};
use kolabik_app::store::field::Visit;
use kolabik_domain::field::Finding;
use kolabik_domain::{Id, Instant, TimeZone};

use super::attachments::file_response;
use super::render;
use crate::AppState;
use crate::ctx::{Ctx, see_other};
use crate::error::WebError;
use crate::forms::FormState;
use crate::view::Chrome;

fn value(pairs: &[(String, String)], k: &str) -> String {
    pairs
        .iter()
        .find(|(n, _)| n == k)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

#[derive(Template)]
#[template(path = "field/board.html")]
struct BoardPage {
    c: Chrome,
    b: FieldBoard,
    tz: TimeZone,
    checklist_text: String,
    form: FormState,
    /// The proposal whose scheduling failed.
    failed: Option<Id>,
}

impl BoardPage {
    fn local(&self, at: &Option<Instant>) -> String {
        kolabik_app::field::local_input(self.tz, *at)
    }
    fn failed_on(&self, proposal_id: &Id) -> bool {
        self.failed == Some(*proposal_id)
    }
    fn done(&self, v: &Option<Visit>) -> bool {
        v.as_ref().is_some_and(|v| v.completed_at.is_some())
    }
    fn announced(&self, v: &Option<Visit>) -> bool {
        v.as_ref().is_none_or(|v| v.announced)
    }
}

async fn board_page(
    state: &AppState,
    ctx: &Ctx,
    form: FormState,
    failed: Option<Id>,
    checklist_text: Option<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let b = state.app.field_board(&ctx.actor()).await?;
    let tz = b.time_zone;
    let checklist_text = checklist_text.unwrap_or_else(|| {
        b.checklist
            .iter()
            .map(|i| i.label.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    });
    let c = Chrome::new(ctx, ctx.tr().get("field.title"));
    let mut r = render(&BoardPage {
        c,
        b,
        tz,
        checklist_text,
        form,
        failed,
    });
    *r.status_mut() = status;
    Ok(r)
}

pub async fn board(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let form = FormState::new(ctx.tr());
    board_page(&state, &ctx, form, None, None, StatusCode::OK).await
}

pub async fn save_checklist(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let text = value(&pairs, "items");
    match state.app.set_field_checklist(&text, &ctx.actor()).await {
        Ok(()) => Ok(see_other("/panitia/lapangan#daftar-periksa")),
        Err(AppError::Invalid(errors)) => {
            let form = FormState::new(ctx.tr()).with_errors(&errors);
            board_page(
                &state,
                &ctx,
                form,
                None,
                Some(text),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn schedule(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let proposal_id: Id = value(&pairs, "proposal_id").trim().parse().unwrap_or(0);
    let when = value(&pairs, "scheduled_at");
    let announced = value(&pairs, "announced") == "1";
    match state
        .app
        .schedule_field_visit(proposal_id, &when, announced, &ctx.actor())
        .await
    {
        Ok(_) => Ok(see_other(&format!(
            "/panitia/lapangan#usulan-{proposal_id}"
        ))),
        Err(AppError::Invalid(errors)) => {
            let form = FormState::new(ctx.tr())
                .with_value("scheduled_at", &when)
                .with_value("announced", if announced { "1" } else { "" })
                .with_errors(&errors);
            board_page(
                &state,
                &ctx,
                form,
                Some(proposal_id),
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "field/visit.html")]
struct VisitPage {
    c: Chrome,
    d: VisitDetail,
    tz: TimeZone,
    findings: Vec<(&'static str, String)>,
    form: FormState,
    max_photo_mb: usize,
    /// A confirmation after saving (catalogue key), or empty.
    notice: &'static str,
    /// A committee member may reopen this completed visit.
    may_reopen: bool,
}

impl VisitPage {
    fn is(&self, finding: &Option<Finding>, code: &str) -> bool {
        finding.is_some_and(|f| f.as_str() == code)
    }
    fn finding_label(&self, finding: &Option<Finding>) -> String {
        finding
            .map(|f| self.c.t(f.label_key()).to_owned())
            .unwrap_or_else(|| "—".to_owned())
    }
}

async fn visit_page(
    state: &AppState,
    ctx: &Ctx,
    id: Id,
    input: Option<&VisitInput>,
    form: FormState,
    notice: &'static str,
    status: StatusCode,
) -> Result<Response, WebError> {
    let mut d = state.app.field_visit(id, &ctx.actor(), &ctx.grants).await?;
    if let Some(input) = input {
        for a in &mut d.answers {
            if let Some((_, code, note)) = input.answers.iter().find(|(i, _, _)| *i == a.item_id) {
                a.finding = Finding::parse(code.trim());
                a.note = note.clone();
            }
        }
        if let Some(n) = &input.notes {
            d.visit.notes = n.clone();
        }
    }
    let tz = d.time_zone;
    let may_reopen = d.visit.completed_at.is_some()
        && !d.frozen
        && ctx.roles().contains(&kolabik_domain::Role::Committee);
    let c = Chrome::new(ctx, &d.visit.title);
    let findings = Finding::ALL
        .iter()
        .map(|f| (f.as_str(), c.t(f.label_key()).to_owned()))
        .collect();
    let mut r = render(&VisitPage {
        c,
        d,
        tz,
        findings,
        form,
        max_photo_mb: kolabik_app::field::MAX_PHOTO_BYTES / (1024 * 1024),
        notice,
        may_reopen,
    });
    *r.status_mut() = status;
    Ok(r)
}

pub async fn visit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<Id>,
    Query(q): Query<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let form = FormState::new(ctx.tr());
    let notice = if q.iter().any(|(k, _)| k == "selesai") {
        "field.completed_notice"
    } else if q.iter().any(|(k, _)| k == "dibuka") {
        "field.reopened_notice"
    } else if q.iter().any(|(k, _)| k == "tersimpan") {
        "field.saved_notice"
    } else {
        ""
    };
    visit_page(&state, &ctx, id, None, form, notice, StatusCode::OK).await
}

/// Reads `finding_<item>` and `note_<item>` pairs.
pub(crate) fn visit_input(pairs: &[(String, String)]) -> VisitInput {
    let mut answers: Vec<(Id, String, String)> = Vec::new();
    for (k, v) in pairs {
        let (id, is_note) = if let Some(id) = k.strip_prefix("finding_") {
            (id, false)
        } else if let Some(id) = k.strip_prefix("note_") {
            (id, true)
        } else {
            continue;
        };
        let Ok(id) = id.parse::<Id>() else { continue };
        let pos = match answers.iter().position(|(i, _, _)| *i == id) {
            Some(p) => p,
            None => {
                answers.push((id, String::new(), String::new()));
                answers.len() - 1
            }
        };
        if is_note {
            answers[pos].2 = v.clone();
        } else {
            answers[pos].1 = v.clone();
        }
    }
    VisitInput {
        answers,
        notes: Some(value(pairs, "notes")),
    }
}

pub async fn save(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<Id>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let input = visit_input(&pairs);
    let complete = value(&pairs, "action") == "complete";
    match state
        .app
        .save_field_visit(id, &input, complete, &ctx.actor(), &ctx.grants)
        .await
    {
        Ok(()) => Ok(see_other(&format!(
            "/lapangan/{id}?{}",
            if complete { "selesai=1" } else { "tersimpan=1" }
        ))),
        Err(AppError::Invalid(errors)) => {
            let form = FormState::new(ctx.tr()).with_errors(&errors);
            visit_page(
                &state,
                &ctx,
                id,
                Some(&input),
                form,
                "",
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// The committee reopens a completed visit (`reason` required).
pub async fn reopen(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<Id>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let reason = value(&pairs, "reason");
    match state
        .app
        .reopen_field_visit(id, &reason, &ctx.actor(), &ctx.grants)
        .await
    {
        Ok(()) => Ok(see_other(&format!("/lapangan/{id}?dibuka=1"))),
        Err(AppError::Invalid(errors)) => {
            let form = FormState::new(ctx.tr())
                .with_errors(&errors)
                .with_value("reason", &reason);
            visit_page(
                &state,
                &ctx,
                id,
                None,
                form,
                "",
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

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
    match state
        .app
        .add_field_photo(id, &name, &caption, &bytes, &ctx.actor(), &ctx.grants)
        .await
    {
        Ok(_) => Ok(see_other(&format!("/lapangan/{id}#foto"))),
        Err(AppError::Invalid(errors)) => {
            let form = FormState::new(ctx.tr())
                .with_value("caption", &caption)
                .with_errors(&errors);
            visit_page(
                &state,
                &ctx,
                id,
                None,
                form,
                "",
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn photo(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, file_id)): Path<(Id, Id)>,
) -> Result<Response, WebError> {
    let (meta, bytes) = state
        .app
        .field_photo(id, file_id, &ctx.actor(), &ctx.grants)
        .await?;
    Ok(file_response(meta, bytes))
}
