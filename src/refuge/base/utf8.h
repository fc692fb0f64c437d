#pragma once

#include <cstddef>
#include <string_view>

namespace refuge {

// The length of the well-formed UTF-8 sequence at s[i] (RFC 3629: no overlong
// forms, surrogates or code points above U+10FFFF), or 0 when there is none.
size_t Utf8SequenceAt(std::string_view s, size_t i);

}  // namespace refuge
