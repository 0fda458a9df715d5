#include "hessian.h"

#include <algorithm>
#include <map>

#include "calibration.h"
#include "linalg.h"
#include "qbin_writer.h"
#include "qinfer/error.h"
#include "qinfer/runtime.h"

namespace qinfer {

namespace {

std::vector<int64_t> two_ints(const ir::Node& n, const char* key, int64_t fallback) {
  std::vector<int64_t> v = n.get_ints(key);
  return v.size() == 2 ? v : std::vector<int64_t>{fallback, fallback};
}

// Adds X^T X of the rows x[rows, k] to h: a GEMM for wide rows, plain loops where k is small
// (depthwise 3x3: k = 9).
void add_gram(const float* x, int64_t rows, int64_t k, double* h, std::vector<float>* tmp) {
  if (rows == 0) return;
  if (k <= 32) {
    for (int64_t r = 0; r < rows; ++r) {
      const float* v = x + r * k;
      for (int64_t i = 0; i < k; ++i)
        for (int64_t j = 0; j < k; ++j) h[i * k + j] += double(v[i]) * v[j];
    }
    return;
  }
  tmp->resize(static_cast<size_t>(k * k));
  linalg::matmul(k, k, rows, {x, 1, k}, {x, k, 1}, tmp->data(), k);
  for (int64_t i = 0; i < k * k; ++i) h[i] += (*tmp)[i];
}

// Rows [first, first + count) of group `g_`'s im2col matrix of one NCHW batch: row = output position
// (b, oy, ox), column = (input channel of the group, ky, kx).
struct Im2col {
  int64_t cg, kh, kw, C, H, W, ho, wo;
  std::vector<int64_t> strides, dil, pads;
  void rows(const float* x, int64_t g_, int64_t first, int64_t count, float* out) const {
    for (int64_t p = first; p < first + count; ++p) {
      const int64_t b = p / (ho * wo), oy = p / wo % ho, ox = p % wo;
      for (int64_t c = 0; c < cg; ++c) {
        const float* plane = x + (b * C + g_ * cg + c) * H * W;
        for (int64_t ky = 0; ky < kh; ++ky) {
          const int64_t iy = oy * strides[0] - pads[0] + ky * dil[0];
          for (int64_t kx = 0; kx < kw; ++kx) {
            const int64_t ix = ox * strides[1] - pads[1] + kx * dil[1];
            *out++ = iy >= 0 && iy < H && ix >= 0 && ix < W ? plane[iy * W + ix] : 0.0f;
          }
        }
      }
    }
  }
};

}  // namespace

bool has_layer_hessian(const ir::Graph& g, const ir::Node& n) {
  if (n.inputs.size() < 2 || !g.is_constant(n.inputs[1]) || g.is_constant(n.inputs[0])) return false;
  const ir::Value& x = g.value(n.inputs[0]);
  if (x.dtype != DType::Float32 || !x.shape_known) return false;
  const Tensor& w = *g.value(n.inputs[1]).constant;
  if (n.op == "Conv") {  // a Conv whose channels do not add up is left to nearest rounding (and to the checks that name it)
    const int64_t groups = n.get_int("group", 1);
    return x.dims.size() == 4 && w.shape().size() == 4 && w.dtype() == DType::Float32 && groups > 0 &&
           w.shape()[0] % groups == 0 && (x.dims[1] < 0 || x.dims[1] == w.shape()[1] * groups);
  }
  if (n.op == "Gemm") return x.dims.size() == 2 && w.shape().size() == 2 && n.get_int("transA", 0) == 0;
  return false;
}

int64_t layer_hessian_bytes(const ir::Graph& g, const ir::Node& n) {
  const auto& s = g.value(n.inputs[1]).constant->shape();
  if (n.op == "Gemm") {
    const int64_t k = s[n.get_int("transB", 0) ? 1 : 0];
    return k * k * 8;
  }
  const int64_t k = s[1] * s[2] * s[3], groups = n.get_int("group", 1);
  return groups * k * k * 8;
}

void accumulate_hessian(const ir::Graph& g, const ir::Node& n, const float* x, const std::vector<int64_t>& shape,
                        LayerHessian* h) {
  std::vector<float> tmp;
  if (n.op == "Gemm") {
    if (shape.size() != 2 || shape[1] != h->k)
      throw Error(n.describe() + ": input '" + n.inputs[0] + "' has shape " + shape_string(shape) +
                  ", expected [N, " + std::to_string(h->k) + "] for its Hessian");
    add_gram(x, shape[0], h->k, h->h.data(), &tmp);
    h->positions += shape[0];
    return;
  }
  const auto& ws = g.value(n.inputs[1]).constant->shape();  // [O, C/group, kh, kw]
  Im2col im{ws[1], ws[2], ws[3], 0, 0, 0, 0, 0, two_ints(n, "strides", 1), two_ints(n, "dilations", 1), {}};
  if (shape.size() != 4 || shape[1] != im.cg * h->groups)
    throw Error(n.describe() + ": input '" + n.inputs[0] + "' has shape " + shape_string(shape) + ", expected " +
                std::to_string(im.cg * h->groups) + " channels for its Hessian");
  im.pads = window_pads(g, n, {im.kh, im.kw}, im.strides, im.dil);
  im.C = shape[1], im.H = shape[2], im.W = shape[3];
  im.ho = (im.H + im.pads[0] + im.pads[2] - im.dil[0] * (im.kh - 1) - 1) / im.strides[0] + 1;
  im.wo = (im.W + im.pads[1] + im.pads[3] - im.dil[1] * (im.kw - 1) - 1) / im.strides[1] + 1;
  if (im.ho <= 0 || im.wo <= 0) return;
  const int64_t k = h->k, positions = shape[0] * im.ho * im.wo;
  const int64_t chunk = std::max<int64_t>(64, std::min<int64_t>(2048, (int64_t{1} << 21) / k));
  std::vector<float> rows(static_cast<size_t>(chunk * k));
  for (int64_t g_ = 0; g_ < h->groups; ++g_)
    for (int64_t first = 0; first < positions; first += chunk) {
      const int64_t count = std::min(chunk, positions - first);
      im.rows(x, g_, first, count, rows.data());
      add_gram(rows.data(), count, k, h->h.data() + g_ * k * k, &tmp);
    }
  h->positions += positions;
}

std::vector<LayerHessian> collect_hessians(const ir::Graph& g, const std::vector<uint8_t>& fp32_qbin,
                                           const Tensor& samples, int64_t batch, const std::vector<std::string>& nodes) {
  std::vector<LayerHessian> out;
  std::multimap<std::string, std::pair<const ir::Node*, size_t>> by_input;  // input tensor -> (node, index in out)
  for (const ir::Node& n : g.nodes) {
    if (std::find(nodes.begin(), nodes.end(), n.name) == nodes.end() || !has_layer_hessian(g, n)) continue;
    LayerHessian h;
    h.node = n.name;
    const auto& s = g.value(n.inputs[1]).constant->shape();
    h.groups = n.op == "Conv" ? n.get_int("group", 1) : 1;
    h.k = n.op == "Conv" ? s[1] * s[2] * s[3] : s[n.get_int("transB", 0) ? 1 : 0];
    h.h.assign(static_cast<size_t>(h.groups * h.k * h.k), 0.0);
    by_input.emplace(n.inputs[0], std::make_pair(&n, out.size()));
    out.push_back(std::move(h));
  }
  if (out.empty()) return out;
  auto feed = [&](const std::string& name, const float* data, const std::vector<int64_t>& shape) {
    auto range = by_input.equal_range(name);
    for (auto it = range.first; it != range.second; ++it) accumulate_hessian(g, *it->second.first, data, shape, &out[it->second.second]);
  };
  Runtime::Options options;
  options.observer = [&](const TensorView& t) {
    if (t.dtype == DType::Float32 && by_input.count(t.name)) feed(t.name, static_cast<const float*>(t.data), t.shape);
  };
  const Runtime rt(fp32_qbin.data(), fp32_qbin.size(), options);
  const std::string& input = g.inputs.at(0);  // the graph input is not observed: fed from the samples
  const int64_t total = samples.shape()[0];
  const int64_t fixed = rt.inputs()[0].shape[0], step = fixed > 0 ? fixed : std::max<int64_t>(1, batch);
  for (int64_t begin = 0; begin < total; begin += step) {
    if (fixed > 0 && begin + step > total) break;  // a fixed batch size takes whole batches only
    const Tensor part = sample_rows(samples, begin, std::min(step, total - begin));
    if (part.dtype() == DType::Float32 && by_input.count(input)) feed(input, part.data<float>(), part.shape());
    (void)rt.run(part);
  }
  return out;
}

}  // namespace qinfer
