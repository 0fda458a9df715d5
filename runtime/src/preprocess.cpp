#include "qinfer/preprocess.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <set>

#include "qinfer/error.h"

namespace qinfer {

namespace {

constexpr int kMaxSide = 16384;
const char* const kKeys = "resize, crop, channels, order, scale, mean, std, layout";

[[noreturn]] void bad(const std::string& key, const std::string& value, const std::string& rule) {
  throw Error("--preprocess: " + key + "=" + value + ": " + rule);
}

double parse_number(const std::string& key, const std::string& text, const std::string& whole) {
  const char* begin = text.c_str();
  char* end = nullptr;
  const double v = std::strtod(begin, &end);
  if (text.empty() || end != begin + text.size() || !std::isfinite(v)) bad(key, whole, "'" + text + "' is not a finite number");
  return v;
}

std::vector<float> parse_list(const std::string& key, const std::string& value) {
  std::vector<float> out;
  size_t at = 0;
  while (true) {
    const size_t colon = value.find(':', at);
    out.push_back(static_cast<float>(parse_number(key, value.substr(at, colon - at), value)));
    if (colon == std::string::npos) break;
    at = colon + 1;
  }
  return out;
}

// The shortest decimal that reads back as the same float ("0.1307", not "0.130700007").
std::string format_float(float v) {
  char buf[40];
  for (int precision = 6; precision <= 9; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, static_cast<double>(v));
    if (std::strtof(buf, nullptr) == v) break;
  }
  return buf;
}

std::string format_double(double v) {
  char buf[40];
  for (int precision = 6; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  return buf;
}

std::string format_list(const std::vector<float>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ":" : "") + format_float(v[i]);
  return s;
}

// One float plane per model channel, at the image's size, in model channel order.
std::vector<std::vector<float>> channel_planes(const Image& image, const PreprocessSpec& spec) {
  const size_t n = static_cast<size_t>(image.height) * image.width;
  const int ic = image.channels;
  auto at = [&](size_t p, int c) { return static_cast<float>(image.pixels[p * ic + c]); };
  std::vector<std::vector<float>> planes(spec.channels, std::vector<float>(n));
  const bool colour = ic >= 3;  // 1: gray, 2: gray + alpha, 3: RGB, 4: RGBA
  for (size_t p = 0; p < n; ++p) {
    if (spec.channels == 1) {
      planes[0][p] = colour ? 0.299f * at(p, 0) + 0.587f * at(p, 1) + 0.114f * at(p, 2) : at(p, 0);
    } else {
      for (int c = 0; c < 3; ++c) {
        const int source = spec.bgr ? 2 - c : c;
        planes[c][p] = colour ? at(p, source) : at(p, 0);
      }
    }
  }
  return planes;
}

// Bilinear resize of one plane with half-pixel centres (source = (dst + 0.5) * in / out - 0.5,
// clamped to the edge), like cv2.INTER_LINEAR without the rounding to 8 bits.
std::vector<float> resize_plane(const std::vector<float>& in, int ih, int iw, int oh, int ow) {
  std::vector<float> out(static_cast<size_t>(oh) * ow);
  auto taps = [](int dst, int in_size, int out_size, int* i0, int* i1, float* f) {
    float s = (static_cast<float>(dst) + 0.5f) * static_cast<float>(in_size) / static_cast<float>(out_size) - 0.5f;
    s = std::max(s, 0.0f);
    *i0 = std::min(static_cast<int>(s), in_size - 1);
    *i1 = std::min(*i0 + 1, in_size - 1);
    *f = s - static_cast<float>(*i0);
  };
  for (int y = 0; y < oh; ++y) {
    int y0, y1;
    float fy;
    taps(y, ih, oh, &y0, &y1, &fy);
    for (int x = 0; x < ow; ++x) {
      int x0, x1;
      float fx;
      taps(x, iw, ow, &x0, &x1, &fx);
      const float top = in[size_t(y0) * iw + x0] * (1 - fx) + in[size_t(y0) * iw + x1] * fx;
      const float bottom = in[size_t(y1) * iw + x0] * (1 - fx) + in[size_t(y1) * iw + x1] * fx;
      out[size_t(y) * ow + x] = top * (1 - fy) + bottom * fy;
    }
  }
  return out;
}

}  // namespace

