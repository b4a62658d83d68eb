"""SwapEMAWeights (against Keras's, on every backend) and RemoteMonitor (a local HTTP server)."""
from __future__ import annotations

import http.server
import json
import threading
import urllib.parse
import warnings

import numpy as np
import pytest

import kfront
from conformance.support import backend  # noqa: F401  (pytest fixture)
from kfront import callbacks, layers

X = np.random.default_rng(1).normal(size=(8, 3)).astype("float32")
Y = X @ np.array([[0.5], [-1.0], [2.0]], "float32")
INIT = [np.random.default_rng(2).normal(size=(3, 1)).astype("float32"), np.zeros(1, "float32")]


def _fit(lib, swap):
    model = lib.Sequential([lib.Input((3,)), lib.layers.Dense(1)])
    model.set_weights(INIT)
    model.compile(optimizer=lib.optimizers.SGD(0.1, use_ema=True, ema_momentum=0.5), loss="mse")
    model.fit(X, Y, batch_size=4, epochs=2, shuffle=False, verbose=0, callbacks=[swap])
    return model


@pytest.fixture(scope="module")
def keras_ema_weights(keras):
    model = _fit(keras, keras.callbacks.SwapEMAWeights(swap_on_epoch=True))
    return [np.asarray(w) for w in model.get_weights()]


def test_swap_ema_weights_matches_keras(backend, keras_ema_weights):
    swap = callbacks.SwapEMAWeights(swap_on_epoch=True)
    model = _fit(kfront, swap)
    for ours, theirs in zip(model.get_weights(), keras_ema_weights):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)
    # the evaluate/predict hooks swap the raw weights out and back
    averages = model.optimizer._model_variables_moving_average
    swap._ema_weights_in_model = False
    before = model.get_weights()
    averaged = [np.asarray(kfront.ops.convert_to_numpy(a)) for a in averages]
    swap.on_test_begin()
    for ours, average in zip(model.get_weights(), averaged):
        np.testing.assert_array_equal(ours, average)
    swap.on_test_end()
    for ours, raw in zip(model.get_weights(), before):
        np.testing.assert_array_equal(ours, raw)


def test_swap_ema_weights_needs_use_ema():
    model = kfront.Sequential([kfront.Input((3,)), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match="SwapEMAWeights must be used when `use_ema=True`"):
        model.fit(X, Y, epochs=1, verbose=0, callbacks=[callbacks.SwapEMAWeights(True)])


@pytest.fixture()
def server():
    """A local HTTP server recording each POST: (path, headers, body)."""
    received = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802  (http.server's name)
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((self.path, dict(self.headers), body.decode()))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    httpd = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", received
    httpd.shutdown()
    httpd.server_close()


def test_remote_monitor_posts_each_epoch(server):
    root, received = server
    form = callbacks.RemoteMonitor(root=root, headers={"X-Run": "7"})
    as_json = callbacks.RemoteMonitor(root=root, path="/json/", send_as_json=True)
    model = kfront.Sequential([kfront.Input((3,)), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    history = model.fit(X, Y, epochs=2, verbose=0, callbacks=[form, as_json])
    assert [r[0] for r in received] == ["/publish/epoch/end/", "/json/"] * 2
    for epoch in range(2):
        (_, headers, form_body), (_, json_headers, json_body) = received[2 * epoch:2 * epoch + 2]
        assert headers["X-Run"] == "7"
        assert headers["Content-Type"] == "application/x-www-form-urlencoded"
        sent = json.loads(urllib.parse.parse_qs(form_body)["data"][0])
        assert sent == {"epoch": epoch, "loss": pytest.approx(history.history["loss"][epoch])}
        assert json_headers["Content-Type"] == "application/json"
        assert json.loads(json_body) == sent


def test_remote_monitor_warns_when_unreachable(server):
    root, _ = server
    monitor = callbacks.RemoteMonitor(root=root.rsplit(":", 1)[0] + ":9")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        monitor.on_epoch_end(0, {"loss": np.float32(0.25)})
    assert any("Could not reach RemoteMonitor root server at http://127.0.0.1:9" in str(w.message)
               for w in caught)
