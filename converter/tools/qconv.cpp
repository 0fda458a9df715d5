// qconv: convert an ONNX model to a qinfer .qbin, calibrating and quantizing it to int8.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "model_info.h"
#include "progress_bar.h"
#include "qinfer/converter.h"
#include "qinfer/runtime.h"
#include "qinfer/version.h"

namespace {

// `qconv inspect MODEL.qbin`: the description qinfo prints (runtime/tools/model_info.h).
int inspect_main(int argc, char** argv) {
  CLI::App app{"qconv inspect: describe a qinfer .qbin model: metadata (including the recorded --preprocess), "
               "inputs and outputs with symbolic dims, op counts, every node with its weight bytes and output "
               "quantization (same as qinfo).\n"
               "Exit codes: 0 success, 1 the file does not load (message on stderr), other non-zero values: bad "
               "command line.", "qconv inspect"};
  std::string path;
  bool as_json = false, tensors = false;
  app.add_option("model", path, "the .qbin model")->required();
  app.add_flag("--json", as_json, "print everything (every tensor included) as one JSON document");
  app.add_flag("--tensors", tensors, "also list every tensor with its layout and quantization");
  CLI11_PARSE(app, argc, argv);
  try {
    qinfer::print_model_info(path, as_json, tensors);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "qconv inspect: error: %s\n", e.what());
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::string(argv[1]) == "inspect") return inspect_main(argc - 1, argv + 1);
  CLI::App app{"qconv: convert an ONNX model to a qinfer .qbin (int8 by default).\n"
               "Also: qconv inspect MODEL.qbin [--json] [--tensors] describes a qbin (qconv inspect --help).\n"
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
                 "calibration data: a .npy batch (first dimension = samples), a folder of .npy files, or a folder of "
                 ".png/.jpg/.jpeg images (needs --preprocess)");
  app.add_option("--calib-limit", o.calib_limit, "use at most N calibration samples (the first N; images by file name)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--preprocess", o.preprocess,
                 "record the input preprocessing in the qbin (qinfer::preprocess_image applies it) and use it on "
                 "calibration images: comma-separated keys, all optional: resize=HxW (bilinear), crop=HxW (centre, after resize), channels=1|3, "
                 "order=rgb|bgr, scale=S or 1/N, mean=M[:M:M], std=S[:S:S], layout=nchw|nhwc; "
                 "value = (pixel*scale - mean)/std, e.g. resize=224x224,scale=1/255,mean=0.485:0.456:0.406,"
                 "std=0.229:0.224:0.225");
  app.add_flag("--no-quantize", no_quantize, "write an fp32 qbin; no calibration data needed");
  bool dynamic = false;
  app.add_flag("--dynamic", dynamic,
               "dynamic quantization, no calibration data needed: int8 per-channel weights for MatMul (constant B), "
               "Gemm and LSTM, activations quantized per row at run time; everything else fp32");
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
  app.add_option("--save-calib", o.save_calib_path,
                 "also write the calibration histograms of every tensor to this JSON file (written atomically)");
  app.add_option("--load-calib", o.load_calib_path,
                 "take the calibration histograms from a --save-calib file instead of running the model: re-quantize "
                 "with another --method or option in seconds (the file must come from the same model)");
  app.add_flag("--per-tensor", o.per_tensor_weights,
               "one weight scale per Conv/Gemm instead of one per output channel (the default)");
  app.add_flag("--symmetric", o.symmetric_activations,
               "symmetric activation ranges (zero point 128) instead of the calibrated asymmetric range");
  app.add_flag("--reduce-range", o.reduce_range, "7-bit weights in [-63, 63] instead of [-127, 127]");
  app.add_flag("--input-int16", o.input_int16,
               "W8A16 input layer: quantize a float model input that only Conv nodes read to symmetric int16 "
               "(zero point 0, scale from its calibrated min/max) and run those Convs as int16 x int8 -> uint8 "
               "(exact sums); the rest stays int8. Rounding a float input to 256 levels is often the largest single "
               "loss of an image model");
  app.add_flag("--bias-correction", o.bias_correction,
               "subtract each int8 Conv/Gemm output channel's mean error vs fp32 on the calibration samples from its "
               "bias, layer by layer (one int8 run over the samples per layer)");
  app.add_option("--weight-rounding", o.weight_rounding,
                 "how Conv/Gemm weights are rounded to int8: nearest, or gptq (each rounding error is moved onto "
                 "the weights not rounded yet along the inverse Hessian of the layer's input on the calibration "
                 "samples, GPTQ; needs --calib)")
      ->check(CLI::IsMember({"nearest", "gptq"}))
      ->capture_default_str();
  app.add_flag("--equalize", o.equalize,
               "cross-layer equalization before calibration: even out the per-channel weight ranges of Conv -> Conv "
               "pairs (none/Relu between them; Clip only where calibration never reaches its bound); -v lists the "
               "pairs and why others were skipped");
  app.add_option("--keep-fp32", o.keep_fp32,
                 "mixed precision: keep these ONNX nodes (comma-separated names, as --report lists them) in fp32; "
                 "a name that is not in the model is an error")
      ->delimiter(',');
  auto* fallback = app.add_flag("--auto-fallback", o.auto_fallback,
                                "hold out the last quarter of the calibration samples, then keep the int8 layers "
                                "that hurt the output most (each quantized alone) in fp32 one by one until the "
                                "model output cosine vs fp32 on the held-out samples reaches --target-cosine; "
                                "prints the layers kept and the time with and without them");
  auto* target = app.add_option("--target-cosine", o.target_cosine, "--auto-fallback's output cosine target (-1..1]");
  fallback->needs(target);
  target->needs(fallback);
  app.add_option("--max-fallback", o.max_fallback,
                 "--auto-fallback keeps at most this many layers fp32; not reaching the target within it is an error")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_flag("--report", o.report,
               "print the per-layer error table, worst first: SQNR (dB) and cosine of every int8 node's output vs "
               "fp32, in the full int8 graph and with only that layer int8, and the model output cosine with only "
               "that layer int8");
  app.add_option("--report-json", o.report_json_path, "write the per-layer error report as JSON (atomically)");
  app.add_option("--report-html", o.report_html_path,
                 "write the per-layer error report as a self-contained HTML page with a bar chart (atomically; "
                 "scripts/render_report.sh screenshots it)");
  app.add_option("--report-samples", o.report_samples,
                 "calibration samples the report (and --auto-fallback's per-layer sensitivity) runs on")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_flag("-q,--quiet", quiet, "print nothing but errors (no progress bar, no summary)");
  bool verbose = false;
  app.add_flag("-v,--verbose", verbose,
               "also print the time of each step (import, passes, calibration, quantization, write), the nodes "
               "kept fp32 and the metadata recorded in the qbin")
      ->excludes("--quiet");
  app.set_version_flag("--version", std::string("qconv ") + qinfer::version_string());
  CLI11_PARSE(app, argc, argv);
  o.quantize = !no_quantize;
  o.dynamic = dynamic;
  if (o.output_path.empty() && o.qdq_path.empty()) {
    std::fprintf(stderr, "qconv: error: give -o OUT.qbin and/or --emit-qdq OUT.onnx (see --help)\n");
    return 2;
  }
  try {
    qinfer::ProgressBar bar("calibrating");
    if (!quiet) o.progress = [&bar](int64_t done, int64_t total) { bar.update(done, total); };
    const qinfer::ConvertSummary s = qinfer::convert(o);
    bar.finish();
    if (!s.report.layers.empty() && (o.report || !quiet))
      std::fputs(qinfer::report_table(s.report, o.report ? 0 : 10).c_str(), stderr);
    if (s.fallback.ran && !quiet) {
      std::fprintf(stderr, "qconv: auto-fallback: held-out output cosine %.6f all int8 (target %.6f)",
                   s.fallback.cosine_all_int8, s.fallback.target_cosine);
      for (size_t i = 0; i < s.fallback.kept.size(); ++i)
        std::fprintf(stderr, "%s %s -> %.6f", i ? "," : "; kept fp32:", s.fallback.kept[i].c_str(),
                     s.fallback.cosine_after[i]);
      std::fprintf(stderr, "; median %.3f ms all int8, %.3f ms mixed (%+.1f%%)\n", s.fallback.ms_all_int8,
                   s.fallback.ms_mixed, 100.0 * (s.fallback.ms_mixed / s.fallback.ms_all_int8 - 1.0));
    }
    if (quiet) return 0;
    if (!o.qdq_path.empty()) std::fprintf(stderr, "qconv: wrote QDQ ONNX %s\n", o.qdq_path.c_str());
    if (!o.output_path.empty())
    std::fprintf(stderr, "qconv: wrote %s: %zu bytes (%.1f%% of the ONNX file), %d nodes (%d int8, %d fp32), %lld calibration samples, %.2f s\n",
                 o.output_path.c_str(), s.qbin_bytes, 100.0 * double(s.qbin_bytes) / double(s.onnx_bytes), s.nodes,
                 s.int8_nodes, s.fp32_nodes, static_cast<long long>(s.calib_samples), s.seconds);
    if (verbose) {
      for (const auto& [stage, seconds] : s.stage_seconds)
        std::fprintf(stderr, "qconv: -v: %-13s %9.3f s\n", stage.c_str(), seconds);
      for (const std::string& k : s.kept_fp32) std::fprintf(stderr, "qconv: -v: kept fp32: %s\n", k.c_str());
      for (const std::string& note : s.notes) std::fprintf(stderr, "qconv: -v: %s\n", note.c_str());
      if (!o.output_path.empty()) {
        const qinfer::Runtime written(o.output_path);
        for (const auto& [key, value] : written.metadata())
          std::fprintf(stderr, "qconv: -v: metadata %s: %s\n", key.c_str(), value.c_str());
      }
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "qconv: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
