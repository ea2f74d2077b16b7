"""Sparse-Transformer priors over the codec's tokens (work in progress: attention first)."""
