//! Notifications: e-mail through the outbox, in-app notices, and deadline reminders.
//!
//! A use case that wants to tell someone something calls `App::queue_email` inside its own
//! transaction: the message is rendered from `mail/id.toml` and written to `outbox`, so it
//! exists exactly when the change that caused it does. `App::deliver_pending` (run by a
//! background task of `kolabik serve`) hands due messages to a `Mailer`: SMTP when one is
//! configured, otherwise `KeepMailer`, which keeps them for the committee's mailbox page so
//! that every e-mail flow can be tried offline.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::OnceLock;
use std::time::Duration;

use kolabik_domain::{Id, Instant, Lang, MailState, ProposalState, Stage, StageKind, StageStatus};
use kolabik_store::notifications::{self, NewMail, NewNotice, OutboxMessage};
use kolabik_store::{Page, Paged, Tx, editions};
use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde_json::json;

use crate::dashboard::counts_as_submitted;
use crate::{Actor, App, AppError, record};

const MAIL_TEXTS: &str = include_str!("../mail/id.toml");

/// Messages claimed per round trip to the database.
const BATCH: i64 = 20;
/// A claimed message is not offered to another node for this long.
const LEASE_SECS: i64 = 600;
const DAY_MS: i64 = 24 * 3600 * 1000;

/// Catalogue keys (in the web catalogue) of the in-app notices this module writes.
pub const NOTICE_KEYS: &[&str] = &["notice.deadline_reminder"];

/// The kinds of e-mail Kolabik sends; each has a subject and a body in `mail/id.toml`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailKind {
    AccountCreated,
    PasswordReset,
    DeadlineReminder,
    SubmissionReceipt,
    ApprovalRequested,
    ProposalReturned,
    ScreeningResult,
    Invitation,
    JudgeInvitation,
    VerificationCode,
    ObjectionAnswered,
}

impl MailKind {
    pub const ALL: &'static [MailKind] = &[
        MailKind::AccountCreated,
        MailKind::PasswordReset,
        MailKind::DeadlineReminder,
        MailKind::SubmissionReceipt,
        MailKind::ApprovalRequested,
        MailKind::ProposalReturned,
        MailKind::ScreeningResult,
        MailKind::Invitation,
        MailKind::JudgeInvitation,
        MailKind::VerificationCode,
        MailKind::ObjectionAnswered,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            MailKind::AccountCreated => "account_created",
            MailKind::PasswordReset => "password_reset",
            MailKind::DeadlineReminder => "deadline_reminder",
            MailKind::SubmissionReceipt => "submission_receipt",
            MailKind::ApprovalRequested => "approval_requested",
            MailKind::ProposalReturned => "proposal_returned",
            MailKind::ScreeningResult => "screening_result",
            MailKind::Invitation => "invitation",
            MailKind::JudgeInvitation => "judge_invitation",
            MailKind::VerificationCode => "verification_code",
            MailKind::ObjectionAnswered => "objection_answered",
        }
    }
}

/// kind → (subject, body) templates.
fn templates() -> &'static HashMap<String, (String, String)> {
    static TEXTS: OnceLock<HashMap<String, (String, String)>> = OnceLock::new();
    TEXTS.get_or_init(|| {
        let mut out = HashMap::new();
        // Compiled in and checked by a unit test; a defect shows as a render error, not a crash.
        if let Ok(table) = MAIL_TEXTS.parse::<toml::Table>() {
            for (kind, v) in table {
                let get = |k: &str| v.get(k).and_then(|s| s.as_str()).map(str::to_owned);
                if let (Some(subject), Some(body)) = (get("subject"), get("body")) {
                    out.insert(kind, (subject, body));
                }
            }
        }
        out
    })
}

fn fill(template: &str, params: &[(&str, &str)]) -> String {
    let mut s = template.to_owned();
    for (name, value) in params {
        s = s.replace(&format!("{{{name}}}"), value);
    }
    s
}

/// A phrase from a table of `mail/id.toml` that is not an e-mail (e.g. the outcome words
/// filled into the screening result).
pub fn mail_phrase(table: &str, key: &str) -> Result<String, AppError> {
    MAIL_TEXTS
        .parse::<toml::Table>()
        .ok()
        .and_then(|t| {
            t.get(table)
                .and_then(|v| v.get(key))
                .and_then(|v| v.as_str())
                .map(str::to_owned)
        })
        .ok_or_else(|| AppError::Internal(format!("no mail phrase {table}.{key}")))
}

/// The subject and body of one e-mail, with `{name}` placeholders filled.
pub fn render_mail(kind: MailKind, params: &[(&str, &str)]) -> Result<(String, String), AppError> {
    let (subject, body) = templates()
        .get(kind.as_str())
        .ok_or_else(|| AppError::Internal(format!("no e-mail text for {}", kind.as_str())))?;
    Ok((
        fill(subject, params).trim().to_owned(),
        fill(body, params).trim_start().to_owned(),
    ))
}

