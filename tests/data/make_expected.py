#!/usr/bin/env python3
"""Makes the expected outputs the op and model tests compare with, once, with ONNX Runtime.

Run from the repository root with Debian's python (numpy, onnx) and node (ONNX Runtime in
perf/ort/node_modules):   /usr/bin/python3 tests/data/make_expected.py
Writes:
  tests/data/ops/<case>.onnx, <case>.input.npy, <case>.expected.npy   single-op models (tiny)
  tests/data/models/<case>.txt   a summary of a real model's output (../shared/models): shape,
                                 every stride-th value, max |y|, mean, argmax of the last axis
Inputs are made by formulas (or cut from ../shared/data/ocr) that the C++ tests
(tests/converter/model_inputs.h) reproduces exactly; keep the two in step.
"""
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, 'tests', 'data')
SHARED = os.path.join(ROOT, '..', 'shared')
RUN_ORT = os.path.join(ROOT, 'perf', 'ort', 'run_ort.js')


def ramp(shape, mul=37, add=11, mod=101, scale=50.0, offset=1.0):
    """x[i] = ((i * mul + add) % mod) / scale - offset, in float32: exact in any language."""
    i = np.arange(int(np.prod(shape)), dtype=np.int64)
    return (((i * mul + add) % mod).astype(np.float32) / np.float32(scale) - np.float32(offset)).reshape(shape)


def ids(shape, vocab=8000):
    i = np.arange(int(np.prod(shape)), dtype=np.int64)
    return ((i * 7919 + 13) % vocab).reshape(shape)


def run_ort(model_path, x, optimize='disabled'):
    """ONNX Runtime's output for x. By default the graph runs as written: ORT's own fusions
    (Conv+BatchNorm, ...) change float rounding by up to 1e-4 of max |y| on PP-OCRv4 det
    (perf/parity/fp32_parity.py), as much as the tolerance the tests check."""
    with tempfile.TemporaryDirectory() as d:
        np.save(os.path.join(d, 'x.npy'), x)
        subprocess.run(['node', RUN_ORT, '--model', model_path, '--input', os.path.join(d, 'x.npy'), '--output',
                        os.path.join(d, 'y.npy'), '--warmup', '0', '--repeat', '1', '--optimize', optimize], check=True, stdout=subprocess.DEVNULL)
        return np.load(os.path.join(d, 'y.npy'))


# ---------------------------------------------------------------- single-op cases

def model(nodes, x_shape, inits=(), opset=13, x_type=TensorProto.FLOAT, out='y', sym=None):
    dims = [sym[i] if sym and sym[i] else d for i, d in enumerate(x_shape)] if sym else x_shape
    g = helper.make_graph(nodes, 'op_case', [helper.make_tensor_value_info('x', x_type, dims)],
                          [helper.make_tensor_value_info(out, TensorProto.FLOAT, None)],
                          [numpy_helper.from_array(np.asarray(v), k) for k, v in inits])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid('', opset)], ir_version=7)
    # The output's shape comes from ONNX shape inference (symbolic dims stay symbolic).
    inferred = onnx.shape_inference.infer_shapes(m)
    m.graph.output[0].CopyFrom([v for v in inferred.graph.output if v.name == out][0])
    if not m.graph.output[0].type.tensor_type.HasField('shape'):
        m.graph.output[0].type.tensor_type.shape.SetInParent()
    onnx.checker.check_model(m)
    return m


N = helper.make_node
I64 = lambda v: np.array(v, dtype=np.int64)
F32 = lambda v: np.array(v, dtype=np.float32)


