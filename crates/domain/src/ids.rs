//! Identifiers that are valid by construction ("parse, don't validate").
//!
//! Every error carries a translation key, never a sentence: the web layer shows it in the
//! user's language.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Why an identifier was refused; `key()` is the message key in the translation catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("NIP must be 18 digits")]
    NipLength,
    #[error("NIP birth date is not a real date")]
    NipBirthDate,
    #[error("NIP appointment month is not valid")]
    NipAppointment,
    #[error("NIP gender digit must be 1 or 2")]
    NipGender,
    #[error("NPSN must be 8 digits")]
    Npsn,
    #[error("region code must look like PP, PP.KK, PP.KK.CC or PP.KK.CC.DDDD")]
    RegionFormat,
    #[error("region code has a number out of range")]
    RegionRange,
    #[error("not a valid e-mail address")]
    Email,
    #[error("code may hold only a-z, 0-9 and '-'")]
    Slug,
}

impl IdError {
    pub fn key(self) -> &'static str {
        match self {
            IdError::NipLength => "error.nip_length",
            IdError::NipBirthDate => "error.nip_birth_date",
            IdError::NipAppointment => "error.nip_appointment",
            IdError::NipGender => "error.nip_gender",
            IdError::Npsn => "error.npsn",
            IdError::RegionFormat => "error.region_format",
            IdError::RegionRange => "error.region_range",
            IdError::Email => "error.email",
            IdError::Slug => "error.slug",
        }
    }
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

fn num(s: &str) -> u32 {
    s.bytes().fold(0, |n, b| n * 10 + u32::from(b - b'0'))
}

/// Nomor Induk Pegawai of a civil servant: 18 digits = birth date (YYYYMMDD), appointment
/// (YYYYMM), gender (1 male, 2 female) and a 3-digit sequence (Perka BKN 22/2007).
/// Spaces, as in `19860926 201505 1 001`, are accepted and dropped.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Nip(String);

