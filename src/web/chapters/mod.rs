//! A chapter's public pages, its organizers' management pages, announcements and the contact form.

pub mod announcements;
pub mod audit;
pub mod contact;
pub mod manage;
pub mod pages;
pub mod share;
