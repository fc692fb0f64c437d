#include "refuge/vault/object_store.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sodium.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "refuge/vault/codec.h"
#include "refuge/vault/test_support.h"

namespace refuge::vault {
namespace {

using testing::FastKdf;
using testing::FaultyDisk;
using testing::FilesUnder;
using testing::ScratchDir;

constexpr size_t kChunk = 4096;  // small chunks, so tests cross many boundaries

std::string RandomBytes(size_t n, uint32_t seed) {
  std::mt19937 gen(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(gen() & 0xff);
  return s;
}

std::string Sha256Hex(const std::string& s) {
  unsigned char h[32];
  crypto_hash_sha256(h, reinterpret_cast<const unsigned char*>(s.data()), s.size());
  return Hex(h, 32);
}

class ObjectStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto k = Keyring::Create(PosixDisk(), dir_.path(), "test passphrase", FastKdf());
    ASSERT_TRUE(k.ok());
    keys_ = std::make_unique<Keyring>(std::move(k).value());
    store_ = std::make_unique<ObjectStore>(dir_.path(), *keys_, disk_, kChunk);
  }

  // Writes in uneven pieces, as a network upload arrives.
  Result<ObjectInfo> Put(const std::string& data) {
    REFUGE_ASSIGN_OR_RETURN(auto w, store_->NewWriter());
    size_t off = 0, step = 1;
    while (off < data.size()) {
      size_t n = std::min(step, data.size() - off);
      REFUGE_RETURN_IF_ERROR(w->Write(reinterpret_cast<const uint8_t*>(data.data() + off), n));
      off += n;
      step = step * 3 + 7;
    }
    return w->Finish();
  }

  std::string Get(const std::string& name) {
    auto r = store_->Open(name);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok()) return {};
    std::string out((*r)->size(), '\0');
    auto n = (*r)->ReadAt(0, reinterpret_cast<uint8_t*>(out.data()), out.size());
    EXPECT_TRUE(n.ok());
    return out;
  }

  void CorruptByte(const std::string& name, off_t offset) {
    const std::string path = store_->PathOf(name);
    std::filesystem::permissions(path, std::filesystem::perms::owner_write, std::filesystem::perm_options::add);
    int fd = ::open(path.c_str(), O_RDWR);
    ASSERT_GE(fd, 0);
    uint8_t b;
    ASSERT_EQ(::pread(fd, &b, 1, offset), 1);
    b ^= 0x01;
    ASSERT_EQ(::pwrite(fd, &b, 1, offset), 1);
    ::close(fd);
  }

  std::vector<std::string> Objects() { return FilesUnder(dir_.path() + "/objects"); }
  std::vector<std::string> Temps() { return FilesUnder(dir_.path() + "/tmp"); }

  ScratchDir dir_;
  FaultyDisk disk_;
  std::unique_ptr<Keyring> keys_;
  std::unique_ptr<ObjectStore> store_;
};

TEST_F(ObjectStoreTest, RoundTripsEverySizeAroundChunkBoundaries) {
  for (size_t size : {size_t{0}, size_t{1}, kChunk - 1, kChunk, kChunk + 1, 3 * kChunk + 5}) {
    const std::string data = RandomBytes(size, static_cast<uint32_t>(size) + 1);
    auto info = Put(data);
    ASSERT_TRUE(info.ok()) << size << ": " << info.status().ToString();
    EXPECT_EQ(info->size, size);
    EXPECT_EQ(info->sha256, Sha256Hex(data)) << size;
    EXPECT_EQ(Get(info->name), data) << size;
    ObjectCheck check = store_->Verify(info->name);
    EXPECT_TRUE(check.ok) << size << ": " << check.problem;
    EXPECT_EQ(check.sha256, info->sha256);
    // On disk: header, one tag per chunk, the trailer; and never the plaintext.
    const uint64_t chunks = (size + kChunk - 1) / kChunk;
    EXPECT_EQ(std::filesystem::file_size(store_->PathOf(info->name)),
              kHeaderBytes + size + chunks * kTagBytes + kTrailerPlainBytes + kTagBytes);
  }
  EXPECT_TRUE(Temps().empty());
}

TEST_F(ObjectStoreTest, WriteFromReadsAFileStraightIn) {
  const std::string data = RandomBytes(5 * kChunk + 77, 71);
  const std::string path = dir_.path() + "/input.bin";
  std::ofstream(path, std::ios::binary) << data;
  int fd = ::open(path.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  auto w = store_->NewWriter();
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->WriteFrom(fd, path).ok());
  ::close(fd);
  EXPECT_EQ((*w)->head(), data.substr(0, std::min<size_t>(data.size(), 64 << 10)));
  auto info = (*w)->Finish();
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->sha256, Sha256Hex(data));
  EXPECT_EQ(Get(info->name), data);
}

