-- Full-text search over the public record. SQLite flavour; keep in step with
-- postgres/0008_search.sql.
-- One row per searchable thing: a session (title, description, policy questions), a line of a
-- published transcript (redactions applied), an outcome, an answered question. The application
-- writes the rows (`archive::search`); nothing private is ever copied here.
-- title and body are what people read; title_terms and body_terms are the same text as the
-- application tokenizes it (lowercase, without diacritics, words joined by spaces), which is
-- what both engines index, so both find the same documents for the same words.
create table search_document (
    document_id integer primary key,
    kind text not null check (kind in ('session', 'transcript_segment', 'outcome', 'question')),
    -- The id in the table the kind names (session_id, segment_id, outcome_id,
    -- archived_question_id).
    ref_id bigint not null,
    session_id bigint references session (session_id) on delete cascade,
    meeting_id bigint references meeting (meeting_id) on delete cascade,
    -- Filters; null for a meeting's documents.
    event_id bigint,
    session_type_id bigint,
    occurred_at bigint not null,
    title text not null,
    body text not null,
    title_terms text not null,
    body_terms text not null,
    unique (kind, ref_id),
    check ((session_id is null) <> (meeting_id is null))
);
create index search_document_session on search_document (session_id);
create index search_document_meeting on search_document (meeting_id);
create index search_document_occurred on search_document (occurred_at);

-- The action items a document relates to, for the action item filter: an outcome's linked
-- items; a passage's or question's, through the outcomes that cite them; a session's, through
-- its outcomes.
create table search_document_item (
    document_id bigint not null references search_document (document_id) on delete cascade,
    action_item_id bigint not null references action_item (action_item_id) on delete cascade,
    primary key (document_id, action_item_id)
);
create index search_document_item_item on search_document_item (action_item_id);

-- The FTS5 index reads its text from search_document (external content) and is kept in step
-- by the triggers below. No stemming, diacritics folded.
create virtual table search_fts using fts5(
    title_terms, body_terms,
    content = 'search_document', content_rowid = 'document_id',
    tokenize = 'unicode61 remove_diacritics 2'
);

create trigger search_document_ai after insert on search_document begin
    insert into search_fts (rowid, title_terms, body_terms)
    values (new.document_id, new.title_terms, new.body_terms);
end;

create trigger search_document_ad after delete on search_document begin
    insert into search_fts (search_fts, rowid, title_terms, body_terms)
    values ('delete', old.document_id, old.title_terms, old.body_terms);
end;

create trigger search_document_au after update on search_document begin
    insert into search_fts (search_fts, rowid, title_terms, body_terms)
    values ('delete', old.document_id, old.title_terms, old.body_terms);
    insert into search_fts (rowid, title_terms, body_terms)
    values (new.document_id, new.title_terms, new.body_terms);
end;
