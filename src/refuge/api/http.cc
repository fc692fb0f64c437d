#include "refuge/api/http.h"

#include <arpa/inet.h>

#include <algorithm>
#include <string_view>
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

void SendErrorAndClose(httplib::Response& res, const Status& status) {
  SendError(res, status);
  auto body = std::make_shared<std::string>(std::move(res.body));
  res.body.clear();
  res.set_header("Connection", "close");
  // cpp-httplib 0.11 ignores a response's "Connection: close"; it ends the
  // connection only when a content provider fails, so this one writes the whole
  // answer and then reports failure.
  res.set_content_provider(body->size(), "application/json",
                           [body](size_t offset, size_t length, httplib::DataSink& sink) {
                             sink.write(body->data() + offset, length);
                             return false;
                           });
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
// No Refuge request holds more than a few thousand values; a body of `[],[],...`
// would otherwise cost some 50 bytes of memory per 3 bytes sent.
constexpr size_t kMaxJsonValues = 100000;

// Builds the document like nlohmann's own DOM parser, and stops the parse at the
// first value over the budget or level over the depth, so that memory is bounded
// by the budget, not the body. It remembers the last key for error messages.
class BudgetedSax {
 public:
  explicit BudgetedSax(Json& out) : dom_(out, /*allow_exceptions=*/false) {}

  bool null() { return Count() && dom_.null(); }
  bool boolean(bool v) { return Count() && dom_.boolean(v); }
  bool number_integer(Json::number_integer_t v) { return Count() && dom_.number_integer(v); }
  bool number_unsigned(Json::number_unsigned_t v) { return Count() && dom_.number_unsigned(v); }
  bool number_float(Json::number_float_t v, const Json::string_t& s) { return Count() && dom_.number_float(v, s); }
  bool string(Json::string_t& v) { return Count() && dom_.string(v); }
  bool binary(Json::binary_t& v) { return Count() && dom_.binary(v); }
  bool start_object(std::size_t n) { return Count() && Deeper() && dom_.start_object(n); }
  bool end_object() { --depth_; return dom_.end_object(); }
  bool start_array(std::size_t n) { return Count() && Deeper() && dom_.start_array(n); }
  bool end_array() { --depth_; return dom_.end_array(); }
  bool key(Json::string_t& k) {
    last_key_ = k.substr(0, 100);
    return Count() && dom_.key(k);
  }
  bool parse_error(std::size_t byte, const std::string&, const nlohmann::detail::exception& e) {
    error_byte_ = byte;
    error_id_ = e.id;
    return false;
  }

  Status Outcome() const {
    if (too_many_) {
      return Status(Code::kTooLarge, "the JSON has more than " + std::to_string(kMaxJsonValues) + " values");
    }
    if (too_deep_) return Malformed("the JSON nests deeper than " + std::to_string(kMaxJsonDepth) + " levels");
    // 406: a number too large for a double (1e400); the field is the last key read.
    if (error_id_ == 406) {
      return Invalid(last_key_.empty() ? "body" : last_key_, "the number is too large");
    }
    if (error_id_ != 0) return Malformed("the body is not valid JSON (at byte " + std::to_string(error_byte_) + ")");
    return Status::Ok();
  }

 private:
  bool Count() {
    if (++values_ > kMaxJsonValues) too_many_ = true;
    return !too_many_;
  }
  bool Deeper() {
    if (++depth_ > kMaxJsonDepth) too_deep_ = true;
    return !too_deep_;
  }

  nlohmann::detail::json_sax_dom_parser<Json> dom_;
  size_t values_ = 0;
  int depth_ = 0;
  bool too_many_ = false;
  bool too_deep_ = false;
  int error_id_ = 0;
  size_t error_byte_ = 0;
  std::string last_key_;
};

}  // namespace

Result<Json> ParseJson(std::string_view text) {
  Json j;
  BudgetedSax sax(j);
  const bool ok = Json::sax_parse(text, &sax);
  REFUGE_RETURN_IF_ERROR(sax.Outcome());
  if (!ok) return Malformed("the body is not valid JSON");
  return j;
}

