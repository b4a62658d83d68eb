"""Keras 3 constructor arguments that are new in kfront: Input / InputSpec flags, pooling
``name``, ``concatenate(axis)``, explicit convolution / cell arguments."""
import numpy as np
import pytest

from kfront import layers


def test_input_flags_not_supported_raise_and_inputspec_max_ndim():
    for flags in ({"sparse": True}, {"ragged": True}, {"optional": True}):
        with pytest.raises(NotImplementedError, match=f"{next(iter(flags))}=True"):
            layers.Input(shape=(3,), **flags)
    with pytest.raises(NotImplementedError, match="input_tensor"):
        layers.Input(tensor=layers.Input(shape=(3,)))
    assert layers.Input(shape=(3,), sparse=False, ragged=False).shape == (None, 3)
    dense = layers.Dense(2)
    assert dense(np.ones((1, 4, 3), "float32")).shape == (1, 4, 2)
    dense.input_spec = layers.InputSpec(max_ndim=2)  # after build, which sets its own
    assert dense(np.ones((4, 3), "float32")).shape == (4, 2)
    with pytest.raises(ValueError, match="expected max_ndim=2, found ndim=3"):
        dense(np.ones((1, 4, 3), "float32"))


def test_explicit_constructor_arguments_reach_the_layer():
    pool = layers.MaxPooling2D((2, 2), None, "valid", None, "pool")
    assert pool.name == "pool" and layers.AveragePooling3D(2, name="p3").name == "p3"
    x = [np.ones((2, 3), "float32"), np.ones((2, 1), "float32")]
    assert layers.concatenate(x, 1).shape == (2, 4)
    conv = layers.Conv3DTranspose(2, 3, 2, "same", "channels_last", 1, 1, "relu", False)
    assert (conv.output_padding, conv.use_bias, conv.get_config()["activation"]) == \
        ((1, 1, 1), False, "relu")
    cell = layers.GRUCell(3, "relu", "tanh", False, reset_after=False, seed=4)
    assert (cell.get_config()["activation"], cell.use_bias, cell.reset_after, cell.seed) == \
        ("relu", False, False, 4)
    lstm = layers.ConvLSTM1D(2, 3, 1, "same", None, 1, "relu", return_sequences=True)
    assert lstm(np.ones((1, 4, 5, 2), "float32")).shape == (1, 4, 5, 2)
    with pytest.raises(TypeError):
        layers.SpatialDropout1D(0.5, trainable=False)  # as Keras: no **kwargs


def test_gptq_arguments_not_supported_raise():  # LoRA: tests/layers/test_lora.py
    with pytest.raises(NotImplementedError, match="gptq"):
        layers.EinsumDense("ab,bc->ac", 2, gptq_unpacked_column_size=4)
    assert layers.Dense(2, lora_alpha=3.0).lora_alpha == 3.0
