"""Tests of kfront.utils, kfront.visualization and kfront.wrappers against Keras 3."""
