//! Uji publik and the public vote "inovasi favorit" (issue 6): one-time e-mail codes and
//! verified addresses, the committee's public windows, objections on finalists with the
//! committee's answers, the hash-chained vote log, the tally, suspicious patterns, voiding,
//! and the chain check behind `kolabik audit verify`.

use kolabik_domain::files::{FileKind, clean_filename, sniff};
use kolabik_domain::vote::{
    Burst, GENESIS, OBJECTION_DECISIONS, OBJECTION_KINDS, VoteLink, bursts, ip_prefix,
    is_disposable,
};
use kolabik_domain::{Edition, Email, Id, Instant, LocalDateTime, StageKind};
use kolabik_store::announcements;
use kolabik_store::vote::{self as store, Finalist, Objection, VoteRow, VoteView, Window};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::notify::{MailKind, mail_phrase};
use crate::{Actor, App, AppError, FieldError, record};

/// A one-time code is valid this long.
pub const CODE_TTL_SECS: i64 = 10 * 60;
/// Wrong entries allowed per code.
pub const CODE_MAX_ATTEMPTS: i64 = 5;
/// Codes per address per hour.
pub const CODES_PER_ADDRESS_HOUR: i64 = 3;
/// Codes requested from one IP address per hour.
pub const CODES_PER_IP_HOUR: i64 = 10;
/// Votes from one network (/24, /48) per hour.
pub const VOTES_PER_NETWORK_HOUR: i64 = 20;
/// A verified address stays verified in its browser this long.
pub const VERIFIED_TTL_SECS: i64 = 24 * 3600;
/// Largest evidence file.
pub const MAX_EVIDENCE_BYTES: usize = 5 * 1024 * 1024;
/// Burst rule: this many votes for one proposal within `BURST_WINDOW_MINUTES`.
pub const BURST_MIN_VOTES: usize = 10;
pub const BURST_WINDOW_MINUTES: i64 = 5;
/// Network rule: this many distinct addresses from one network.
pub const NETWORK_MIN_VOTERS: usize = 5;

pub const WINDOW_VOTE: &str = "vote";
pub const WINDOW_OBJECTION: &str = "objection";

const HOUR_MS: i64 = 3600 * 1000;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn sha(s: &str) -> String {
    hex(&Sha256::digest(s.as_bytes()))
}

/// SHA-256 of a normalised address: what the vote log and the code table keep.
pub fn voter_hash(email: &str) -> String {
    sha(&format!("kolabik-voter:{}", email.trim().to_lowercase()))
}

/// SHA-256 of a client address's network prefix.
pub fn network_hash(ip: &str) -> String {
    let prefix = ip_prefix(ip).unwrap_or_else(|| ip.trim().to_owned());
    sha(&format!("kolabik-net:{prefix}"))
}

/// The hash a vote's row must carry.
pub fn link_hash(v: &VoteRow) -> String {
    sha(&VoteLink {
        id: v.id,
        edition_id: v.edition_id,
        category_id: v.category_id,
        proposal_id: v.proposal_id,
        voter_hash: &v.voter_hash,
        ip_prefix_hash: &v.ip_prefix_hash,
        at: v.at,
        prev_hash: &v.prev_hash,
    }
    .canonical())
}

fn code_hash(email_hash: &str, code: &str) -> String {
    sha(&format!("kolabik-code:{email_hash}:{}", code.trim()))
}

fn six_digits() -> Result<String, AppError> {
    let mut bytes = [0u8; 4];
    getrandom::getrandom(&mut bytes).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(format!("{:06}", u32::from_le_bytes(bytes) % 1_000_000))
}

/// A public window as the pages show it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct WindowView {
    pub enabled: bool,
    pub opens_at: Instant,
    pub closes_at: Instant,
    /// Enabled and `now` inside (both ends inclusive).
    pub open: bool,
    /// Whether the committee has saved it (else the default from the uji_publik stage).
    pub saved: bool,
}

/// The form fields of a window.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
pub struct WindowInput {
    #[serde(default)]
    pub enabled: bool,
    /// `YYYY-MM-DDTHH:MM` in the edition's time zone.
    #[serde(default)]
    pub opens: String,
    #[serde(default)]
    pub closes: String,
}

/// What the objection form sends.
#[derive(Debug, Clone, Default)]
pub struct ObjectionInput {
    pub proposal_id: String,
    pub kind: String,
    pub body: String,
    /// (file name, bytes); empty bytes mean no file.
    pub evidence: Option<(String, Vec<u8>)>,
}

