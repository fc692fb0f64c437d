#include "refuge/domain/a_number.h"

#include <vector>

namespace refuge::domain {

std::optional<std::string> LooksLikeANumber(std::string_view text) {
  std::string digits;
  size_t i = 0;
  while (i < text.size() && text[i] == ' ') ++i;
  if (i < text.size() && (text[i] == 'A' || text[i] == 'a')) {
    ++i;
    if (i < text.size() && (text[i] == '-' || text[i] == '#')) ++i;
  }
  // Digits, in groups split by '-', ' ' or '.': written forms group them 3-3-3
  // (or 2-3-3 for eight digits); any other grouping, such as a date, is not one.
  std::vector<size_t> groups = {0};
  for (; i < text.size(); ++i) {
    char c = text[i];
    if (c >= '0' && c <= '9') {
      digits += c;
      ++groups.back();
    } else if (c == '-' || c == ' ' || c == '.') {
      if (groups.back() != 0) groups.push_back(0);
    } else {
      return std::nullopt;
    }
  }
  if (groups.back() == 0) groups.pop_back();
  if (groups.size() > 1 && groups != std::vector<size_t>{3, 3, 3} &&
      groups != std::vector<size_t>{2, 3, 3}) {
    return std::nullopt;
  }
  if (digits.size() == 8) digits = "0" + digits;
  if (digits.size() != 9 || digits == "000000000") return std::nullopt;
  return digits;
}

Result<std::string> NormalizeANumber(std::string_view text, const std::string& field) {
  auto digits = LooksLikeANumber(text);
  if (!digits) {
    return Invalid(field, "'" + std::string(text) +
                              "' is not an A-number: expected 8 or 9 digits, optionally "
                              "written as A123456789 or A-123-456-789");
  }
  return *digits;
}

std::string FormatANumber(const std::string& d) {
  if (d.size() != 9) return d;
  return "A-" + d.substr(0, 3) + "-" + d.substr(3, 3) + "-" + d.substr(6, 3);
}

}  // namespace refuge::domain