TEST_F(ObjectStoreTest, ObjectsAreReadOnlyAndNotNamedByTheirHash) {
  const std::string data = RandomBytes(10000, 7);
  auto info = Put(data);
  ASSERT_TRUE(info.ok());
  EXPECT_NE(info->name, info->sha256);
  auto perms = std::filesystem::status(store_->PathOf(info->name)).permissions();
  EXPECT_EQ(perms & std::filesystem::perms::all, std::filesystem::perms::owner_read);
  // The plaintext does not appear in the object file.
  std::string raw(std::filesystem::file_size(store_->PathOf(info->name)), '\0');
  int fd = ::open(store_->PathOf(info->name).c_str(), O_RDONLY);
  ASSERT_EQ(::read(fd, raw.data(), raw.size()), static_cast<ssize_t>(raw.size()));
  ::close(fd);
  EXPECT_EQ(raw.find(data.substr(100, 32)), std::string::npos);
}

TEST_F(ObjectStoreTest, RandomAccessReadsAcrossChunks) {
  const std::string data = RandomBytes(5 * kChunk + 123, 3);
  auto info = Put(data);
  ASSERT_TRUE(info.ok());
  auto r = store_->Open(info->name);
  ASSERT_TRUE(r.ok());
  for (uint64_t off : {uint64_t{0}, uint64_t{kChunk - 3}, uint64_t{2 * kChunk + 17}, uint64_t{data.size() - 5}}) {
    std::string buf(kChunk + 10, '\0');
    auto n = (*r)->ReadAt(off, reinterpret_cast<uint8_t*>(buf.data()), buf.size());
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(buf.substr(0, *n), data.substr(off, buf.size())) << off;
  }
  uint8_t b;
  EXPECT_EQ(*(*r)->ReadAt(data.size(), &b, 1), 0u);
}

TEST_F(ObjectStoreTest, SameBytesTwiceStoreOneObject) {
  const std::string data = RandomBytes(3 * kChunk, 9);
  auto first = Put(data);
  auto second = Put(data);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->name, second->name);
  EXPECT_FALSE(first->deduplicated);
  EXPECT_TRUE(second->deduplicated);
  EXPECT_FALSE(second->repaired);
  EXPECT_EQ(Objects().size(), 1u);
  EXPECT_TRUE(Temps().empty());
}

TEST_F(ObjectStoreTest, AddingTheSameBytesAgainRepairsADamagedCopy) {
  const std::string data = RandomBytes(2 * kChunk, 11);
  auto first = Put(data);
  ASSERT_TRUE(first.ok());
  CorruptByte(first->name, kHeaderBytes + 10);
  ASSERT_FALSE(store_->Verify(first->name).ok);
  auto again = Put(data);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->repaired);
  EXPECT_TRUE(store_->Verify(first->name).ok);
  EXPECT_EQ(Get(first->name), data);
}

TEST_F(ObjectStoreTest, AFlippedByteIsDetectedAndNamed) {
  const std::string data = RandomBytes(4 * kChunk, 13);
  auto info = Put(data);
  ASSERT_TRUE(info.ok());
  // A byte in the third chunk's ciphertext.
  CorruptByte(info->name, static_cast<off_t>(kHeaderBytes + 2 * (kChunk + kTagBytes) + 100));
  ObjectCheck check = store_->Verify(info->name);
  EXPECT_FALSE(check.ok);
  EXPECT_NE(check.problem.find("chunk 2"), std::string::npos) << check.problem;
  EXPECT_NE(check.problem.find("altered"), std::string::npos) << check.problem;
  // Readers refuse the damaged chunk and still serve the others.
  auto r = store_->Open(info->name);
  ASSERT_TRUE(r.ok());
  uint8_t buf[16];
  EXPECT_TRUE((*r)->ReadAt(0, buf, sizeof buf).ok());
  auto bad = (*r)->ReadAt(2 * kChunk + 1, buf, sizeof buf);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("chunk 2"), std::string::npos);
}

TEST_F(ObjectStoreTest, AFlippedHeaderOrTrailerByteIsDetected) {
  auto a = Put(RandomBytes(kChunk + 1, 21));
  ASSERT_TRUE(a.ok());
  CorruptByte(a->name, 50);  // inside the wrapped key
  ObjectCheck ca = store_->Verify(a->name);
  EXPECT_FALSE(ca.ok);
  EXPECT_NE(ca.problem.find("header"), std::string::npos) << ca.problem;

  auto b = Put(RandomBytes(kChunk + 2, 22));
  ASSERT_TRUE(b.ok());
  CorruptByte(b->name, static_cast<off_t>(std::filesystem::file_size(store_->PathOf(b->name)) - 3));
  ObjectCheck cb = store_->Verify(b->name);
  EXPECT_FALSE(cb.ok);
  EXPECT_NE(cb.problem.find("end fails authentication"), std::string::npos) << cb.problem;
}