PreprocessSpec parse_preprocess(const std::string& text) {
  if (text.empty()) throw Error("--preprocess: empty spec (known keys: " + std::string(kKeys) + ")");
  PreprocessSpec s;
  std::set<std::string> seen;
  size_t at = 0;
  while (at <= text.size()) {
    const size_t comma = std::min(text.find(',', at), text.size());
    const std::string item = text.substr(at, comma - at);
    at = comma + 1;
    const size_t eq = item.find('=');
    if (eq == std::string::npos) throw Error("--preprocess: '" + item + "' is not key=value (known keys: " + kKeys + ")");
    const std::string key = item.substr(0, eq), value = item.substr(eq + 1);
    if (!seen.insert(key).second) bad(key, value, "the key is given twice");
    if (key == "resize" || key == "crop") {
      const size_t x = value.find('x');
      const double h = x == std::string::npos ? 0 : parse_number(key, value.substr(0, x), value);
      const double w = x == std::string::npos ? 0 : parse_number(key, value.substr(x + 1), value);
      if (h != std::floor(h) || w != std::floor(w) || h < 1 || w < 1 || h > kMaxSide || w > kMaxSide)
        bad(key, value, "must be HEIGHTxWIDTH, integers in 1.." + std::to_string(kMaxSide));
      (key == "resize" ? s.resize_height : s.crop_height) = static_cast<int>(h);
      (key == "resize" ? s.resize_width : s.crop_width) = static_cast<int>(w);
    } else if (key == "channels") {
      if (value != "1" && value != "3") bad(key, value, "must be 1 or 3");
      s.channels = value == "1" ? 1 : 3;
    } else if (key == "order") {
      if (value != "rgb" && value != "bgr") bad(key, value, "must be rgb or bgr");
      s.bgr = value == "bgr";
    } else if (key == "layout") {
      if (value != "nchw" && value != "nhwc") bad(key, value, "must be nchw or nhwc");
      s.nhwc = value == "nhwc";
    } else if (key == "scale") {
      const size_t slash = value.find('/');
      const double num = parse_number(key, value.substr(0, slash), value);
      const double den = slash == std::string::npos ? 1.0 : parse_number(key, value.substr(slash + 1), value);
      if (den == 0.0 || num / den == 0.0 || !std::isfinite(num / den)) bad(key, value, "must be a finite non-zero number or fraction");
      s.scale = num / den;
    } else if (key == "mean") {
      s.mean = parse_list(key, value);
    } else if (key == "std") {
      s.std = parse_list(key, value);
      for (float v : s.std)
        if (!(v > 0.0f)) bad(key, value, "every std must be > 0");
    } else {
      throw Error("--preprocess: unknown key '" + key + "' (in '" + item + "'; known keys: " + kKeys + ")");
    }
  }
  for (const char* key : {"mean", "std"}) {
    const std::vector<float>& v = std::string(key) == "mean" ? s.mean : s.std;
    if (v.size() != 1 && v.size() != static_cast<size_t>(s.channels))
      bad(key, format_list(v), "needs 1 value or one per channel (" + std::to_string(s.channels) + ", see channels=)");
  }
  if (s.channels == 1 && s.bgr) bad("order", "bgr", "channel order needs channels=3");
  if (s.crop_height > 0 && s.resize_height > 0 && (s.crop_height > s.resize_height || s.crop_width > s.resize_width))
    bad("crop", std::to_string(s.crop_height) + "x" + std::to_string(s.crop_width),
        "must fit inside resize=" + std::to_string(s.resize_height) + "x" + std::to_string(s.resize_width));
  return s;
}

