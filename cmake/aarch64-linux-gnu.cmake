# Cross-compiling for 64-bit ARM with Debian's g++-aarch64-linux-gnu and the arm64 -dev packages
# (multiarch: libraries and CMake packages in /usr/lib/aarch64-linux-gnu). Tests run under
# qemu-aarch64-static. Host tools (flatc) stay x86.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)
# The arm64 C library comes from the multiarch libc6:arm64 in /lib/aarch64-linux-gnu; the
# cross toolchain's copy (qemu -L /usr/aarch64-linux-gnu) hangs in pthread_create under qemu 7.2.
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64-static)
