// Portable schema shared by both backends: only types that mean the same on SQLite and PostgreSQL.
diesel::table! {
    /// Applications by chapter and status, kept by triggers (migration `application_counts`).
    application_counts (chapter_id, status, shard) {
        chapter_id -> BigInt,
        status -> Text,
        shard -> SmallInt,
        n -> BigInt,
        changes -> BigInt,
    }
}

diesel::table! {
    users (id) {
        id -> BigInt,
        email -> Text,
        display_name -> Text,
        organization -> Text,
        job_title -> Text,
        locale -> Text,
        password_hash -> Nullable<Text>,
        is_site_admin -> Bool,
        roster_visible -> Bool,
        event_announcements -> Bool,
        failed_logins -> Integer,
        locked_until -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        disabled_at -> Nullable<Timestamp>,
        unsubscribe_key -> Text,
    }
}

diesel::table! {
    chapters (id) {
        id -> BigInt,
        slug -> Text,
        name_zh -> Text,
        name_en -> Text,
        city -> Text,
        time_zone -> Text,
        description -> Text,
        description_en -> Text,
        founded_on -> Nullable<Date>,
        contact_email -> Nullable<Text>,
        apply_questions -> Text,
        status -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        member_count -> BigInt,
        description_html -> Nullable<Text>,
        description_en_html -> Nullable<Text>,
        cfp_open -> Bool,
        content_version -> BigInt,
    }
}

diesel::table! {
    memberships (id) {
        id -> BigInt,
        chapter_id -> BigInt,
        user_id -> BigInt,
        role -> Text,
        joined_at -> Timestamp,
        /// Kept by triggers: the user opted into the public roster and is not disabled.
        listed -> Bool,
    }
}

diesel::table! {
    applications (id) {
        id -> BigInt,
        chapter_id -> BigInt,
        user_id -> Nullable<BigInt>,
        email -> Text,
        name -> Text,
        organization -> Text,
        job_title -> Text,
        desired_role -> Text,
        motivation -> Text,
        opengauss_usage -> Text,
        answers -> Text,
        locale -> Text,
        status -> Text,
        decided_by -> Nullable<BigInt>,
        decided_at -> Nullable<Timestamp>,
        reason -> Nullable<Text>,
        message -> Nullable<Text>,
        created_at -> Timestamp,
        confirmed_at -> Nullable<Timestamp>,
        organizers_notified_at -> Nullable<Timestamp>,
        updated_at -> Timestamp,
        source -> Text,
    }
}

