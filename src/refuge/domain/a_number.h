#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "refuge/base/status.h"

namespace refuge::domain {

// Parses an Alien Registration Number as people write it ("A123456789",
// "A-123-456-789", "123 456 789", "A12345678") into its 9 digits ("012345678").
Result<std::string> NormalizeANumber(std::string_view text, const std::string& field = "a_number");
// Like NormalizeANumber, but for search: nullopt when the text is not an A-number.
std::optional<std::string> LooksLikeANumber(std::string_view text);
// "214587903" -> "A-214-587-903".
std::string FormatANumber(const std::string& nine_digits);

}  // namespace refuge::domain