Result<Json> ParseJsonBody(const httplib::Request& req) {
  std::string type = req.get_header_value("Content-Type");
  std::string base = type.substr(0, type.find(';'));
  while (!base.empty() && base.back() == ' ') base.pop_back();
  if (base != "application/json") {
    return Status(Code::kUnsupportedMedia,
                  "send JSON with Content-Type: application/json (got '" + type.substr(0, 100) + "')",
                  "Content-Type");
  }
  return ParseJson(req.body);
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

Router::Router(httplib::Server& server, app::Service& svc, BodyLimits limits)
    : server_(server), svc_(svc), limits_(limits) {}

namespace {

bool IsDigits(const std::string& s) {
  return !s.empty() && s.size() <= 19 && s.find_first_not_of("0123456789") == std::string::npos;
}

}  // namespace

Router::StreamHandler Router::Limited(Handler handler) const {
  return [&svc = svc_, limits = limits_, handler](const httplib::Request& req, httplib::Response& res,
                                                   const httplib::ContentReader& reader) {
    // Framing httplib would read wrongly or without end: refused unread.
    const bool chunked = req.has_header("Transfer-Encoding");
    if (chunked && (req.get_header_value("Transfer-Encoding") != "chunked" || req.has_header("Content-Length"))) {
      return SendErrorAndClose(res, Malformed("only Transfer-Encoding: chunked is accepted, and not with Content-Length"));
    }
    if (req.is_multipart_form_data()) {
      return SendErrorAndClose(
          res, Status(Code::kUnsupportedMedia, "send JSON, not a multipart form", "Content-Type"));
    }
    const std::string length = req.get_header_value("Content-Length");
    if (!chunked && !length.empty() && !IsDigits(length)) {
      return SendErrorAndClose(res, Malformed("the Content-Length is not a number"));
    }
    // Neither: no body (RFC 9112 6.3), rather than httplib's read until the connection closes.
    if (chunked || !length.empty()) {
      Status encoding = CheckContentEncoding(req.get_header_value("Content-Encoding"));
      BodyCollector body(encoding.ok() ? limits.anonymous : 0, limits.drain, [&]() -> size_t {
        return encoding.ok() && Authenticate(svc, req).ok() ? limits.authenticated : 0;
      });
      if (!length.empty()) body.Declared(std::stoull(length));
      const bool complete = reader([&body](const char* data, size_t n) { return body.Take(data, n); });
      if (!encoding.ok()) return SendErrorAndClose(res, encoding);
      if (body.exceeded()) return SendErrorAndClose(res, body.TooLarge());
      if (!complete) return SendErrorAndClose(res, Malformed("the request body ended early or was badly framed"));
      // The request is httplib's own, not const; the body is placed where handlers read it.
      const_cast<httplib::Request&>(req).body = std::move(body.body());
    }
    handler(req, res);
  };
}

Router& Router::Get(const std::string& pattern, Handler handler) {
  Record("GET", pattern);
  server_.Get(pattern, std::move(handler));
  return *this;
}
Router& Router::Post(const std::string& pattern, Handler handler) {
  Record("POST", pattern);
  server_.Post(pattern, Limited(std::move(handler)));
  return *this;
}
Router& Router::Post(const std::string& pattern, StreamHandler handler) {
  Record("POST", pattern);
  server_.Post(pattern, std::move(handler));
  return *this;
}
Router& Router::Put(const std::string& pattern, Handler handler) {
  Record("PUT", pattern);
  server_.Put(pattern, Limited(std::move(handler)));
  return *this;
}
Router& Router::Patch(const std::string& pattern, Handler handler) {
  Record("PATCH", pattern);
  server_.Patch(pattern, Limited(std::move(handler)));
  return *this;
}
Router& Router::Delete(const std::string& pattern, Handler handler) {
  Record("DELETE", pattern);
  server_.Delete(pattern, Limited(std::move(handler)));
  return *this;
}

void Router::CatchAll() {
  methods_ = std::make_shared<const MethodIndex>(routes_);
  Handler none = [methods = methods_](const httplib::Request& req, httplib::Response& res) {
    const std::string allow = methods->AllowFor(req.path);
    if (!allow.empty()) return SendMethodNotAllowed(res, req, allow);
    SendError(res, NotFound("no such endpoint: " + req.method + " " + req.path.substr(0, 200)));
  };
  // Straight to httplib: not routes of the API, so not recorded.
  server_.Post(".*", Limited(none));
  server_.Put(".*", Limited(none));
  server_.Patch(".*", Limited(none));
  server_.Delete(".*", Limited(none));
}

MethodIndex::MethodIndex(const std::vector<Router::Route>& routes) {
  for (const auto& r : routes) routes_.emplace_back(r.method, std::regex(r.pattern));
}

std::string MethodIndex::AllowFor(const std::string& path) const {
  std::vector<std::string> methods;
  for (const auto& [method, pattern] : routes_) {
    if (!std::regex_match(path, pattern)) continue;
    if (std::find(methods.begin(), methods.end(), method) == methods.end()) methods.push_back(method);
    if (method == "GET" && std::find(methods.begin(), methods.end(), "HEAD") == methods.end()) {
      methods.push_back("HEAD");
    }
  }
  std::sort(methods.begin(), methods.end());
  std::string allow;
  for (const auto& m : methods) allow += (allow.empty() ? "" : ", ") + m;
  return allow;
}

void SendMethodNotAllowed(httplib::Response& res, const httplib::Request& req, const std::string& allow) {
  res.set_header("Allow", allow);
  SendJson(res, 405, Json{{"error", {{"code", "method_not_allowed"},
                                     {"message", req.method + " is not served at " + req.path.substr(0, 200) +
                                                     "; this path takes " + allow}}}});
}

std::optional<std::string> PathTemplate(const std::string& pattern) {
  std::string out;
  for (size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '(') {
      // To the matching ')': a group may hold a character class but no nested group.
      const size_t close = pattern.find(')', i);
      if (close == std::string::npos || pattern.find('(', i + 1) < close) return std::nullopt;
      out += "{}";
      i = close;
    } else if (std::string_view("[]{}()*+?|^$\\").find(c) != std::string_view::npos) {
      return std::nullopt;
    } else {
      out += c;
    }
  }
  return out;
}

std::string UnnamedTemplate(const std::string& path) {
  std::string out;
  for (size_t i = 0; i < path.size(); ++i) {
    if (path[i] == '{') {
      const size_t close = path.find('}', i);
      if (close == std::string::npos) return path;
      out += "{}";
      i = close;
    } else {
      out += path[i];
    }
  }
  return out;
}

}  // namespace refuge::api
