#include <gtest/gtest.h>

#include <cstring>
#include <thread>

#include "qinfer/runtime.h"
#include "runtime/tiny_models.h"

namespace qinfer {

namespace {
Runtime tiny_runtime(const testing::TinyModelOptions& o = {}, int threads = 1) {
  const std::vector<uint8_t> bytes = testing::relu_add_model(o);
  Runtime::Options opts;
  opts.threads = threads;
  return Runtime(bytes.data(), bytes.size(), opts);
}

std::string run_error(const Runtime& rt, const Tensor& x) {
  try {
    rt.run(x);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST(Runtime, DescribesInputsAndOutputs) {
  const Runtime rt = tiny_runtime();
  ASSERT_EQ(rt.inputs().size(), 1u);
  EXPECT_EQ(rt.inputs()[0].name, "x");
  EXPECT_EQ(rt.inputs()[0].shape, (std::vector<int64_t>{-1, 4}));
  EXPECT_EQ(rt.inputs()[0].dim_names[0], "N");
  ASSERT_EQ(rt.outputs().size(), 1u);
  EXPECT_EQ(rt.outputs()[0].name, "y");
}

TEST(Runtime, RunsWithAnyBatchOnASymbolicDimension) {
  const Runtime rt = tiny_runtime();
  for (int64_t n : {1, 3, 1, 5}) {
    Tensor x(DType::Float32, {n, 4});
    for (int64_t i = 0; i < x.element_count(); ++i) x.data<float>()[i] = static_cast<float>(i % 7) - 3.0f;
    const std::vector<Tensor> y = rt.run(x);
    ASSERT_EQ(y[0].shape(), x.shape());
    for (int64_t i = 0; i < x.element_count(); ++i) {
      const float v = x.data<float>()[i];
      EXPECT_EQ(y[0].data<float>()[i], std::max(v, 0.0f) + v);
    }
  }
}

TEST(Runtime, RefusesAnInputShapeThatNeedsMoreThanTheMemoryLimit) {
  const std::vector<uint8_t> bytes = testing::relu_add_model();
  Runtime::Options opts;
  opts.max_memory_bytes = 64 * 1024;
  const Runtime rt(bytes.data(), bytes.size(), opts);
  EXPECT_NO_THROW(rt.run(Tensor(DType::Float32, {16, 4})));  // a few hundred bytes
  const std::string error = run_error(rt, Tensor(DType::Float32, {100000, 4}));  // 1.6 MB per tensor
  EXPECT_NE(error.find("memory limit of 65536 bytes"), std::string::npos) << error;
  EXPECT_NO_THROW(rt.run(Tensor(DType::Float32, {3, 4})));  // the refusal left the runtime usable
}

TEST(Runtime, NamedInputsAndErrors) {
  const Runtime rt = tiny_runtime();
  Tensor x(DType::Float32, {2, 4});
  EXPECT_NO_THROW(rt.run(std::map<std::string, Tensor>{{"x", x}}));
  try {
    rt.run(std::map<std::string, Tensor>{{"nope", x}});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no input named 'nope'"), std::string::npos) << e.what();
  }
  EXPECT_NE(run_error(rt, Tensor(DType::Int64, {2, 4})).find("must be float32, got int64"), std::string::npos);
  EXPECT_NE(run_error(rt, Tensor(DType::Float32, {2, 5})).find("dimension 1 must be 4"), std::string::npos);
  EXPECT_NE(run_error(rt, Tensor(DType::Float32, {8})).find("must have rank 2"), std::string::npos);
}

TEST(Runtime, ProfileListsEveryNodeInGraphOrder) {
  const Runtime rt = tiny_runtime();
  const std::vector<NodeProfile> p = rt.profile({{"x", Tensor(DType::Float32, {3, 4})}}, 5);
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0].name, "relu");
  EXPECT_EQ(p[0].op, "Relu fp32");
  EXPECT_EQ(p[1].name, "add");
  EXPECT_EQ(p[1].out_shape, (std::vector<int64_t>{3, 4}));
  for (const NodeProfile& n : p) EXPECT_GE(n.ms, 0.0);
}

TEST(Runtime, ConcurrentRunsMatchSequentialOnes) {
  const Runtime rt = tiny_runtime({}, 2);
  Tensor x(DType::Float32, {16, 4});
  for (int64_t i = 0; i < x.element_count(); ++i) x.data<float>()[i] = static_cast<float>(i) * 0.37f - 9.0f;
  const std::vector<Tensor> expected = rt.run(x);
  std::vector<std::thread> threads;
  std::vector<int> mismatches(8, 0);
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        const std::vector<Tensor> y = rt.run(x);
        if (std::memcmp(y[0].raw_data(), expected[0].raw_data(), y[0].byte_size()) != 0) ++mismatches[t];
      }
    });
  for (auto& th : threads) th.join();
  for (int t = 0; t < 8; ++t) EXPECT_EQ(mismatches[t], 0) << "thread " << t;
}

}  // namespace qinfer
