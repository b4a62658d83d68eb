"""ModelParallel and DataParallel on several local JAX devices (one process, CPU devices forced
with XLA_FLAGS), compared with real Keras 3 on JAX and with training without distribution;
LayoutMap lookups and ModelParallel's errors on the other backends in this process."""
import json
import os
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest

from conformance.support import require
from kfront import distribution as dist
from distribution.test_multiprocess import ROOT

# One subprocess, 4 forced CPU devices, KFRONT_BACKEND=jax and KERAS_BACKEND=jax; it prints
# one JSON line of results that the tests below read.
SCRIPT = textwrap.dedent(r'''
    import json
    import numpy as np
    import keras
    import kfront
    from kfront import distribution as dist, layers

    out = {"devices": dist.list_devices(), "keras_devices": keras.distribution.list_devices()}
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 12)).astype("float32")
    y = rng.normal(size=(32, 4)).astype("float32")
    FIT = dict(batch_size=8, epochs=2, verbose=0, shuffle=False)

    def mlp(lib, seed=1):
        if lib is kfront:
            kfront.utils.set_random_seed(seed)
        m = lib.Sequential([lib.layers.Input((12,)), lib.layers.Dense(16, activation="relu"),
                            lib.layers.Dense(8, activation="relu"), lib.layers.Dense(4)])
        m.compile(optimizer="adam", loss="mse")
        return m

    def specs(variables):
        return [str(tuple(v.value.sharding.spec)) for v in variables]

    def weights(m):
        return [np.asarray(v.numpy() if hasattr(v, "numpy") else v) for v in m.get_weights()]

    ref = mlp(kfront)
    start = [w.copy() for w in ref.get_weights()]
    ref.fit(x, y, **FIT)
    ref_pred = ref.predict(x, batch_size=8, verbose=0)

    def max_diff(a, b):
        return max(float(np.abs(np.asarray(u) - np.asarray(v)).max()) for u, v in zip(a, b))

    # ModelParallel on a (2, 2) mesh: kernels and biases sharded on "model", batch on "batch"
    for name, lib in (("kfront", dist), ("keras", keras.distribution)):
        mesh = lib.DeviceMesh((2, 2), ["batch", "model"], devices=lib.list_devices())
        lm = lib.LayoutMap(mesh)
        lm[".*dense.*kernel"] = (None, "model")
        lm[".*dense.*bias"] = ("model",)
        lm["(.*/)?dense[^/]*/output"] = ("batch", "model")  # every Dense output relaid out
        mp = lib.ModelParallel(layout_map=lm, batch_dim_name="batch")
        with mp.scope():
            m = mlp(kfront if name == "kfront" else keras)
            m.set_weights(start)
            res = {"built": specs(m.variables)}
            m.fit(x, y, **FIT)
            res["trained"] = specs(m.variables)
            res["slots"] = specs(m.optimizer.variables)[-12:]
            res["weights"] = [w.tolist() for w in m.get_weights()]
            res["evaluate"] = float(m.evaluate(x, y, batch_size=8, verbose=0))
            res["predict"] = max_diff([m.predict(x, batch_size=8, verbose=0)], [ref_pred])
            res["output"] = str(tuple(m.layers[0](x[:8]).sharding.spec))
            if name == "kfront":
                kfront_mp = mp
                kernel = m.layers[0].kernel.value
                res["kernel_shards"] = sorted({tuple(s.data.shape)
                                               for s in kernel.addressable_shards})
                res["kernel_devices"] = len(kernel.sharding.device_set)
                batch = dist.distribute_data((x[:8], {"y": y[:8]}))
                res["batch"] = [str(tuple(batch[0].sharding.spec)),
                                sorted({tuple(s.data.shape)
                                        for s in batch[1]["y"].addressable_shards})]
                res["ref_diff"] = max_diff(m.get_weights(), ref.get_weights())
                try:
                    m.fit(x, y, batch_size=3, epochs=1, verbose=0)
                except ValueError as e:
                    res["batch_error"] = str(e)
                try:
                    layers.Dense(5).build((4,))
                except ValueError as e:
                    res["shape_error"] = str(e)
        out[name] = res
    out["keras_diff"] = max_diff(out["kfront"]["weights"], out["keras"]["weights"])
    out["ref_evaluate"] = float(ref.evaluate(x, y, batch_size=8, verbose=0))

    # a model built before the distribution was set, with BatchNormalization and an optimizer
    # that updates outside the compiled step (clipnorm), and a user's compiled train_step
    class Custom(kfront.Sequential):
        def train_step(self, data):
            x, y = data
            loss, grads = kfront.ops.value_and_grad(lambda _: self.compute_loss(
                y=y, y_pred=self(x, training=True)))(self.trainable_variables)
            self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
            return {"loss": loss}

    def other(cls, clip):
        kfront.utils.set_random_seed(2)
        m = cls([layers.Input((12,)), layers.Dense(16), layers.BatchNormalization(),
                 layers.Dense(4)])
        # (SGD: Adam would blow the rounding noise of the first bias's zero gradient, ahead
        # of BatchNormalization, up to a learning-rate-sized step)
        m.compile(optimizer=kfront.optimizers.SGD(0.1, clipnorm=clip), loss="mse")
        return m
    out["other"] = []
    for cls, clip in ((kfront.Sequential, 1.0), (Custom, None)):
        plain = other(cls, clip)
        plain.fit(x, y, **FIT)
        m = other(cls, clip) if cls is kfront.Sequential else None
        with kfront_mp.scope():
            m = m or other(cls, clip)
            m.fit(x, y, **FIT)
        out["other"].append([max_diff(m.get_weights(), plain.get_weights()),
                             specs(m.variables)])

    # DataParallel on 2 of the devices: variables replicated, each batch split in two
    dp = dist.DataParallel(devices=dist.list_devices()[:2])
    with dp.scope():
        m = mlp(kfront)
        m.set_weights(start)
        m.fit(x, y, **FIT)
        out["dp"] = {"specs": specs(m.variables + m.optimizer.variables[-2:]),
                     "devices": len(m.layers[0].kernel.value.sharding.device_set),
                     "diff": max_diff(m.get_weights(), ref.get_weights()),
                     "batch": str(tuple(dist.distribute_data(x).sharding.spec))}

    # distribute_tensor eagerly and inside jax.jit
    import jax
    mesh = dist.DeviceMesh((2, 2), ["batch", "model"])
    layout = dist.TensorLayout([None, "model"], mesh)
    t = dist.distribute_tensor(np.ones((4, 6), "float32"), layout)
    inner = jax.jit(lambda a: dist.distribute_tensor(a * 2, layout))(np.ones((4, 6), "float32"))
    out["distribute_tensor"] = [str(tuple(t.sharding.spec)), str(tuple(inner.sharding.spec)),
                                float(inner.sum())]
    out["mesh_type"] = type(mesh.backend_mesh).__name__
    out["layout_type"] = type(layout.backend_layout).__name__

    # bad configurations
    errors = {}
    for key, bad in {
        "mesh": lambda: dist.DeviceMesh((3,), ["batch"]),
        "batch_dim": lambda: dist.ModelParallel(layout_map=dist.LayoutMap(mesh),
                                                batch_dim_name="data"),
        "keyword": lambda: dist.ModelParallel(layout_map=dist.LayoutMap(mesh), mesh=mesh),
    }.items():
        try:
            bad()
        except (ValueError, TypeError) as e:
            errors[key] = f"{type(e).__name__}: {e}"

    def _two_keys():
        lm = dist.LayoutMap(mesh)
        lm[".*kernel"] = (None, "model")
        lm["dense.*"] = ("model", None)
        with dist.ModelParallel(layout_map=lm).scope():
            layers.Dense(2).build((4,))
    try:
        _two_keys()
    except ValueError as e:
        errors["two_keys"] = str(e)
    out["errors"] = errors
    print("RESULT " + json.dumps(out))
''')


