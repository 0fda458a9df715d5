#include "file_util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include "qinfer/error.h"

namespace qinfer {

std::vector<char> read_file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) throw Error(path + ": cannot open for reading: " + std::strerror(errno));
  const std::streamsize size = in.tellg();
  if (size < 0) throw Error(path + ": cannot determine file size");
  std::vector<char> bytes(static_cast<size_t>(size));
  in.seekg(0);
  if (size > 0 && !in.read(bytes.data(), size)) throw Error(path + ": read failed");
  return bytes;
}

namespace {

std::string directory_of(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
}

// Writes all bytes to fd (honouring the test fault injection below) and syncs; false on error.
bool write_all(int fd, const void* data, size_t size) {
  // Fault injection for tests: QINFER_FAULT_WRITE_AFTER_BYTES=N makes the write fail after N
  // bytes as if the disk were full, to prove that a failed write leaves nothing behind.
  size_t limit = size;
  if (const char* fault = std::getenv("QINFER_FAULT_WRITE_AFTER_BYTES"))
    limit = std::min<size_t>(size, std::strtoull(fault, nullptr, 10));
  const char* p = static_cast<const char*>(data);
  for (size_t done = 0; done < limit;) {
    const ssize_t n = ::write(fd, p + done, limit - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  if (limit < size) {
    errno = ENOSPC;
    return false;
  }
  return ::fsync(fd) == 0;
}

}  // namespace

// The data goes to an unnamed file (O_TMPFILE) in the target folder, which is linked under a
// temporary name and renamed over `path` only when complete: a process killed at any point
// leaves no partial file. File systems without O_TMPFILE fall back to a named temporary file.
void write_file_atomically(const std::string& path, const void* data, size_t size) {
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  int fd = ::open(directory_of(path).c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644);
  const bool unnamed = fd >= 0;
  if (!unnamed) fd = ::open(tmp.c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644);
  if (fd < 0) throw Error(path + ": cannot write: " + std::strerror(errno));
  if (!write_all(fd, data, size)) {
    const int err = errno;
    ::close(fd);
    if (!unnamed) ::unlink(tmp.c_str());
    throw Error(path + ": write failed: " + std::strerror(err));
  }
  if (unnamed) {
    const std::string self = "/proc/self/fd/" + std::to_string(fd);
    ::unlink(tmp.c_str());  // a stale one from a previous process with our pid
    if (::linkat(AT_FDCWD, self.c_str(), AT_FDCWD, tmp.c_str(), AT_SYMLINK_FOLLOW) != 0) {
      const int err = errno;
      ::close(fd);
      throw Error(path + ": cannot create the file: " + std::strerror(err));
    }
  }
  ::close(fd);
  // Umask-respecting permissions, like a file made by open(O_CREAT, 0644).
  const mode_t mask = ::umask(0);
  ::umask(mask);
  ::chmod(tmp.c_str(), 0644 & ~mask);
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    throw Error(path + ": cannot rename temporary file into place: " + std::strerror(err));
  }
}

}  // namespace qinfer
