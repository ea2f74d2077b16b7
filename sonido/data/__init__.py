"""Data: the embedded corpus renderer and loaders for the standard datasets.

Import what you need from the submodules (``sonido.data.corpus``,
``sonido.data.datasets``); this package imports nothing heavy itself.
"""
