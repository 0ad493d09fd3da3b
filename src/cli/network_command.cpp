// keten network: the partner network of a landscape — who can complement whom where, the bridges
// the chain depends on, and the partners who stand alone (docs/analysis.md).
#include <algorithm>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "keten/analysis.hpp"

namespace keten::cli {

void add_network_commands(CLI::App& app) {
  struct network_args {
    std::string landscape;
    std::size_t top{10};
  };
  auto args = std::make_shared<network_args>();
  auto* cmd = app.add_subcommand(
      "network",
      "The partner network: partners linked where they can complement each other, its bridges "
      "(betweenness centrality) and the partners without a link (docs/analysis.md)");
  cmd->add_option("--landscape,-l", args->landscape,
                  "Landscape file (JSON or snapshot; default: the national landscape)");
  cmd->add_option("--top", args->top, "How many bridges to list")->capture_default_str();
  cmd->callback([args] {
    const landscape l = load_landscape(args->landscape);
    const partner_network net = build_partner_network(l);
    const partner_metrics m = network_metrics(net);
    std::vector<std::size_t> size(m.components, 0);
    for (std::uint32_t c : m.component)
      ++size[c];
    const std::size_t alone =
        static_cast<std::size_t>(std::count(m.degree.begin(), m.degree.end(), 0U));
    const std::size_t largest = size.empty() ? 0 : *std::max_element(size.begin(), size.end());
    fmt::print("partners {}, links {}, components {} (largest {}), without a link {}\n",
               net.partners, net.links.size(), m.components, largest, alone);
    std::vector<std::size_t> order(net.partners);
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      return m.betweenness[a] > m.betweenness[b];
    });
    fmt::print(
        "\nbridges (highest betweenness first)\npartner\tmember\tmunicipality\tlinks\t"
        "betweenness\n");
    for (std::size_t i = 0; i < std::min(args->top, order.size()); ++i) {
      const partner& p = l.partners()[order[i]];
      fmt::print("{}\t{}\t{}\t{}\t{:.4f}\n", p.id, p.member, p.municipality, m.degree[order[i]],
                 m.betweenness[order[i]]);
    }
  });
}

}  // namespace keten::cli
