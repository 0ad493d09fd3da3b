"""The partner network's metrics against networkx on the same graph: betweenness centrality
(normalised), degree and connected components, on the national and the example landscape."""

import pytest

import keten

nx = pytest.importorskip("networkx")


@pytest.mark.parametrize("which", ["national", "example"])
def test_partner_metrics_equal_networkx(which):
    landscape = keten.default_landscape() if which == "national" else keten.example_landscape()
    links = landscape.partner_network()
    metrics = landscape.partner_metrics()
    partners = list(metrics["partner"])
    assert partners == list(landscape.partners()["id"])
    graph = nx.Graph()
    graph.add_nodes_from(partners)
    graph.add_edges_from(zip(links["a"], links["b"]))
    assert graph.number_of_edges() == len(links["a"])  # no link twice
    assert (links["shared_municipalities"] >= 1).all()
    expected = nx.betweenness_centrality(graph, normalized=True)
    for partner, value in zip(partners, metrics["betweenness"]):
        assert value == pytest.approx(expected[partner], abs=1e-12), partner
    assert [graph.degree[p] for p in partners] == list(metrics["degree"])
    ours = {}
    for partner, component in zip(partners, metrics["component"]):
        ours.setdefault(int(component), set()).add(partner)
    assert sorted(map(sorted, ours.values())) == sorted(map(sorted, nx.connected_components(graph)))
    if which == "national":
        assert max(metrics["betweenness"]) > 0
