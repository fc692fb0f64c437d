#include "refuge/cli/passphrase.h"

#include <fcntl.h>
#include <stdlib.h>
#include <termios.h>
#include <unistd.h>

#include <cstring>

namespace refuge::cli {
namespace {

// One line from the terminal with echo off; nullopt-like false on failure.
bool AskNoEcho(int tty, const std::string& prompt, std::string* out) {
  if (::write(tty, prompt.data(), prompt.size()) < 0) return false;
  termios old{};
  const bool is_term = ::tcgetattr(tty, &old) == 0;
  if (is_term) {
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    quiet.c_lflag |= ECHONL;
    ::tcsetattr(tty, TCSAFLUSH, &quiet);
  }
  out->clear();
  char c;
  bool ok = false;
  while (true) {
    ssize_t n = ::read(tty, &c, 1);
    if (n <= 0) break;
    if (c == '\n') {
      ok = true;
      break;
    }
    out->push_back(c);
  }
  if (is_term) ::tcsetattr(tty, TCSAFLUSH, &old);
  if (!out->empty() && out->back() == '\r') out->pop_back();
  return ok;
}

}  // namespace

std::string PassphraseFromEnv() {
  const char* v = std::getenv(kPassphraseEnv);
  std::string out = v == nullptr ? "" : v;
  if (v != nullptr) {
    ::explicit_bzero(const_cast<char*>(v), std::strlen(v));
    ::unsetenv(kPassphraseEnv);
  }
  return out;
}

Result<std::string> ReadPassphrase(const std::string& prompt, bool confirm) {
  if (std::getenv(kPassphraseEnv) != nullptr) return PassphraseFromEnv();
  int tty = ::open("/dev/tty", O_RDWR | O_CLOEXEC);
  if (tty < 0) {
    return Invalid("passphrase", std::string("the evidence vault needs its passphrase: set ") + kPassphraseEnv +
                                     " or run this in a terminal");
  }
  std::string first, second;
  bool ok = AskNoEcho(tty, prompt, &first);
  if (ok && confirm) ok = AskNoEcho(tty, "Repeat it: ", &second);
  ::close(tty);
  if (!ok || first.empty()) return Invalid("passphrase", "no passphrase was given");
  if (confirm && first != second) return Invalid("passphrase", "the two passphrases differ");
  return first;
}

}  // namespace refuge::cli
