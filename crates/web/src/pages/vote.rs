//! Uji publik (`/uji-publik`) and the public vote "inovasi favorit" (`/favorit`): e-mail
//! verification with a one-time code (`/verifikasi-email`), the public pages, and the
//! committee's pages `/panitia/uji-publik` and `/panitia/favorit`.

use askama::Template;
use axum::Form;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kolabik_app::AppError;
use kolabik_app::store::vote::{Finalist, Objection, VoteView};
use kolabik_app::vote::{
    ObjectionInput, Patterns, TallyCategory, WINDOW_OBJECTION, WINDOW_VOTE, WindowInput, WindowView,
};
use kolabik_domain::vote::{
    OBJECTION_DECISIONS, OBJECTION_KINDS, decision_label_key, kind_label_key,
};
use kolabik_domain::{Id, TimeZone};

use super::render;
use crate::AppState;
use crate::ctx::{Ctx, cookie, see_other};
use crate::error::WebError;
use crate::forms::FormState;
use crate::view::Chrome;

/// The cookie that carries a verified address's token (SHA-256 in the database).
pub const VOTER_COOKIE: &str = "kolabik_pemilih";

fn voter_token(headers: &HeaderMap) -> Option<&str> {
    cookie(headers, VOTER_COOKIE)
}

/// Only local paths are followed after verification.
fn safe_next(next: &str) -> String {
    if next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') {
        next.to_owned()
    } else {
        "/favorit".to_owned()
    }
}

fn form_value<'a>(pairs: &'a [(String, String)], name: &str) -> &'a str {
    pairs
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

fn with_status(mut resp: Response, status: StatusCode) -> Response {
    *resp.status_mut() = status;
    resp
}

// --- verification -----------------------------------------------------------------------

#[derive(Template)]
#[template(path = "vote/verify.html")]
struct VerifyPage {
    c: Chrome,
    /// Second step: the code was sent.
    code_step: bool,
    next: String,
    form: FormState,
    notice: String,
}

#[derive(serde::Deserialize, Default)]
pub struct VerifyQuery {
    #[serde(default)]
    next: String,
}

pub async fn verify_form(ctx: Ctx, Query(q): Query<VerifyQuery>) -> Response {
    let c = Chrome::new(&ctx, ctx.tr().get("vote.verify.title"));
    render(&VerifyPage {
        c,
        code_step: false,
        next: safe_next(&q.next),
        form: FormState::new(ctx.tr()),
        notice: String::new(),
    })
}

