#pragma once

#include <string>

#include "refuge/base/status.h"

namespace refuge::app {

// List cursors (`next` in a page, `after` in the request) are sealed: the
// position they hold, often the id of a record the caller was not shown, is
// encrypted and authenticated, bound to one user and one list. A caller can
// only hand a cursor back; it reveals nothing and cannot be forged or moved to
// another user or list. Thread-safe.
// What the installation key derives cursor keys for (auth::SigningKey::DeriveSecret).
inline constexpr const char* kCursorKeyPurpose = "refuge list cursors v1";

class CursorCodec {
 public:
  // `key`: 32 secret bytes (auth::SigningKey::DeriveSecret), the same on every
  // server of an installation, so a cursor outlives a restart and a server.
  explicit CursorCodec(std::string key);

  std::string Seal(const std::string& user, const std::string& list, const std::string& position) const;
  // The position, "" for an empty cursor; kInvalid naming `after` for anything
  // this installation did not give this user for this list.
  Result<std::string> Open(const std::string& user, const std::string& list,
                           const std::string& cursor) const;

 private:
  std::string key_;
};

}  // namespace refuge::app
