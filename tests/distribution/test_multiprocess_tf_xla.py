"""Two TensorFlow processes under ``DataParallel`` (launched through Keras's
``KERAS_DISTRIBUTION_*`` variables) train a recurrent model with ``jit_compile="auto"``: the
step runs in a ``tf.function`` without XLA, whose CPU compiler has no collectives (kfront chose
XLA for recurrent models on TensorFlow, and every such multi-process fit failed with "Only
compiling NCCL/auto collective is supported, got: ring"), and ends with the weights of one
process trained on the whole batch; ``jit_compile=True`` then raises a ValueError naming the
processes, as it does over a ``MirroredStrategy``'s replicas."""

import numpy as np

from distribution.test_multiprocess_tf_sparse import one_and_two_processes

_SCRIPT = """
    import os, sys
    import numpy as np
    import kfront
    from kfront import distribution, layers
    two = "KERAS_DISTRIBUTION_NUM_PROCESSES" in os.environ
    if two:
        distribution.initialize()
        distribution.set_distribution(distribution.DataParallel())
    model = kfront.Sequential([layers.Input((3, 2)), layers.LSTM(4), layers.Dense(1)])
    rng = np.random.default_rng(0)
    model.set_weights([rng.normal(0, 0.3, w.shape).astype("float32")
                       for w in model.get_weights()])
    model.compile(kfront.optimizers.SGD(0.1), "mse")
    x = rng.random((32, 3, 2)).astype("float32")
    y = rng.random((32, 1)).astype("float32")
    model.fit(x, y, batch_size=16, epochs=2, verbose=0, shuffle=False)
    weights = model.get_weights()
    message = ""
    if two:
        model.compile(kfront.optimizers.SGD(0.1), "mse", jit_compile=True)
        try:
            model.fit(x, y, batch_size=16, epochs=1, verbose=0)
        except ValueError as e:
            message = str(e)
    if os.environ.get("KERAS_DISTRIBUTION_PROCESS_ID", "0") == "0":
        np.savez(sys.argv[1], *weights, message=message)
"""


def test_recurrent_auto_jit_trains_on_two_processes_and_true_raises(tmp_path):
    one, two = one_and_two_processes(_SCRIPT, tmp_path)
    message = str(two["message"])
    assert "jit_compile=True" in message and "2 processes" in message, message
    weights = [k for k in one.files if k != "message"]
    assert len(weights) == 5
    for k in weights:
        np.testing.assert_allclose(two[k], one[k], rtol=0, atol=1e-5)
