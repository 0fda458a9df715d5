// A loaded, verified qbin model: the flatbuffer plus decoded descriptions of its tensors and
// nodes. Everything here has passed the checks in model.cpp; later stages may trust it.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "qinfer/tensor.h"
#include "qinfer_schema/qbin_generated.h"

namespace qinfer {

struct QuantParams {
  std::vector<float> scale;
  std::vector<int32_t> zero_point;
  int axis = -1;
  bool empty() const { return scale.empty(); }
};

struct TensorDesc {
  std::string name;
  DType dtype = DType::Float32;
  fb::Layout layout = fb::Layout::Plain;
  std::vector<int64_t> dims;            // -1 where symbolic
  std::vector<std::string> dim_names;   // name of each symbolic dim ("" for fixed)
  QuantParams quant;
  const uint8_t* constant = nullptr;    // constant data (inside the model bytes), or nullptr
  size_t constant_bytes = 0;
  bool is_constant() const { return constant != nullptr; }
};

struct NodeDesc {
  std::string name;
  fb::OpCode op;
  int version = 1;
  std::vector<int> inputs;   // -1: absent optional input
  std::vector<int> outputs;
  const fb::Node* fb = nullptr;
  // Set on a Conv into which the runtime fused the int8 Add that consumed its output
  // (residual_fusion.h): inputs[3] is the Add's other operand, outputs the Add's, and the Conv's
  // own (no longer materialized) output tensor is fused_conv_output.
  const fb::Node* fused_add = nullptr;
  int fused_conv_output = -1;
};

class Model {
 public:
  // Verifies `bytes` (flatbuffers verifier, then semantic checks) and decodes them.
  // `source` names the model in error messages (a path or "<memory>").
  Model(const void* data, size_t size, std::string source);

  const std::string& source() const { return source_; }
  const std::vector<TensorDesc>& tensors() const { return tensors_; }
  const std::vector<NodeDesc>& nodes() const { return nodes_; }
  const std::vector<int>& inputs() const { return inputs_; }
  const std::vector<int>& outputs() const { return outputs_; }
  const std::map<std::string, std::string>& metadata() const { return metadata_; }

  // Replaces the node list with a result-preserving rewrite of it (plan-time fusions); checks the
  // order again.
  void replace_nodes(std::vector<NodeDesc> nodes);

  // "node 'name' (Conv)" for messages.
  std::string describe(const NodeDesc& node) const;

 private:
  void decode_tensors(const fb::Model& m);
  void decode_nodes(const fb::Model& m);
  void check_graph_order();
  [[noreturn]] void fail(const std::string& what) const;

  struct FreeAligned {
    void operator()(void* p) const;
  };
  std::unique_ptr<void, FreeAligned> bytes_;  // 64-byte aligned copy: weight buffers keep their alignment
  std::string source_;
  std::vector<TensorDesc> tensors_;
  std::vector<NodeDesc> nodes_;
  std::vector<int> inputs_, outputs_;
  std::map<std::string, std::string> metadata_;
};

const char* op_name(fb::OpCode op);

}  // namespace qinfer
