"""Two TensorFlow processes (MultiWorkerMirroredStrategy's collectives, launched through
Keras's ``KERAS_DISTRIBUTION_*`` variables) train an Embedding model with Adam under
``DataParallel`` and end with the weights of one process trained on the whole batch: each
process's Embedding gradient (``tf.IndexedSlices``) is gathered across them, not densified, so
that Adam's second moments see every lookup's slice as in one process."""
import os
import subprocess
import sys
import textwrap

import numpy as np

from distribution.test_multiprocess import ROOT, _finish
from distribution.test_multiprocess_jax_tf import _two_free_ports

_SCRIPT = """
    import os, sys
    import numpy as np
    import kfront
    from kfront import distribution, layers
    if "KERAS_DISTRIBUTION_NUM_PROCESSES" in os.environ:
        distribution.initialize()
        distribution.set_distribution(distribution.DataParallel())
    model = kfront.Sequential([layers.Input((5,), dtype="int32"), layers.Embedding(6, 4),
                               layers.Flatten(), layers.Dense(1)])
    rng = np.random.default_rng(0)
    model.set_weights([rng.normal(0, 0.3, w.shape).astype("float32")
                       for w in model.get_weights()])
    model.compile(kfront.optimizers.Adam(0.05), "mse")
    x = rng.integers(0, 6, (32, 5)).astype("int32")  # few tokens: rows repeat in every batch
    y = rng.random((32, 1)).astype("float32")
    model.fit(x, y, batch_size=16, epochs=3, verbose=0, shuffle=False)
    if os.environ.get("KERAS_DISTRIBUTION_PROCESS_ID", "0") == "0":
        np.savez(sys.argv[1], *model.get_weights())
"""


def _launch(script, out, world: int, port: int = 0) -> list:
    procs = []
    for rank in range(max(world, 1)):
        env = {**os.environ, "KFRONT_BACKEND": "tensorflow", "PYTHONPATH": str(ROOT),
               "KFRONT_DISTRIBUTION_TIMEOUT": "60", "TF_CPP_MIN_LOG_LEVEL": "2"}
        for var in ("TF_CONFIG", "KERAS_DISTRIBUTION_JOB_ADDRESSES",
                    "KERAS_DISTRIBUTION_NUM_PROCESSES", "KERAS_DISTRIBUTION_PROCESS_ID"):
            env.pop(var, None)
        if world:
            env.update(KERAS_DISTRIBUTION_JOB_ADDRESSES=f"127.0.0.1:{port}",
                       KERAS_DISTRIBUTION_NUM_PROCESSES=str(world),
                       KERAS_DISTRIBUTION_PROCESS_ID=str(rank))
        procs.append(subprocess.Popen([sys.executable, str(script), str(out)], env=env,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                      text=True))
    return procs


def one_and_two_processes(source: str, tmp_path) -> tuple:
    """What the script ``source`` saved (``np.savez`` to its first argument) run as one
    process and as two (process 0's file)."""
    script = tmp_path / "script.py"
    script.write_text(textwrap.dedent(source))
    procs = _launch(script, tmp_path / "one.npz", 0) + _launch(
        script, tmp_path / "two.npz", 2, port=_two_free_ports())
    for code, out, err in _finish(procs):
        assert code == 0, f"{out}\n{err[-3000:]}"
    return np.load(tmp_path / "one.npz"), np.load(tmp_path / "two.npz")


def test_embedding_adam_two_processes_match_one(tmp_path):
    """Densified, the two processes ended 0.196 off the one-process Embedding table (SGD,
    linear in the gradient, matched either way); gathered, they match."""
    one, two = one_and_two_processes(_SCRIPT, tmp_path)
    assert len(one.files) == len(two.files) == 3
    for k in one.files:
        np.testing.assert_allclose(two[k], one[k], rtol=0, atol=1e-5)
