// The smallest rotated rectangle around a set of points (what cv2.minAreaRect gives PaddleOCR),
// so slanted text lines get a tight box instead of their larger axis-aligned bounds.
#pragma once

#include <vector>

namespace ocr {

struct Point {
  float x = 0.0f, y = 0.0f;
};

// Centre, the unit vector along `width` and the side lengths. The width axis is the side closer
// to horizontal, pointing right (axis.x > 0); the height axis is (-axis.y, axis.x), pointing down.
struct RotatedRect {
  Point center;
  Point axis{1.0f, 0.0f};
  float width = 0.0f, height = 0.0f;
  // Corners clockwise on screen from the top-left: top-left, top-right, bottom-right, bottom-left.
  std::vector<Point> corners() const;
};

// Convex hull + rotating calipers. Fewer than 3 distinct points give a rectangle with a zero side.
RotatedRect min_area_rect(std::vector<Point> points);

}  // namespace ocr
