// CTC greedy decoding of the PP-OCR recogniser's output over its dictionary.
#pragma once

#include <string>
#include <vector>

#include "qinfer/tensor.h"

namespace ocr {

// The recogniser's classes: 0 is the CTC blank, class i (1..n) is line i of the dictionary file
// (ppocr_keys_v1.txt, one UTF-8 character per line), class n + 1 is a space.
class Dictionary {
 public:
  // Throws qinfer::Error naming the file when it is missing or empty.
  explicit Dictionary(const std::string& path);
  size_t classes() const { return keys_.size() + 2; }
  const std::string& path() const { return path_; }
  // Text of class c (1..classes()-1).
  const std::string& text(size_t c) const { return c <= keys_.size() ? keys_[c - 1] : space_; }

 private:
  std::string path_;
  std::vector<std::string> keys_;
  std::string space_ = " ";
};

// Arg-max class per time step, repeats merged, blanks dropped, leading/trailing spaces trimmed.
// `probs` is 1 x T x classes; throws qinfer::Error when its shape does not fit the dictionary.
std::string ctc_decode(const qinfer::Tensor& probs, const Dictionary& dict);

}  // namespace ocr
