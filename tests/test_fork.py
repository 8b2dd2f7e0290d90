"""ember after fork(): a child process computes with all its threads, and gets the parent's
numbers bit for bit, whether it was made by os.fork, by a multiprocessing 'fork' pool, from a
Python thread other than the main one, or while another thread of the parent was running
kernels. (With an OpenMP runtime that cannot re-initialize in a child, libgomp's, the child's
first parallel kernel blocked forever.)

Each scenario runs in its own interpreter with a timeout, so a hang fails the test instead of
stopping the suite.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")

# Trains small models that use every kernel family (GEMM, convolution forward and both
# gradients, max/average/global pooling, batch norm, dropout, LSTM/GRU/SimpleRNN sequences
# forward and backward, softmax crossentropy, activations, Adam/SGD updates), large enough that
# the kernels use the whole team, and returns every weight and prediction as one float64 vector.
WORKLOAD = textwrap.dedent(
    """
    import os, sys, threading
    import numpy as np
    import ember
    from ember import layers

    ember.set_num_threads(2)

    def run():
        ember.utils.set_random_seed(0)
        rng = np.random.default_rng(0)
        cnn = ember.Sequential([
            ember.Input((16, 16, 3)),
            layers.Conv2D(16, 3, padding="same", activation="relu"),
            layers.BatchNormalization(),
            layers.MaxPooling2D(),
            layers.Conv2D(32, 3, activation="tanh"),
            layers.AveragePooling2D(),
            layers.Dropout(0.3, seed=1),
            layers.GlobalAveragePooling2D(),
            layers.Dense(64, activation="sigmoid"),
            layers.Dense(10, activation="softmax"),
        ])
        cnn.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        x = rng.standard_normal((64, 16, 16, 3)).astype(np.float32)
        y = rng.integers(0, 10, 64)
        rnn = ember.Sequential([
            ember.Input((12, 8)),
            layers.LSTM(48, return_sequences=True),
            layers.GRU(40, return_sequences=True),
            layers.SimpleRNN(32),
            layers.Dense(1),
        ])
        rnn.compile(optimizer=ember.optimizers.SGD(0.01, momentum=0.9), loss="mse")
        xs = rng.standard_normal((64, 12, 8)).astype(np.float32)
        ys = rng.standard_normal((64, 1)).astype(np.float32)
        for _ in range(2):
            cnn.train_on_batch(x, y)
            rnn.train_on_batch(xs, ys)
        parts = [w.ravel() for w in cnn.get_weights() + rnn.get_weights()]
        parts += [cnn.predict(x, verbose=0).ravel(), rnn.predict(xs, verbose=0).ravel()]
        return np.concatenate([p.astype(np.float64) for p in parts])

    def threads_alive():
        return len(os.listdir("/proc/self/task")) if os.path.isdir("/proc/self/task") else None

    def check_child(expected):
        # In a child: same numbers as the parent, and the team is back (more than one thread).
        got = run()
        if not np.array_equal(got, expected):
            os._exit(3)
        alive = threads_alive()
        if alive is not None and alive < 2:
            os._exit(4)
        os._exit(0)

    def wait(pid):
        _, status = os.waitpid(pid, 0)
        return os.waitstatus_to_exitcode(status)
    """
)


def run_scenario(body: str, timeout: float = 300.0) -> None:
    script = WORKLOAD + textwrap.dedent(body)
    try:
        proc = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"the scenario did not finish in {timeout} s: a forked child hung")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "OK" in proc.stdout, proc.stdout + proc.stderr


def test_os_fork_child_computes_what_the_parent_did():
    run_scenario(
        """
        expected = run()  # the parent's team has run every kernel family
        pid = os.fork()
        if pid == 0:
            check_child(expected)
        code = wait(pid)
        assert code == 0, f"child exit code {code} (3: other numbers, 4: a single thread)"
        assert np.array_equal(run(), expected)  # the parent goes on as before
        print("OK")
        """
    )


def test_multiprocessing_fork_pool_runs_fit_and_predict_after_the_parent_trained():
    run_scenario(
        """
        import multiprocessing as mp

        def job(_):
            return run(), threads_alive()

        expected = run()
        with mp.get_context("fork").Pool(2) as pool:
            results = pool.map(job, range(4))
        for got, alive in results:
            assert np.array_equal(got, expected)
            assert alive is None or alive >= 2, alive
        print("OK")
        """
    )


def test_fork_from_a_python_thread_other_than_the_main_one():
    run_scenario(
        """
        expected = run()
        codes = []

        def fork_here():
            pid = os.fork()
            if pid == 0:
                check_child(expected)
            codes.append(wait(pid))

        t = threading.Thread(target=fork_here)
        t.start()
        t.join()
        assert codes == [0], codes
        print("OK")
        """
    )


def test_fork_while_another_thread_runs_kernels():
    run_scenario(
        """
        expected = run()
        stop = threading.Event()
        # Kernels only: numpy's own BLAS (OpenBLAS, used by the orthogonal initializer when a
        # model is built) cannot be forked in the middle of a call either, and is not ember's.
        ember.utils.set_random_seed(1)
        busy_model = ember.Sequential([ember.Input((32,)), layers.Dense(256), layers.Dense(8)])
        busy_model.compile(optimizer="adam", loss="mse")
        bx = np.ones((256, 32), np.float32)
        by = np.zeros((256, 8), np.float32)

        def busy():
            while not stop.is_set():
                busy_model.train_on_batch(bx, by)

        t = threading.Thread(target=busy)
        t.start()
        try:
            codes = []
            for _ in range(5):
                pid = os.fork()
                if pid == 0:
                    check_child(expected)
                codes.append(wait(pid))
        finally:
            stop.set()
            t.join()
        assert codes == [0] * 5, codes
        print("OK")
        """
    )


def test_nested_fork_grandchild_computes_too():
    run_scenario(
        """
        expected = run()
        pid = os.fork()
        if pid == 0:
            if not np.array_equal(run(), expected):
                os._exit(3)
            grandchild = os.fork()
            if grandchild == 0:
                check_child(expected)
            os._exit(wait(grandchild))
        assert wait(pid) == 0
        print("OK")
        """
    )