@pytest.fixture(scope="module")
def run() -> dict:
    require("jax")
    env = {**os.environ, "KFRONT_BACKEND": "jax", "KERAS_BACKEND": "jax",
           "XLA_FLAGS": "--xla_force_host_platform_device_count=4", "PYTHONPATH": str(ROOT),
           "TF_CPP_MIN_LOG_LEVEL": "3"}
    proc = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True,
                          text=True, timeout=600)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    assert proc.returncode == 0 and lines, proc.stderr[-4000:]
    return json.loads(lines[-1][len("RESULT "):])


def test_model_parallel_shards_and_trains_as_keras(run):
    assert run["devices"] == run["keras_devices"] == ["cpu:0", "cpu:1", "cpu:2", "cpu:3"]
    ours, theirs = run["kfront"], run["keras"]
    sharded = ["(None, 'model')", "('model',)"] * 3
    assert ours["built"] == theirs["built"] == sharded  # laid out when the layer is built
    assert ours["trained"] == theirs["trained"] == sharded  # kept by the compiled step
    # Adam's momentum and velocity take their variable's layout, as in Keras
    assert ours["slots"] == theirs["slots"] == [s for s in sharded for _ in (0, 1)]
    assert ours["kernel_devices"] == 4 and ours["kernel_shards"] == [[12, 8]]
    assert ours["batch"] == ["('batch', None)", [[4, 4]]]
    assert run["keras_diff"] < 1e-5 and ours["ref_diff"] < 1e-5
    assert abs(ours["evaluate"] - run["ref_evaluate"]) < 1e-5
    assert abs(ours["evaluate"] - theirs["evaluate"]) < 1e-5
    assert ours["predict"] < 1e-5 and theirs["predict"] < 1e-5
    assert ours["output"] == theirs["output"] == "('batch', 'model')"  # get_tensor_layout
    assert "ModelParallel: the batch size 3 does not divide across the 2 devices of the " \
           "mesh's 'batch' axis" in ours["batch_error"]
    assert "(size 5) does not divide across the 2 devices of mesh axis 'model'" in \
           ours["shape_error"]
    layouts = ["(None, 'model')", "('model',)"] + ["(None,)"] * 4 + ["(None, 'model')",
                                                                    "('model',)"]
    for diff, got in run["other"]:  # built outside the scope / BatchNorm, clipnorm / custom
        assert diff < 1e-5 and got == layouts


