//! The day of the meetup: tickets, check-in, the check-in desk and the door link for walk-ins.

use super::*;
use crate::db::schema::{rsvps, users};
use crate::domain::Conflict;
use crate::domain::text::lower;
use chrono::{NaiveDateTime, TimeDelta};

/// How long after a check-in the desk may take it back (a mistaken tap).
pub const UNDO_WINDOW: TimeDelta = TimeDelta::minutes(1);
/// The door link works from this long before the start to this long after the end.
pub const DOOR_MARGIN: TimeDelta = TimeDelta::hours(2);
/// Rows a desk page shows.
pub const DESK_PAGE: i64 = 50;

crate::text_enum! {
    /// Where an RSVP came from.
    pub enum RsvpSource {
        /// The event page.
        Rsvp => "rsvp",
        /// The door link, on the day.
        Door => "door",
    }
}

/// An RSVP seen through its ticket: who, for what, and whether they are in.
#[derive(Queryable, Debug, Clone)]
pub struct Ticket {
    pub rsvp_id: i64,
    pub event_id: EventId,
    pub user_id: UserId,
    pub status: RsvpStatus,
    pub ticket: Option<String>,
    pub checked_in_at: Option<NaiveDateTime>,
    pub checked_in_by: Option<UserId>,
    pub source: RsvpSource,
    pub name: String,
    pub email: String,
    pub organization: String,
}

impl Ticket {
    /// Catalog key of where the person stands: checked in, or their RSVP's status.
    pub fn status_key(&self) -> &'static str {
        if self.checked_in_at.is_some() {
            return "desk.status_checked_in";
        }
        match self.status {
            RsvpStatus::Going => "desk.status_going",
            RsvpStatus::Waitlisted => "desk.status_waitlisted",
            RsvpStatus::NotGoing => "desk.status_not_going",
        }
    }
}

type TicketColumns = (
    rsvps::id,
    rsvps::event_id,
    rsvps::user_id,
    rsvps::status,
    rsvps::ticket,
    rsvps::checked_in_at,
    rsvps::checked_in_by,
    rsvps::source,
    users::display_name,
    users::email,
    users::organization,
);
const TICKET_COLUMNS: TicketColumns = (
    rsvps::id,
    rsvps::event_id,
    rsvps::user_id,
    rsvps::status,
    rsvps::ticket,
    rsvps::checked_in_at,
    rsvps::checked_in_by,
    rsvps::source,
    users::display_name,
    users::email,
    users::organization,
);

/// The person's ticket token for an event, made on first use. None without an RSVP.
pub fn ticket_of(
    conn: &mut DbConnection,
    event_id: EventId,
    user_id: UserId,
) -> DomainResult<Option<String>> {
    let row: Option<(i64, Option<String>)> = rsvps::table
        .filter(rsvps::event_id.eq(event_id))
        .filter(rsvps::user_id.eq(user_id))
        .select((rsvps::id, rsvps::ticket))
        .first(conn)
        .optional()?;
    match row {
        None => Ok(None),
        Some((_, Some(token))) => Ok(Some(token)),
        Some((id, None)) => {
            // 128 random bits: a ticket is a capability to see it, and its QR stays small.
            let token = crate::crypto::random_token()[..32].to_string();
            diesel::update(rsvps::table.find(id))
                .set(rsvps::ticket.eq(&token))
                .execute(conn)?;
            Ok(Some(token))
        }
    }
}

pub fn find_ticket(conn: &mut DbConnection, token: &str) -> DomainResult<Ticket> {
    rsvps::table
        .inner_join(users::table)
        .filter(rsvps::ticket.eq(token))
        .select(TICKET_COLUMNS)
        .first(conn)
        .optional()?
        .ok_or(DomainError::NotFound)
}

pub fn find_rsvp(conn: &mut DbConnection, event_id: EventId, rsvp_id: i64) -> DomainResult<Ticket> {
    rsvps::table
        .inner_join(users::table)
        .filter(rsvps::id.eq(rsvp_id))
        .filter(rsvps::event_id.eq(event_id))
        .select(TICKET_COLUMNS)
        .first(conn)
        .optional()?
        .ok_or(DomainError::NotFound)
}

