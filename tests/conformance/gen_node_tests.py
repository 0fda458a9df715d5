#!/usr/bin/env python3
"""Writes the ONNX backend node conformance cases (node/<case>/model.onnx and
test_data_set_*/{input,output}_*.pb) that ship inside Debian's python3-onnx (1.12) into OUTDIR.
Run by tests/converter/conformance_test.cpp at test time: nothing is stored in the repository.
Usage: /usr/bin/python3 tests/conformance/gen_node_tests.py OUTDIR
"""
import argparse
import sys

import numpy as np

# onnx 1.12's case generators still use np.float & co., which numpy >= 1.24 removed.
for name, value in (('float', float), ('int', int), ('bool', bool), ('object', object)):
    if name not in np.__dict__:
        setattr(np, name, value)

from onnx.backend.test.cmd_tools import generate_data  # noqa: E402

if len(sys.argv) != 2:
    sys.exit(__doc__)
generate_data(argparse.Namespace(output=sys.argv[1], op_type=None))
