// libavformat over a vault source reads that source and nothing else.
#include "refuge/vault/av_io.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <future>
#include <string>
#include <thread>

#include "refuge/vault/metadata.h"

namespace refuge::vault {
namespace {

using Json = nlohmann::json;

// Found while fuzzing uploads (fuzz/evidence_upload_fuzz.cc): an HLS playlist
// that libmagic takes for a Protracker module (its bytes 1080 to 1083 say
// "M.K.") reached libavformat as audio, and its HLS demuxer fetched the variant
// the playlist names. Any upload could make the server send a request to an
// address of the uploader's choosing.
TEST(AvInputTest, APlaylistOpensNoUrl) {
  int server = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(server, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(server, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(server, 4), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::getsockname(server, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  std::string playlist = "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nhttp://127.0.0.1:" +
                         std::to_string(ntohs(addr.sin_port)) + "/variant.m3u8\n";
  playlist += "#" + std::string(1080 - playlist.size() - 2, 'x') + "\nM.K.\n";

  std::promise<Json> done;
  auto result = done.get_future();
  std::thread reader([&] {
    StringSource src(playlist);
    done.set_value(ExtractMetadata(src, "audio/x-mod"));
  });
  // A connection means libavformat followed the playlist; closing it at once
  // lets the reader finish.
  bool connected = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (result.wait_for(std::chrono::milliseconds(0)) != std::future_status::ready &&
         std::chrono::steady_clock::now() < deadline) {
    pollfd p{server, POLLIN, 0};
    if (::poll(&p, 1, 100) > 0) {
      int c = ::accept(server, nullptr, nullptr);
      if (c >= 0) {
        connected = true;
        ::close(c);
      }
    }
  }
  reader.join();
  ::close(server);
  EXPECT_FALSE(connected) << "libavformat opened the URL in the playlist";
  EXPECT_TRUE(result.get().contains("error"));
}

}  // namespace
}  // namespace refuge::vault
