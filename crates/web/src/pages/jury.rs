//! The jury's pages. Committee: the judges pool and the edition's invitations
//! (`/panitia/juri`), conflicts and recusals (`/panitia/konflik`), the assignment of a
//! judged stage (`/panitia/penugasan/{stage}`). Judges: the invitation link
//! (`/juri/undangan/{token}`, public), the conflict-of-interest declaration
//! (`/juri/deklarasi`) and their own assignments (`/juri/penugasan/{stage}`).

use std::collections::{HashMap, HashSet};

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::Response;
use kolabik_app::jury::{
    Answered, Board, Declaration, JudgeInput, JudgeInvitationView, MyAssignments, OwnConflict,
};
use kolabik_app::store::conflicts::{ConflictFilter, ConflictRow};
use kolabik_app::store::jury::{PoolJudge, Recusal, RosterRow};
use kolabik_app::{AppError, FieldError};
use kolabik_domain::assignment::Solution;
use kolabik_domain::{ConflictSource, Id, Instant, JudgeKind, TimeZone, UnitKind};
use serde::Deserialize;

use super::render;
use crate::AppState;
use crate::ctx::{Ctx, see_other, session_cookie};
use crate::error::WebError;
use crate::forms::FormState;
use crate::view::Chrome;

type Pairs = Vec<(String, String)>;

