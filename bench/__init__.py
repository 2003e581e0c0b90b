"""Benchmarks: run each as a module from the checkout's root, e.g. ``python -m bench.batch``
(see bench/harness.py for how every figure is taken)."""
