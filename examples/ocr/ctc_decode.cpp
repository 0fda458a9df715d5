#include "ctc_decode.h"

#include <algorithm>
#include <fstream>

#include "qinfer/error.h"

namespace ocr {

Dictionary::Dictionary(const std::string& path) : path_(path) {
  std::ifstream in(path);
  if (!in) throw qinfer::Error(path + ": cannot open the recogniser dictionary");
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    keys_.push_back(line);
  }
  if (keys_.empty()) throw qinfer::Error(path + ": the recogniser dictionary is empty (expected one character per line)");
}

std::string ctc_decode(const qinfer::Tensor& probs, const Dictionary& dict) {
  const auto& s = probs.shape();
  if (s.size() != 3 || s[0] != 1 || s[2] != static_cast<int64_t>(dict.classes()))
    throw qinfer::Error("recogniser output has shape " + qinfer::shape_string(s) + ", expected 1 x T x " +
                        std::to_string(dict.classes()) + " (blank + the " + std::to_string(dict.classes() - 2) +
                        " characters of " + dict.path() + " + space): wrong model or dictionary?");
  const int64_t classes = s[2];
  const float* p = probs.data<float>();
  std::string text;
  int64_t previous = 0;
  for (int64_t t = 0; t < s[1]; ++t, p += classes) {
    const int64_t c = std::max_element(p, p + classes) - p;
    if (c != 0 && c != previous) text += dict.text(static_cast<size_t>(c));
    previous = c;
  }
  const size_t b = text.find_first_not_of(' '), e = text.find_last_not_of(' ');
  return b == std::string::npos ? std::string() : text.substr(b, e - b + 1);
}

}  // namespace ocr
