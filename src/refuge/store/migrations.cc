#include "refuge/store/migrations.h"

namespace refuge::store {

// Each entry: version, description, the SQLite text, the PostgreSQL text. The two
// texts make the same tables, columns, keys and indexes; PostgreSQL spells integers
// BIGINT, flags BOOLEAN, and gives keys and sort columns the "C" collation so that
// they order bytewise as SQLite does.
const std::vector<Migration>& Migrations() {
  static const std::vector<Migration> kMigrations = {
      {1, "entities, events with history, users, sessions, search index",
       /*sqlite=*/R"sql(
CREATE TABLE persons (
  id TEXT PRIMARY KEY,
  version INTEGER NOT NULL,
  body TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  a_number TEXT
) WITHOUT ROWID;
CREATE INDEX persons_a_number ON persons(a_number) WHERE a_number IS NOT NULL;

CREATE TABLE organizations (
  id TEXT PRIMARY KEY,
  version INTEGER NOT NULL,
  body TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE facilities (
  id TEXT PRIMARY KEY,
  version INTEGER NOT NULL,
  body TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  detloc TEXT UNIQUE
) WITHOUT ROWID;

CREATE TABLE matters (
  id TEXT PRIMARY KEY,
  version INTEGER NOT NULL,
  body TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  client TEXT NOT NULL REFERENCES persons(id)
) WITHOUT ROWID;
CREATE INDEX matters_client ON matters(client);

-- Who works on a matter; kept in step with the matter's "team" list.
CREATE TABLE matter_members (
  matter TEXT NOT NULL REFERENCES matters(id),
  user_name TEXT NOT NULL,
  PRIMARY KEY (matter, user_name)
) WITHOUT ROWID;
CREATE INDEX matter_members_user ON matter_members(user_name, matter);

CREATE TABLE events (
  id TEXT PRIMARY KEY,
  subject TEXT NOT NULL REFERENCES persons(id),
  matter TEXT REFERENCES matters(id),
  type TEXT NOT NULL,
  date_key TEXT NOT NULL,
  place_ref TEXT,
  version INTEGER NOT NULL,
  retracted INTEGER NOT NULL DEFAULT 0,
  body TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX events_subject ON events(subject, date_key, id);
CREATE INDEX events_matter ON events(matter, date_key, id) WHERE matter IS NOT NULL;
CREATE INDEX events_place ON events(place_ref) WHERE place_ref IS NOT NULL;

-- Earlier versions of corrected or retracted events.
CREATE TABLE event_versions (
  id TEXT NOT NULL REFERENCES events(id),
  version INTEGER NOT NULL,
  retracted INTEGER NOT NULL,
  body TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (id, version)
) WITHOUT ROWID;

CREATE TABLE users (
  name TEXT PRIMARY KEY,
  role TEXT NOT NULL CHECK (role IN ('admin', 'lawyer', 'advocate', 'viewer')),
  password_hash TEXT NOT NULL,
  created_at TEXT NOT NULL,
  disabled INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

CREATE TABLE sessions (
  token_hash TEXT PRIMARY KEY,
  user_name TEXT NOT NULL REFERENCES users(name),
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX sessions_expiry ON sessions(expires_at);

CREATE TABLE search_terms (
  term TEXT NOT NULL,
  kind TEXT NOT NULL,
  id TEXT NOT NULL,
  PRIMARY KEY (term, kind, id)
) WITHOUT ROWID;
CREATE INDEX search_terms_owner ON search_terms(id);
)sql",
       /*postgres=*/R"sql(
-- Keys and sort columns use the "C" collation: bytewise order, as in SQLite, so
-- ids page, dates sort and search prefixes compare the same on both databases.
CREATE TABLE persons (
  id TEXT COLLATE "C" PRIMARY KEY,
  version BIGINT NOT NULL,
  body TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  a_number TEXT COLLATE "C"
);
CREATE INDEX persons_a_number ON persons(a_number) WHERE a_number IS NOT NULL;

CREATE TABLE organizations (
  id TEXT COLLATE "C" PRIMARY KEY,
  version BIGINT NOT NULL,
  body TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

CREATE TABLE facilities (
  id TEXT COLLATE "C" PRIMARY KEY,
  version BIGINT NOT NULL,
  body TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  detloc TEXT COLLATE "C" UNIQUE
);

CREATE TABLE matters (
  id TEXT COLLATE "C" PRIMARY KEY,
  version BIGINT NOT NULL,
  body TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  client TEXT COLLATE "C" NOT NULL REFERENCES persons(id)
);
CREATE INDEX matters_client ON matters(client);

-- Who works on a matter; kept in step with the matter's "team" list.
CREATE TABLE matter_members (
  matter TEXT COLLATE "C" NOT NULL REFERENCES matters(id),
  user_name TEXT COLLATE "C" NOT NULL,
  PRIMARY KEY (matter, user_name)
);
CREATE INDEX matter_members_user ON matter_members(user_name, matter);

CREATE TABLE events (
  id TEXT COLLATE "C" PRIMARY KEY,
  subject TEXT COLLATE "C" NOT NULL REFERENCES persons(id),
  matter TEXT COLLATE "C" REFERENCES matters(id),
  type TEXT COLLATE "C" NOT NULL,
  date_key TEXT COLLATE "C" NOT NULL,
  place_ref TEXT COLLATE "C",
  version BIGINT NOT NULL,
  retracted BOOLEAN NOT NULL DEFAULT false,
  body TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX events_subject ON events(subject, date_key, id);
CREATE INDEX events_matter ON events(matter, date_key, id) WHERE matter IS NOT NULL;
CREATE INDEX events_place ON events(place_ref) WHERE place_ref IS NOT NULL;

-- Earlier versions of corrected or retracted events.
CREATE TABLE event_versions (
  id TEXT COLLATE "C" NOT NULL REFERENCES events(id),
  version BIGINT NOT NULL,
  retracted BOOLEAN NOT NULL,
  body TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (id, version)
);

CREATE TABLE users (
  name TEXT COLLATE "C" PRIMARY KEY,
  role TEXT NOT NULL CHECK (role IN ('admin', 'lawyer', 'advocate', 'viewer')),
  password_hash TEXT NOT NULL,
  created_at TEXT NOT NULL,
  disabled BOOLEAN NOT NULL DEFAULT false
);

CREATE TABLE sessions (
  token_hash TEXT COLLATE "C" PRIMARY KEY,
  user_name TEXT COLLATE "C" NOT NULL REFERENCES users(name),
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_expiry ON sessions(expires_at);

-- Refuge's own term index (see domain/search_terms.h): the same rows and the same
-- bytewise prefix ranges as on SQLite, so search gives the same results.
CREATE TABLE search_terms (
  term TEXT COLLATE "C" NOT NULL,
  kind TEXT COLLATE "C" NOT NULL,
  id TEXT COLLATE "C" NOT NULL,
  PRIMARY KEY (term, kind, id)
);
CREATE INDEX search_terms_owner ON search_terms(id);
)sql"},
      {2, "calendar feed tokens",
       /*sqlite=*/R"sql(
-- One secret per user for calendar apps; only its hash is stored.
CREATE TABLE calendar_feeds (
  token_hash TEXT PRIMARY KEY,
  user_name TEXT NOT NULL UNIQUE REFERENCES users(name),
  created_at INTEGER NOT NULL
) WITHOUT ROWID;
)sql",
       /*postgres=*/R"sql(
-- One secret per user for calendar apps; only its hash is stored.
CREATE TABLE calendar_feeds (
  token_hash TEXT COLLATE "C" PRIMARY KEY,
  user_name TEXT COLLATE "C" NOT NULL UNIQUE REFERENCES users(name),
  created_at BIGINT NOT NULL
);
)sql"},
      {3, "need-to-know access, API tokens, second factor, audit log",
       /*sqlite=*/R"sql(
ALTER TABLE persons ADD COLUMN created_by TEXT;
ALTER TABLE matters ADD COLUMN created_by TEXT;
ALTER TABLE users ADD COLUMN totp_secret TEXT;
ALTER TABLE users ADD COLUMN totp_enabled INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN last_seen INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN csrf_hash TEXT NOT NULL DEFAULT '';

-- Who an event names besides its subject (actor, target, publisher, from, to):
-- such a person is reachable through the event's matter.
CREATE TABLE event_refs (
  ref TEXT NOT NULL,
  event TEXT NOT NULL REFERENCES events(id),
  PRIMARY KEY (ref, event)
) WITHOUT ROWID;
CREATE INDEX event_refs_event ON event_refs(event);
INSERT OR IGNORE INTO event_refs (ref, event)
  SELECT json_extract(body, '$.' || f.name), id FROM events,
    (SELECT 'actor' AS name UNION ALL SELECT 'target' UNION ALL SELECT 'publisher'
     UNION ALL SELECT 'from' UNION ALL SELECT 'to') AS f
  WHERE json_extract(body, '$.' || f.name) LIKE 'per\_%' ESCAPE '\';

-- Named tokens for scripts; only their hash is stored.
CREATE TABLE api_tokens (
  id TEXT PRIMARY KEY,
  user_name TEXT NOT NULL REFERENCES users(name),
  name TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL,
  last_used_at TEXT,
  revoked_at TEXT
) WITHOUT ROWID;
CREATE INDEX api_tokens_user ON api_tokens(user_name);

-- The audit log: append-only, each entry chained to the one before by hash.
CREATE TABLE audit_log (
  seq INTEGER PRIMARY KEY,
  at TEXT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT NOT NULL,
  person TEXT NOT NULL,
  address TEXT NOT NULL,
  details TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE INDEX audit_log_person ON audit_log(person, seq) WHERE person <> '';
CREATE INDEX audit_log_actor ON audit_log(actor, seq);

-- The newest entry's hash, signed with the installation key, so that removing
-- entries from the end is detected too.
CREATE TABLE audit_head (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  seq INTEGER NOT NULL,
  hash TEXT NOT NULL,
  signature TEXT NOT NULL
);
)sql",
       /*postgres=*/R"sql(
ALTER TABLE persons ADD COLUMN created_by TEXT COLLATE "C";
ALTER TABLE matters ADD COLUMN created_by TEXT COLLATE "C";
ALTER TABLE users ADD COLUMN totp_secret TEXT;
ALTER TABLE users ADD COLUMN totp_enabled BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE sessions ADD COLUMN last_seen BIGINT NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN csrf_hash TEXT NOT NULL DEFAULT '';

-- Who an event names besides its subject (actor, target, publisher, from, to):
-- such a person is reachable through the event's matter.
CREATE TABLE event_refs (
  ref TEXT COLLATE "C" NOT NULL,
  event TEXT COLLATE "C" NOT NULL REFERENCES events(id),
  PRIMARY KEY (ref, event)
);
CREATE INDEX event_refs_event ON event_refs(event);
INSERT INTO event_refs (ref, event)
  SELECT e.body::jsonb ->> f.name, e.id FROM events e,
    (VALUES ('actor'), ('target'), ('publisher'), ('from'), ('to')) AS f(name)
  WHERE (e.body::jsonb ->> f.name) LIKE 'per\_%' ESCAPE '\'
  ON CONFLICT DO NOTHING;

-- Named tokens for scripts; only their hash is stored.
CREATE TABLE api_tokens (
  id TEXT COLLATE "C" PRIMARY KEY,
  user_name TEXT COLLATE "C" NOT NULL REFERENCES users(name),
  name TEXT NOT NULL,
  token_hash TEXT COLLATE "C" NOT NULL UNIQUE,
  created_at TEXT NOT NULL,
  last_used_at TEXT,
  revoked_at TEXT
);
CREATE INDEX api_tokens_user ON api_tokens(user_name);

-- The audit log: append-only, each entry chained to the one before by hash.
CREATE TABLE audit_log (
  seq BIGINT PRIMARY KEY,
  at TEXT NOT NULL,
  actor TEXT COLLATE "C" NOT NULL,
  action TEXT NOT NULL,
  target TEXT NOT NULL,
  person TEXT COLLATE "C" NOT NULL,
  address TEXT NOT NULL,
  details TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE INDEX audit_log_person ON audit_log(person, seq) WHERE person <> '';
CREATE INDEX audit_log_actor ON audit_log(actor, seq);

-- The newest entry's hash, signed with the installation key, so that removing
-- entries from the end is detected too.
CREATE TABLE audit_head (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  seq BIGINT NOT NULL,
  hash TEXT NOT NULL,
  signature TEXT NOT NULL
);
)sql"},
      {4, "evidence records and their chains of custody",
       /*sqlite=*/R"sql(
-- An evidence record: a file kept in the vault (<data_dir>/vault). Only what
-- access control and listing need is in clear; the hash, file name, capture
-- context and embedded metadata are in `sealed`, encrypted under the vault key.
CREATE TABLE evidence (
  id TEXT PRIMARY KEY,
  subject TEXT NOT NULL REFERENCES persons(id),
  matter TEXT REFERENCES matters(id),
  parent TEXT REFERENCES evidence(id),
  object TEXT NOT NULL,
  size INTEGER NOT NULL,
  media_type TEXT NOT NULL,
  sealed TEXT NOT NULL,
  created_at TEXT NOT NULL,
  created_by TEXT NOT NULL,
  custody_seq INTEGER NOT NULL,
  custody_hash TEXT NOT NULL,
  custody_sig TEXT NOT NULL,
  custody_key TEXT NOT NULL,
  custody_mac TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX evidence_subject ON evidence(subject, id);
CREATE INDEX evidence_matter ON evidence(matter, id) WHERE matter IS NOT NULL;
CREATE INDEX evidence_object ON evidence(object);
CREATE INDEX evidence_parent ON evidence(parent) WHERE parent IS NOT NULL;
-- A record never changes once written, except its custody head.
CREATE TRIGGER evidence_fixed BEFORE UPDATE OF id, subject, matter, parent, object, size,
  media_type, sealed, created_at, created_by ON evidence
BEGIN SELECT RAISE(ABORT, 'evidence records do not change'); END;
CREATE TRIGGER evidence_kept BEFORE DELETE ON evidence
BEGIN SELECT RAISE(ABORT, 'evidence records are never deleted'); END;

-- Each record's chain of custody: append-only, each entry holding the hash of
-- the one before; the details (and the salt of the hash) are sealed.
CREATE TABLE custody_entries (
  evidence TEXT NOT NULL REFERENCES evidence(id),
  seq INTEGER NOT NULL,
  at TEXT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  sealed TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL,
  PRIMARY KEY (evidence, seq)
) WITHOUT ROWID;
CREATE TRIGGER custody_entries_no_update BEFORE UPDATE ON custody_entries
BEGIN SELECT RAISE(ABORT, 'custody entries are append-only'); END;
CREATE TRIGGER custody_entries_no_delete BEFORE DELETE ON custody_entries
BEGIN SELECT RAISE(ABORT, 'custody entries are append-only'); END;
)sql",
       /*postgres=*/R"sql(
-- An evidence record: a file kept in the vault (<data_dir>/vault). Only what
-- access control and listing need is in clear; the hash, file name, capture
-- context and embedded metadata are in `sealed`, encrypted under the vault key.
CREATE TABLE evidence (
  id TEXT COLLATE "C" PRIMARY KEY,
  subject TEXT COLLATE "C" NOT NULL REFERENCES persons(id),
  matter TEXT COLLATE "C" REFERENCES matters(id),
  parent TEXT COLLATE "C" REFERENCES evidence(id),
  object TEXT COLLATE "C" NOT NULL,
  size BIGINT NOT NULL,
  media_type TEXT NOT NULL,
  sealed TEXT NOT NULL,
  created_at TEXT NOT NULL,
  created_by TEXT NOT NULL,
  custody_seq BIGINT NOT NULL,
  custody_hash TEXT NOT NULL,
  custody_sig TEXT NOT NULL,
  custody_key TEXT NOT NULL,
  custody_mac TEXT NOT NULL
);
CREATE INDEX evidence_subject ON evidence(subject, id);
CREATE INDEX evidence_matter ON evidence(matter, id) WHERE matter IS NOT NULL;
CREATE INDEX evidence_object ON evidence(object);
CREATE INDEX evidence_parent ON evidence(parent) WHERE parent IS NOT NULL;
-- A record never changes once written, except its custody head.
CREATE FUNCTION evidence_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN RAISE EXCEPTION 'evidence records are never deleted'; END IF;
  IF (NEW.id, NEW.subject, NEW.matter, NEW.parent, NEW.object, NEW.size, NEW.media_type,
      NEW.sealed, NEW.created_at, NEW.created_by) IS DISTINCT FROM
     (OLD.id, OLD.subject, OLD.matter, OLD.parent, OLD.object, OLD.size, OLD.media_type,
      OLD.sealed, OLD.created_at, OLD.created_by) THEN
    RAISE EXCEPTION 'evidence records do not change';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER evidence_fixed BEFORE UPDATE OR DELETE ON evidence
  FOR EACH ROW EXECUTE FUNCTION evidence_fixed();

-- Each record's chain of custody: append-only, each entry holding the hash of
-- the one before; the details (and the salt of the hash) are sealed.
CREATE TABLE custody_entries (
  evidence TEXT COLLATE "C" NOT NULL REFERENCES evidence(id),
  seq BIGINT NOT NULL,
  at TEXT NOT NULL,
  actor TEXT COLLATE "C" NOT NULL,
  action TEXT NOT NULL,
  sealed TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL,
  PRIMARY KEY (evidence, seq)
);
CREATE FUNCTION custody_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'custody entries are append-only'; END $$;
CREATE TRIGGER custody_entries_append_only BEFORE UPDATE OR DELETE ON custody_entries
  FOR EACH ROW EXECUTE FUNCTION custody_entries_append_only();
)sql"},
      {5, "data generation, advanced by every write a view may show",
       /*sqlite=*/R"sql(
CREATE TABLE data_generation (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  n INTEGER NOT NULL
);
INSERT INTO data_generation (id, n) VALUES (1, 1);
)sql",
       /*postgres=*/R"sql(
CREATE TABLE data_generation (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  n BIGINT NOT NULL
);
INSERT INTO data_generation (id, n) VALUES (1, 1);
)sql"},
      // Version 6 is left to a change made alongside this one; versions need only grow.
      {6, "second-factor replay guard; user names unique without regard to case",
       /*sqlite=*/R"sql(
ALTER TABLE users ADD COLUMN totp_last_step INTEGER NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX users_name_folded ON users(lower(name));
)sql",
       /*postgres=*/R"sql(
ALTER TABLE users ADD COLUMN totp_last_step BIGINT NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX users_name_folded ON users(lower(name));
)sql"},
  };
  return kMigrations;
}

int LatestMigrationVersion() {
  const auto& all = Migrations();
  return all.empty() ? 0 : all.back().version;
}

}  // namespace refuge::store
