#pragma once

#include <optional>
#include <string_view>

namespace refuge {

// Files under data/ compiled into the binary (see REFUGE_ASSETS in CMakeLists.txt):
// "demo_json", "facilities_psv", ... nullopt for an unknown name.
std::optional<std::string_view> Asset(std::string_view name);

}  // namespace refuge
