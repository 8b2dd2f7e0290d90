#!/usr/bin/env bash
# Everything a short lease of a GPU machine is for, in one run (device time is scarce: one call,
# each step bounded so that a hang costs only its own slot):
#   1. build ember with EMBER_CUDA=ON (sm_90 only, all cores) into the machine's python3;
#   2. the GPU tests (pytest -m cuda tests/test_cuda.py), then the kernel cases under
#      compute-sanitizer memcheck where the machine has it;
#   3. bench/cuda.py: training steps on the GPU, ember against PyTorch;
#   4. the CPU training suite at 1, 2, 4, 8 and 16 threads beside PyTorch (python -m ember bench);
#   5. the whole test suite on that machine's CPU.
# Logs and results go to $OUT (the device tool brings them back; at most 8 files) or ./gpu-session.
#
#     bash bench/gpu_session.sh            # TOTAL_S=500 by default: the script's own time budget
set -u
out="${OUT:-gpu-session}"
mkdir -p "$out"
results="$(mktemp -d)"
export PYTHONUNBUFFERED=1 CMAKE_BUILD_PARALLEL_LEVEL="$(nproc)"
start=$(date +%s)
total="${TOTAL_S:-500}"

step() { echo "=== $1 (t=$(($(date +%s) - start))s)"; }
# Seconds left in the budget, capped at $1.
left() {
  local rest=$((total - ($(date +%s) - start)))
  ((rest > $1)) && rest=$1
  ((rest < 5)) && rest=5
  echo "$rest"
}
pack() { tar czf "$out/results.tgz" -C "$results" . 2>/dev/null; }

step machine
{
  nvidia-smi
  lscpu
  python3 -VV
  python3 -c "import numpy, torch; print('numpy', numpy.__version__, 'torch', torch.__version__)"
  python3 -m pip list 2>/dev/null | grep -iE '^(scikit-build-core|pybind11|cmake|ninja|pytest|nvidia-cublas)'
  command -v nvcc compute-sanitizer
  nvcc --version
} >"$out/machine.txt" 2>&1
grep -m1 'model name' /proc/cpuinfo
echo "cores: $(nproc); AVX-512: $(grep -o 'avx512[a-z_0-9]*' /proc/cpuinfo | sort -u | tr '\n' ' ')"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader

step build
if ! timeout "$(left 300)" python3 -m pip install --no-index --no-build-isolation --no-deps -v \
  -Cbuild-dir=build/gpu -Ccmake.define.EMBER_CUDA=ON \
  -Ccmake.define.CMAKE_CUDA_ARCHITECTURES=90 . >"$out/build.log" 2>&1; then
  tail -80 "$out/build.log"
  exit 1
fi
grep -E 'ember: CUDA build|Successfully installed' "$out/build.log"
python3 -c "import ember; print(ember.build_info())"

timeout_flag=()
python3 -c "import pytest_timeout" 2>/dev/null && timeout_flag=(--timeout 120)

step "GPU tests"
timeout "$(left 200)" python3 -m pytest -m cuda tests/test_cuda.py -v -rA -p no:cacheprovider \
  "${timeout_flag[@]}" >"$out/cuda_tests.log" 2>&1
echo "pytest -m cuda exit $?"
grep -E '(FAILED|ERROR)' "$out/cuda_tests.log" | head -60
tail -3 "$out/cuda_tests.log"

step "memcheck"
if command -v compute-sanitizer >/dev/null; then
  timeout "$(left 90)" compute-sanitizer --tool memcheck --error-exitcode 9 \
    python3 -m pytest -m cuda tests/test_cuda.py -q -p no:cacheprovider \
    -k "kernels_match or max_pool_backward or optimizer_updates" >"$out/memcheck.log" 2>&1
  echo "memcheck exit $?"
  grep -E 'ERROR SUMMARY|Invalid|passed|failed' "$out/memcheck.log" | head -20
else
  echo "no compute-sanitizer"
fi

step "bench/cuda.py"
timeout "$(left 150)" python3 bench/cuda.py --rounds 2 --json "$results/cuda.json" \
  >"$out/bench_cuda.log" 2>&1
echo "bench/cuda.py exit $?"
cat "$out/bench_cuda.log" | tail -15
pack

step "CPU training suite by threads"
for t in 1 2 4 8 16; do
  echo "--- threads $t"
  timeout "$(left 100)" python3 -m ember bench --suite training --no-keras --threads "$t" \
    --rounds 1 --json "$results/training_t$t.json" --png none 2>&1 |
    tee -a "$out/training.log" | grep -E 'fit |peak'
  pack
done

step "full test suite (CPU)"
timeout "$(left 150)" python3 -m pytest -q -p no:cacheprovider "${timeout_flag[@]}" \
  >"$out/pytest_full.log" 2>&1
echo "pytest exit $?"
grep -E '^(FAILED|ERROR)' "$out/pytest_full.log" | head -30
tail -2 "$out/pytest_full.log"
step done