pub async fn send_code(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let email = form_value(&pairs, "email").trim().to_owned();
    let next = safe_next(form_value(&pairs, "next"));
    let c = Chrome::new(&ctx, ctx.tr().get("vote.verify.title"));
    let form = FormState::new(ctx.tr()).with_value("email", &email);
    match state.app.request_email_code(&email, &ctx.actor()).await {
        Ok(()) => {
            let notice = c.fmt("vote.verify.sent", "email", &email);
            Ok(render(&VerifyPage {
                c,
                code_step: true,
                next,
                form,
                notice,
            }))
        }
        Err(AppError::Invalid(errors)) => Ok(with_status(
            render(&VerifyPage {
                c,
                code_step: false,
                next,
                form: form.with_errors(&errors),
                notice: String::new(),
            }),
            StatusCode::UNPROCESSABLE_ENTITY,
        )),
        Err(AppError::RateLimited { .. }) => {
            let notice = c.t("vote.rate_limited").to_owned();
            Ok(with_status(
                render(&VerifyPage {
                    c,
                    code_step: false,
                    next,
                    form,
                    notice,
                }),
                StatusCode::TOO_MANY_REQUESTS,
            ))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn check_code(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let email = form_value(&pairs, "email").trim().to_owned();
    let code = form_value(&pairs, "code").trim().to_owned();
    let next = safe_next(form_value(&pairs, "next"));
    match state
        .app
        .verify_email_code(&email, &code, &ctx.actor())
        .await
    {
        Ok(token) => {
            let mut resp = see_other(&next);
            let cookie = format!(
                "{VOTER_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{}",
                kolabik_app::vote::VERIFIED_TTL_SECS,
                if ctx.secure_cookies { "; Secure" } else { "" }
            );
            if let Ok(v) = cookie.parse() {
                resp.headers_mut().insert(header::SET_COOKIE, v);
            }
            Ok(resp)
        }
        Err(AppError::Invalid(errors)) => {
            let c = Chrome::new(&ctx, ctx.tr().get("vote.verify.title"));
            Ok(with_status(
                render(&VerifyPage {
                    c,
                    code_step: true,
                    next,
                    form: FormState::new(ctx.tr())
                        .with_value("email", &email)
                        .with_value("code", &code)
                        .with_errors(&errors),
                    notice: String::new(),
                }),
                StatusCode::UNPROCESSABLE_ENTITY,
            ))
        }
        Err(e) => Err(e.into()),
    }
}

// --- the public vote --------------------------------------------------------------------

/// One category on the vote page.
pub struct VoteCategory {
    pub tally: TallyCategory,
    pub voted: bool,
}

#[derive(Template)]
#[template(path = "vote/favorit.html")]
struct FavoritPage {
    c: Chrome,
    window: WindowView,
    tz: TimeZone,
    categories: Vec<VoteCategory>,
    verified: Option<String>,
    /// A refusal or confirmation shown at the top.
    alert: String,
    recorded: bool,
    /// The vote chain's last link (vote id, hash), published so that anyone can check
    /// later that the log was not rewritten (`kolabik audit verify --published-head`).
    chain_head: Option<(kolabik_domain::Id, String)>,
}

#[derive(serde::Deserialize, Default)]
pub struct FavoritQuery {
    #[serde(default)]
    tercatat: String,
}

async fn favorit_page(
    state: &AppState,
    ctx: &Ctx,
    headers: &HeaderMap,
    alert: String,
    recorded: bool,
) -> Result<Response, WebError> {
    let token = voter_token(headers);
    let window = state.app.public_window(WINDOW_VOTE).await?;
    let tz = state.app.ensure_current_edition().await?.time_zone;
    let verified = state.app.verified_email(token).await?;
    let voted = state.app.voted_categories(token).await?;
    let categories = state
        .app
        .tally()
        .await?
        .into_iter()
        .map(|t| VoteCategory {
            voted: voted.contains(&t.category_id),
            tally: t,
        })
        .collect();
    let chain_head = state.app.vote_chain_head().await?;
    let c = Chrome::new(ctx, ctx.tr().get("vote.title"));
    Ok(render(&FavoritPage {
        c,
        window,
        tz,
        categories,
        verified,
        alert,
        recorded,
        chain_head,
    }))
}

pub async fn favorit(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Query(q): Query<FavoritQuery>,
) -> Result<Response, WebError> {
    favorit_page(
        &state,
        &ctx,
        &headers,
        String::new(),
        !q.tercatat.is_empty(),
    )
    .await
}

pub async fn cast(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let category = form_value(&pairs, "category_id");
    let proposal = form_value(&pairs, "proposal_id");
    let result = state
        .app
        .cast_vote(voter_token(&headers), category, proposal, &ctx.actor())
        .await;
    match result {
        Ok(_) => Ok(see_other(&format!(
            "/favorit?tercatat=1#kategori-{category}"
        ))),
        Err(AppError::Invalid(errors)) => {
            let key = errors.first().map(|e| e.key).unwrap_or("error.invalid");
            let alert = ctx.tr().get(key).to_owned();
            let status = if key == "vote.already_voted" {
                StatusCode::CONFLICT
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            Ok(with_status(
                favorit_page(&state, &ctx, &headers, alert, false).await?,
                status,
            ))
        }
        Err(AppError::RateLimited { .. }) => {
            let alert = ctx.tr().get("vote.rate_limited").to_owned();
            Ok(with_status(
                favorit_page(&state, &ctx, &headers, alert, false).await?,
                StatusCode::TOO_MANY_REQUESTS,
            ))
        }
        Err(e) => Err(e.into()),
    }
}

// --- uji publik -------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "vote/uji_publik.html")]
struct UjiPublikPage {
    c: Chrome,
    window: WindowView,
    tz: TimeZone,
    finalists: Vec<Finalist>,
    answered: Vec<Objection>,
    verified: Option<String>,
    form: FormState,
    sent: bool,
    kinds: &'static [&'static str],
}

impl UjiPublikPage {
    fn kind_label(&self, code: &str) -> &str {
        self.c.t(kind_label_key(code))
    }
    fn decision_label(&self, code: &str) -> &str {
        self.c.t(decision_label_key(code))
    }
}

#[derive(serde::Deserialize, Default)]
pub struct UjiQuery {
    #[serde(default)]
    terkirim: String,
}

async fn uji_page(
    state: &AppState,
    ctx: &Ctx,
    headers: &HeaderMap,
    form: FormState,
    sent: bool,
) -> Result<Response, WebError> {
    let window = state.app.public_window(WINDOW_OBJECTION).await?;
    let tz = state.app.ensure_current_edition().await?.time_zone;
    let finalists = state.app.finalists().await?;
    let answered = state.app.objections(true).await?;
    let verified = state.app.verified_email(voter_token(headers)).await?;
    let c = Chrome::new(ctx, ctx.tr().get("objection.title"));
    Ok(render(&UjiPublikPage {
        c,
        window,
        tz,
        finalists,
        answered,
        verified,
        form,
        sent,
        kinds: OBJECTION_KINDS,
    }))
}

pub async fn uji_publik(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Query(q): Query<UjiQuery>,
) -> Result<Response, WebError> {
    let form = FormState::new(ctx.tr()).with_value("kind", "keberatan");
    uji_page(&state, &ctx, &headers, form, !q.terkirim.is_empty()).await
}

pub async fn file_objection(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    mut multipart: Multipart,
) -> Result<Response, WebError> {
    let mut input = ObjectionInput::default();
    let mut too_large = false;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(_) => {
                too_large = true;
                break;
            }
        };
        let name = field.name().unwrap_or("").to_owned();
        if name == "evidence" {
            let file_name = field.file_name().unwrap_or("bukti").to_owned();
            match field.bytes().await {
                Ok(b) => input.evidence = Some((file_name, b.to_vec())),
                Err(_) => {
                    too_large = true;
                    break;
                }
            }
        } else {
            let text = field.text().await.unwrap_or_default();
            match name.as_str() {
                "proposal_id" => input.proposal_id = text,
                "kind" => input.kind = text,
                "body" => input.body = text,
                _ => {}
            }
        }
    }
    let result = if too_large {
        Err(AppError::invalid(
            "evidence",
            "objection.evidence_too_large",
        ))
    } else {
        state
            .app
            .file_objection(voter_token(&headers), &input, &ctx.actor())
            .await
    };
    match result {
        Ok(_) => Ok(see_other("/uji-publik?terkirim=1#kirim")),
        Err(AppError::Invalid(errors)) => {
            let form = FormState::new(ctx.tr())
                .with_value("proposal_id", &input.proposal_id)
                .with_value("kind", &input.kind)
                .with_value("body", &input.body)
                .with_errors(&errors);
            Ok(with_status(
                uji_page(&state, &ctx, &headers, form, false).await?,
                StatusCode::UNPROCESSABLE_ENTITY,
            ))
        }
        Err(e) => Err(e.into()),
    }
}

// --- the committee ----------------------------------------------------------------------

fn default_window_form(ctx: &Ctx, w: &WindowView, tz: TimeZone) -> FormState {
    FormState::new(ctx.tr())
        .with_value("enabled", if w.enabled { "1" } else { "" })
        .with_value("opens", &tz.to_local(w.opens_at).to_string())
        .with_value("closes", &tz.to_local(w.closes_at).to_string())
}

fn window_input(pairs: &[(String, String)]) -> WindowInput {
    WindowInput {
        enabled: !form_value(pairs, "enabled").is_empty(),
        opens: form_value(pairs, "opens").to_owned(),
        closes: form_value(pairs, "closes").to_owned(),
    }
}

fn window_form_from(
    ctx: &Ctx,
    input: &WindowInput,
    errors: &[kolabik_app::FieldError],
) -> FormState {
    FormState::new(ctx.tr())
        .with_value("enabled", if input.enabled { "1" } else { "" })
        .with_value("opens", &input.opens)
        .with_value("closes", &input.closes)
        .with_errors(errors)
}

#[derive(Template)]
#[template(path = "vote/committee_objections.html")]
struct CommitteeObjectionsPage {
    c: Chrome,
    window: WindowView,
    window_form: FormState,
    tz: TimeZone,
    objections: Vec<Objection>,
    decisions: &'static [&'static str],
    /// (objection id, form) of a refused answer.
    answer_form: Option<(Id, FormState)>,
    saved: bool,
}

