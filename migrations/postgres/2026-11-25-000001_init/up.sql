-- The whole ogug schema (DESIGN.md section 3). Timestamps are UTC in TIMESTAMP columns.
CREATE TABLE users (
    id BIGSERIAL PRIMARY KEY,
    email TEXT NOT NULL,
    display_name TEXT NOT NULL,
    organization TEXT NOT NULL DEFAULT '',
    job_title TEXT NOT NULL DEFAULT '',
    locale TEXT NOT NULL DEFAULT 'zh-CN',
    password_hash TEXT,
    is_site_admin BOOLEAN NOT NULL DEFAULT FALSE,
    roster_visible BOOLEAN NOT NULL DEFAULT FALSE,
    event_announcements BOOLEAN NOT NULL DEFAULT TRUE,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    disabled_at TIMESTAMP
);
-- Emails are stored lower-cased; the index makes uniqueness case-insensitive.
CREATE UNIQUE INDEX users_email_key ON users (email);

CREATE TABLE chapters (
    id BIGSERIAL PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    city TEXT NOT NULL,
    time_zone TEXT NOT NULL DEFAULT 'Asia/Shanghai',
    description TEXT NOT NULL DEFAULT '',
    description_en TEXT NOT NULL DEFAULT '',
    founded_on DATE,
    contact_email TEXT,
    apply_questions TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'archived')),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE memberships (
    id BIGSERIAL PRIMARY KEY,
    chapter_id BIGINT NOT NULL REFERENCES chapters (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('organizer', 'ambassador', 'member')),
    joined_at TIMESTAMP NOT NULL,
    UNIQUE (chapter_id, user_id)
);
CREATE INDEX memberships_user_idx ON memberships (user_id);
CREATE INDEX memberships_chapter_role_idx ON memberships (chapter_id, role, id);

CREATE TABLE applications (
    id BIGSERIAL PRIMARY KEY,
    chapter_id BIGINT NOT NULL REFERENCES chapters (id) ON DELETE CASCADE,
    user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    email TEXT NOT NULL,
    name TEXT NOT NULL,
    organization TEXT NOT NULL DEFAULT '',
    job_title TEXT NOT NULL DEFAULT '',
    desired_role TEXT NOT NULL CHECK (desired_role IN ('member', 'ambassador')),
    motivation TEXT NOT NULL DEFAULT '',
    opengauss_usage TEXT NOT NULL DEFAULT '',
    answers TEXT NOT NULL DEFAULT '',
    locale TEXT NOT NULL DEFAULT 'zh-CN',
    status TEXT NOT NULL CHECK (status IN ('unconfirmed', 'pending', 'approved', 'rejected', 'withdrawn')),
    decided_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    decided_at TIMESTAMP,
    reason TEXT,
    message TEXT,
    created_at TIMESTAMP NOT NULL,
    confirmed_at TIMESTAMP,
    organizers_notified_at TIMESTAMP,
    updated_at TIMESTAMP NOT NULL
);
-- At most one open application per chapter and email.
CREATE UNIQUE INDEX applications_open_key ON applications (chapter_id, email)
    WHERE status IN ('unconfirmed', 'pending');
-- Review queue: oldest first within a status (keyset pagination on (created_at, id)).
CREATE INDEX applications_queue_idx ON applications (chapter_id, status, created_at, id);
CREATE INDEX applications_email_idx ON applications (email);

CREATE TABLE events (
    id BIGSERIAL PRIMARY KEY,
    chapter_id BIGINT NOT NULL REFERENCES chapters (id) ON DELETE CASCADE,
    slug TEXT NOT NULL,
    title_zh TEXT NOT NULL,
    title_en TEXT NOT NULL DEFAULT '',
    summary_zh TEXT NOT NULL DEFAULT '',
    summary_en TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL DEFAULT '',
    starts_at TIMESTAMP NOT NULL,
    ends_at TIMESTAMP NOT NULL,
    mode TEXT NOT NULL CHECK (mode IN ('offline', 'online', 'hybrid')),
    venue TEXT NOT NULL DEFAULT '',
    address TEXT NOT NULL DEFAULT '',
    online_url TEXT NOT NULL DEFAULT '',
    capacity INTEGER,
    status TEXT NOT NULL CHECK (status IN ('draft', 'published', 'cancelled')),
    cancel_message TEXT NOT NULL DEFAULT '',
    recording_url TEXT NOT NULL DEFAULT '',
    photos_url TEXT NOT NULL DEFAULT '',
    sequence INTEGER NOT NULL DEFAULT 0,
    created_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    published_at TIMESTAMP,
    UNIQUE (chapter_id, slug)
);
CREATE INDEX events_chapter_start_idx ON events (chapter_id, status, starts_at);
CREATE INDEX events_start_idx ON events (status, starts_at);

CREATE TABLE event_agenda_items (
    id BIGSERIAL PRIMARY KEY,
    event_id BIGINT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    time_label TEXT NOT NULL DEFAULT '',
    title TEXT NOT NULL,
    speaker TEXT NOT NULL DEFAULT '',
    affiliation TEXT NOT NULL DEFAULT '',
    slides_url TEXT NOT NULL DEFAULT ''
);
CREATE INDEX event_agenda_items_event_idx ON event_agenda_items (event_id, position);

CREATE TABLE event_hosts (
    id BIGSERIAL PRIMARY KEY,
    event_id BIGINT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    organization TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('host', 'co-host', 'sponsor'))
);
CREATE INDEX event_hosts_event_idx ON event_hosts (event_id, position);

CREATE TABLE rsvps (
    id BIGSERIAL PRIMARY KEY,
    event_id BIGINT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    status TEXT NOT NULL CHECK (status IN ('going', 'waitlisted', 'not_going')),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (event_id, user_id)
);
CREATE INDEX rsvps_event_status_idx ON rsvps (event_id, status, created_at);

CREATE TABLE tokens (
    id BIGSERIAL PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    purpose TEXT NOT NULL CHECK (purpose IN ('confirm-application', 'activate', 'reset-password', 'application-status')),
    user_id BIGINT REFERENCES users (id) ON DELETE CASCADE,
    application_id BIGINT REFERENCES applications (id) ON DELETE CASCADE,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX tokens_user_idx ON tokens (user_id);

CREATE TABLE sessions (
    id BIGSERIAL PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    remember BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    ip TEXT NOT NULL DEFAULT '',
    user_agent TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user_idx ON sessions (user_id);

CREATE TABLE outbox (
    id BIGSERIAL PRIMARY KEY,
    idempotency_key TEXT NOT NULL UNIQUE,
    to_addr TEXT NOT NULL,
    to_name TEXT NOT NULL DEFAULT '',
    locale TEXT NOT NULL,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    body_html TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'dead')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    locked_until TIMESTAMP,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP
);
CREATE INDEX outbox_due_idx ON outbox (status, next_attempt_at);

CREATE TABLE audit_log (
    id BIGSERIAL PRIMARY KEY,
    actor_user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    action TEXT NOT NULL,
    chapter_id BIGINT REFERENCES chapters (id) ON DELETE SET NULL,
    object_type TEXT NOT NULL DEFAULT '',
    object_id BIGINT,
    details TEXT NOT NULL DEFAULT '',
    ip TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX audit_log_chapter_idx ON audit_log (chapter_id, id);

-- Counters that must hold across instances (per-account and per-IP throttles).
CREATE TABLE rate_limits (
    key TEXT PRIMARY KEY,
    window_start TIMESTAMP NOT NULL,
    count INTEGER NOT NULL
);
