// qrun: run a .qbin model on .npy inputs, write the outputs, time it.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <map>

#include "jit/cpu.h"
#include "qinfer/npy.h"
#include "qinfer/runtime.h"
#include "qinfer/version.h"

namespace {

using qinfer::Tensor;

// Rows [begin, end) of dimension 0.
Tensor slice_batch(const Tensor& t, int64_t begin, int64_t end) {
  std::vector<int64_t> shape = t.shape();
  const size_t row_bytes = shape[0] ? t.byte_size() / static_cast<size_t>(shape[0]) : 0;
  shape[0] = end - begin;
  Tensor out(t.dtype(), shape);
  std::memcpy(out.raw_data(), static_cast<const uint8_t*>(t.raw_data()) + begin * row_bytes, out.byte_size());
  return out;
}

Tensor concat_batch(const std::vector<Tensor>& parts) {
  std::vector<int64_t> shape = parts.front().shape();
  shape[0] = 0;
  for (const Tensor& p : parts) shape[0] += p.shape()[0];
  Tensor out(parts.front().dtype(), shape);
  size_t at = 0;
  for (const Tensor& p : parts) {
    std::memcpy(static_cast<uint8_t*>(out.raw_data()) + at, p.raw_data(), p.byte_size());
    at += p.byte_size();
  }
  return out;
}

// "y.npy" + output "logits" -> "y.logits.npy" (used when the model has several outputs).
std::string output_path(const std::string& base, const std::string& name, size_t outputs) {
  if (outputs == 1) return base;
  std::string clean;
  for (char c : name) clean += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  const size_t dot = base.rfind(".npy");
  return dot == std::string::npos ? base + "." + clean : base.substr(0, dot) + "." + clean + ".npy";
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// Worst-first table of node times; the total line sums all nodes.
void print_profile(std::vector<qinfer::NodeProfile> nodes) {
  double total = 0.0;
  int64_t total_macs = 0;
  for (const auto& n : nodes) total += n.ms, total_macs += n.macs;
  std::stable_sort(nodes.begin(), nodes.end(), [](const auto& a, const auto& b) { return a.ms > b.ms; });
  std::printf("%-56s %-18s %-18s %10s %7s %9s\n", "node", "op", "output shape", "ms", "share", "GMAC/s");
  for (const auto& n : nodes) {
    const std::string gmacs = n.macs ? std::to_string(double(n.macs) / (n.ms * 1e6)).substr(0, 7) : "";
    std::printf("%-56s %-18s %-18s %10.4f %6.1f%% %9s\n", n.name.substr(0, 56).c_str(), n.op.c_str(),
                qinfer::shape_string(n.out_shape).c_str(), n.ms, total > 0 ? 100.0 * n.ms / total : 0.0, gmacs.c_str());
  }
  std::printf("%-56s %-18s %-18s %10.4f %6.1f%% %9.2f\n", "total", "", "", total, 100.0,
              total > 0 ? double(total_macs) / (total * 1e6) : 0.0);
}

// qrun -v: which int8 GEMM/conv kernels this process uses (same rule as runtime/src/kernels/int8_gemm.h).
std::string int8_kernels() {
  const char* env = std::getenv("QINFER_ISA");
  const std::string isa = env ? env : "";
  if (isa == "ref") return "scalar reference (QINFER_ISA=ref)";
  if (isa == "hwy") return "Highway (QINFER_ISA=hwy)";
  const qinfer::jit::IsaChoice c = qinfer::jit::isa_request();
  std::string s = c.isa == qinfer::jit::Isa::kRef ? std::string("Highway (no JIT variant for this CPU)")
                                                    : std::string("x86 JIT ") + qinfer::jit::isa_name(c.isa);
  if (c.isa == qinfer::jit::Isa::kAmx) s += " (avx512vnni for GEMMs with K < 48)";
  const std::string& amx_note = qinfer::jit::cpu_features().amx_note;
  if (!amx_note.empty()) s += " (no AMX: " + amx_note + ")";
  return c.note.empty() ? s : s + " (" + c.note + ")";
}

double ms_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"qrun: run a qinfer .qbin model on .npy inputs.\n"
               "The first dimension of every input is the batch: it is split into runs of the model's batch size\n"
               "(or of --batch for a symbolic batch dimension) and the outputs are concatenated."};
  std::string model_path, output;
  std::vector<std::string> input_args;
  int warmup = 0, repeat = 0, threads = 1;
  int64_t batch = 32;
  bool profile = false;
  app.add_option("model", model_path, "the .qbin model")->required();
  app.add_option("-i,--input", input_args,
                 "input .npy; for several inputs NAME=FILE.npy, repeated")->required();
  app.add_option("-o,--output", output,
                 "write outputs as .npy here (several outputs: FILE.<output name>.npy)");
  app.add_option("--warmup", warmup, "untimed runs of one batch before timing")->check(CLI::NonNegativeNumber);
  app.add_option("--repeat", repeat, "timed runs of one batch; prints median_ms= and min_ms=")->check(CLI::NonNegativeNumber);
  app.add_option("--threads", threads, "worker threads inside one run")->check(CLI::PositiveNumber);
  app.add_option("--batch", batch, "samples per run when the model's batch dimension is symbolic (default 32; timing uses 1)")
      ->check(CLI::PositiveNumber);
  app.add_flag("--profile", profile,
               "print a per-node time table (median of --repeat runs of one batch, worst first) with GMAC/s");
  bool verbose = false;
  app.add_flag("-v,--verbose", verbose,
               "also print (on stderr) the load time, the recorded metadata, the int8 kernels chosen for this CPU, "
               "the input shapes and the time of the first run (which also plans the shapes)");
  app.footer("Exit codes: 0 success, 1 error (message on stderr), other non-zero values: bad command line.");
  app.set_version_flag("--version", std::string("qrun ") + qinfer::version_string());
  CLI11_PARSE(app, argc, argv);

