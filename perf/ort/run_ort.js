#!/usr/bin/env node
// Times one ONNX model on ONNX Runtime (CPU) with a .npy input, for perf/compare.
// Usage: node run_ort.js --model M.onnx --input X.npy [--threads N] [--warmup N] [--repeat N]
//                        [--optimize all|basic|extended|disabled] [--output Y.npy]   (several outputs: Y.<name>.npy each)
// Prints exactly: median_ms=<v>, min_ms=<v>, max_rss_mb=<v> (one per line) on stdout.
'use strict';
const fs = require('fs');
const ort = require('onnxruntime-node');

function parseArgs(argv) {
  const opts = { threads: 1, warmup: 3, repeat: 10, optimize: 'all' };
  const ints = new Set(['threads', 'warmup', 'repeat']);
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '');
    const val = argv[i + 1];
    if (!['model', 'input', 'output', 'optimize', ...ints].includes(key) || val === undefined) {
      throw new Error(`bad argument '${argv[i]}'`);
    }
    opts[key] = ints.has(key) ? parseInt(val, 10) : val;
  }
  if (!opts.model || !opts.input) throw new Error('--model and --input are required');
  if (!(opts.repeat >= 1) || !(opts.warmup >= 0) || !(opts.threads >= 1)) {
    throw new Error('--threads and --repeat must be >= 1, --warmup >= 0');
  }
  return opts;
}

// .npy format: magic "\x93NUMPY", version (major, minor), header length (uint16 LE for
// v1, uint32 LE for v2/v3), then a Python dict literal with descr, fortran_order, shape.
const NPY_TYPES = {
  '<f4': ['float32', Float32Array],
  '<i8': ['int64', BigInt64Array],
};

function readNpy(path) {
  const buf = fs.readFileSync(path);
  if (buf.toString('latin1', 0, 6) !== '\x93NUMPY') throw new Error(`${path}: not a .npy file`);
  const major = buf[6];
  const hlen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const hstart = major === 1 ? 10 : 12;
  const header = buf.toString('latin1', hstart, hstart + hlen);
  const descr = /'descr':\s*'([^']+)'/.exec(header);
  const fortran = /'fortran_order':\s*(True|False)/.exec(header);
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header);
  if (!descr || !fortran || !shape) throw new Error(`${path}: cannot parse header ${header}`);
  if (fortran[1] === 'True') throw new Error(`${path}: fortran_order arrays are not supported`);
  const type = NPY_TYPES[descr[1]];
  if (!type) throw new Error(`${path}: dtype ${descr[1]} not supported (float32 or int64 only)`);
  const dims = shape[1].split(',').map((s) => s.trim()).filter((s) => s).map(Number);
  const count = dims.reduce((a, b) => a * b, 1);
  const [name, Ctor] = type;
  // Copy into a fresh ArrayBuffer: the data offset need not be aligned for the typed array.
  const start = hstart + hlen;
  const bytes = buf.subarray(start, start + count * Ctor.BYTES_PER_ELEMENT);
  if (bytes.length !== count * Ctor.BYTES_PER_ELEMENT) throw new Error(`${path}: truncated data`);
  const data = new Ctor(Uint8Array.from(bytes).buffer);
  return { name, data, dims };
}

function writeNpyF32(path, data, dims) {
  const f32 = data instanceof Float32Array ? data : Float32Array.from(data, Number);
  const shape = dims.length === 1 ? `(${dims[0]},)` : `(${dims.join(', ')})`;
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shape}, }`;
  // Pad so that magic + version + length + header is a multiple of 64, ending with '\n'.
  header += ' '.repeat((64 - ((10 + header.length + 1) % 64)) % 64) + '\n';
  const pre = Buffer.alloc(10);
  pre.write('\x93NUMPY', 0, 'latin1');
  pre[6] = 1; pre[7] = 0;
  pre.writeUInt16LE(header.length, 8);
  fs.writeFileSync(path, Buffer.concat([pre, Buffer.from(header, 'latin1'),
    Buffer.from(f32.buffer, f32.byteOffset, f32.byteLength)]));
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const session = await ort.InferenceSession.create(opts.model, {
    intraOpNumThreads: opts.threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: opts.optimize,  // 'disabled' runs the graph as written (no fusions)
    executionMode: 'sequential',
  });
  if (session.inputNames.length !== 1) {
    throw new Error(`${opts.model}: has ${session.inputNames.length} inputs, only 1 is supported`);
  }
  const x = readNpy(opts.input);
  const feeds = { [session.inputNames[0]]: new ort.Tensor(x.name, x.data, x.dims) };

  for (let i = 0; i < opts.warmup; i++) await session.run(feeds);
  const times = [];
  let out;
  for (let i = 0; i < opts.repeat; i++) {
    const t0 = process.hrtime.bigint();
    out = await session.run(feeds);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  const n = times.length;
  const median = n % 2 ? times[(n - 1) / 2] : (times[n / 2 - 1] + times[n / 2]) / 2;

  if (opts.output) {
    // One output: Y.npy; several: Y.<output name>.npy each (as qrun does).
    const names = session.outputNames;
    for (const name of names) {
      const path = names.length === 1 ? opts.output : opts.output.replace(/\.npy$/, '') + '.' + name + '.npy';
      writeNpyF32(path, out[name].data, out[name].dims);
    }
  }
  const rssMb = process.resourceUsage().maxRSS / 1024; // maxRSS is in KiB
  console.log(`median_ms=${median.toFixed(4)}`);
  console.log(`min_ms=${times[0].toFixed(4)}`);
  console.log(`max_rss_mb=${rssMb.toFixed(1)}`);
}

main().catch((e) => {
  console.error(`run_ort: ${e.message}`);
  process.exit(1);
});
