"""The compiled kernels of detection (service/detect/_kernels.c), built with the machine's C compiler by
`pip install .`. `optional=True`: where no compiler (or no Python headers) is found, the build goes on
without them and the service runs its pure-Python reference instead (service/detect/kernels.py), which
gives the same answers. Everything else about the package is in pyproject.toml."""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "service.detect._kernels",
            ["service/detect/_kernels.c"],
            extra_compile_args=["-O2"],
            optional=True,
        )
    ]
)
