//! Instants and Indonesian wall-clock time.
//!
//! Instants are stored as milliseconds since the Unix epoch, UTC. An edition shows them in
//! one of Indonesia's three zones, none of which observes daylight saving, so a fixed offset
//! is exact and no time-zone database is needed.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::Lang;

/// A point in time: milliseconds since 1970-01-01T00:00:00Z.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Instant(pub i64);

impl Instant {
    pub const fn from_millis(ms: i64) -> Self {
        Instant(ms)
    }
    pub const fn millis(self) -> i64 {
        self.0
    }
    pub const fn plus_seconds(self, s: i64) -> Self {
        Instant(self.0 + s * 1000)
    }
    /// RFC 3339 in UTC, e.g. `2022-10-29T02:00:00Z`, for the API and exports.
    pub fn to_rfc3339(self) -> String {
        let secs = self.0.div_euclid(1000);
        let days = secs.div_euclid(86_400);
        let rem = secs.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        format!(
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
            rem / 3600,
            rem % 3600 / 60,
            rem % 60
        )
    }
}

/// Indonesia's time zones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "UPPERCASE")]
pub enum TimeZone {
    /// Waktu Indonesia Barat, UTC+7 (Asia/Jakarta).
    #[default]
    Wib,
    /// Waktu Indonesia Tengah, UTC+8 (Asia/Makassar).
    Wita,
    /// Waktu Indonesia Timur, UTC+9 (Asia/Jayapura).
    Wit,
}

impl TimeZone {
    pub const ALL: [TimeZone; 3] = [TimeZone::Wib, TimeZone::Wita, TimeZone::Wit];
    pub fn offset_hours(self) -> i64 {
        match self {
            TimeZone::Wib => 7,
            TimeZone::Wita => 8,
            TimeZone::Wit => 9,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            TimeZone::Wib => "WIB",
            TimeZone::Wita => "WITA",
            TimeZone::Wit => "WIT",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_uppercase().as_str() {
            "WIB" | "ASIA/JAKARTA" | "ASIA/PONTIANAK" => Some(TimeZone::Wib),
            "WITA" | "ASIA/MAKASSAR" => Some(TimeZone::Wita),
            "WIT" | "ASIA/JAYAPURA" => Some(TimeZone::Wit),
            _ => None,
        }
    }
    pub fn to_local(self, at: Instant) -> LocalDateTime {
        let secs = at.0.div_euclid(1000) + self.offset_hours() * 3600;
        let days = secs.div_euclid(86_400);
        let rem = secs.rem_euclid(86_400);
        let (year, month, day) = civil_from_days(days);
        LocalDateTime {
            year,
            month,
            day,
            hour: (rem / 3600) as u32,
            minute: (rem % 3600 / 60) as u32,
        }
    }
    pub fn to_instant(self, local: LocalDateTime) -> Instant {
        let days = days_from_civil(local.year, local.month, local.day);
        let secs = days * 86_400 + i64::from(local.hour) * 3600 + i64::from(local.minute) * 60
            - self.offset_hours() * 3600;
        Instant(secs * 1000)
    }

    /// "29 Oktober 2022, 09.00 WIB" in Indonesian; "29 October 2022, 09:00 WIB" in English.
    pub fn format(self, at: Instant, lang: Lang) -> String {
        let l = self.to_local(at);
        let month = month_name(l.month, lang);
        let sep = if lang == Lang::Id { '.' } else { ':' };
        format!(
            "{} {month} {}, {:02}{sep}{:02} {}",
            l.day,
            l.year,
            l.hour,
            l.minute,
            self.as_str()
        )
    }

    /// "29 Oktober 2022": the date alone.
    pub fn format_date(self, at: Instant, lang: Lang) -> String {
        let l = self.to_local(at);
        format!("{} {} {}", l.day, month_name(l.month, lang), l.year)
    }
}

impl fmt::Display for TimeZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

pub fn month_name(month: u32, lang: Lang) -> &'static str {
    const ID: [&str; 12] = [
        "Januari",
        "Februari",
        "Maret",
        "April",
        "Mei",
        "Juni",
        "Juli",
        "Agustus",
        "September",
        "Oktober",
        "November",
        "Desember",
    ];
    const EN: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let i = (month.clamp(1, 12) - 1) as usize;
    match lang {
        Lang::Id => ID[i],
        Lang::En => EN[i],
    }
}

/// A wall-clock date and minute in some zone, as typed in a form (`2022-10-29T09:00`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct LocalDateTime {
    pub year: i32,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
}

impl LocalDateTime {
    /// Parses `YYYY-MM-DDTHH:MM` (the HTML `datetime-local` format; a space may stand for
    /// the `T`, and seconds are accepted and ignored).
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        let (date, time) = s.split_once(['T', ' '])?;
        let mut d = date.split('-');
        let year: i32 = d.next()?.parse().ok()?;
        let month: u32 = d.next()?.parse().ok()?;
        let day: u32 = d.next()?.parse().ok()?;
        if d.next().is_some() {
            return None;
        }
        let mut t = time.split(':');
        let hour: u32 = t.next()?.parse().ok()?;
        let minute: u32 = t.next()?.parse().ok()?;
        if let Some(sec) = t.next() {
            let _: u32 = sec.parse().ok()?;
        }
        (is_valid_date(year, month, day) && hour < 24 && minute < 60).then_some(LocalDateTime {
            year,
            month,
            day,
            hour,
            minute,
        })
    }
}

impl fmt::Display for LocalDateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}",
            self.year, self.month, self.day, self.hour, self.minute
        )
    }
}

pub fn is_valid_date(year: i32, month: u32, day: u32) -> bool {
    if !(1..=12).contains(&month) || day == 0 {
        return false;
    }
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    day <= days[(month - 1) as usize]
}

// Howard Hinnant's algorithms for the proleptic Gregorian calendar.
fn days_from_civil(y: i32, m: u32, d: u32) -> i64 {
    let y = i64::from(y) - i64::from(m <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i32, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y as i32, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sosialisasi_2022_is_shown_in_wib_with_indonesian_month() {
        let local = LocalDateTime::parse("2022-10-29T09:00").unwrap();
        let at = TimeZone::Wib.to_instant(local);
        assert_eq!(at.to_rfc3339(), "2022-10-29T02:00:00Z");
        assert_eq!(
            TimeZone::Wib.format(at, Lang::Id),
            "29 Oktober 2022, 09.00 WIB"
        );
        assert_eq!(
            TimeZone::Wib.format(at, Lang::En),
            "29 October 2022, 09:00 WIB"
        );
        assert_eq!(
            TimeZone::Wit.format(at, Lang::Id),
            "29 Oktober 2022, 11.00 WIT"
        );
    }

    #[test]
    fn local_round_trip_across_days_and_leap_years() {
        for s in [
            "2024-02-29T23:59",
            "2000-01-01T00:00",
            "1999-12-31T06:59",
            "2026-11-28T11:44",
        ] {
            let local = LocalDateTime::parse(s).unwrap();
            for tz in TimeZone::ALL {
                assert_eq!(tz.to_local(tz.to_instant(local)), local, "{s} {tz}");
            }
        }
    }

    #[test]
    fn rejects_impossible_local_times() {
        for s in [
            "2023-02-29T10:00",
            "2022-13-01T10:00",
            "2022-10-29T24:00",
            "2022-10-29",
            "x",
        ] {
            assert!(LocalDateTime::parse(s).is_none(), "{s}");
        }
        assert!(LocalDateTime::parse("2022-10-29 09:00:30").is_some());
    }
}
