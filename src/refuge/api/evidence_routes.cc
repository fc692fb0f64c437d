#include <spdlog/spdlog.h>

#include <memory>
#include <vector>

#include "refuge/api/http.h"
#include "refuge/app/evidence.h"

namespace refuge::api {

namespace {

constexpr const char* kCollection = "/api/v1/evidence";
constexpr size_t kChunkBytes = 1 << 20;

// An error sent before the request body was read: the connection is closed, so
// the unread body is not taken for the next request.
void RefuseUnread(httplib::Response& res, const Status& s) {
  if (s.code() == Code::kUnauthenticated) res.set_header("WWW-Authenticate", "Bearer realm=\"refuge\"");
  SendErrorAndClose(res, s);
}

// filename="..." for ASCII names, and filename*= (RFC 6266/8187) for the rest.
std::string ContentDisposition(const std::string& name) {
  static const char* kHex = "0123456789ABCDEF";
  std::string ascii, encoded;
  for (unsigned char c : name) {
    ascii += (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') ? static_cast<char>(c) : '_';
    if (std::isalnum(c) || c == '.' || c == '-' || c == '_') {
      encoded += static_cast<char>(c);
    } else {
      encoded += '%';
      encoded += kHex[c >> 4];
      encoded += kHex[c & 15];
    }
  }
  return "attachment; filename=\"" + ascii + "\"; filename*=UTF-8''" + encoded;
}

// The response body of a chunked download, as the vault's writers see it.
class ResponseSink final : public vault::ByteSink {
 public:
  explicit ResponseSink(httplib::DataSink& sink) : sink_(sink) {}
  Status Write(const uint8_t* data, size_t n) override {
    if (sink_.write(reinterpret_cast<const char*>(data), n)) return Status::Ok();
    return IoError("the client stopped reading");
  }

 private:
  httplib::DataSink& sink_;
};

// The body of POST /matters/{id}/bags: {"redacted": bool, "organization": text},
// both optional; an empty body asks for the originals.
Status ReadBagRequest(const httplib::Request& req, bool* redacted, std::string* organization) {
  if (req.body.empty()) return Status::Ok();
  REFUGE_ASSIGN_OR_RETURN(Json body, ParseJsonBody(req));
  if (!body.is_object()) return Malformed("expected a JSON object");
  for (const auto& [k, v] : body.items()) {
    if (k == "redacted") {
      if (!v.is_boolean()) return Invalid(k, "must be true (safe copies only) or false (the originals)");
      *redacted = v.get<bool>();
    } else if (k == "organization") {
      if (!v.is_string() || v.get<std::string>().empty()) {
        return Invalid(k, "give the name of the organization that makes the bag (Source-Organization)");
      }
      *organization = v.get<std::string>();
    } else {
      return Invalid(k, "unknown field '" + k + "'; give redacted and organization");
    }
  }
  return Status::Ok();
}

}  // namespace

bool IsStreamedUpload(const httplib::Request& req) { return req.method == "POST" && req.path == kCollection; }

void RegisterEvidenceRoutes(Router& server, app::Service& svc, app::EvidenceService& evidence) {
  const std::string item = std::string(kCollection) + R"(/([A-Za-z0-9_-]+))";

  // The upload: the body is the file itself, read in pieces into the vault, so
  // its size is limited only by the disk. What the file is comes in the query.
  server.Post(kCollection, [&svc, &evidence](const httplib::Request& req, httplib::Response& res,
                                             const httplib::ContentReader& content_reader) {
    auto who = Authenticate(svc, req);
    if (!who.ok()) return RefuseUnread(res, who.status());
    if (req.is_multipart_form_data()) {
      return RefuseUnread(res, Status(Code::kUnsupportedMedia,
                                      "send the file itself as the request body, not a multipart form",
                                      "Content-Type"));
    }
    app::NewEvidence in;
    in.subject = req.get_param_value("subject");
    in.matter = req.get_param_value("matter");
    in.title = req.get_param_value("title");
    in.source_url = req.get_param_value("source_url");
    in.captured = req.get_param_value("captured");
    in.note = req.get_param_value("note");
    in.filename = req.get_param_value("filename");
    auto upload = evidence.BeginUpload(*who, std::move(in));
    if (!upload.ok()) return RefuseUnread(res, upload.status());
    Status written;
    const bool complete = content_reader([&](const char* data, size_t n) {
      written = (*upload)->Write(data, n);
      return written.ok();
    });
    if (!written.ok()) return RefuseUnread(res, written);
    if (!complete) {
      // The client went away or stalled: the upload is dropped with its temporary file.
      return RefuseUnread(res, Malformed("the upload ended before the whole body arrived; nothing was stored"));
    }
    auto stored = (*upload)->Finish();
    if (stored.ok()) res.set_header("Location", std::string(kCollection) + "/" + (*stored)["id"].get<std::string>());
    SendResult(res, stored, 201);
  });

  server.Get(kCollection, Authed(svc, [&evidence](const httplib::Request& req, httplib::Response& res,
                                                  const app::Actor& who) {
    auto limit = IntParam(req, "limit", 50, 1, 1000);
    if (!limit.ok()) return SendError(res, limit.status());
    SendPage(res, evidence.List(who, req.get_param_value("matter"), req.get_param_value("subject"),
                                req.get_param_value("after"), *limit));
  }));

  server.Get(item, Authed(svc, [&evidence](const httplib::Request& req, httplib::Response& res,
                                           const app::Actor& who) {
    SendResult(res, evidence.Get(who, req.matches[1]));
  }));

  // The original, decrypted as it is sent; Range requests let players seek.
  server.Get(item + "/content", Authed(svc, [&evidence](const httplib::Request& req, httplib::Response& res,
                                                        const app::Actor& who) {
    const std::string range = req.get_header_value("Range");
    Json details = {{"range", range.empty() ? "whole file" : range.substr(0, 200)}};
    auto content = evidence.OpenContent(who, req.matches[1], details);
    if (!content.ok()) return SendError(res, content.status());
    std::shared_ptr<vault::ObjectStore::Reader> reader = std::move(content->reader);
    const size_t size = static_cast<size_t>(reader->size());
    res.set_header("Content-Disposition", ContentDisposition(content->filename));
    res.set_header("Accept-Ranges", "bytes");
    res.set_content_provider(
        size, content->media_type,
        [reader](size_t offset, size_t length, httplib::DataSink& sink) {
          std::vector<uint8_t> buf(std::min(length, kChunkBytes));
          auto n = reader->ReadAt(offset, buf.data(), buf.size());
          // A chunk that fails authentication ends the response: never send altered bytes.
          if (!n.ok() || *n == 0) return false;
          return sink.write(reinterpret_cast<const char*>(buf.data()), *n);
        });
  }));

  server.Get(item + "/custody", Authed(svc, [&evidence](const httplib::Request& req, httplib::Response& res,
                                                        const app::Actor& who) {
    SendResult(res, evidence.CustodyLog(who, req.matches[1]));
  }));

  server.Post(item + "/verification", Authed(svc, [&evidence](const httplib::Request& req,
                                                              httplib::Response& res, const app::Actor& who) {
    SendResult(res, evidence.Verify(who, req.matches[1]));
  }));

  server.Post(item + "/redactions", Authed(svc, [&evidence](const httplib::Request& req, httplib::Response& res,
                                                            const app::Actor& who) {
    // Optionally {"matter": "mat_..."}: file the copy under another matter of the client.
    std::string matter;
    if (!req.body.empty()) {
      auto body = ParseJsonBody(req);
      if (!body.ok()) return SendError(res, body.status());
      if (!body->is_object()) return SendError(res, Malformed("expected a JSON object"));
      for (const auto& [k, v] : body->items()) {
        if (k != "matter") return SendError(res, Invalid(k, "unknown field '" + k + "'; give matter"));
        if (!v.is_string()) return SendError(res, Invalid(k, "must be a matter id"));
        matter = v.get<std::string>();
      }
    }
    auto made = evidence.Redact(who, req.matches[1], "", matter);
    if (made.ok()) res.set_header("Location", std::string(kCollection) + "/" + (*made)["id"].get<std::string>());
    SendResult(res, made, 201);
  }));

  server.Post(item + "/links", Authed(svc, [&evidence](const httplib::Request& req, httplib::Response& res,
                                                       const app::Actor& who) {
    auto body = ParseJsonBody(req);
    if (!body.ok()) return SendError(res, body.status());
    if (!body->is_object() || !body->contains("event") || !(*body)["event"].is_string()) {
      return SendError(res, Invalid("event", "give the id of the event that names this evidence"));
    }
    SendResult(res, evidence.LinkEvent(who, req.matches[1], (*body)["event"]));
  }));

  // A matter's evidence as a BagIt bag in one tar archive, streamed: each payload
  // is decrypted from the vault into the response, nothing is written to disk.
  // A payload that fails its checks ends the response without the end of the
  // archive (docs/vault-format.md, 6.1).
  server.Post(R"(/api/v1/matters/([A-Za-z0-9_-]+)/bags)",
              Authed(svc, [&evidence](const httplib::Request& req, httplib::Response& res, const app::Actor& who) {
                bool redacted = false;
                std::string organization;
                Status asked = ReadBagRequest(req, &redacted, &organization);
                if (!asked.ok()) return SendError(res, asked);
                auto made = evidence.ExportForDownload(who, req.matches[1], redacted, organization);
                if (!made.ok()) {
                  if (made.status().field() == app::EvidenceService::kBusyField) res.set_header("Retry-After", "30");
                  return SendError(res, made.status());
                }
                std::shared_ptr<app::BagDownload> bag = std::move(*made);
                res.set_header("Content-Disposition", ContentDisposition(bag->name() + ".tar"));
                std::string withheld;
                for (const auto& w : bag->summary()["withheld"]) {
                  withheld += (withheld.empty() ? "" : ", ") + w["id"].get<std::string>();
                }
                if (!withheld.empty()) res.set_header("Refuge-Withheld", withheld);
                res.set_chunked_content_provider("application/x-tar", [bag](size_t, httplib::DataSink& sink) {
                  ResponseSink out(sink);
                  Status sent = bag->WriteTar(out);
                  if (!sent.ok()) {
                    spdlog::warn("bag {} was not sent whole: {}", bag->name(), sent.ToString());
                    return false;
                  }
                  sink.done();
                  return true;
                });
              }));

  server.Post(item + "/transfers", Authed(svc, [&evidence](const httplib::Request& req, httplib::Response& res,
                                                           const app::Actor& who) {
    auto body = ParseJsonBody(req);
    if (!body.ok()) return SendError(res, body.status());
    if (!body->is_object()) return SendError(res, Malformed("expected a JSON object"));
    for (const auto& [k, v] : body->items()) {
      if (k != "to" && k != "note") return SendError(res, Invalid(k, "unknown field '" + k + "'; give to and note"));
      if (!v.is_string()) return SendError(res, Invalid(k, "must be a string"));
    }
    SendResult(res, evidence.Transfer(who, req.matches[1], body->value("to", ""), body->value("note", "")), 201);
  }));
}

}  // namespace refuge::api
