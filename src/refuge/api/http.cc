#include "refuge/api/http.h"

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

Result<Json> ParseJsonBody(const httplib::Request& req) {
  std::string type = req.get_header_value("Content-Type");
  std::string base = type.substr(0, type.find(';'));
  while (!base.empty() && base.back() == ' ') base.pop_back();
  if (base != "application/json") {
    return Status(Code::kUnsupportedMedia,
                  "send JSON with Content-Type: application/json (got '" + type + "')",
                  "Content-Type");
  }
  Json j = Json::parse(req.body, nullptr, /*allow_exceptions=*/false);
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

std::string RequestToken(const httplib::Request& req) {
  const std::string auth = req.get_header_value("Authorization");
  if (auth.rfind("Bearer ", 0) == 0) return auth.substr(7);
  const std::string cookies = req.get_header_value("Cookie");
  const std::string key = std::string(kSessionCookie) + "=";
  size_t pos = 0;
  while (pos < cookies.size()) {
    while (pos < cookies.size() && (cookies[pos] == ' ' || cookies[pos] == ';')) ++pos;
    size_t end = cookies.find(';', pos);
    if (end == std::string::npos) end = cookies.size();
    if (cookies.compare(pos, key.size(), key) == 0) {
      return cookies.substr(pos + key.size(), end - pos - key.size());
    }
    pos = end;
  }
  return {};
}

httplib::Server::Handler Authed(app::Service& svc, UserHandler handler) {
  return [&svc, handler](const httplib::Request& req, httplib::Response& res) {
    auto user = svc.Authenticate(RequestToken(req));
    if (!user.ok()) {
      res.set_header("WWW-Authenticate", "Bearer realm=\"refuge\"");
      return SendError(res, user.status());
    }
    handler(req, res, *user);
  };
}

}  // namespace refuge::api