impl CommitteeObjectionsPage {
    fn kind_label(&self, code: &str) -> &str {
        self.c.t(kind_label_key(code))
    }
    fn decision_label(&self, code: &str) -> &str {
        self.c.t(decision_label_key(code))
    }
    fn answer_error(&self, id: &Id, field: &str) -> &str {
        match &self.answer_form {
            Some((i, f)) if i == id => f.error(field),
            _ => "",
        }
    }
    fn answer_value(&self, id: &Id, field: &str) -> &str {
        match &self.answer_form {
            Some((i, f)) if i == id => f.value(field),
            _ => "",
        }
    }
}

#[derive(serde::Deserialize, Default)]
pub struct SavedQuery {
    #[serde(default)]
    saved: String,
}

async fn committee_objections_page(
    state: &AppState,
    ctx: &Ctx,
    window_form: Option<FormState>,
    answer_form: Option<(Id, FormState)>,
    saved: bool,
) -> Result<Response, WebError> {
    let window = state.app.public_window(WINDOW_OBJECTION).await?;
    let tz = state.app.ensure_current_edition().await?.time_zone;
    let objections = state.app.objections(false).await?;
    let c = Chrome::new(ctx, ctx.tr().get("objection.committee.title"));
    Ok(render(&CommitteeObjectionsPage {
        window_form: window_form.unwrap_or_else(|| default_window_form(ctx, &window, tz)),
        c,
        window,
        tz,
        objections,
        decisions: OBJECTION_DECISIONS,
        answer_form,
        saved,
    }))
}

