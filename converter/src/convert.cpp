#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>

#include "bias_correction.h"
#include "calib_cache.h"
#include "calib_images.h"
#include "calibration.h"
#include "dynamic_quant.h"
#include "equalize.h"
#include "error_report.h"
#include "file_util.h"
#include "import_qdq.h"
#include "mixed_precision.h"
#include "onnx_import.h"
#include "passes/passes.h"
#include "qbin_writer.h"
#include "qdq_export.h"
#include "qinfer/converter.h"
#include "qinfer/error.h"
#include "qinfer/runtime.h"
#include "quantizer.h"
#include "weight_rounding.h"

namespace qinfer {

namespace {
std::string file_name(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}
}  // namespace

ConvertSummary convert(const ConvertOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  if (options.output_path.empty() && options.qdq_path.empty()) throw Error("no output path given (-o and/or --emit-qdq)");
  if (!options.qdq_path.empty() && !options.quantize) throw Error("--emit-qdq writes the quantized model: it needs calibration, not --no-quantize");
  ConvertSummary summary;
  auto mark = start;  // stage timing for qconv -v
  auto stage = [&](const char* name) {
    const auto now = std::chrono::steady_clock::now();
    summary.stage_seconds.emplace_back(name, std::chrono::duration<double>(now - mark).count());
    mark = now;
  };
  ir::Graph g = import_onnx(options.onnx_path);
  stage("import");
  // A pre-quantized (QDQ) model brings its own scales and zero points: no calibration needed.
  const FixedQuant fixed = import_qdq(g);
  if (options.dynamic && (!options.calib_path.empty() || !options.load_calib_path.empty() || !options.qdq_path.empty() ||
                          options.report || !options.report_json_path.empty() || !options.report_html_path.empty() ||
                          options.auto_fallback || !options.keep_fp32.empty() || options.bias_correction ||
                          options.weight_rounding != "nearest" || options.equalize))
    throw Error("--dynamic computes activation scales at run time: it takes no --calib, --load-calib, --emit-qdq, "
                "--report*, --keep-fp32, --auto-fallback, --bias-correction, --weight-rounding gptq or --equalize");
  if (options.input_int16 && (options.dynamic || !options.quantize))
    throw Error("--input-int16 quantizes the model input from calibration: it needs calibration, not --dynamic or "
                "--no-quantize");
  if (options.input_int16 && !options.qdq_path.empty())
    throw Error("--input-int16 cannot be combined with --emit-qdq: the QDQ export writes ONNX opset 13 "
                "QuantizeLinear, which has no int16 (opset 21 has)");
  if (!options.quantize && !options.dynamic && (options.weight_rounding != "nearest" || options.equalize))
    throw Error("--weight-rounding gptq and --equalize prepare int8 weights: they need calibration, not --no-quantize");
  const WeightRounding rounding = parse_weight_rounding(options.weight_rounding);
  if (options.quantize && !options.dynamic && options.calib_path.empty() && options.load_calib_path.empty() && fixed.empty())
    throw Error("quantization needs calibration data (--calib PATH or --load-calib CACHE); or write fp32 with "
                "--no-quantize, or quantize weights only with --dynamic");
  const bool report = options.report || !options.report_json_path.empty() || !options.report_html_path.empty();
  if ((report || options.auto_fallback) &&
      (options.per_tensor_weights || options.symmetric_activations || options.reduce_range || options.input_int16))
    throw Error("--report and --auto-fallback measure the default scheme: they cannot be combined with --per-tensor, "
                "--symmetric, --reduce-range or --input-int16 yet");
  if ((report || options.auto_fallback) && !fixed.empty())
    throw Error(options.onnx_path + ": --report and --auto-fallback re-quantize the model from calibrated ranges; they "
                "cannot be used on a pre-quantized (QDQ) model yet");
  if (!options.quantize && !options.dynamic && (report || options.auto_fallback || !options.keep_fp32.empty()))
    throw Error("--report, --keep-fp32 and --auto-fallback are about the int8 model: they need calibration, not --no-quantize");

  const std::set<std::string> onnx_names = node_names(g);  // --keep-fp32 messages
  summary.onnx_bytes = read_file_bytes(options.onnx_path).size();
  passes::run_default_passes(g);
  stage("passes");

  std::map<std::string, std::string> metadata{{"source_model", file_name(options.onnx_path)}};
  std::optional<PreprocessSpec> preprocess;  // --preprocess: recorded, and turns image folders into samples
  if (!options.preprocess.empty()) {
    preprocess = parse_preprocess(options.preprocess);
    if (g.inputs.size() != 1)
      throw Error(options.onnx_path + ": --preprocess describes a single image input; this model has " +
                  std::to_string(g.inputs.size()) + " inputs");
    const ir::Value& in = g.value(g.inputs[0]);
    check_preprocess_fits(*preprocess, in.name, in.dtype, in.dims);
    metadata[kPreprocessMetadataKey] = to_string(*preprocess);
  }
  if (options.quantize && !options.dynamic) {
    const bool calibrate = !options.calib_path.empty() || !options.load_calib_path.empty();
    if (g.inputs.size() != 1 && calibrate)
      throw Error(options.onnx_path + ": calibration supports single-input models only (this one has " +
                  std::to_string(g.inputs.size()) + ")");
    const bool have_samples = !options.calib_path.empty();
    if (!have_samples && (report || options.auto_fallback || options.bias_correction || rounding == WeightRounding::Gptq))
      throw Error("--report, --auto-fallback, --bias-correction and --weight-rounding gptq run the model on calibration "
                  "samples: give --calib too (--load-calib only replaces collecting the ranges)");
    if (options.calib_limit < 0) throw Error("--calib-limit " + std::to_string(options.calib_limit) + " must be >= 0");
    const bool images = have_samples && is_image_folder(options.calib_path) && (preprocess || !holds_npy_files(options.calib_path));
    if (images && !preprocess)
      throw Error(options.calib_path + ": a calibration folder of images needs --preprocess SPEC to turn them into model "
                  "inputs (e.g. resize=224x224,scale=1/255,mean=0.485:0.456:0.406,std=0.229:0.224:0.225)");
    const Tensor samples =
        !have_samples ? Tensor()
        : images      ? load_calibration_images(options.calib_path, *preprocess, options.calib_limit)
                      : limit_samples(load_calibration_samples(options.calib_path, g.value(g.inputs[0]).dims.size()),
                                      options.calib_limit);
    summary.calib_samples = have_samples ? samples.shape()[0] : 0;
    // --auto-fallback judges the output on held-out samples that set no range.
    Tensor calib = samples, held_out;
    const auto& in_dims = g.value(g.inputs[0]).dims;
    if (options.auto_fallback) split_held_out(samples, !in_dims.empty() && in_dims[0] > 0 ? in_dims[0] : 1, &calib, &held_out);
    if (options.equalize) {  // before the fingerprint: the cache is of the equalized graph
      std::map<std::string, float> observed_max;  // Clip pairs need to know whether the bound was reached
      if (have_samples)
        for (const auto& [name, h] : collect_histograms(write_qbin(g, metadata), calib, options.calib_batch, options.threads))
          if (!h.empty()) observed_max[name] = h.max();
      const EqualizeStats e = equalize_layers(g, observed_max);
      metadata["equalization"] = std::to_string(e.equalized.size()) + " Conv pairs (" + std::to_string(e.skipped.size()) + " skipped)";
      for (const std::string& p : e.equalized) summary.notes.push_back("equalize: " + p);
      for (const std::string& p : e.skipped) summary.notes.push_back("equalize: skipped " + p);
      stage("equalize");
    }
    const RangeMethod method = parse_range_method(options.method);
    if (!(options.percentile > 50.0 && options.percentile <= 100.0))
      throw Error("--percentile " + std::to_string(options.percentile) + " must be in (50, 100]");
    // The calibration cache replaces (--load-calib) or keeps (--save-calib) the collected histograms.
    const std::string fingerprint = model_fingerprint(write_qbin(g, {}));
    std::map<std::string, Histogram> histograms;
    if (!options.load_calib_path.empty()) {
      CalibrationCache cache = load_calibration_cache(options.load_calib_path, fingerprint);
      histograms = std::move(cache.histograms);
      summary.calib_samples = cache.samples;
    } else if (calibrate) {
      histograms = collect_histograms(write_qbin(g, metadata), calib, options.calib_batch, options.threads, options.progress);
    }
    if (!options.save_calib_path.empty())
      save_calibration_cache(options.save_calib_path,
                             {file_name(options.onnx_path), fingerprint, summary.calib_samples, histograms});
    auto ranges = choose_ranges(histograms, method, options.percentile);
    if (std::getenv("QINFER_DEBUG_RANGES"))
      for (const auto& [name, r] : ranges)
        std::fprintf(stderr, "%-50s min %9.4f max %9.4f -> [%9.4f, %9.4f]\n", name.c_str(), histograms.at(name).min(), histograms.at(name).max(), r.lo, r.hi);
    for (const auto& [name, r] : fixed_ranges(fixed)) ranges[name] = r;  // the source's own parameters win
    // An int16 input's scale comes from its whole observed range: with 65536 steps, clipping
    // outliers (what the methods do for 256) would only add error.
    if (options.input_int16)
      for (const std::string& in : g.inputs)
        if (histograms.count(in) && !histograms.at(in).empty())
          ranges[in] = ClipRange{histograms.at(in).min(), histograms.at(in).max()};
    stage("calibration");
    const std::vector<uint8_t> fp32_qbin = write_qbin(g, metadata);
    // Mixed precision and the per-layer report re-quantize the float graph (mixed_precision.h).
    std::optional<ir::Graph> float_graph;
    if (report || options.auto_fallback || options.bias_correction) float_graph = g;
    std::set<std::string> keep = resolve_keep_fp32(options.keep_fp32, g, onnx_names, options.onnx_path);
    std::optional<ErrorProbe> probe;
    std::map<std::string, LayerError> alone;
    if (report || options.auto_fallback)
      probe.emplace(layer_probe(*float_graph, ranges, keep, fp32_qbin, calib, options.report_samples, options.threads));
    if (options.auto_fallback)
      summary.fallback = auto_fallback(*float_graph, ranges, keep, *probe, ErrorProbe(fp32_qbin, held_out, {}, options.threads),
                                       metadata, {options.target_cosine, options.max_fallback, options.threads}, &alone);
    const QuantizeScheme scheme{options.per_tensor_weights, options.symmetric_activations, options.reduce_range,
                                options.input_int16};
    std::map<std::string, RoundedWeight> rounded;  // weight_rounding.h
    if (rounding == WeightRounding::Gptq) {
      GptqStats gs;
      rounded = round_weights_gptq(g, calib, options.calib_batch, scheme, keep, &gs);
      metadata["weight_rounding"] = "gptq: " + std::to_string(gs.layers) + " layers, Hessian-weighted error " +
                                    std::to_string(gs.error_ratio) + " x nearest";
      for (const std::string& f : gs.fell_back) summary.notes.push_back("gptq: " + f + ": Hessian not usable, rounded to nearest");
      stage("rounding");
    }
    const QuantizeReport q =
        quantize_graph(g, ranges, [&](const ir::Node& n) { return keep.count(n.name) > 0; }, &fixed, scheme, &rounded);
    if (options.bias_correction) {
      const BiasCorrectionStats b = correct_biases(g, *float_graph, calib, options.threads, metadata);
      metadata["bias_correction"] = std::to_string(b.layers) + " layers, mean |channel shift| removed " +
                                    std::to_string(b.mean_abs_shift);
    }
    summary.kept_fp32.assign(keep.begin(), keep.end());
    for (const std::string& k : keep) metadata["fp32_fallback"] += (metadata["fp32_fallback"].empty() ? "" : ",") + k;
    if (report)
      summary.report = build_error_report(file_name(options.onnx_path), *float_graph, ranges, g, *probe, metadata, alone);
    summary.int8_nodes = q.int8_nodes;
    summary.fp32_nodes = q.fp32_nodes;
    metadata["calibration_method"] = range_method_name(method) +
                                     (method == RangeMethod::Percentile ? " " + std::to_string(options.percentile) : std::string());
    metadata["calibration_samples"] = std::to_string(summary.calib_samples);
    metadata["quantization"] = "uint8 asymmetric per-tensor activations, int8 symmetric per-channel weights";
    if (!q.int16_inputs.empty()) {
      std::string inputs, convs;
      for (const std::string& i : q.int16_inputs) inputs += (inputs.empty() ? "" : ",") + i;
      for (const std::string& c : q.int16_convs) convs += (convs.empty() ? "" : ",") + c;
      metadata["quantization"] += "; model input " + inputs + " int16 symmetric, read by W8A16 Conv " + convs;
      metadata["input_int16"] = inputs;
      summary.notes.push_back("input-int16: input " + inputs + " quantized to int16, read by Conv " + convs);
    }
    if (!fixed.empty()) {
      metadata["quantization_source"] = "QDQ model: " + std::to_string(fixed.activations.size()) + " activations, " +
                                        std::to_string(fixed.weights.size()) + " weights fixed by the source";
      if (!calibrate) metadata["calibration_method"] = "none (imported QDQ parameters)";
    }
  } else if (options.dynamic) {  // dynamic_quant.h
    const DynamicQuantStats d = quantize_dynamic(g);
    summary.int8_nodes = d.matmul + d.gemm + d.lstm;
    summary.fp32_nodes = static_cast<int>(g.nodes.size()) - summary.int8_nodes;
    metadata["quantization"] = "dynamic: int8 symmetric per-channel weights, uint8 activations quantized per row at run time (" +
                               std::to_string(d.matmul) + " MatMul, " + std::to_string(d.gemm) + " Gemm, " +
                               std::to_string(d.lstm) + " LSTM)";
  } else {
    summary.fp32_nodes = static_cast<int>(g.nodes.size());
  }
  summary.nodes = static_cast<int>(g.nodes.size());
  stage("quantization");
  const std::vector<uint8_t> bytes = write_qbin(g, metadata);
  // Re-verify what we are about to write: the runtime must accept it, or nothing is written.
  try {
    Runtime check(bytes.data(), bytes.size());
  } catch (const Error& e) {
    throw Error(std::string("internal error: the converted model does not load: ") + e.what());
  }
  if (!options.qdq_path.empty()) {
    const std::string qdq = export_qdq(g);
    write_file_atomically(options.qdq_path, qdq.data(), qdq.size());
  }
  if (!options.output_path.empty()) write_file_atomically(options.output_path, bytes.data(), bytes.size());
  if (!options.report_json_path.empty()) {
    const std::string json = report_json(summary.report, &summary.fallback);
    write_file_atomically(options.report_json_path, json.data(), json.size());
  }
  if (!options.report_html_path.empty()) {
    const std::string html = report_html(summary.report, &summary.fallback);
    write_file_atomically(options.report_html_path, html.data(), html.size());
  }
  summary.qbin_bytes = bytes.size();
  stage("write");
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return summary;
}

}  // namespace qinfer
