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

/// FNV as a `Hasher` for the hot maps (stem cache, term dictionary, word tables): their keys
/// are short words from our own text, where SipHash's flood resistance costs more than it
/// protects.
#[derive(Clone, Copy)]
pub(crate) struct FnvHasher(u64);

impl Default for FnvHasher {
    fn default() -> FnvHasher {
        FnvHasher(OFFSET)
    }
}

impl std::hash::Hasher for FnvHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        self.0 = fnv1a_continue(self.0, bytes);
    }
}

pub(crate) type FnvBuild = std::hash::BuildHasherDefault<FnvHasher>;
pub(crate) type FnvMap<K, V> = std::collections::HashMap<K, V, FnvBuild>;
pub(crate) type FnvSet<K> = std::collections::HashSet<K, FnvBuild>;
