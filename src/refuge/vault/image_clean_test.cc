#include <gtest/gtest.h>
#include <unistd.h>

#include "refuge/vault/metadata.h"
#include "refuge/vault/redact.h"
#include "refuge/vault/test_media.h"

namespace refuge::vault {
namespace {

using Json = nlohmann::json;

class StringSink final : public ByteSink {
 public:
  Status Write(const uint8_t* data, size_t n) override {
    out.append(reinterpret_cast<const char*>(data), n);
    return Status::Ok();
  }
  std::string out;
};

// The image data of a JPEG: everything from the first quantization table on,
// which is where ImageMagick's files put the frame, tables and scans.
std::string JpegImageData(const std::string& jpeg) {
  size_t at = jpeg.find("\xff\xdb");
  return at == std::string::npos ? std::string() : jpeg.substr(at);
}

uint32_t Crc32(const std::string& bytes) {
  uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char c : bytes) {
    crc ^= c;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

std::string PngChunk(const std::string& type, const std::string& data) {
  auto be32 = [](uint32_t v) {
    return std::string{static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
                       static_cast<char>(v)};
  };
  return be32(static_cast<uint32_t>(data.size())) + type + data + be32(Crc32(type + data));
}

// Inserts chunks right after IHDR (8-byte signature + 25-byte IHDR chunk).
std::string WithPngChunks(const std::string& png, const std::string& chunks) {
  return png.substr(0, 33) + chunks + png.substr(33);
}

TEST(MetadataTest, FindsGpsSerialAndOwnerInAJpeg) {
  StringSource src(testing::WithIdentifyingMetadata(testing::TinyJpeg()));
  Json meta = ExtractMetadata(src, "image/jpeg");
  ASSERT_FALSE(meta.contains("error")) << meta.dump();
  EXPECT_EQ(meta["pixel_width"], 16);
  EXPECT_EQ(meta["summary"]["serial"], "SN-4471-2290");
  EXPECT_EQ(meta["summary"]["owner"], "Amara Okafor");
  EXPECT_NEAR(meta["summary"]["gps"]["latitude"].get<double>(), 41.16, 1e-6);
  EXPECT_NEAR(meta["summary"]["gps"]["longitude"].get<double>(), 80.25, 1e-6);
  EXPECT_TRUE(meta["xmp"].contains("Xmp.dc.creator"));
  EXPECT_TRUE(meta["iptc"].contains("Iptc.Application2.Byline"));
}

TEST(MetadataTest, SniffsMediaTypes) {
  EXPECT_EQ(SniffMediaType(testing::TinyJpeg()), "image/jpeg");
  EXPECT_EQ(SniffMediaType(testing::TinyPng()), "image/png");
  EXPECT_EQ(SniffMediaType("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"), "application/pdf");
}

TEST(MetadataTest, AnUnreadableImageGivesAnErrorFieldNotAFailure) {
  StringSource src("\xff\xd8\xff\xe1 not really a jpeg");
  Json meta = ExtractMetadata(src, "image/jpeg");
  EXPECT_TRUE(meta.contains("error")) << meta.dump();
}

TEST(CleanJpegTest, RemovesExifXmpIptcAndKeepsImageDataBitIdentical) {
  const std::string original = testing::WithIdentifyingMetadata(testing::TinyJpeg()) + "TRAILING SECRET";
  StringSource src(original);
  StringSink sink;
  auto report = CleanJpeg(src, sink);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(JpegImageData(sink.out), JpegImageData(testing::TinyJpeg()));
  EXPECT_EQ(sink.out.find("Amara"), std::string::npos);
  EXPECT_EQ(sink.out.find("SN-4471"), std::string::npos);
  EXPECT_EQ(sink.out.find("TRAILING"), std::string::npos);
  const std::string removed = (*report)["removed"].dump();
  EXPECT_NE(removed.find("EXIF (APP1)"), std::string::npos) << removed;
  EXPECT_NE(removed.find("XMP (APP1)"), std::string::npos) << removed;
  EXPECT_NE(removed.find("IPTC (APP13)"), std::string::npos) << removed;
  EXPECT_NE(removed.find("after the end of the image"), std::string::npos) << removed;
  StringSource cleaned(sink.out);
  Json meta = ExtractMetadata(cleaned, "image/jpeg");
  EXPECT_TRUE(meta["exif"].empty()) << meta.dump();
  EXPECT_TRUE(meta["xmp"].empty());
  EXPECT_TRUE(meta["iptc"].empty());
  EXPECT_EQ(meta["pixel_width"], 16);
}

TEST(CleanJpegTest, DropsCommentsAndVendorSegmentsAndTheJfifThumbnail) {
  const std::string jpeg = testing::TinyJpeg();
  // SOI, then a JFIF APP0 with a 1x1 thumbnail, a comment and an APP11 vendor segment.
  std::string jfif = std::string("JFIF\0\x01\x01\x00\x00\x01\x00\x01\x01\x01", 14) + "\x10\x20\x30";
  std::string comment = "filmed by A.O.";
  std::string vendor = "SECRETVENDOR";
  auto seg = [](int m, const std::string& p) {
    return std::string{'\xff', static_cast<char>(m), static_cast<char>((p.size() + 2) >> 8),
                       static_cast<char>((p.size() + 2) & 0xff)} + p;
  };
  // TinyJpeg starts with SOI and its own APP0; keep everything after that APP0.
  const size_t app0_len = (static_cast<unsigned char>(jpeg[4]) << 8) | static_cast<unsigned char>(jpeg[5]);
  const std::string rest = jpeg.substr(4 + app0_len);
  const std::string input = std::string("\xff\xd8", 2) + seg(0xE0, jfif) + seg(0xFE, comment) + seg(0xEB, vendor) + rest;
  StringSource src(input);
  StringSink sink;
  auto report = CleanJpeg(src, sink);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(sink.out.find("filmed by"), std::string::npos);
  EXPECT_EQ(sink.out.find("SECRETVENDOR"), std::string::npos);
  EXPECT_EQ(sink.out.substr(0, 2 + 4 + 14), std::string("\xff\xd8", 2) + seg(0xE0, jfif.substr(0, 12) + std::string(2, '\0')));
  EXPECT_TRUE(sink.out.size() >= rest.size() && sink.out.substr(sink.out.size() - rest.size()) == rest);
  const std::string removed = (*report)["removed"].dump();
  EXPECT_NE(removed.find("JFIF thumbnail"), std::string::npos) << removed;
  EXPECT_NE(removed.find("comment"), std::string::npos) << removed;
  EXPECT_NE(removed.find("APP11"), std::string::npos) << removed;
}

TEST(CleanJpegTest, RefusesWhatItCannotCleanSafely) {
  StringSink sink;
  const std::string jpeg = testing::TinyJpeg();
  StringSource truncated(jpeg.substr(0, jpeg.size() - 40));
  auto t = CleanJpeg(truncated, sink);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), Code::kUnsupportedMedia);
  EXPECT_NE(t.status().message().find("truncated"), std::string::npos);

