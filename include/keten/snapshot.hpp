// keten/snapshot.hpp — landscapes as binary snapshots: fast to load, safe to keep.
//
// A snapshot is a versioned envelope around a Boost.Serialization binary archive (docs/formats.md,
// "Snapshots"):
//
//   offset  size  field
//        0     8  magic "KETENSNP"
//        8     4  format version (u32, little-endian): 2 for this build (1 had no chains)
//       12     4  reserved (u32), 0
//       16     8  payload length in bytes (u64)
//       24     8  XXH64 of the payload, seed 0 (u64)
//       32     …  payload
//
// The envelope is checked in full (magic, version, reserved, length, checksum) before a single
// payload byte is deserialized. The payload holds the landscape's source parts only (name, the
// categories beyond the standard taxonomy, partners, offerings, complementarities, precedences,
// and from version 2 the chain vocabularies beyond the standard terms and the local chains);
// loading rebuilds the landscape through landscape_builder, so every value is validated again.
// Nothing is allocated by a size read from the payload before that size is checked against the
// bytes that remain. Readers hold no state; they may be called from any number of threads.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "keten/geography.hpp"
#include "keten/landscape.hpp"

namespace keten {

/// The first eight bytes of every snapshot.
inline constexpr std::string_view snapshot_magic = "KETENSNP";
/// The newest snapshot format version this build writes and reads; it reads every older one too.
inline constexpr std::uint32_t snapshot_format_version = 2;
/// Bytes before the payload.
inline constexpr std::size_t snapshot_header_size = 32;

/// The landscape as snapshot bytes. O(size of the landscape).
[[nodiscard]] std::string to_snapshot(const landscape& l);

/// Reads snapshot bytes. `source_name` names the input in errors. Throws parse_error
/// (unsupported_format for a version newer than this build reads, snapshot_corrupt for anything
/// else wrong with the bytes, with the byte offset where it is known) or validation_error (a value
/// the builder refuses). O(size of bytes + build()).
[[nodiscard]] landscape from_snapshot(
    std::string_view bytes, std::string_view source_name = "<bytes>",
    std::shared_ptr<const geography> places = geography::netherlands());

/// Writes atomically and durably: to a new temporary file in the same directory, fsync, rename
/// over `path`, fsync the directory. A crash at any moment leaves the old file or the new one.
/// Throws io_error naming the path; the temporary file is removed on failure.
void save_snapshot(const landscape& l, const std::filesystem::path& path);

/// Reads a snapshot file. Throws io_error if it cannot be read, else as from_snapshot.
[[nodiscard]] landscape load_snapshot(
    const std::filesystem::path& path,
    std::shared_ptr<const geography> places = geography::netherlands());

/// True if the bytes start with the snapshot magic.
[[nodiscard]] bool is_snapshot(std::string_view bytes) noexcept;

/// Reads a landscape file in either format: a snapshot if it starts with the snapshot magic, else
/// a keten.landscape JSON document. Throws as load_snapshot or load_landscape_json.
[[nodiscard]] landscape load_landscape(
    const std::filesystem::path& path,
    std::shared_ptr<const geography> places = geography::netherlands());

}  // namespace keten
