// qconv: convert an ONNX model to a qinfer .qbin, calibrating and quantizing it to int8.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "progress_bar.h"
#include "qinfer/converter.h"
#include "qinfer/version.h"

int main(int argc, char** argv) {
  CLI::App app{"qconv: convert an ONNX model to a qinfer .qbin (int8 by default).\n"
               "Exit codes: 0 success, 1 conversion error (message on stderr, no output written), "
               "other non-zero values: bad command line."};
  qinfer::ConvertOptions o;
  bool no_quantize = false, quiet = false;
  app.add_option("model", o.onnx_path, "the ONNX model")->required();
  auto* out = app.add_option("-o,--output", o.output_path, "the .qbin to write (written atomically)");
  auto* qdq = app.add_option("--emit-qdq", o.qdq_path,
                             "also write the quantized model as a QDQ ONNX file (QuantizeLinear/DequantizeLinear with "
                             "qinfer's exact scales) that ONNX Runtime runs with its int8 kernels");
  (void)out, (void)qdq;
  app.add_option("--calib", o.calib_path,
                 "calibration data: a .npy batch (first dimension = samples) or a folder of .npy files");
  app.add_flag("--no-quantize", no_quantize, "write an fp32 qbin; no calibration data needed");
  app.add_option("--method", o.method,
                 "how activation ranges are chosen from the calibration data: minmax (observed range), percentile "
                 "(clip the outer tails, see --percentile), entropy (KL-divergence threshold, TensorRT-style), mse "
                 "(least expected squared error)")
      ->check(CLI::IsMember({"minmax", "percentile", "entropy", "mse"}))
      ->capture_default_str();
  app.add_option("--percentile", o.percentile, "share of values kept by --method percentile (50..100]")
      ->capture_default_str();
  app.add_option("--threads", o.threads, "threads for the calibration runs")->check(CLI::PositiveNumber);
  app.add_option("--calib-batch", o.calib_batch, "samples per calibration run for a symbolic batch dimension")
      ->check(CLI::PositiveNumber);
  app.add_flag("-q,--quiet", quiet, "print nothing but errors (no progress bar, no summary)");
  app.set_version_flag("--version", std::string("qconv ") + qinfer::version_string());
  CLI11_PARSE(app, argc, argv);
  o.quantize = !no_quantize;
  if (o.output_path.empty() && o.qdq_path.empty()) {
    std::fprintf(stderr, "qconv: error: give -o OUT.qbin and/or --emit-qdq OUT.onnx (see --help)\n");
    return 2;
  }
  try {
    qinfer::ProgressBar bar("calibrating");
    if (!quiet) o.progress = [&bar](int64_t done, int64_t total) { bar.update(done, total); };
    const qinfer::ConvertSummary s = qinfer::convert(o);
    bar.finish();
    if (quiet) return 0;
    if (!o.qdq_path.empty()) std::fprintf(stderr, "qconv: wrote QDQ ONNX %s\n", o.qdq_path.c_str());
    if (!o.output_path.empty())
    std::fprintf(stderr, "qconv: wrote %s: %zu bytes (%.1f%% of the ONNX file), %d nodes (%d int8, %d fp32), %lld calibration samples, %.2f s\n",
                 o.output_path.c_str(), s.qbin_bytes, 100.0 * double(s.qbin_bytes) / double(s.onnx_bytes), s.nodes,
                 s.int8_nodes, s.fp32_nodes, static_cast<long long>(s.calib_samples), s.seconds);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "qconv: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
