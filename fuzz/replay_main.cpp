// fuzz/replay_main.cpp — runs files through a fuzz harness once, without libFuzzer, so that the
// regression inputs of tests/fuzz/<harness>/ run in every build of the tests (ctest fuzz.<harness>,
// also under ASan+UBSan with GCC). Usage: fuzz_<harness>_replay <file or directory>...
// A directory contributes its regular files, sorted by name. Fails if it finds no input at all;
// a finding aborts the process like it does under libFuzzer.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <new>
#include <string>
#include <vector>

#include "fuzz_support.hpp"

namespace fs = std::filesystem;

// As libFuzzer's -malloc_limit_mb (which run.sh sets to 2048 through -rss_limit_mb): a single
// allocation above 2 GB is a finding, reported at once instead of slowly exhausting the machine.
constexpr std::size_t malloc_limit = std::size_t{2048} << 20;

void* operator new(std::size_t size) {
  if (size > malloc_limit) {
    std::fprintf(stderr, "replay: FINDING: an allocation of %zu bytes, above the 2 GB limit\n",
                 size);
    std::abort();
  }
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}

int main(int argc, char** argv) {
  std::vector<fs::path> inputs;
  for (int i = 1; i < argc; ++i) {
    const fs::path arg = argv[i];
    if (fs::is_directory(arg)) {
      std::vector<fs::path> files;
      for (const fs::directory_entry& entry : fs::directory_iterator(arg))
        if (entry.is_regular_file()) files.push_back(entry.path());
      std::sort(files.begin(), files.end());
      inputs.insert(inputs.end(), files.begin(), files.end());
    } else if (fs::is_regular_file(arg)) {
      inputs.push_back(arg);
    } else {
      std::fprintf(stderr, "replay: %s is neither a file nor a directory\n", argv[i]);
      return 2;
    }
  }
  if (inputs.empty()) {
    std::fprintf(stderr, "replay: no inputs\n");
    return 2;
  }
  for (const fs::path& path : inputs) {
    std::ifstream in(path, std::ios::binary);
    const std::vector<char> bytes((std::istreambuf_iterator<char>(in)),
                                  std::istreambuf_iterator<char>());
    if (!in.eof() && in.fail()) {
      std::fprintf(stderr, "replay: cannot read %s\n", path.c_str());
      return 2;
    }
    std::fprintf(stderr, "replay: %s (%zu bytes)\n", path.c_str(), bytes.size());
    // A copy of exactly the input's size, so that ASan sees a read past its end.
    std::vector<std::uint8_t> data(bytes.begin(), bytes.end());
    (void)LLVMFuzzerTestOneInput(data.data(), data.size());
  }
  std::printf("replay: %zu inputs, no findings\n", inputs.size());
  return 0;
}
