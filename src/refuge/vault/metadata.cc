#include "refuge/vault/metadata.h"

#include <magic.h>

#include <cmath>

#include "refuge/vault/av_io.h"
#include "refuge/vault/exiv2_io.h"

extern "C" {
#include <libavutil/avutil.h>
#include <libavutil/dict.h>
#include <libavutil/display.h>
}

namespace refuge::vault {

using Json = nlohmann::json;

namespace {

// Embedded values are kept as found, within bounds: a maker note or a thumbnail
// is noted by its size rather than copied into the record.
constexpr long kMaxValueBytes = 512;
constexpr size_t kMaxEntries = 2000;

Json DictToJson(const AVDictionary* dict) {
  Json out = Json::object();
  const AVDictionaryEntry* e = nullptr;
  while ((e = av_dict_get(dict, "", e, AV_DICT_IGNORE_SUFFIX)) != nullptr) {
    if (out.size() >= kMaxEntries) break;
    out[e->key] = e->value;
  }
  return out;
}

template <typename Data>
Json MetadataToJson(const Data& data) {
  Json out = Json::object();
  for (const auto& d : data) {
    if (out.size() >= kMaxEntries) break;
    if (d.size() > kMaxValueBytes) {
      out[d.key()] = "(" + std::string(d.typeName() ? d.typeName() : "binary") + ", " +
                     std::to_string(d.size()) + " bytes)";
    } else {
      out[d.key()] = d.toString();
    }
  }
  return out;
}

std::optional<double> GpsCoordinate(const Exiv2::ExifData& exif, const char* value_key, const char* ref_key) {
  auto v = exif.findKey(Exiv2::ExifKey(value_key));
  if (v == exif.end() || v->count() < 3) return std::nullopt;
  double deg = v->toFloat(0) + v->toFloat(1) / 60.0 + v->toFloat(2) / 3600.0;
  if (!std::isfinite(deg)) return std::nullopt;
  auto r = exif.findKey(Exiv2::ExifKey(ref_key));
  if (r != exif.end()) {
    std::string ref = r->toString();
    if (ref == "S" || ref == "W") deg = -deg;
  }
  return std::round(deg * 1e6) / 1e6;
}

Json ImageMetadata(RandomAccessSource& src) {
  std::lock_guard<std::mutex> lock(Exiv2Mutex());
  InitExiv2();
  Json out = {{"extractor", Exiv2Version()}};
  try {
    Exiv2::BasicIo::AutoPtr io(new SourceIo(src));
    auto image = Exiv2::ImageFactory::open(std::move(io));
    if (image.get() == nullptr) return Json{{"error", "exiv2 does not recognize the image"}};
    image->readMetadata();
    out["pixel_width"] = image->pixelWidth();
    out["pixel_height"] = image->pixelHeight();
    const Exiv2::ExifData& exif = image->exifData();
    out["exif"] = MetadataToJson(exif);
    out["iptc"] = MetadataToJson(image->iptcData());
    out["xmp"] = MetadataToJson(image->xmpData());
    if (!image->comment().empty()) out["comment"] = image->comment();
    Json summary = Json::object();
    auto lat = GpsCoordinate(exif, "Exif.GPSInfo.GPSLatitude", "Exif.GPSInfo.GPSLatitudeRef");
    auto lon = GpsCoordinate(exif, "Exif.GPSInfo.GPSLongitude", "Exif.GPSInfo.GPSLongitudeRef");
    if (lat && lon) summary["gps"] = {{"latitude", *lat}, {"longitude", *lon}};
    for (auto [field, key] : {std::pair{"taken", "Exif.Photo.DateTimeOriginal"},
                              {"make", "Exif.Image.Make"},
                              {"model", "Exif.Image.Model"},
                              {"serial", "Exif.Photo.BodySerialNumber"},
                              {"artist", "Exif.Image.Artist"},
                              {"owner", "Exif.Photo.CameraOwnerName"}}) {
      auto it = exif.findKey(Exiv2::ExifKey(key));
      if (it != exif.end()) summary[field] = it->toString();
    }
    if (!summary.empty()) out["summary"] = std::move(summary);
  } catch (const std::exception& e) {
    return Json{{"extractor", Exiv2Version()}, {"error", std::string("exiv2 could not read the image: ") + e.what()}};
  }
  return out;
}

Json AvMetadata(RandomAccessSource& src) {
  Json out = {{"extractor", AvformatVersion()}};
  auto input = OpenAvInput(src);
  if (!input.ok()) {
    out["error"] = input.status().message();
    return out;
  }
  AVFormatContext* ctx = input->get();
  out["container"] = ctx->iformat->name;
  if (ctx->duration != AV_NOPTS_VALUE && ctx->duration > 0) {
    out["duration_seconds"] = std::round(static_cast<double>(ctx->duration) / AV_TIME_BASE * 1000) / 1000;
  }
  if (ctx->bit_rate > 0) out["bit_rate"] = ctx->bit_rate;
  out["tags"] = DictToJson(ctx->metadata);
  if (ctx->nb_chapters > 0) out["chapters"] = ctx->nb_chapters;
  Json streams = Json::array();
  for (unsigned i = 0; i < ctx->nb_streams; ++i) {
    const AVStream* st = ctx->streams[i];
    const AVCodecParameters* par = st->codecpar;
    Json s = {{"index", i},
              {"type", av_get_media_type_string(par->codec_type) ? av_get_media_type_string(par->codec_type) : "unknown"},
              {"codec", avcodec_get_name(par->codec_id)}};
    if (par->codec_type == AVMEDIA_TYPE_VIDEO) {
      s["width"] = par->width;
      s["height"] = par->height;
    } else if (par->codec_type == AVMEDIA_TYPE_AUDIO) {
      s["sample_rate"] = par->sample_rate;
      s["channels"] = par->ch_layout.nb_channels;
    }
    if (st->duration != AV_NOPTS_VALUE && st->duration > 0) {
      s["duration_seconds"] = std::round(st->duration * av_q2d(st->time_base) * 1000) / 1000;
    }
    Json tags = DictToJson(st->metadata);
    if (!tags.empty()) s["tags"] = std::move(tags);
    if (st->disposition & AV_DISPOSITION_ATTACHED_PIC) s["attached_picture"] = true;
    streams.push_back(std::move(s));
  }
  out["streams"] = std::move(streams);
  return out;
}

}  // namespace

std::string SniffMediaType(std::string_view head) {
  magic_t m = magic_open(MAGIC_MIME_TYPE | MAGIC_NO_CHECK_COMPRESS);
  if (m == nullptr) return "application/octet-stream";
  std::string type = "application/octet-stream";
  if (magic_load(m, nullptr) == 0) {
    const char* t = magic_buffer(m, head.data(), head.size());
    if (t != nullptr && *t != '\0') type = t;
  }
  magic_close(m);
  return type;
}

nlohmann::json ExtractMetadata(RandomAccessSource& src, const std::string& media_type) {
  if (media_type.rfind("image/", 0) == 0) return ImageMetadata(src);
  if (media_type.rfind("video/", 0) == 0 || media_type.rfind("audio/", 0) == 0) return AvMetadata(src);
  return Json::object();
}

std::string Exiv2Version() { return "exiv2 " + Exiv2::versionString(); }

std::string AvformatVersion() {
  const unsigned v = avformat_version();
  return "libavformat " + std::to_string(v >> 16) + "." + std::to_string((v >> 8) & 0xff) + "." +
         std::to_string(v & 0xff);
}

std::string LibmagicVersion() {
  const int v = magic_version();
  return "libmagic " + std::to_string(v / 100) + "." + std::to_string(v % 100);
}

}  // namespace refuge::vault
