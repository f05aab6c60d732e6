#![allow(clippy::unwrap_used, clippy::expect_used)]
//! One integration-test binary: every test gets its own server on a random port and its own
//! database (a SQLite file, or a fresh PostgreSQL schema when TEST_DATABASE_URL is set).

mod helpers;
mod smtp;
mod webdriver;

mod accounts;
mod applications;
mod backups;
mod browser;
mod cache;
mod catalog;
mod cli;
mod copy;
mod day_of;
mod deploy;
mod events;
mod hardening;
mod insights;
mod instances;
mod layering;
mod logs;
mod mail;
mod operating;
mod pages;
mod permissions;
mod proxy;
mod security;
mod talks;
