#include "refuge/vault/av_io.h"

#include <mutex>

extern "C" {
#include <libavutil/error.h>
#include <libavutil/log.h>
#include <libavutil/mem.h>
}

namespace refuge::vault {
namespace {

constexpr int kBufferBytes = 64 << 10;

struct Opaque {
  RandomAccessSource* src;
  uint64_t pos = 0;
  bool failed = false;
};

int ReadPacket(void* opaque, uint8_t* buf, int size) {
  auto* o = static_cast<Opaque*>(opaque);
  auto n = o->src->ReadAt(o->pos, buf, static_cast<size_t>(size));
  if (!n.ok()) {
    o->failed = true;
    return AVERROR(EIO);
  }
  if (*n == 0) return AVERROR_EOF;
  o->pos += *n;
  return static_cast<int>(*n);
}

int64_t Seek(void* opaque, int64_t offset, int whence) {
  auto* o = static_cast<Opaque*>(opaque);
  const int64_t size = static_cast<int64_t>(o->src->size());
  switch (whence & ~AVSEEK_FORCE) {
    case AVSEEK_SIZE: return size;
    case SEEK_SET: break;
    case SEEK_CUR: offset += static_cast<int64_t>(o->pos); break;
    case SEEK_END: offset += size; break;
    default: return AVERROR(EINVAL);
  }
  if (offset < 0) return AVERROR(EINVAL);
  o->pos = static_cast<uint64_t>(offset);
  return offset;
}

// libavformat may read the source and nothing else. A playlist in an upload (HLS,
// DASH) would otherwise make it fetch the URLs it names from the server, and a
// concat script open files: the first go through io_open, the second through
// protocols, of which none is allowed.
int RefuseOpen(AVFormatContext*, AVIOContext**, const char*, int, AVDictionary**) { return AVERROR(EPERM); }

}  // namespace

void QuietAvLogging() {
  static std::once_flag once;
  std::call_once(once, [] { av_log_set_level(AV_LOG_QUIET); });
}

std::string AvError(int err) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(err, buf, sizeof buf);
  return buf;
}

void AvInputDeleter::operator()(AVFormatContext* ctx) const {
  if (ctx == nullptr) return;
  AVIOContext* pb = ctx->pb;
  Opaque* o = pb ? static_cast<Opaque*>(pb->opaque) : nullptr;
  avformat_close_input(&ctx);
  if (pb != nullptr) {
    av_freep(&pb->buffer);
    avio_context_free(&pb);
  }
  delete o;
}

Result<AvInput> OpenAvInput(RandomAccessSource& src) {
  QuietAvLogging();
  auto* buffer = static_cast<uint8_t*>(av_malloc(kBufferBytes));
  auto* opaque = new Opaque{&src};
  AVIOContext* pb = avio_alloc_context(buffer, kBufferBytes, 0, opaque, ReadPacket, nullptr, Seek);
  if (pb == nullptr) {
    av_free(buffer);
    delete opaque;
    return Internal("libavformat is out of memory");
  }
  AVFormatContext* ctx = avformat_alloc_context();
  ctx->pb = pb;
  ctx->flags |= AVFMT_FLAG_CUSTOM_IO;
  ctx->io_open = RefuseOpen;
  ctx->protocol_whitelist = av_strdup("none");
  int rc = avformat_open_input(&ctx, nullptr, nullptr, nullptr);
  if (rc < 0) {
    // avformat_open_input frees ctx on failure, but not our I/O context.
    av_freep(&pb->buffer);
    avio_context_free(&pb);
    const bool io = opaque->failed;
    delete opaque;
    if (io) return IoError("the content could not be read back from the vault");
    return Status(Code::kUnsupportedMedia, "libavformat does not recognize the content: " + AvError(rc));
  }
  AvInput input(ctx);
  rc = avformat_find_stream_info(ctx, nullptr);
  if (rc < 0) {
    return Status(Code::kUnsupportedMedia, "libavformat cannot read the streams: " + AvError(rc));
  }
  return input;
}

}  // namespace refuge::vault
