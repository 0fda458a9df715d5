#include "calib_images.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <vector>

#include "calibration.h"
#include "qinfer/error.h"
#include "qinfer/image.h"

namespace qinfer {

namespace {

bool has_image_extension(std::string name) {
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  for (const char* ext : {".png", ".jpg", ".jpeg"}) {
    const size_t n = std::strlen(ext);
    if (name.size() > n && name.compare(name.size() - n, n, ext) == 0) return true;
  }
  return false;
}

std::vector<std::string> image_files(const std::string& dir) {
  std::vector<std::string> files;
  DIR* d = opendir(dir.c_str());
  if (!d) return files;
  while (dirent* e = readdir(d))
    if (has_image_extension(e->d_name)) files.push_back(dir + "/" + e->d_name);
  closedir(d);
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

bool is_image_folder(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode) && !image_files(path).empty();
}

bool holds_npy_files(const std::string& path) {
  DIR* d = opendir(path.c_str());
  if (!d) return false;
  bool found = false;
  while (dirent* e = readdir(d)) {
    const std::string name = e->d_name;
    found = found || (name.size() > 4 && name.compare(name.size() - 4, 4, ".npy") == 0);
  }
  closedir(d);
  return found;
}

void check_preprocess_fits(const PreprocessSpec& spec, const std::string& input, DType dtype,
                           const std::vector<int64_t>& dims) {
  const std::string what = "--preprocess " + to_string(spec) + " for model input '" + input + "' of shape " +
                           shape_string(dims) + ": ";
  if (dtype != DType::Float32) throw Error(what + "the input must be float32, it is " + dtype_name(dtype));
  if (dims.size() != 4) throw Error(what + "the input must have rank 4 (an image batch), it has " + std::to_string(dims.size()));
  const int c = spec.nhwc ? 3 : 1, h = spec.nhwc ? 1 : 2, w = spec.nhwc ? 2 : 3;
  if (dims[c] >= 0 && dims[c] != spec.channels)
    throw Error(what + "channels=" + std::to_string(spec.channels) + " but the input has " + std::to_string(dims[c]) +
                " channels in layout=" + (spec.nhwc ? "nhwc" : "nchw"));
  const bool crop = spec.crop_height > 0;
  const int out_h = crop ? spec.crop_height : spec.resize_height, out_w = crop ? spec.crop_width : spec.resize_width;
  if (out_h > 0 && ((dims[h] >= 0 && dims[h] != out_h) || (dims[w] >= 0 && dims[w] != out_w)))
    throw Error(what + (crop ? "crop=" : "resize=") + std::to_string(out_h) + "x" + std::to_string(out_w) +
                " but the input is " + std::to_string(dims[h]) + "x" + std::to_string(dims[w]));
}

Tensor load_calibration_images(const std::string& dir, const PreprocessSpec& spec, int64_t limit) {
  std::vector<std::string> files = image_files(dir);
  if (files.empty()) throw Error(dir + ": calibration folder holds no .png/.jpg/.jpeg images");
  if (limit > 0 && static_cast<int64_t>(files.size()) > limit) files.resize(static_cast<size_t>(limit));
  Tensor batch;
  std::vector<int64_t> first_shape;
  for (size_t i = 0; i < files.size(); ++i) {
    const Tensor x = preprocess_image(read_image(files[i], 0), spec);
    if (i == 0) {
      std::vector<int64_t> shape = x.shape();
      shape[0] = static_cast<int64_t>(files.size());
      batch = Tensor(DType::Float32, shape);
      first_shape = x.shape();
    } else if (x.shape() != first_shape) {
      throw Error(files[i] + ": preprocessed to shape " + shape_string(x.shape()) + ", unlike the first image " +
                  files[0] + " (all calibration images must give one shape: add resize=HxW to --preprocess)");
    }
    std::memcpy(batch.data<float>() + i * static_cast<size_t>(x.element_count()), x.data<float>(), x.byte_size());
  }
  return batch;
}

Tensor limit_samples(Tensor batch, int64_t limit) {
  if (limit <= 0 || batch.shape().empty() || batch.shape()[0] <= limit) return batch;
  return sample_rows(batch, 0, limit);
}

}  // namespace qinfer