// --- mailers ----------------------------------------------------------------------------

/// One message as handed to a mailer.
#[derive(Debug, Clone)]
pub struct OutgoingMail {
    pub id: Id,
    pub to: String,
    pub subject: String,
    pub body: String,
}

/// What became of a message handed to a mailer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// Accepted by the SMTP server.
    Sent,
    /// Kept in the outbox for the mailbox page (no SMTP server configured).
    Kept,
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// Worth retrying: the server is unreachable or answered 4xx.
    #[error("temporary SMTP failure: {0}")]
    Transient(String),
    /// Will never succeed: a 5xx answer or an unusable address.
    #[error("permanent SMTP failure: {0}")]
    Permanent(String),
    #[error("invalid mail configuration: {0}")]
    Config(String),
}

pub type MailFuture<'a> = Pin<Box<dyn Future<Output = Result<Delivery, MailError>> + Send + 'a>>;

/// Where outgoing e-mail goes.
pub trait Mailer: Send + Sync {
    fn deliver<'a>(&'a self, mail: &'a OutgoingMail) -> MailFuture<'a>;
}

/// No SMTP server: every message stays in the outbox as `kept`.
#[derive(Debug, Clone, Copy, Default)]
pub struct KeepMailer;

impl Mailer for KeepMailer {
    fn deliver<'a>(&'a self, _mail: &'a OutgoingMail) -> MailFuture<'a> {
        Box::pin(async { Ok(Delivery::Kept) })
    }
}

/// SMTP through lettre. `smtp://host:port` speaks plain SMTP, `smtp://…?tls=required`
/// upgrades with STARTTLS, `smtps://` wraps in TLS (rustls); `user:pass@` authenticates.
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl SmtpMailer {
    pub fn new(url: &str, from: &str) -> Result<SmtpMailer, MailError> {
        let from: Mailbox = from
            .parse()
            .map_err(|e| MailError::Config(format!("sender {from:?}: {e}")))?;
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| MailError::Config(format!("SMTP URL: {e}")))?
            .timeout(Some(Duration::from_secs(30)))
            .build();
        Ok(SmtpMailer { transport, from })
    }
}

impl Mailer for SmtpMailer {
    fn deliver<'a>(&'a self, mail: &'a OutgoingMail) -> MailFuture<'a> {
        Box::pin(async move {
            let to: Mailbox = mail
                .to
                .parse()
                .map_err(|e| MailError::Permanent(format!("recipient {:?}: {e}", mail.to)))?;
            let message = Message::builder()
                .from(self.from.clone())
                .to(to)
                .subject(mail.subject.clone())
                .message_id(None)
                .header(ContentType::TEXT_PLAIN)
                .body(mail.body.clone())
                .map_err(|e| MailError::Permanent(e.to_string()))?;
            match self.transport.send(message).await {
                Ok(_) => Ok(Delivery::Sent),
                Err(e) if e.is_permanent() => Err(MailError::Permanent(e.to_string())),
                Err(e) => Err(MailError::Transient(e.to_string())),
            }
        })
    }
}

/// What one `deliver_pending` run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliveryReport {
    pub sent: usize,
    pub kept: usize,
    pub retrying: usize,
    pub failed: usize,
}

/// Which reminder is due for a submission stage at `now`: `("h1", 1)` from 24 h before it
/// closes, `("h7", 7)` from 7 × 24 h before, none once it has closed. Only the latest due
/// reminder is sent: a server that was down at H-7 does not send two at H-1.
pub fn due_reminder(stage: &Stage, now: Instant) -> Option<(&'static str, i64)> {
    if stage.status(now) == StageStatus::Closed {
        return None;
    }
    let closes = stage.closes_at.millis();
    if now.millis() >= closes - DAY_MS {
        Some(("h1", 1))
    } else if now.millis() >= closes - 7 * DAY_MS {
        Some(("h7", 7))
    } else {
        None
    }
}

impl App {
    /// Renders an e-mail of `kind` and queues it inside the caller's transaction. `params`
    /// fill the text's placeholders; `site_url` and `login_url` are always available.
    /// With a `dedupe` key already in the outbox nothing is written and `None` returned.
    #[allow(clippy::too_many_arguments)]
    pub async fn queue_email(
        &self,
        tx: &mut Tx,
        kind: MailKind,
        to: &str,
        to_user_id: Option<Id>,
        params: &[(&str, &str)],
        dedupe: Option<&str>,
        actor: &Actor,
        now: Instant,
    ) -> Result<Option<Id>, AppError> {
        let login_url = format!("{}/masuk", self.site_url());
        let mut all: Vec<(&str, &str)> =
            vec![("site_url", self.site_url()), ("login_url", &login_url)];
        all.extend_from_slice(params);
        let (subject, body) = render_mail(kind, &all)?;
        let id = notifications::enqueue(
            &mut **tx,
            NewMail {
                kind: kind.as_str(),
                to_email: to,
                to_user_id,
                subject: &subject,
                body_text: &body,
                dedupe_key: dedupe,
                now,
            },
        )
        .await?;
        if let Some(id) = id {
            record(
                tx,
                actor,
                now,
                "mail.queued",
                "outbox",
                Some(id.to_string()),
                None,
                Some(json!({"kind": kind.as_str(), "to": to, "dedupe_key": dedupe})),
            )
            .await?;
        }
        Ok(id)
    }

