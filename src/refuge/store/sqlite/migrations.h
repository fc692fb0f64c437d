#pragma once

#include <vector>

namespace refuge::store::sqlite {

// One schema change. Versions only grow; a released migration is never edited.
struct Migration {
  int version;
  const char* description;
  const char* sql;
};

const std::vector<Migration>& Migrations();

}  // namespace refuge::store::sqlite
