"""Tests of the authoring layer."""
