// qinfer::Runtime: loads a .qbin model and runs it.
//
//   qinfer::Runtime rt("model.qbin");
//   std::vector<qinfer::Tensor> outputs = rt.run(input);
//
// Threading: run() may be called from several threads at once on one Runtime; each call gets
// its own working memory. Construction and destruction must not race with run().
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "qinfer/error.h"
#include "qinfer/tensor.h"

namespace qinfer {

// Name, element type and shape of a model input or output. A dimension of -1 is symbolic
// (dim_names holds its name); any size is accepted there, equal names must get equal sizes.
struct TensorInfo {
  std::string name;
  DType dtype;
  std::vector<int64_t> shape;
  std::vector<std::string> dim_names;
};

// Time spent in one node, from Runtime::profile().
struct NodeProfile {
  std::string name;
  std::string op;                  // qbin op name, with "int8", "int16" (the W8A16 input layer of
                                   // qconv --input-int16) or "fp32" appended: "Conv int8"
  std::vector<int64_t> out_shape;  // logical shape of the first output
  double ms = 0.0;                 // median over the profiled runs
  int64_t macs = 0;                // multiply-accumulates per run (Conv, Gemm), else 0
};

class Runtime {
 public:
  struct Options {
    int threads = 1;  // worker threads used inside one run() call
    // Upper bound on the working memory of one run() (arena: activations and kernel scratch)
    // and on every tensor computed while planning. A model or input shape that needs more is
    // refused with an Error naming the node and the size, before anything is allocated.
    // 0: no bound beyond what the allocator grants.
    size_t max_memory_bytes = 0;
    // Called after every node with each tensor it produced (calibration, debugging). The view
    // is valid only during the call. Slows run(): leave empty in production.
    std::function<void(const TensorView&)> observer;
    // Plan-time fusions that keep every output byte (an int8 Add into the Conv producing one of its
    // operands). Off, or with an observer, or with QINFER_FUSE=0: every node of the qbin runs, and
    // profile() lists it, on its own.
    bool fuse = true;
  };

  // Loads and verifies a model file; throws Error naming the file and the rule it breaks.
  explicit Runtime(const std::string& path);
  Runtime(const std::string& path, Options options);
  // Loads from memory (the bytes are copied).
  Runtime(const void* data, size_t size);
  Runtime(const void* data, size_t size, Options options);
  ~Runtime();
  Runtime(Runtime&&) noexcept;
  Runtime& operator=(Runtime&&) noexcept;

  const std::vector<TensorInfo>& inputs() const;
  const std::vector<TensorInfo>& outputs() const;

  // Single-input models. Returns the outputs in the order of outputs().
  std::vector<Tensor> run(const Tensor& input) const;
  // Any model: inputs by name. Returns the outputs in the order of outputs().
  std::vector<Tensor> run(const std::map<std::string, Tensor>& inputs) const;
  // The same, writing into `outputs` (resized to outputs().size(); tensors whose dtype and shape
  // already match are reused). After the first call for an input shape these make no heap
  // allocation (models with up to 8 inputs), which matters for tiny models run in a loop.
  void run(const Tensor& input, std::vector<Tensor>& outputs) const;
  void run(const std::map<std::string, Tensor>& inputs, std::vector<Tensor>& outputs) const;

  // Runs `runs` times and returns each node's median time, in graph order.
  std::vector<NodeProfile> profile(const std::map<std::string, Tensor>& inputs, int runs) const;

  // Key/value metadata the converter recorded (source model, calibration method, ...).
  const std::map<std::string, std::string>& metadata() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace qinfer
