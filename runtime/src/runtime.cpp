// Runtime: owns the verified model, one kernel per node, a cache of plans per input shape, and
// a free list of arenas so that concurrent run() calls each get private working memory. A graph
// input whose values decide shapes (ConstantOfShape(x), Range(start, limit, delta), Reshape(_, x),
// ...: planner.h value_inputs) is planned per value too: its data joins the plan's key and the
// plan holds it as a plan-time value, so each distinct value costs one plan, like a new shape.
#include "qinfer/runtime.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "file_util.h"
#include "kernels/kernel.h"
#include "model.h"
#include "planner.h"
#include "residual_fusion.h"
#include "thread_pool.h"

namespace qinfer {

namespace {

TensorInfo describe_io(const TensorDesc& t) { return {t.name, t.dtype, t.dims, t.dim_names}; }

struct Arena {
  struct FreeAligned {
    void operator()(void* p) const { std::free(p); }
  };
  std::unique_ptr<void, FreeAligned> data;
  size_t bytes = 0;
  KernelIO io;  // reused by every run() on this arena: its vectors keep their capacity
};

// The given inputs in the model's order, without a heap allocation for up to 8 inputs.
class OrderedInputs {
 public:
  explicit OrderedInputs(size_t n) : n_(n) {
    if (n > few_.size()) many_.resize(n);
  }
  const Tensor*& operator[](size_t i) { return n_ > few_.size() ? many_[i] : few_[i]; }
  const Tensor* const* data() const { return n_ > few_.size() ? many_.data() : few_.data(); }

 private:
  size_t n_;
  std::array<const Tensor*, 8> few_{};
  std::vector<const Tensor*> many_;
};

}  // namespace

struct Runtime::Impl {
  Impl(const void* data, size_t size, std::string source, Options opts)
      : model(data, size, std::move(source)), options(std::move(opts)), pool(std::max(1, options.threads)) {
    // An observer sees every tensor of the qbin's graph: fusing would hide the fused ones.
    if (options.fuse && !options.observer && residual_fusion_enabled()) model.replace_nodes(fuse_residual_adds(model));
    for (const NodeDesc& n : model.nodes()) kernels.push_back(create_kernel(model, n));
    value_input = value_inputs(model, kernels);
    for (int i : model.inputs()) inputs.push_back(describe_io(model.tensors()[i]));
    for (int i : model.outputs()) outputs.push_back(describe_io(model.tensors()[i]));
  }

  void order_inputs(const std::map<std::string, Tensor>& given, OrderedInputs& ordered) const;
  std::vector<Shape> check_inputs(const Tensor* const* given) const;
  std::shared_ptr<const Plan> cached_plan(const Tensor* const* given);
  std::shared_ptr<const Plan> plan_for(const Tensor* const* given);
  std::unique_ptr<Arena> take_arena(size_t bytes);
  void give_back(std::unique_ptr<Arena> arena);
  // Runs the model on inputs given in the model's order into `results` (reused where the dtype and
  // shape match). node_ms (optional) receives each node's wall time in milliseconds.
  void run(const Tensor* const* given, std::vector<Tensor>& results, std::vector<double>* node_ms = nullptr);

