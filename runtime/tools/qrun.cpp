// qrun: run a .qbin model on .npy inputs, write the outputs, time it.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <map>

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
  app.set_version_flag("--version", std::string("qrun ") + qinfer::version_string());
  CLI11_PARSE(app, argc, argv);

  try {
    qinfer::Runtime::Options options;
    options.threads = threads;
    const qinfer::Runtime rt(model_path, options);
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

    auto run_rows = [&](int64_t begin, int64_t end) {
      std::map<std::string, Tensor> part;
      for (const auto& [name, t] : inputs) part[name] = slice_batch(t, begin, end);
      return rt.run(part);
    };

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
      for (int i = 0; i < warmup; ++i) rt.run(part);
      std::vector<double> ms;
      for (int i = 0; i < repeat; ++i) {
        const auto start = std::chrono::steady_clock::now();
        rt.run(part);
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
