#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "refuge/domain/schema.h"

namespace refuge::domain {

// Refuge's own search index works the same on every database: each searchable
// object is stored with a set of terms, and a query matches objects that have a
// term for every query term.
//
// - Words (Latin, Cyrillic, Greek, Arabic ... runs of letters and digits) are
//   lower-cased; a query word matches any indexed word it is a prefix of.
//   Query terms of this kind start with "w:".
// - Han, Kana and Hangul characters are indexed as single characters and as
//   bigrams, so that a two-character Chinese name is found by itself, which
//   trigram indexes cannot do. Query terms of this kind start with "c:" and match
//   exactly.
// - A-numbers are indexed as "a:" plus nine digits, so that any written form
//   ("A-214-587-903", "214587903") finds the person.

// Terms to index for free text (a name, a note).
void AddTextTerms(std::string_view text, std::vector<std::string>* terms);
// All index terms of an entity body.
std::vector<std::string> EntityTerms(EntityKind kind, const Json& body);
// Index terms of an event (its note, place and quote).
std::vector<std::string> EventTerms(const Json& body);
// Query terms for what a user typed. Empty when nothing searchable remains.
std::vector<std::string> QueryTerms(std::string_view query);
// Whether a query term matches as a prefix (words) or exactly (everything else).
inline bool IsPrefixTerm(const std::string& term) { return term.rfind("w:", 0) == 0; }

}  // namespace refuge::domain