  Model model;
  Options options;
  std::vector<std::unique_ptr<Kernel>> kernels;
  std::vector<TensorInfo> inputs, outputs;
  ThreadPool pool;
  ThreadPool serial_pool{1};  // for nodes too small to share (Plan::serial)
  std::mutex mutex;  // guards plans and arenas
  std::vector<bool> value_input;  // per graph input: planned per value (see the top of this file)
  std::map<std::pair<std::vector<Shape>, std::string>, std::shared_ptr<const Plan>> plans;  // key: shapes, value-input bytes
  std::vector<std::unique_ptr<Arena>> arenas;
};

void Runtime::Impl::order_inputs(const std::map<std::string, Tensor>& given, OrderedInputs& ordered) const {
  for (const auto& [name, tensor] : given) {
    bool found = false;
    for (const TensorInfo& info : inputs) found = found || info.name == name;
    if (!found) {
      std::string names;
      for (const TensorInfo& info : inputs) names += (names.empty() ? "'" : ", '") + info.name + "'";
      throw Error(model.source() + ": the model has no input named '" + name + "' (inputs: " + names + ")");
    }
  }
  for (size_t i = 0; i < inputs.size(); ++i) {
    const auto it = given.find(inputs[i].name);
    if (it == given.end()) throw Error(model.source() + ": input '" + inputs[i].name + "' was not given");
    ordered[i] = &it->second;
  }
}

std::vector<Shape> Runtime::Impl::check_inputs(const Tensor* const* given) const {
  std::vector<Shape> shapes;
  std::map<std::string, int64_t> symbols;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const TensorInfo& info = inputs[i];
    const Tensor& t = *given[i];
    const std::string who = model.source() + ": input '" + info.name + "'";
    if (t.dtype() != info.dtype)
      throw Error(who + " must be " + dtype_name(info.dtype) + ", got " + dtype_name(t.dtype()));
    if (t.shape().size() != info.shape.size())
      throw Error(who + " must have rank " + std::to_string(info.shape.size()) + ", got shape " + shape_string(t.shape()));
    for (size_t d = 0; d < info.shape.size(); ++d) {
      const int64_t got = t.shape()[d];
      if (info.shape[d] >= 0 && got != info.shape[d])
        throw Error(who + " dimension " + std::to_string(d) + " must be " + std::to_string(info.shape[d]) + ", got shape " +
                    shape_string(t.shape()));
      if (info.shape[d] < 0) {
        auto [sym, fresh] = symbols.emplace(info.dim_names[d], got);
        if (!fresh && sym->second != got)
          throw Error(who + " dimension " + std::to_string(d) + " ('" + info.dim_names[d] + "') is " + std::to_string(got) +
                      " but another input gave '" + info.dim_names[d] + "' = " + std::to_string(sym->second));
      }
    }
    shapes.push_back(t.shape());
  }
  return shapes;
}

// The plan of inputs whose shapes (and value-input bytes) were planned, and so checked, before, if
// their dtypes are right; else nullptr. Compares in place: no key is built, nothing is allocated.
std::shared_ptr<const Plan> Runtime::Impl::cached_plan(const Tensor* const* given) {
  for (size_t i = 0; i < inputs.size(); ++i)
    if (given[i]->dtype() != inputs[i].dtype) return nullptr;
  std::lock_guard<std::mutex> lock(mutex);
  for (const auto& [key, plan] : plans) {
    bool same = true;
    for (size_t i = 0; i < inputs.size() && same; ++i) same = key.first[i] == given[i]->shape();
    size_t offset = 0;  // value-input bytes follow each other in key.second, in input order
    for (size_t i = 0; i < inputs.size() && same; ++i) {
      if (!value_input[i]) continue;
      const size_t bytes = given[i]->byte_size();
      same = offset + bytes <= key.second.size() &&
             std::memcmp(key.second.data() + offset, given[i]->raw_data(), bytes) == 0;
      offset += bytes;
    }
    if (same && offset == key.second.size()) return plan;
  }
  return nullptr;
}

std::shared_ptr<const Plan> Runtime::Impl::plan_for(const Tensor* const* given) {
  if (std::shared_ptr<const Plan> hit = cached_plan(given)) return hit;
  std::pair<std::vector<Shape>, std::string> key{check_inputs(given), {}};  // the string stays empty without value inputs
  std::vector<const Tensor*> values(inputs.size(), nullptr);
  for (size_t i = 0; i < inputs.size(); ++i)
    if (value_input[i]) {
      key.second.append(static_cast<const char*>(given[i]->raw_data()), given[i]->byte_size());
      values[i] = given[i];
    }
  auto plan = std::make_shared<const Plan>(make_plan(model, kernels, key.first, pool.threads(), options.max_memory_bytes, values));
  std::lock_guard<std::mutex> lock(mutex);
  return plans.emplace(std::move(key), std::move(plan)).first->second;
}

