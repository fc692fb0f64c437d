// JPEG and PNG cleaning: a walk over segments or chunks that copies the ones that
// carry the image and drops the rest. Nothing is decoded, so the image data stays
// bit-identical by construction.
#include <cstring>
#include <vector>

#include "refuge/vault/metadata.h"
#include "refuge/vault/redact.h"

namespace refuge::vault {

using Json = nlohmann::json;

namespace {

// Reads a source front to back through a small buffer.
class SeqReader {
 public:
  explicit SeqReader(RandomAccessSource& src) : src_(src), buf_(64 << 10) {}

  uint64_t pos() const { return pos_ - (len_ - at_); }
  uint64_t remaining() const { return src_.size() - pos(); }

  // -1 at the end.
  Result<int> Byte() {
    if (at_ == len_) {
      REFUGE_RETURN_IF_ERROR(Fill());
      if (len_ == 0) return -1;
    }
    return static_cast<int>(buf_[at_++]);
  }

  // False when the source ends first.
  Result<bool> Exact(uint8_t* out, size_t n) {
    while (n > 0) {
      if (at_ == len_) {
        REFUGE_RETURN_IF_ERROR(Fill());
        if (len_ == 0) return false;
      }
      size_t k = std::min(n, len_ - at_);
      std::memcpy(out, buf_.data() + at_, k);
      at_ += k;
      out += k;
      n -= k;
    }
    return true;
  }

  // Copies n bytes to `sink` (nullptr: skips them). False when the source ends first.
  Result<bool> Copy(uint64_t n, ByteSink* sink) {
    while (n > 0) {
      if (at_ == len_) {
        REFUGE_RETURN_IF_ERROR(Fill());
        if (len_ == 0) return false;
      }
      size_t k = static_cast<size_t>(std::min<uint64_t>(n, len_ - at_));
      if (sink != nullptr) REFUGE_RETURN_IF_ERROR(sink->Write(buf_.data() + at_, k));
      at_ += k;
      n -= k;
    }
    return true;
  }

 private:
  Status Fill() {
    REFUGE_ASSIGN_OR_RETURN(size_t n, src_.ReadAt(pos_, buf_.data(), buf_.size()));
    pos_ += n;
    at_ = 0;
    len_ = n;
    return Status::Ok();
  }

  RandomAccessSource& src_;
  std::vector<uint8_t> buf_;
  uint64_t pos_ = 0;  // of the end of the buffer's content
  size_t at_ = 0, len_ = 0;
};

Status Unsupported(const std::string& why) { return Status(Code::kUnsupportedMedia, why); }

Json Item(const std::string& what, uint64_t bytes) { return Json{{"what", what}, {"bytes", bytes}}; }

std::string HexByte(int b) {
  static const char* kDigits = "0123456789ABCDEF";
  return std::string("0x") + kDigits[(b >> 4) & 15] + kDigits[b & 15];
}

bool StartsWith(const std::vector<uint8_t>& data, const char* prefix, size_t n) {
  return data.size() >= n && std::memcmp(data.data(), prefix, n) == 0;
}

// What a dropped APPn segment held, for the report.
std::string AppName(int marker, const std::vector<uint8_t>& p) {
  const int n = marker - 0xE0;
  if (marker == 0xE1 && StartsWith(p, "Exif\0", 5)) return "EXIF (APP1), including any GPS position, camera serial, owner and thumbnail";
  if (marker == 0xE1 && StartsWith(p, "http://ns.adobe.com/xap/1.0/", 28)) return "XMP (APP1)";
  if (marker == 0xE1 && StartsWith(p, "http://ns.adobe.com/xmp/extension/", 34)) return "extended XMP (APP1)";
  if (marker == 0xE2 && StartsWith(p, "MPF\0", 4)) return "multi-picture index (APP2 MPF)";
  if (marker == 0xE2 && StartsWith(p, "FPXR", 4)) return "FlashPix data (APP2)";
  if (marker == 0xED) return "Photoshop resources and IPTC (APP13)";
  if (marker == 0xE0 && StartsWith(p, "JFXX\0", 5)) return "JFIF extension thumbnail (APP0 JFXX)";
  return "vendor data (APP" + std::to_string(n) + ")";
}

class Writer {
 public:
  explicit Writer(ByteSink& out) : out_(out) {}
  Status Bytes(const uint8_t* d, size_t n) { return out_.Write(d, n); }
  Status Marker(int m) {
    uint8_t b[2] = {0xFF, static_cast<uint8_t>(m)};
    return out_.Write(b, 2);
  }
  Status Segment(int m, const std::vector<uint8_t>& payload) {
    uint8_t h[4] = {0xFF, static_cast<uint8_t>(m), static_cast<uint8_t>((payload.size() + 2) >> 8),
                    static_cast<uint8_t>((payload.size() + 2) & 0xFF)};
    REFUGE_RETURN_IF_ERROR(out_.Write(h, 4));
    return out_.Write(payload.data(), payload.size());
  }

