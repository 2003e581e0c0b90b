"""Tests of the docker layer."""