TEST_F(ObjectStoreTest, TruncationAndDeletionAreDetected) {
  auto info = Put(RandomBytes(3 * kChunk + 100, 15));
  ASSERT_TRUE(info.ok());
  const std::string path = store_->PathOf(info->name);
  std::filesystem::permissions(path, std::filesystem::perms::owner_write, std::filesystem::perm_options::add);
  // Cut exactly one chunk (and its tag) off the end, keeping the trailer's size.
  ASSERT_EQ(::truncate(path.c_str(), static_cast<off_t>(std::filesystem::file_size(path) - (kChunk + kTagBytes))), 0);
  ObjectCheck cut = store_->Verify(info->name);
  EXPECT_FALSE(cut.ok);
  EXPECT_NE(cut.problem.find("truncated"), std::string::npos) << cut.problem;
  EXPECT_EQ(store_->Open(info->name).status().code(), Code::kIo);

  ASSERT_EQ(::unlink(path.c_str()), 0);
  ObjectCheck gone = store_->Verify(info->name);
  EXPECT_FALSE(gone.ok);
  EXPECT_NE(gone.problem.find("missing"), std::string::npos) << gone.problem;
  EXPECT_EQ(store_->Open(info->name).status().code(), Code::kNotFound);
}

TEST_F(ObjectStoreTest, AnObjectMovedToAnotherNameIsDetected) {
  auto a = Put(RandomBytes(1000, 31));
  auto b = Put(RandomBytes(2000, 32));
  ASSERT_TRUE(a.ok() && b.ok());
  const std::string pa = store_->PathOf(a->name), pb = store_->PathOf(b->name);
  std::filesystem::permissions(pa, std::filesystem::perms::owner_write, std::filesystem::perm_options::add);
  std::filesystem::copy_file(pb, pa, std::filesystem::copy_options::overwrite_existing);
  ObjectCheck check = store_->Verify(a->name);
  EXPECT_FALSE(check.ok);
  EXPECT_NE(check.problem.find("swapped or replaced"), std::string::npos) << check.problem;
}

TEST_F(ObjectStoreTest, AFullDiskLeavesNoObjectAndNoTemporaryFile) {
  auto kept = Put(RandomBytes(2 * kChunk, 41));
  ASSERT_TRUE(kept.ok());
  const auto before = Objects();
  // The disk fills at several points: in the header, mid-chunk, in the trailer.
  for (int64_t room : {int64_t{10}, int64_t{kHeaderBytes + kChunk / 2}, int64_t{kHeaderBytes + 3 * (kChunk + kTagBytes) + 20}}) {
    disk_.bytes_left = room;
    auto r = Put(RandomBytes(3 * kChunk, 42));
    ASSERT_FALSE(r.ok()) << room;
    EXPECT_EQ(r.status().code(), Code::kIo);
    EXPECT_NE(r.status().message().find("disk is full"), std::string::npos) << r.status().message();
    EXPECT_EQ(Objects(), before) << room;
    EXPECT_TRUE(Temps().empty()) << room;
    disk_.bytes_left = INT64_MAX;
  }
  // The evidence already there is untouched.
  EXPECT_TRUE(store_->Verify(kept->name).ok);
}

TEST_F(ObjectStoreTest, AFailedFlushOrRenameLeavesNoObject) {
  disk_.fail_sync = true;
  EXPECT_FALSE(Put(RandomBytes(5000, 51)).ok());
  disk_.fail_sync = false;
  disk_.fail_rename = true;
  EXPECT_FALSE(Put(RandomBytes(5000, 52)).ok());
  disk_.fail_rename = false;
  EXPECT_TRUE(Objects().empty());
  EXPECT_TRUE(Temps().empty());
}

TEST_F(ObjectStoreTest, AnAbandonedWriterLeavesNothing) {
  {
    auto w = store_->NewWriter();
    ASSERT_TRUE(w.ok());
    const std::string data = RandomBytes(3 * kChunk, 61);
    ASSERT_TRUE((*w)->Write(reinterpret_cast<const uint8_t*>(data.data()), data.size()).ok());
    // The client went away: the writer is dropped without Finish().
  }
  EXPECT_TRUE(Objects().empty());
  EXPECT_TRUE(Temps().empty());
}

TEST_F(ObjectStoreTest, StaleTemporaryFilesAreRemovedButLiveOnesKept) {
  const std::string tmp = dir_.path() + "/tmp";
  std::filesystem::create_directories(tmp);
  std::ofstream(tmp + "/.tmp-crashed") << "left by a crash";
  auto live = store_->NewWriter();
  ASSERT_TRUE(live.ok());
  RemoveStaleTemps(tmp);
  auto left = Temps();
  ASSERT_EQ(left.size(), 1u);  // only the live writer's file
  EXPECT_NE(left[0], ".tmp-crashed");
}

}  // namespace
}  // namespace refuge::vault