def op_cases():
    c = {}
    c['binary_broadcast'] = (model([N('Mul', ['x', 'a'], ['t0']), N('Div', ['t0', 'b'], ['t1']),
                                    N('Sub', ['c', 't1'], ['t2']), N('Pow', ['t2', 'two'], ['y'])], [2, 3, 4],
                                   [('a', F32([[1.5], [-2.0], [0.25]])), ('b', F32([1, 2, 4, -8])), ('c', F32(0.5)),
                                    ('two', F32(2.0))]), ramp([2, 3, 4]))
    c['unary_chain'] = (model([N('Erf', ['x'], ['t0']), N('Sigmoid', ['t0'], ['t1']),
                               N('HardSigmoid', ['t1'], ['t2'], alpha=0.7, beta=0.1), N('Tanh', ['t2'], ['t3']),
                               N('Neg', ['t3'], ['t4']), N('Abs', ['t4'], ['t5']), N('Add', ['t5', 'one'], ['t6']),
                               N('Log', ['t6'], ['t7']), N('Exp', ['t7'], ['t8']), N('Reciprocal', ['t8'], ['t9']),
                               N('Sqrt', ['t9'], ['y'])], [3, 5], [('one', F32(1.0))]), ramp([3, 5], scale=20.0, offset=2.5))
    c['softmax_opset11_axis1'] = (model([N('Softmax', ['x'], ['y'], axis=1)], [2, 3, 4], opset=11), ramp([2, 3, 4]))
    c['softmax_opset13_axis1'] = (model([N('Softmax', ['x'], ['y'], axis=1)], [2, 3, 4]), ramp([2, 3, 4]))
    c['reducemean_axes_0_2'] = (model([N('ReduceMean', ['x'], ['y'], axes=[0, -1], keepdims=0)], [2, 3, 4]), ramp([2, 3, 4]))
    c['matmul_batch_broadcast'] = (model([N('MatMul', ['x', 'w'], ['y'])], [2, 1, 3, 4], [('w', ramp([3, 4, 5], mul=13))]),
                                   ramp([2, 1, 3, 4]))
    c['matmul_vector'] = (model([N('MatMul', ['x', 'w'], ['y'])], [4], [('w', ramp([2, 4, 3], mul=17))]), ramp([4]))
    c['transpose_perm'] = (model([N('Transpose', ['x'], ['y'], perm=[2, 0, 3, 1])], [2, 3, 4, 5]), ramp([2, 3, 4, 5]))
    # Shape -> Gather -> Unsqueeze -> Concat -> Reshape with symbolic input dims: plan-time values.
    c['reshape_shape_subgraph'] = (model([N('Shape', ['x'], ['s']), N('Gather', ['s', 'i0'], ['n']),
                                          N('Unsqueeze', ['n', 'ax0'], ['n1']), N('Concat', ['n1', 'm1'], ['shape'], axis=0),
                                          N('Reshape', ['x', 'shape'], ['y'])], [2, 3, 4],
                                         [('i0', I64(0)), ('ax0', I64([0])), ('m1', I64([-1]))], sym=['N', 'C', 'W']),
                                   ramp([2, 3, 4]))
    c['reshape_zero_and_infer'] = (model([N('Reshape', ['x', 's'], ['y'])], [2, 3, 4], [('s', I64([0, -1, 2]))]), ramp([2, 3, 4]))
    c['slice_opset9_attrs'] = (model([N('Slice', ['x'], ['y'], starts=[1, -4], ends=[3, 1000], axes=[0, 1])], [4, 6], opset=9),
                               ramp([4, 6]))
    c['slice_negative_step'] = (model([N('Slice', ['x', 'st', 'en', 'ax', 'sp'], ['y'])], [3, 7],
                                      [('st', I64([-1, 5])), ('en', I64([-1000, 0])), ('ax', I64([1, 0])), ('sp', I64([-2, -1]))]),
                                ramp([3, 7]))
    c['squeeze_unsqueeze_opset11'] = (model([N('Squeeze', ['x'], ['t'], axes=[0, -2]), N('Unsqueeze', ['t'], ['y'], axes=[-1, 0])],
                                            [1, 3, 1, 4], opset=11), ramp([1, 3, 1, 4]))
    c['squeeze_unsqueeze_opset13'] = (model([N('Squeeze', ['x', 'a'], ['t']), N('Unsqueeze', ['t', 'b'], ['y'])], [1, 3, 1, 4],
                                            [('a', I64([0, -2])), ('b', I64([1, 3]))]), ramp([1, 3, 1, 4]))
    c['concat_negative_axis'] = (model([N('Concat', ['x', 'c', 'x'], ['y'], axis=-2)], [2, 3, 4], [('c', ramp([2, 1, 4], mul=7))]),
                                 ramp([2, 3, 4]))
    c['gather_negative_indices'] = (model([N('Gather', ['x', 'i'], ['y'], axis=1)], [3, 4, 5], [('i', I64([[0, -1], [2, 1]]))]),
                                    ramp([3, 4, 5]))
    c['gather_embedding_int64_input'] = (model([N('Gather', ['e', 'x'], ['y'])], [2, 3], [('e', ramp([10, 4], mul=29))],
                                               x_type=TensorProto.INT64), (np.arange(6, dtype=np.int64).reshape(2, 3) * 7) % 10)
    c['cast_truncates'] = (model([N('Cast', ['x'], ['t'], to=TensorProto.INT64), N('Cast', ['t'], ['y'], to=TensorProto.FLOAT)],
                                 [2, 5]), ramp([2, 5], scale=4.0, offset=12.0))
    c['constant_of_shape_range'] = (model([N('Shape', ['x'], ['s']), N('ConstantOfShape', ['s'], ['k'],
                                                                       value=numpy_helper.from_array(F32([1.5]))),
                                           N('Gather', ['s', 'i1'], ['w']), N('Range', ['zero', 'w', 'one'], ['r']),
                                           N('Cast', ['r'], ['rf'], to=TensorProto.FLOAT), N('Add', ['x', 'k'], ['t']),
                                           N('Add', ['t', 'rf'], ['y'])], [2, 5],
                                          [('i1', I64(1)), ('zero', I64(0)), ('one', I64(1))], sym=['N', 'W']), ramp([2, 5]))
    c['conv_transpose_stride2_outpad'] = (model([N('ConvTranspose', ['x', 'w', 'b'], ['y'], strides=[2, 2], pads=[1, 0, 1, 0],
                                                   output_padding=[1, 1])], [1, 2, 4, 5],
                                                [('w', ramp([2, 3, 3, 3], mul=13)), ('b', F32([0.5, -1, 2]))]), ramp([1, 2, 4, 5]))
    c['conv_transpose_group_dilation'] = (model([N('ConvTranspose', ['x', 'w'], ['y'], group=2, dilations=[2, 1],
                                                   strides=[1, 2])], [1, 4, 3, 3], [('w', ramp([4, 1, 2, 3], mul=19))]),
                                          ramp([1, 4, 3, 3]))
    c['resize_nearest_asymmetric_floor'] = (model([N('Resize', ['x', 'roi', 'sc'], ['y'], mode='nearest',
                                                     coordinate_transformation_mode='asymmetric', nearest_mode='floor')],
                                                  [1, 2, 3, 4], [('roi', F32([])), ('sc', F32([1, 1, 2, 2]))], opset=11),
                                            ramp([1, 2, 3, 4]))
    c['resize_nearest_half_pixel_down'] = (model([N('Resize', ['x', 'roi', 'sc'], ['y'], mode='nearest')], [1, 1, 5, 7],
                                                 [('roi', F32([])), ('sc', F32([1, 1, 0.6, 0.5]))], opset=13), ramp([1, 1, 5, 7]))
    c['resize_linear_sizes'] = (model([N('Resize', ['x', 'roi', 'sc', 'sz'], ['y'], mode='linear')], [1, 2, 3, 4],
                                      [('roi', F32([])), ('sc', F32([])), ('sz', I64([1, 2, 5, 7]))], opset=13), ramp([1, 2, 3, 4]))
    c['resize_linear_align_corners'] = (model([N('Resize', ['x', 'roi', 'sc'], ['y'], mode='linear',
                                                 coordinate_transformation_mode='align_corners')], [1, 1, 3, 4],
                                              [('roi', F32([])), ('sc', F32([1, 1, 2, 1.5]))], opset=11), ramp([1, 1, 3, 4]))
    c['upsample_opset9'] = (model([N('Upsample', ['x', 'sc'], ['y'], mode='nearest')], [1, 2, 2, 3],
                                  [('sc', F32([1, 1, 2, 3]))], opset=9), ramp([1, 2, 2, 3]))
    c['avgpool_exclude_pad'] = (model([N('AveragePool', ['x'], ['y'], kernel_shape=[3, 2], strides=[2, 2], pads=[1, 1, 1, 0])],
                                      [1, 2, 5, 5]), ramp([1, 2, 5, 5]))
    c['avgpool_include_pad'] = (model([N('AveragePool', ['x'], ['y'], kernel_shape=[3, 3], pads=[1, 1, 1, 1],
                                         count_include_pad=1)], [1, 2, 4, 4]), ramp([1, 2, 4, 4]))
    h, i = 3, 4
    lstm_inits = [('W', ramp([2, 4 * h, i], mul=7, scale=150.0, offset=0.3)),
                  ('R', ramp([2, 4 * h, h], mul=11, scale=150.0, offset=0.3)),
                  ('B', ramp([2, 8 * h], mul=5, scale=200.0, offset=0.2)),
                  ('h0', ramp([2, 2, h], mul=3, scale=100.0)), ('c0', ramp([2, 2, h], mul=23, scale=100.0))]
    c['lstm_bidirectional_y'] = (model([N('LSTM', ['x', 'W', 'R', 'B', '', 'h0', 'c0'], ['y'], hidden_size=h,
                                          direction='bidirectional')], [5, 2, i], lstm_inits), ramp([5, 2, i]))
    c['lstm_reverse_yc'] = (model([N('LSTM', ['x', 'W1', 'R1'], ['', '', 'y'], hidden_size=h, direction='reverse')], [4, 2, i],
                                  [('W1', lstm_inits[0][1][:1]), ('R1', lstm_inits[1][1][:1])]), ramp([4, 2, i]))
    c['batchnorm_standalone'] = (model([N('Add', ['x', 'c'], ['t']), N('BatchNormalization', ['t', 'g', 'b', 'm', 'v'], ['y'],
                                                                           epsilon=1e-3)], [1, 3, 2, 2],
                                       [('c', F32(0.25)), ('g', F32([1, 2, -1])), ('b', F32([0, 0.5, 1])), ('m', F32([0.1, -0.2, 0])),
                                        ('v', F32([1, 0.5, 2]))]), ramp([1, 3, 2, 2]))
    # Pad: attribute form (opset < 11), inputs with a constant value and crops (negative pads),
    # reflect, edge after a crop, and pads computed from the input's shape (pad width to 8).
    c['pad_opset9_attrs'] = (model([N('Pad', ['x'], ['y'], pads=[1, 0, 0, 2], value=-0.5)], [3, 4], opset=9), ramp([3, 4]))
    c['pad_constant_value_crop'] = (model([N('Pad', ['x', 'p', 'v'], ['y'])], [2, 3, 4],
                                          [('p', I64([1, -1, 2, 0, 1, -1])), ('v', F32(2.5))]), ramp([2, 3, 4]))
    c['pad_reflect'] = (model([N('Pad', ['x', 'p'], ['y'], mode='reflect')], [1, 2, 4, 5],
                              [('p', I64([0, 0, 3, 4, 0, 0, 2, 1]))], opset=11), ramp([1, 2, 4, 5]))
    c['pad_edge_crop'] = (model([N('Pad', ['x', 'p'], ['y'], mode='edge')], [2, 3, 4], [('p', I64([0, 2, -1, 1, -1, 3]))]),
                          ramp([2, 3, 4]))
    c['pad_shape_subgraph'] = (model([N('Shape', ['x'], ['s']), N('Gather', ['s', 'i1'], ['w']), N('Sub', ['eight', 'w'], ['r']),
                                      N('Unsqueeze', ['r', 'ax0'], ['r1']), N('Concat', ['z3', 'r1'], ['p'], axis=0),
                                      N('Pad', ['x', 'p'], ['y'])], [2, 5],
                                     [('i1', I64(1)), ('eight', I64(8)), ('ax0', I64([0])), ('z3', I64([0, 0, 0]))],
                                     sym=['N', 'W']), ramp([2, 5]))
    # Split: attribute sizes (opset 11), input sizes (opset 13), equal parts; outputs recombined.
    c['split_opset11_attr'] = (model([N('Split', ['x'], ['a', 'b', 'c'], axis=1, split=[1, 3, 2]),
                                      N('Concat', ['c', 'a', 'b'], ['y'], axis=1)], [2, 6, 3], opset=11), ramp([2, 6, 3]))
    c['split_opset13_input'] = (model([N('Split', ['x', 's'], ['a', 'b'], axis=-1), N('Concat', ['b', 'a'], ['y'], axis=-1)],
                                      [3, 5], [('s', I64([4, 1]))]), ramp([3, 5]))
    c['split_equal_parts'] = (model([N('Split', ['x'], ['a', 'b', 'c']), N('Mul', ['a', 'b'], ['t']), N('Sub', ['t', 'c'], ['y'])],
                                    [6, 4]), ramp([6, 4]))
    # Where: broadcasting of a bool constant, and on int64 in a shape subgraph (plan time).
    c['where_broadcast'] = (model([N('Where', ['cond', 'x', 'k'], ['y'])], [2, 3, 4],
                                  [('cond', np.array([[[True], [False], [True]]])), ('k', F32([-1, -2, -3, -4]))]), ramp([2, 3, 4]))
    c['where_shape_subgraph'] = (model([N('Shape', ['x'], ['s']), N('Slice', ['s', 'z', 'two'], ['s2']),
                                        N('Where', ['keep', 's2', 'm1'], ['t']), N('Reshape', ['x', 't'], ['y'])], [2, 3, 4],
                                       [('z', I64([0])), ('two', I64([2])), ('keep', np.array([True, False])),
                                        ('m1', I64([-1, -1]))], sym=['N', 'C', 'W']), ramp([2, 3, 4]))
    return c


