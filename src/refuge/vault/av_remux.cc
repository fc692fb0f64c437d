// Remuxing audio and video without metadata: packets are copied from the input
// container to a new one of the same family, untouched, so the streams stay
// bit-identical; only the container around them is written anew.
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "refuge/vault/av_io.h"
#include "refuge/vault/metadata.h"
#include "refuge/vault/redact.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/avutil.h>
#include <libavutil/dict.h>
#include <libavutil/mem.h>
}

namespace refuge::vault {

using Json = nlohmann::json;

namespace {

constexpr int kBufferBytes = 64 << 10;

int WritePacket(void* opaque, uint8_t* buf, int size) {
  const int fd = *static_cast<int*>(opaque);
  int done = 0;
  while (done < size) {
    ssize_t n = ::write(fd, buf + done, static_cast<size_t>(size - done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return AVERROR(errno);
    }
    done += static_cast<int>(n);
  }
  return size;
}

int64_t SeekFd(void* opaque, int64_t offset, int whence) {
  const int fd = *static_cast<int*>(opaque);
  if (whence == AVSEEK_SIZE) {
    off_t cur = ::lseek(fd, 0, SEEK_CUR);
    off_t end = ::lseek(fd, 0, SEEK_END);
    ::lseek(fd, cur, SEEK_SET);
    return end;
  }
  off_t r = ::lseek(fd, static_cast<off_t>(offset), whence & ~AVSEEK_FORCE);
  return r < 0 ? AVERROR(errno) : r;
}

struct Output {
  AVFormatContext* ctx = nullptr;
  AVIOContext* pb = nullptr;
  int fd = -1;
  ~Output() {
    if (ctx != nullptr) avformat_free_context(ctx);
    if (pb != nullptr) {
      av_freep(&pb->buffer);
      avio_context_free(&pb);
    }
  }
};

// The output muxer for an input container, or nullptr when Refuge does not remux it.
const char* MuxerFor(const AVFormatContext* in, const std::string& media_type) {
  const std::string name = in->iformat->name;
  if (name.find("mp4") != std::string::npos || name.find("mov") != std::string::npos) {
    return media_type == "video/quicktime" ? "mov" : "mp4";
  }
  if (name.find("matroska") != std::string::npos) return media_type == "video/webm" ? "webm" : "matroska";
  return nullptr;
}

Json DictItems(const AVDictionary* dict, const std::string& where) {
  Json out = Json::array();
  const AVDictionaryEntry* e = nullptr;
  while ((e = av_dict_get(dict, "", e, AV_DICT_IGNORE_SUFFIX)) != nullptr) {
    // The tag's name only: its value (a position, a name) is what is being removed.
    out.push_back(Json{{"what", where + " tag " + e->key}});
  }
  return out;
}

Status Unsupported(const std::string& why) { return Status(Code::kUnsupportedMedia, why); }

}  // namespace

Result<Json> RemuxWithoutMetadata(RandomAccessSource& src, const std::string& media_type, int out_fd) {
  REFUGE_ASSIGN_OR_RETURN(AvInput input, OpenAvInput(src));
  AVFormatContext* in = input.get();
  const char* muxer = MuxerFor(in, media_type);
  if (muxer == nullptr) {
    return Unsupported(std::string("the ") + in->iformat->name +
                       " container cannot be cleaned safely by this version of Refuge (it cleans MP4, MOV and Matroska)");
  }
  Json removed = Json::array(), kept = Json::array();
  for (auto& item : DictItems(in->metadata, "container")) removed.push_back(item);
  if (in->nb_chapters > 0) {
    removed.push_back(Json{{"what", std::to_string(in->nb_chapters) + " chapters with their titles"}});
  }

  Output out;
  out.fd = out_fd;
  if (avformat_alloc_output_context2(&out.ctx, nullptr, muxer, nullptr) < 0 || out.ctx == nullptr) {
    return Internal(std::string("libavformat has no ") + muxer + " muxer");
  }
  // Bit-exact output: no encoder tag, no creation time, no random identifiers.
  out.ctx->flags |= AVFMT_FLAG_BITEXACT;

  std::vector<int> map(in->nb_streams, -1);
  for (unsigned i = 0; i < in->nb_streams; ++i) {
    const AVStream* ist = in->streams[i];
    const AVCodecParameters* par = ist->codecpar;
    const std::string label = "stream " + std::to_string(i);
    for (auto& item : DictItems(ist->metadata, label)) removed.push_back(item);
    const bool av = par->codec_type == AVMEDIA_TYPE_VIDEO || par->codec_type == AVMEDIA_TYPE_AUDIO ||
                    par->codec_type == AVMEDIA_TYPE_SUBTITLE;
    if (!av) {
      removed.push_back(Json{{"what", label + ": " +
                                          (par->codec_type == AVMEDIA_TYPE_ATTACHMENT ? std::string("attachment")
                                                                                      : std::string("data track")) +
                                          " (" + avcodec_get_name(par->codec_id) +
                                          "), e.g. GPS, timecode or sensor data"}});
      continue;
    }
    if (ist->disposition & AV_DISPOSITION_ATTACHED_PIC) {
      removed.push_back(Json{{"what", label + ": attached picture (cover art)"}});
      continue;
    }
    AVStream* ost = avformat_new_stream(out.ctx, nullptr);
    if (ost == nullptr) return Internal("libavformat is out of memory");
    if (avcodec_parameters_copy(ost->codecpar, par) < 0) return Internal("cannot copy stream parameters");
    // Keep the codec tag (e.g. hvc1) when the new container accepts it, as ffmpeg does.
    unsigned int tag = 0;
    if (out.ctx->oformat->codec_tag != nullptr &&
        av_codec_get_id(out.ctx->oformat->codec_tag, par->codec_tag) != par->codec_id &&
        av_codec_get_tag2(out.ctx->oformat->codec_tag, par->codec_id, &tag)) {
      ost->codecpar->codec_tag = 0;
    }
    ost->time_base = ist->time_base;
    ost->sample_aspect_ratio = ist->sample_aspect_ratio;
    ost->avg_frame_rate = ist->avg_frame_rate;
    ost->r_frame_rate = ist->r_frame_rate;
    ost->disposition = ist->disposition & (AV_DISPOSITION_DEFAULT | AV_DISPOSITION_FORCED);
    // The rotation of the picture is how it is shown, not who made it: kept.
    size_t sd_size = 0;
    const uint8_t* matrix = av_stream_get_side_data(ist, AV_PKT_DATA_DISPLAYMATRIX, &sd_size);
    if (matrix != nullptr) {
      uint8_t* copy = av_stream_new_side_data(ost, AV_PKT_DATA_DISPLAYMATRIX, sd_size);
      if (copy == nullptr) return Internal("libavformat is out of memory");
      std::memcpy(copy, matrix, sd_size);
      kept.push_back(Json{{"what", label + ": display rotation"}});
    }
    map[i] = ost->index;
    kept.push_back(Json{{"what", label + ": " + av_get_media_type_string(par->codec_type) + " (" +
                                     avcodec_get_name(par->codec_id) + "), packets copied unchanged"}});
  }
  if (out.ctx->nb_streams == 0) return Unsupported("the file has no audio or video stream to keep");

  auto* buffer = static_cast<uint8_t*>(av_malloc(kBufferBytes));
  out.pb = avio_alloc_context(buffer, kBufferBytes, 1, &out.fd, nullptr, WritePacket, SeekFd);
  if (out.pb == nullptr) {
    av_free(buffer);
    return Internal("libavformat is out of memory");
  }
  out.pb->seekable = AVIO_SEEKABLE_NORMAL;
  out.ctx->pb = out.pb;
  out.ctx->flags |= AVFMT_FLAG_CUSTOM_IO;

  int rc = avformat_write_header(out.ctx, nullptr);
  if (rc < 0) return Unsupported("the streams cannot be written to a new " + std::string(muxer) + " file: " + AvError(rc));
  AVPacket* pkt = av_packet_alloc();
  Status failure;
  while (true) {
    rc = av_read_frame(in, pkt);
    if (rc == AVERROR_EOF) break;
    if (rc < 0) {
      failure = Unsupported("the file is damaged and cannot be remuxed: " + AvError(rc));
      break;
    }
    const int target = pkt->stream_index < static_cast<int>(map.size()) ? map[pkt->stream_index] : -1;
    if (target < 0) {
      av_packet_unref(pkt);
      continue;
    }
    av_packet_rescale_ts(pkt, in->streams[pkt->stream_index]->time_base, out.ctx->streams[target]->time_base);
    pkt->stream_index = target;
    pkt->pos = -1;
    rc = av_interleaved_write_frame(out.ctx, pkt);
    if (rc < 0) {
      failure = IoError("cannot write the copy: " + AvError(rc));
      break;
    }
  }
  av_packet_free(&pkt);
  if (failure.ok()) {
    rc = av_write_trailer(out.ctx);
    if (rc < 0) failure = IoError("cannot finish the copy: " + AvError(rc));
  }
  if (!failure.ok()) return failure;
  avio_flush(out.pb);
  return Json{{"format", muxer},
              {"operation", "remuxed without container, stream and chapter metadata; packets copied bit for bit"},
              {"removed", removed},
              {"kept", kept}};
}

}  // namespace refuge::vault