/// One category of the tally.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TallyCategory {
    pub category_id: Id,
    pub category_name: String,
    /// (finalist, counted votes), most votes first.
    pub rows: Vec<(Finalist, i64)>,
    pub total: i64,
}

/// Suspicious patterns for the committee.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Patterns {
    pub bursts: Vec<(Burst, String)>,
    /// (network hash, short label, distinct addresses, votes)
    pub networks: Vec<(String, String, usize, usize)>,
    /// (domain, votes)
    pub disposable: Vec<(String, usize)>,
    pub total: i64,
    pub voided: i64,
}

/// The result of walking the vote chain.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ChainReport {
    pub checked: i64,
    /// (vote id, what is wrong) of the first broken link.
    pub broken: Option<(Id, String)>,
    /// Append-only guard triggers that are missing or disabled.
    pub missing_guards: Vec<String>,
    /// The last verified link (vote id, hash): the value published on `/favorit`, so that
    /// anyone who noted it can later check it is still in the chain.
    pub head: Option<(Id, String)>,
    /// Whether a verified link carries the published head given to `verify_vote_chain`.
    pub published_head_found: bool,
}

impl App {
    async fn window_of(&self, edition: &Edition, kind: &str) -> Result<WindowView, AppError> {
        let now = self.now();
        let saved = store::window(self.db.pool(), edition.id, kind).await?;
        let (w, is_saved) = match saved {
            Some(w) => (w, true),
            None => {
                let stage = kolabik_store::editions::stages(self.db.pool(), edition.id)
                    .await?
                    .into_iter()
                    .find(|s| s.kind == StageKind::UjiPublik);
                let (opens_at, closes_at) = stage
                    .as_ref()
                    .map(|s| (s.opens_at, s.closes_at))
                    .unwrap_or((Instant(0), Instant(0)));
                (
                    Window {
                        // Uji publik follows its stage unless the committee says otherwise;
                        // the public vote is optional and off until switched on.
                        enabled: kind == WINDOW_OBJECTION && stage.is_some(),
                        opens_at,
                        closes_at,
                    },
                    false,
                )
            }
        };
        Ok(WindowView {
            open: w.enabled && now >= w.opens_at && now <= w.closes_at,
            enabled: w.enabled,
            opens_at: w.opens_at,
            closes_at: w.closes_at,
            saved: is_saved,
        })
    }

    /// The current edition's window of `kind` (`vote` or `objection`).
    pub async fn public_window(&self, kind: &str) -> Result<WindowView, AppError> {
        let edition = self.ensure_current_edition().await?;
        self.window_of(&edition, kind).await
    }

    /// The committee sets a window: on/off and its dates in the edition's time zone.
    pub async fn set_public_window(
        &self,
        kind: &str,
        input: &WindowInput,
        actor: &Actor,
    ) -> Result<WindowView, AppError> {
        if kind != WINDOW_VOTE && kind != WINDOW_OBJECTION {
            return Err(AppError::NotFound);
        }
        let edition = self.ensure_current_edition().await?;
        let tz = edition.time_zone;
        let mut errors = Vec::new();
        let opens = LocalDateTime::parse(&input.opens).map(|l| tz.to_instant(l));
        let closes = LocalDateTime::parse(&input.closes).map(|l| tz.to_instant(l));
        if opens.is_none() {
            errors.push(FieldError {
                field: "opens",
                key: "error.datetime",
            });
        }
        if closes.is_none() {
            errors.push(FieldError {
                field: "closes",
                key: "error.datetime",
            });
        }
        let (Some(opens_at), Some(closes_at)) = (opens, closes) else {
            return Err(AppError::Invalid(errors));
        };
        if closes_at <= opens_at {
            return Err(AppError::invalid("closes", "vote.window_order"));
        }
        let now = self.now();
        let w = Window {
            enabled: input.enabled,
            opens_at,
            closes_at,
        };
        let mut tx = self.db.begin().await?;
        store::set_window(&mut tx, edition.id, kind, &w, now).await?;
        record(
            &mut tx,
            actor,
            now,
            "public_window.set",
            "public_window",
            Some(format!("{}:{kind}", edition.id)),
            None,
            Some(json!({"kind": kind, "enabled": w.enabled, "opens_at": opens_at.millis(), "closes_at": closes_at.millis()})),
        )
        .await?;
        tx.commit().await?;
        self.window_of(&edition, kind).await
    }

