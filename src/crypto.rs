//! Random tokens (≥ 128 bits from the OS CSPRNG) and their SHA-256 digests: the database only
//! ever holds the digest.

use rand::RngCore;
use sha2::{Digest, Sha256};

/// 32 random bytes, hex encoded (64 characters).
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    // ThreadRng is ChaCha12 seeded and periodically reseeded from the OS CSPRNG.
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

pub fn sha256_hex(value: &str) -> String {
    sha256_hex_bytes(value.as_bytes())
}

pub fn sha256_hex_bytes(value: &[u8]) -> String {
    hex::encode(Sha256::digest(value))
}
