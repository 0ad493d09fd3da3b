#!/usr/bin/env python3
"""The partner network's metrics: keten (Boost.Graph's Brandes betweenness, degree, components,
with the network built from the landscape) against networkx on the same graph, in one run.

    python benchmarks/python/bench_network.py [--repetitions 5]

keten: ``landscape.partner_metrics()`` — builds the partner network from the landscape and computes
the metrics in C++. networkx: ``betweenness_centrality(normalized=True)``, ``degree`` and
``connected_components`` on an ``nx.Graph`` of the same links (the graph built outside the
timing, so networkx is timed on the metrics alone). The values are checked equal first.
"""

from __future__ import annotations

import argparse
import sys

import keten
from timing import median_seconds

import networkx as nx


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repetitions", type=int, default=5)
    args = parser.parse_args(argv)
    print("| landscape | partners | links | keten (build + metrics) | networkx (metrics) | ratio |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, landscape in (("national", keten.default_landscape()),
                            ("example", keten.example_landscape())):
        links = landscape.partner_network()
        metrics = landscape.partner_metrics()
        graph = nx.Graph()
        graph.add_nodes_from(metrics["partner"])
        graph.add_edges_from(zip(links["a"], links["b"]))
        expected = nx.betweenness_centrality(graph, normalized=True)
        assert all(abs(b - expected[p]) < 1e-12
                   for p, b in zip(metrics["partner"], metrics["betweenness"]))

        def networkx_metrics():
            nx.betweenness_centrality(graph, normalized=True)
            dict(graph.degree)
            list(nx.connected_components(graph))

        ours = median_seconds(landscape.partner_metrics, args.repetitions)
        theirs = median_seconds(networkx_metrics, args.repetitions)
        print(f"| {name} | {len(metrics['partner'])} | {len(links['a'])} | {ours * 1e3:.2f} ms | "
              f"{theirs * 1e3:.1f} ms | {theirs / ours:.0f}× |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
