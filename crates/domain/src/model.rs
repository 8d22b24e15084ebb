//! The competition's entities. Later stages (screening, judging, publication) fill in the
//! behaviour; the shapes live here from the start so that storage and the API agree on them.

use serde::{Deserialize, Serialize};

use crate::{Email, Instant, Nip, Npsn, RegionCode, Slug, TimeZone};

/// Declares a closed set of values with one stable snake_case code each (stored in the
/// database, used in URLs and the API) and a translation key per value.
macro_rules! code_enum {
    ($(#[$m:meta])* $name:ident, $prefix:literal { $($(#[$vm:meta])* $variant:ident = $code:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vm])* $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($code => Some($name::$variant),)+ _ => None }
            }
            /// Key of this value's label in the translation catalogue.
            pub fn label_key(self) -> &'static str {
                match self { $($name::$variant => concat!($prefix, ".", $code)),+ }
            }
        }
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

code_enum!(
    /// Interface language: Bahasa Indonesia first, English second.
    Lang, "lang" { Id = "id", En = "en" }
);

// `code_enum!` derives a fixed set of traits, so Default is written out.
#[allow(clippy::derivable_impls)]
impl Default for Lang {
    fn default() -> Self {
        Lang::Id
    }
}

code_enum!(
    /// The kinds of public-service unit that take part.
    UnitKind, "unit_kind" {
        PerangkatDaerah = "perangkat_daerah",
        Kecamatan = "kecamatan",
        Kelurahan = "kelurahan",
        SatuanPendidikan = "satuan_pendidikan",
        UnitLayananLainnya = "unit_layanan_lainnya",
    }
);

code_enum!(
    /// What a user may do in one edition.
    Role, "role" {
        /// Panitia: runs the edition; also the administrator.
        Committee = "committee",
        /// Writes and submits proposals for one unit.
        UnitOperator = "unit_operator",
        /// Kepala unit, or an Admin Lokal for a group of units: approves the proposals of
        /// the unit and of the units under it before they are submitted.
        UnitHead = "unit_head",
        /// Scores the proposals assigned to them.
        Judge = "judge",
        /// Reads dashboards (city leaders).
        Viewer = "viewer",
    }
);

code_enum!(
    /// The stages of an edition, in their usual order.
    StageKind, "stage_kind" {
        Sosialisasi = "sosialisasi",
        Pendaftaran = "pendaftaran",
        PengajuanProposal = "pengajuan_proposal",
        SeleksiAdministrasi = "seleksi_administrasi",
        Penilaian = "penilaian",
        PresentasiWawancara = "presentasi_wawancara",
        VerifikasiLapangan = "verifikasi_lapangan",
        UjiPublik = "uji_publik",
        Pengumuman = "pengumuman",
    }
);

impl StageKind {
    /// The form field names of this stage's start and end in the timeline editor.
    pub fn field(self, closes: bool) -> &'static str {
        use StageKind::*;
        match (self, closes) {
            (Sosialisasi, false) => "sosialisasi.opens",
            (Sosialisasi, true) => "sosialisasi.closes",
            (Pendaftaran, false) => "pendaftaran.opens",
            (Pendaftaran, true) => "pendaftaran.closes",
            (PengajuanProposal, false) => "pengajuan_proposal.opens",
            (PengajuanProposal, true) => "pengajuan_proposal.closes",
            (SeleksiAdministrasi, false) => "seleksi_administrasi.opens",
            (SeleksiAdministrasi, true) => "seleksi_administrasi.closes",
            (Penilaian, false) => "penilaian.opens",
            (Penilaian, true) => "penilaian.closes",
            (PresentasiWawancara, false) => "presentasi_wawancara.opens",
            (PresentasiWawancara, true) => "presentasi_wawancara.closes",
            (VerifikasiLapangan, false) => "verifikasi_lapangan.opens",
            (VerifikasiLapangan, true) => "verifikasi_lapangan.closes",
            (UjiPublik, false) => "uji_publik.opens",
            (UjiPublik, true) => "uji_publik.closes",
            (Pengumuman, false) => "pengumuman.opens",
            (Pengumuman, true) => "pengumuman.closes",
        }
    }
}

code_enum!(
    /// Where a proposal is in its life.
    ProposalState, "proposal_state" {
        Draft = "draft",
        AwaitingApproval = "awaiting_approval",
        Submitted = "submitted",
        Returned = "returned",
        PassedScreening = "passed_screening",
        Rejected = "rejected",
        Withdrawn = "withdrawn",
        Finalist = "finalist",
        Winner = "winner",
    }
);

code_enum!(
    /// Where an e-mail in the outbox is: waiting (or waiting to be retried), accepted by the
    /// SMTP server, given up on, or kept for the committee's mailbox (no SMTP configured).
    MailState, "mail_state" {
        Pending = "pending",
        Sent = "sent",
        Failed = "failed",
        Kept = "kept",
    }
);

impl StageKind {
    /// The stages a jury scores, in order: each promotes into the next one the edition has.
    pub const JUDGED: [StageKind; 3] = [
        StageKind::Penilaian,
        StageKind::PresentasiWawancara,
        StageKind::VerifikasiLapangan,
    ];

    /// The judged stage named by its kind code (as in URLs), if it is one.
    pub fn parse_judged(code: &str) -> Option<StageKind> {
        StageKind::parse(code).filter(|k| StageKind::JUDGED.contains(k))
    }
}

impl ProposalState {
    /// States in which the unit may still edit the text.
    pub fn is_editable(self) -> bool {
        matches!(self, ProposalState::Draft | ProposalState::Returned)
    }
}

