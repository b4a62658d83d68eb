"""``model_to_dot`` / ``plot_model`` / ``get_source_inputs`` against Keras 3."""
import pytest

import kfront
from kfront import utils
from kfront.utils import model_visualization

NEEDS_PYDOT = pytest.mark.skipif(model_visualization.pydot is None,
                                 reason="pydot is not installed: pip install pydot")


def build_models(k):
    """The same models with kfront (``k=kfront``) or Keras (``k=keras``), fixed layer names."""
    L = k.layers
    a, b = k.Input((3,), name="a"), k.Input((4,), name="b")
    frozen = L.Dense(2, name="frozen")
    frozen.trainable = False
    x = L.Concatenate(name="cat")([L.Dense(5, activation="relu", name="d1")(a), frozen(b)])
    flat = k.Model([a, b], L.Dense(1, name="head")(x), name="flat")
    seq = k.Sequential([k.Input((3,), name="s_in"), L.Dense(4, activation="tanh", name="s1"),
                        L.Dense(3, name="s2")], name="seq")
    c = k.Input((3,), name="c")
    inner_in = k.Input((3,), name="i_in")
    inner = k.Model(inner_in, L.Dense(3, name="i1")(inner_in), name="inner")
    nested = k.Model(c, L.Dense(2, name="out")(seq(inner(c))), name="nested")
    return {"flat": flat, "seq": seq, "nested": nested}


OPTIONS = [
    ("flat", {}), ("flat", {"show_shapes": True, "show_dtype": True,
                            "show_layer_activations": True, "show_trainable": True}),
    ("flat", {"show_layer_names": False, "rankdir": "LR", "dpi": 96, "splines": "line"}),
    ("seq", {"show_shapes": True, "show_layer_activations": True}),
    ("nested", {}), ("nested", {"expand_nested": True, "show_shapes": True}),
]


def structure(dot):
    """Labels (ids replaced), edges as label pairs, attributes, clusters, recursively."""
    labels = {}

    def gather(graph):
        for n in graph.get_nodes():
            labels[n.get_name()] = n.get_label()
        for sub in graph.get_subgraphs():
            gather(sub)

    def collect(graph):
        return {"attrs": {k: str(v) for k, v in graph.get_attributes().items()},
                "nodes": sorted(n.get_label() or n.get_name() for n in graph.get_nodes()),
                "node_attrs": sorted(str(sorted(n.get_attributes().items()))
                                     for n in graph.get_nodes()),
                "clusters": sorted(str(collect(sub)) for sub in graph.get_subgraphs()),
                "edges": sorted((labels[e.get_source()], labels[e.get_destination()],
                                 str(e.get_attributes())) for e in graph.get_edges())}

    gather(dot)
    return collect(dot)


@pytest.fixture(scope="module")
def keras_dots(keras):
    models = build_models(keras)
    return [structure(keras.utils.model_to_dot(models[name], **opts))
            for name, opts in OPTIONS]


@NEEDS_PYDOT
def test_model_to_dot_matches_keras(keras_dots):
    assert len(keras_dots[-1]["clusters"]) == 2 and len(keras_dots[-1]["edges"]) == 3
    models = build_models(kfront)
    for (name, opts), want in zip(OPTIONS, keras_dots):
        got = structure(utils.model_to_dot(models[name], **opts))
        assert got == want, (name, opts)


@NEEDS_PYDOT
def test_model_to_dot_errors_and_plot_model(tmp_path, monkeypatch):
    model = build_models(kfront)["seq"]
    with pytest.raises(ValueError, match="layer_range"):
        utils.model_to_dot(model, layer_range=["s1", "s2"])
    with pytest.raises(ValueError, match="Unrecognized"):
        utils.model_to_dot(model, colour=True)
    with pytest.raises(ValueError, match="not yet been built"):
        utils.plot_model(kfront.Sequential([kfront.layers.Dense(2)]))
    monkeypatch.setattr(model_visualization, "_graphviz_available", lambda: False)
    with pytest.raises(ImportError, match="graphviz"):
        utils.plot_model(model, to_file=str(tmp_path / "m.png"))
    monkeypatch.undo()
    if model_visualization._graphviz_available():
        utils.plot_model(model, to_file=str(tmp_path / "m.svg"), show_shapes=True)
        assert "<svg" in (tmp_path / "m.svg").read_text()


def test_without_pydot_the_message_is_keras(monkeypatch, capsys):
    monkeypatch.setattr(model_visualization, "pydot", None)
    model = build_models(kfront)["seq"]
    for fn, who in ((utils.model_to_dot, "model_to_dot"), (utils.plot_model, "plot_model")):
        with pytest.raises(ImportError, match=f"You must install pydot.*{who}"):
            fn(model)
    monkeypatch.setattr(model_visualization, "_in_notebook", lambda: True)
    assert utils.plot_model(model) is None  # in IPython: printed, as Keras does
    assert "You must install pydot" in capsys.readouterr().out


def test_get_source_inputs(keras):
    def sources(k):
        a, b, c = (k.Input((2,), name=n) for n in "abc")
        x = k.layers.Add()([k.layers.Dense(2)(b), a])
        y = k.layers.Concatenate()([x, c, a])
        return [t.name for t in k.utils.get_source_inputs(y)], k.utils.get_source_inputs(a)

    names, of_input = sources(kfront)
    assert (names, len(of_input)) == (sources(keras)[0], 1)
    assert names == ["b", "a", "c"]
    assert utils.get_source_inputs(3) == 3  # not a symbolic tensor: returned as is