  try {
    qinfer::Runtime::Options options;
    options.threads = threads;
    const auto load_start = std::chrono::steady_clock::now();
    const qinfer::Runtime rt(model_path, options);
    if (verbose) {
      std::fprintf(stderr, "qrun: -v: loaded %s in %.3f ms (%zu inputs, %zu outputs, %d threads)\n", model_path.c_str(),
                   ms_since(load_start), rt.inputs().size(), rt.outputs().size(), threads);
      for (const auto& [key, value] : rt.metadata()) std::fprintf(stderr, "qrun: -v: metadata %s: %s\n", key.c_str(), value.c_str());
      std::fprintf(stderr, "qrun: -v: int8 kernels: %s\n", int8_kernels().c_str());
    }
    const auto& infos = rt.inputs();

    std::map<std::string, Tensor> inputs;
    for (const std::string& arg : input_args) {
      const size_t eq = arg.find('=');
      if (eq == std::string::npos) {
        if (input_args.size() != 1 || infos.size() != 1)
          throw qinfer::Error("the model has " + std::to_string(infos.size()) + " inputs: give each as NAME=FILE.npy");
        inputs[infos[0].name] = qinfer::read_npy(arg);
      } else {
        inputs[arg.substr(0, eq)] = qinfer::read_npy(arg.substr(eq + 1));
      }
    }
    // Batch size per run: the model's fixed dim 0, else --batch.
    int64_t total = -1;
    for (const auto& info : infos) {
      const auto it = inputs.find(info.name);
      if (it == inputs.end()) throw qinfer::Error("input '" + info.name + "' was not given");
      if (it->second.shape().empty()) throw qinfer::Error("input '" + info.name + "' must have a batch dimension");
      if (total >= 0 && it->second.shape()[0] != total)
        throw qinfer::Error("inputs have different batch sizes (" + std::to_string(total) + " and " +
                            std::to_string(it->second.shape()[0]) + ")");
      total = it->second.shape()[0];
    }
    const bool fixed = !infos.empty() && !infos[0].shape.empty() && infos[0].shape[0] > 0;
    const int64_t per_run = fixed ? infos[0].shape[0] : batch;
    if (fixed && total % per_run != 0)
      throw qinfer::Error("batch of " + std::to_string(total) + " samples is not a multiple of the model's batch size " +
                          std::to_string(per_run));

    bool first_run = true;
    auto run_rows = [&](int64_t begin, int64_t end) {
      std::map<std::string, Tensor> part;
      for (const auto& [name, t] : inputs) part[name] = slice_batch(t, begin, end);
      const auto run_start = std::chrono::steady_clock::now();
      std::vector<Tensor> outs = rt.run(part);
      if (verbose && first_run)
        std::fprintf(stderr, "qrun: -v: first run of %lld samples (plans the shapes): %.3f ms\n",
                     static_cast<long long>(end - begin), ms_since(run_start));
      first_run = false;
      return outs;
    };
    if (verbose)
      for (const auto& [name, t] : inputs)
        std::fprintf(stderr, "qrun: -v: input %s %s shape %s, %lld samples per run\n", name.c_str(),
                     qinfer::dtype_name(t.dtype()), qinfer::shape_string(t.shape()).c_str(),
                     static_cast<long long>(per_run));

    const int64_t timing_rows = fixed ? per_run : 1;
    if (profile) {
      std::map<std::string, Tensor> part;
      for (const auto& [name, t] : inputs) part[name] = slice_batch(t, 0, timing_rows);
      for (int i = 0; i < warmup; ++i) rt.run(part);
      print_profile(rt.profile(part, std::max(repeat, 1)));
    }
    if (repeat > 0) {
      std::map<std::string, Tensor> part;
      for (const auto& [name, t] : inputs) part[name] = slice_batch(t, 0, timing_rows);
      std::vector<Tensor> outs;  // reused: timed runs allocate nothing (Runtime::run into outputs)
      for (int i = 0; i < warmup; ++i) rt.run(part, outs);
      std::vector<double> ms;
      ms.reserve(static_cast<size_t>(repeat));
      for (int i = 0; i < repeat; ++i) {
        const auto start = std::chrono::steady_clock::now();
        rt.run(part, outs);
        ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
      }
      std::printf("median_ms=%.4f\nmin_ms=%.4f\n", median(ms), *std::min_element(ms.begin(), ms.end()));
    }

    if (!output.empty() || repeat == 0) {
      std::vector<std::vector<Tensor>> per_output(rt.outputs().size());
      for (int64_t begin = 0; begin < total; begin += per_run) {
        std::vector<Tensor> outs = run_rows(begin, std::min(total, begin + per_run));
        for (size_t o = 0; o < outs.size(); ++o) per_output[o].push_back(std::move(outs[o]));
      }
      for (size_t o = 0; o < per_output.size(); ++o) {
        const Tensor all = concat_batch(per_output[o]);
        if (!output.empty()) qinfer::write_npy(output_path(output, rt.outputs()[o].name, per_output.size()), all);
        std::printf("output %s %s shape %s\n", rt.outputs()[o].name.c_str(), qinfer::dtype_name(all.dtype()),
                    qinfer::shape_string(all.shape()).c_str());
      }
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "qrun: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
