#include "refuge/vault/redact.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>

#include "refuge/vault/av_io.h"
#include "refuge/vault/exiv2_io.h"
#include "refuge/vault/metadata.h"

extern "C" {
#include <libavutil/dict.h>
}

namespace refuge::vault {

using Json = nlohmann::json;

namespace {

// The version of Refuge's cleaning rules, recorded with every derivative.
constexpr const char* kRedactorVersion = "refuge-redact 1";

const std::set<std::string> kJpeg = {"image/jpeg", "image/pjpeg"};
const std::set<std::string> kPng = {"image/png"};
const std::set<std::string> kAv = {"video/mp4",        "video/quicktime", "video/x-m4v", "video/3gpp",
                                   "video/x-matroska", "video/webm",      "audio/mp4",   "audio/x-m4a",
                                   "audio/x-matroska", "audio/webm"};

// The copy is read back; anything exiv2 still finds is a failure, not a warning.
Status CheckImageClean(int fd) {
  FdSource src(fd);
  std::lock_guard<std::mutex> lock(Exiv2Mutex());
  InitExiv2();
  try {
    Exiv2::BasicIo::AutoPtr io(new SourceIo(src));
    auto image = Exiv2::ImageFactory::open(std::move(io));
    if (image.get() == nullptr) return Internal("the cleaned copy is not a readable image");
    image->readMetadata();
    if (!image->exifData().empty() || !image->iptcData().empty() || !image->xmpData().empty() ||
        !image->comment().empty()) {
      return Internal("metadata survived cleaning; the copy was not kept");
    }
  } catch (const std::exception& e) {
    return Internal(std::string("the cleaned copy cannot be read back: ") + e.what());
  }
  return Status::Ok();
}

// Tags a muxer writes for the container's own structure, which identify nobody.
bool StructuralTag(const std::string& key, const std::string& value) {
  if (key == "major_brand" || key == "minor_version" || key == "compatible_brands") return true;
  if (key == "language" && value.size() == 3) return true;
  if (key == "handler_name") return value == "VideoHandler" || value == "SoundHandler" || value == "SubtitleHandler";
  if (key == "vendor_id") return value == "[0][0][0][0]";
  if (key == "encoder" || key == "ENCODER") return value.rfind("Lavf", 0) == 0;
  // The Matroska muxer writes every track's length (00:00:12.480000000).
  if (key == "DURATION") {
    return !value.empty() && value.size() <= 32 &&
           value.find_first_not_of("0123456789:.") == std::string::npos;
  }
  return false;
}

Status CheckAvClean(int fd) {
  FdSource src(fd);
  auto input = OpenAvInput(src);
  if (!input.ok()) return Internal("the remuxed copy cannot be read back: " + input.status().message());
  AVFormatContext* ctx = input->get();
  auto check = [](const AVDictionary* dict, const std::string& where) -> Status {
    const AVDictionaryEntry* e = nullptr;
    while ((e = av_dict_get(dict, "", e, AV_DICT_IGNORE_SUFFIX)) != nullptr) {
      if (!StructuralTag(e->key, e->value)) {
        return Internal("metadata survived remuxing (" + where + " tag " + e->key + "); the copy was not kept");
      }
    }
    return Status::Ok();
  };
  REFUGE_RETURN_IF_ERROR(check(ctx->metadata, "container"));
  for (unsigned i = 0; i < ctx->nb_streams; ++i) {
    const AVCodecParameters* par = ctx->streams[i]->codecpar;
    if (par->codec_type != AVMEDIA_TYPE_VIDEO && par->codec_type != AVMEDIA_TYPE_AUDIO &&
        par->codec_type != AVMEDIA_TYPE_SUBTITLE) {
      return Internal("a data stream survived remuxing; the copy was not kept");
    }
    REFUGE_RETURN_IF_ERROR(check(ctx->streams[i]->metadata, "stream " + std::to_string(i)));
  }
  if (ctx->nb_chapters > 0) return Internal("chapters survived remuxing; the copy was not kept");
  return Status::Ok();
}

}  // namespace

Status FdSink::Write(const uint8_t* data, size_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd_, data, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == ENOSPC) return IoError("cannot write the copy: the disk is full");
      return IoError(std::string("cannot write the copy: ") + std::strerror(errno));
    }
    data += w;
    n -= static_cast<size_t>(w);
  }
  return Status::Ok();
}

FdSource::FdSource(int fd) : fd_(fd) {
  struct stat st;
  if (::fstat(fd, &st) == 0) size_ = static_cast<uint64_t>(st.st_size);
}

Result<size_t> FdSource::ReadAt(uint64_t offset, uint8_t* buf, size_t n) {
  size_t total = 0;
  while (n > 0 && offset < size_) {
    ssize_t r = ::pread(fd_, buf, n, static_cast<off_t>(offset));
    if (r < 0) {
      if (errno == EINTR) continue;
      return IoError(std::string("cannot read: ") + std::strerror(errno));
    }
    if (r == 0) break;
    buf += r;
    n -= static_cast<size_t>(r);
    offset += static_cast<uint64_t>(r);
    total += static_cast<size_t>(r);
  }
  return total;
}

bool CanRedact(const std::string& media_type) {
  return kJpeg.count(media_type) || kPng.count(media_type) || kAv.count(media_type);
}

std::string ExtensionFor(const std::string& media_type) {
  if (kJpeg.count(media_type)) return ".jpg";
  if (kPng.count(media_type)) return ".png";
  if (media_type == "video/quicktime") return ".mov";
  if (media_type == "video/webm" || media_type == "audio/webm") return ".webm";
  if (media_type == "video/x-matroska") return ".mkv";
  if (media_type == "audio/x-matroska") return ".mka";
  if (media_type == "audio/mp4" || media_type == "audio/x-m4a") return ".m4a";
  if (kAv.count(media_type)) return ".mp4";
  return "";
}

Result<Json> Redact(RandomAccessSource& src, const std::string& media_type, int out_fd) {
  Json report;
  Json tools = {{"redactor", kRedactorVersion}};
  if (kJpeg.count(media_type) || kPng.count(media_type)) {
    FdSink sink(out_fd);
    REFUGE_ASSIGN_OR_RETURN(report, kJpeg.count(media_type) ? CleanJpeg(src, sink) : CleanPng(src, sink));
    if (::fsync(out_fd) != 0 && errno != EINVAL) return IoError(std::string("cannot flush the copy: ") + std::strerror(errno));
    REFUGE_RETURN_IF_ERROR(CheckImageClean(out_fd));
    tools["checked_with"] = Exiv2Version();
  } else if (kAv.count(media_type)) {
    REFUGE_ASSIGN_OR_RETURN(report, RemuxWithoutMetadata(src, media_type, out_fd));
    REFUGE_RETURN_IF_ERROR(CheckAvClean(out_fd));
    tools["remuxer"] = AvformatVersion();
  } else {
    return Status(Code::kUnsupportedMedia,
                  "Refuge cannot remove metadata from " + media_type +
                      " files safely (it cleans JPEG, PNG, MP4, MOV and Matroska); no copy was made");
  }
  report["tools"] = std::move(tools);
  return report;
}

}  // namespace refuge::vault
