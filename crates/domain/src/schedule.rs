//! The presentation & interview schedule: slot shapes, generating consecutive slots from a
//! start time (continuing the next day at the same hour when a day ends), and finding
//! judges booked in two overlapping slots.
//!
//! Times are instants (UTC milliseconds); the wall clock of the edition's zone only decides
//! where a day starts and ends. Indonesian zones keep a fixed offset, so "the next day at
//! the same hour" is exactly 24 hours later.

use serde::{Deserialize, Serialize};

use crate::Id;
use crate::time::{Instant, LocalDateTime, TimeZone};

const MINUTE_MS: i64 = 60_000;
const DAY_MS: i64 = 86_400_000;

/// How long a slot lasts: a talk that includes a video, then questions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlotShape {
    /// The unit's presentation, video included.
    pub talk_minutes: u32,
    /// The video shown during the talk (part of `talk_minutes`).
    pub video_minutes: u32,
    /// Questions and answers after the talk.
    pub qa_minutes: u32,
}

impl Default for SlotShape {
    /// 10 minutes talk including a 3-minute video, then 20 minutes of questions.
    fn default() -> Self {
        SlotShape {
            talk_minutes: 10,
            video_minutes: 3,
            qa_minutes: 20,
        }
    }
}

/// The longest slot accepted, in minutes.
pub const MAX_SLOT_MINUTES: u32 = 240;

impl SlotShape {
    pub fn total_minutes(self) -> u32 {
        self.talk_minutes + self.qa_minutes
    }
    /// The talk without the video.
    pub fn speaking_minutes(self) -> u32 {
        self.talk_minutes.saturating_sub(self.video_minutes)
    }
    /// Checks the shape; the error is a catalogue key.
    pub fn check(self) -> Result<(), &'static str> {
        if self.talk_minutes == 0 {
            return Err("presentation.error_talk");
        }
        if self.video_minutes > self.talk_minutes {
            return Err("presentation.error_video");
        }
        if self.total_minutes() > MAX_SLOT_MINUTES {
            return Err("presentation.error_too_long");
        }
        Ok(())
    }
    pub fn end(self, start: Instant) -> Instant {
        Instant(start.0 + i64::from(self.total_minutes()) * MINUTE_MS)
    }
}

/// What generating a schedule needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    pub time_zone: TimeZone,
    /// The first slot's start, on the edition's wall clock; later days start at its hour.
    pub start: LocalDateTime,
    pub shape: SlotShape,
    /// Pause between two slots.
    pub break_minutes: u32,
    /// Wall-clock (hour, minute) by which each day's last slot must end; `None`: no end.
    pub day_end: Option<(u32, u32)>,
}

/// A proposal to place, with what orders it: its category's position, then its id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Candidate {
    pub proposal_id: Id,
    pub category_position: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Planned {
    pub proposal_id: Id,
    pub starts_at: Instant,
    pub ends_at: Instant,
}

/// Places every candidate, in category then proposal order, one after the other with the
/// break between them. A slot that would end after the day end moves to the next day at
/// the start hour. The error is a catalogue key.
pub fn generate(plan: &Plan, candidates: &[Candidate]) -> Result<Vec<Planned>, &'static str> {
    plan.shape.check()?;
    if plan.break_minutes > 24 * 60 {
        return Err("presentation.error_break");
    }
    let first = plan.time_zone.to_instant(plan.start);
    let slot_ms = i64::from(plan.shape.total_minutes()) * MINUTE_MS;
    let break_ms = i64::from(plan.break_minutes) * MINUTE_MS;
    let day_end_of = |day: i64| -> Option<Instant> {
        plan.day_end.map(|(h, m)| {
            let end = LocalDateTime {
                hour: h,
                minute: m,
                ..plan.start
            };
            Instant(plan.time_zone.to_instant(end).0 + day * DAY_MS)
        })
    };
    if let Some(end) = day_end_of(0) {
        let (h, m) = plan.day_end.unwrap_or((0, 0));
        if h > 23 || m > 59 || first.0 + slot_ms > end.0 {
            return Err("presentation.error_day_end");
        }
    }
    let mut order: Vec<Candidate> = candidates.to_vec();
    order.sort_by_key(|c| (c.category_position, c.proposal_id));
    order.dedup_by_key(|c| c.proposal_id);
    let mut out = Vec::with_capacity(order.len());
    let mut day = 0i64;
    let mut next = first.0;
    for c in order {
        if let Some(end) = day_end_of(day)
            && next + slot_ms > end.0
        {
            day += 1;
            next = first.0 + day * DAY_MS;
        }
        out.push(Planned {
            proposal_id: c.proposal_id,
            starts_at: Instant(next),
            ends_at: Instant(next + slot_ms),
        });
        next += slot_ms + break_ms;
    }
    Ok(out)
}

/// Two half-open intervals `[a0, a1)` and `[b0, b1)` share time.
pub fn overlaps(a: (Instant, Instant), b: (Instant, Instant)) -> bool {
    a.0 < b.1 && b.0 < a.1
}

/// A slot as the double-booking check sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Booking {
    pub slot_id: Id,
    pub starts_at: Instant,
    pub ends_at: Instant,
    pub judges: Vec<Id>,
}

