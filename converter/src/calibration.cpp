#include "calibration.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <mutex>

#include "qinfer/error.h"
#include "qinfer/npy.h"
#include "qinfer/runtime.h"

namespace qinfer {

namespace {

std::vector<std::string> npy_files_in(const std::string& dir) {
  std::vector<std::string> files;
  DIR* d = opendir(dir.c_str());
  if (!d) throw Error(dir + ": cannot open calibration folder");
  while (dirent* e = readdir(d)) {
    const std::string name = e->d_name;
    if (name.size() > 4 && name.compare(name.size() - 4, 4, ".npy") == 0) files.push_back(dir + "/" + name);
  }
  closedir(d);
  std::sort(files.begin(), files.end());
  if (files.empty()) throw Error(dir + ": calibration folder holds no .npy files");
  return files;
}

// A tensor as a batch of samples: rank `rank` (dim 0 = samples), or one sample of rank - 1.
Tensor as_batch(Tensor t, size_t rank, const std::string& what) {
  if (t.dtype() != DType::Float32 && t.dtype() != DType::Int64)  // int64: token ids and the like
    throw Error(what + ": calibration data must be float32, got " + dtype_name(t.dtype()) +
                " (int64 is accepted too, for integer inputs such as token ids)");
  if (t.shape().size() == rank) return t;
  if (t.shape().size() + 1 == rank) {
    std::vector<int64_t> shape = t.shape();
    shape.insert(shape.begin(), 1);
    Tensor b(t.dtype(), shape);
    std::memcpy(b.raw_data(), t.raw_data(), t.byte_size());
    return b;
  }
  throw Error(what + ": shape " + shape_string(t.shape()) + " does not fit a model input of rank " +
              std::to_string(rank) + " (expected a batch of rank " + std::to_string(rank) + " or one sample of rank " +
              std::to_string(rank - 1) + ")");
}

}  // namespace

Tensor load_calibration_samples(const std::string& path, size_t rank) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) throw Error(path + ": calibration data not found");
  if (!S_ISDIR(st.st_mode)) {
    Tensor t = as_batch(read_npy(path), rank, path);
    if (t.shape()[0] == 0) throw Error(path + ": calibration data holds no samples");
    return t;
  }
  std::vector<Tensor> parts;
  for (const std::string& f : npy_files_in(path)) {
    parts.push_back(as_batch(read_npy(f), rank, f));
    if (parts.size() > 1 && !std::equal(parts[0].shape().begin() + 1, parts[0].shape().end(),
                                        parts.back().shape().begin() + 1, parts.back().shape().end()))
      throw Error(f + ": sample shape " + shape_string(parts.back().shape()) + " differs from " +
                  shape_string(parts[0].shape()) + " of the first file (all calibration samples must match)");
  }
  std::vector<int64_t> shape = parts[0].shape();
  shape[0] = 0;
  for (const Tensor& p : parts) shape[0] += p.shape()[0];
  for (const Tensor& p : parts)
    if (p.dtype() != parts[0].dtype()) throw Error(path + ": calibration files mix float32 and int64 data");
  Tensor all(parts[0].dtype(), shape);
  size_t at = 0;
  for (const Tensor& p : parts) {
    std::memcpy(static_cast<uint8_t*>(all.raw_data()) + at, p.raw_data(), p.byte_size());
    at += p.byte_size();
  }
  return all;
}

Tensor sample_rows(const Tensor& samples, int64_t begin, int64_t count) {
  std::vector<int64_t> shape = samples.shape();
  shape[0] = count;
  Tensor part(samples.dtype(), shape);
  const size_t row_bytes = samples.byte_size() / static_cast<size_t>(samples.shape()[0]);
  std::memcpy(part.raw_data(), static_cast<const uint8_t*>(samples.raw_data()) + begin * row_bytes, part.byte_size());
  return part;
}

std::map<std::string, ClipRange> choose_ranges(const std::map<std::string, Histogram>& histograms, RangeMethod method,
                                               double percentile) {
  std::map<std::string, ClipRange> ranges;
  for (const auto& [name, h] : histograms)
    if (!h.empty()) ranges[name] = choose_range(h, method, percentile);
  return ranges;
}

std::map<std::string, Histogram> collect_histograms(const std::vector<uint8_t>& fp32_qbin, const Tensor& samples,
                                                    int64_t batch, int threads,
                                                    const std::function<void(int64_t, int64_t)>& progress) {
  std::map<std::string, Histogram> ranges;
  Runtime::Options options;
  options.threads = threads;
  options.observer = [&ranges](const TensorView& t) {
    if (t.dtype == DType::Float32) ranges[t.name].add(static_cast<const float*>(t.data), element_count(t.shape));
  };
  const Runtime rt(fp32_qbin.data(), fp32_qbin.size(), options);
  const TensorInfo& input = rt.inputs().at(0);
  if (input.shape.size() != samples.shape().size())
    throw Error("calibration samples of shape " + shape_string(samples.shape()) + " do not match input '" + input.name +
                "' of rank " + std::to_string(input.shape.size()));
  const bool fixed_batch = input.shape[0] > 0;
  if (fixed_batch) batch = input.shape[0];
  const int64_t total = samples.shape()[0];
  if (fixed_batch && total % batch != 0)
    throw Error("calibration holds " + std::to_string(total) + " samples, not a multiple of the model's batch size " +
                std::to_string(batch));
  if (samples.dtype() == DType::Float32) ranges[input.name].add(samples.data<float>(), samples.element_count());
  for (int64_t begin = 0; begin < total; begin += batch) {
    const int64_t count = std::min(batch, total - begin);
    rt.run(sample_rows(samples, begin, count));
    if (progress) progress(begin + count, total);
  }
  return ranges;
}

}  // namespace qinfer
