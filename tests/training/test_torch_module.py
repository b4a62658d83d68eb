"""On the torch backend every kfront Layer and Model is a ``torch.nn.Module`` (as in Keras 3):
parameters, buffers, state_dict, zero_grad, train/eval, torch optimizers and nesting inside
torch modules; on the other backends nothing changes."""
from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest

import kfront
from kfront import layers

from conformance.support import activate

RNG = np.random.default_rng(5)
X = RNG.normal(size=(24, 4)).astype("float32")
Y = RNG.normal(size=(24, 2)).astype("float32")
BATCH, LR = 8, 0.1


@pytest.fixture
def torch():
    """The torch module, with torch as the active backend (skipped, with the pip extra to
    install, when torch is missing); the native engine afterwards."""
    activate("torch")
    import torch
    yield torch
    kfront.config.set_backend("numpy")


def _mlp(initial=None):
    """The seed MLP."""
    model = kfront.Sequential([layers.Input((4,)), layers.Dense(5, activation="tanh"),
                               layers.Dense(2)])
    if initial is not None:
        model.set_weights(initial)
    return model


def _batches():
    return [(X[i:i + BATCH], Y[i:i + BATCH]) for i in range(0, len(X), BATCH)]


class _Blocks(kfront.Model):
    def __init__(self):
        super().__init__()
        self.dense_in = layers.Dense(3)
        self.blocks = [layers.Dense(3), layers.Dense(3)]
        self.norm = layers.BatchNormalization()

    def call(self, x, training=None):
        x = self.dense_in(x)
        for block in self.blocks:
            x = block(x)
        return self.norm(x, training=training)


def test_layers_and_models_are_modules_whose_parameters_are_the_trainable_weights(torch):
    model = kfront.Sequential([layers.Input((4,)), layers.Dense(3), layers.BatchNormalization(),
                               layers.Dense(2)])
    inputs = layers.Input((4,))
    functional = kfront.Model(inputs, layers.Dense(2)(layers.Dense(3)(inputs)))
    sub = _Blocks()
    sub(np.ones((2, 4), "float32"))
    for obj, name in [(model, "Sequential"), (functional, "Functional"), (sub, "_Blocks"),
                      (model.layers[0], "Dense"), (model.layers[1], "BatchNormalization")]:
        assert isinstance(obj, torch.nn.Module) and type(obj).__name__ == name
        params = list(obj.parameters())
        assert len(params) == len(obj.trainable_weights)
        assert all(p is v.value for p, v in zip(params, obj.trainable_weights))
        assert all(isinstance(p, torch.nn.Parameter) and p.requires_grad for p in params)
    assert [type(m).__name__ for m in model.modules()] == [
        "Sequential", "Dense", "BatchNormalization", "Dense"]
    # moving statistics are buffers: saved in state_dict, never given to torch optimizers
    assert [n for n, _ in model.named_buffers()] == ["1.moving_mean", "1.moving_variance"]
    keys = ["0.kernel", "0.bias", "1.gamma", "1.beta", "1.moving_mean", "1.moving_variance",
            "2.kernel", "2.bias"]
    assert list(model.state_dict()) == keys
    assert [tuple(t.shape) for t in model.state_dict().values()] == [
        tuple(w.shape) for w in model.layers[0].weights + model.layers[1].weights
        + model.layers[2].weights]
    # keys come from positions and attributes, not from layer names (dense_7...): stable
    # across instances and after training
    twin = kfront.Sequential([layers.Input((4,)), layers.Dense(3), layers.BatchNormalization(),
                              layers.Dense(2)])
    assert list(twin.state_dict()) == keys
    model.compile("sgd", "mse")
    model.fit(X, Y, epochs=1, batch_size=12, verbose=0)
    assert list(model.state_dict()) == keys
    assert list(functional.state_dict()) == ["0.kernel", "0.bias", "1.kernel", "1.bias"]
    assert list(sub.state_dict()) == [
        "dense_in.kernel", "dense_in.bias", "blocks_0.kernel", "blocks_0.bias",
        "blocks_1.kernel", "blocks_1.bias", "norm.gamma", "norm.beta", "norm.moving_mean",
        "norm.moving_variance"]
    assert sub.get_submodule("blocks_1") is sub.blocks[1] and getattr(model, "2") is \
        model.layers[2]
    assert sub.get_parameter("blocks_0.kernel") is sub.blocks[0].kernel.value
    assert sub.get_buffer("norm.moving_mean") is sub.norm.moving_mean.value
    with pytest.raises(AttributeError, match="no parameter `moving_mean`"):
        sub.get_parameter("norm.moving_mean")
    rnn = kfront.Sequential([layers.Input((3, 4)), layers.LSTM(2)])
    assert list(rnn.state_dict()) == ["0.cell.kernel", "0.cell.recurrent_kernel", "0.cell.bias"]
    assert rnn.layers[0].units == 2  # the RNN's own __getattr__ still answers
    # a frozen layer keeps its parameters (torch's freezing is requires_grad), kfront's
    # trainable_weights drops them
    model.layers[0].trainable = False
    assert len(list(model.parameters())) == 6 and len(model.trainable_weights) == 4
    # properties raising AttributeError keep their own message (a layer of a Sequential has
    # its graph's input since 11f850e, as in Keras: a layer never called has none)
    with pytest.raises(AttributeError, match="never been called on symbolic tensors"):
        layers.Dense(3).input
    with pytest.raises(AttributeError, match="'Dense' object has no attribute 'nothing'"):
        model.layers[0].nothing


