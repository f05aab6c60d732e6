//! What this instance keeps between requests, and what makes it forget.

pub mod listener;
pub mod pages;
pub mod sessions;
pub mod shared;
