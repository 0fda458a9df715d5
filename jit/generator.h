// Base of every JIT kernel generator: ABI preamble/postamble, a name for profilers, and a status
// instead of exceptions. Subclasses keep their configuration apart (a Config built by a static
// init) and implement generate(); C++ loops in generate() unroll at generation time, Xbyak labels
// are the run-time loops.
#pragma once

#include <xbyak/xbyak.h>

#include <cstddef>
#include <memory>
#include <string>
#include <utility>

namespace qinfer::jit {

class Generator : public Xbyak::CodeGenerator {
 public:
  // The code buffer starts at `initial_code_bytes` and grows as needed (read-write); it becomes
  // read + execute, never both writable and executable, once generate() has finished.
  explicit Generator(std::string name, size_t initial_code_bytes = 4096);
  ~Generator() override = default;
  Generator(const Generator&) = delete;
  Generator& operator=(const Generator&) = delete;

  // Runs generate() once. False when Xbyak failed (buffer too small, bad operand, mprotect
  // refused): error() says why and callers fall back to the reference kernel.
  bool create();
  bool ok() const { return ok_; }
  const std::string& error() const { return error_; }
  const std::string& name() const { return name_; }
  size_t code_bytes() const { return getSize(); }
  template <typename Fn>
  Fn entry() const {
    return ok_ ? reinterpret_cast<Fn>(const_cast<Xbyak::uint8*>(getCode())) : nullptr;
  }

 protected:
  virtual void generate() = 0;

  // Saves every callee-saved GPR (SysV: rbx, rbp, r12-r15; Win64 also rdi, rsi and xmm6-15), so
  // generators may use any GPR but rsp. The first argument (abi_param1()) is untouched.
  void preamble();
  // Restores them, clears the upper vector state (vzeroupper) and returns.
  void postamble();
  static const Xbyak::Reg64& abi_param1();

 private:
  std::string name_;
  std::string error_;
  bool ok_ = false;
  bool created_ = false;
  size_t saved_xmm_bytes_ = 0;
};

// Constructs and creates a generator without letting an exception escape: null (and `error`
// filled) when construction or generation failed.
template <typename G, typename... Args>
std::unique_ptr<G> make_generated(std::string* error, Args&&... args) {
  try {
    auto g = std::make_unique<G>(std::forward<Args>(args)...);
    if (g->create()) return g;
    if (error) *error = g->name() + ": " + g->error();
  } catch (const std::exception& e) {  // Xbyak::Error from the constructor, std::bad_alloc
    if (error) *error = e.what();
  }
  return nullptr;
}

}  // namespace qinfer::jit
