// keten mcf FILE [-v]: the solver core on a DIMACS min-cost-flow instance.
#include <fmt/format.h>

#include "commands.hpp"
#include "keten/dimacs.hpp"
#include "keten/flow.hpp"
#include "keten/flow_instances.hpp"

namespace keten::cli {

void add_flow_commands(CLI::App& app) {
  struct mcf_options {
    std::string file;
    bool verbose = false;
  };
  auto options = std::make_shared<mcf_options>();
  auto* mcf = app.add_subcommand(
      "mcf", "Solve a DIMACS min-cost-flow instance; print 's COST' (exit 3 if infeasible)");
  mcf->add_option("file", options->file,
                  "DIMACS file (p min N M, n ID SUPPLY, a FROM TO LOW CAP COST)")
      ->required();
  mcf->add_flag("--verbose,-v", options->verbose,
                "Also print the solver used (c method network_simplex|assignment) and the flow on "
                "every arc (f FROM TO FLOW)");
  mcf->callback([options] {
    const flow::flow_network g = flow::load_dimacs(options->file);
    const flow::flow_solution s = flow::solve_min_cost_flow(g);
    if (options->verbose) fmt::print("c method {}\n", flow::to_string(s.method));
    fmt::print("{}", flow::to_dimacs_solution(g, s, options->verbose));
    if (s.status != flow::flow_status::optimal) throw exit_request{exit_infeasible};
  });

  // keten generate mcf: NETGEN-style instances, so that anybody can race the core on them.
  struct generate_options {
    flow::instance_options instance;
    std::string kind = "transshipment";
    std::string output;
  };
  auto gen = std::make_shared<generate_options>();
  auto* generate_mcf =
      app.get_subcommand("generate")
          ->add_subcommand(
              "mcf", "A reproducible NETGEN-style min-cost-flow instance in the DIMACS format");
  generate_mcf->add_option("--kind", gen->kind, "transportation, transshipment or assignment")
      ->capture_default_str();
  generate_mcf->add_option("--nodes", gen->instance.nodes, "Nodes")->capture_default_str();
  generate_mcf->add_option("--arcs", gen->instance.arcs, "Arcs (not for assignment)")
      ->capture_default_str();
  generate_mcf->add_option("--max-cost", gen->instance.max_cost, "Costs in [0, MAX]")
      ->capture_default_str();
  generate_mcf->add_option("--max-capacity", gen->instance.max_capacity, "Capacities in [1, MAX]")
      ->capture_default_str();
  generate_mcf->add_option("--seed", gen->instance.seed, "Random seed")->capture_default_str();
  generate_mcf->add_option("--output,-o", gen->output, "Output file")->required();
  generate_mcf->callback([gen] {
    gen->instance.kind = flow::parse_instance_kind(gen->kind);
    const flow::flow_network g = flow::generate_instance(gen->instance);
    flow::save_dimacs(
        g, gen->output,
        fmt::format("keten generate mcf --kind {} --nodes {} "
                    "--arcs {} --max-cost {} --max-capacity {} "
                    "--seed {}",
                    gen->kind, gen->instance.nodes, gen->instance.arcs, gen->instance.max_cost,
                    gen->instance.max_capacity, gen->instance.seed));
    fmt::print("wrote {} ({} nodes, {} arcs)\n", gen->output, g.node_count(), g.arc_count());
  });
}

}  // namespace keten::cli
