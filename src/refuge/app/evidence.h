#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "refuge/app/actor.h"
#include "refuge/app/audit_log.h"
#include "refuge/app/service.h"
#include "refuge/auth/signing_key.h"
#include "refuge/base/clock.h"
#include "refuge/base/status.h"
#include "refuge/store/db.h"
#include "refuge/vault/custody.h"
#include "refuge/vault/object_store.h"
#include "refuge/vault/vault.h"

namespace refuge::app {

// What a caller says about a file it adds.
struct NewEvidence {
  std::string subject;     // person id (required)
  std::string matter;      // matter id, optional
  std::string title;
  std::string source_url;  // where it came from, when taken from the web
  std::string captured;    // when it was recorded: a date or date-time (partial dates allowed)
  std::string note;
  std::string filename;    // the original file name, as received
  std::string id;          // a fixed id (the demo); empty: a new one
};

// What a bag export should hold.
struct ExportRequest {
  std::string matter;
  std::string out_dir;
  bool redacted = false;  // safe copies instead of originals
  std::string organization = "Refuge";  // bag-info Source-Organization
};

// A bag made to be downloaded (EvidenceService::ExportForDownload). Nothing of
// it is on disk: its tag files are computed from the records, and each payload
// is decrypted from its vault object straight into the archive as it is sent
// (docs/vault-format.md, 6.1).
class BagDownload {
 public:
  ~BagDownload();
  // The archive's name without ".tar", which is also its top directory:
  // "<matter>-bag-<date>", or "<matter>-safe-copies-<date>" for safe copies.
  const std::string& name() const { return name_; }
  // What Export answered, with "bag" set to name(): {"bag", "items", "bytes",
  // "redacted", "withheld"}.
  const nlohmann::json& summary() const { return summary_; }
  // The whole bag as one tar archive, its files under name()/, written to `out`
  // in pieces. `out` failing (the client went away) stops it with its status;
  // a payload that fails its AEAD check or does not hash to its record's
  // SHA-256 stops it too, before the manifests and the end of the archive, so
  // what was sent is no valid archive.
  Status WriteTar(vault::ByteSink& out) const;

  struct Plan;  // what goes in: evidence.cc

 private:
  friend class EvidenceService;
  BagDownload(vault::ObjectStore& objects, std::unique_ptr<Plan> plan, std::string name, nlohmann::json summary);
  // One of the service's bag slots, given back when the download goes;
  // declared first, so it is freed last.
  std::shared_ptr<void> slot_;
  vault::ObjectStore& objects_;
  std::unique_ptr<Plan> plan_;
  std::string name_;
  nlohmann::json summary_;
};

// The evidence vault's use cases (docs/vault-format.md): ingest, read, chain of
// custody, verification, safe copies, BagIt export. Every access to a record is
// a custody entry. Thread-safe.
//
// Access: a record is visible to whoever may see its matter (or, without a
// matter, its subject); advocates see only redacted copies and what they added
// themselves. Lawyers and advocates add; lawyers redact, link, transfer and
// export. The operator at the command line may do everything.
class EvidenceService {
 public:
  // `vault` is null when the server started without a passphrase: every call then
  // answers kIo (HTTP 503) saying the vault is locked. `key` signs custody heads.
  // `audit` is the installation's audit log (Service::audit()), which must
  // outlive this service; null only where no log is kept (a fuzz harness).
  EvidenceService(store::Store& store, const Clock& clock, std::unique_ptr<vault::Vault> vault,
                  auth::SigningKey key, AuditLog* audit = nullptr);
  ~EvidenceService();

  bool unlocked() const { return vault_ != nullptr; }

  // A file arriving in pieces (an HTTP upload). Dropping it before Finish() leaves
  // nothing in the vault or the database.
  class Upload {
   public:
    ~Upload();
    Status Write(const char* data, size_t n);
    // Reads an open file to its end into the upload.
    Status WriteFrom(int fd, const std::string& what);
    // Stores the object and the record: {"id", "sha256", "size", "media_type"}.
    Result<nlohmann::json> Finish();

