//! Diesel's view of the tables in `migrations/`; a test checks it against the migrated database.

diesel::table! {
    users (id) {
        id -> Int8,
        role -> Text,
        name -> Text,
        email -> Nullable<Text>,
        phone -> Nullable<Text>,
        company -> Nullable<Text>,
        password_hash -> Nullable<Text>,
        region -> Nullable<Text>,
        skills -> Array<Text>,
        available -> Bool,
        created_at -> Timestamptz,
        language -> Text,
        email_notifications -> Bool,
    }
}

diesel::table! {
    login_failures (id) {
        id -> Int8,
        account -> Text,
        address -> Text,
        failed_at -> Timestamptz,
        device -> Nullable<Text>,
    }
}

diesel::table! {
    ticket_number_days (day) {
        day -> Date,
        last_seq -> Int4,
    }
}

diesel::table! {
    tickets (id) {
        id -> Int8,
        number -> Text,
        customer_id -> Int8,
        ticket_type -> Text,
        urgency -> Text,
        urgency_rank -> Int2,
        channel -> Text,
        state -> Text,
        title -> Text,
        description -> Text,
        desired_outcome -> Text,
        product_model -> Text,
        serial_number -> Nullable<Text>,
        purchase_date -> Nullable<Date>,
        order_number -> Nullable<Text>,
        contact_name -> Text,
        contact_phone -> Nullable<Text>,
        contact_email -> Nullable<Text>,
        address -> Nullable<Text>,
        region -> Nullable<Text>,
        assignee_id -> Nullable<Int8>,
        version -> Int4,
        reopen_count -> Int4,
        first_response_at -> Nullable<Timestamptz>,
        resolved_at -> Nullable<Timestamptz>,
        closed_at -> Nullable<Timestamptz>,
        withdrawn_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        search_text -> Text,
        /// The grams of the searchable fields, written by the store (see `domain::search::document_grams`).
        search_grams -> Array<Text>,
        solution -> Nullable<Text>,
        cause_code -> Nullable<Text>,
        merged_into_id -> Nullable<Int8>,
        withdrawal_id -> Nullable<Int8>,
        follow_up_of -> Nullable<Int8>,
        first_response_due_at -> Nullable<Timestamptz>,
        resolution_due_at -> Nullable<Timestamptz>,
        sla_paused_seconds -> Int8,
        sla_paused_at -> Nullable<Timestamptz>,
        sla_warn_at -> Nullable<Timestamptz>,
        sla_due_at -> Nullable<Timestamptz>,
        sla_check_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    ticket_events (id) {
        id -> Int8,
        ticket_id -> Int8,
        actor_id -> Nullable<Int8>,
        kind -> Text,
        from_state -> Nullable<Text>,
        to_state -> Nullable<Text>,
        body -> Nullable<Text>,
        internal -> Bool,
        data -> Jsonb,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    cause_categories (code) {
        code -> Text,
        name_zh -> Text,
        name_en -> Text,
        builtin -> Bool,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    surveys (ticket_id) {
        ticket_id -> Int8,
        customer_id -> Int8,
        score -> Int2,
        comment -> Nullable<Text>,
        created_at -> Timestamptz,
    }
}

diesel::joinable!(ticket_events -> tickets (ticket_id));
diesel::joinable!(ticket_events -> users (actor_id));

diesel::table! {
    jobs (id) {
        id -> Int8,
        kind -> Text,
        payload -> Jsonb,
        dedupe_key -> Nullable<Text>,
        repeat_seconds -> Nullable<Int4>,
        run_at -> Timestamptz,
        attempts -> Int4,
        max_attempts -> Int4,
        locked_by -> Nullable<Text>,
        locked_until -> Nullable<Timestamptz>,
        last_error -> Nullable<Text>,
        done_at -> Nullable<Timestamptz>,
        failed_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    attachments (id) {
        id -> Int8,
        ticket_id -> Int8,
        event_id -> Nullable<Int8>,
        uploader_id -> Int8,
        file_name -> Text,
        content_type -> Text,
        size_bytes -> Int8,
        sha256 -> Text,
        created_at -> Timestamptz,
    }
}

diesel::joinable!(attachments -> tickets (ticket_id));
diesel::joinable!(attachments -> users (uploader_id));
diesel::joinable!(attachments -> ticket_events (event_id));

diesel::table! {
    assignment_settings (id) {
        id -> Bool,
        rule -> Text,
        last_agent_id -> Nullable<Int8>,
        updated_by -> Nullable<Int8>,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    assignment_rule_changes (id) {
        id -> Int8,
        changed_by -> Int8,
        old_rule -> Text,
        new_rule -> Text,
        changed_at -> Timestamptz,
    }
}

diesel::table! {
    ticket_templates (id) {
        id -> Int8,
        name_zh -> Text,
        name_en -> Text,
        ticket_type -> Text,
        urgency -> Text,
        desired_outcome -> Nullable<Text>,
        title_zh -> Text,
        title_en -> Text,
        description_zh -> Text,
        description_en -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    reply_macros (id) {
        id -> Int8,
        name -> Text,
        body_zh -> Text,
        body_en -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    users,
    login_failures,
    ticket_number_days,
    tickets,
    ticket_events,
    cause_categories,
    surveys,
    jobs,
    attachments,
    assignment_settings,
    assignment_rule_changes,
    products,
    keyword_rules,
    ticket_templates,
    reply_macros,
    withdrawals,
    compensations,
    notifications,
    sla_policies,
    service_zone,
    business_hours,
    calendar_days,
    sla_marks,
    outbox,
    exports,
    analytics_minutes,
    analytics_facts,
    analytics_deltas,
    analytics_rollup,
    analytics_state,
);

diesel::table! {
    sla_policies (id) {
        id -> Int8,
        urgency -> Text,
        ticket_type -> Nullable<Text>,
        first_response_minutes -> Int4,
        resolution_minutes -> Int4,
        business_hours -> Bool,
        updated_by -> Nullable<Int8>,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    service_zone (single) {
        single -> Bool,
        time_zone -> Text,
        public_url -> Text,
    }
}

diesel::table! {
    business_hours (id) {
        id -> Int8,
        weekday -> Int2,
        starts -> Time,
        ends -> Time,
    }
}

diesel::table! {
    calendar_days (day) {
        day -> Date,
        kind -> Text,
        name -> Text,
        starts -> Nullable<Time>,
        ends -> Nullable<Time>,
    }
}

diesel::table! {
    sla_marks (ticket_id, target, level) {
        ticket_id -> Int8,
        target -> Text,
        level -> Text,
        due_at -> Timestamptz,
        marked_at -> Timestamptz,
    }
}

diesel::table! {
    outbox (id) {
        id -> Int8,
        channel -> Text,
        recipient -> Text,
        user_id -> Nullable<Int8>,
        ticket_id -> Nullable<Int8>,
        subject -> Text,
        body -> Text,
        created_at -> Timestamptz,
        attempts -> Int4,
        next_attempt_at -> Timestamptz,
        claimed_until -> Nullable<Timestamptz>,
        sent_at -> Nullable<Timestamptz>,
        failed_at -> Nullable<Timestamptz>,
        last_error -> Nullable<Text>,
    }
}

diesel::table! {
    withdrawals (id) {
        id -> Int8,
        ticket_id -> Int8,
        customer_id -> Int8,
        requested_by -> Int8,
        requested_via -> Text,
        reason -> Text,
        reason_text -> Nullable<Text>,
        state_at_request -> Text,
        status -> Text,
        referral -> Nullable<Text>,
        referred_at -> Nullable<Timestamptz>,
        answer_due_at -> Nullable<Timestamptz>,
        dispute_reason -> Nullable<Text>,
        dispute_text -> Nullable<Text>,
        disputed_by -> Nullable<Int8>,
        decided_by -> Nullable<Int8>,
        decision_note -> Nullable<Text>,
        state_at_decision -> Nullable<Text>,
        requested_at -> Timestamptz,
        decided_at -> Nullable<Timestamptz>,
        feedback -> Nullable<Text>,
        feedback_comment -> Nullable<Text>,
        feedback_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    compensations (id) {
        id -> Int8,
        ticket_id -> Int8,
        kind -> Text,
        amount_cents -> Nullable<Int8>,
        description -> Text,
        given_by -> Int8,
        given_at -> Timestamptz,
        return_due_at -> Nullable<Timestamptz>,
        withdrawal_id -> Nullable<Int8>,
        returned_at -> Nullable<Timestamptz>,
        returned_by -> Nullable<Int8>,
    }
}

diesel::table! {
    notifications (id) {
        id -> Int8,
        user_id -> Int8,
        ticket_id -> Nullable<Int8>,
        kind -> Text,
        data -> Jsonb,
        created_at -> Timestamptz,
        read_at -> Nullable<Timestamptz>,
    }
}

diesel::joinable!(notifications -> tickets (ticket_id));
diesel::joinable!(compensations -> tickets (ticket_id));

diesel::table! {
    products (id) {
        id -> Int8,
        model_code -> Text,
        name_zh -> Nullable<Text>,
        name_en -> Nullable<Text>,
        product_line -> Nullable<Text>,
        warranty_months -> Int4,
        updated_by -> Nullable<Int8>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    keyword_rules (id) {
        id -> Int8,
        keywords -> Array<Text>,
        ticket_type -> Nullable<Text>,
        urgency -> Nullable<Text>,
        priority -> Int4,
        updated_by -> Nullable<Int8>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    exports (id) {
        id -> Int8,
        requested_by -> Int8,
        format -> Text,
        filters -> Text,
        lang -> Text,
        tz -> Text,
        status -> Text,
        rows_expected -> Nullable<Int8>,
        rows_done -> Int8,
        file_path -> Text,
        error -> Nullable<Text>,
        created_at -> Timestamptz,
        finished_at -> Nullable<Timestamptz>,
    }
}

diesel::joinable!(exports -> users (requested_by));
// Analytics (see the analytics migration); read and written by its SQL functions and `store::analytics`.
diesel::table! {
    analytics_minutes (ticket_id) {
        ticket_id -> Int8,
        response_minutes -> Nullable<Int4>,
        resolution_minutes -> Nullable<Int4>,
    }
}

diesel::table! {
    /// No key of its own: a ticket's rows are replaced together (the key here is for diesel only).
    analytics_facts (ticket_id, measure, day, key) {
        ticket_id -> Int8,
        measure -> Text,
        day -> Date,
        key -> Text,
        n -> Int8,
        total -> Int8,
        ticket_type -> Text,
        product_line -> Nullable<Text>,
        channel -> Text,
        agent_id -> Nullable<Int8>,
        region -> Nullable<Text>,
    }
}

diesel::table! {
    analytics_deltas (id) {
        id -> Int8,
        measure -> Text,
        day -> Date,
        key -> Text,
        n -> Int8,
        total -> Int8,
        ticket_type -> Text,
        product_line -> Nullable<Text>,
        channel -> Text,
        agent_id -> Nullable<Int8>,
        region -> Nullable<Text>,
        folded_in -> Nullable<Int8>,
    }
}

diesel::table! {
    analytics_rollup (slice, day, agent_id, measure, key) {
        slice -> Text,
        day -> Date,
        agent_id -> Int8,
        measure -> Text,
        key -> Text,
        n -> Int8,
        total -> Int8,
    }
}

diesel::table! {
    analytics_state (single) {
        single -> Bool,
        generation -> Int8,
        kept_since -> Int8,
    }
}
