#pragma once

// libavformat over a RandomAccessSource: the vault never writes plaintext to disk
// to let libavformat read it.
extern "C" {
#include <libavformat/avformat.h>
}

#include <memory>

#include "refuge/base/status.h"
#include "refuge/vault/source.h"

namespace refuge::vault {

struct AvInputDeleter {
  void operator()(AVFormatContext* ctx) const;
};
using AvInput = std::unique_ptr<AVFormatContext, AvInputDeleter>;

// Opens `src` for demuxing and reads its stream information. kUnsupportedMedia
// when libavformat does not recognize it.
Result<AvInput> OpenAvInput(RandomAccessSource& src);

// libavformat's error text.
std::string AvError(int err);

// Silences libavformat's logging (once per process).
void QuietAvLogging();

}  // namespace refuge::vault
