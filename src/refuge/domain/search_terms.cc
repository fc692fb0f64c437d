#include "refuge/domain/search_terms.h"

#include <algorithm>

#include "refuge/domain/a_number.h"

namespace refuge::domain {
namespace {

// Decodes one UTF-8 code point at s[*i]; invalid bytes decode as U+FFFD.
char32_t NextCodePoint(std::string_view s, size_t* i) {
  unsigned char c = static_cast<unsigned char>(s[*i]);
  int len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
  if (len == 0 || *i + len > s.size()) {
    ++*i;
    return 0xFFFD;
  }
  char32_t cp = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
  for (int k = 1; k < len; ++k) {
    unsigned char cc = static_cast<unsigned char>(s[*i + k]);
    if ((cc >> 6) != 2) {
      ++*i;
      return 0xFFFD;
    }
    cp = (cp << 6) | (cc & 0x3F);
  }
  *i += len;
  return cp;
}

void AppendUtf8(char32_t cp, std::string* out) {
  if (cp < 0x80) {
    *out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    *out += static_cast<char>(0xC0 | (cp >> 6));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    *out += static_cast<char>(0xE0 | (cp >> 12));
    *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    *out += static_cast<char>(0xF0 | (cp >> 18));
    *out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

bool IsCjk(char32_t c) {
  return (c >= 0x3040 && c <= 0x30FF) ||    // Hiragana, Katakana
         (c >= 0x3400 && c <= 0x4DBF) ||    // CJK extension A
         (c >= 0x4E00 && c <= 0x9FFF) ||    // CJK unified ideographs
         (c >= 0xAC00 && c <= 0xD7AF) ||    // Hangul syllables
         (c >= 0xF900 && c <= 0xFAFF) ||    // CJK compatibility ideographs
         (c >= 0x20000 && c <= 0x3134F);    // CJK extensions B-G
}

// Letters and digits of alphabetic scripts; everything else separates words.
bool IsWordChar(char32_t c) {
  if (c < 0x80) return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  if (c == 0xD7 || c == 0xF7) return false;
  if (c >= 0xC0 && c <= 0x24F) return true;    // Latin-1 letters, Latin Extended-A/B
  if (c >= 0x370 && c <= 0x3FF) return true;   // Greek
  if (c >= 0x400 && c <= 0x52F) return true;   // Cyrillic
  if (c >= 0x590 && c <= 0x6FF) return true;   // Hebrew, Arabic
  if (c >= 0x900 && c <= 0xDFF) return true;   // Indic scripts
  if (c >= 0xE00 && c <= 0xEFF) return true;   // Thai, Lao
  if (c >= 0x1E00 && c <= 0x1EFF) return true;  // Latin Extended Additional (Vietnamese)
  return false;
}

char32_t Fold(char32_t c) {
  if (c >= 'A' && c <= 'Z') return c + 32;
  // Latin-1 letters without their accents, so "José" is found by "jose".
  static const char kLatin1[] = "aaaaaaaceeeeiiiidnooooo/ouuuuyts";  // U+00C0..U+00DF
  static const char kLatin1Lower[] = "aaaaaaaceeeeiiiidnooooo/ouuuuyty";  // U+00E0..U+00FF
  if (c >= 0xC0 && c <= 0xDF && c != 0xD7) return static_cast<char32_t>(kLatin1[c - 0xC0]);
  if (c >= 0xE0 && c <= 0xFF && c != 0xF7) return static_cast<char32_t>(kLatin1Lower[c - 0xE0]);
  if (c >= 0x100 && c <= 0x17F) {
    // Latin Extended-A folded to its base letter (from the Unicode decompositions).
    static const char kExtA[] =
        "aaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiiiiijjkkkllllllllllnnnnnnnnn"
        "oooooooorrrrrrssssssssttttttuuuuuuuuuuuuwwyyyzzzzzzs";
    size_t idx = c - 0x100;
    if (idx < sizeof(kExtA) - 1) return static_cast<char32_t>(kExtA[idx]);
  }
  if (c >= 0x1E00 && c <= 0x1EFF) {
    // Latin Extended Additional (Vietnamese and others) folded to the base letter;
    // '?' marks the few code points without one, which stay as they are.
    static const char kExtAdditional[] =
        "aabbbbbbccddddddddddeeeeeeeeeeffgghhhhhhhhhhiiiikkkkkkllllllllmmmmmmnnnnnnnnoooooooo"
        "pppprrrrrrrrssssssssssttttttttuuuuuuuuuuvvvvwwwwwwwwwwxxxxyyzzzzzzhtwy??????aaaaaaaaaa"
        "aaaaaaaaaaaaaaeeeeeeeeeeeeeeeeiiiioooooooooooooooooooooooouuuuuuuuuuuuuuyyyyyyyy??????";
    char base = kExtAdditional[c - 0x1E00];
    if (base != '?') return static_cast<char32_t>(base);
  }
  if (c >= 0x410 && c <= 0x42F) return c + 0x20;  // Cyrillic А-Я
  if (c >= 0x400 && c <= 0x40F) return c + 0x50;  // Cyrillic Ѐ-Џ
  if (c >= 0x391 && c <= 0x3A9) return c + 0x20;  // Greek capitals
  return c;
}

struct Tokens {
  std::vector<std::string> words;
  std::vector<std::vector<char32_t>> cjk_runs;
};

Tokens Tokenize(std::string_view text) {
  Tokens t;
  std::string word;
  std::vector<char32_t> run;
  auto flush_word = [&] {
    if (!word.empty()) t.words.push_back(std::move(word));
    word.clear();
  };
  auto flush_run = [&] {
    if (!run.empty()) t.cjk_runs.push_back(std::move(run));
    run.clear();
  };
  size_t i = 0;
  while (i < text.size()) {
    char32_t c = NextCodePoint(text, &i);
    if (IsCjk(c)) {
      flush_word();
      run.push_back(c);
    } else if (IsWordChar(c)) {
      flush_run();
      AppendUtf8(Fold(c), &word);
    } else {
      flush_word();
      flush_run();
    }
  }
  flush_word();
  flush_run();
  return t;
}

std::string Chars(const std::vector<char32_t>& run, size_t from, size_t n) {
  std::string s = "c:";
  for (size_t k = from; k < from + n; ++k) AppendUtf8(run[k], &s);
  return s;
}

void Dedupe(std::vector<std::string>* v) {
  std::sort(v->begin(), v->end());
  v->erase(std::unique(v->begin(), v->end()), v->end());
}

}  // namespace

void AddTextTerms(std::string_view text, std::vector<std::string>* terms) {
  Tokens t = Tokenize(text);
  for (auto& w : t.words) terms->push_back("w:" + w);
  for (const auto& run : t.cjk_runs) {
    for (size_t k = 0; k < run.size(); ++k) {
      terms->push_back(Chars(run, k, 1));
      if (k + 1 < run.size()) terms->push_back(Chars(run, k, 2));
    }
  }
}

std::vector<std::string> EntityTerms(EntityKind kind, const Json& body) {
  std::vector<std::string> terms;
  auto add = [&](const char* field) {
    auto it = body.find(field);
    if (it == body.end()) return;
    if (it->is_string()) {
      AddTextTerms(it->get<std::string>(), &terms);
    } else if (it->is_array()) {
      for (const auto& v : *it) {
        if (v.is_string()) AddTextTerms(v.get<std::string>(), &terms);
      }
    }
  };
  switch (kind) {
    case EntityKind::kPerson:
      add("name");
      add("other_names");
      if (body.contains("a_number")) terms.push_back("a:" + body["a_number"].get<std::string>());
      break;
    case EntityKind::kOrganization:
      add("name");
      break;
    case EntityKind::kFacility:
      add("name");
      add("city");
      add("state");
      add("detloc");
      add("aor");
      break;
    case EntityKind::kMatter:
      add("title");
      break;
  }
  Dedupe(&terms);
  return terms;
}

std::vector<std::string> EventTerms(const Json& body) {
  std::vector<std::string> terms;
  for (const char* field : {"note", "place", "quote", "subject_line", "charges", "conditions"}) {
    auto it = body.find(field);
    if (it != body.end() && it->is_string()) AddTextTerms(it->get<std::string>(), &terms);
  }
  Dedupe(&terms);
  return terms;
}

std::vector<std::string> QueryTerms(std::string_view query) {
  if (auto a = LooksLikeANumber(query)) return {"a:" + *a};
  std::vector<std::string> terms;
  Tokens t = Tokenize(query);
  for (auto& w : t.words) terms.push_back("w:" + w);
  for (const auto& run : t.cjk_runs) {
    if (run.size() == 1) {
      terms.push_back(Chars(run, 0, 1));
    } else {
      for (size_t k = 0; k + 1 < run.size(); ++k) terms.push_back(Chars(run, k, 2));
    }
  }
  Dedupe(&terms);
  return terms;
}

}  // namespace refuge::domain
