-- CivicSync replica of schema 'civicsync', version 5 (engine tables version 5).
-- Generated from the schema's declarations: do not edit; run `field schema` to print it.

-- Bookkeeping: identity, counters, the hybrid logical clock, the schema version.
CREATE TABLE replica_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

-- Every operation this replica has seen, once. seq is local arrival order (the server's pull cursor).
CREATE TABLE oplog (
    seq           INTEGER PRIMARY KEY,
    op_id         TEXT NOT NULL UNIQUE,
    hlc           TEXT NOT NULL,
    author        TEXT NOT NULL,
    entity        TEXT NOT NULL,
    entity_id     TEXT NOT NULL,
    field         TEXT NOT NULL,
    key           TEXT NOT NULL,
    kind          TEXT NOT NULL,
    value         TEXT NOT NULL,             -- canonical JSON
    context       TEXT NOT NULL,             -- JSON array of operation ids
    origin_local  INTEGER NOT NULL,          -- 1: written on this replica
    sync_state    INTEGER NOT NULL DEFAULT 0, -- local operations: 0 waiting, 1 acknowledged, 2 rejected, 3 deferred
    reject_reason TEXT,
    held          INTEGER NOT NULL DEFAULT 0  -- 1: written with a newer schema than this one; kept, not merged
);
CREATE INDEX oplog_entity ON oplog(entity, entity_id, field, key);
CREATE INDEX oplog_waiting ON oplog(sync_state, seq) WHERE origin_local = 1;
CREATE INDEX oplog_hlc ON oplog(hlc);

-- Merge metadata: register heads, set additions (tag = op_id), milestones, maxima, log entries.
CREATE TABLE field_state (
    entity    TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    field     TEXT NOT NULL,
    key       TEXT NOT NULL,
    op_id     TEXT NOT NULL,
    hlc       TEXT NOT NULL,
    author    TEXT NOT NULL,
    value     TEXT NOT NULL,
    PRIMARY KEY (entity, entity_id, field, key, op_id)
) WITHOUT ROWID;

-- Operations named in a context before they arrived, with the timestamp of the operation that
-- named them: when they arrive dated before it, they are already overwritten/removed.
CREATE TABLE superseded (
    op_id     TEXT NOT NULL,
    entity    TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    field     TEXT NOT NULL,
    key       TEXT NOT NULL,
    by_hlc    TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (op_id, entity, entity_id, field, key)
) WITHOUT ROWID;

-- The state digest, kept by the merge: per bucket of entities, the sum (mod 2^256, 32 bytes
-- little-endian) of the hashes of their field_state rows, and how many entities it holds.
CREATE TABLE digest_buckets (bucket INTEGER PRIMARY KEY, sum BLOB NOT NULL, entities INTEGER NOT NULL);

-- Compaction (operations dropped from the log; their effect stays in field_state).
-- Which operations were compacted, as counter ranges per replica: one arriving again is a
-- re-delivery, never merged twice.
CREATE TABLE compacted_ranges (
    replica TEXT NOT NULL, low INTEGER NOT NULL, high INTEGER NOT NULL,
    PRIMARY KEY (replica, low)
) WITHOUT ROWID;
-- Per scope and replica, the newest write dropped: that replica's earlier write arriving late
-- is already overwritten, as the log would have said.
CREATE TABLE compacted_writes (
    entity TEXT NOT NULL, entity_id TEXT NOT NULL, field TEXT NOT NULL, key TEXT NOT NULL, kind TEXT NOT NULL,
    replica TEXT NOT NULL, hlc TEXT NOT NULL,
    PRIMARY KEY (entity, entity_id, field, key, kind, replica)
) WITHOUT ROWID;
-- On a server, the first 16 hex digits of each dropped operation's content hash: a replica
-- that asks about an id it may have reused (or whose acknowledgement it never got) is told.
CREATE TABLE compacted_fingerprints (
    replica TEXT NOT NULL, counter INTEGER NOT NULL, fingerprint TEXT NOT NULL,
    PRIMARY KEY (replica, counter)
) WITHOUT ROWID;
-- Entities some of whose operations were dropped: they cannot be replayed from the log.
CREATE TABLE compacted_entities (
    entity TEXT NOT NULL, entity_id TEXT NOT NULL,
    PRIMARY KEY (entity, entity_id)
) WITHOUT ROWID;

-- Materialised, human-readable state. Derived from field_state; never edited directly.
CREATE TABLE members (
    id TEXT PRIMARY KEY,
    name TEXT,
    kind TEXT,
    affiliation TEXT,
    branch TEXT,
    division TEXT,
    areas TEXT
);
CREATE TABLE cases (
    id TEXT PRIMARY KEY,
    ref TEXT,
    title TEXT,
    body TEXT,
    area TEXT,
    cause TEXT,
    source TEXT,
    submitter TEXT,
    branch TEXT,
    assignee TEXT,
    priority INTEGER,
    reported_on TEXT,
    step INTEGER,
    status TEXT NOT NULL DEFAULT 'open',
    decision_reason TEXT,
    referred_to TEXT,
    budget_priority INTEGER,
    published_on TEXT,
    public_title TEXT,
    public_summary TEXT,
    referral_sent_on TEXT,
    referral_due_on TEXT,
    referral_answer TEXT,
    referral_answered_on TEXT,
    reexamination_reason TEXT,
    arbitration_meeting TEXT,
    arbitration_reason TEXT
);
CREATE TABLE case_milestones (
    case_id TEXT NOT NULL,
    milestone TEXT NOT NULL,
    reached_hlc TEXT NOT NULL,
    reached_on TEXT NOT NULL,
    op_id TEXT NOT NULL,
    author TEXT NOT NULL,
    PRIMARY KEY (case_id, milestone)
) WITHOUT ROWID;
CREATE TABLE comments (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL,
    author TEXT NOT NULL,
    hlc TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE TABLE case_steps (
    case_id TEXT NOT NULL,
    step TEXT NOT NULL,
    reached_on TEXT,
    PRIMARY KEY (case_id, step)
) WITHOUT ROWID;
CREATE TABLE case_attachments (
    case_id TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    name TEXT NOT NULL,
    media_type TEXT NOT NULL,
    bytes TEXT NOT NULL,
    PRIMARY KEY (case_id, sha256)
) WITHOUT ROWID;
CREATE TABLE meetings (
    id TEXT PRIMARY KEY,
    kind TEXT,
    title TEXT,
    date TEXT,
    branch TEXT,
    organizer TEXT
);
CREATE TABLE agenda_items (
    meeting_id TEXT NOT NULL,
    case_id TEXT NOT NULL,
    PRIMARY KEY (meeting_id, case_id)
) WITHOUT ROWID;
CREATE TABLE attendance (
    meeting_id TEXT NOT NULL,
    member_id TEXT NOT NULL,
    confirmed INTEGER NOT NULL,
    attended_on TEXT,
    PRIMARY KEY (meeting_id, member_id)
) WITHOUT ROWID;
CREATE TABLE debate_subjects (
    meeting_id TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    member_id TEXT NOT NULL,
    subject TEXT NOT NULL,
    PRIMARY KEY (meeting_id, subject_id)
) WITHOUT ROWID;
CREATE TABLE meeting_attachments (
    meeting_id TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    name TEXT NOT NULL,
    media_type TEXT NOT NULL,
    bytes TEXT NOT NULL,
    PRIMARY KEY (meeting_id, sha256)
) WITHOUT ROWID;
CREATE TABLE councils (
    id TEXT PRIMARY KEY,
    name TEXT,
    branch TEXT
);
CREATE TABLE council_members (
    council_id TEXT NOT NULL,
    member_id TEXT NOT NULL,
    PRIMARY KEY (council_id, member_id)
) WITHOUT ROWID;
CREATE TABLE motions (
    id TEXT PRIMARY KEY,
    case_id TEXT,
    meeting_id TEXT,
    council_id TEXT,
    action TEXT,
    quorum INTEGER,
    closed_hlc TEXT,
    closed_on TEXT
);
CREATE TABLE votes (
    motion_id TEXT NOT NULL,
    voter_id TEXT NOT NULL,
    choice TEXT,
    hlc TEXT,
    counted_choice TEXT,
    late INTEGER NOT NULL DEFAULT 0,
    voted_on TEXT,
    PRIMARY KEY (motion_id, voter_id)
) WITHOUT ROWID;
CREATE TABLE consultations (
    id TEXT PRIMARY KEY,
    channel TEXT,
    branch TEXT,
    topic TEXT,
    received_on TEXT,
    answered_on TEXT,
    case_id TEXT
);
CREATE TABLE surveys (
    id TEXT PRIMARY KEY,
    period TEXT,
    score_hundredths INTEGER,
    respondents INTEGER,
    source TEXT,
    branch TEXT,
    area TEXT,
    note TEXT
);
CREATE TABLE rewards (
    id TEXT PRIMARY KEY,
    kind TEXT,
    member_id TEXT,
    division TEXT,
    period TEXT,
    given_on TEXT,
    amount INTEGER,
    note TEXT
);
CREATE TABLE reward_cases (
    reward_id TEXT NOT NULL,
    case_id TEXT NOT NULL,
    PRIMARY KEY (reward_id, case_id)
) WITHOUT ROWID;
CREATE INDEX cases_ref ON cases(ref);
CREATE INDEX cases_submitter ON cases(submitter);
CREATE INDEX cases_branch ON cases(branch);
CREATE INDEX comments_case ON comments(case_id, hlc);
CREATE INDEX case_attachments_sha256 ON case_attachments(sha256);
CREATE INDEX cases_published ON cases(published_on);
CREATE INDEX meeting_attachments_sha256 ON meeting_attachments(sha256);
CREATE INDEX surveys_period ON surveys(period);
CREATE INDEX rewards_member ON rewards(member_id);
CREATE INDEX rewards_given_on ON rewards(given_on);
CREATE INDEX reward_cases_case ON reward_cases(case_id);

-- Fields written concurrently: every competing value, until a write that has seen them all.
CREATE TABLE conflicts (
    entity TEXT NOT NULL, entity_id TEXT NOT NULL, field TEXT NOT NULL, key TEXT NOT NULL,
    winner TEXT NOT NULL,      -- canonical JSON of the value shown
    competing TEXT NOT NULL,   -- JSON array of {op, hlc, author, value}, newest first
    PRIMARY KEY (entity, entity_id, field, key)
) WITHOUT ROWID;