/// What a check-in did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckIn {
    /// Checked in now.
    Done(NaiveDateTime),
    /// Already in: when, and by whom (their name).
    Already(NaiveDateTime, Option<String>),
}

/// Checks a person in. Idempotent and race-free: the update only takes a row not yet checked
/// in, so two taps or two desks make one check-in and the second learns who was first.
pub fn check_in(conn: &mut DbConnection, rsvp_id: i64, by: UserId) -> DomainResult<CheckIn> {
    let at = now();
    let updated = diesel::update(
        rsvps::table
            .filter(rsvps::id.eq(rsvp_id))
            .filter(rsvps::checked_in_at.is_null()),
    )
    .set((
        rsvps::checked_in_at.eq(at),
        rsvps::checked_in_by.eq(by),
        rsvps::updated_at.eq(at),
        // Staff admitting someone waitlisted (or who had said no) lets them in: they are going.
        rsvps::status.eq(RsvpStatus::Going),
        rsvps::waitlisted_at.eq(None::<NaiveDateTime>),
    ))
    .execute(conn)?;
    if updated == 1 {
        return Ok(CheckIn::Done(at));
    }
    let (when, who): (Option<NaiveDateTime>, Option<UserId>) = rsvps::table
        .find(rsvp_id)
        .select((rsvps::checked_in_at, rsvps::checked_in_by))
        .first(conn)?;
    let name = match who {
        Some(id) => users::table
            .find(id)
            .select(users::display_name)
            .first(conn)
            .optional()?,
        None => None,
    };
    Ok(CheckIn::Already(when.unwrap_or(at), name))
}

/// Takes back a check-in made in the last minute; false when there is none to take back.
pub fn undo_check_in(conn: &mut DbConnection, rsvp_id: i64) -> DomainResult<bool> {
    let updated = diesel::update(
        rsvps::table
            .filter(rsvps::id.eq(rsvp_id))
            .filter(rsvps::checked_in_at.ge(now() - UNDO_WINDOW)),
    )
    .set((
        rsvps::checked_in_at.eq(None::<NaiveDateTime>),
        rsvps::checked_in_by.eq(None::<UserId>),
    ))
    .execute(conn)?;
    Ok(updated == 1)
}

/// The desk's numbers.
#[derive(QueryableByName, Debug, Clone, Default, PartialEq, Eq)]
pub struct DeskCounts {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub going: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub waitlisted: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub checked_in: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub walk_ins: i64,
    /// People who said "going" on the event page and were never checked in.
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub no_shows: i64,
}

impl DeskCounts {
    /// Share of people who said "going" beforehand and never came, in percent.
    pub fn no_show_percent(&self) -> i64 {
        let expected = self.going - self.walk_ins;
        if expected <= 0 {
            0
        } else {
            self.no_shows * 100 / expected
        }
    }
}

/// One statement, the same on both backends (walk-ins are always "going").
pub fn desk_counts(conn: &mut DbConnection, event_id: EventId) -> DomainResult<DeskCounts> {
    Ok(diesel::sql_query(
        "SELECT \
           COALESCE(SUM(CASE WHEN status = 'going' THEN 1 ELSE 0 END), 0) AS going, \
           COALESCE(SUM(CASE WHEN status = 'waitlisted' THEN 1 ELSE 0 END), 0) AS waitlisted, \
           COALESCE(SUM(CASE WHEN checked_in_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS checked_in, \
           COALESCE(SUM(CASE WHEN source = 'door' THEN 1 ELSE 0 END), 0) AS walk_ins, \
           COALESCE(SUM(CASE WHEN status = 'going' AND source = 'rsvp' \
                              AND checked_in_at IS NULL THEN 1 ELSE 0 END), 0) AS no_shows \
         FROM rsvps WHERE event_id = $1",
    )
    .bind::<diesel::sql_types::BigInt, _>(event_id)
    .get_result(conn)?)
}

