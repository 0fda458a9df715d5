// The converter's in-memory graph: ONNX nodes after import, rewritten by passes, annotated by
// the quantizer, then written as qbin. Values are keyed by name; nodes are topologically ordered.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "qinfer/tensor.h"

namespace qinfer::ir {

// Quantization annotation of a value (empty: not quantized).
struct Quant {
  std::vector<float> scale;
  std::vector<int32_t> zero_point;
  int axis = -1;
  bool empty() const { return scale.empty(); }
};

enum class Layout { Plain, NHWC };

struct Value {
  std::string name;
  DType dtype = DType::Float32;
  bool shape_known = false;               // rank and dims known (dims may be symbolic)
  std::vector<int64_t> dims;              // -1 where symbolic or unknown
  std::vector<std::string> dim_names;     // symbol name where symbolic, "" otherwise
  std::optional<Tensor> constant;         // data of initializers and folded constants
  Layout layout = Layout::Plain;
  Quant quant;
};

// A 1-D int64 tensor: the form ONNX gives pads, axes, starts/ends and split sizes as inputs.
Tensor int64_tensor(const std::vector<int64_t>& v);

// ONNX TensorProto element type codes (FLOAT = 1, ..., BFLOAT16 = 16) <-> DType: the one table
// for import, Cast's `to` and the QDQ export. False for codes qinfer has no DType for.
int onnx_type_code(DType d);
bool dtype_from_onnx_code(int64_t code, DType* d);

using Attr = std::variant<int64_t, float, std::string, std::vector<int64_t>, std::vector<float>, Tensor>;

struct Node {
  std::string name;
  std::string op;  // ONNX op type, or "qinfer.Quantize" / "qinfer.Dequantize"
  std::vector<std::string> inputs;   // "" marks an absent optional input
  std::vector<std::string> outputs;
  std::map<std::string, Attr> attrs;

  bool has(const std::string& key) const { return attrs.count(key) != 0; }
  int64_t get_int(const std::string& key, int64_t fallback) const;
  float get_float(const std::string& key, float fallback) const;
  std::string get_string(const std::string& key, const std::string& fallback) const;
  std::vector<int64_t> get_ints(const std::string& key) const;  // empty when absent
  std::string describe() const { return "node '" + name + "' (" + op + ")"; }
};

struct Graph {
  std::string source;  // the file it came from, for messages
  int64_t opset = 0;
  std::map<std::string, Value> values;
  std::vector<Node> nodes;
  std::vector<std::string> inputs, outputs;

  Value& value(const std::string& name);  // throws Error if unknown
  const Value& value(const std::string& name) const;
  bool is_constant(const std::string& name) const;
  // Indices of nodes that read `name`.
  std::vector<size_t> consumers(const std::string& name) const;
  bool is_graph_output(const std::string& name) const;
  // Drops values no node or graph output refers to any more.
  void remove_unused_values();
  // A name not used by any value yet, based on `base`.
  std::string unique_name(const std::string& base) const;
  // Adds a constant value holding `t` (dtype and known shape from the tensor) under
  // unique_name(base) and returns that name: the one way passes and the quantizer create constants.
  std::string add_constant(const std::string& base, Tensor t, Layout layout = Layout::Plain, Quant quant = {});
};

}  // namespace qinfer::ir