   private:
    friend class EvidenceService;
    Upload(EvidenceService& svc, Actor who, NewEvidence in,
           std::unique_ptr<vault::ObjectStore::Writer> writer);
    EvidenceService& svc_;
    Actor who_;
    NewEvidence in_;
    std::unique_ptr<vault::ObjectStore::Writer> writer_;
  };

  // Checks the request (subject, matter, fields, access) before any byte is read.
  Result<std::unique_ptr<Upload>> BeginUpload(const Actor& who, NewEvidence in);
  // Adds a file from disk, streaming it; the file name defaults to the path's.
  Result<nlohmann::json> AddFile(const Actor& who, const std::string& path, NewEvidence in);

  // The record: capture context, embedded metadata, linked events, derivatives.
  // A "viewed" custody entry and an "evidence.read" audit entry.
  Result<nlohmann::json> Get(const Actor& who, const std::string& id);
  // Records visible to the actor, filtered by matter and/or subject (ids of
  // that kind; kInvalid naming the field otherwise).
  Result<Page> List(const Actor& who, const std::string& matter, const std::string& subject,
                    const std::string& after, int limit);

  // The decrypted original for streaming. A "downloaded" custody entry with
  // `details` (e.g. the byte range asked for), and an "evidence.content" audit
  // entry with the same details.
  struct Content {
    std::unique_ptr<vault::ObjectStore::Reader> reader;
    std::string media_type;
    std::string filename;
  };
  Result<Content> OpenContent(const Actor& who, const std::string& id, const nlohmann::json& details);
  // Writes the original to `out_path` (atomically), checking its hash on the way.
  Result<nlohmann::json> SaveCopy(const Actor& who, const std::string& id, const std::string& out_path);

  // The chain of custody, decrypted, with its check: {"id", "ok", "problems", "head", "entries"}.
  // Not a custody entry itself; an "evidence.custody" audit entry.
  Result<nlohmann::json> CustodyLog(const Actor& who, const std::string& id);

  // Fixity: re-hashes the object, checks every AEAD tag, the record against what
  // was received, and the custody chain and its signature. Damage is reported,
  // not returned as an error. Each check is a "verified" custody entry.
  Result<nlohmann::json> Verify(const Actor& who, const std::string& id);
  // Every record: {"ok", "checked", "failed", "items": [...]}; for the operator
  // also "orphans" (objects no record uses: a warning, not a failure) and
  // "missing" (records the audit log saw received that are gone: a failure).
  Result<nlohmann::json> VerifyAll(const Actor& who);

  // Objects no record refers to (left by an ingest that failed or crashed after
  // storing its file): {"orphans": [{"object", "bytes"}], "removed"}. Removes
  // them only when `remove` is set. Waits for ingests in progress. Operator only.
  Result<nlohmann::json> CollectGarbage(bool remove);

  // A safe copy, stored as a derivative record: {"id", "sha256", "size",
  // "media_type", "parent", "matter", "report"}. Writes it to `out_path` too when
  // given. The copy is filed under the original's matter, or under `matter`: another
  // matter of the same client that the actor is on (the campaign that publishes
  // it). The original stays where it is.
  Result<nlohmann::json> Redact(const Actor& who, const std::string& id, const std::string& out_path,
                                const std::string& matter = "");

  // A BagIt bag of a matter's evidence: {"bag", "items", "bytes", "withheld"}.
  // With `redacted`, each original is represented by its newest safe copy (made
  // now when there is none), and safe copies filed under the matter whose
  // originals are elsewhere go in as they are. An "exported" custody entry per
  // exhibit and an "evidence.export" audit entry, once the bag is complete.
  Result<nlohmann::json> Export(const Actor& who, const ExportRequest& req);
  // The same bag, to be streamed as an archive (BagDownload); the export is
  // recorded when it is made, before the first byte is sent. At most
  // kMaxBagDownloads exist at once, since each decrypts and hashes its payload
  // as it goes: another answers kIo with field kBusyField (HTTP 503, Retry-After).
  static constexpr int kMaxBagDownloads = 2;
  static constexpr const char* kBusyField = "bags";
  Result<std::unique_ptr<BagDownload>> ExportForDownload(const Actor& who, const std::string& matter,
                                                         bool redacted, const std::string& organization);
  // Validates any bag; Refuge's custody file, when present, offline.
  static Result<nlohmann::json> VerifyBag(const std::string& dir);