pub async fn committee_objections(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<SavedQuery>,
) -> Result<Response, WebError> {
    committee_objections_page(&state, &ctx, None, None, !q.saved.is_empty()).await
}

pub async fn save_objection_window(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let input = window_input(&pairs);
    match state
        .app
        .set_public_window(WINDOW_OBJECTION, &input, &ctx.actor())
        .await
    {
        Ok(_) => Ok(see_other("/panitia/uji-publik?saved=1")),
        Err(AppError::Invalid(errors)) => Ok(with_status(
            committee_objections_page(
                &state,
                &ctx,
                Some(window_form_from(&ctx, &input, &errors)),
                None,
                false,
            )
            .await?,
            StatusCode::UNPROCESSABLE_ENTITY,
        )),
        Err(e) => Err(e.into()),
    }
}

pub async fn answer_objection(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<Id>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let decision = form_value(&pairs, "decision");
    let answer = form_value(&pairs, "answer");
    match state
        .app
        .answer_objection(id, decision, answer, &ctx.actor())
        .await
    {
        Ok(()) => Ok(see_other(&format!(
            "/panitia/uji-publik?saved=1#keberatan-{id}"
        ))),
        Err(AppError::Invalid(errors)) => {
            let form = FormState::new(ctx.tr())
                .with_value("decision", decision)
                .with_value("answer", answer)
                .with_errors(&errors);
            Ok(with_status(
                committee_objections_page(&state, &ctx, None, Some((id, form)), false).await?,
                StatusCode::UNPROCESSABLE_ENTITY,
            ))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn evidence(
    State(state): State<AppState>,
    Path(id): Path<Id>,
) -> Result<Response, WebError> {
    let (name, content_type, bytes) = state.app.objection_evidence(id).await?;
    let disposition = format!("attachment; filename=\"{}\"", name.replace('"', "_"));
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (header::CONTENT_DISPOSITION, disposition),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "vote/committee_votes.html")]
struct CommitteeVotesPage {
    c: Chrome,
    window: WindowView,
    window_form: FormState,
    tz: TimeZone,
    patterns: Patterns,
    tally: Vec<TallyCategory>,
    votes: Vec<VoteView>,
    /// (vote id, form) of a refused void.
    void_form: Option<(Id, FormState)>,
    saved: bool,
}

impl CommitteeVotesPage {
    /// The first characters of a hash, enough to tell networks apart.
    fn short<'a>(&self, hash: &'a str) -> &'a str {
        hash.get(..10).unwrap_or(hash)
    }
    fn title_of(&self, id: &Id) -> String {
        self.tally
            .iter()
            .flat_map(|t| t.rows.iter())
            .find(|(f, _)| f.id == *id)
            .map(|(f, _)| f.title.clone())
            .unwrap_or_else(|| id.to_string())
    }
    fn void_error(&self, id: &Id) -> &str {
        match &self.void_form {
            Some((i, f)) if i == id => f.error("reason"),
            _ => "",
        }
    }
    fn void_value(&self, id: &Id) -> &str {
        match &self.void_form {
            Some((i, f)) if i == id => f.value("reason"),
            _ => "",
        }
    }
}

