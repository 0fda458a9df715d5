// Small qbin models built directly with the flatbuffers builder, for loader and runtime tests.
#pragma once

#include <flatbuffers/flatbuffers.h>

#include <cstdint>
#include <string>
#include <vector>

#include "qinfer_schema/qbin_generated.h"

namespace qinfer::testing {

struct TinyModelOptions {
  int32_t relu_input_index = 0;  // set out of range to corrupt the model
  int64_t batch_dim = -1;        // -1: symbolic "N"
};

// y = Relu(x) + x, with x float32 [N, 4]: one Relu node and one Add node.
inline std::vector<uint8_t> relu_add_model(const TinyModelOptions& o = {}) {
  flatbuffers::FlatBufferBuilder b;
  auto shape = [&](std::initializer_list<int64_t> dims) {
    std::vector<flatbuffers::Offset<fb::Dim>> out;
    for (int64_t d : dims) out.push_back(d < 0 ? fb::CreateDim(b, -1, b.CreateString("N")) : fb::CreateDim(b, d));
    return b.CreateVector(out);
  };
  std::vector<flatbuffers::Offset<fb::Tensor>> tensors = {
      fb::CreateTensor(b, b.CreateString("x"), fb::DType::Float32, shape({o.batch_dim, 4})),
      fb::CreateTensor(b, b.CreateString("r"), fb::DType::Float32, shape({o.batch_dim, 4})),
      fb::CreateTensor(b, b.CreateString("y"), fb::DType::Float32, shape({o.batch_dim, 4})),
  };
  std::vector<flatbuffers::Offset<fb::Node>> nodes = {
      fb::CreateNode(b, b.CreateString("relu"), fb::OpCode::Relu, 1, b.CreateVector(std::vector<int32_t>{o.relu_input_index}),
                     b.CreateVector(std::vector<int32_t>{1})),
      fb::CreateNode(b, b.CreateString("add"), fb::OpCode::Add, 1, b.CreateVector(std::vector<int32_t>{1, 0}),
                     b.CreateVector(std::vector<int32_t>{2}), fb::OpOptions::AddOptions, fb::CreateAddOptions(b).Union()),
  };
  std::vector<flatbuffers::Offset<fb::Buffer>> buffers = {fb::CreateBuffer(b)};
  auto model = fb::CreateModel(b, 1, b.CreateString("test"), b.CreateVector(tensors), b.CreateVector(buffers),
                               b.CreateVector(nodes), b.CreateVector(std::vector<int32_t>{0}),
                               b.CreateVector(std::vector<int32_t>{2}));
  fb::FinishSizePrefixedModelBuffer(b, model);
  return std::vector<uint8_t>(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());
}

}  // namespace qinfer::testing
