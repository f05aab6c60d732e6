//! The balance report: each organization's share of a chapter's meetups.

use super::Organization;
use crate::db::DbConnection;
use crate::db::schema::{event_hosts, events, organizations};
use crate::domain::DomainResult;
use crate::domain::events::EventStatus;
use crate::domain::ids::*;
use crate::i18n::Locale;
use diesel::prelude::*;

/// One organization's share of a chapter's meetups: talks its people gave, events it hosted
/// (host or co-host) and events it sponsored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BalanceRow {
    pub name: String,
    pub organization_id: Option<OrganizationId>,
    pub talks: i64,
    pub hosted: i64,
    pub sponsored: i64,
}

impl BalanceRow {
    pub fn total(&self) -> i64 {
        self.talks + self.hosted + self.sponsored
    }
}

/// The balance report: per organization, over a chapter's published events since a time.
/// Talks count by the agenda row's affiliation (several, separated by "、" or ",", each
/// count); hosts by the directory entry when linked, else by the name typed.
pub fn balance(
    conn: &mut DbConnection,
    chapter_id: ChapterId,
    since: chrono::NaiveDateTime,
    locale: Locale,
) -> DomainResult<Vec<BalanceRow>> {
    use crate::db::schema::event_agenda_items;
    let affiliations: Vec<String> = event_agenda_items::table
        .inner_join(events::table)
        .filter(events::chapter_id.eq(chapter_id))
        .filter(events::status.eq(EventStatus::Published))
        .filter(events::starts_at.ge(since))
        .select(event_agenda_items::affiliation)
        .load(conn)?;
    let hosts: Vec<(String, String, Option<OrganizationId>)> = event_hosts::table
        .inner_join(events::table)
        .filter(events::chapter_id.eq(chapter_id))
        .filter(events::status.eq(EventStatus::Published))
        .filter(events::starts_at.ge(since))
        .select((
            event_hosts::organization,
            event_hosts::kind,
            event_hosts::organization_id,
        ))
        .load(conn)?;
    let ids: Vec<OrganizationId> = hosts.iter().filter_map(|h| h.2).collect();
    let names: Vec<Organization> = organizations::table
        .filter(organizations::id.eq_any(&ids))
        .select(Organization::as_select())
        .load(conn)?;
    let mut rows: Vec<BalanceRow> = Vec::new();
    let mut row_for = |name: &str, id: Option<OrganizationId>| -> usize {
        let key = name.trim().to_lowercase();
        match rows
            .iter()
            .position(|r| (id.is_some() && r.organization_id == id) || r.name.to_lowercase() == key)
        {
            Some(i) => {
                if rows[i].organization_id.is_none() {
                    rows[i].organization_id = id;
                }
                i
            }
            None => {
                rows.push(BalanceRow {
                    name: name.trim().to_string(),
                    organization_id: id,
                    ..BalanceRow::default()
                });
                rows.len() - 1
            }
        }
    };
    let mut talk_rows = Vec::new();
    for a in &affiliations {
        for part in a
            .split(['、', ',', '，'])
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            talk_rows.push(row_for(part, None));
        }
    }
    let mut host_rows = Vec::new();
    for (typed, kind, id) in &hosts {
        let name = id
            .and_then(|id| names.iter().find(|o| o.id == id))
            .map_or(typed.as_str(), |o| o.name(locale));
        host_rows.push((row_for(name, *id), kind == "sponsor"));
    }
    for i in talk_rows {
        rows[i].talks += 1;
    }
    for (i, sponsor) in host_rows {
        if sponsor {
            rows[i].sponsored += 1;
        } else {
            rows[i].hosted += 1;
        }
    }
    rows.sort_by(|a, b| b.total().cmp(&a.total()).then_with(|| a.name.cmp(&b.name)));
    Ok(rows)
}