/// Every (judge, slot) where the judge sits on this slot's panel and on another slot that
/// overlaps it. Sorted, without repeats.
pub fn double_booked(bookings: &[Booking]) -> Vec<(Id, Id)> {
    let mut sorted: Vec<&Booking> = bookings.iter().collect();
    sorted.sort_by_key(|b| (b.starts_at, b.slot_id));
    let mut out = Vec::new();
    for (i, a) in sorted.iter().enumerate() {
        for b in &sorted[i + 1..] {
            if b.starts_at >= a.ends_at {
                break;
            }
            if !overlaps((a.starts_at, a.ends_at), (b.starts_at, b.ends_at)) {
                continue;
            }
            for j in &a.judges {
                if b.judges.contains(j) {
                    out.push((*j, a.slot_id));
                    out.push((*j, b.slot_id));
                }
            }
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// Parses a wall-clock `HH:MM` (as an `<input type="time">` sends it).
pub fn parse_hour_minute(s: &str) -> Option<(u32, u32)> {
    let (h, m) = s.trim().split_once(':')?;
    let m = m.get(..2).unwrap_or(m);
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60).then_some((h, m))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(day_end: Option<(u32, u32)>, break_minutes: u32) -> Plan {
        Plan {
            time_zone: TimeZone::Wib,
            start: LocalDateTime::parse("2022-10-03T08:00").unwrap(),
            shape: SlotShape::default(),
            break_minutes,
            day_end,
        }
    }

    fn cands(n: i64) -> Vec<Candidate> {
        (1..=n)
            .map(|i| Candidate {
                proposal_id: i,
                category_position: i % 2,
            })
            .collect()
    }

    #[test]
    fn default_shape_is_thirty_minutes() {
        let s = SlotShape::default();
        assert_eq!(s.total_minutes(), 30);
        assert_eq!(s.speaking_minutes(), 7);
        assert_eq!(s.check(), Ok(()));
    }

    #[test]
    fn shape_checks() {
        let bad_video = SlotShape {
            talk_minutes: 5,
            video_minutes: 6,
            qa_minutes: 10,
        };
        assert_eq!(bad_video.check(), Err("presentation.error_video"));
        let zero = SlotShape {
            talk_minutes: 0,
            video_minutes: 0,
            qa_minutes: 10,
        };
        assert_eq!(zero.check(), Err("presentation.error_talk"));
        let long = SlotShape {
            talk_minutes: 200,
            video_minutes: 0,
            qa_minutes: 41,
        };
        assert_eq!(long.check(), Err("presentation.error_too_long"));
    }

    #[test]
    fn slots_follow_each_other_in_category_then_proposal_order() {
        let out = generate(&plan(None, 0), &cands(4)).unwrap();
        let ids: Vec<Id> = out.iter().map(|p| p.proposal_id).collect();
        assert_eq!(ids, vec![2, 4, 1, 3]);
        // 08:00 WIB is 01:00 UTC.
        assert_eq!(out[0].starts_at.to_rfc3339(), "2022-10-03T01:00:00Z");
        for w in out.windows(2) {
            assert_eq!(w[1].starts_at.0 - w[0].starts_at.0, 30 * MINUTE_MS);
            assert_eq!(w[0].ends_at, w[1].starts_at);
            assert!(!overlaps(
                (w[0].starts_at, w[0].ends_at),
                (w[1].starts_at, w[1].ends_at)
            ));
        }
    }

    #[test]
    fn breaks_separate_slots() {
        let out = generate(&plan(None, 10), &cands(3)).unwrap();
        assert_eq!(out[1].starts_at.0 - out[0].ends_at.0, 10 * MINUTE_MS);
    }

    #[test]
    fn a_day_end_moves_the_rest_to_the_next_morning() {
        // 08:00–09:00 holds two 30-minute slots.
        let out = generate(&plan(Some((9, 0)), 0), &cands(5)).unwrap();
        let starts: Vec<String> = out.iter().map(|p| p.starts_at.to_rfc3339()).collect();
        assert_eq!(
            starts,
            vec![
                "2022-10-03T01:00:00Z",
                "2022-10-03T01:30:00Z",
                "2022-10-04T01:00:00Z",
                "2022-10-04T01:30:00Z",
                "2022-10-05T01:00:00Z",
            ]
        );
        assert_eq!(
            generate(&plan(Some((8, 20)), 0), &cands(1)),
            Err("presentation.error_day_end")
        );
    }

    #[test]
    fn duplicates_are_placed_once() {
        let mut c = cands(2);
        c.push(c[0]);
        assert_eq!(generate(&plan(None, 0), &c).unwrap().len(), 2);
    }

    #[test]
    fn double_booked_judges_are_found() {
        let t = |m: i64| Instant(m * MINUTE_MS);
        let b = vec![
            Booking {
                slot_id: 1,
                starts_at: t(0),
                ends_at: t(30),
                judges: vec![10, 11],
            },
            Booking {
                slot_id: 2,
                starts_at: t(20),
                ends_at: t(50),
                judges: vec![11, 12],
            },
            Booking {
                slot_id: 3,
                starts_at: t(50),
                ends_at: t(80),
                judges: vec![11, 12],
            },
        ];
        assert_eq!(double_booked(&b), vec![(11, 1), (11, 2)]);
    }

    #[test]
    fn hour_minute() {
        assert_eq!(parse_hour_minute("16:30"), Some((16, 30)));
        assert_eq!(parse_hour_minute("16:30:00"), Some((16, 30)));
        assert_eq!(parse_hour_minute("24:00"), None);
        assert_eq!(parse_hour_minute("x"), None);
    }
}
