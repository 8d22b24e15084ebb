//! A fixed hash, so that shingle identities and cache shards are the same on every platform
//! and every run (the standard library's hasher is randomly seeded).

const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const PRIME: u64 = 0x0000_0100_0000_01b3;

pub(crate) fn fnv1a(bytes: &[u8]) -> u64 {
    fnv1a_continue(OFFSET, bytes)
}

pub(crate) fn fnv1a_continue(mut hash: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(PRIME);
    }
    hash
}
