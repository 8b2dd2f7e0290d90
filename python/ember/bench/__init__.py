"""Side-by-side benchmarks of ember against PyTorch CPU (and Keras when an interpreter with
TensorFlow is available): ``python -m ember bench``.

Every framework runs in its own process with the same thread count; each workload is warmed up
and timed as the median of several samples, and the frameworks alternate over rounds so that a
noisy neighbour hits all of them alike. The driver (``cli.py``) prints one table per suite with
ember/peer ratios, GFLOP/s, percent of the measured FP32 peak and the project's targets, writes
JSON and, when matplotlib is importable, a bar chart of the ratios.

Modules: ``harness`` (worker processes, timing, median of rounds, JSON), ``report`` (rows,
targets, tables), ``chart`` (PNG), ``models`` (the benchmark models for every framework), one
module per suite (``kernels``, ``rnn``, ``training``, ``latency``, ``import_time``, ``memory``,
``size``) and ``cli``. The worker modules run as plain scripts too
(``python /abs/path/ember/bench/training.py --worker keras``), also in an interpreter without
ember, so they import ember only inside ember-specific functions.

Nothing here is imported by ``import ember``.
"""