def write_op_cases():
    d = os.path.join(OUT, 'ops')
    os.makedirs(d, exist_ok=True)
    for name, (m, x) in op_cases().items():
        path = os.path.join(d, name + '.onnx')
        onnx.save(m, path)
        np.save(os.path.join(d, name + '.input.npy'), x)
        np.save(os.path.join(d, name + '.expected.npy'), run_ort(path, x))
        print('op', name)


# ---------------------------------------------------------------- model cases

def pad_width(x, w):
    """A (1, 3, 48, W) line cut or zero-padded to width w (PaddleOCR pads normalized lines with 0)."""
    out = np.zeros(x.shape[:3] + (w,), np.float32)
    k = min(w, x.shape[3])
    out[..., :k] = x[..., :k]
    return out


def model_cases():
    ocr = os.path.join(SHARED, 'data', 'ocr')
    page = lambda: np.load(os.path.join(ocr, 'pages', 'page_000.npy'))
    line = lambda i: np.load(os.path.join(ocr, 'lines', 'line_%04d.npy' % i))
    det, rec = 'ppocr/ch_PP-OCRv4_det_infer.onnx', 'ppocr/ch_PP-OCRv4_rec_infer.onnx'
    return {
        'det_64x128': (det, lambda: np.ascontiguousarray(page()[:, :, 96:160, 128:256])),
        'det_640x640': (det, page),
        'det_544x960': (det, lambda: np.pad(page()[:, :, :544, :], ((0, 0), (0, 0), (0, 0), (0, 320)))),
        'rec_line1': (rec, lambda: line(1)),
        'rec_w160': (rec, lambda: pad_width(line(2), 160)),
        'rec_w320': (rec, lambda: pad_width(line(2), 320)),
        'rec_w640': (rec, lambda: pad_width(line(2), 640)),
        'cls_192': ('ppocr/ch_ppocr_mobile_v2.0_cls_infer.onnx', lambda: pad_width(line(1), 192)),
        'crnn_w128': ('crnn_lstm.onnx', lambda: ramp([1, 1, 32, 128])),
        'crnn_w256': ('crnn_lstm.onnx', lambda: ramp([1, 1, 32, 256])),
        'bert_l16': ('mini_bert.onnx', lambda: ids([1, 16])),
        'bert_l128': ('mini_bert.onnx', lambda: ids([1, 128])),
        'mnist_2': ('mnist_cnn.onnx', lambda: ramp([2, 1, 28, 28], scale=100.0, offset=0.0)),
        'mobilenet_v2_224': ('mobilenet_v2.onnx', lambda: ramp([1, 3, 224, 224])),
        'resnet50_224': ('resnet50.onnx', lambda: ramp([1, 3, 224, 224])),
    }


