"""bench.stage_cpu wraps functions by name: a renamed or moved one must fail here, not mid-run."""

import inspect

import pytest

from bench.stage_cpu import STAGES, owner_and_name


@pytest.mark.parametrize(("module_name", "attribute", "label"), STAGES, ids=[s[2] for s in STAGES])
def test_every_stage_names_a_function(module_name, attribute, label):
    owner, name = owner_and_name(module_name, attribute)
    found = inspect.getattr_static(owner, name)
    function = found.__func__ if isinstance(found, staticmethod | classmethod) else found
    assert inspect.isfunction(function), f"{module_name}.{attribute} is {type(found).__name__}"