def test_a_torch_optimizer_loop_reaches_the_weights_of_fit(torch):
    kfront.utils.set_random_seed(0)
    initial = _mlp().get_weights()
    ref = _mlp(initial)
    ref.compile(optimizer=kfront.optimizers.SGD(LR), loss="mse")
    ref.fit(X, Y, batch_size=BATCH, shuffle=False, verbose=0)

    model = _mlp(initial)
    optimizer = torch.optim.SGD(model.parameters(), lr=LR)
    for x, y in _batches():
        model.zero_grad()
        loss = torch.nn.functional.mse_loss(model(torch.from_numpy(x), training=True),
                                            torch.from_numpy(y))
        loss.backward()
        optimizer.step()
    for a, b in zip(model.get_weights(), ref.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_a_model_inside_torch_sequential_trains_like_the_same_torch_network(torch):
    kfront.utils.set_random_seed(1)
    model = _mlp()
    torch.manual_seed(0)
    head = torch.nn.Linear(2, 1)
    net = torch.nn.Sequential(model, torch.nn.Tanh(), head)
    (k1, b1), (k2, b2) = model.layers[0].get_weights(), model.layers[1].get_weights()
    plain = torch.nn.Sequential(torch.nn.Linear(4, 5), torch.nn.Tanh(), torch.nn.Linear(5, 2),
                                torch.nn.Tanh(), torch.nn.Linear(2, 1))
    with torch.no_grad():
        for linear, kernel, bias in [(plain[0], k1, b1), (plain[2], k2, b2)]:
            linear.weight.copy_(torch.from_numpy(kernel.T))
            linear.bias.copy_(torch.from_numpy(bias))
        plain[4].load_state_dict(head.state_dict())
    assert list(net.state_dict()) == ["0.0.kernel", "0.0.bias", "0.1.kernel", "0.1.bias",
                                      "2.weight", "2.bias"]
    target = torch.from_numpy(Y[:, :1])
    for module in (net, plain):
        optimizer = torch.optim.Adam(module.parameters(), lr=0.05)
        for _ in range(5):
            optimizer.zero_grad()
            loss = torch.mean((module(torch.from_numpy(X)) - target) ** 2)
            loss.backward()
            optimizer.step()
    np.testing.assert_allclose(model.layers[0].kernel.numpy(), plain[0].weight.detach().T,
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(model.layers[1].bias.numpy(), plain[2].bias.detach(),
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(head.weight.detach(), plain[4].weight.detach(), rtol=1e-5,
                               atol=1e-6)
    assert not np.allclose(model.layers[0].kernel.numpy(), k1)  # it did train


def test_a_torch_module_set_on_a_layer_is_wrapped_and_trained_by_fit(torch):
    class Mixed(kfront.Model):
        def __init__(self):
            super().__init__()
            self.linear = torch.nn.Linear(4, 3)
            self.head = layers.Dense(2)

        def call(self, x):
            return self.head(torch.tanh(self.linear(x)))

    model = Mixed()
    model(np.ones((2, 4), "float32"))
    assert type(model.linear).__name__ == "TorchModuleWrapper"  # as Keras's _setattr_hook
    assert model.layers == [model.linear, model.head]
    assert list(model.state_dict()) == ["linear.weight", "linear.bias", "head.kernel",
                                        "head.bias"]
    assert [tuple(w.shape) for w in model.trainable_weights] == [(3, 4), (3,), (3, 2), (2,)]
    assert model.eval() is model and not model.linear.module.training  # the wrapped module too
    assert model.train().linear.module.training
    before = model.linear.module.weight.detach().clone()
    model.compile(optimizer=kfront.optimizers.SGD(LR), loss="mse")
    model.fit(X, Y, batch_size=BATCH, verbose=0)
    assert not torch.equal(model.linear.module.weight.detach(), before)
    np.testing.assert_array_equal(model.linear.module.weight.detach(),
                                  model.trainable_weights[0].numpy())


def test_zero_grad_and_train_eval(torch):
    model = kfront.Sequential([layers.Input((4,)), layers.Dense(3), layers.Dropout(0.5),
                               layers.Dense(2)])
    model(torch.from_numpy(X)).sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad(set_to_none=False)
    assert all(float(p.grad.abs().sum()) == 0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())
    assert model.training and all(m.training for m in model.modules())  # torch's default
    outer = torch.nn.Sequential(model)
    assert outer.eval() is outer and not any(m.training for m in outer.modules())
    assert model.train() is model and all(m.training for m in model.modules())
    # as in Keras, calls take ``training`` from their argument, not from the flag
    x = torch.from_numpy(X)
    np.testing.assert_array_equal(model(x).detach(), model.eval()(x).detach())
    np.testing.assert_array_equal(model.forward(x).detach(), model(x).detach())
    assert not np.allclose(model(x, training=True).detach(), model(x).detach())


def test_state_dict_loads_into_a_twin_and_torch_registries_are_views(torch):
    source, target = _Blocks(), _Blocks()
    for m in (source, target):
        m(np.ones((2, 4), "float32"))
    x = torch.from_numpy(X)
    with torch.no_grad():
        state = {k: v + 0.5 for k, v in source.state_dict().items()}
    assert target.load_state_dict(state) is not None
    np.testing.assert_allclose(target.norm.moving_mean.numpy(), state["norm.moving_mean"])
    source.load_state_dict(state)
    np.testing.assert_allclose(target(x).detach(), source(x).detach(), rtol=1e-6)
    result = target.load_state_dict({k: v for k, v in state.items() if k != "norm.beta"},
                                    strict=False)
    assert result.missing_keys == ["norm.beta"] and result.unexpected_keys == []
    with pytest.raises(RuntimeError, match="Unexpected key.*extra"):
        target.load_state_dict({**state, "extra": torch.ones(1)})
    with pytest.raises(RuntimeError, match="size mismatch for dense_in.kernel"):
        target.load_state_dict({**state, "dense_in.kernel": torch.ones(2, 2)})
    with pytest.raises(NotImplementedError, match="assign=True"):
        target.load_state_dict(state, assign=True)
    kernel = target.dense_in.kernel
    assert target.to("cpu") is target and target.dense_in.kernel is kernel
    assert dict(target.named_parameters())["dense_in.kernel"] is kernel.value
    with pytest.raises(TypeError, match="cannot register torch parameter or buffer 'extra'"):
        target.register_parameter("extra", torch.nn.Parameter(torch.ones(1)))
    with pytest.raises(TypeError, match="cannot register torch module 'lin'"):
        target.add_module("lin", torch.nn.Linear(2, 2))
    del target.dense_in  # a plain attribute: torch's registries do not hold it
    assert not hasattr(target, "dense_in")


def test_keras_files_pickling_and_cloning_still_work(torch, tmp_path):
    import keras
    model = _mlp()
    optimizer = torch.optim.SGD(model.parameters(), lr=LR)
    loss = torch.mean((model(torch.from_numpy(X)) - torch.from_numpy(Y)) ** 2)
    loss.backward()
    optimizer.step()
    # (a model that has run predict() does not pickle, on any backend: a cached lambda)
    twins = (pickle.loads(pickle.dumps(model)), copy.deepcopy(model),
             kfront.models.clone_model(model))
    expected = model.predict(X, verbose=0)
    path = tmp_path / "mlp.keras"
    model.save(path)
    loaded = kfront.models.load_model(path)
    assert isinstance(loaded, torch.nn.Module) and list(loaded.state_dict()) == list(
        model.state_dict())
    np.testing.assert_allclose(loaded.predict(X, verbose=0), expected, rtol=1e-6)
    theirs = keras.models.load_model(path)  # real Keras (TensorFlow backend in the tests)
    np.testing.assert_allclose(np.asarray(theirs.predict(X, verbose=0)), expected, rtol=1e-5,
                               atol=1e-6)
    assert kfront.saving.serialize_keras_object(model)["class_name"] == "Sequential"
    for twin in twins:
        assert isinstance(twin, torch.nn.Module) and type(twin) is type(model)
        assert list(twin.state_dict()) == list(model.state_dict())
        assert all(a is not b for a, b in zip(twin.parameters(), model.parameters()))
    for twin in twins[:2]:
        np.testing.assert_allclose(twin.predict(X, verbose=0), expected, rtol=1e-6)


def test_nothing_changes_on_the_other_backends(backend):
    if backend == "torch":
        pytest.skip("the other backends only")
    torch = pytest.importorskip("torch", reason="torch is not installed: nothing to compare")
    model = _mlp()
    assert not isinstance(model, torch.nn.Module)
    assert not isinstance(model.layers[0], torch.nn.Module)
    assert torch.nn.Module not in type(model).__mro__
    assert not hasattr(model, "parameters") and not hasattr(model, "state_dict")
    assert type(model).__name__ == "Sequential"
