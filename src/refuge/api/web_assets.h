#pragma once

#include <span>
#include <string_view>

namespace refuge::api {

// One file of the built web UI (web/dist), compiled into the binary.
struct WebAsset {
  std::string_view path;  // "/index.html", "/assets/index-3f2a9c.js"
  std::string_view body;
};

// Every file of the web UI, sorted by path. Generated at build time by
// web/scripts/embed.mjs from the Vite build output (see CMakeLists.txt).
std::span<const WebAsset> WebAssets();

}  // namespace refuge::api
