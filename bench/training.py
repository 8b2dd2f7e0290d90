"""End-to-end training-step benchmarks: the seed CIFAR-style CNN and LeNet-5 at batch 32 and
128, the seed stacked LSTM forecaster (windows of 60, batch 32) and a GRU(128) classifier on
(64, 40, 16); one optimizer step (forward, loss, backward, Adam update) per call, ember against
PyTorch CPU and Keras (when an interpreter with TensorFlow is given), each in its own process
with the same thread count.

    python bench/training.py                               # ember vs PyTorch
    python bench/training.py --keras-python /path/to/venv-with-tensorflow/bin/python
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import machine, print_table, run_rounds, time_median, write_json  # noqa: E402

WORKLOADS = [
    ("cifar_cnn", 32),
    ("cifar_cnn", 128),
    ("lenet5", 32),
    ("lenet5", 128),
    ("stacked_lstm", 32),
    ("gru_classifier", 64),
]


def data(model: str, batch: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    if model == "stacked_lstm":
        return rng.random((batch, 60, 1), dtype=np.float32), rng.random((batch, 1), np.float32)
    if model == "gru_classifier":
        return rng.random((batch, 40, 16), dtype=np.float32), rng.integers(0, 10, batch)
    shape = (batch, 32, 32, 3) if model == "cifar_cnn" else (batch, 32, 32, 1)
    return rng.random(shape, dtype=np.float32), rng.integers(0, 10, batch)


def _lstm_macs(steps: int, inputs: int, units: int) -> int:
    return steps * 4 * units * (inputs + units)


def flops(model: str, batch: int) -> float:
    """Multiply-adds x 2 of forward + backward (3x forward) through the conv/dense/RNN layers."""
    if model == "cifar_cnn":
        fwd = 30 * 30 * 27 * 32 + 13 * 13 * 288 * 64 + 4 * 4 * 576 * 64 + 1024 * 64 + 64 * 10
    elif model == "lenet5":
        fwd = 28 * 28 * 25 * 6 + 10 * 10 * 150 * 16 + 400 * 120 + 120 * 84 + 84 * 10
    elif model == "stacked_lstm":
        fwd = _lstm_macs(60, 1, 128) + _lstm_macs(60, 128, 64) + 64
    else:
        fwd = 40 * 3 * 128 * (16 + 128) + 128 * 10
    return 2.0 * 3 * fwd * batch


# ---------------------------------------------------------------------------------- workers
def ember_step(model_name: str, batch: int, device: str = "cpu"):
    import ember
    from ember import layers

    ember.utils.set_random_seed(0)
    if model_name == "cifar_cnn":
        model = ember.Sequential(
            [
                layers.Conv2D(32, (3, 3), activation="relu", input_shape=(32, 32, 3)),
                layers.MaxPooling2D((2, 2)),
                layers.Conv2D(64, (3, 3), activation="relu"),
                layers.MaxPooling2D((2, 2)),
                layers.Conv2D(64, (3, 3), activation="relu"),
                layers.Flatten(),
                layers.Dense(64, activation="relu"),
                layers.Dense(10),
            ]
        )
        loss = ember.losses.SparseCategoricalCrossentropy(from_logits=True)
    else:
        model = ember.Sequential(
            [
                layers.Conv2D(6, 5, activation="tanh", input_shape=(32, 32, 1)),
                layers.AveragePooling2D(2),
                layers.Conv2D(16, 5, activation="tanh"),
                layers.AveragePooling2D(2),
                layers.Conv2D(120, 5, activation="tanh"),
                layers.Flatten(),
                layers.Dense(84, activation="tanh"),
                layers.Dense(10, activation="softmax"),
            ]
        )
        loss = "sparse_categorical_crossentropy"
    if model_name == "stacked_lstm":
        model = ember.Sequential(
            [
                layers.LSTM(128, return_sequences=True, input_shape=(60, 1)),
                layers.LSTM(64),
                layers.Dense(1),
            ]
        )
        loss = "mse"
    elif model_name == "gru_classifier":
        model = ember.Sequential(
            [
                layers.GRU(128, input_shape=(40, 16)),
                layers.Dense(10, activation="softmax"),
            ]
        )
        loss = "sparse_categorical_crossentropy"
    # On a GPU train_on_batch copies the host batch to the device, as fit does every step.
    model.compile(optimizer="adam", loss=loss, device=device)
    x, y = data(model_name, batch)
    return lambda: model.train_on_batch(x, y)


def torch_step(model_name: str, batch: int, device: str = "cpu"):
    import torch
    from torch import nn

    torch.manual_seed(0)
    if model_name == "cifar_cnn":
        model = nn.Sequential(
            nn.Conv2d(3, 32, 3),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(64, 64, 3),
            nn.ReLU(),
            nn.Flatten(),
            nn.Linear(1024, 64),
            nn.ReLU(),
            nn.Linear(64, 10),
        )
    else:
        model = nn.Sequential(
            nn.Conv2d(1, 6, 5),
            nn.Tanh(),
            nn.AvgPool2d(2),
            nn.Conv2d(6, 16, 5),
            nn.Tanh(),
            nn.AvgPool2d(2),
            nn.Conv2d(16, 120, 5),
            nn.Tanh(),
            nn.Flatten(),
            nn.Linear(120, 84),
            nn.Tanh(),
            nn.Linear(84, 10),
        )
    loss_fn = nn.CrossEntropyLoss()
    x, y = data(model_name, batch)
    if model_name == "stacked_lstm":

        class Stacked(nn.Module):
            def __init__(self):
                super().__init__()
                self.l1 = nn.LSTM(1, 128, batch_first=True)
                self.l2 = nn.LSTM(128, 64, batch_first=True)
                self.out = nn.Linear(64, 1)

            def forward(self, v):
                return self.out(self.l2(self.l1(v)[0])[0][:, -1])

        model, loss_fn = Stacked(), nn.MSELoss()
        xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    elif model_name == "gru_classifier":

        class Classifier(nn.Module):
            def __init__(self):
                super().__init__()
                self.gru = nn.GRU(16, 128, batch_first=True)
                self.out = nn.Linear(128, 10)

            def forward(self, v):
                return self.out(self.gru(v)[0][:, -1])

        model = Classifier()
        xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    else:
        xt = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))
        yt = torch.from_numpy(y)
    model.to(device)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    cuda = device != "cpu"

    def step():
        opt.zero_grad(set_to_none=True)
        # On a GPU the host batch is copied every step, as ember does.
        loss = loss_fn(model(xt.to(device)), yt.to(device))
        loss.backward()
        opt.step()
        if cuda:
            # ember reads the loss back every step (that waits for the GPU); so does this.
            loss.item()

    return step


def keras_step(model_name: str, batch: int):
    import keras
    from keras import layers

    keras.utils.set_random_seed(0)
    if model_name == "cifar_cnn":
        model = keras.Sequential(
            [
                keras.Input((32, 32, 3)),
                layers.Conv2D(32, (3, 3), activation="relu"),
                layers.MaxPooling2D((2, 2)),
                layers.Conv2D(64, (3, 3), activation="relu"),
                layers.MaxPooling2D((2, 2)),
                layers.Conv2D(64, (3, 3), activation="relu"),
                layers.Flatten(),
                layers.Dense(64, activation="relu"),
                layers.Dense(10),
            ]
        )
        loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    else:
        model = keras.Sequential(
            [
                keras.Input((32, 32, 1)),
                layers.Conv2D(6, 5, activation="tanh"),
                layers.AveragePooling2D(2),
                layers.Conv2D(16, 5, activation="tanh"),
                layers.AveragePooling2D(2),
                layers.Conv2D(120, 5, activation="tanh"),
                layers.Flatten(),
                layers.Dense(84, activation="tanh"),
                layers.Dense(10, activation="softmax"),
            ]
        )
        loss = "sparse_categorical_crossentropy"
    if model_name == "stacked_lstm":
        model = keras.Sequential(
            [
                keras.Input((60, 1)),
                layers.LSTM(128, return_sequences=True),
                layers.LSTM(64),
                layers.Dense(1),
            ]
        )
        loss = "mse"
    elif model_name == "gru_classifier":
        model = keras.Sequential(
            [
                keras.Input((40, 16)),
                layers.GRU(128),
                layers.Dense(10, activation="softmax"),
            ]
        )
        loss = "sparse_categorical_crossentropy"
    model.compile(optimizer="adam", loss=loss)
    x, y = data(model_name, batch)
    return lambda: model.train_on_batch(x, y)


def selected(only: str | None) -> list[tuple[str, int]]:
    """The workloads whose name contains one of the comma-separated words in ``only``."""
    if not only:
        return WORKLOADS
    words = only.split(",")
    return [w for w in WORKLOADS if any(word in w[0] for word in words)]


def worker(framework: str, threads: int, only: str | None = None) -> dict:
    if framework == "torch":
        import torch

        torch.set_num_threads(threads)
        make = torch_step
        info = {"torch": torch.__version__}
    elif framework == "keras":
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(1)
        import keras

        make = keras_step
        info = {"keras": keras.__version__, "tensorflow": tf.__version__}
    else:
        import ember

        ember.set_num_threads(threads)
        make = ember_step
        info = ember.build_info()
    out: dict = {"_info": info}
    for model_name, batch in selected(only):
        step = make(model_name, batch)
        out[f"{model_name} b{batch}"] = time_median(step, warmup=5, samples=7, min_sample_s=0.3)
    if framework == "ember":
        out["_peak_gflops"] = ember._C.measure_peak_gflops(0.3)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--keras-python", help="an interpreter with TensorFlow/Keras installed")
    ap.add_argument("--json", type=Path, default=Path(__file__).parent / "results/training.json")
    ap.add_argument("--only", help="comma-separated workload name parts, e.g. lstm,gru")
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.threads, args.only)))
        return 0
    extra = ["--only", args.only] if args.only else []
    frameworks = ["ember", "torch"]
    interpreters = {}
    if args.keras_python:
        frameworks.append("keras")
        interpreters["keras"] = args.keras_python
    results = run_rounds(Path(__file__), frameworks, args.threads, extra, args.rounds, interpreters)
    for fw, res in results.items():
        if "error" in res:
            print(f"{fw}: not measured ({res['error']})")
    peak = results["ember"].get("_peak_gflops", float("nan"))
    rows = []
    for model_name, batch in selected(args.only):
        name = f"{model_name} b{batch}"
        row = {"name": f"train step {name}", "flops": flops(model_name, batch)}
        for fw in frameworks:
            row[fw] = results[fw].get(name)
        rows.append(row)
    print(f"{args.threads} threads; ratio = ember time / peer time (one Adam training step)")
    print_table(rows, [fw for fw in frameworks[1:] if "error" not in results[fw]], peak)
    write_json(
        args.json,
        {
            "date": time.strftime("%Y-%m-%d"),
            "machine": machine(),
            "threads": args.threads,
            "peak_gflops": peak,
            "rows": rows,
            "info": {fw: r.get("_info") for fw, r in results.items()},
        },
    )
    print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