async fn committee_votes_page(
    state: &AppState,
    ctx: &Ctx,
    window_form: Option<FormState>,
    void_form: Option<(Id, FormState)>,
    saved: bool,
) -> Result<Response, WebError> {
    let window = state.app.public_window(WINDOW_VOTE).await?;
    let tz = state.app.ensure_current_edition().await?.time_zone;
    let patterns = state.app.vote_patterns().await?;
    let tally = state.app.tally().await?;
    let votes = state.app.recent_votes(200).await?;
    let c = Chrome::new(ctx, ctx.tr().get("vote.committee.title"));
    Ok(render(&CommitteeVotesPage {
        window_form: window_form.unwrap_or_else(|| default_window_form(ctx, &window, tz)),
        c,
        window,
        tz,
        patterns,
        tally,
        votes,
        void_form,
        saved,
    }))
}

pub async fn committee_votes(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<SavedQuery>,
) -> Result<Response, WebError> {
    committee_votes_page(&state, &ctx, None, None, !q.saved.is_empty()).await
}

pub async fn save_vote_window(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let input = window_input(&pairs);
    match state
        .app
        .set_public_window(WINDOW_VOTE, &input, &ctx.actor())
        .await
    {
        Ok(_) => Ok(see_other("/panitia/favorit?saved=1")),
        Err(AppError::Invalid(errors)) => Ok(with_status(
            committee_votes_page(
                &state,
                &ctx,
                Some(window_form_from(&ctx, &input, &errors)),
                None,
                false,
            )
            .await?,
            StatusCode::UNPROCESSABLE_ENTITY,
        )),
        Err(e) => Err(e.into()),
    }
}

pub async fn void_vote(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<Id>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let reason = form_value(&pairs, "reason");
    match state.app.void_vote(id, reason, &ctx.actor()).await {
        Ok(()) => Ok(see_other("/panitia/favorit?saved=1#suara")),
        Err(AppError::Invalid(errors)) => {
            let form = FormState::new(ctx.tr())
                .with_value("reason", reason)
                .with_errors(&errors);
            Ok(with_status(
                committee_votes_page(&state, &ctx, None, Some((id, form)), false).await?,
                StatusCode::UNPROCESSABLE_ENTITY,
            ))
        }
        Err(e) => Err(e.into()),
    }
}