/// One page of the desk: people going, waitlisted or checked in, matching `query` (name,
/// email or organization), by name.
pub fn desk_rows(
    conn: &mut DbConnection,
    event_id: EventId,
    query: &str,
    page: i64,
) -> DomainResult<(Vec<Ticket>, bool)> {
    let mut q = rsvps::table
        .inner_join(users::table)
        .filter(rsvps::event_id.eq(event_id))
        .filter(
            rsvps::status
                .ne(RsvpStatus::NotGoing)
                .or(rsvps::checked_in_at.is_not_null()),
        )
        .into_boxed();
    let query = query.trim();
    if !query.is_empty() {
        let pattern = crate::domain::text::like_pattern(query);
        q = q.filter(
            lower(users::display_name)
                .like(pattern.clone())
                .or(lower(users::email).like(pattern.clone()))
                .or(lower(users::organization).like(pattern)),
        );
    }
    let mut rows: Vec<Ticket> = q
        .order((users::display_name.asc(), rsvps::id.asc()))
        .select(TICKET_COLUMNS)
        .offset(page.max(0) * DESK_PAGE)
        .limit(DESK_PAGE + 1)
        .load(conn)?;
    let more = rows.len() as i64 > DESK_PAGE;
    rows.truncate(DESK_PAGE as usize);
    Ok((rows, more))
}

/// The event's door key, made on first use.
pub fn door_key(conn: &mut DbConnection, event: &Event) -> DomainResult<String> {
    if !event.door_key.is_empty() {
        return Ok(event.door_key.clone());
    }
    let key = crate::crypto::random_token()[..32].to_string();
    // Two staff opening the page at once: the first key stays.
    diesel::update(
        events::table
            .filter(events::id.eq(event.id))
            .filter(events::door_key.eq("")),
    )
    .set(events::door_key.eq(&key))
    .execute(conn)?;
    Ok(events::table
        .find(event.id)
        .select(events::door_key)
        .first(conn)?)
}

/// The event behind a door key, whatever the time (the caller checks the window).
pub fn find_by_door_key(conn: &mut DbConnection, key: &str) -> DomainResult<Event> {
    if key.len() != 32 {
        return Err(DomainError::NotFound);
    }
    events::table
        .filter(events::door_key.eq(key))
        .select(Event::as_select())
        .first(conn)
        .optional()?
        .ok_or(DomainError::NotFound)
}

/// Whether the door is open at `at`: a published event, from 2 hours before its start to 2
/// hours after its end.
pub fn door_open(event: &Event, at: NaiveDateTime) -> bool {
    event.status == EventStatus::Published
        && at >= event.starts_at - DOOR_MARGIN
        && at <= event.ends_at + DOOR_MARGIN
}

/// How many walk-ins an event takes through its door: 3× its capacity, or 1,000.
pub fn door_cap(event: &Event) -> i64 {
    event.capacity.map_or(1000, |c| 3 * i64::from(c.max(1)))
}

/// What the door did for a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DoorOutcome {
    CheckedIn,
    /// Checked in before (at the desk, by ticket or at the door).
    Already,
    /// The event is full: on the waitlist (made or kept), not checked in; the desk can admit
    /// them by hand.
    Waitlisted,
}

