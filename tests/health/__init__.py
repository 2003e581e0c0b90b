"""Tests of the health layer."""
