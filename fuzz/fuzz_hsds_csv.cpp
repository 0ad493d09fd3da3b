// Fuzz harness: Open Referral HSDS data packages, a directory of CSV files and datapackage.json
// (import_hsds_package), docs/fuzzing.md.
// The input is a package in one file: parts introduced by a line "=== <file name>", e.g.
// "=== services.csv"; text before the first such line, if any, is services.csv. The harness writes
// the parts into a private temporary directory (names other than [a-z_]+.csv and datapackage.json
// are skipped) and imports that directory. Checks: as fuzz_hsds_json.
#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>

#include "fuzz_support.hpp"
#include "keten/hsds.hpp"

namespace {

namespace fs = std::filesystem;

bool allowed_name(std::string_view name) {
  if (name == "datapackage.json") return true;
  if (!name.ends_with(".csv") || name.size() == 4) return false;
  for (char c : name.substr(0, name.size() - 4))
    if (!((c >= 'a' && c <= 'z') || c == '_')) return false;
  return true;
}

/// A directory of this process's own, emptied before every input and removed at exit.
const fs::path& package_dir() {
  static const fs::path dir = [] {
    std::string pattern = (fs::temp_directory_path() / "keten-fuzz-hsds.XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) keten_fuzz::fail("mkdtemp works");
    std::atexit([] {
      std::error_code ec;
      fs::remove_all(package_dir(), ec);
    });
    return fs::path(pattern);
  }();
  return dir;
}

void write_part(const fs::path& dir, std::string_view name, std::string_view bytes) {
  if (!allowed_name(name)) return;
  std::ofstream out(dir / std::string(name), std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) keten_fuzz::fail("the harness can write its package");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const fs::path& dir = package_dir();
  for (const fs::directory_entry& entry : fs::directory_iterator(dir))
    fs::remove(entry.path());

  constexpr std::string_view marker = "=== ";
  std::string_view rest = keten_fuzz::as_text(data, size);
  std::string_view name = "services.csv";
  for (bool first = true;; first = false) {
    // The next marker at the start of a line.
    std::size_t at = rest.starts_with(marker) ? 0 : rest.find("\n=== ");
    if (at != std::string_view::npos && at != 0) ++at;  // keep the newline with this part
    if (!(first && at == 0)) write_part(dir, name, rest.substr(0, at));
    if (at == std::string_view::npos) break;
    rest.remove_prefix(at + marker.size());
    const std::size_t eol = rest.find('\n');
    name = rest.substr(0, eol);
    if (name.ends_with('\r')) name.remove_suffix(1);
    rest.remove_prefix(eol == std::string_view::npos ? rest.size() : eol + 1);
  }

  std::optional<keten::hsds_import_result> result;
  try {
    result = keten::import_hsds_package(dir);
  } catch (const keten::error& e) {
    keten_fuzz::check_error(e);
    return 0;
  }
  keten_fuzz::check_hsds_import(*result);
  return 0;
}
