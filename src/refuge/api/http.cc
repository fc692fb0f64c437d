#include "refuge/api/http.h"

#include <arpa/inet.h>

#include <vector>

#include "refuge/base/random.h"

namespace refuge::api {

int HttpStatusFor(Code code) {
  switch (code) {
    case Code::kOk: return 200;
    case Code::kMalformed: return 400;
    case Code::kInvalid: return 422;
    case Code::kUnauthenticated: return 401;
    case Code::kForbidden: return 403;
    case Code::kNotFound: return 404;
    case Code::kConflict: return 409;
    case Code::kTooLarge: return 413;
    case Code::kUnsupportedMedia: return 415;
    case Code::kRateLimited: return 429;
    case Code::kIo: return 503;
    case Code::kInternal: return 500;
  }
  return 500;
}

void SendJson(httplib::Response& res, int http_status, const Json& body) {
  res.status = http_status;
  res.set_content(body.dump(-1, ' ', false, Json::error_handler_t::replace), "application/json");
}

void SendError(httplib::Response& res, const Status& status) {
  Json err = {{"code", CodeName(status.code())}, {"message", status.message()}};
  if (!status.field().empty()) err["field"] = status.field();
  SendJson(res, HttpStatusFor(status.code()), Json{{"error", std::move(err)}});
}

void SendResult(httplib::Response& res, const Result<Json>& result, int ok_status) {
  if (!result.ok()) return SendError(res, result.status());
  SendJson(res, ok_status, *result);
}

void SendResult(httplib::Response& res, const Result<app::ViewText>& result) {
  if (!result.ok()) return SendError(res, result.status());
  res.status = 200;
  res.set_content(**result, "application/json");
}

void SendPage(httplib::Response& res, const Result<app::Page>& page) {
  if (!page.ok()) return SendError(res, page.status());
  Json body = {{"items", page->items}};
  body["next"] = page->next.empty() ? Json() : Json(page->next);
  SendJson(res, 200, body);
}

void SendVersioned(httplib::Response& res, const Result<Json>& result, int ok_status) {
  if (result.ok() && result->contains("version")) {
    res.set_header("ETag", app::ETagFor((*result)["version"].get<int64_t>()));
  }
  SendResult(res, result, ok_status);
}

namespace {
constexpr int kMaxJsonDepth = 32;
}  // namespace

Result<Json> ParseJsonBody(const httplib::Request& req) {
  std::string type = req.get_header_value("Content-Type");
  std::string base = type.substr(0, type.find(';'));
  while (!base.empty() && base.back() == ' ') base.pop_back();
  if (base != "application/json") {
    return Status(Code::kUnsupportedMedia,
                  "send JSON with Content-Type: application/json (got '" + type + "')",
                  "Content-Type");
  }
  // Refuse deep nesting before it costs stack: no Refuge object nests deeper than 3.
  bool too_deep = false;
  Json::parser_callback_t depth_guard = [&too_deep](int depth, Json::parse_event_t, Json&) {
    if (depth > kMaxJsonDepth) too_deep = true;
    return !too_deep;
  };
  Json j = Json::parse(req.body, depth_guard, /*allow_exceptions=*/false);
  if (too_deep) {
    return Malformed("the JSON nests deeper than " + std::to_string(kMaxJsonDepth) + " levels");
  }
  if (j.is_discarded()) {
    // Parse again with exceptions to learn where it broke; only on the error path.
    try {
      (void)Json::parse(req.body);
    } catch (const Json::parse_error& e) {
      return Malformed("the body is not valid JSON (at byte " + std::to_string(e.byte) + ")");
    }
    return Malformed("the body is not valid JSON");
  }
  return j;
}

Result<int> IntParam(const httplib::Request& req, const char* name, int fallback, int min, int max) {
  if (!req.has_param(name)) return fallback;
  const std::string v = req.get_param_value(name);
  if (v.empty() || v.size() > 9 || v.find_first_not_of("0123456789") != std::string::npos) {
    return Invalid(name, "must be a whole number");
  }
  int n = std::stoi(v);
  if (n < min || n > max) {
    return Invalid(name, "must be between " + std::to_string(min) + " and " + std::to_string(max));
  }
  return n;
}

Credentials RequestCredentials(const httplib::Request& req) {
  const std::string auth = req.get_header_value("Authorization");
  if (auth.rfind("Bearer ", 0) == 0) return {auth.substr(7), false};
  const std::string cookies = req.get_header_value("Cookie");
  const std::string key = std::string(kSessionCookie) + "=";
  size_t pos = 0;
  while (pos < cookies.size()) {
    while (pos < cookies.size() && (cookies[pos] == ' ' || cookies[pos] == ';')) ++pos;
    size_t end = cookies.find(';', pos);
    if (end == std::string::npos) end = cookies.size();
    if (cookies.compare(pos, key.size(), key) == 0) {
      return {cookies.substr(pos + key.size(), end - pos - key.size()), true};
    }
    pos = end;
  }
  return {};
}

std::string RequestToken(const httplib::Request& req) { return RequestCredentials(req).token; }

namespace {
// Set once at start, before the server takes requests.
std::string& TrustedProxy() {
  static std::string proxy;
  return proxy;
}
}  // namespace

std::optional<std::string> CanonicalAddress(const std::string& text) {
  unsigned char raw[sizeof(struct in6_addr)];
  char out[INET6_ADDRSTRLEN];
  for (int family : {AF_INET, AF_INET6}) {
    if (inet_pton(family, text.c_str(), raw) == 1 && inet_ntop(family, raw, out, sizeof out) != nullptr) {
      return std::string(out);
    }
  }
  return std::nullopt;
}

void SetTrustedProxy(const std::string& address) {
  TrustedProxy() = address.empty() ? "" : CanonicalAddress(address).value_or("");
}

std::string ClientAddress(const httplib::Request& req) {
  const std::string& proxy = TrustedProxy();
  if (proxy.empty() || CanonicalAddress(req.remote_addr) != proxy) return req.remote_addr;
  // Each proxy appends the address it was reached from; only the right-most
  // entries, added by the trusted proxy, are believed, never what the client
  // itself put in front of them.
  std::vector<std::string> hops;
  const size_t n = req.get_header_value_count("X-Forwarded-For");
  for (size_t i = 0; i < n; ++i) {
    const std::string value = req.get_header_value("X-Forwarded-For", i);
    size_t start = 0;
    while (start <= value.size()) {
      size_t comma = value.find(',', start);
      if (comma == std::string::npos) comma = value.size();
      std::string hop = value.substr(start, comma - start);
      hop.erase(0, hop.find_first_not_of(" \t"));
      hop.erase(hop.find_last_not_of(" \t") + 1);
      hops.push_back(hop);
      start = comma + 1;
    }
  }
  for (auto it = hops.rbegin(); it != hops.rend(); ++it) {
    auto address = CanonicalAddress(*it);
    if (!address) return req.remote_addr;  // not an address: believe nothing
    if (*address != proxy) return *address;
  }
  return req.remote_addr;
}

Result<app::Actor> Authenticate(app::Service& svc, const httplib::Request& req) {
  const Credentials c = RequestCredentials(req);
  REFUGE_ASSIGN_OR_RETURN(app::Principal p, svc.AuthenticateToken(c.token));
  const bool safe = req.method == "GET" || req.method == "HEAD" || req.method == "OPTIONS";
  if (c.from_cookie && !safe) {
    const std::string sent = req.get_header_value(kCsrfHeader);
    if (sent.empty() || !ConstantTimeEquals(Sha256Hex(sent), p.csrf_hash)) {
      return Status(Code::kForbidden,
                    std::string("a write with the session cookie needs the ") + kCsrfHeader +
                        " header given at login",
                    kCsrfHeader);
    }
  }
  return app::Actor{p.user.name, p.user.role, ClientAddress(req)};
}

httplib::Server::Handler Authed(app::Service& svc, ActorHandler handler) {
  return [&svc, handler](const httplib::Request& req, httplib::Response& res) {
    auto who = Authenticate(svc, req);
    if (!who.ok()) {
      if (who.status().code() == Code::kUnauthenticated) {
        res.set_header("WWW-Authenticate", "Bearer realm=\"refuge\"");
      }
      return SendError(res, who.status());
    }
    handler(req, res, *who);
  };
}

}  // namespace refuge::api
