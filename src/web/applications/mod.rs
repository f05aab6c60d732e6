//! Joining a chapter: the form and its confirmation (`apply`), and the organizers' review queue
//! (`review`).

pub mod apply;
pub mod review;