    /// The current edition's finalists.
    pub async fn finalists(&self) -> Result<Vec<Finalist>, AppError> {
        let edition = self.ensure_current_edition().await?;
        Ok(store::finalists(self.db.pool(), edition.id).await?)
    }

    // --- verification -------------------------------------------------------------------

    /// Sends a six-digit code to `email` (rate-limited per address and per IP address).
    pub async fn request_email_code(&self, email: &str, actor: &Actor) -> Result<(), AppError> {
        let email = Email::parse(email)
            .map_err(|_| AppError::invalid("email", "error.email"))?
            .as_str()
            .to_owned();
        let now = self.now();
        let since = Instant(now.millis() - HOUR_MS);
        let eh = voter_hash(&email);
        let ip = actor.ip.clone().unwrap_or_default();
        if store::codes_since(self.db.pool(), &eh, false, since).await? >= CODES_PER_ADDRESS_HOUR
            || store::codes_since(self.db.pool(), &ip, true, since).await? >= CODES_PER_IP_HOUR
        {
            return Err(AppError::RateLimited { minutes: 60 });
        }
        let code = six_digits()?;
        let expires = now.plus_seconds(CODE_TTL_SECS);
        let mut tx = self.db.begin().await?;
        store::insert_code(&mut tx, &eh, &ip, &code_hash(&eh, &code), now, expires).await?;
        self.queue_email(
            &mut tx,
            MailKind::VerificationCode,
            &email,
            None,
            &[("code", &code), ("minutes", "10")],
            None,
            actor,
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Checks a code; on success returns a token for the browser (kept as SHA-256).
    pub async fn verify_email_code(
        &self,
        email: &str,
        code: &str,
        actor: &Actor,
    ) -> Result<String, AppError> {
        let email = Email::parse(email)
            .map_err(|_| AppError::invalid("email", "error.email"))?
            .as_str()
            .to_owned();
        let now = self.now();
        let eh = voter_hash(&email);
        let Some(row) = store::latest_code(self.db.pool(), &eh).await? else {
            return Err(AppError::invalid("code", "vote.code_expired"));
        };
        if row.used || row.expires_at < now || row.attempts >= CODE_MAX_ATTEMPTS {
            return Err(AppError::invalid("code", "vote.code_expired"));
        }
        let mut tx = self.db.begin().await?;
        if code_hash(&eh, code) != row.code_hash {
            store::bump_attempts(&mut tx, row.id).await?;
            tx.commit().await?;
            return Err(AppError::invalid("code", "vote.code_wrong"));
        }
        if !store::use_code(&mut tx, row.id, now).await? {
            return Err(AppError::invalid("code", "vote.code_expired"));
        }
        let token = crate::auth::random_token()?;
        store::insert_verified(
            &mut tx,
            &crate::auth::token_hash(&token),
            &email,
            now,
            now.plus_seconds(VERIFIED_TTL_SECS),
        )
        .await?;
        record(
            &mut tx,
            actor,
            now,
            "email.verified",
            "verified_email",
            None,
            None,
            Some(json!({"voter": &eh[..12]})),
        )
        .await?;
        tx.commit().await?;
        Ok(token)
    }

    /// The verified address behind a browser token, if still valid.
    pub async fn verified_email(&self, token: Option<&str>) -> Result<Option<String>, AppError> {
        let Some(token) = token.filter(|t| !t.is_empty()) else {
            return Ok(None);
        };
        Ok(
            store::verified_email(self.db.pool(), &crate::auth::token_hash(token), self.now())
                .await?,
        )
    }

    async fn require_verified(&self, token: Option<&str>) -> Result<String, AppError> {
        self.verified_email(token)
            .await?
            .ok_or_else(|| AppError::invalid("email", "vote.not_verified"))
    }

    // --- objections ---------------------------------------------------------------------

    /// A verified member of the public files an objection or a note on a finalist.
    pub async fn file_objection(
        &self,
        token: Option<&str>,
        input: &ObjectionInput,
        actor: &Actor,
    ) -> Result<Id, AppError> {
        let email = self.require_verified(token).await?;
        let edition = self.ensure_current_edition().await?;
        if !self.window_of(&edition, WINDOW_OBJECTION).await?.open {
            return Err(AppError::invalid("body", "objection.closed"));
        }
        let finalists = store::finalists(self.db.pool(), edition.id).await?;
        let mut errors = Vec::new();
        let proposal_id = input
            .proposal_id
            .trim()
            .parse::<Id>()
            .ok()
            .filter(|id| finalists.iter().any(|f| f.id == *id));
        if proposal_id.is_none() {
            errors.push(FieldError {
                field: "proposal_id",
                key: "objection.pick_finalist",
            });
        }
        if !OBJECTION_KINDS.contains(&input.kind.as_str()) {
            errors.push(FieldError {
                field: "kind",
                key: "objection.pick_kind",
            });
        }
        let body = input.body.trim();
        let len = body.chars().count();
        if !(10..=5000).contains(&len) {
            errors.push(FieldError {
                field: "body",
                key: "objection.body_length",
            });
        }
        let mut file: Option<(String, FileKind, &[u8])> = None;
        if let Some((name, bytes)) = &input.evidence
            && !bytes.is_empty()
        {
            if bytes.len() > MAX_EVIDENCE_BYTES {
                errors.push(FieldError {
                    field: "evidence",
                    key: "objection.evidence_too_large",
                });
            } else if let Some(kind) = sniff(bytes) {
                file = Some((clean_filename(name, kind), kind, bytes));
            } else {
                errors.push(FieldError {
                    field: "evidence",
                    key: "objection.evidence_type",
                });
            }
        }
        let Some(proposal_id) = proposal_id.filter(|_| errors.is_empty()) else {
            return Err(AppError::Invalid(errors));
        };
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let file_id = match file {
            Some((name, kind, bytes)) => Some(
                announcements::insert_file(
                    &mut *tx,
                    announcements::NewFile {
                        sha256: &hex(&Sha256::digest(bytes)),
                        filename: &name,
                        content_type: kind.content_type(),
                        content: bytes,
                        uploaded_by: None,
                        now,
                    },
                )
                .await?,
            ),
            None => None,
        };
        let id = store::insert_objection(
            &mut tx,
            store::NewObjection {
                edition_id: edition.id,
                proposal_id,
                kind: &input.kind,
                email: &email,
                body,
                file_id,
                now,
            },
        )
        .await?;
        record(
            &mut tx,
            actor,
            now,
            "objection.filed",
            "objection",
            Some(id.to_string()),
            None,
            Some(json!({"proposal_id": proposal_id, "kind": input.kind, "file_id": file_id, "sender": &voter_hash(&email)[..12]})),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The edition's objections: all for the committee, answered ones for the public (the
    /// caller never shows the sender's address in public).
    pub async fn objections(&self, answered_only: bool) -> Result<Vec<Objection>, AppError> {
        let edition = self.ensure_current_edition().await?;
        Ok(store::objections(self.db.pool(), edition.id, answered_only, 200).await?)
    }

    /// The committee answers an objection with a decision; the sender is e-mailed. Every
    /// answer is kept; the newest is in force.
    pub async fn answer_objection(
        &self,
        id: Id,
        decision: &str,
        answer: &str,
        actor: &Actor,
    ) -> Result<(), AppError> {
        let o = store::objection(self.db.pool(), id)
            .await?
            .ok_or(AppError::NotFound)?;
        let mut errors = Vec::new();
        if !OBJECTION_DECISIONS.contains(&decision) {
            errors.push(FieldError {
                field: "decision",
                key: "objection.pick_decision",
            });
        }
        let answer = answer.trim();
        if answer.is_empty() || answer.chars().count() > 5000 {
            errors.push(FieldError {
                field: "answer",
                key: "error.text_required",
            });
        }
        if !errors.is_empty() {
            return Err(AppError::Invalid(errors));
        }
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let answer_id =
            store::insert_answer(&mut tx, id, decision, answer, actor.user_id, now).await?;
        record(
            &mut tx,
            actor,
            now,
            "objection.answered",
            "objection",
            Some(id.to_string()),
            o.decision.as_ref().map(|d| json!({"decision": d})),
            Some(json!({"decision": decision, "answer_id": answer_id})),
        )
        .await?;
        let decision_word = mail_phrase("objection_decision", decision)?;
        let url = format!("{}/uji-publik#keberatan-{id}", self.site_url());
        self.queue_email(
            &mut tx,
            MailKind::ObjectionAnswered,
            &o.email,
            None,
            &[
                ("title", &o.proposal_title),
                ("decision", &decision_word),
                ("answer", answer),
                ("url", &url),
            ],
            Some(&format!("objection-answer-{answer_id}")),
            actor,
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// An objection's evidence file for the committee: (name, content type, bytes).
    pub async fn objection_evidence(&self, id: Id) -> Result<(String, String, Vec<u8>), AppError> {
        store::evidence(self.db.pool(), id)
            .await?
            .ok_or(AppError::NotFound)
    }

    // --- votes --------------------------------------------------------------------------

    /// The categories the verified voter has already voted in.
    pub async fn voted_categories(&self, token: Option<&str>) -> Result<Vec<Id>, AppError> {
        let Some(email) = self.verified_email(token).await? else {
            return Ok(Vec::new());
        };
        let edition = self.ensure_current_edition().await?;
        Ok(store::voted_categories(self.db.pool(), edition.id, &voter_hash(&email)).await?)
    }

    /// A verified voter votes for a finalist: once per category, within the window, and
    /// at most `VOTES_PER_NETWORK_HOUR` from one network per hour. The vote is appended to
    /// the hash chain.
    pub async fn cast_vote(
        &self,
        token: Option<&str>,
        category_id: &str,
        proposal_id: &str,
        actor: &Actor,
    ) -> Result<Id, AppError> {
        let email = self.require_verified(token).await?;
        let edition = self.ensure_current_edition().await?;
        if !self.window_of(&edition, WINDOW_VOTE).await?.open {
            return Err(AppError::invalid("proposal_id", "vote.closed"));
        }
        let finalists = store::finalists(self.db.pool(), edition.id).await?;
        let category_id: Option<Id> = category_id.trim().parse().ok();
        let Some(f) = proposal_id
            .trim()
            .parse::<Id>()
            .ok()
            .and_then(|p| finalists.iter().find(|f| f.id == p))
            .filter(|f| f.category_id.is_some() && f.category_id == category_id)
        else {
            return Err(AppError::invalid("proposal_id", "vote.pick_finalist"));
        };
        let category_id = f.category_id.unwrap_or_default();
        let vh = voter_hash(&email);
        let ip = actor.ip.clone().unwrap_or_default();
        let nh = network_hash(&ip);
        let domain = email
            .rsplit_once('@')
            .map(|(_, d)| d)
            .unwrap_or("")
            .to_owned();
        let mut attempt = 0;
        loop {
            attempt += 1;
            if store::voted_categories(self.db.pool(), edition.id, &vh)
                .await?
                .contains(&category_id)
            {
                return Err(AppError::invalid("proposal_id", "vote.already_voted"));
            }
            let now = self.now();
            if store::votes_from_network_since(self.db.pool(), &nh, Instant(now.millis() - HOUR_MS))
                .await?
                >= VOTES_PER_NETWORK_HOUR
            {
                return Err(AppError::RateLimited { minutes: 60 });
            }
            let result = self
                .append_vote(&edition, category_id, f.id, &vh, &nh, &domain, actor, now)
                .await;
            match result {
                Ok(id) => return Ok(id),
                // A concurrent vote took the same place in the chain (unique prev_hash or
                // id) or the same category: look again.
                Err(AppError::Store(_)) if attempt < 5 => continue,
                Err(e) => return Err(e),
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    async fn append_vote(
        &self,
        edition: &Edition,
        category_id: Id,
        proposal_id: Id,
        voter: &str,
        network: &str,
        domain: &str,
        actor: &Actor,
        now: Instant,
    ) -> Result<Id, AppError> {
        let mut tx = self.db.begin().await?;
        let (prev_id, prev_hash) = store::chain_head(&mut *tx)
            .await?
            .unwrap_or((0, GENESIS.to_owned()));
        let mut v = VoteRow {
            id: prev_id + 1,
            edition_id: edition.id,
            category_id,
            proposal_id,
            voter_hash: voter.to_owned(),
            ip_prefix_hash: network.to_owned(),
            email_domain: domain.to_owned(),
            at: now,
            prev_hash,
            hash: String::new(),
        };
        v.hash = link_hash(&v);
        store::insert_vote(&mut tx, &v).await?;
        record(
            &mut tx,
            actor,
            now,
            "vote.cast",
            "vote",
            Some(v.id.to_string()),
            None,
            Some(json!({"category_id": category_id, "proposal_id": proposal_id, "hash": v.hash})),
        )
        .await?;
        tx.commit().await?;
        Ok(v.id)
    }

    /// The vote chain's last link (vote id, hash), published on `/favorit`.
    pub async fn vote_chain_head(&self) -> Result<Option<(Id, String)>, AppError> {
        Ok(store::chain_head(self.db.pool()).await?)
    }

    /// The live tally per category (voided votes left out).
    pub async fn tally(&self) -> Result<Vec<TallyCategory>, AppError> {
        let edition = self.ensure_current_edition().await?;
        let finalists = store::finalists(self.db.pool(), edition.id).await?;
        let counts = store::tally(self.db.pool(), edition.id).await?;
        let mut out: Vec<TallyCategory> = Vec::new();
        for f in finalists {
            let Some(cat) = f.category_id else { continue };
            let n = counts
                .iter()
                .find(|(c, p, _)| *c == cat && *p == f.id)
                .map(|(_, _, n)| *n)
                .unwrap_or(0);
            match out.iter_mut().find(|t| t.category_id == cat) {
                Some(t) => {
                    t.total += n;
                    t.rows.push((f, n));
                }
                None => out.push(TallyCategory {
                    category_id: cat,
                    category_name: f.category_name.clone(),
                    total: n,
                    rows: vec![(f, n)],
                }),
            }
        }
        for t in &mut out {
            t.rows
                .sort_by(|a, b| b.1.cmp(&a.1).then(a.0.title.cmp(&b.0.title)));
        }
        Ok(out)
    }

    /// Suspicious patterns in the edition's votes.
    pub async fn vote_patterns(&self) -> Result<Patterns, AppError> {
        let edition = self.ensure_current_edition().await?;
        let votes = store::votes(self.db.pool(), edition.id, 100_000).await?;
        let (total, voided) = store::counts(self.db.pool(), edition.id).await?;
        let live: Vec<&VoteView> = votes.iter().filter(|v| v.void_reason.is_none()).collect();
        let pairs: Vec<(Id, Instant)> = live
            .iter()
            .map(|v| (v.vote.proposal_id, v.vote.at))
            .collect();
        let finalists = store::finalists(self.db.pool(), edition.id).await?;
        let title = |id: Id| {
            finalists
                .iter()
                .find(|f| f.id == id)
                .map(|f| f.title.clone())
                .unwrap_or_default()
        };
        let bursts = bursts(&pairs, BURST_WINDOW_MINUTES * 60_000, BURST_MIN_VOTES)
            .into_iter()
            .map(|b| {
                let t = title(b.proposal_id);
                (b, t)
            })
            .collect();
        let mut nets: std::collections::BTreeMap<&str, (std::collections::BTreeSet<&str>, usize)> =
            Default::default();
        let mut domains: std::collections::BTreeMap<&str, usize> = Default::default();
        for v in &live {
            let e = nets.entry(&v.vote.ip_prefix_hash).or_default();
            e.0.insert(&v.vote.voter_hash);
            e.1 += 1;
            if is_disposable(&v.vote.email_domain) {
                *domains.entry(&v.vote.email_domain).or_default() += 1;
            }
        }
        let mut networks: Vec<(String, String, usize, usize)> = nets
            .into_iter()
            .filter(|(_, (voters, _))| voters.len() >= NETWORK_MIN_VOTERS)
            .map(|(h, (voters, n))| {
                let label = h.get(..10).unwrap_or(h).to_owned();
                (h.to_owned(), label, voters.len(), n)
            })
            .collect();
        networks.sort_by_key(|n| std::cmp::Reverse(n.2));
        let mut disposable: Vec<(String, usize)> = domains
            .into_iter()
            .map(|(d, n)| (d.to_owned(), n))
            .collect();
        disposable.sort_by_key(|d| std::cmp::Reverse(d.1));
        Ok(Patterns {
            bursts,
            networks,
            disposable,
            total,
            voided,
        })
    }

    /// The edition's newest votes (at most `limit`, 500 at most), for the committee.
    pub async fn recent_votes(&self, limit: i64) -> Result<Vec<VoteView>, AppError> {
        let edition = self.ensure_current_edition().await?;
        Ok(store::votes(self.db.pool(), edition.id, limit.clamp(1, 500)).await?)
    }

    /// The committee voids a vote with a reason: an appended record; the vote stays in the
    /// chain and leaves the tally.
    pub async fn void_vote(&self, id: Id, reason: &str, actor: &Actor) -> Result<(), AppError> {
        let v = store::vote(self.db.pool(), id)
            .await?
            .ok_or(AppError::NotFound)?;
        let reason = reason.trim();
        if reason.chars().count() < 3 || reason.chars().count() > 1000 {
            return Err(AppError::invalid("reason", "vote.void_reason"));
        }
        if v.void_reason.is_some() {
            return Err(AppError::invalid("reason", "vote.already_void"));
        }
        let now = self.now();
        let mut tx = self.db.begin().await?;
        store::insert_void(&mut tx, id, reason, actor.user_id, now).await?;
        record(
            &mut tx,
            actor,
            now,
            "vote.voided",
            "vote",
            Some(id.to_string()),
            None,
            Some(json!({"reason": reason})),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Walks the whole vote chain: each link's `prev_hash` must be the previous link's
    /// hash (the first's the genesis), ids must follow each other, and each stored hash
    /// must match its row. Reports the first broken link.
    ///
    /// `published_head`: a head hash published earlier (on `/favorit`); the report says
    /// whether a verified link carries it, which a rewritten or truncated chain cannot.
    pub async fn verify_vote_chain(
        &self,
        published_head: Option<&str>,
    ) -> Result<ChainReport, AppError> {
        let mut prev_id = 0;
        let mut prev_hash = GENESIS.to_owned();
        let mut checked = 0;
        let mut published_head_found = false;
        loop {
            let page = store::chain_page(self.db.pool(), prev_id, 1000).await?;
            if page.is_empty() {
                return Ok(ChainReport {
                    checked,
                    broken: None,
                    missing_guards: store::missing_guards(&self.db).await?,
                    head: (prev_id > 0).then_some((prev_id, prev_hash)),
                    published_head_found,
                });
            }
            for v in page {
                let problem = if v.id != prev_id + 1 {
                    Some(format!(
                        "expected vote {} next, found vote {}",
                        prev_id + 1,
                        v.id
                    ))
                } else if v.prev_hash != prev_hash {
                    Some("prev_hash does not match the previous vote's hash".to_owned())
                } else if link_hash(&v) != v.hash {
                    Some("stored hash does not match the vote's contents".to_owned())
                } else {
                    None
                };
                if let Some(p) = problem {
                    return Ok(ChainReport {
                        checked,
                        broken: Some((v.id, p)),
                        missing_guards: store::missing_guards(&self.db).await?,
                        head: (prev_id > 0).then_some((prev_id, prev_hash)),
                        published_head_found,
                    });
                }
                published_head_found |= published_head.is_some_and(|h| h == v.hash);
                checked += 1;
                prev_id = v.id;
                prev_hash = v.hash;
            }
        }
    }
}

/// Demo data (called once at the end of the demo loader): both windows on the edition's
/// uji_publik stage, two objections (one answered), and about three hundred votes cast
/// during the stage, with one suspicious burst from one network and a disposable domain.
impl App {
    pub async fn load_vote_demo(&self) -> Result<(), AppError> {
        let edition = self.ensure_current_edition().await?;
        let Some(stage) = kolabik_store::editions::stages(self.db.pool(), edition.id)
            .await?
            .into_iter()
            .find(|s| s.kind == StageKind::UjiPublik)
        else {
            return Ok(());
        };
        let finalists = store::finalists(self.db.pool(), edition.id).await?;
        let voteable: Vec<&Finalist> = finalists
            .iter()
            .filter(|f| f.category_id.is_some())
            .collect();
        if voteable.is_empty() {
            return Ok(());
        }
        let now = self.now();
        let day = 86_400;
        let window = Window {
            enabled: true,
            opens_at: stage.opens_at,
            closes_at: stage.closes_at,
        };
        let mut tx = self.db.begin().await?;
        store::set_window(&mut tx, edition.id, WINDOW_OBJECTION, &window, now).await?;
        store::set_window(&mut tx, edition.id, WINDOW_VOTE, &window, now).await?;

        // Two objections during the stage; the first answered, with a one-page PDF as
        // evidence.
        let mut pdf = kolabik_pdf::Document::new("Bukti keberatan uji publik", "Kolabik");
        pdf.title_block(&["Catatan warga", "Kelurahan Purworejo"], 14.0);
        pdf.paragraph(
            "Layanan belum berjalan di RW 03 dan RW 05 per Desember 2022 (catatan warga).",
        );
        let pdf = pdf.finish();
        let file_id = announcements::insert_file(
            &mut *tx,
            announcements::NewFile {
                sha256: &hex(&Sha256::digest(&pdf)),
                filename: "catatan-warga.pdf",
                content_type: FileKind::Pdf.content_type(),
                content: &pdf,
                uploaded_by: None,
                now: stage.opens_at.plus_seconds(day / 2),
            },
        )
        .await?;
        let first = store::insert_objection(
            &mut tx,
            store::NewObjection {
                edition_id: edition.id,
                proposal_id: voteable[0].id,
                kind: "keberatan",
                email: "warga.purworejo@warga.kolabik.test",
                body: "Layanan ini menurut pengalaman saya belum berjalan di semua kelurahan; \
                       mohon panitia memeriksa apakah data capaian yang diklaim sudah mencakup \
                       seluruh wilayah kota.",
                file_id: Some(file_id),
                now: stage.opens_at.plus_seconds(day / 2),
            },
        )
        .await?;
        store::insert_answer(
            &mut tx,
            first,
            "dicatat",
            "Terima kasih. Panitia telah meminta data per kelurahan kepada unit pengusul; \
             capaian yang dinilai hanya untuk kelurahan yang sudah menjalankan layanan.",
            None,
            stage.opens_at.plus_seconds(2 * day),
        )
        .await?;
        let second = voteable.get(1).copied().unwrap_or(voteable[0]);
        store::insert_objection(
            &mut tx,
            store::NewObjection {
                edition_id: edition.id,
                proposal_id: second.id,
                kind: "catatan",
                email: "ibu.sulastri@warga.kolabik.test",
                body: "Saya sudah memakai layanan ini dan sangat terbantu. Usul: jam layanan \
                       daring diperpanjang sampai malam.",
                file_id: None,
                now: stage.opens_at.plus_seconds(3 * day),
            },
        )
        .await?;

        // About 300 votes spread over the stage (a fixed pseudo-random sequence), then one
        // burst: 15 votes for one finalist within three minutes from one network.
        let span = (stage.closes_at.millis() - stage.opens_at.millis()).max(1);
        let mut seed: u64 = 2022;
        let mut next = || {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            seed >> 33
        };
        let mut plan: Vec<(Instant, &Finalist, String, String)> = Vec::new();
        for i in 0..300u64 {
            // Earlier finalists in each category are a little more popular.
            let pick = (next() % (voteable.len() as u64 * 2)) as usize;
            let n = voteable.len();
            let f = voteable[if pick < n { pick } else { (pick - n) / 2 }];
            let at = Instant(stage.opens_at.millis() + (next() % span as u64) as i64);
            let ip = format!("36.{}.{}.{}", 64 + next() % 60, next() % 250, 1 + i % 250);
            let domain = [
                "gmail.com",
                "yahoo.co.id",
                "pasuruankota.go.id",
                "outlook.com",
            ][(next() % 4) as usize];
            plan.push((at, f, ip, format!("pemilih{i}@{domain}")));
        }
        let burst_target = voteable[voteable.len() - 1];
        let burst_start = stage.opens_at.plus_seconds(3 * day + 7 * 3600);
        for i in 0..15i64 {
            plan.push((
                burst_start.plus_seconds(i * 12),
                burst_target,
                format!("103.28.114.{}", 10 + i),
                format!("kilat{i}@yopmail.com"),
            ));
        }
        plan.sort_by_key(|p| p.0);
        let (mut prev_id, mut prev_hash) = store::chain_head(&mut *tx)
            .await?
            .unwrap_or((0, GENESIS.to_owned()));
        let mut seen: std::collections::HashSet<(Id, String)> = Default::default();
        let mut count = 0;
        for (at, f, ip, email) in plan {
            let category_id = f.category_id.unwrap_or_default();
            let vh = voter_hash(&email);
            if !seen.insert((category_id, vh.clone())) {
                continue;
            }
            let mut v = VoteRow {
                id: prev_id + 1,
                edition_id: edition.id,
                category_id,
                proposal_id: f.id,
                voter_hash: vh,
                ip_prefix_hash: network_hash(&ip),
                email_domain: email
                    .rsplit_once('@')
                    .map(|(_, d)| d)
                    .unwrap_or("")
                    .to_owned(),
                at,
                prev_hash: prev_hash.clone(),
                hash: String::new(),
            };
            v.hash = link_hash(&v);
            store::insert_vote(&mut tx, &v).await?;
            prev_id = v.id;
            prev_hash = v.hash;
            count += 1;
        }
        record(
            &mut tx,
            &Actor::system(),
            now,
            "demo.vote_loaded",
            "edition",
            Some(edition.id.to_string()),
            None,
            Some(json!({"objections": 2, "votes": count})),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