std::unique_ptr<Arena> Runtime::Impl::take_arena(size_t bytes) {
  {
    std::lock_guard<std::mutex> lock(mutex);
    for (auto it = arenas.begin(); it != arenas.end(); ++it)
      if ((*it)->bytes >= bytes) {
        std::unique_ptr<Arena> a = std::move(*it);
        arenas.erase(it);
        return a;
      }
  }
  auto a = std::make_unique<Arena>();
  a->bytes = std::max<size_t>(bytes, 64);
  a->data.reset(std::aligned_alloc(64, (a->bytes + 63) / 64 * 64));
  if (!a->data) throw Error(model.source() + ": out of memory allocating a " + std::to_string(bytes) + "-byte arena");
  return a;
}

void Runtime::Impl::give_back(std::unique_ptr<Arena> arena) {
  std::lock_guard<std::mutex> lock(mutex);
  arenas.push_back(std::move(arena));
}

void Runtime::Impl::run(const Tensor* const* given, std::vector<Tensor>& results, std::vector<double>* node_ms) {
  const std::shared_ptr<const Plan> plan = plan_for(given);
  std::unique_ptr<Arena> arena = take_arena(plan->arena_bytes);
  auto* base = static_cast<uint8_t*>(arena->data.get());
  const auto& tensors = model.tensors();
  // Graph inputs are read where the caller holds them (64-byte aligned Tensors; kernels never write
  // their inputs), not copied into the arena: a copy would cost a pass over the input per run, and
  // the other threads would then read those bytes from the calling thread's cache.
  auto address = [&](int t) -> uint8_t* {
    if (plan->values[t]) return static_cast<uint8_t*>(const_cast<void*>(plan->values[t]->raw_data()));  // plan-time value
    if (tensors[t].is_constant()) return const_cast<uint8_t*>(tensors[t].constant);
    for (size_t i = 0; i < inputs.size(); ++i)
      if (model.inputs()[i] == t) return static_cast<uint8_t*>(const_cast<void*>(given[i]->raw_data()));
    return base + plan->offsets[t];
  };
  KernelIO& io = arena->io;
  io.scratch = base + plan->scratch_offset;
  for (size_t n = 0; n < model.nodes().size(); ++n) {
    const NodeDesc& node = model.nodes()[n];
    io.inputs.clear(), io.input_shapes.clear(), io.outputs.clear(), io.output_shapes.clear();
    for (int t : node.inputs) {
      io.inputs.push_back(t >= 0 ? address(t) : nullptr);
      io.input_shapes.push_back(t >= 0 ? &plan->shapes[t] : nullptr);
    }
    for (int t : node.outputs) {
      io.outputs.push_back(address(t));
      io.output_shapes.push_back(&plan->shapes[t]);
    }
    const auto start = node_ms ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point{};
    if (!plan->at_plan_time[n]) kernels[n]->run(io, plan->serial[n] ? serial_pool : pool);  // plan-time nodes ran while planning
    if (node_ms) node_ms->push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
    if (options.observer)
      for (int t : node.outputs) options.observer(TensorView{tensors[t].name, tensors[t].dtype, plan->shapes[t], address(t)});
  }
  results.resize(model.outputs().size());
  for (size_t i = 0; i < results.size(); ++i) {
    const int t = model.outputs()[i];
    if (results[i].dtype() != tensors[t].dtype || results[i].shape() != plan->shapes[t])
      results[i] = Tensor(tensors[t].dtype, plan->shapes[t]);
    std::memcpy(results[i].raw_data(), address(t), results[i].byte_size());
  }
  give_back(std::move(arena));
}

Runtime::Runtime(const std::string& path) : Runtime(path, Options{}) {}
Runtime::Runtime(const std::string& path, Options options) {
  const std::vector<char> bytes = read_file_bytes(path);
  impl_ = std::make_unique<Impl>(bytes.data(), bytes.size(), path, std::move(options));
}
Runtime::Runtime(const void* data, size_t size) : Runtime(data, size, Options{}) {}
Runtime::Runtime(const void* data, size_t size, Options options)
    : impl_(std::make_unique<Impl>(data, size, "<memory>", std::move(options))) {}
