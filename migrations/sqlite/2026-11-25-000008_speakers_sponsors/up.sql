-- Speakers and sponsors: uploaded images, a site-wide organizations directory, speaker
-- profiles, talk tags, calls for speakers, talks (proposals) with their speakers and reviews,
-- and a search index over the talk archive.

-- Images (speaker photos, organization logos) as re-encoded bytes, addressed by their SHA-256.
CREATE TABLE images (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    hash TEXT NOT NULL UNIQUE,
    mime TEXT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    bytes BLOB NOT NULL,
    uploaded_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL
);

-- One directory for every chapter; a merged duplicate points at the organization it became.
CREATE TABLE organizations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    website TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    logo_hash TEXT,
    merged_into BIGINT REFERENCES organizations (id) ON DELETE SET NULL,
    created_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX organizations_name_zh_idx ON organizations (lower(name_zh));
CREATE INDEX organizations_name_en_idx ON organizations (lower(name_en));

-- Event hosts and sponsors point at the directory (free text stays for older rows);
-- a sponsor has a level (gold, silver, bronze or none).
ALTER TABLE event_hosts ADD COLUMN organization_id BIGINT REFERENCES organizations (id) ON DELETE SET NULL;
ALTER TABLE event_hosts ADD COLUMN level TEXT NOT NULL DEFAULT '';
CREATE INDEX event_hosts_organization_idx ON event_hosts (organization_id);

-- The opt-in public speaker page.
CREATE TABLE speaker_profiles (
    user_id BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    affiliation TEXT NOT NULL DEFAULT '',
    bio_zh TEXT NOT NULL DEFAULT '',
    bio_en TEXT NOT NULL DEFAULT '',
    links TEXT NOT NULL DEFAULT '',
    photo_hash TEXT,
    public BOOLEAN NOT NULL DEFAULT 0,
    updated_at TIMESTAMP NOT NULL
);

-- The site's list of talk topics (openGauss features), edited by site admins.
CREATE TABLE talk_tags (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    slug TEXT NOT NULL UNIQUE,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    position INTEGER NOT NULL DEFAULT 0
);
INSERT INTO talk_tags (slug, name_zh, name_en, position) VALUES
    ('kernel', '内核', 'Kernel', 1),
    ('ha', '高可用', 'High availability', 2),
    ('ai4db', 'AI4DB', 'AI4DB', 3),
    ('migration', '迁移', 'Migration', 4),
    ('ecosystem', '生态', 'Ecosystem', 5),
    ('performance', '性能', 'Performance', 6),
    ('security', '安全', 'Security', 7),
    ('tools', '工具', 'Tools', 8);

-- Calls for speakers: a chapter's rolling call (open unless closed), and an event's own call
-- open until its deadline.
ALTER TABLE chapters ADD COLUMN cfp_open BOOLEAN NOT NULL DEFAULT 1;
ALTER TABLE events ADD COLUMN cfp_deadline TIMESTAMP;

-- A talk: proposed by a person, reviewed and decided by the chapter, then placed in an event's
-- agenda (placed_event_id, given_at = the event's start). Guest talks (seeded from an agenda)
-- have no proposer.
CREATE TABLE talks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    chapter_id BIGINT NOT NULL REFERENCES chapters (id) ON DELETE CASCADE,
    call_event_id BIGINT REFERENCES events (id) ON DELETE SET NULL,
    proposer_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    title_zh TEXT NOT NULL,
    title_en TEXT NOT NULL,
    abstract TEXT NOT NULL,
    abstract_html TEXT NOT NULL,
    language TEXT NOT NULL,
    level TEXT NOT NULL,
    duration_min INTEGER NOT NULL,
    tags TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    decided_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    decided_at TIMESTAMP,
    slides_url TEXT NOT NULL DEFAULT '',
    recording_url TEXT NOT NULL DEFAULT '',
    placed_event_id BIGINT REFERENCES events (id) ON DELETE SET NULL,
    given_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX talks_chapter_idx ON talks (chapter_id, status, created_at);
CREATE INDEX talks_proposer_idx ON talks (proposer_id);
CREATE INDEX talks_placed_idx ON talks (placed_event_id);
CREATE INDEX talks_given_idx ON talks (given_at, id) WHERE given_at IS NOT NULL;

-- A talk's speakers: the proposer (confirmed) and co-speakers invited by email, who confirm
-- by the link in their email (its SHA-256 is kept). user_id is set once known.
CREATE TABLE talk_speakers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    talk_id BIGINT NOT NULL REFERENCES talks (id) ON DELETE CASCADE,
    user_id BIGINT REFERENCES users (id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    name TEXT NOT NULL,
    affiliation TEXT NOT NULL DEFAULT '',
    position INTEGER NOT NULL,
    invite_hash TEXT UNIQUE,
    invited_at TIMESTAMP NOT NULL,
    confirmed_at TIMESTAMP
);
CREATE INDEX talk_speakers_talk_idx ON talk_speakers (talk_id);
CREATE INDEX talk_speakers_user_idx ON talk_speakers (user_id);

-- Private reviews by the chapter's organizers and ambassadors: one per reviewer and talk.
CREATE TABLE talk_reviews (
    talk_id BIGINT NOT NULL REFERENCES talks (id) ON DELETE CASCADE,
    reviewer_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    comment TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (talk_id, reviewer_id)
);

-- An agenda row may be a talk.
ALTER TABLE event_agenda_items ADD COLUMN talk_id BIGINT REFERENCES talks (id) ON DELETE SET NULL;

-- The archive's search index: one document per talk in the archive, of words and CJK
-- character pairs that the app tokenizes (so Chinese is searchable without a segmenter).
-- Its rowid is the archive's order (the time the talk was given, then the talk), so a search
-- reads matches newest first and stops at a page; talks.search_key remembers it.
CREATE VIRTUAL TABLE talk_search USING fts5 (doc, talk_id UNINDEXED, tokenize = 'unicode61 remove_diacritics 0');
ALTER TABLE talks ADD COLUMN search_key BIGINT;
