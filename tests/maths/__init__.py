"""Tests of the maths layer."""
