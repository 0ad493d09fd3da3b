// src/io/files.hpp — file helpers shared by the readers and writers. Private to the library.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace keten::detail {

/// The text with every byte outside printable ASCII written as \xNN, so that an error message that
/// quotes untrusted input is always valid UTF-8.
[[nodiscard]] std::string printable(std::string_view text);

/// `s` without leading and trailing white space (ASCII, as std::isspace in the C locale).
[[nodiscard]] std::string_view trim(std::string_view s) noexcept;

/// True if `text` is well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing above
/// U+10FFFF) — what nlohmann::json accepts in a string, and so what the JSON writers can write.
[[nodiscard]] bool is_valid_utf8(std::string_view text) noexcept;

/// Writes `bytes` so that a crash at any moment leaves either the old file or the new one: a
/// uniquely named temporary file in the same directory, fsync, rename over `path`, fsync of the
/// directory. On failure the temporary file is removed and io_error (cannot_write) names `path`.
void write_file_atomically(std::string_view bytes, const std::filesystem::path& path);

}  // namespace keten::detail
