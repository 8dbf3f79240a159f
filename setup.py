from setuptools import setup

setup(cffi_modules=["featgraph/native/build.py:ffibuilder"])