code_enum!(
    /// Maturity of the innovation (inisiatif / uji coba / penerapan).
    InnovationStage, "innovation_stage" {
        Inisiatif = "inisiatif",
        UjiCoba = "uji_coba",
        Penerapan = "penerapan",
    }
);

code_enum!(
    /// The jury mixes academics and practitioners.
    JudgeKind, "judge_kind" { Academic = "academic", Practitioner = "practitioner" }
);

code_enum!(
    /// The ASN core values (SE MenPANRB 20/2021).
    BerakhlakValue, "berakhlak" {
        BerorientasiPelayanan = "berorientasi_pelayanan",
        Akuntabel = "akuntabel",
        Kompeten = "kompeten",
        Harmonis = "harmonis",
        Loyal = "loyal",
        Adaptif = "adaptif",
        Kolaboratif = "kolaboratif",
    }
);

code_enum!(
    /// How a conflict of interest came to be known.
    ConflictSource, "conflict_source" {
        /// Derived from unit ties and institutions.
        Automatic = "automatic",
        /// Declared by the judge.
        Declared = "declared",
        /// Set by the committee; only the committee can lift it.
        Pinned = "pinned",
    }
);

code_enum!(
    ScoreSheetState, "sheet_state" { Draft = "draft", Submitted = "submitted" }
);

/// A sustainable-development goal, 1 to 17.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Sdg(u8);

impl Sdg {
    pub fn new(n: u8) -> Option<Self> {
        (1..=17).contains(&n).then_some(Sdg(n))
    }
    pub fn number(self) -> u8 {
        self.0
    }
}
impl TryFrom<u8> for Sdg {
    type Error = &'static str;
    fn try_from(n: u8) -> Result<Self, Self::Error> {
        Sdg::new(n).ok_or("SDG must be 1..=17")
    }
}
impl From<Sdg> for u8 {
    fn from(s: Sdg) -> u8 {
        s.0
    }
}

pub type Id = i64;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Edition {
    pub id: Id,
    pub year: i32,
    pub name: String,
    pub theme: String,
    pub organiser: String,
    pub description: String,
    pub time_zone: TimeZone,
    pub is_current: bool,
    /// The unit head approves a proposal before it is submitted.
    pub approval_required: bool,
    pub rules: crate::edition::EligibilityRules,
    /// Largest proposal attachment, in MiB.
    pub max_attachment_mb: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Category {
    pub id: Id,
    pub edition_id: Id,
    pub code: Slug,
    pub name: String,
    pub description: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Stage {
    pub id: Id,
    pub edition_id: Id,
    pub kind: StageKind,
    pub opens_at: Instant,
    pub closes_at: Instant,
}

/// Where a stage is relative to a given instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StageStatus {
    Upcoming,
    Open,
    Closed,
}

impl StageStatus {
    pub fn label_key(self) -> &'static str {
        match self {
            StageStatus::Upcoming => "stage_status.upcoming",
            StageStatus::Open => "stage_status.open",
            StageStatus::Closed => "stage_status.closed",
        }
    }
}

impl Stage {
    /// A stage is open from `opens_at` inclusive to `closes_at` inclusive: a submission
    /// stamped exactly at the deadline is on time, one a millisecond later is not.
    pub fn status(&self, now: Instant) -> StageStatus {
        if now < self.opens_at {
            StageStatus::Upcoming
        } else if now <= self.closes_at {
            StageStatus::Open
        } else {
            StageStatus::Closed
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Unit {
    pub id: Id,
    pub code: Slug,
    pub name: String,
    pub kind: UnitKind,
    pub parent_id: Option<Id>,
    pub region_code: Option<RegionCode>,
    pub npsn: Option<Npsn>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct User {
    pub id: Id,
    pub email: Email,
    pub name: String,
    pub nip: Option<Nip>,
    pub must_change_password: bool,
    pub disabled: bool,
}

/// One role of one user in one edition; a unit operator's grant names the unit.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RoleGrant {
    pub edition_id: Id,
    pub role: Role,
    pub unit_id: Option<Id>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Proposal {
    pub id: Id,
    pub edition_id: Id,
    pub unit_id: Id,
    pub category_id: Option<Id>,
    pub title: String,
    pub summary: String,
    pub problem: String,
    pub idea: String,
    pub novelty: String,
    pub results: String,
    pub atm_source: Option<String>,
    pub state: ProposalState,
    pub innovation_stage: InnovationStage,
    pub started_on: Option<String>,
    pub values: Vec<BerakhlakValue>,
    pub sdgs: Vec<Sdg>,
    pub receipt_number: Option<String>,
    pub state_reason: Option<String>,
    pub submitted_at: Option<Instant>,
    pub updated_at: Instant,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Judge {
    pub id: Id,
    pub user_id: Id,
    pub kind: JudgeKind,
    pub institution: String,
    pub expertise: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Conflict {
    pub id: Id,
    pub judge_id: Id,
    pub proposal_id: Id,
    pub source: ConflictSource,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Assignment {
    pub id: Id,
    pub stage_id: Id,
    pub judge_id: Id,
    pub proposal_id: Id,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ScoreSheet {
    pub id: Id,
    pub assignment_id: Id,
    pub state: ScoreSheetState,
    pub submitted_at: Option<Instant>,
}

/// One line of the append-only audit log.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AuditEvent {
    pub id: Id,
    pub at: Instant,
    pub actor_user_id: Option<Id>,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<String>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub ip: Option<String>,
}
