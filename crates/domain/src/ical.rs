//! iCalendar (RFC 5545) written by hand: a `VCALENDAR` of `VEVENT`s with UTC times,
//! escaped text, CRLF line ends and lines folded at 75 octets without splitting a UTF-8
//! character.

use crate::time::Instant;

/// One event of a calendar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Globally unique and stable across downloads (e.g. `slot-12@kolabik.example`).
    pub uid: String,
    /// When this calendar was produced.
    pub stamp: Instant,
    pub start: Instant,
    pub end: Instant,
    pub summary: String,
    pub description: String,
    pub location: String,
    /// A URI (the meeting link); left out when empty.
    pub url: String,
}

/// `20221003T010000Z`.
pub fn utc(at: Instant) -> String {
    at.to_rfc3339().replace(['-', ':'], "")
}

/// Escapes a TEXT value: backslash, semicolon, comma and line breaks (RFC 5545 §3.3.11).
pub fn escape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push_str("\\n");
            }
            '\n' => out.push_str("\\n"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A URI value: no line breaks or control characters survive.
fn clean_uri(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_control() && !c.is_whitespace())
        .collect()
}

/// Folds one content line at 75 octets (the leading space of a continuation counts) and
/// ends every physical line with CRLF. A multi-byte character is never split.
pub fn fold(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + line.len() / 70 * 3 + 2);
    let mut used = 0usize;
    for c in line.chars() {
        let n = c.len_utf8();
        if used + n > 75 {
            out.push_str("\r\n ");
            used = 1;
        }
        out.push(c);
        used += n;
    }
    out.push_str("\r\n");
    out
}

/// The whole calendar. `name` becomes `X-WR-CALNAME`; `prodid` names the producer.
pub fn calendar(prodid: &str, name: &str, events: &[Event]) -> String {
    let mut out = String::new();
    let mut line = |s: String| out.push_str(&fold(&s));
    line("BEGIN:VCALENDAR".into());
    line("VERSION:2.0".into());
    line(format!("PRODID:{}", escape_text(prodid)));
    line("CALSCALE:GREGORIAN".into());
    line("METHOD:PUBLISH".into());
    line(format!("X-WR-CALNAME:{}", escape_text(name)));
    for e in events {
        line("BEGIN:VEVENT".into());
        line(format!("UID:{}", escape_text(&e.uid)));
        line(format!("DTSTAMP:{}", utc(e.stamp)));
        line(format!("DTSTART:{}", utc(e.start)));
        line(format!("DTEND:{}", utc(e.end)));
        line(format!("SUMMARY:{}", escape_text(&e.summary)));
        if !e.description.is_empty() {
            line(format!("DESCRIPTION:{}", escape_text(&e.description)));
        }
        if !e.location.is_empty() {
            line(format!("LOCATION:{}", escape_text(&e.location)));
        }
        let url = clean_uri(&e.url);
        if !url.is_empty() {
            line(format!("URL:{url}"));
        }
        line("END:VEVENT".into());
    }
    line("END:VCALENDAR".into());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_times() {
        assert_eq!(utc(Instant(1_664_758_800_000)), "20221003T010000Z");
    }

    #[test]
    fn escaping() {
        assert_eq!(escape_text("a\\b;c,d\ne\r\nf"), "a\\\\b\\;c\\,d\\ne\\nf");
        assert_eq!(escape_text("tab\there"), "tabhere");
        assert_eq!(escape_text("Rp 1.000: ok"), "Rp 1.000: ok");
    }

    #[test]
    fn short_lines_are_not_folded() {
        assert_eq!(fold("SUMMARY:x"), "SUMMARY:x\r\n");
        let exact = "X".repeat(75);
        assert_eq!(fold(&exact), format!("{exact}\r\n"));
    }

    #[test]
    fn long_lines_fold_at_75_octets() {
        let line = format!("DESCRIPTION:{}", "a".repeat(200));
        let folded = fold(&line);
        let parts: Vec<&str> = folded.trim_end_matches("\r\n").split("\r\n").collect();
        assert!(parts.len() > 2);
        assert_eq!(parts[0].len(), 75);
        for p in &parts[1..] {
            assert!(p.starts_with(' '));
            assert!(p.len() <= 75);
        }
        // Unfolding gives the line back.
        assert_eq!(folded.trim_end_matches("\r\n").replace("\r\n ", ""), line);
    }

    #[test]
    fn folding_never_splits_a_character() {
        // "é" is 2 octets, "🙂" 4: every boundary falls differently.
        for filler in ["é", "🙂", "aé", "a🙂"] {
            let line = format!("SUMMARY:{}", filler.repeat(60));
            let folded = fold(&line);
            for p in folded.split("\r\n").filter(|p| !p.is_empty()) {
                assert!(p.len() <= 75, "{p:?} is {} octets", p.len());
            }
            assert_eq!(folded.trim_end_matches("\r\n").replace("\r\n ", ""), line);
        }
    }

    #[test]
    fn a_calendar_has_crlf_lines_and_utc_times() {
        let e = Event {
            uid: "slot-7@kolabik.test".into(),
            stamp: Instant(0),
            start: Instant(1_664_758_800_000),
            end: Instant(1_664_760_600_000),
            summary: "Presentasi: Layanan, cepat; ramah".into(),
            description: "Paparan 10 menit\nTautan: https://meet.example/x".into(),
            location: "Ruang Rapat 1".into(),
            url: "https://meet.example/x".into(),
        };
        let cal = calendar("-//Kolabik//ID", "Jadwal", &[e]);
        assert!(cal.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
        assert!(cal.ends_with("END:VCALENDAR\r\n"));
        assert!(cal.contains("\r\nDTSTART:20221003T010000Z\r\n"));
        assert!(cal.contains("\r\nDTEND:20221003T013000Z\r\n"));
        assert!(cal.contains("SUMMARY:Presentasi: Layanan\\, cepat\\; ramah\r\n"));
        assert!(cal.contains("DESCRIPTION:Paparan 10 menit\\nTautan: https://meet.example/x"));
        assert!(cal.contains("UID:slot-7@kolabik.test\r\n"));
        assert!(cal.contains("URL:https://meet.example/x\r\n"));
        assert!(!cal.replace("\r\n", "").contains('\n'));
    }
}
