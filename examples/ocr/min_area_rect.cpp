#include "min_area_rect.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace ocr {

namespace {

float cross(const Point& o, const Point& a, const Point& b) { return (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x); }

// Andrew's monotone chain; counter-clockwise in y-up terms, no collinear points.
std::vector<Point> convex_hull(std::vector<Point> p) {
  std::sort(p.begin(), p.end(), [](const Point& a, const Point& b) { return a.x != b.x ? a.x < b.x : a.y < b.y; });
  p.erase(std::unique(p.begin(), p.end(), [](const Point& a, const Point& b) { return a.x == b.x && a.y == b.y; }), p.end());
  if (p.size() < 3) return p;
  std::vector<Point> hull(2 * p.size());
  size_t k = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    while (k >= 2 && cross(hull[k - 2], hull[k - 1], p[i]) <= 0) --k;
    hull[k++] = p[i];
  }
  for (size_t i = p.size() - 1, lower = k + 1; i-- > 0;) {
    while (k >= lower && cross(hull[k - 2], hull[k - 1], p[i]) <= 0) --k;
    hull[k++] = p[i];
  }
  hull.resize(k - 1);
  return hull;
}

// The rectangle with one side along unit vector e that encloses `hull`.
RotatedRect enclosing(const std::vector<Point>& hull, Point e) {
  const Point n{-e.y, e.x};
  float lo_e = std::numeric_limits<float>::max(), hi_e = -lo_e, lo_n = lo_e, hi_n = -lo_e;
  for (const Point& q : hull) {
    const float pe = q.x * e.x + q.y * e.y, pn = q.x * n.x + q.y * n.y;
    lo_e = std::min(lo_e, pe), hi_e = std::max(hi_e, pe), lo_n = std::min(lo_n, pn), hi_n = std::max(hi_n, pn);
  }
  RotatedRect r;
  const float me = 0.5f * (lo_e + hi_e), mn = 0.5f * (lo_n + hi_n);
  r.center = {e.x * me + n.x * mn, e.y * me + n.y * mn};
  r.axis = e;
  r.width = hi_e - lo_e;
  r.height = hi_n - lo_n;
  return r;
}

// Width along the side closer to horizontal, pointing right.
RotatedRect normalized(RotatedRect r) {
  if (std::fabs(r.axis.y) > std::fabs(r.axis.x)) {
    r.axis = {-r.axis.y, r.axis.x};  // the other side becomes the width axis
    std::swap(r.width, r.height);
  }
  if (r.axis.x < 0) r.axis = {-r.axis.x, -r.axis.y};
  return r;
}

}  // namespace

std::vector<Point> RotatedRect::corners() const {
  const Point n{-axis.y, axis.x};
  const float w = 0.5f * width, h = 0.5f * height;
  return {{center.x - axis.x * w - n.x * h, center.y - axis.y * w - n.y * h},
          {center.x + axis.x * w - n.x * h, center.y + axis.y * w - n.y * h},
          {center.x + axis.x * w + n.x * h, center.y + axis.y * w + n.y * h},
          {center.x - axis.x * w + n.x * h, center.y - axis.y * w + n.y * h}};
}

RotatedRect min_area_rect(std::vector<Point> points) {
  const std::vector<Point> hull = convex_hull(std::move(points));
  RotatedRect best;
  if (hull.empty()) return best;
  if (hull.size() == 1) {
    best.center = hull[0];
    return best;
  }
  float best_area = std::numeric_limits<float>::max();
  for (size_t i = 0; i < hull.size(); ++i) {
    const Point& a = hull[i];
    const Point& b = hull[(i + 1) % hull.size()];
    const float len = std::hypot(b.x - a.x, b.y - a.y);
    if (len == 0.0f) continue;
    const RotatedRect r = enclosing(hull, {(b.x - a.x) / len, (b.y - a.y) / len});
    if (r.width * r.height < best_area) best = r, best_area = r.width * r.height;
  }
  return normalized(best);
}

}  // namespace ocr