/// Checks a person in at the door. The capacity holds here as everywhere: a person going (or
/// with a seat free for them) is checked in; past the capacity they join (or stay on) the
/// waitlist. An RSVP is made if missing, as a walk-in, refused past the event's walk-in cap.
/// Everything is counted under the event row's lock (racing walk-ins on several instances).
/// Returns the RSVP id and what happened.
pub fn walk_in(
    conn: &mut DbConnection,
    event: &Event,
    user_id: UserId,
) -> DomainResult<(i64, DoorOutcome)> {
    let at = now();
    crate::db::lock_row(conn, "events", event.id.get())?;
    let existing: Option<(i64, String, Option<NaiveDateTime>)> = rsvps::table
        .filter(rsvps::event_id.eq(event.id))
        .filter(rsvps::user_id.eq(user_id))
        .select((rsvps::id, rsvps::status, rsvps::checked_in_at))
        .first(conn)
        .optional()?;
    let seat_free = |conn: &mut DbConnection| -> DomainResult<bool> {
        Ok(match event.capacity {
            Some(cap) => super::going_count(conn, event.id)? < i64::from(cap),
            None => true,
        })
    };
    let (id, status) = match existing {
        Some((id, _, Some(_))) => return Ok((id, DoorOutcome::Already)),
        Some((id, status, None)) => (id, RsvpStatus::parse(&status)),
        None => {
            let walk_ins: i64 = rsvps::table
                .filter(rsvps::event_id.eq(event.id))
                .filter(rsvps::source.eq(RsvpSource::Door))
                .count()
                .get_result(conn)?;
            if walk_ins >= door_cap(event) {
                return Err(DomainError::Conflict(Conflict::DoorFull));
            }
            let id = diesel::insert_into(rsvps::table)
                .values((
                    rsvps::event_id.eq(event.id),
                    rsvps::user_id.eq(user_id),
                    rsvps::status.eq(RsvpStatus::NotGoing),
                    rsvps::source.eq(RsvpSource::Door),
                    rsvps::created_at.eq(at),
                    rsvps::updated_at.eq(at),
                ))
                .returning(rsvps::id)
                .get_result(conn)?;
            (id, None)
        }
    };
    let going = status == Some(RsvpStatus::Going) || seat_free(conn)?;
    if !going {
        // Full: the waitlist, keeping an earlier place on it.
        if status != Some(RsvpStatus::Waitlisted) {
            diesel::update(rsvps::table.find(id))
                .set((
                    rsvps::status.eq(RsvpStatus::Waitlisted),
                    rsvps::waitlisted_at.eq(Some(at)),
                    rsvps::updated_at.eq(at),
                ))
                .execute(conn)?;
        }
        return Ok((id, DoorOutcome::Waitlisted));
    }
    diesel::update(rsvps::table.find(id))
        .set((
            rsvps::status.eq(RsvpStatus::Going),
            rsvps::waitlisted_at.eq(None::<NaiveDateTime>),
            rsvps::updated_at.eq(at),
            rsvps::checked_in_at.eq(at),
            rsvps::checked_in_by.eq(None::<UserId>),
        ))
        .execute(conn)?;
    Ok((id, DoorOutcome::CheckedIn))
}

/// The door form, checked: name, address, organization (required, one line each) and consent.
pub fn validate_walk_in(
    name: &str,
    email: &str,
    organization: &str,
    consent: bool,
) -> Result<(String, crate::domain::users::EmailAddress, String), crate::domain::FieldErrors> {
    use crate::domain::users::{EmailAddress, parse_display_name};
    let mut errors = crate::domain::FieldErrors::default();
    let name = parse_display_name(name).map_err(|e| errors.add("name", e));
    let email = EmailAddress::parse(email).map_err(|e| errors.add("email", e));
    let organization = organization.trim();
    if let Err(e) = crate::domain::text::check_line(organization, 100, true) {
        errors.add("organization", e);
    }
    if !consent {
        errors.add("consent", "error.walk_in_consent");
    }
    match (name, email) {
        (Ok(name), Ok(email)) if errors.is_empty() => Ok((name, email, organization.to_string())),
        _ => Err(errors),
    }
}

/// An event a person attended (was checked in at), for their account page.
#[derive(Debug, Clone)]
pub struct Attended {
    pub event: Event,
    pub chapter_slug: String,
    pub time_zone: String,
}

/// The events a person was checked in at, latest first (at most `limit`).
pub fn attended_by(
    conn: &mut DbConnection,
    user_id: UserId,
    limit: i64,
) -> DomainResult<Vec<Attended>> {
    let rows: Vec<(Event, String, String)> = rsvps::table
        .inner_join(events::table.inner_join(chapters::table))
        .filter(rsvps::user_id.eq(user_id))
        .filter(rsvps::checked_in_at.is_not_null())
        .order(events::starts_at.desc())
        .select((Event::as_select(), chapters::slug, chapters::time_zone))
        .limit(limit)
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(event, chapter_slug, time_zone)| Attended {
            event,
            chapter_slug,
            time_zone,
        })
        .collect())
}

/// How many events of a chapter each of these people attended.
pub fn attended_counts(
    conn: &mut DbConnection,
    chapter_id: ChapterId,
    people: &[UserId],
) -> DomainResult<std::collections::HashMap<UserId, i64>> {
    let rows: Vec<(UserId, i64)> = rsvps::table
        .inner_join(events::table)
        .filter(events::chapter_id.eq(chapter_id))
        .filter(rsvps::user_id.eq_any(people))
        .filter(rsvps::checked_in_at.is_not_null())
        .group_by(rsvps::user_id)
        .select((rsvps::user_id, diesel::dsl::count_star()))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}
