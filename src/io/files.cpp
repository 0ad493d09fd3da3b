// File helpers shared by the readers and writers (files.hpp).
#include "files.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <random>

#include <fmt/format.h>

#include "keten/error.hpp"

namespace keten::detail {

std::string printable(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (c >= 0x20 && c < 0x7f)
      out += static_cast<char>(c);
    else
      out += fmt::format("\\x{:02x}", c);
  }
  return out;
}

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
    s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
    s.remove_suffix(1);
  return s;
}

bool is_valid_utf8(std::string_view text) noexcept {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    // The length of the sequence and the range of its second byte (RFC 3629, table 3-7 of
    // Unicode): this excludes overlong forms, surrogates and code points above U+10FFFF.
    std::size_t length = 0;
    unsigned char lo = 0x80;
    unsigned char hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      length = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      length = 3;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      length = 4;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return false;
    }
    if (text.size() - i < length) return false;
    const auto second = static_cast<unsigned char>(text[i + 1]);
    if (second < lo || second > hi) return false;
    for (std::size_t k = 2; k < length; ++k)
      if ((static_cast<unsigned char>(text[i + k]) & 0xC0U) != 0x80U) return false;
    i += length;
  }
  return true;
}

namespace {

// --- atomic files --------------------------------------------------------------------------

[[noreturn]] void fail_write(const std::filesystem::path& path, const std::string& what, int err) {
  throw io_error(error_code::cannot_write, fmt::format("{}: {}", what, std::strerror(err)),
                 {.file = path.string()});
}

/// Closes a descriptor and removes the temporary file unless released.
class temp_file {
 public:
  temp_file(int fd, std::filesystem::path path) : fd_(fd), path_(std::move(path)) {}
  temp_file(const temp_file&) = delete;
  temp_file& operator=(const temp_file&) = delete;
  ~temp_file() {
    if (fd_ >= 0) ::close(fd_);
    if (!path_.empty()) ::unlink(path_.c_str());
  }
  [[nodiscard]] int fd() const { return fd_; }
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }
  /// Closes the descriptor; returns 0 or the errno of close().
  int close() {
    const int rc = ::close(fd_);
    fd_ = -1;
    return rc == 0 ? 0 : errno;
  }
  void release() { path_.clear(); }

 private:
  int fd_;
  std::filesystem::path path_;
};

/// A new file beside `path` with a name no other writer uses, opened for writing.
temp_file create_temp_beside(const std::filesystem::path& path) {
  static std::atomic<std::uint64_t> counter{0};
  std::random_device device;
  const std::filesystem::path dir = path.parent_path().empty() ? "." : path.parent_path();
  for (int attempt = 0; attempt < 100; ++attempt) {
    const std::filesystem::path candidate =
        dir / fmt::format(".{}.tmp-{}-{}-{:08x}", path.filename().string(), ::getpid(),
                          counter.fetch_add(1), device());
    const int fd = ::open(candidate.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd >= 0) return {fd, candidate};
    if (errno != EEXIST && errno != EINTR)
      fail_write(path, fmt::format("cannot create a temporary file in {}", dir.string()), errno);
  }
  fail_write(path, "cannot create a unique temporary file", EEXIST);
}

}  // namespace

void write_file_atomically(std::string_view bytes, const std::filesystem::path& path) {
  temp_file tmp = create_temp_beside(path);
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(tmp.fd(), bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail_write(path, fmt::format("cannot write {}", tmp.path().string()), errno);
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(tmp.fd()) != 0)
    fail_write(path, fmt::format("cannot sync {}", tmp.path().string()), errno);
  if (const int err = tmp.close(); err != 0)
    fail_write(path, fmt::format("cannot close {}", tmp.path().string()), err);
  if (::rename(tmp.path().c_str(), path.c_str()) != 0)
    fail_write(path, "cannot rename into place", errno);
  tmp.release();
  // Make the rename itself durable.
  const std::filesystem::path dir = path.parent_path().empty() ? "." : path.parent_path();
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) fail_write(path, fmt::format("cannot open directory {}", dir.string()), errno);
  const int rc = ::fsync(dfd);
  const int err = errno;
  ::close(dfd);
  // Some file systems cannot sync a directory (EINVAL); the rename is done either way.
  if (rc != 0 && err != EINVAL)
    fail_write(path, fmt::format("cannot sync directory {}", dir.string()), err);
}

}  // namespace keten::detail