std::string to_string(const PreprocessSpec& s) {
  std::string scale = format_double(s.scale);
  const double inverse = std::round(1.0 / s.scale);
  if (inverse > 1 && inverse < 1e9 && 1.0 / inverse == s.scale) scale = "1/" + format_double(inverse);
  std::string out;
  if (s.resize_height > 0) out += "resize=" + std::to_string(s.resize_height) + "x" + std::to_string(s.resize_width) + ",";
  if (s.crop_height > 0) out += "crop=" + std::to_string(s.crop_height) + "x" + std::to_string(s.crop_width) + ",";
  return out + "channels=" + std::to_string(s.channels) + ",order=" + (s.bgr ? "bgr" : "rgb") + ",scale=" + scale +
         ",mean=" + format_list(s.mean) + ",std=" + format_list(s.std) + ",layout=" + (s.nhwc ? "nhwc" : "nchw");
}

std::vector<int64_t> preprocessed_shape(const PreprocessSpec& s, int height, int width) {
  const int64_t h = s.crop_height > 0 ? s.crop_height : s.resize_height > 0 ? s.resize_height : height;
  const int64_t w = s.crop_height > 0 ? s.crop_width : s.resize_height > 0 ? s.resize_width : width;
  return s.nhwc ? std::vector<int64_t>{1, h, w, s.channels} : std::vector<int64_t>{1, s.channels, h, w};
}

Tensor preprocess_image(const Image& image, const PreprocessSpec& s) {
  if (image.height <= 0 || image.width <= 0 || image.channels < 1 || image.channels > 4 ||
      image.pixels.size() != static_cast<size_t>(image.height) * image.width * image.channels)
    throw Error("preprocess: malformed image " + std::to_string(image.height) + "x" + std::to_string(image.width) + "x" +
                std::to_string(image.channels) + " with " + std::to_string(image.pixels.size()) +
                " bytes (need height, width >= 1, 1..4 channels, height*width*channels bytes)");
  std::vector<std::vector<float>> planes = channel_planes(image, s);
  int h = image.height, w = image.width;
  if (s.resize_height > 0 && (s.resize_height != h || s.resize_width != w)) {
    for (auto& p : planes) p = resize_plane(p, h, w, s.resize_height, s.resize_width);
    h = s.resize_height, w = s.resize_width;
  }
  if (s.crop_height > 0 && (s.crop_height != h || s.crop_width != w)) {
    if (s.crop_height > h || s.crop_width > w)
      throw Error("preprocess: crop=" + std::to_string(s.crop_height) + "x" + std::to_string(s.crop_width) +
                  " is larger than the " + std::string(s.resize_height > 0 ? "resized " : "") + "image " +
                  std::to_string(h) + "x" + std::to_string(w));
    const int top = (h - s.crop_height) / 2, left = (w - s.crop_width) / 2;
    for (auto& p : planes) {
      std::vector<float> c(static_cast<size_t>(s.crop_height) * s.crop_width);
      for (int y = 0; y < s.crop_height; ++y)
        std::copy_n(&p[size_t(y + top) * w + left], s.crop_width, &c[size_t(y) * s.crop_width]);
      p = std::move(c);
    }
    h = s.crop_height, w = s.crop_width;
  }
  Tensor t(DType::Float32, preprocessed_shape(s, h, w));
  float* out = t.data<float>();
  const size_t n = static_cast<size_t>(h) * w;
  const float scale = static_cast<float>(s.scale);
  for (int c = 0; c < s.channels; ++c) {
    const float mean = s.mean.size() == 1 ? s.mean[0] : s.mean[c];
    const float std = s.std.size() == 1 ? s.std[0] : s.std[c];
    for (size_t p = 0; p < n; ++p) {
      const float v = (planes[c][p] * scale - mean) / std;
      out[s.nhwc ? p * s.channels + c : c * n + p] = v;
    }
  }
  return t;
}

Tensor preprocess_image(const Image& image, const std::map<std::string, std::string>& metadata) {
  const auto it = metadata.find(kPreprocessMetadataKey);
  if (it == metadata.end())
    throw Error("the model records no input preprocessing (convert it with qconv --preprocess SPEC)");
  return preprocess_image(image, parse_preprocess(it->second));
}

}  // namespace qinfer