def summary(y, samples=512):
    flat = y.reshape(-1).astype(np.float64)
    stride = max(1, len(flat) // samples)
    rows = y.reshape(-1, y.shape[-1])
    lines = ['shape ' + ' '.join(map(str, y.shape)), 'stride %d' % stride,
             'samples ' + ' '.join('%.9g' % v for v in flat[::stride]),
             'max_abs %.9g' % np.abs(flat).max(), 'mean %.9g' % flat.mean(),
             'argmax ' + ' '.join(str(int(v)) for v in rows.argmax(-1)[:256])]
    return '\n'.join(lines) + '\n'


def write_model_cases():
    d = os.path.join(OUT, 'models')
    os.makedirs(d, exist_ok=True)
    for name, (onnx_file, make_input) in model_cases().items():
        y = run_ort(os.path.join(SHARED, 'models', onnx_file), make_input())
        with open(os.path.join(d, name + '.txt'), 'w') as f:
            f.write('# ONNX Runtime output of %s, made by tests/data/make_expected.py\n' % onnx_file)
            f.write(summary(y))
        print('model', name, y.shape)


if __name__ == '__main__':
    what = sys.argv[1:] or ['ops', 'models']
    if 'ops' in what:
        write_op_cases()
    if 'models' in what:
        write_model_cases()
