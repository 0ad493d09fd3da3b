// src/cli/progress.hpp — the one-line progress bar of the long-running commands (keten allocate,
// keten simulate): on stderr, only on a terminal and only after the first second, so that short
// runs and pipes stay clean. (Debian 12 packages no C++ progress-bar library.)
#pragma once

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace keten::cli {

class progress_line {
 public:
  progress_line() : start_(std::chrono::steady_clock::now()), tty_(isatty(STDERR_FILENO) != 0) {}
  ~progress_line() {
    if (shown_) fmt::print(stderr, "\r{:60}\r", "");
  }
  progress_line(const progress_line&) = delete;
  progress_line& operator=(const progress_line&) = delete;

  void operator()(std::string_view phase, std::size_t done, std::size_t total) {
    if (!tty_) return;
    const auto elapsed = std::chrono::steady_clock::now() - start_;
    if (elapsed < std::chrono::seconds(1)) return;
    shown_ = true;
    const double fraction =
        total == 0 ? 1.0 : static_cast<double>(done) / static_cast<double>(total);
    const auto filled = static_cast<std::size_t>(fraction * 30.0);
    const auto percent = static_cast<int>(fraction * 100.0 + 0.5);
    if (percent == last_percent_ && phase == last_phase_) return;  // nothing new to show
    last_percent_ = percent;
    last_phase_ = phase;
    fmt::print(stderr, "\r{:<10} [{:<30}] {:3}%", phase, std::string(filled, '#'), percent);
    std::fflush(stderr);
  }

 private:
  std::chrono::steady_clock::time_point start_;
  bool tty_;
  bool shown_ = false;
  int last_percent_ = -1;
  std::string last_phase_;
};

}  // namespace keten::cli
