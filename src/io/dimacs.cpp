// DIMACS min-cost-flow instances and solutions (keten/dimacs.hpp): reading with line, column and
// field in every error, and writing.
#include "keten/dimacs.hpp"

#include <array>
#include <charconv>

#include <fmt/format.h>

#include "files.hpp"
#include "keten/io.hpp"

namespace keten::flow {

namespace {

class line_parser {
 public:
  line_parser(std::string_view line, const std::string& file, std::size_t line_no)
      : line_(line), file_(file), line_no_(line_no) {}

  /// The next whitespace-separated token, or "" at the end of the line.
  std::string_view token() {
    while (pos_ < line_.size() && is_space(line_[pos_]))
      ++pos_;
    const std::size_t start = pos_;
    while (pos_ < line_.size() && !is_space(line_[pos_]))
      ++pos_;
    column_ = start + 1;
    return line_.substr(start, pos_ - start);
  }

  std::int64_t integer(const char* field, std::int64_t min, std::int64_t max) {
    const std::string_view t = token();
    if (t.empty()) fail(fmt::format("missing {}", field), field);
    std::int64_t value = 0;
    const char* begin = t.data();
    if (t.size() > 1 && t[0] == '+') ++begin;
    const auto [end, ec] = std::from_chars(begin, t.data() + t.size(), value);
    if (ec == std::errc::result_out_of_range || (ec == std::errc{} && (value < min || value > max)))
      fail(fmt::format("{} '{}' is outside [{}, {}]", field, detail::printable(t), min, max),
           field);
    if (ec != std::errc{} || end != t.data() + t.size())
      fail(fmt::format("{} '{}' is not an integer", field, detail::printable(t)), field);
    return value;
  }

  void expect_end() {
    const std::string_view t = token();
    if (!t.empty())
      fail(fmt::format("unexpected '{}' at the end of the line", detail::printable(t)), "");
  }

  [[noreturn]] void fail(const std::string& message, const char* field) const {
    throw parse_error(error_code::dimacs_syntax, message,
                      {.file = file_, .line = line_no_, .column = column_, .field = field});
  }

 private:
  static bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
  }

  std::string_view line_;
  const std::string& file_;
  std::size_t line_no_;
  std::size_t pos_ = 0;
  std::size_t column_ = 1;
};

constexpr std::int64_t max_count = std::int64_t{1} << 30;

}  // namespace

flow_network parse_dimacs(std::string_view text, const std::string& file) {
  flow_network g;
  bool have_problem = false;
  std::int64_t declared_arcs = 0;
  std::vector<bool> node_listed;
  std::size_t line_no = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    const std::string_view line = text.substr(pos, eol - pos);
    pos = eol + 1;
    ++line_no;
    line_parser p(line, file, line_no);
    const std::string_view kind = p.token();
    if (kind.empty() || kind == "c") continue;
    if (kind == "p") {
      if (have_problem) p.fail("a second problem line", "p");
      const std::string_view type = p.token();
      if (type != "min")
        p.fail(fmt::format("problem type '{}' is not 'min'", detail::printable(type)), "p");
      const std::int64_t nodes = p.integer("nodes", 0, max_count);
      declared_arcs = p.integer("arcs", 0, max_count);
      p.expect_end();
      // Node storage is sized by the declaration, so the declaration is bounded by what the bytes
      // can mean: a real instance has fewer nodes than bytes (arcs and n lines name them).
      if (nodes > static_cast<std::int64_t>(text.size()) + 1024)
        p.fail(fmt::format("{} nodes declared in a file of {} bytes", nodes, text.size()), "nodes");
      have_problem = true;
      g.supply.assign(static_cast<std::size_t>(nodes), 0);
      node_listed.assign(static_cast<std::size_t>(nodes), false);
      // Reserve only what the bytes can hold: an arc line takes at least 11 bytes.
      g.reserve(0, static_cast<std::size_t>(std::min<std::int64_t>(
                       declared_arcs, static_cast<std::int64_t>(text.size() / 11))));
    } else if (kind == "n") {
      if (!have_problem) p.fail("a node line before the problem line", "n");
      const std::int64_t id = p.integer("node id", 1, g.node_count());
      const std::int64_t supply = p.integer("supply", -max_abs_value, max_abs_value);
      p.expect_end();
      if (node_listed[id - 1]) p.fail(fmt::format("node {} is listed twice", id), "node id");
      node_listed[id - 1] = true;
      g.supply[id - 1] = supply;
    } else if (kind == "a") {
      if (!have_problem) p.fail("an arc line before the problem line", "a");
      if (g.arc_count() >= declared_arcs)
        p.fail(fmt::format("more arcs than the {} the problem line declares", declared_arcs), "a");
      const std::int64_t from = p.integer("from", 1, g.node_count());
      const std::int64_t to = p.integer("to", 1, g.node_count());
      const std::int64_t low = p.integer("low", -max_abs_value, max_abs_value);
      const std::int64_t cap = p.integer("cap", -max_abs_value, max_abs_value);
      const std::int64_t cost = p.integer("cost", -max_abs_cost, max_abs_cost);
      p.expect_end();
      if (low > cap)
        p.fail(fmt::format("lower bound {} is above the capacity {}", low, cap), "low");
      g.add_arc(static_cast<int>(from - 1), static_cast<int>(to - 1), low, cap, cost);
    } else {
      p.fail(fmt::format("unknown line type '{}' (expected c, p, n or a)", detail::printable(kind)),
             "");
    }
  }
  if (!have_problem)
    throw parse_error(error_code::dimacs_syntax, "no problem line 'p min NODES ARCS'",
                      {.file = file, .line = line_no});
  if (g.arc_count() != declared_arcs)
    throw parse_error(error_code::dimacs_syntax,
                      fmt::format("the problem line declares {} arcs but {} follow", declared_arcs,
                                  g.arc_count()),
                      {.file = file, .line = line_no, .field = "arcs"});
  return g;
}

flow_network load_dimacs(const std::filesystem::path& path) {
  return parse_dimacs(read_file(path), path.string());
}

std::string to_dimacs(const flow_network& g, std::string_view comment) {
  std::string out;
  std::size_t start = 0;
  while (start < comment.size()) {
    std::size_t eol = comment.find('\n', start);
    if (eol == std::string_view::npos) eol = comment.size();
    out += fmt::format("c {}\n", comment.substr(start, eol - start));
    start = eol + 1;
  }
  out += fmt::format("p min {} {}\n", g.node_count(), g.arc_count());
  for (int u = 0; u < g.node_count(); ++u)
    if (g.supply[u] != 0) out += fmt::format("n {} {}\n", u + 1, g.supply[u]);
  for (int a = 0; a < g.arc_count(); ++a)
    out += fmt::format("a {} {} {} {} {}\n", g.source[a] + 1, g.target[a] + 1, g.lower[a],
                       g.upper[a], g.cost[a]);
  return out;
}

void save_dimacs(const flow_network& g, const std::filesystem::path& path,
                 std::string_view comment) {
  detail::write_file_atomically(to_dimacs(g, comment), path);
}

std::string to_dimacs_solution(const flow_network& g, const flow_solution& s, bool with_flows) {
  if (s.status != flow_status::optimal) return "s infeasible\n";
  std::string out = fmt::format("s {}\n", s.cost);
  if (with_flows)
    for (int a = 0; a < g.arc_count(); ++a)
      out += fmt::format("f {} {} {}\n", g.source[a] + 1, g.target[a] + 1, s.flow[a]);
  return out;
}

}  // namespace keten::flow
