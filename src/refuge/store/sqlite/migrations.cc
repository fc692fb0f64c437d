#include "refuge/store/sqlite/migrations.h"

namespace refuge::store::sqlite {

const std::vector<Migration>& Migrations() {
  static const std::vector<Migration> kMigrations = {
      {1, "entities, events with history, users, sessions, search index", R"sql(
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
)sql"},
      {2, "calendar feed tokens", R"sql(
-- One secret per user for calendar apps; only its hash is stored.
CREATE TABLE calendar_feeds (
  token_hash TEXT PRIMARY KEY,
  user_name TEXT NOT NULL UNIQUE REFERENCES users(name),
  created_at INTEGER NOT NULL
) WITHOUT ROWID;
)sql"},
  };
  return kMigrations;
}

}  // namespace refuge::store::sqlite
