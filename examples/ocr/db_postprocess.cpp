#include "db_postprocess.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace ocr {

std::vector<Box> db_boxes(const float* prob, int height, int width, const DbOptions& options) {
  std::vector<uint8_t> seen(static_cast<size_t>(height) * width, 0);
  std::vector<int> stack;
  std::vector<Point> pixels;
  std::vector<Box> boxes;
  for (int start = 0; start < height * width; ++start) {
    if (seen[start] || !(prob[start] > options.threshold)) continue;
    // Flood fill one 8-connected component, collecting its pixel centres and probability sum.
    double sum = 0.0;
    pixels.clear();
    seen[start] = 1;
    stack.assign(1, start);
    while (!stack.empty()) {
      const int p = stack.back();
      stack.pop_back();
      const int y = p / width, x = p % width;
      pixels.push_back({float(x) + 0.5f, float(y) + 0.5f});
      sum += prob[p];
      for (int dy = -1; dy <= 1; ++dy)
        for (int dx = -1; dx <= 1; ++dx) {
          const int ny = y + dy, nx = x + dx;
          if (ny < 0 || ny >= height || nx < 0 || nx >= width) continue;
          const int q = ny * width + nx;
          if (!seen[q] && prob[q] > options.threshold) seen[q] = 1, stack.push_back(q);
        }
    }
    const float score = float(sum / double(pixels.size()));
    // The rectangle through the pixel centres, as cv2.minAreaRect sees a contour.
    Box b;
    b.rect = min_area_rect(pixels);
    const float w = b.rect.width, h = b.rect.height;
    if (std::min(w, h) < float(options.min_size) || score < options.box_threshold) continue;
    const float d = w * h * options.unclip_ratio / (2.0f * (w + h));
    b.rect.width += 2.0f * d;
    b.rect.height += 2.0f * d;
    if (std::min(b.rect.width, b.rect.height) < float(options.min_size + 2)) continue;
    float lo_x = float(width), lo_y = float(height), hi_x = 0.0f, hi_y = 0.0f;
    for (const Point& c : b.rect.corners())
      lo_x = std::min(lo_x, c.x), lo_y = std::min(lo_y, c.y), hi_x = std::max(hi_x, c.x), hi_y = std::max(hi_y, c.y);
    b.x0 = std::max(0, int(std::floor(lo_x))), b.y0 = std::max(0, int(std::floor(lo_y)));
    b.x1 = std::min(width, int(std::ceil(hi_x))), b.y1 = std::min(height, int(std::ceil(hi_y)));
    b.score = score;
    boxes.push_back(b);
    if (int(boxes.size()) >= options.max_boxes) break;
  }
  // Reading order: by top edge, then (as PaddleOCR's sorted_boxes does) neighbours whose tops
  // are within 10 pixels count as one row and go left to right. A comparator with that
  // tolerance would not be a strict weak order, hence the insertion pass.
  std::sort(boxes.begin(), boxes.end(), [](const Box& a, const Box& b) { return a.y0 != b.y0 ? a.y0 < b.y0 : a.x0 < b.x0; });
  for (size_t i = 1; i < boxes.size(); ++i)
    for (size_t j = i; j > 0 && std::abs(boxes[j].y0 - boxes[j - 1].y0) < 10 && boxes[j].x0 < boxes[j - 1].x0; --j)
      std::swap(boxes[j], boxes[j - 1]);
  return boxes;
}

}  // namespace ocr
