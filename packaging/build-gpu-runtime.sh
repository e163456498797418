#!/usr/bin/env bash
# Reinstall llama-cpp-python, built from source for one GPU backend, into the environment the
# bundle is built from; then run build-linux.sh or build-macos.sh as usual.
#
#   PYTHON=.venv/bin/python packaging/build-gpu-runtime.sh cuda|vulkan|metal|cpu
#
# cuda needs the CUDA toolkit (nvcc), vulkan the Vulkan SDK (glslc and headers), metal a Mac
# (on Apple Silicon it is also what the PyPI wheel does). cpu goes back to the plain build.
# On Windows run the same pip command in PowerShell with $env:CMAKE_ARGS set as below.
set -euo pipefail
python=${PYTHON:-python3}
case ${1:-} in
  cuda) cmake_args="-DGGML_CUDA=on" ;;
  vulkan) cmake_args="-DGGML_VULKAN=on" ;;
  metal) cmake_args="-DGGML_METAL=on" ;;
  cpu) cmake_args="-DGGML_CUDA=off -DGGML_VULKAN=off -DGGML_METAL=off" ;;
  *)
    echo "Say which backend to build: cuda, vulkan, metal or cpu." >&2
    exit 2
    ;;
esac
version=$("$python" -c 'from importlib.metadata import version; print(version("llama_cpp_python"))')
CMAKE_ARGS="$cmake_args" "$python" -m pip install --force-reinstall --no-cache-dir --no-deps \
  --no-binary llama-cpp-python "llama-cpp-python==$version"
"$python" -c 'import llama_cpp; print("GPU offload:", bool(llama_cpp.llama_supports_gpu_offload()))'