impl Nip {
    pub fn parse(raw: &str) -> Result<Self, IdError> {
        let s: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
        if s.len() != 18 || !all_digits(&s) {
            return Err(IdError::NipLength);
        }
        let (y, m, d) = (num(&s[0..4]), num(&s[4..6]), num(&s[6..8]));
        if !(1940..=2010).contains(&y) || !crate::time::is_valid_date(y as i32, m, d) {
            return Err(IdError::NipBirthDate);
        }
        let (ay, am) = (num(&s[8..12]), num(&s[12..14]));
        if ay < y + 17 || !(1..=12).contains(&am) {
            return Err(IdError::NipAppointment);
        }
        if !matches!(&s[14..15], "1" | "2") {
            return Err(IdError::NipGender);
        }
        Ok(Nip(s))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Nomor Pokok Sekolah Nasional: exactly 8 digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Npsn(String);

impl Npsn {
    pub fn parse(raw: &str) -> Result<Self, IdError> {
        let s = raw.trim();
        if s.len() == 8 && all_digits(s) {
            Ok(Npsn(s.to_owned()))
        } else {
            Err(IdError::Npsn)
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Kemendagri administrative region code, at any of its four levels: province `PP`,
/// regency/city `PP.KK` (kabupaten 01–69, kota 71–99), district `PP.KK.CC`, and village
/// `PP.KK.CC.DDDD` (kelurahan 1xxx, desa 2xxx).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RegionCode(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegionLevel {
    Province,
    Regency,
    District,
    Village,
}

impl RegionCode {
    pub fn parse(raw: &str) -> Result<Self, IdError> {
        let s = raw.trim();
        let parts: Vec<&str> = s.split('.').collect();
        let widths = [2, 2, 2, 4];
        if parts.is_empty() || parts.len() > 4 {
            return Err(IdError::RegionFormat);
        }
        for (part, width) in parts.iter().zip(widths) {
            if part.len() != width || !all_digits(part) {
                return Err(IdError::RegionFormat);
            }
        }
        let province = num(parts[0]);
        if !(11..=96).contains(&province) {
            return Err(IdError::RegionRange);
        }
        if let Some(regency) = parts.get(1).map(|p| num(p))
            && !((1..=69).contains(&regency) || (71..=99).contains(&regency))
        {
            return Err(IdError::RegionRange);
        }
        if parts.get(2).is_some_and(|p| num(p) == 0) {
            return Err(IdError::RegionRange);
        }
        if let Some(village) = parts.get(3).map(|p| num(p))
            && !(1001..=2999).contains(&village)
        {
            return Err(IdError::RegionRange);
        }
        Ok(RegionCode(s.to_owned()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn level(&self) -> RegionLevel {
        match self.0.split('.').count() {
            1 => RegionLevel::Province,
            2 => RegionLevel::Regency,
            3 => RegionLevel::District,
            _ => RegionLevel::Village,
        }
    }
    /// True when `other` lies inside this region (or is this region).
    pub fn contains(&self, other: &RegionCode) -> bool {
        other.0 == self.0 || other.0.starts_with(&format!("{}.", self.0))
    }
}

/// An e-mail address, trimmed and lower-cased. Deliberately permissive (one `@`, a dotted
/// domain, no spaces): the invitation e-mail is the real check.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, IdError> {
        let s = raw.trim().to_lowercase();
        let Some((local, domain)) = s.split_once('@') else {
            return Err(IdError::Email);
        };
        let ok = !local.is_empty()
            && local.len() <= 64
            && s.len() <= 254
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && !s.chars().any(|c| c.is_whitespace() || c.is_control())
            && !domain.contains('@');
        if ok {
            Ok(Email(s))
        } else {
            Err(IdError::Email)
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A short code for URLs and imports: `a-z`, `0-9` and `-`, 1 to 64 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Slug(String);

impl Slug {
    pub fn parse(raw: &str) -> Result<Self, IdError> {
        let s = raw.trim();
        let ok = !s.is_empty()
            && s.len() <= 64
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !s.starts_with('-');
        if ok {
            Ok(Slug(s.to_owned()))
        } else {
            Err(IdError::Slug)
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

macro_rules! string_newtype_impls {
    ($($t:ident),*) => {$(
        impl TryFrom<String> for $t {
            type Error = IdError;
            fn try_from(s: String) -> Result<Self, IdError> { $t::parse(&s) }
        }
        impl From<$t> for String {
            fn from(v: $t) -> String { v.0 }
        }
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str(&self.0) }
        }
        impl std::str::FromStr for $t {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, IdError> { $t::parse(s) }
        }
    )*};
}
string_newtype_impls!(Nip, Npsn, RegionCode, Email, Slug);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nip_accepts_the_documented_example_with_spaces() {
        let nip = Nip::parse("19860926 201505 1 001").unwrap();
        assert_eq!(nip.as_str(), "198609262015051001");
    }

    #[test]
    fn nip_rejects_bad_structure() {
        assert_eq!(Nip::parse("1986092620150510"), Err(IdError::NipLength));
        assert_eq!(
            Nip::parse("19860231201505 1001"),
            Err(IdError::NipBirthDate)
        );
        assert_eq!(
            Nip::parse("198609262015131001"),
            Err(IdError::NipAppointment)
        );
        assert_eq!(
            Nip::parse("198609261990051001"),
            Err(IdError::NipAppointment)
        );
        assert_eq!(Nip::parse("198609262015053001"), Err(IdError::NipGender));
        assert_eq!(Nip::parse("19860926201505100a"), Err(IdError::NipLength));
    }

    #[test]
    fn npsn_is_eight_digits() {
        assert!(Npsn::parse("20523456").is_ok());
        assert!(Npsn::parse("2052345").is_err());
        assert!(Npsn::parse("205234567").is_err());
        assert!(Npsn::parse("2052345x").is_err());
    }

    #[test]
    fn region_codes_at_every_level() {
        assert_eq!(
            RegionCode::parse("35").unwrap().level(),
            RegionLevel::Province
        );
        assert_eq!(
            RegionCode::parse("35.75").unwrap().level(),
            RegionLevel::Regency
        );
        assert_eq!(
            RegionCode::parse("35.75.01").unwrap().level(),
            RegionLevel::District
        );
        let village = RegionCode::parse("35.75.01.1001").unwrap();
        assert_eq!(village.level(), RegionLevel::Village);
        assert!(RegionCode::parse("35.75").unwrap().contains(&village));
        assert!(RegionCode::parse("35.7").is_err());
        assert_eq!(RegionCode::parse("35.70"), Err(IdError::RegionRange));
        assert_eq!(
            RegionCode::parse("35.75.01.3001"),
            Err(IdError::RegionRange)
        );
        assert_eq!(
            RegionCode::parse("35.75.01.1001.1"),
            Err(IdError::RegionFormat)
        );
        assert_eq!(RegionCode::parse("35-75"), Err(IdError::RegionFormat));
    }

    #[test]
    fn email_is_normalised() {
        assert_eq!(
            Email::parse("  Panitia@Kolabik.TEST ").unwrap().as_str(),
            "panitia@kolabik.test"
        );
        for bad in [
            "", "a", "a@b", "a@@b.id", "a b@c.id", "@c.id", "a@.id", "a@c..id",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn slug_rules() {
        assert!(Slug::parse("kec-gadingrejo").is_ok());
        assert!(Slug::parse("Kec").is_err());
        assert!(Slug::parse("-x").is_err());
        assert!(Slug::parse("").is_err());
    }
}
