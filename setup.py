"""C fast paths, both optional: without a C compiler the install succeeds, the JCAMP-DX page parser
and numpy binning do the same work (same values, slower). Everything else is in pyproject.toml."""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension("gcmsflow.io._jcamp_pages", ["workflow/gcmsflow/io/_jcamp_pages.c"], optional=True),
        Extension("gcmsflow.io._unit_mass", ["workflow/gcmsflow/io/_unit_mass.c"], optional=True),
    ]
)