def test_data_parallel_and_distribute_tensor_on_local_devices(run):
    dp = run["dp"]
    assert dp["specs"] == ["(None, None)", "(None,)"] * 3 + ["(None,)"] * 2  # slots too
    assert dp["devices"] == 2
    assert dp["diff"] < 1e-5 and dp["batch"] == "('batch', None)"
    assert run["distribute_tensor"] == ["(None, 'model')", "(None, 'model')", 48.0]
    assert (run["mesh_type"], run["layout_type"]) == ("Mesh", "NamedSharding")


def test_bad_configurations_name_both_numbers_and_keys(run):
    errors = run["errors"]
    assert "holds 3 devices but 4 devices" in errors["mesh"]
    assert "matches several keys ['.*kernel', 'dense.*']" in errors["two_keys"]
    assert "`batch_dim_name` 'data' is not one of the mesh's axis_names" in errors["batch_dim"]
    assert errors["keyword"].startswith("TypeError: ModelParallel: unexpected keyword") and \
        "'mesh'" in errors["keyword"]


def test_layout_map_lookup_as_keras():
    """Exact key first, then the one key whose regex matches the whole path (Keras 3.15)."""
    results = []
    for lib in (dist, keras.distribution):
        mesh = lib.DeviceMesh((1,), ["model"], devices=["cpu:0"])
        lm = lib.LayoutMap(mesh)
        lm["dense/kernel"] = ("model", None)
        lm[".*dense.*kernel"] = (None, "model")
        lm["dense"] = ("model",)
        got = [None if lm[p] is None else tuple(lm[p].axes)
               for p in ("dense/kernel", "seq/dense_1/kernel", "dense_1/bias", "dense",
                         "my_dense")]
        lm[".*kernel"] = ("model", None)
        with pytest.raises(ValueError, match="dense.*kernel"):
            lm["dense_1/kernel"]
        results.append(got)
    assert results[0] == results[1] == [("model", None), (None, "model"), None, ("model",), None]


def test_model_parallel_is_jax_only(backend):
    mesh = dist.DeviceMesh((1, 1), ["batch", "model"], devices=["cpu:0"])
    lm = dist.LayoutMap(mesh)
    lm[".*kernel"] = (None, "model")
    if backend != "jax":
        with pytest.raises(NotImplementedError, match=f"JAX backend only.*'{backend}'"):
            dist.ModelParallel(layout_map=lm)
        with pytest.raises(NotImplementedError, match=f"backend_layout.*'{backend}'"):
            dist.TensorLayout([None, "model"], mesh).backend_layout
        x = np.ones((2, 3))
        assert dist.distribute_tensor(x, dist.TensorLayout([None, "model"], mesh)) is x
        return
    import kfront
    mp = dist.ModelParallel(layout_map=lm, device_mesh=mesh)  # Keras's deprecated keyword
    assert mp.batch_dim_name == "batch" and mp.num_model_replicas == 1
    with mp.scope():
        layer = kfront.layers.Dense(2)
        layer.build((3,))
    # (on one device the value stays where it is: its sharding is already equivalent)
    assert layer.kernel._layout.axes == (None, "model") and layer.bias._layout.axes == (None,)
    assert layer.kernel.value.sharding.is_equivalent_to(layer.kernel._layout.backend_layout, 2)
