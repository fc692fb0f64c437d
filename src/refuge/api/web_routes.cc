// The web UI: the single-page app built from web/ and compiled into the binary.
#include <algorithm>

#include "refuge/api/http.h"
#include "refuge/api/web_assets.h"

namespace refuge::api {

namespace {

// No inline script or style, nothing from another origin: the UI's own
// bundles and the API only.
constexpr const char* kContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; manifest-src 'self'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'";

const WebAsset* FindAsset(std::string_view path) {
  auto assets = WebAssets();
  auto it = std::lower_bound(assets.begin(), assets.end(), path,
                             [](const WebAsset& a, std::string_view p) { return a.path < p; });
  if (it == assets.end() || it->path != path) return nullptr;
  return &*it;
}

void Serve(httplib::Response& res, const WebAsset& asset, bool immutable) {
  res.status = 200;
  // The server's defaults for API answers are replaced, not doubled.
  for (const char* h : {"Cache-Control", "Content-Security-Policy", "X-Frame-Options"}) {
    res.headers.erase(h);
  }
  // Vite puts a content hash in every name under /assets/, so those never
  // change; index.html names the current ones and is checked on every load.
  res.set_header("Cache-Control", immutable ? "public, max-age=31536000, immutable" : "no-cache");
  res.set_header("Content-Security-Policy", kContentSecurityPolicy);
  res.set_header("X-Frame-Options", "DENY");
  res.set_content(std::string(asset.body), WebContentType(asset.path));
}

}  // namespace

const char* WebContentType(std::string_view path) {
  const size_t dot = path.rfind('.');
  const std::string_view ext = dot == std::string_view::npos ? "" : path.substr(dot + 1);
  if (ext == "html") return "text/html; charset=utf-8";
  if (ext == "js" || ext == "mjs") return "text/javascript; charset=utf-8";
  if (ext == "css") return "text/css; charset=utf-8";
  if (ext == "json" || ext == "map") return "application/json";
  if (ext == "svg") return "image/svg+xml";
  if (ext == "png") return "image/png";
  if (ext == "ico") return "image/x-icon";
  if (ext == "woff2") return "font/woff2";
  if (ext == "txt") return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

void RegisterWebRoutes(httplib::Server& server) {
  // Every GET outside /api/ is the UI: a file of the build when one has that
  // path, else index.html, so a reload or a bookmark of /people/per_x works.
  // A missing file under /assets/ is a 404 instead: an old page asking for a
  // bundle this binary does not have must not get HTML back as JavaScript.
  server.Get(R"(/(?!api(?:/|$)).*)", [](const httplib::Request& req, httplib::Response& res) {
    const std::string& path = req.path;
    if (path != "/" && path != "/index.html") {
      if (const WebAsset* asset = FindAsset(path)) {
        return Serve(res, *asset, path.rfind("/assets/", 0) == 0);
      }
      if (path.rfind("/assets/", 0) == 0) {
        return SendError(res, NotFound("no such file: " + path));
      }
    }
    const WebAsset* index = FindAsset("/index.html");
    if (index == nullptr) return SendError(res, Internal("the web UI is missing from this build"));
    Serve(res, *index, false);
  });
}

}  // namespace refuge::api
