// The runtime's view of one op implementation. A Kernel is created once per node at load time
// (it validates types and options and precomputes constants such as requantization
// multipliers), then computes output shapes for each input shape and runs. run() is const and
// may be called from several threads at once.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "model.h"
#include "thread_pool.h"

namespace qinfer {

using Shape = std::vector<int64_t>;

struct KernelIO {
  std::vector<const void*> inputs;        // nullptr where an optional input is absent
  std::vector<const Shape*> input_shapes;  // nullptr where absent
  std::vector<void*> outputs;
  std::vector<const Shape*> output_shapes;
  void* scratch = nullptr;  // scratch_bytes() bytes, 64-byte aligned, private to this run() call
};

class Kernel {
 public:
  virtual ~Kernel() = default;
  // Output shapes (logical, ONNX order) for the given input shapes; throws Error naming the
  // node and the shapes when they break the op's rules.
  virtual std::vector<Shape> output_shapes(const std::vector<const Shape*>& inputs) const = 0;
  // What the planner calls. `values` holds, per input, the data of inputs known at plan time
  // (constants and plan-time results, see planner.h), nullptr otherwise. Ops whose output
  // shapes depend on input values (Reshape, Slice, Resize, ...) override this one.
  virtual std::vector<Shape> output_shapes(const std::vector<const Shape*>& inputs,
                                           const std::vector<const void*>& values) const {
    (void)values;
    return output_shapes(inputs);
  }
  // Whether output_shapes needs input `index`'s values (Reshape's shape, Range's bounds, ...). When
  // such a value comes from a graph input, the runtime plans per value of that input (runtime.cpp).
  virtual bool needs_value(size_t index) const {
    (void)index;
    return false;
  }
  virtual void run(const KernelIO& io, ThreadPool& pool) const = 0;
  // Working memory run() needs for these shapes when split over `threads` threads (e.g. im2col
  // buffers). It comes from the arena, so run() never allocates.
  virtual size_t scratch_bytes(const std::vector<const Shape*>& inputs, const std::vector<const Shape*>& outputs,
                               int threads) const {
    (void)inputs, (void)outputs, (void)threads;
    return 0;
  }
  // Multiply-accumulates one run performs for these shapes (0 where not meaningful); used by
  // profiling to report GMAC/s.
  virtual int64_t macs(const std::vector<const Shape*>& inputs, const std::vector<const Shape*>& outputs) const {
    (void)inputs, (void)outputs;
    return 0;
  }
};

// Creates the kernel for `node`; throws Error if the op, version, types or options are not
// supported.
std::unique_ptr<Kernel> create_kernel(const Model& model, const NodeDesc& node);

}  // namespace qinfer
