#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "refuge/vault/source.h"

namespace refuge::vault {

// The media type of content from its first bytes (libmagic), e.g. "image/jpeg";
// "application/octet-stream" when unknown.
std::string SniffMediaType(std::string_view head);

// The metadata embedded in a file, as found, for the record of what was received:
// EXIF, IPTC and XMP of images (exiv2); container, stream and tag data of audio and
// video (libavformat). An empty object for other types. Never fails: a file the
// libraries cannot read gives {"error": "..."}.
nlohmann::json ExtractMetadata(RandomAccessSource& src, const std::string& media_type);

// "exiv2 0.27.6", "libavformat 59.27.100", "libmagic 5.44".
std::string Exiv2Version();
std::string AvformatVersion();
std::string LibmagicVersion();

}  // namespace refuge::vault
