"""Tests of bench/: the harness every benchmark measures with, and the scripts' form."""