Runtime::~Runtime() = default;
Runtime::Runtime(Runtime&&) noexcept = default;
Runtime& Runtime::operator=(Runtime&&) noexcept = default;

const std::vector<TensorInfo>& Runtime::inputs() const { return impl_->inputs; }
const std::vector<TensorInfo>& Runtime::outputs() const { return impl_->outputs; }
const std::map<std::string, std::string>& Runtime::metadata() const { return impl_->model.metadata(); }

std::vector<Tensor> Runtime::run(const Tensor& input) const {
  if (impl_->inputs.size() != 1)
    throw Error(impl_->model.source() + ": the model has " + std::to_string(impl_->inputs.size()) +
                " inputs; use run(std::map<name, Tensor>)");
  std::vector<Tensor> results;
  run(input, results);
  return results;
}

void Runtime::run(const Tensor& input, std::vector<Tensor>& outputs) const {
  if (impl_->inputs.size() != 1)
    throw Error(impl_->model.source() + ": the model has " + std::to_string(impl_->inputs.size()) +
                " inputs; use run(std::map<name, Tensor>)");
  const Tensor* given = &input;
  impl_->run(&given, outputs);
}

std::vector<NodeProfile> Runtime::profile(const std::map<std::string, Tensor>& inputs, int runs) const {
  OrderedInputs given(impl_->inputs.size());
  impl_->order_inputs(inputs, given);
  const auto& nodes = impl_->model.nodes();
  std::vector<std::vector<double>> samples(nodes.size());
  std::vector<Tensor> results;
  for (int r = 0; r < std::max(1, runs); ++r) {
    std::vector<double> ms;
    impl_->run(given.data(), results, &ms);
    for (size_t n = 0; n < nodes.size(); ++n) samples[n].push_back(ms[n]);
  }
  const std::shared_ptr<const Plan> plan = impl_->plan_for(given.data());
  const auto& tensors = impl_->model.tensors();
  std::vector<NodeProfile> out;
  for (size_t n = 0; n < nodes.size(); ++n) {
    NodeProfile p;
    p.name = nodes[n].name;
    const TensorDesc& y = tensors[nodes[n].outputs[0]];
    const int first_in = nodes[n].inputs.empty() ? -1 : nodes[n].inputs[0];
    const bool int8 = y.dtype != DType::Float32 || (first_in >= 0 && tensors[first_in].dtype != DType::Float32);
    // int16: the W8A16 input layer (its Quantize, and the Conv reading int16).
    const bool int16 = y.dtype == DType::Int16 || (first_in >= 0 && tensors[first_in].dtype == DType::Int16);
    p.op = std::string(op_name(nodes[n].op)) + (int16 ? " int16" : int8 ? " int8" : " fp32");
    p.out_shape = plan->shapes[nodes[n].outputs[0]];
    std::vector<double>& v = samples[n];
    std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
    p.ms = v[v.size() / 2];
    std::vector<const Shape*> in, outs;
    for (int t : nodes[n].inputs) in.push_back(t >= 0 ? &plan->shapes[t] : nullptr);
    for (int t : nodes[n].outputs) outs.push_back(&plan->shapes[t]);
    p.macs = impl_->kernels[n]->macs(in, outs);
    out.push_back(std::move(p));
  }
  return out;
}

std::vector<Tensor> Runtime::run(const std::map<std::string, Tensor>& inputs) const {
  std::vector<Tensor> results;
  run(inputs, results);
  return results;
}

void Runtime::run(const std::map<std::string, Tensor>& inputs, std::vector<Tensor>& outputs) const {
  OrderedInputs given(impl_->inputs.size());
  impl_->order_inputs(inputs, given);
  impl_->run(given.data(), outputs);
}

}  // namespace qinfer
