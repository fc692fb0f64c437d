#pragma once

#include <string_view>

namespace refuge::domain {

// True for an assigned ISO 3166-1 alpha-2 code in upper case ("US", "CN", "HK").
bool IsCountryCode(std::string_view code);

}  // namespace refuge::domain
