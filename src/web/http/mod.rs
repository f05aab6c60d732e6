//! What every request passes through, whatever its feature: sessions and CSRF (`auth`), the
//! language (`locale`), the request log, throttles, body limits and uploads, the one error type
//! and its page, rendering and answers, CSV, the stylesheet, password hashing and metrics.

pub mod access;
pub mod assets;
pub mod auth;
pub mod client;
pub mod confirm;
pub mod csv;
pub mod errors;
pub mod guard;
pub mod hasher;
pub mod images;
pub mod limits;
pub mod locale;
pub mod metrics;
pub mod request_log;
pub mod respond;
pub mod throttle;
pub mod upload;
pub mod view;
