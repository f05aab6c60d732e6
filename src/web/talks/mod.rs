//! Talks: the public archive and speaker pages, proposals by speakers, the organizers' review, and
//! the speaker profile.

pub mod archive;
pub mod proposals;
pub mod review;
pub mod speakers;