diesel::table! {
    events (id) {
        id -> BigInt,
        chapter_id -> BigInt,
        slug -> Text,
        title_zh -> Text,
        title_en -> Text,
        summary_zh -> Text,
        summary_en -> Text,
        body -> Text,
        starts_at -> Timestamp,
        ends_at -> Timestamp,
        mode -> Text,
        venue -> Text,
        address -> Text,
        online_url -> Text,
        capacity -> Nullable<Integer>,
        status -> Text,
        cancel_message -> Text,
        recording_url -> Text,
        photos_url -> Text,
        sequence -> Integer,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        published_at -> Nullable<Timestamp>,
        body_html -> Nullable<Text>,
        door_key -> Text,
        cfp_deadline -> Nullable<Timestamp>,
        registration_opens_at -> Nullable<Timestamp>,
        registration_closes_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    event_agenda_items (id) {
        id -> BigInt,
        event_id -> BigInt,
        position -> Integer,
        time_label -> Text,
        title -> Text,
        speaker -> Text,
        affiliation -> Text,
        slides_url -> Text,
        talk_id -> Nullable<BigInt>,
        speaker_title -> Text,
    }
}

diesel::table! {
    event_hosts (id) {
        id -> BigInt,
        event_id -> BigInt,
        position -> Integer,
        organization -> Text,
        kind -> Text,
        organization_id -> Nullable<BigInt>,
        level -> Text,
    }
}

diesel::table! {
    rsvps (id) {
        id -> BigInt,
        event_id -> BigInt,
        user_id -> BigInt,
        status -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        waitlisted_at -> Nullable<Timestamp>,
        ticket -> Nullable<Text>,
        checked_in_at -> Nullable<Timestamp>,
        checked_in_by -> Nullable<BigInt>,
        source -> Text,
        reminded_24h_at -> Nullable<Timestamp>,
        reminded_2h_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    tokens (id) {
        id -> BigInt,
        token_hash -> Text,
        purpose -> Text,
        user_id -> Nullable<BigInt>,
        application_id -> Nullable<BigInt>,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    sessions (id) {
        id -> BigInt,
        token_hash -> Text,
        user_id -> BigInt,
        csrf_token -> Text,
        remember -> Bool,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
        expires_at -> Timestamp,
        ip -> Text,
        user_agent -> Text,
    }
}

diesel::table! {
    outbox (id) {
        id -> BigInt,
        idempotency_key -> Text,
        to_addr -> Text,
        to_name -> Text,
        locale -> Text,
        subject -> Text,
        body_text -> Text,
        body_html -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        locked_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
        extras -> Text,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        actor_user_id -> Nullable<BigInt>,
        action -> Text,
        chapter_id -> Nullable<BigInt>,
        object_type -> Text,
        object_id -> Nullable<BigInt>,
        details -> Text,
        ip -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    rate_limits (key) {
        key -> Text,
        window_start -> Timestamp,
        count -> Integer,
    }
}

diesel::table! {
    registrations (id) {
        id -> BigInt,
        event_id -> BigInt,
        email -> Text,
        name -> Text,
        organization -> Text,
        locale -> Text,
        also_apply -> Bool,
        token_hash -> Text,
        created_at -> Timestamp,
        confirmed_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(memberships -> chapters (chapter_id));
diesel::joinable!(memberships -> users (user_id));
diesel::joinable!(applications -> chapters (chapter_id));
diesel::joinable!(events -> chapters (chapter_id));
diesel::joinable!(event_agenda_items -> events (event_id));
diesel::joinable!(event_hosts -> events (event_id));
diesel::joinable!(announcement_optouts -> chapters (chapter_id));
diesel::joinable!(announcements -> chapters (chapter_id));
diesel::joinable!(rsvps -> events (event_id));
diesel::joinable!(registrations -> events (event_id));
diesel::joinable!(rsvps -> users (user_id));
diesel::joinable!(sessions -> users (user_id));

diesel::table! {
    announcements (id) {
        id -> BigInt,
        chapter_id -> BigInt,
        event_id -> Nullable<BigInt>,
        author_id -> Nullable<BigInt>,
        audience -> Text,
        subject -> Text,
        body -> Text,
        body_html -> Text,
        recipients -> Integer,
        created_at -> Timestamp,
    }
}

diesel::table! {
    announcement_optouts (user_id, chapter_id) {
        user_id -> BigInt,
        chapter_id -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    announcements,
    announcement_optouts,
    users,
    chapters,
    memberships,
    applications,
    events,
    event_agenda_items,
    event_hosts,
    rsvps,
    tokens,
    sessions,
    outbox,
    registrations,
    audit_log,
    rate_limits,
    images,
    organizations,
    speaker_profiles,
    talk_tags,
    talks,
    talk_speakers,
    talk_reviews,
);

diesel::table! {
    images (id) {
        id -> BigInt,
        hash -> Text,
        mime -> Text,
        width -> Integer,
        height -> Integer,
        bytes -> Binary,
        uploaded_by -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    organizations (id) {
        id -> BigInt,
        name_zh -> Text,
        name_en -> Text,
        website -> Text,
        description -> Text,
        logo_hash -> Nullable<Text>,
        merged_into -> Nullable<BigInt>,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    speaker_profiles (user_id) {
        user_id -> BigInt,
        affiliation -> Text,
        bio_zh -> Text,
        bio_en -> Text,
        links -> Text,
        photo_hash -> Nullable<Text>,
        public -> Bool,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    talk_tags (id) {
        id -> BigInt,
        slug -> Text,
        name_zh -> Text,
        name_en -> Text,
        position -> Integer,
    }
}

diesel::table! {
    talks (id) {
        id -> BigInt,
        chapter_id -> BigInt,
        call_event_id -> Nullable<BigInt>,
        proposer_id -> Nullable<BigInt>,
        title_zh -> Text,
        title_en -> Text,
        #[sql_name = "abstract"]
        abstract_md -> Text,
        abstract_html -> Text,
        language -> Text,
        level -> Text,
        duration_min -> Integer,
        tags -> Text,
        status -> Text,
        decided_by -> Nullable<BigInt>,
        decided_at -> Nullable<Timestamp>,
        slides_url -> Text,
        recording_url -> Text,
        placed_event_id -> Nullable<BigInt>,
        given_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    talk_speakers (id) {
        id -> BigInt,
        talk_id -> BigInt,
        user_id -> Nullable<BigInt>,
        email -> Text,
        name -> Text,
        affiliation -> Text,
        position -> Integer,
        invite_hash -> Nullable<Text>,
        invited_at -> Timestamp,
        confirmed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    talk_reviews (talk_id, reviewer_id) {
        talk_id -> BigInt,
        reviewer_id -> BigInt,
        rating -> Integer,
        comment -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(talks -> chapters (chapter_id));
diesel::joinable!(talk_speakers -> talks (talk_id));
diesel::joinable!(talk_reviews -> talks (talk_id));
diesel::joinable!(event_hosts -> organizations (organization_id));
diesel::joinable!(speaker_profiles -> users (user_id));
diesel::joinable!(talk_speakers -> users (user_id));
