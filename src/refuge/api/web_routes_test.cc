#include <gtest/gtest.h>

#include <algorithm>
#include <regex>
#include <string>

#include "refuge/api/http.h"
#include "refuge/api/web_assets.h"

namespace refuge::api {
namespace {

const WebAsset* Find(std::string_view path) {
  for (const auto& a : WebAssets()) {
    if (a.path == path) return &a;
  }
  return nullptr;
}

TEST(WebAssets, AreSortedByPathForBinarySearch) {
  auto assets = WebAssets();
  ASSERT_FALSE(assets.empty());
  EXPECT_TRUE(std::is_sorted(assets.begin(), assets.end(),
                             [](const WebAsset& a, const WebAsset& b) { return a.path < b.path; }));
}

TEST(WebAssets, IndexNamesOnlyBundlesThatAreEmbedded) {
  const WebAsset* index = Find("/index.html");
  ASSERT_NE(index, nullptr);
  const std::string html(index->body);
  // No inline script: every <script> has a src (the Content-Security-Policy forbids inline).
  EXPECT_EQ(html.find("<script>"), std::string::npos);
  std::regex ref(R"re((?:src|href)="(/assets/[^"]+)")re");
  int bundles = 0;
  for (auto it = std::sregex_iterator(html.begin(), html.end(), ref); it != std::sregex_iterator(); ++it) {
    ++bundles;
    const std::string path = (*it)[1];
    const WebAsset* asset = Find(path);
    ASSERT_NE(asset, nullptr) << path << " is named by index.html but not embedded";
    EXPECT_FALSE(asset->body.empty()) << path;
  }
  EXPECT_GE(bundles, 2) << "index.html should load a script and a stylesheet";
}

TEST(WebContentType, FollowsTheExtension) {
  EXPECT_STREQ(WebContentType("/index.html"), "text/html; charset=utf-8");
  EXPECT_STREQ(WebContentType("/assets/index-3f2a.js"), "text/javascript; charset=utf-8");
  EXPECT_STREQ(WebContentType("/assets/index-3f2a.css"), "text/css; charset=utf-8");
  EXPECT_STREQ(WebContentType("/favicon.svg"), "image/svg+xml");
  EXPECT_STREQ(WebContentType("/assets/font.woff2"), "font/woff2");
  EXPECT_STREQ(WebContentType("/README"), "application/octet-stream");
  EXPECT_STREQ(WebContentType("/a.tar.gz"), "application/octet-stream");
}

}  // namespace
}  // namespace refuge::api
