#!/usr/bin/env bash
# Install llama-cpp-python into the given interpreter's environment, built from source with a
# portable CPU configuration.
#
# Why: a native build (-march=native) segfaults on Intel AMX machines in ggml_backend_amx_mul_mat
# (upstream llama.cpp #20824), and pip's wheel cache does not key on CPU or CMAKE_ARGS, so a
# natively built wheel from another machine can be picked up silently. We build with AVX2/FMA/F16C
# only, AMX and AVX-512 off, never from pip's cache, and keep our own cache keyed on the version,
# the Python tag and the exact CMAKE_ARGS, so the 7-minute compile happens once per machine.
set -euo pipefail

PYTHON=${1:?usage: install-llama-cpp.sh PYTHON}
VERSION=${LLAMA_CPP_VERSION:-0.3.36}
PORTABLE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON \
-DGGML_AVX512=OFF -DGGML_AVX512_VBMI=OFF -DGGML_AVX512_VNNI=OFF -DGGML_AVX512_BF16=OFF \
-DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF"
export CMAKE_ARGS="$PORTABLE_ARGS"
export CMAKE_BUILD_PARALLEL_LEVEL=${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)}

if "$PYTHON" -c "import llama_cpp, sys; sys.exit(llama_cpp.__version__ != '$VERSION')" 2>/dev/null \
   && [ -f "$("$PYTHON" -c 'import sys; print(sys.prefix)')/.llama-cpp-portable" ]; then
  echo "llama-cpp-python $VERSION (portable build) already installed"
  exit 0
fi

pytag=$("$PYTHON" -c 'import sys; print(f"cp{sys.version_info.major}{sys.version_info.minor}")')
key=$(printf '%s|%s|%s|%s' "$VERSION" "$pytag" "$(uname -m)" "$CMAKE_ARGS" | sha256sum | cut -c1-16)
cache=${FOOTNOTE_WHEEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/footnote/wheels}/llama-cpp-$key

if ! ls "$cache"/llama_cpp_python-*.whl >/dev/null 2>&1; then
  echo "building llama-cpp-python $VERSION from source (portable CPU flags; about 7 minutes once)"
  mkdir -p "$cache.partial"
  "$PYTHON" -m pip wheel --no-deps --no-binary llama-cpp-python --no-cache-dir \
    -w "$cache.partial" "llama-cpp-python==$VERSION"
  rm -rf "$cache" && mv "$cache.partial" "$cache"
fi
"$PYTHON" -m pip install --no-deps --force-reinstall "$cache"/llama_cpp_python-*.whl
touch "$("$PYTHON" -c 'import sys; print(sys.prefix)')/.llama-cpp-portable"