  StringSource png(testing::TinyPng());
  EXPECT_EQ(CleanJpeg(png, sink).status().code(), Code::kUnsupportedMedia);

  // An unknown marker (0xF2, reserved) between segments.
  std::string odd = jpeg.substr(0, 2) + std::string("\xff\xf2\x00\x04xy", 6) + jpeg.substr(2);
  StringSource unknown(odd);
  auto u = CleanJpeg(unknown, sink);
  ASSERT_FALSE(u.ok());
  EXPECT_NE(u.status().message().find("0xF2"), std::string::npos) << u.status().message();
}

TEST(CleanPngTest, RemovesTextExifAndTimeAndKeepsTheImageChunks) {
  const std::string png = testing::TinyPng();
  const std::string dirty = WithPngChunks(
      png, PngChunk("tEXt", std::string("Author\0Amara Okafor", 19)) + PngChunk("eXIf", "MM\x00*fake-exif") +
               PngChunk("tIME", std::string("\x07\xe4\x06\x0e\x16\x29\x07", 7)) +
               PngChunk("iTXt", std::string("XML:com.adobe.xmp\0\0\0\0\0<x:xmpmeta/>", 34))) +
      "appended";
  StringSource src(dirty);
  StringSink sink;
  auto report = CleanPng(src, sink);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(sink.out, png);  // exactly the image as it was before the metadata went in
  const std::string removed = (*report)["removed"].dump();
  for (const char* what : {"tEXt", "eXIf", "tIME", "iTXt", "after the end"}) {
    EXPECT_NE(removed.find(what), std::string::npos) << what << " in " << removed;
  }
}

TEST(CleanPngTest, RefusesAnimatedAndUnknownCriticalChunks) {
  StringSink sink;
  StringSource apng(WithPngChunks(testing::TinyPng(), PngChunk("acTL", std::string(8, '\0'))));
  auto a = CleanPng(apng, sink);
  ASSERT_FALSE(a.ok());
  EXPECT_NE(a.status().message().find("animated"), std::string::npos);
  StringSource critical(WithPngChunks(testing::TinyPng(), PngChunk("ZZZZ", "x")));
  auto c = CleanPng(critical, sink);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("ZZZZ"), std::string::npos);
}

TEST(RedactTest, ChecksTheCopyAndNamesTheTools) {
  StringSource src(testing::WithIdentifyingMetadata(testing::TinyJpeg()));
  FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  auto report = Redact(src, "image/jpeg", fileno(f));
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ((*report)["format"], "jpeg");
  EXPECT_NE((*report)["tools"]["checked_with"].get<std::string>().find("exiv2"), std::string::npos);
  std::fclose(f);
}

TEST(RedactTest, RefusesFormatsItDoesNotKnow) {
  StringSource src("%PDF-1.7 author: someone");
  FILE* f = std::tmpfile();
  auto r = Redact(src, "application/pdf", fileno(f));
  std::fclose(f);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kUnsupportedMedia);
  EXPECT_NE(r.status().message().find("application/pdf"), std::string::npos);
  EXPECT_FALSE(CanRedact("application/pdf"));
  EXPECT_TRUE(CanRedact("video/mp4"));
  EXPECT_EQ(ExtensionFor("image/jpeg"), ".jpg");
}

}  // namespace
}  // namespace refuge::vault
