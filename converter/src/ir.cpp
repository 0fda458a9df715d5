#include "ir.h"

#include <cstring>
#include <set>

#include "qinfer/error.h"

namespace qinfer::ir {

std::string Graph::add_constant(const std::string& base, Tensor t, Layout layout, Quant quant) {
  Value v;
  v.name = unique_name(base);
  v.dtype = t.dtype();
  v.dims = t.shape();
  v.dim_names.assign(v.dims.size(), "");
  v.shape_known = true;
  v.constant = std::move(t);
  v.layout = layout;
  v.quant = std::move(quant);
  const std::string name = v.name;
  values[name] = std::move(v);
  return name;
}

namespace {
constexpr std::pair<int, DType> kOnnxTypes[] = {
    {1, DType::Float32}, {2, DType::UInt8},  {3, DType::Int8},      {6, DType::Int32},  {7, DType::Int64},
    {9, DType::Bool},    {10, DType::Float16}, {11, DType::Float64}, {12, DType::UInt32}, {13, DType::UInt64},
    {16, DType::BFloat16}};
}  // namespace

int onnx_type_code(DType d) {
  for (const auto& [code, dtype] : kOnnxTypes)
    if (dtype == d) return code;
  return 0;  // UNDEFINED
}

bool dtype_from_onnx_code(int64_t code, DType* d) {
  for (const auto& [c, dtype] : kOnnxTypes)
    if (c == code) return *d = dtype, true;
  return false;
}

Tensor int64_tensor(const std::vector<int64_t>& v) {
  Tensor t(DType::Int64, {static_cast<int64_t>(v.size())});
  if (!v.empty()) std::memcpy(t.raw_data(), v.data(), v.size() * sizeof(int64_t));
  return t;
}

int64_t Node::get_int(const std::string& key, int64_t fallback) const {
  auto it = attrs.find(key);
  if (it == attrs.end()) return fallback;
  if (auto* v = std::get_if<int64_t>(&it->second)) return *v;
  throw Error(describe() + ": attribute '" + key + "' must be an integer");
}

float Node::get_float(const std::string& key, float fallback) const {
  auto it = attrs.find(key);
  if (it == attrs.end()) return fallback;
  if (auto* v = std::get_if<float>(&it->second)) return *v;
  throw Error(describe() + ": attribute '" + key + "' must be a float");
}

std::string Node::get_string(const std::string& key, const std::string& fallback) const {
  auto it = attrs.find(key);
  if (it == attrs.end()) return fallback;
  if (auto* v = std::get_if<std::string>(&it->second)) return *v;
  throw Error(describe() + ": attribute '" + key + "' must be a string");
}

std::vector<int64_t> Node::get_ints(const std::string& key) const {
  auto it = attrs.find(key);
  if (it == attrs.end()) return {};
  if (auto* v = std::get_if<std::vector<int64_t>>(&it->second)) return *v;
  throw Error(describe() + ": attribute '" + key + "' must be a list of integers");
}

Value& Graph::value(const std::string& name) {
  auto it = values.find(name);
  if (it == values.end()) throw Error(source + ": unknown tensor '" + name + "'");
  return it->second;
}

const Value& Graph::value(const std::string& name) const {
  auto it = values.find(name);
  if (it == values.end()) throw Error(source + ": unknown tensor '" + name + "'");
  return it->second;
}

bool Graph::is_constant(const std::string& name) const {
  auto it = values.find(name);
  return it != values.end() && it->second.constant.has_value();
}

std::vector<size_t> Graph::consumers(const std::string& name) const {
  std::vector<size_t> out;
  for (size_t i = 0; i < nodes.size(); ++i)
    for (const std::string& in : nodes[i].inputs)
      if (in == name) {
        out.push_back(i);
        break;
      }
  return out;
}

bool Graph::is_graph_output(const std::string& name) const {
  for (const std::string& o : outputs)
    if (o == name) return true;
  return false;
}

void Graph::remove_unused_values() {
  std::set<std::string> used(inputs.begin(), inputs.end());
  used.insert(outputs.begin(), outputs.end());
  for (const Node& n : nodes) {
    used.insert(n.inputs.begin(), n.inputs.end());
    used.insert(n.outputs.begin(), n.outputs.end());
  }
  for (auto it = values.begin(); it != values.end();) it = used.count(it->first) ? std::next(it) : values.erase(it);
}

std::string Graph::unique_name(const std::string& base) const {
  if (!values.count(base)) return base;
  for (int i = 1;; ++i) {
    const std::string candidate = base + "_" + std::to_string(i);
    if (!values.count(candidate)) return candidate;
  }
}

}  // namespace qinfer::ir
