"""bench.stage_cpu wraps functions by name: a renamed or moved one must fail here, not mid-run."""

import inspect

import pytest

from bench.stage_cpu import STAGES, stage_function


@pytest.mark.parametrize(("module_name", "attribute", "label"), STAGES, ids=[s[2] for s in STAGES])
def test_every_stage_names_a_function(module_name, attribute, label):
    _, _, _, function = stage_function(module_name, attribute)
    assert inspect.isfunction(function), f"{module_name}.{attribute} is {type(function).__name__}"
