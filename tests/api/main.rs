#![allow(clippy::unwrap_used, clippy::expect_used)]
//! One integration-test binary: every test gets its own server on a random port and its own
//! database (a SQLite file, or a fresh PostgreSQL schema when TEST_DATABASE_URL is set).

mod helpers;
mod smtp;
mod webdriver;

// By feature, as src/ is.
mod account;
mod applications;
mod events;
mod insights;
mod operating;
mod talks;

// Across features.
mod browser;
mod catalog;
mod hardening;
mod layering;
mod pages;
mod permissions;
