// Calibration samples from a folder of PNG/JPEG images (qconv --calib DIR --preprocess SPEC).
#pragma once

#include <string>
#include <vector>

#include "qinfer/preprocess.h"
#include "qinfer/tensor.h"

namespace qinfer {

// True when `path` is a folder holding at least one .png/.jpg/.jpeg file (any case).
bool is_image_folder(const std::string& path);

// The folder's images, sorted by name, at most `limit` of them (0: all), each decoded and
// preprocessed with `spec`, as one float32 batch. Throws Error naming the image whose size differs
// from the first (give resize= in the spec) or that fails to decode.
Tensor load_calibration_images(const std::string& dir, const PreprocessSpec& spec, int64_t limit);

// True when `path` is a folder holding at least one .npy file.
bool holds_npy_files(const std::string& path);

// Checks that `spec` produces tensors for a model input of this name, type and dims (-1: any):
// float32, rank 4, the spec's channels and resize where the input fixes them. Throws Error naming
// the input, the spec value and the model's dimension.
void check_preprocess_fits(const PreprocessSpec& spec, const std::string& input, DType dtype,
                           const std::vector<int64_t>& dims);

// The first `limit` samples of a batch (limit <= 0 or >= the batch: unchanged).
Tensor limit_samples(Tensor batch, int64_t limit);

}  // namespace qinfer