    /// Hands every due message to `mailer` and records the outcome: sent, kept, retried
    /// after an exponential back-off, or failed for good.
    pub async fn deliver_pending(&self, mailer: &dyn Mailer) -> Result<DeliveryReport, AppError> {
        let mut report = DeliveryReport::default();
        // Bounded, so a zero back-off in a test cannot spin for ever.
        for _ in 0..50 {
            let now = self.now();
            let batch = notifications::claim_due(
                self.db.pool(),
                self.db.backend(),
                now,
                now.plus_seconds(LEASE_SECS),
                BATCH,
            )
            .await?;
            for m in &batch {
                self.deliver_one(mailer, m, &mut report).await?;
            }
            if i64::try_from(batch.len()).unwrap_or(0) < BATCH {
                break;
            }
        }
        Ok(report)
    }

    async fn deliver_one(
        &self,
        mailer: &dyn Mailer,
        m: &OutboxMessage,
        report: &mut DeliveryReport,
    ) -> Result<(), AppError> {
        let mail = OutgoingMail {
            id: m.id,
            to: m.to_email.clone(),
            subject: m.subject.clone(),
            body: m.body_text.clone(),
        };
        let result = mailer.deliver(&mail).await;
        let now = self.now();
        let system = Actor::system();
        let mut tx = self.db.begin().await?;
        match result {
            Ok(Delivery::Sent) => {
                notifications::mark_sent(&mut *tx, m.id, now).await?;
                record(
                    &mut tx,
                    &system,
                    now,
                    "mail.sent",
                    "outbox",
                    Some(m.id.to_string()),
                    None,
                    Some(json!({"attempts": m.attempts + 1})),
                )
                .await?;
                report.sent += 1;
            }
            Ok(Delivery::Kept) => {
                notifications::mark_kept(&mut *tx, m.id, now).await?;
                record(
                    &mut tx,
                    &system,
                    now,
                    "mail.kept",
                    "outbox",
                    Some(m.id.to_string()),
                    None,
                    None,
                )
                .await?;
                report.kept += 1;
            }
            Err(e) => {
                let permanent = matches!(e, MailError::Permanent(_));
                let state = notifications::mark_failed(
                    &mut *tx,
                    m,
                    &e.to_string(),
                    permanent,
                    now,
                    self.mail_backoff_ms,
                )
                .await?;
                if state == MailState::Failed {
                    tracing::warn!(id = m.id, error = %e, "e-mail given up");
                    record(
                        &mut tx,
                        &system,
                        now,
                        "mail.failed",
                        "outbox",
                        Some(m.id.to_string()),
                        None,
                        Some(json!({"attempts": m.attempts + 1, "error": e.to_string()})),
                    )
                    .await?;
                    report.failed += 1;
                } else {
                    tracing::info!(id = m.id, error = %e, "e-mail will be retried");
                    report.retrying += 1;
                }
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// Queues the deadline reminders due at `now`: one e-mail and one in-app notice for each
    /// operator of each unit without a submitted proposal in the current edition, once per
    /// reminder (dedupe key `reminder:{edition}:{unit}:{user}:{h7|h1}`). Returns how many
    /// were queued.
    pub async fn run_due_reminders(&self, now: Instant) -> Result<usize, AppError> {
        let Some(edition) = self.current_edition().await? else {
            return Ok(0);
        };
        let pool = self.db.pool();
        let stages = editions::stages(pool, edition.id).await?;
        let Some(stage) = stages
            .iter()
            .find(|s| s.kind == StageKind::PengajuanProposal)
        else {
            return Ok(0);
        };
        let Some((tag, days)) = due_reminder(stage, now) else {
            return Ok(0);
        };
        let submitted: Vec<&str> = ProposalState::ALL
            .iter()
            .filter(|s| counts_as_submitted(**s))
            .map(|s| s.as_str())
            .collect();
        let recipients = notifications::reminder_recipients(pool, edition.id, &submitted).await?;
        if recipients.is_empty() {
            return Ok(0);
        }
        let prefix = format!("reminder:{}:", edition.id);
        let existing = notifications::dedupe_keys_with_prefix(pool, &prefix).await?;
        let closes_at = edition.time_zone.format(stage.closes_at, Lang::Id);
        let days_text = days.to_string();
        let system = Actor::system();
        let mut queued = 0;
        for r in recipients {
            let key = format!("{prefix}{}:{}:{tag}", r.unit_id, r.user_id);
            if existing.contains(&key) {
                continue;
            }
            let mut tx = self.db.begin().await?;
            let id = self
                .queue_email(
                    &mut tx,
                    MailKind::DeadlineReminder,
                    &r.email,
                    Some(r.user_id),
                    &[
                        ("name", &r.user_name),
                        ("unit", &r.unit_name),
                        ("edition", &edition.name),
                        ("closes_at", &closes_at),
                        ("days", &days_text),
                    ],
                    Some(&key),
                    &system,
                    now,
                )
                .await?;
            if id.is_some() {
                let params = json!({"unit": r.unit_name, "days": days_text});
                let notice = notifications::insert_notice(
                    &mut *tx,
                    NewNotice {
                        user_id: r.user_id,
                        kind: MailKind::DeadlineReminder.as_str(),
                        message_key: "notice.deadline_reminder",
                        params: &params,
                        link: Some("/operator"),
                        now,
                    },
                )
                .await?;
                record(
                    &mut tx,
                    &system,
                    now,
                    "notice.created",
                    "notice",
                    Some(notice.to_string()),
                    None,
                    Some(
                        json!({"user_id": r.user_id, "kind": "deadline_reminder", "reminder": tag}),
                    ),
                )
                .await?;
                queued += 1;
            }
            tx.commit().await?;
        }
        Ok(queued)
    }

    /// The committee's mailbox: every queued e-mail, newest first.
    pub async fn outbox(&self, page: Page) -> Result<Paged<OutboxMessage>, AppError> {
        Ok(notifications::list(&self.db, page).await?)
    }

    pub async fn notices(
        &self,
        user_id: Id,
        page: Page,
    ) -> Result<Paged<notifications::Notice>, AppError> {
        Ok(notifications::notices(&self.db, user_id, page).await?)
    }

    pub async fn unread_notices(&self, user_id: Id) -> Result<i64, AppError> {
        Ok(notifications::unread_count(self.db.pool(), user_id).await?)
    }

    /// Marks all the user's notices read.
    pub async fn mark_notices_read(&self, user_id: Id, actor: &Actor) -> Result<u64, AppError> {
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let n = notifications::mark_all_read(&mut *tx, user_id, now).await?;
        if n > 0 {
            record(
                &mut tx,
                actor,
                now,
                "notices.read",
                "user",
                Some(user_id.to_string()),
                None,
                Some(json!({"count": n})),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_a_subject_and_a_body() {
        assert!(
            MAIL_TEXTS.parse::<toml::Table>().is_ok(),
            "mail/id.toml does not parse"
        );
        for kind in MailKind::ALL {
            let (subject, body) = templates()
                .get(kind.as_str())
                .unwrap_or_else(|| panic!("no subject and body for {}", kind.as_str()));
            assert!(!subject.trim().is_empty() && !body.trim().is_empty());
        }
        assert_eq!(
            templates().len(),
            MailKind::ALL.len(),
            "texts without a kind"
        );
    }

    #[test]
    fn placeholders_are_filled_and_no_password_is_asked_for() {
        let (subject, body) = render_mail(
            MailKind::AccountCreated,
            &[
                ("name", "Budi"),
                ("email", "budi@kolabik.test"),
                ("login_url", "https://k.test/masuk"),
                ("site_url", "https://k.test"),
            ],
        )
        .unwrap();
        assert!(!subject.contains('{'));
        assert!(body.contains("budi@kolabik.test") && body.contains("https://k.test/masuk"));
        assert!(!body.contains('{'), "{body}");
    }

    #[test]
    fn reminders_fall_due_at_h7_then_h1_and_stop_at_closing() {
        let closes = 100 * DAY_MS;
        let stage = Stage {
            id: 1,
            edition_id: 1,
            kind: StageKind::PengajuanProposal,
            opens_at: Instant(0),
            closes_at: Instant(closes),
        };
        assert_eq!(due_reminder(&stage, Instant(closes - 7 * DAY_MS - 1)), None);
        assert_eq!(
            due_reminder(&stage, Instant(closes - 7 * DAY_MS)),
            Some(("h7", 7))
        );
        assert_eq!(
            due_reminder(&stage, Instant(closes - DAY_MS - 1)),
            Some(("h7", 7))
        );
        assert_eq!(
            due_reminder(&stage, Instant(closes - DAY_MS)),
            Some(("h1", 1))
        );
        assert_eq!(due_reminder(&stage, Instant(closes)), Some(("h1", 1)));
        assert_eq!(due_reminder(&stage, Instant(closes + 1)), None);
    }
}
