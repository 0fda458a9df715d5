// Writes a calibration batch for qconv from images, preprocessed exactly as ocr_example does,
// so the int8 ranges are measured on what the deployed pipeline feeds the models.
//
//   ocr_make_calib det OUT.npy PAGE.png...   # N x 3 x H x W (all pages must give one size)
//   ocr_make_calib rec OUT.npy LINE.png...   # N x 3 x 48 x W, each line padded to the widest
//
// A batch is needed because qconv's calibration takes samples of one shape, while text lines
// have many widths. Exit codes: 0 success, 1 error (message on stderr), 2 bad command line.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "preprocess.h"
#include "qinfer/image.h"
#include "qinfer/npy.h"

namespace {

qinfer::Tensor stack(const std::vector<qinfer::Tensor>& samples, const std::vector<std::string>& names) {
  std::vector<int64_t> shape = samples[0].shape();
  for (size_t i = 1; i < samples.size(); ++i)
    if (samples[i].shape() != shape)
      throw qinfer::Error(names[i] + ": preprocessed to " + qinfer::shape_string(samples[i].shape()) + " but " + names[0] +
                          " to " + qinfer::shape_string(shape) + " (calibration samples must share one shape)");
  shape[0] = static_cast<int64_t>(samples.size());
  qinfer::Tensor all(qinfer::DType::Float32, shape);
  for (size_t i = 0; i < samples.size(); ++i)
    std::memcpy(all.data<float>() + i * samples[0].element_count(), samples[i].data<float>(), samples[i].byte_size());
  return all;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string kind = argc > 1 ? argv[1] : "";
  if (argc < 4 || (kind != "det" && kind != "rec")) {
    std::fprintf(stderr, "usage: ocr_make_calib det|rec OUT.npy IMAGE...\n");
    return 2;
  }
  try {
    std::vector<std::string> names(argv + 3, argv + argc);
    std::vector<qinfer::Image> images;
    for (const std::string& n : names) images.push_back(qinfer::read_image(n, 3));
    std::vector<qinfer::Tensor> samples;
    if (kind == "det") {
      for (const qinfer::Image& im : images) samples.push_back(ocr::det_input(im).tensor);
    } else {
      int widest = 0;
      for (const qinfer::Image& im : images)
        widest = std::max(widest, int(std::ceil(float(ocr::kRecHeight) * float(im.width) / float(im.height))));
      for (const qinfer::Image& im : images) samples.push_back(ocr::rec_input(im, widest));
    }
    const qinfer::Tensor batch = stack(samples, names);
    qinfer::write_npy(argv[2], batch);
    std::printf("%s: %s calibration batch %s\n", argv[2], kind.c_str(), qinfer::shape_string(batch.shape()).c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ocr_make_calib: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
