#include "reference/window_nd.h"

#include <algorithm>
#include <limits>

namespace qinfer::ref {

namespace {

// Splits a flat row-major index over `extent` into coordinates.
void unflatten(int rank, const int64_t* extent, int64_t flat, int64_t* coord) {
  for (int a = rank - 1; a >= 0; --a) {
    coord[a] = flat % extent[a];
    flat /= extent[a];
  }
}

// Calls visit(flat input offset) for every in-bounds tap of output position `o`'s window.
template <typename Visit>
void for_each_tap(const WindowGeometryNd& g, const int64_t* o, Visit visit) {
  int64_t k[WindowGeometryNd::kMaxRank];
  for (int64_t kf = 0; kf < g.kernel_size(); ++kf) {
    unflatten(g.rank, g.kernel, kf, k);
    int64_t offset = 0;
    bool inside = true;
    for (int a = 0; a < g.rank && inside; ++a) {
      const int64_t i = o[a] * g.stride[a] - g.pad_begin[a] + k[a] * g.dilation[a];
      inside = i >= 0 && i < g.in[a];
      offset = offset * g.in[a] + i;
    }
    if (inside) visit(kf, offset);
  }
}

}  // namespace

void conv_nd_f32(const WindowGeometryNd& g, const float* x, const float* w, const float* bias, float out_min,
                 float out_max, float* y, int64_t plane_begin, int64_t plane_end) {
  const int64_t icg = g.in_c / g.groups, ocg = g.out_c / g.groups, ks = g.kernel_size();
  int64_t o[WindowGeometryNd::kMaxRank];
  for (int64_t p = plane_begin; p < plane_end; ++p) {
    const int64_t n = p / g.out_c, oc = p % g.out_c, grp = oc / ocg;
    for (int64_t of = 0; of < g.out_size(); ++of) {
      unflatten(g.rank, g.out, of, o);
      double acc = 0.0;
      for (int64_t icl = 0; icl < icg; ++icl) {
        const float* plane = x + (n * g.in_c + grp * icg + icl) * g.in_size();
        const float* wk = w + (oc * icg + icl) * ks;
        for_each_tap(g, o, [&](int64_t kf, int64_t at) { acc += double(plane[at]) * double(wk[kf]); });
      }
      const float v = static_cast<float>(acc) + (bias ? bias[oc] : 0.0f);
      y[p * g.out_size() + of] = std::min(std::max(v, out_min), out_max);
    }
  }
}

void conv_transpose_nd_f32(const WindowGeometryNd& g, const float* x, const float* w, const float* bias, float out_min,
                           float out_max, float* y, int64_t plane_begin, int64_t plane_end) {
  const int64_t icg = g.in_c / g.groups, ocg = g.out_c / g.groups, ks = g.kernel_size();
  int64_t o[WindowGeometryNd::kMaxRank], k[WindowGeometryNd::kMaxRank];
  for (int64_t p = plane_begin; p < plane_end; ++p) {
    const int64_t n = p / g.out_c, oc = p % g.out_c, grp = oc / ocg, ocl = oc % ocg;
    for (int64_t of = 0; of < g.out_size(); ++of) {
      unflatten(g.rank, g.out, of, o);
      double acc = 0.0;
      for (int64_t kf = 0; kf < ks; ++kf) {
        unflatten(g.rank, g.kernel, kf, k);
        int64_t offset = 0;  // the input position this tap reads, if any: o + pad - k * dilation = i * stride
        bool hit = true;
        for (int a = 0; a < g.rank && hit; ++a) {
          const int64_t t = o[a] + g.pad_begin[a] - k[a] * g.dilation[a];
          hit = t >= 0 && t % g.stride[a] == 0 && t / g.stride[a] < g.in[a];
          offset = offset * g.in[a] + t / g.stride[a];
        }
        if (!hit) continue;
        for (int64_t icl = 0; icl < icg; ++icl) {
          const int64_t ic = grp * icg + icl;
          acc += double(x[(n * g.in_c + ic) * g.in_size() + offset]) * double(w[(ic * ocg + ocl) * ks + kf]);
        }
      }
      const float v = static_cast<float>(acc) + (bias ? bias[oc] : 0.0f);
      y[p * g.out_size() + of] = std::min(std::max(v, out_min), out_max);
    }
  }
}

void maxpool_nd_f32(const WindowGeometryNd& g, const float* x, float* y, int64_t plane_begin, int64_t plane_end) {
  int64_t o[WindowGeometryNd::kMaxRank];
  for (int64_t p = plane_begin; p < plane_end; ++p) {
    const float* plane = x + p * g.in_size();
    for (int64_t of = 0; of < g.out_size(); ++of) {
      unflatten(g.rank, g.out, of, o);
      float best = -std::numeric_limits<float>::infinity();
      for_each_tap(g, o, [&](int64_t, int64_t at) { best = std::max(best, plane[at]); });
      y[p * g.out_size() + of] = best;
    }
  }
}

void avgpool_nd_f32(const WindowGeometryNd& g, bool count_include_pad, const float* x, float* y, int64_t plane_begin,
                    int64_t plane_end) {
  int64_t o[WindowGeometryNd::kMaxRank];
  for (int64_t p = plane_begin; p < plane_end; ++p) {
    const float* plane = x + p * g.in_size();
    for (int64_t of = 0; of < g.out_size(); ++of) {
      unflatten(g.rank, g.out, of, o);
      double sum = 0.0;
      int64_t taps = 0;
      for_each_tap(g, o, [&](int64_t, int64_t at) { sum += plane[at], ++taps; });
      const int64_t divisor = count_include_pad ? g.kernel_size() : taps;
      y[p * g.out_size() + of] = divisor ? static_cast<float>(sum / static_cast<double>(divisor)) : 0.0f;
    }
  }
}

}  // namespace qinfer::ref
