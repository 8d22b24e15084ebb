//! Rules of the public vote "inovasi favorit" and of uji publik that need no I/O: the
//! network prefix of a client address, the canonical text a vote's hash covers, the shipped
//! list of disposable e-mail domains, burst detection, and the committee's decisions on
//! objections.

use crate::Instant;

/// The network an address belongs to for the "many addresses from one network" check:
/// `a.b.c.0/24` for IPv4, the first 48 bits for IPv6. `None` for something unparsable.
pub fn ip_prefix(ip: &str) -> Option<String> {
    let addr: std::net::IpAddr = ip.trim().parse().ok()?;
    match addr {
        std::net::IpAddr::V4(v4) => {
            let o = v4.octets();
            Some(format!("{}.{}.{}.0/24", o[0], o[1], o[2]))
        }
        std::net::IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return ip_prefix(&v4.to_string());
            }
            let s = v6.segments();
            Some(format!("{:x}:{:x}:{:x}::/48", s[0], s[1], s[2]))
        }
    }
}

/// The hash of the chain's first link's predecessor.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The fields of one vote that its hash covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoteLink<'a> {
    pub id: i64,
    pub edition_id: i64,
    pub category_id: i64,
    pub proposal_id: i64,
    pub voter_hash: &'a str,
    pub ip_prefix_hash: &'a str,
    pub at: Instant,
    pub prev_hash: &'a str,
}

impl VoteLink<'_> {
    /// The canonical serialisation: a version tag and each field in a fixed order, one per
    /// line (no field can contain a newline: ids are numbers, hashes are hex).
    pub fn canonical(&self) -> String {
        format!(
            "kolabik-vote-v1\n{}\n{}\n{}\n{}\n{}\n{}\n{}\n{}",
            self.id,
            self.edition_id,
            self.category_id,
            self.proposal_id,
            self.voter_hash,
            self.ip_prefix_hash,
            self.at.millis(),
            self.prev_hash
        )
    }
}

const DISPOSABLE: &str = include_str!("../data/disposable-domains.txt");

/// Whether an e-mail domain is a known disposable-address provider (the shipped list,
/// subdomains included).
pub fn is_disposable(domain: &str) -> bool {
    let d = domain.trim().to_lowercase();
    DISPOSABLE
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .any(|l| d == l || d.ends_with(&format!(".{l}")))
}

/// A burst: at least `min_votes` votes for one proposal within `window_ms`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Burst {
    pub proposal_id: i64,
    pub from: Instant,
    pub to: Instant,
    pub votes: usize,
}

/// The densest run per proposal that reaches `min_votes` within `window_ms`; `votes` are
/// (proposal, instant) pairs in any order. Sorted by size, largest first.
pub fn bursts(votes: &[(i64, Instant)], window_ms: i64, min_votes: usize) -> Vec<Burst> {
    let mut by_proposal: std::collections::BTreeMap<i64, Vec<Instant>> = Default::default();
    for (p, at) in votes {
        by_proposal.entry(*p).or_default().push(*at);
    }
    let mut out = Vec::new();
    for (p, mut times) in by_proposal {
        times.sort();
        let mut best: Option<(usize, usize)> = None;
        let mut start = 0;
        for end in 0..times.len() {
            while times[end].millis() - times[start].millis() > window_ms {
                start += 1;
            }
            let n = end - start + 1;
            if n >= min_votes.max(1) && best.is_none_or(|(bs, be)| n > be - bs + 1) {
                best = Some((start, end));
            }
        }
        if let Some((s, e)) = best {
            out.push(Burst {
                proposal_id: p,
                from: times[s],
                to: times[e],
                votes: e - s + 1,
            });
        }
    }
    out.sort_by(|a, b| {
        b.votes
            .cmp(&a.votes)
            .then(a.proposal_id.cmp(&b.proposal_id))
    });
    out
}

/// The committee's decision on an objection.
pub const OBJECTION_DECISIONS: &[&str] = &["diterima", "ditolak", "dicatat"];
/// What a member of the public sends: an objection or a note.
pub const OBJECTION_KINDS: &[&str] = &["keberatan", "catatan"];

/// Catalogue key of a decision's label.
pub fn decision_label_key(code: &str) -> &'static str {
    match code {
        "diterima" => "objection.decision.diterima",
        "ditolak" => "objection.decision.ditolak",
        _ => "objection.decision.dicatat",
    }
}

/// Catalogue key of a kind's label.
pub fn kind_label_key(code: &str) -> &'static str {
    match code {
        "keberatan" => "objection.kind.keberatan",
        _ => "objection.kind.catatan",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes() {
        assert_eq!(ip_prefix("10.1.2.3").as_deref(), Some("10.1.2.0/24"));
        assert_eq!(
            ip_prefix("2001:db8:abcd:12::1").as_deref(),
            Some("2001:db8:abcd::/48")
        );
        assert_eq!(ip_prefix("::ffff:10.1.2.3").as_deref(), Some("10.1.2.0/24"));
        assert_eq!(ip_prefix("nonsense"), None);
    }

    #[test]
    fn disposable_domains_and_subdomains() {
        assert!(is_disposable("mailinator.com"));
        assert!(is_disposable("X.Mailinator.com"));
        assert!(!is_disposable("gmail.com"));
    }

    #[test]
    fn canonical_covers_every_field() {
        let l = VoteLink {
            id: 1,
            edition_id: 2,
            category_id: 3,
            proposal_id: 4,
            voter_hash: "ab",
            ip_prefix_hash: "cd",
            at: Instant(5),
            prev_hash: GENESIS,
        };
        assert_eq!(
            l.canonical(),
            format!("kolabik-vote-v1\n1\n2\n3\n4\nab\ncd\n5\n{GENESIS}")
        );
    }

    #[test]
    fn bursts_find_the_densest_run() {
        let m = 60_000;
        let mut v: Vec<(i64, Instant)> = (0..10).map(|i| (7, Instant(i * 10 * m))).collect();
        v.extend((0..12).map(|i| (8, Instant(1_000 * m + i * 1000))));
        let b = bursts(&v, 10 * m, 8);
        assert_eq!(b.len(), 1);
        assert_eq!(b[0].proposal_id, 8);
        assert_eq!(b[0].votes, 12);
    }
}