 private:
  ByteSink& out_;
};

bool IsImageStructure(int m) {
  // Frame headers, tables, restart interval, DNL, expansion, JPEG-LS.
  return (m >= 0xC0 && m <= 0xCF) || m == 0xDB || m == 0xDC || m == 0xDD || m == 0xDE || m == 0xDF ||
         m == 0xF7 || m == 0xF8;
}

}  // namespace

Result<Json> CleanJpeg(RandomAccessSource& src, ByteSink& out) {
  SeqReader in(src);
  Writer w(out);
  Json removed = Json::array(), kept = Json::array();
  uint8_t soi[2];
  REFUGE_ASSIGN_OR_RETURN(bool got, in.Exact(soi, 2));
  if (!got || soi[0] != 0xFF || soi[1] != 0xD8) return Unsupported("not a JPEG file (no start-of-image marker)");
  REFUGE_RETURN_IF_ERROR(w.Marker(0xD8));
  const Status truncated = Unsupported("the JPEG is truncated; it cannot be cleaned safely");
  bool seen_frame = false, seen_scan = false;
  int pending = -1;  // a marker already read while copying entropy-coded data
  while (true) {
    int m = pending;
    pending = -1;
    if (m < 0) {
      REFUGE_ASSIGN_OR_RETURN(int b, in.Byte());
      if (b != 0xFF) {
        if (b < 0) return truncated;
        return Unsupported("the JPEG has bytes outside any segment at offset " + std::to_string(in.pos() - 1) +
                           "; it cannot be cleaned safely");
      }
      do {
        REFUGE_ASSIGN_OR_RETURN(m, in.Byte());
      } while (m == 0xFF);  // fill bytes
      if (m < 0) return truncated;
    }
    if (m == 0xD9) {
      REFUGE_RETURN_IF_ERROR(w.Marker(0xD9));
      break;
    }
    if ((m >= 0xD0 && m <= 0xD7) || m == 0x01) {
      REFUGE_RETURN_IF_ERROR(w.Marker(m));
      continue;
    }
    if (m == 0x00 || m == 0xD8) return Unsupported("the JPEG has a misplaced " + HexByte(m) + " marker; it cannot be cleaned safely");
    uint8_t lb[2];
    REFUGE_ASSIGN_OR_RETURN(got, in.Exact(lb, 2));
    if (!got) return truncated;
    const size_t len = (static_cast<size_t>(lb[0]) << 8) | lb[1];
    if (len < 2) return Unsupported("the JPEG has a segment with an impossible length; it cannot be cleaned safely");
    std::vector<uint8_t> payload(len - 2);
    REFUGE_ASSIGN_OR_RETURN(got, in.Exact(payload.data(), payload.size()));
    if (!got) return truncated;

    if (m == 0xDA) {  // start of scan: header, then entropy-coded data up to the next marker
      if (!seen_frame) return Unsupported("the JPEG has a scan before its frame header; it cannot be cleaned safely");
      seen_scan = true;
      REFUGE_RETURN_IF_ERROR(w.Segment(m, payload));
      std::vector<uint8_t> run;
      run.reserve(64 << 10);
      while (true) {
        REFUGE_ASSIGN_OR_RETURN(int b, in.Byte());
        if (b < 0) return truncated;
        if (b != 0xFF) {
          run.push_back(static_cast<uint8_t>(b));
        } else {
          REFUGE_ASSIGN_OR_RETURN(int next, in.Byte());
          while (next == 0xFF) {
            REFUGE_ASSIGN_OR_RETURN(next, in.Byte());
          }
          if (next < 0) return truncated;
          if (next == 0x00 || (next >= 0xD0 && next <= 0xD7)) {
            run.push_back(0xFF);
            run.push_back(static_cast<uint8_t>(next));
          } else {
            pending = next;
          }
        }
        if (run.size() >= (64 << 10) || pending >= 0) {
          REFUGE_RETURN_IF_ERROR(w.Bytes(run.data(), run.size()));
          run.clear();
        }
        if (pending >= 0) break;
      }
      continue;
    }
    if (IsImageStructure(m)) {
      if (m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC) seen_frame = true;
      REFUGE_RETURN_IF_ERROR(w.Segment(m, payload));
      continue;
    }
    if (m == 0xE0 && StartsWith(payload, "JFIF\0", 5) && payload.size() >= 14) {
      // Keep the JFIF header (density), without its thumbnail.
      const size_t thumb = payload.size() - 14;
      if (thumb > 0 || payload[12] != 0 || payload[13] != 0) {
        removed.push_back(Item("JFIF thumbnail (APP0)", thumb));
        payload.resize(14);
        payload[12] = payload[13] = 0;
      }
      kept.push_back(Item("JFIF header (APP0): version and pixel density", payload.size() + 4));
      REFUGE_RETURN_IF_ERROR(w.Segment(m, payload));
      continue;
    }
    if (m == 0xEE && StartsWith(payload, "Adobe", 5)) {
      kept.push_back(Item("Adobe colour transform (APP14), needed to decode the colours", payload.size() + 4));
      REFUGE_RETURN_IF_ERROR(w.Segment(m, payload));
      continue;
    }
    if (m == 0xE2 && StartsWith(payload, "ICC_PROFILE\0", 12)) {
      kept.push_back(Item("ICC colour profile (APP2), needed to render the colours", payload.size() + 4));
      REFUGE_RETURN_IF_ERROR(w.Segment(m, payload));
      continue;
    }
    if (m >= 0xE0 && m <= 0xEF) {
      removed.push_back(Item(AppName(m, payload), payload.size() + 4));
      continue;
    }
    if (m == 0xFE) {
      removed.push_back(Item("comment (COM)", payload.size() + 4));
      continue;
    }
    return Unsupported("the JPEG has a segment Refuge does not know (marker " + HexByte(m) +
                       "); it cannot be cleaned safely");
  }
  if (!seen_scan) return Unsupported("the JPEG has no image data; it cannot be cleaned safely");
  if (in.remaining() > 0) {
    removed.push_back(Item("data after the end of the image (a second picture, a vendor trailer or hidden data)",
                           in.remaining()));
  }
  return Json{{"format", "jpeg"},
              {"operation", "removed metadata segments; image data copied bit for bit"},
              {"removed", removed},
              {"kept", kept}};
}

namespace {

uint32_t Be32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

bool KeepPngChunk(const std::string& type) {
  static const char* kKeep[] = {"IHDR", "PLTE", "IDAT", "IEND", "tRNS", "cHRM", "gAMA",
                                "iCCP", "sBIT", "sRGB", "cICP", "bKGD", "hIST", "pHYs"};
  for (const char* k : kKeep) {
    if (type == k) return true;
  }
  return false;
}

std::string PngChunkName(const std::string& type) {
  if (type == "tEXt" || type == "zTXt" || type == "iTXt") return "text chunk " + type + " (author, comment, XMP and the like)";
  if (type == "eXIf") return "EXIF (eXIf), including any GPS position and camera serial";
  if (type == "tIME") return "last-modification time (tIME)";
  return "ancillary chunk " + type;
}

}  // namespace

Result<Json> CleanPng(RandomAccessSource& src, ByteSink& out) {
  static const uint8_t kSignature[8] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
  SeqReader in(src);
  uint8_t sig[8];
  REFUGE_ASSIGN_OR_RETURN(bool got, in.Exact(sig, 8));
  if (!got || std::memcmp(sig, kSignature, 8) != 0) return Unsupported("not a PNG file (bad signature)");
  REFUGE_RETURN_IF_ERROR(out.Write(sig, 8));
  Json removed = Json::array(), kept = Json::array();
  const Status truncated = Unsupported("the PNG is truncated; it cannot be cleaned safely");
  bool ended = false, seen_header = false;
  while (!ended) {
    uint8_t head[8];
    REFUGE_ASSIGN_OR_RETURN(got, in.Exact(head, 8));
    if (!got) return truncated;
    const uint32_t len = Be32(head);
    if (len > 0x7FFFFFFFu) return Unsupported("the PNG has a chunk with an impossible length; it cannot be cleaned safely");
    const std::string type(reinterpret_cast<const char*>(head + 4), 4);
    for (char c : type) {
      if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) {
        return Unsupported("the PNG has a damaged chunk type; it cannot be cleaned safely");
      }
    }
    if (!seen_header && type != "IHDR") return Unsupported("the PNG does not start with IHDR; it cannot be cleaned safely");
    seen_header = true;
    if (type == "acTL" || type == "fcTL" || type == "fdAT") {
      return Unsupported("animated PNG (APNG) cannot be cleaned safely by this version of Refuge");
    }
    const bool critical = type[0] >= 'A' && type[0] <= 'Z';
    if (KeepPngChunk(type)) {
      REFUGE_RETURN_IF_ERROR(out.Write(head, 8));
      REFUGE_ASSIGN_OR_RETURN(got, in.Copy(uint64_t{len} + 4, &out));  // data and CRC
      if (!got) return truncated;
      if (type == "iCCP") kept.push_back(Item("ICC colour profile (iCCP), needed to render the colours", len + 12));
      ended = type == "IEND";
    } else if (critical) {
      return Unsupported("the PNG has a critical chunk Refuge does not know (" + type +
                         "); it cannot be cleaned safely");
    } else {
      REFUGE_ASSIGN_OR_RETURN(got, in.Copy(uint64_t{len} + 4, nullptr));
      if (!got) return truncated;
      removed.push_back(Item(PngChunkName(type), len + 12));
    }
  }
  if (in.remaining() > 0) {
    removed.push_back(Item("data after the end of the image (hidden or appended data)", in.remaining()));
  }
  return Json{{"format", "png"},
              {"operation", "removed metadata chunks; image data copied bit for bit"},
              {"removed", removed},
              {"kept", kept}};
}

}  // namespace refuge::vault
