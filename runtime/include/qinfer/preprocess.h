// Input preprocessing recorded in a qbin (qconv --preprocess SPEC, metadata key "preprocess") and
// applied to an 8-bit image, so a deployment does not re-implement it. Part of the qinfer_image
// library (with the decoder), not of the core runtime.
//
//   qinfer::Runtime rt("model.qbin");
//   qinfer::Tensor x = qinfer::preprocess_image(qinfer::read_image("cat.png", 0), rt.metadata());
//   auto y = rt.run(x);
//
// SPEC: comma-separated key=value pairs, every key optional (docs/cli.md):
//   resize=HxW        bilinear resize to H rows, W columns (half-pixel centres, like cv2.INTER_LINEAR,
//                     no rounding back to 8 bits); absent: the image keeps its size
//   crop=HxW          after resizing, keep the central H x W pixels (offsets floor((h - H) / 2),
//                     floor((w - W) / 2)); an image smaller than that is an Error
//   channels=1|3      channels of the model input (default 3); a gray image is replicated to 3,
//                     a colour image becomes gray as 0.299 R + 0.587 G + 0.114 B
//   order=rgb|bgr     channel order of the model input (default rgb)
//   scale=S           pixels are multiplied by S first: a number or a fraction "1/255" (default 1)
//   mean=M[:M...]     subtracted after scaling: one value, or one per channel (default 0)
//   std=S[:S...]      divided by after subtracting the mean: one value, or one per channel (default 1)
//   layout=nchw|nhwc  memory order of the 1xCxHxW / 1xHxWxC float32 tensor (default nchw)
// value = (pixel * scale - mean[c]) / std[c]
#pragma once

#include <map>
#include <string>
#include <vector>

#include "qinfer/image.h"
#include "qinfer/tensor.h"

namespace qinfer {

struct PreprocessSpec {
  int resize_height = 0, resize_width = 0;  // 0: keep the image's size
  int crop_height = 0, crop_width = 0;      // 0: no centre crop
  int channels = 3;
  bool bgr = false;
  double scale = 1.0;
  std::vector<float> mean{0.0f}, std{1.0f};  // one value or `channels` values
  bool nhwc = false;
};

// The metadata key under which qconv records the canonical spec.
constexpr const char* kPreprocessMetadataKey = "preprocess";

// Parses and validates SPEC; throws Error naming the bad key and value and the rule.
PreprocessSpec parse_preprocess(const std::string& spec);
// The canonical SPEC string (every key, fixed order); parse_preprocess(to_string(s)) == s.
std::string to_string(const PreprocessSpec& spec);

// The model input shape the spec produces for an image of height x width: [1,C,H,W] or [1,H,W,C].
std::vector<int64_t> preprocessed_shape(const PreprocessSpec& spec, int height, int width);

// Applies the spec to an 8-bit HWC image (1, 3 or 4 channels; alpha is dropped) and returns the
// float32 model input with a batch dimension of 1. Throws Error on an empty or malformed image.
Tensor preprocess_image(const Image& image, const PreprocessSpec& spec);
// Same, with the spec recorded in a model's metadata (Runtime::metadata()); throws Error when the
// model records none.
Tensor preprocess_image(const Image& image, const std::map<std::string, std::string>& metadata);

}  // namespace qinfer