  // Records in the custody log that an event refers to the record (the event's
  // `evidence` field must name it). Idempotent.
  Result<nlohmann::json> LinkEvent(const Actor& who, const std::string& id, const std::string& event_id);
  // Records a hand-over of the evidence outside Refuge (to a court, a partner).
  Result<nlohmann::json> Transfer(const Actor& who, const std::string& id, const std::string& to,
                                  const std::string& note);

  const std::string& public_key() const { return public_key_; }

  // Gives every record written before record authentication its authentication,
  // once per vault, when the vault is first opened unlocked (OpenEvidence); a
  // record is authenticated only if its head's old MAC holds. Returns how many.
  Result<int64_t> AuthenticateOlderRecords();

 private:
  struct Loaded;  // a row with its sealed fields opened
  Status RequireUnlocked() const;
  Result<Loaded> Load(store::Db& db, const std::string& id) const;
  Status CheckAccess(store::Db& db, const Actor& who, const Loaded& rec, bool write) const;
  // What fails in the record's authentication (docs/vault-format.md 3.1); empty when it holds.
  std::vector<std::string> AuthProblems(const store::EvidenceRow& row) const;
  // kIo naming the record when its authentication fails: such a record is never served.
  Status RequireAuthentic(const Loaded& rec) const;
  bool HeadMacOk(const std::string& message, const std::string& mac) const;
  Status CheckNotRolledBack(store::Db& db, const store::EvidenceRow& row, std::vector<std::string>* problems) const;
  Status Append(store::Db& db, store::EvidenceRow& row, const Actor& who, const std::string& action,
                nlohmann::json details);
  Result<std::vector<vault::CustodyEntry>> OpenChain(store::Db& db, const store::EvidenceRow& row,
                                                     std::vector<std::string>* problems) const;
  Result<nlohmann::json> Store(const Actor& who, const NewEvidence& in, const vault::ObjectInfo& info,
                               const std::string& media_type, nlohmann::json metadata,
                               nlohmann::json derivation, const std::string& source);
  Result<nlohmann::json> CheckRecord(store::Db& db, const Loaded& rec) const;
  // Everything a bag holds but its payload's bytes and SHA-512 sums; checks
  // access, each custody chain and each object's size. Makes missing safe copies.
  Result<std::unique_ptr<BagDownload::Plan>> PlanBag(const Actor& who, const ExportRequest& req);
  // The "exported" custody entries and the "evidence.export" audit entry.
  Status RecordExport(const Actor& who, const BagDownload::Plan& plan, const std::string& bag_name);
  Result<nlohmann::json> RedactLoaded(const Actor& who, const Loaded& rec, const std::string& out_path,
                                      const std::string& matter);
  // Queues an audit entry for a read of `row` (its subject is whom it concerns).
  void AuditRead(const Actor& who, const char* action, const store::EvidenceRow& row,
                 const nlohmann::json& details = nlohmann::json::object());
  std::string Now() const;

  store::Store& store_;
  const Clock& clock_;
  std::unique_ptr<vault::Vault> vault_;
  auth::SigningKey key_;
  std::string public_key_;
  CursorCodec cursors_;  // the list's `next`, sealed like every list's (app/cursor.h)
  AuditLog* audit_;
  std::shared_ptr<std::atomic<int>> bag_downloads_ = std::make_shared<std::atomic<int>>(0);
};

}  // namespace refuge::app