fn get(pairs: &Pairs, k: &str) -> String {
    pairs
        .iter()
        .find(|(n, _)| n == k)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

fn ids(pairs: &Pairs, k: &str) -> Vec<Id> {
    pairs
        .iter()
        .filter(|(n, _)| n == k)
        .filter_map(|(_, v)| v.trim().parse().ok())
        .collect()
}

fn user_id(ctx: &Ctx) -> Result<Id, WebError> {
    ctx.user
        .as_ref()
        .map(|u| u.id)
        .ok_or_else(WebError::unauthenticated)
}

/// The messages of refused fields, for a notice at the top of a page.
fn alert_text(ctx: &Ctx, errors: &[FieldError]) -> String {
    let tr = ctx.tr();
    let mut out: Vec<&str> = Vec::new();
    for e in errors {
        let m = tr.get(e.key);
        if !out.contains(&m) {
            out.push(m);
        }
    }
    out.join(" ")
}

async fn tz(state: &AppState) -> Result<TimeZone, WebError> {
    Ok(state.app.ensure_current_edition().await?.time_zone)
}

/// The translated label of a unit kind code.
fn unit_kind_label(c: &Chrome, code: &str) -> String {
    UnitKind::parse(code)
        .map(|k| c.t(k.label_key()).to_owned())
        .unwrap_or_else(|| code.to_owned())
}

fn source_label(c: &Chrome, s: ConflictSource) -> String {
    c.t(match s {
        ConflictSource::Automatic => "jury.source.automatic",
        ConflictSource::Declared => "jury.source.declared",
        ConflictSource::Pinned => "jury.source.pinned",
    })
    .to_owned()
}

/// Automatic reasons are stored as codes; others are the text someone typed.
fn reason_text(c: &Chrome, source: ConflictSource, reason: &str) -> String {
    if source == ConflictSource::Automatic {
        let key = match reason {
            "tie_unit" => "jury.reason.tie_unit",
            "tie_parent" => "jury.reason.tie_parent",
            "tie_child" => "jury.reason.tie_child",
            "institution" => "jury.reason.institution",
            "earlier_visit" => "jury.reason.earlier_visit",
            _ => return reason.to_owned(),
        };
        return c.t(key).to_owned();
    }
    if source == ConflictSource::Declared && reason == "declared" {
        return c.t("jury.reason.declared").to_owned();
    }
    reason.to_owned()
}

fn state_label(c: &Chrome, state: Option<&str>) -> String {
    c.t(match state {
        Some("invited") => "jury.state.invited",
        Some("active") => "jury.state.active",
        Some("declined") => "jury.state.declined",
        _ => "jury.state.none",
    })
    .to_owned()
}

// --- committee recusals, for other pages ---------------------------------------------

/// Proposals the signed-in committee member is recused from (empty for anyone else).
/// Lists leave them out.
pub async fn recused(state: &AppState, ctx: &Ctx) -> Result<HashSet<Id>, WebError> {
    match &ctx.user {
        Some(u) => Ok(state.app.committee_hidden_proposals(u.id).await?),
        None => Ok(HashSet::new()),
    }
}

/// `404` when the signed-in committee member is recused from the proposal: their deputy
/// acts for it, and they do not see it.
pub async fn refuse_recused(state: &AppState, ctx: &Ctx, proposal_id: Id) -> Result<(), WebError> {
    if recused(state, ctx).await?.contains(&proposal_id) {
        return Err(WebError::not_found());
    }
    Ok(())
}

// --- the pool -------------------------------------------------------------------------

/// A unit of the registry in the ties picker.
pub struct UnitOpt {
    pub id: Id,
    pub name: String,
    pub kind: String,
    pub selected: bool,
}

async fn unit_opts(
    state: &AppState,
    c: &Chrome,
    selected: &[Id],
) -> Result<Vec<UnitOpt>, WebError> {
    Ok(state
        .app
        .unit_choices()
        .await?
        .into_iter()
        .map(|(id, name, kind)| UnitOpt {
            id,
            name,
            kind: unit_kind_label(c, &kind),
            selected: selected.contains(&id),
        })
        .collect())
}

/// One row of the pool table.
pub struct PoolRow {
    pub judge: PoolJudge,
    pub state: String,
    /// The invitation can be sent (again).
    pub can_invite: bool,
    pub invited: bool,
    pub declared: bool,
    pub expires_at: Option<Instant>,
}

#[derive(Template)]
#[template(path = "jury/pool.html")]
struct PoolPage {
    c: Chrome,
    rows: Vec<PoolRow>,
    edition_name: String,
    form: FormState,
    units: Vec<UnitOpt>,
    kinds: Vec<(&'static str, String)>,
    notice: Option<String>,
    tz: TimeZone,
}

fn kinds(c: &Chrome) -> Vec<(&'static str, String)> {
    JudgeKind::ALL
        .iter()
        .map(|k| (k.as_str(), c.t(k.label_key()).to_owned()))
        .collect()
}

async fn pool_page(
    state: &AppState,
    ctx: &Ctx,
    form: FormState,
    selected: Vec<Id>,
    notice: Option<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let (edition, roster) = state.app.judge_roster().await?;
    let pool = state.app.judge_pool().await?;
    let c = Chrome::new(ctx, ctx.tr().get("jury.pool.title"));
    let by_id: HashMap<Id, &RosterRow> = roster.iter().map(|r| (r.judge_id, r)).collect();
    let rows = pool
        .into_iter()
        .map(|judge| {
            let r = by_id.get(&judge.judge_id);
            let st = r.and_then(|r| r.state());
            PoolRow {
                state: state_label(&c, st),
                can_invite: st != Some("active"),
                invited: st.is_some(),
                declared: r.is_some_and(|r| r.declared()),
                expires_at: r
                    .and_then(|r| r.seat.as_ref())
                    .filter(|s| s.state == "invited")
                    .and_then(|s| s.expires_at),
                judge,
            }
        })
        .collect();
    let units = unit_opts(state, &c, &selected).await?;
    let mut resp = render(&PoolPage {
        kinds: kinds(&c),
        c,
        rows,
        edition_name: edition.name,
        form,
        units,
        notice,
        tz: edition.time_zone,
    });
    *resp.status_mut() = status;
    Ok(resp)
}

pub async fn pool(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let form = FormState::new(ctx.tr()).with_value("kind", "academic");
    pool_page(&state, &ctx, form, Vec::new(), None, StatusCode::OK).await
}

fn judge_input(pairs: &Pairs) -> JudgeInput {
    JudgeInput {
        name: get(pairs, "name"),
        email: get(pairs, "email"),
        kind: get(pairs, "kind"),
        institution: get(pairs, "institution"),
        expertise: get(pairs, "expertise"),
        unit_ids: ids(pairs, "unit_ids"),
        institution_ties: get(pairs, "institution_ties"),
    }
}

fn judge_form(ctx: &Ctx, i: &JudgeInput) -> FormState {
    FormState::new(ctx.tr())
        .with_value("name", &i.name)
        .with_value("email", &i.email)
        .with_value("kind", &i.kind)
        .with_value("institution", &i.institution)
        .with_value("expertise", &i.expertise)
        .with_value("institution_ties", &i.institution_ties)
}

pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(pairs): Form<Pairs>,
) -> Result<Response, WebError> {
    let input = judge_input(&pairs);
    match state.app.save_judge(None, &input, &ctx.actor()).await {
        Ok(_) => Ok(see_other("/panitia/juri")),
        Err(AppError::Invalid(errors)) => {
            let form = judge_form(&ctx, &input).with_errors(&errors);
            pool_page(
                &state,
                &ctx,
                form,
                input.unit_ids,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "jury/judge_edit.html")]
struct EditPage {
    c: Chrome,
    judge: PoolJudge,
    form: FormState,
    units: Vec<UnitOpt>,
    kinds: Vec<(&'static str, String)>,
}

async fn edit_page(
    state: &AppState,
    ctx: &Ctx,
    judge: PoolJudge,
    form: FormState,
    selected: Vec<Id>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let c = Chrome::new(ctx, ctx.tr().get("jury.pool.edit"));
    let units = unit_opts(state, &c, &selected).await?;
    let mut resp = render(&EditPage {
        kinds: kinds(&c),
        c,
        judge,
        form,
        units,
    });
    *resp.status_mut() = status;
    Ok(resp)
}

pub async fn edit_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<Id>,
) -> Result<Response, WebError> {
    let j = state.app.pool_judge(id).await?;
    let form = FormState::new(ctx.tr())
        .with_value("name", &j.name)
        .with_value("email", &j.email)
        .with_value("kind", j.kind.as_str())
        .with_value("institution", &j.institution)
        .with_value("expertise", &j.expertise.join("\n"))
        .with_value("institution_ties", &j.institution_ties.join("\n"));
    let selected = j.unit_ties.iter().map(|(id, _)| *id).collect();
    edit_page(&state, &ctx, j, form, selected, StatusCode::OK).await
}

pub async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<Id>,
    Form(pairs): Form<Pairs>,
) -> Result<Response, WebError> {
    let input = judge_input(&pairs);
    match state.app.save_judge(Some(id), &input, &ctx.actor()).await {
        Ok(_) => Ok(see_other("/panitia/juri")),
        Err(AppError::Invalid(errors)) => {
            let j = state.app.pool_judge(id).await?;
            let form = judge_form(&ctx, &input).with_errors(&errors);
            edit_page(
                &state,
                &ctx,
                j,
                form,
                input.unit_ids,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn invite(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<Id>,
) -> Result<Response, WebError> {
    match state.app.invite_judge(id, &ctx.actor()).await {
        Ok(()) => Ok(see_other("/panitia/juri")),
        Err(AppError::Invalid(errors)) => {
            let notice = Some(alert_text(&ctx, &errors));
            let form = FormState::new(ctx.tr()).with_value("kind", "academic");
            pool_page(
                &state,
                &ctx,
                form,
                Vec::new(),
                notice,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

// --- the invitation link --------------------------------------------------------------

#[derive(Template)]
#[template(path = "jury/invitation.html")]
struct InvitationPage {
    c: Chrome,
    v: JudgeInvitationView,
    token: String,
    form: FormState,
    expires: String,
}

async fn invitation_page(
    state: &AppState,
    ctx: &Ctx,
    token: String,
    form: FormState,
    status: StatusCode,
) -> Result<Response, WebError> {
    let v = state.app.judge_invitation(&token).await?;
    let tz = tz(state).await?;
    let expires = v
        .expires_at
        .map(|at| tz.format(at, ctx.lang))
        .unwrap_or_default();
    let mut resp = render(&InvitationPage {
        c: Chrome::new(ctx, ctx.tr().get("jury.invitation.title")),
        v,
        token,
        form,
        expires,
    });
    *resp.status_mut() = status;
    Ok(resp)
}

pub async fn invitation(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    let form = FormState::new(ctx.tr());
    invitation_page(&state, &ctx, token, form, StatusCode::OK).await
}

#[derive(Deserialize)]
pub struct AnswerForm {
    #[serde(default)]
    answer: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
}

pub async fn answer(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
    Form(f): Form<AnswerForm>,
) -> Result<Response, WebError> {
    let accept = f.answer != "decline";
    match state
        .app
        .answer_judge_invitation(&token, accept, &f.password, &f.confirm, &ctx.actor())
        .await
    {
        Ok(Answered::SignedIn(session)) => {
            let mut response = see_other("/juri/deklarasi");
            if let Ok(v) = session_cookie(&session, ctx.secure_cookies).parse() {
                response.headers_mut().append(header::SET_COOKIE, v);
            }
            Ok(response)
        }
        Ok(Answered::SignInYourself) => Ok(see_other("/masuk?next=/juri/deklarasi")),
        Ok(Answered::Declined) => Ok(see_other("/?juri=ditolak")),
        Err(AppError::Invalid(errors)) => {
            let form = FormState::new(ctx.tr()).with_errors(&errors);
            invitation_page(&state, &ctx, token, form, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}

// --- the declaration ------------------------------------------------------------------

/// Units of one kind on the declaration page.
pub struct UnitGroup {
    pub label: String,
    /// (unit, ticked in the form being corrected)
    pub units: Vec<(kolabik_app::jury::DeclarationUnit, bool)>,
}

#[derive(Template)]
#[template(path = "jury/declaration.html")]
struct DeclarationPage {
    c: Chrome,
    groups: Vec<UnitGroup>,
    declared_at: Option<Instant>,
    note: String,
    own: Vec<(OwnConflict, String, String)>,
    form: FormState,
    tz: TimeZone,
}

async fn declaration_page(
    state: &AppState,
    ctx: &Ctx,
    form: FormState,
    ticked: Vec<Id>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let uid = user_id(ctx)?;
    let d: Declaration = state.app.declaration(uid).await?;
    let own = state.app.own_conflicts(uid).await?;
    let c = Chrome::new(ctx, ctx.tr().get("jury.declaration.title"));
    let mut groups: Vec<UnitGroup> = Vec::new();
    for kind in UnitKind::ALL {
        let units: Vec<_> = d
            .units
            .iter()
            .filter(|u| u.kind == kind.as_str())
            .map(|u| (u.clone(), ticked.contains(&u.unit_id)))
            .collect();
        if !units.is_empty() {
            groups.push(UnitGroup {
                label: c.t(kind.label_key()).to_owned(),
                units,
            });
        }
    }
    let own = own
        .into_iter()
        .map(|o| {
            let s = source_label(&c, o.source);
            let r = reason_text(&c, o.source, &o.reason);
            (o, s, r)
        })
        .collect();
    let mut resp = render(&DeclarationPage {
        c,
        groups,
        declared_at: d.seat.declared_at,
        note: d.seat.declaration_note,
        own,
        form,
        tz: tz(state).await?,
    });
    *resp.status_mut() = status;
    Ok(resp)
}

pub async fn declaration(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let form = FormState::new(ctx.tr());
    declaration_page(&state, &ctx, form, Vec::new(), StatusCode::OK).await
}

pub async fn declare(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(pairs): Form<Pairs>,
) -> Result<Response, WebError> {
    let uid = user_id(&ctx)?;
    let units = ids(&pairs, "unit_ids");
    let note = get(&pairs, "note");
    let confirmed = !get(&pairs, "confirm").is_empty();
    match state
        .app
        .declare(uid, &units, &note, confirmed, &ctx.actor())
        .await
    {
        Ok(_) => Ok(see_other("/juri/deklarasi?tersimpan=1")),
        Err(AppError::Invalid(errors)) => {
            let form = FormState::new(ctx.tr())
                .with_value("note", &note)
                .with_errors(&errors);
            declaration_page(&state, &ctx, form, units, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}

// --- the judge's own assignments ------------------------------------------------------

#[derive(Template)]
#[template(path = "jury/my_assignments.html")]
struct MyPage {
    c: Chrome,
    m: MyAssignments,
    stage_label: String,
}

pub async fn my_assignments(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(stage): Path<String>,
) -> Result<Response, WebError> {
    let uid = user_id(&ctx)?;
    let m = state.app.my_assignments(uid, &stage).await?;
    let c = Chrome::new(&ctx, ctx.tr().get("jury.my.title"));
    let stage_label = c.t(m.kind.label_key()).to_owned();
    Ok(render(&MyPage { c, m, stage_label }))
}

// --- conflicts and recusals -----------------------------------------------------------

#[derive(Deserialize, Default)]
pub struct ConflictQuery {
    #[serde(default)]
    source: String,
    #[serde(default)]
    active: String,
    #[serde(default)]
    judge: String,
}

/// A conflict row with its labels.
pub struct ConflictView {
    pub row: ConflictRow,
    pub source: String,
    pub reason: String,
}

#[derive(Template)]
#[template(path = "jury/conflicts.html")]
struct ConflictsPage {
    c: Chrome,
    rows: Vec<ConflictView>,
    q: ConflictQuery,
    judges: Vec<(Id, String)>,
    proposals: Vec<(Id, String)>,
    members: Vec<(Id, String)>,
    recusals: Vec<Recusal>,
    me: Id,
    sources: Vec<(&'static str, String)>,
    notice: Option<String>,
    tz: TimeZone,
}

async fn conflicts_page(
    state: &AppState,
    ctx: &Ctx,
    q: ConflictQuery,
    notice: Option<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let me = user_id(ctx)?;
    let filter = ConflictFilter {
        source: ConflictSource::parse(&q.source),
        active: match q.active.as_str() {
            "1" => Some(true),
            "0" => Some(false),
            _ => None,
        },
        judge_id: q.judge.parse().ok(),
        proposal_id: None,
    };
    let rows = state.app.conflicts(&filter, Some(me)).await?;
    let c = Chrome::new(ctx, ctx.tr().get("jury.conflicts.title"));
    let rows = rows
        .into_iter()
        .map(|row| ConflictView {
            source: source_label(&c, row.source),
            reason: reason_text(&c, row.source, &row.reason),
            row,
        })
        .collect();
    let judges = state
        .app
        .judge_pool()
        .await?
        .into_iter()
        .map(|j| (j.judge_id, j.name))
        .collect();
    let proposals = state
        .app
        .jury_proposals(Some(me))
        .await?
        .into_iter()
        .map(|p| (p.id, p.title))
        .collect();
    let members = state
        .app
        .committee_members()
        .await?
        .into_iter()
        .filter(|(id, _)| *id != me)
        .collect();
    let recusals = state.app.recusals().await?;
    let sources = ConflictSource::ALL
        .iter()
        .map(|s| (s.as_str(), source_label(&c, *s)))
        .collect();
    let mut resp = render(&ConflictsPage {
        c,
        rows,
        q,
        judges,
        proposals,
        members,
        recusals,
        me,
        sources,
        notice,
        tz: tz(state).await?,
    });
    *resp.status_mut() = status;
    Ok(resp)
}

pub async fn conflicts(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ConflictQuery>,
) -> Result<Response, WebError> {
    conflicts_page(&state, &ctx, q, None, StatusCode::OK).await
}

async fn conflicts_outcome(
    state: &AppState,
    ctx: &Ctx,
    r: Result<(), AppError>,
) -> Result<Response, WebError> {
    match r {
        Ok(()) => Ok(see_other("/panitia/konflik")),
        Err(AppError::Invalid(errors)) => {
            let notice = Some(alert_text(ctx, &errors));
            conflicts_page(
                state,
                ctx,
                ConflictQuery::default(),
                notice,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn pin(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(pairs): Form<Pairs>,
) -> Result<Response, WebError> {
    let judge = get(&pairs, "judge_id").parse().unwrap_or(0);
    let proposal = get(&pairs, "proposal_id").parse().unwrap_or(0);
    let reason = get(&pairs, "reason");
    let r = if judge == 0 {
        Err(AppError::invalid("judge_id", "jury.error.not_active"))
    } else {
        state
            .app
            .pin_conflict(judge, proposal, &reason, &ctx.actor())
            .await
            .map(|_| ())
    };
    conflicts_outcome(&state, &ctx, r).await
}

pub async fn lift(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<Id>,
    Form(pairs): Form<Pairs>,
) -> Result<Response, WebError> {
    let r = state
        .app
        .lift_conflict(id, &get(&pairs, "reason"), &ctx.actor(), &ctx.grants)
        .await;
    conflicts_outcome(&state, &ctx, r).await
}

pub async fn recuse(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(pairs): Form<Pairs>,
) -> Result<Response, WebError> {
    let proposal = get(&pairs, "proposal_id").parse().unwrap_or(0);
    let deputy = get(&pairs, "deputy_user_id").parse().ok();
    let r = state
        .app
        .recuse(proposal, deputy, &get(&pairs, "reason"), &ctx.actor())
        .await
        .map(|_| ());
    conflicts_outcome(&state, &ctx, r).await
}

pub async fn lift_recusal(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<Id>,
) -> Result<Response, WebError> {
    let r = state.app.lift_recusal(id, &ctx.actor()).await;
    conflicts_outcome(&state, &ctx, r).await
}

// --- assignment -----------------------------------------------------------------------

/// One proposal of the board with its panel.
pub struct BoardRow {
    pub id: Id,
    pub title: String,
    pub unit_name: String,
    pub category: String,
    /// (assignment id, judge name, kind label, manual, affinity)
    pub panel: Vec<(Id, String, String, bool, i64)>,
    pub academic: usize,
    pub practitioner: usize,
    /// Judges that may be added by hand: active, not conflicted, not assigned.
    pub addable: Vec<(Id, String)>,
    pub short: bool,
}

#[derive(Template)]
#[template(path = "jury/assignment.html")]
struct BoardPage {
    c: Chrome,
    b: Board,
    code: String,
    stage_label: String,
    rows: Vec<BoardRow>,
    /// (judge name, kind label, load, max)
    loads: Vec<(String, String, usize, i64)>,
    running: bool,
    /// (judge name, load, max) from the latest run's report
    report_loads: Vec<(String, u64, i64)>,
    /// (proposal title, affinity, judge names)
    report_proposals: Vec<(String, i64, String)>,
    /// (proposal title, why)
    report_uncovered: Vec<(String, String)>,
    notice: Option<String>,
    tz: TimeZone,
}

async fn board_page(
    state: &AppState,
    ctx: &Ctx,
    code: String,
    notice: Option<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let me = user_id(ctx)?;
    let b = state.app.assignment_board(&code, Some(me)).await?;
    let c = Chrome::new(ctx, ctx.tr().get("jury.assign.title"));
    let stage_label = c.t(b.stage.kind.label_key()).to_owned();
    let judge_of: HashMap<Id, &RosterRow> = b.judges.iter().map(|j| (j.judge_id, j)).collect();
    let pool: HashMap<Id, String> = state
        .app
        .judge_pool()
        .await?
        .into_iter()
        .map(|j| (j.judge_id, j.name))
        .collect();
    let name_of = |id: Id| pool.get(&id).cloned().unwrap_or_else(|| format!("#{id}"));
    let mut rows = Vec::new();
    for p in &b.proposals {
        let mine: Vec<_> = b
            .assignments
            .iter()
            .filter(|a| a.proposal_id == p.id)
            .collect();
        let assigned: HashSet<Id> = mine.iter().map(|a| a.judge_id).collect();
        let mut academic = 0;
        let mut practitioner = 0;
        let panel = mine
            .iter()
            .map(|a| {
                let kind = judge_of.get(&a.judge_id).map(|j| j.kind);
                match kind {
                    Some(JudgeKind::Academic) => academic += 1,
                    Some(JudgeKind::Practitioner) => practitioner += 1,
                    None => {}
                }
                (
                    a.id,
                    name_of(a.judge_id),
                    kind.map(|k| c.t(k.label_key()).to_owned())
                        .unwrap_or_default(),
                    a.manual,
                    a.affinity,
                )
            })
            .collect::<Vec<_>>();
        let addable = b
            .judges
            .iter()
            .filter(|j| !assigned.contains(&j.judge_id))
            .filter(|j| !b.conflicts.contains(&(j.judge_id, p.id)))
            .map(|j| (j.judge_id, j.name.clone()))
            .collect();
        let short = i64::try_from(panel.len()).unwrap_or(0) < b.rules.reviews
            || i64::try_from(academic).unwrap_or(0) < b.rules.min_academic
            || i64::try_from(practitioner).unwrap_or(0) < b.rules.min_practitioner;
        rows.push(BoardRow {
            id: p.id,
            title: p.title.clone(),
            unit_name: p.unit_name.clone(),
            category: p.category_name.clone().unwrap_or_default(),
            panel,
            academic,
            practitioner,
            addable,
            short,
        });
    }
    let loads = b
        .judges
        .iter()
        .map(|j| {
            (
                j.name.clone(),
                c.t(j.kind.label_key()).to_owned(),
                b.assignments
                    .iter()
                    .filter(|a| a.judge_id == j.judge_id)
                    .count(),
                b.rules.max_load,
            )
        })
        .collect();
    // A run whose task died with its node (restart) would otherwise poll forever.
    let now = state.app.now();
    let running = b.latest_run.as_ref().is_some_and(|r| {
        (r.state == "queued" || r.state == "running")
            && now.millis() - r.created_at.millis() < 10 * 60 * 1000
    });
    let titles: HashMap<String, String> = b
        .proposals
        .iter()
        .map(|p| (p.id.to_string(), p.title.clone()))
        .collect();
    let (report_loads, report_proposals, report_uncovered) = match &b.solution {
        Some(s) => report_views(s, &pool, &titles),
        None => (Vec::new(), Vec::new(), Vec::new()),
    };
    let tz = b.edition.time_zone;
    let mut resp = render(&BoardPage {
        c,
        b,
        code,
        stage_label,
        rows,
        loads,
        running,
        report_loads,
        report_proposals,
        report_uncovered,
        notice,
        tz,
    });
    *resp.status_mut() = status;
    Ok(resp)
}

type ReportViews = (
    Vec<(String, u64, i64)>,
    Vec<(String, i64, String)>,
    Vec<(String, String)>,
);

fn report_views(
    s: &Solution,
    pool: &HashMap<Id, String>,
    titles: &HashMap<String, String>,
) -> ReportViews {
    let judge = |id: &str| {
        id.parse::<Id>()
            .ok()
            .and_then(|i| pool.get(&i).cloned())
            .unwrap_or_else(|| id.to_owned())
    };
    // Proposals hidden from the viewer (recusal) stay out of the report too.
    let loads = s
        .loads
        .iter()
        .map(|l| (judge(&l.judge), l.load, l.max_load))
        .collect();
    let proposals = s
        .per_proposal
        .iter()
        .filter_map(|p| {
            let title = titles.get(&p.proposal)?;
            let names: Vec<String> = p.judges.iter().map(|j| judge(j)).collect();
            Some((title.clone(), p.affinity, names.join(", ")))
        })
        .collect();
    let uncovered = s
        .uncovered
        .iter()
        .filter_map(|u| Some((titles.get(&u.proposal)?.clone(), u.why.clone())))
        .collect();
    (loads, proposals, uncovered)
}

pub async fn board(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(stage): Path<String>,
) -> Result<Response, WebError> {
    board_page(&state, &ctx, stage, None, StatusCode::OK).await
}

async fn board_outcome(
    state: &AppState,
    ctx: &Ctx,
    code: String,
    r: Result<(), AppError>,
) -> Result<Response, WebError> {
    match r {
        Ok(()) => Ok(see_other(&format!("/panitia/penugasan/{code}"))),
        Err(AppError::Invalid(errors)) => {
            let notice = Some(alert_text(ctx, &errors));
            board_page(state, ctx, code, notice, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn start_run(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(stage): Path<String>,
) -> Result<Response, WebError> {
    let r = state
        .app
        .start_assignment_run(&stage, &ctx.actor())
        .await
        .map(|_| ());
    board_outcome(&state, &ctx, stage, r).await
}

pub async fn apply_run(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(stage): Path<String>,
    Form(pairs): Form<Pairs>,
) -> Result<Response, WebError> {
    let run = get(&pairs, "run_id").parse().unwrap_or(0);
    let r = state
        .app
        .apply_assignment_run(&stage, run, &ctx.actor())
        .await
        .map(|_| ());
    board_outcome(&state, &ctx, stage, r).await
}

pub async fn add(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(stage): Path<String>,
    Form(pairs): Form<Pairs>,
) -> Result<Response, WebError> {
    let judge = get(&pairs, "judge_id").parse().unwrap_or(0);
    let proposal = get(&pairs, "proposal_id").parse().unwrap_or(0);
    let r = state
        .app
        .add_assignment(&stage, judge, proposal, &ctx.actor())
        .await
        .map(|_| ());
    board_outcome(&state, &ctx, stage, r).await
}

pub async fn remove(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(stage): Path<String>,
    Form(pairs): Form<Pairs>,
) -> Result<Response, WebError> {
    let id = get(&pairs, "assignment_id").parse().unwrap_or(0);
    let r = state.app.remove_assignment(&stage, id, &ctx.actor()).await;
    board_outcome(&state, &ctx, stage, r).await
}
