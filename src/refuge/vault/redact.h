#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "refuge/base/status.h"
#include "refuge/vault/source.h"

namespace refuge::vault {

// Safe copies: the same image or footage without the metadata that can identify
// who made it or where. Image data and audio/video streams are copied bit for bit,
// never re-encoded. Each function returns a report:
//   {"format", "operation", "removed": [{"what", "bytes"?}], "kept": [...], "tools": {...}}
// and kUnsupportedMedia, with a reason, for content it cannot clean safely.

// JPEG: drops EXIF, XMP, IPTC/Photoshop, comments, vendor APPn segments, MPF and
// any data after the end of the image; keeps JFIF (without its thumbnail), the
// Adobe colour-transform segment and the ICC profile. Writes to `out`.
Result<nlohmann::json> CleanJpeg(RandomAccessSource& src, ByteSink& out);
// PNG: drops text chunks (tEXt, zTXt, iTXt, which hold XMP too), eXIf, tIME and
// every other ancillary chunk not needed to render; refuses animated PNG.
Result<nlohmann::json> CleanPng(RandomAccessSource& src, ByteSink& out);
// MP4/MOV/M4A and Matroska/WebM: remuxes to `out_fd` (a new, empty, seekable
// file) without global, stream or chapter metadata, dropping data streams (GPS
// tracks, timecode), attachments and cover pictures. Packets are copied unchanged.
Result<nlohmann::json> RemuxWithoutMetadata(RandomAccessSource& src, const std::string& media_type,
                                            int out_fd);

// Cleans `src` of type `media_type` into `out_fd` with the right function above,
// then reads the copy back and refuses it if any metadata survived.
Result<nlohmann::json> Redact(RandomAccessSource& src, const std::string& media_type, int out_fd);
// Whether Redact knows the type (it may still refuse a particular file).
bool CanRedact(const std::string& media_type);
// The file extension for a media type Redact knows (".jpg"); "" otherwise.
std::string ExtensionFor(const std::string& media_type);

// A ByteSink that appends to a file descriptor.
class FdSink final : public ByteSink {
 public:
  explicit FdSink(int fd) : fd_(fd) {}
  Status Write(const uint8_t* data, size_t n) override;

 private:
  int fd_;
};

// A RandomAccessSource over an open file descriptor.
class FdSource final : public RandomAccessSource {
 public:
  explicit FdSource(int fd);
  uint64_t size() const override { return size_; }
  Result<size_t> ReadAt(uint64_t offset, uint8_t* buf, size_t n) override;

 private:
  int fd_;
  uint64_t size_ = 0;
};

}  // namespace refuge::vault
