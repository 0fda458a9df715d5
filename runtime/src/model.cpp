// Loading never trusts the file: the flatbuffers verifier checks the structure, then every
// index, type, shape, buffer size and quantization parameter is checked before use.
#include "model.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <set>

#include "qinfer/error.h"

namespace qinfer {

namespace {
constexpr uint32_t kFormatVersion = 1;

bool valid_dtype(fb::DType d) { return d >= fb::DType::MIN && d <= fb::DType::MAX; }

int64_t checked_bytes(const std::vector<int64_t>& dims, DType dtype) {
  int64_t count = 1;
  for (int64_t d : dims) {
    if (d < 0 || (d != 0 && count > (int64_t{1} << 50) / d)) return -1;
    count *= d;
  }
  return count * static_cast<int64_t>(dtype_size(dtype));
}
}  // namespace

const char* op_name(fb::OpCode op) {
  const char* name = fb::EnumNameOpCode(op);
  return name && *name ? name : "unknown";
}

void Model::FreeAligned::operator()(void* p) const { std::free(p); }

void Model::fail(const std::string& what) const { throw Error(source_ + ": invalid qbin: " + what); }

std::string Model::describe(const NodeDesc& node) const {
  return "node '" + node.name + "' (" + op_name(node.op) + ")";
}

Model::Model(const void* data, size_t size, std::string source) : source_(std::move(source)) {
  if (data == nullptr || size < 8) fail("file is too small (" + std::to_string(size) + " bytes) to be a qbin");
  const size_t rounded = (size + 63) / 64 * 64;
  bytes_.reset(std::aligned_alloc(64, rounded));
  if (!bytes_) throw Error(source_ + ": out of memory loading " + std::to_string(size) + " bytes");
  std::memcpy(bytes_.get(), data, size);
  const auto* buf = static_cast<const uint8_t*>(bytes_.get());

  if (!fb::SizePrefixedModelBufferHasIdentifier(buf))
    fail("missing file identifier 'QBIN' (not a qbin file, or a corrupt one)");
  // The size prefix must account for every byte: this catches any truncation, even one that
  // only cuts trailing padding, and any appended junk.
  const uint32_t declared = flatbuffers::ReadScalar<uint32_t>(buf);
  if (static_cast<uint64_t>(declared) + 4 != size)
    fail("file is " + std::to_string(size) + " bytes but its header declares " + std::to_string(uint64_t{declared} + 4) +
         " (truncated, or bytes appended)");
  flatbuffers::Verifier verifier(buf, size, /*max_depth=*/64, /*max_tables=*/10'000'000);
  if (!fb::VerifySizePrefixedModelBuffer(verifier)) fail("flatbuffer structure check failed (corrupt file)");

  const fb::Model& m = *fb::GetSizePrefixedModel(buf);
  if (m.format_version() != kFormatVersion)
    fail("format_version " + std::to_string(m.format_version()) + " is not supported (this build reads " +
         std::to_string(kFormatVersion) + ")");
  decode_tensors(m);
  decode_nodes(m);
  // A model may have no inputs (its outputs are constants or computed from constants), never no outputs.
  auto decode_io = [&](const flatbuffers::Vector<int32_t>* v, const char* what, std::vector<int>* out, bool may_be_empty) {
    if (!v || v->size() == 0) {
      if (may_be_empty) return;
      fail(std::string("model has no ") + what);
    }
    for (int32_t i : *v) {
      if (i < 0 || static_cast<size_t>(i) >= tensors_.size())
        fail(std::string(what) + " index " + std::to_string(i) + " out of range (model has " +
             std::to_string(tensors_.size()) + " tensors)");
      out->push_back(i);
    }
  };
  decode_io(m.inputs(), "graph inputs", &inputs_, true);
  decode_io(m.outputs(), "graph outputs", &outputs_, false);
  for (int i : inputs_)
    if (tensors_[i].is_constant()) fail("graph input '" + tensors_[i].name + "' is a constant");
  if (m.metadata())
    for (const fb::KeyValue* kv : *m.metadata())
      if (kv->key()) metadata_[kv->key()->str()] = kv->value() ? kv->value()->str() : "";
  check_graph_order();
}

void Model::decode_tensors(const fb::Model& m) {
  if (!m.tensors()) fail("model has no tensor table");
  const size_t buffer_count = m.buffers() ? m.buffers()->size() : 0;
  for (const fb::Tensor* t : *m.tensors()) {
    TensorDesc d;
    const std::string label = "tensor #" + std::to_string(tensors_.size());
    if (!t->name() || t->name()->size() == 0) fail(label + " has no name");
    d.name = t->name()->str();
    const std::string who = "tensor '" + d.name + "'";
    if (!valid_dtype(t->dtype())) fail(who + " has unknown dtype " + std::to_string(int(t->dtype())));
    d.dtype = static_cast<DType>(t->dtype());
    if (t->layout() != fb::Layout::Plain && t->layout() != fb::Layout::NHWC)
      fail(who + " has unknown layout " + std::to_string(int(t->layout())));
    d.layout = t->layout();
    if (t->shape()) {
      if (t->shape()->size() > 8) fail(who + " has rank " + std::to_string(t->shape()->size()) + " (at most 8)");
      for (const fb::Dim* dim : *t->shape()) {
        const int64_t v = dim->value();
        if (v < -1) fail(who + " has dimension " + std::to_string(v) + " (must be >= 0, or -1 for symbolic)");
        if (v == -1 && (!dim->name() || dim->name()->size() == 0)) fail(who + " has an unnamed symbolic dimension");
        d.dims.push_back(v);
        d.dim_names.push_back(v == -1 ? dim->name()->str() : "");
      }
    }
    if (d.layout == fb::Layout::NHWC && d.dims.size() != 4)
      fail(who + " has layout NHWC but rank " + std::to_string(d.dims.size()) + " (NHWC needs rank 4)");
    if (const fb::Quantization* q = t->quantization()) {
      const size_t ns = q->scale() ? q->scale()->size() : 0, nz = q->zero_point() ? q->zero_point()->size() : 0;
      if (nz != 0 && ns != nz)  // no zero points: all zero (symmetric)
        fail(who + " has " + std::to_string(ns) + " scales but " + std::to_string(nz) + " zero points");
      if (ns > 0) {
        if (ns > 1) {
          if (q->axis() < 0 || static_cast<size_t>(q->axis()) >= d.dims.size())
            fail(who + " has per-axis quantization on axis " + std::to_string(q->axis()) + " but rank " +
                 std::to_string(d.dims.size()));
          if (d.dims[q->axis()] != static_cast<int64_t>(ns))
            fail(who + " has " + std::to_string(ns) + " scales for axis " + std::to_string(q->axis()) + " of size " +
                 std::to_string(d.dims[q->axis()]));
        }
        const auto range = d.dtype == DType::UInt8 ? std::make_pair(0, 255)
                           : d.dtype == DType::Int8 ? std::make_pair(-128, 127)
                           : d.dtype == DType::Int16 ? std::make_pair(-32768, 32767)
                                                    : std::make_pair(INT32_MIN, INT32_MAX);
        for (size_t i = 0; i < ns; ++i) {
          const float s = q->scale()->Get(i);
          const int32_t z = nz ? q->zero_point()->Get(i) : 0;
          if (!(s > 0.0f) || !std::isfinite(s)) fail(who + " has scale " + std::to_string(s) + " (must be finite and > 0)");
          if (z < range.first || z > range.second)
            fail(who + " has zero point " + std::to_string(z) + " outside the range of " + dtype_name(d.dtype));
          d.quant.scale.push_back(s);
          d.quant.zero_point.push_back(z);
        }
        d.quant.axis = ns > 1 ? q->axis() : -1;
      }
    }
    if (t->buffer() != 0) {
      if (t->buffer() >= buffer_count)
        fail(who + " refers to buffer " + std::to_string(t->buffer()) + " but the model has " +
             std::to_string(buffer_count));
      const fb::Buffer* b = m.buffers()->Get(t->buffer());
      const int64_t need = checked_bytes(d.dims, d.dtype);
      if (need < 0) fail(who + " is a constant with a symbolic, negative or oversized shape");
      const size_t have = b->data() ? b->data()->size() : 0;
      if (have != static_cast<size_t>(need))
        fail(who + " needs " + std::to_string(need) + " bytes of data but buffer " + std::to_string(t->buffer()) +
             " holds " + std::to_string(have));
      d.constant = have ? b->data()->data() : reinterpret_cast<const uint8_t*>(b);  // empty constant: non-null marker
      d.constant_bytes = have;
    }
    tensors_.push_back(std::move(d));
  }
}

void Model::decode_nodes(const fb::Model& m) {
  if (!m.nodes()) fail("model has no node table");
  for (const fb::Node* n : *m.nodes()) {
    NodeDesc d;
    d.fb = n;
    d.name = n->name() ? n->name()->str() : "#" + std::to_string(nodes_.size());
    d.op = n->op();
    d.version = n->version();
    if (d.op < fb::OpCode::MIN || d.op > fb::OpCode::MAX)
      fail("node '" + d.name + "' has unknown op code " + std::to_string(int(d.op)) +
           " (a newer qbin? this build knows op codes 0.." + std::to_string(int(fb::OpCode::MAX)) + ")");
    auto indices = [&](const flatbuffers::Vector<int32_t>* v, bool allow_absent, const char* what) {
      std::vector<int> out;
      if (!v) return out;
      for (int32_t i : *v) {
        if ((i < 0 && !(allow_absent && i == -1)) || (i >= 0 && static_cast<size_t>(i) >= tensors_.size()))
          fail(describe(d) + " " + what + " index " + std::to_string(i) + " out of range (model has " +
               std::to_string(tensors_.size()) + " tensors)");
        out.push_back(i);
      }
      return out;
    };
    d.inputs = indices(n->inputs(), true, "input");
    d.outputs = indices(n->outputs(), false, "output");
    if (d.outputs.empty()) fail(describe(d) + " has no outputs");
    nodes_.push_back(std::move(d));
  }
}

void Model::replace_nodes(std::vector<NodeDesc> nodes) {
  nodes_ = std::move(nodes);
  check_graph_order();
}

// Nodes must be topologically ordered: every input is a constant, a graph input or the output
// of an earlier node; every tensor is produced once. This also rules out cycles.
void Model::check_graph_order() {
  std::vector<bool> ready(tensors_.size(), false);
  for (size_t i = 0; i < tensors_.size(); ++i) ready[i] = tensors_[i].is_constant();
  for (int i : inputs_) ready[i] = true;
  for (const NodeDesc& n : nodes_) {
    for (int i : n.inputs)
      if (i >= 0 && !ready[i])
        fail(describe(n) + " reads tensor '" + tensors_[i].name +
             "' before any node produces it (nodes must be in topological order)");
    for (int o : n.outputs) {
      if (ready[o])
        fail(describe(n) + " writes tensor '" + tensors_[o].name + "', which is a constant, a graph input or " +
             "already produced by another node");
      ready[o] = true;
    }
  }
  for (int o : outputs_)
    if (!ready[o]) fail("graph output '" + tensors_[o].name + "' is never produced");
}

}  // namespace qinfer
