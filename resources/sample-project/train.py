"""Train a tiny classifier on the Iris dataset with numpy alone.

    python train.py                  # one hidden layer of 16 units, 200 epochs
    python train.py --hidden 0       # plain softmax (multinomial logistic) regression
    python train.py --epochs 50 --lr 0.1

Prints one line per logged epoch: epoch, loss, train accuracy, validation accuracy.
When the Orrery Python SDK is importable (`import orrery`), the run and its metrics are recorded in this
project as well; without it the script runs the same and only prints.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import numpy as np

DATA = Path(__file__).resolve().parent / "data" / "iris.csv"
SPECIES = ("setosa", "versicolor", "virginica")


def load_iris(path: Path = DATA) -> tuple[np.ndarray, np.ndarray]:
    """Features (150 x 4, float) and labels (150, int 0..2) from the CSV."""
    features, labels = [], []
    with open(path, newline="") as handle:
        for row in csv.DictReader(handle):
            features.append([float(row[name]) for name in ("sepal_length", "sepal_width", "petal_length", "petal_width")])
            labels.append(SPECIES.index(row["species"]))
    return np.array(features), np.array(labels)


def split(x: np.ndarray, y: np.ndarray, val_fraction: float, seed: int):
    """Shuffled train/validation split, features standardised with the training statistics."""
    order = np.random.default_rng(seed).permutation(len(x))
    cut = int(len(x) * (1 - val_fraction))
    train_idx, val_idx = order[:cut], order[cut:]
    mean, std = x[train_idx].mean(axis=0), x[train_idx].std(axis=0)
    scale = lambda part: (part - mean) / std  # noqa: E731
    return scale(x[train_idx]), y[train_idx], scale(x[val_idx]), y[val_idx]


def init_params(n_in: int, n_hidden: int, n_out: int, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    sizes = [n_in, n_hidden, n_out] if n_hidden > 0 else [n_in, n_out]
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        params += [rng.normal(0, np.sqrt(2 / fan_in), (fan_in, fan_out)), np.zeros(fan_out)]
    return params


def forward(params: list[np.ndarray], x: np.ndarray):
    """Class probabilities and the hidden activations (kept for the backward pass)."""
    activations = [x]
    h = x
    for i in range(0, len(params) - 2, 2):
        h = np.maximum(0, h @ params[i] + params[i + 1])
        activations.append(h)
    logits = h @ params[-2] + params[-1]
    logits -= logits.max(axis=1, keepdims=True)
    probs = np.exp(logits)
    return probs / probs.sum(axis=1, keepdims=True), activations


def step(params: list[np.ndarray], x: np.ndarray, y: np.ndarray, lr: float) -> float:
    """One full-batch gradient-descent step on cross-entropy; returns the loss before the step."""
    probs, activations = forward(params, x)
    loss = float(-np.log(probs[np.arange(len(y)), y] + 1e-12).mean())
    grad = probs
    grad[np.arange(len(y)), y] -= 1
    grad /= len(y)
    for layer in reversed(range(len(params) // 2)):
        w, a = params[2 * layer], activations[layer]
        grad_w, grad_b = a.T @ grad, grad.sum(axis=0)
        if layer > 0:
            grad = (grad @ w.T) * (a > 0)
        params[2 * layer] -= lr * grad_w
        params[2 * layer + 1] -= lr * grad_b
    return loss


def accuracy(params: list[np.ndarray], x: np.ndarray, y: np.ndarray) -> float:
    return float((forward(params, x)[0].argmax(axis=1) == y).mean())


def start_tracking(config: dict):
    """An Orrery run when the SDK is installed, else None (the script works either way)."""
    try:
        import orrery  # type: ignore[import-not-found]
    except ImportError:
        return None
    try:
        return orrery.init(name="iris-" + ("mlp" if config["hidden"] else "softmax"), params=config)
    except Exception as error:  # an SDK problem must not stop the training
        print(f"orrery tracking unavailable: {error}")
        return None


def train(epochs: int = 200, lr: float = 0.5, hidden: int = 16, seed: int = 0, log_every: int = 20):
    """Trains and returns (params, history); history holds one dict per logged epoch."""
    config = {"epochs": epochs, "lr": lr, "hidden": hidden, "seed": seed}
    x, y = load_iris()
    x_train, y_train, x_val, y_val = split(x, y, val_fraction=0.2, seed=seed)
    params = init_params(x.shape[1], hidden, len(SPECIES), seed)
    run = start_tracking(config)
    history = []
    for epoch in range(1, epochs + 1):
        loss = step(params, x_train, y_train, lr)
        if epoch % log_every == 0 or epoch == epochs:
            row = {"epoch": epoch, "loss": loss, "accuracy": accuracy(params, x_train, y_train), "val_accuracy": accuracy(params, x_val, y_val)}
            history.append(row)
            print(f"epoch {epoch:4d}  loss {loss:.4f}  accuracy {row['accuracy']:.3f}  val_accuracy {row['val_accuracy']:.3f}", flush=True)
            if run is not None:
                run.log({k: v for k, v in row.items() if k != "epoch"}, step=epoch)
    if run is not None and hasattr(run, "finish"):
        run.finish()
    return params, history


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument("--lr", type=float, default=0.5)
    parser.add_argument("--hidden", type=int, default=16, help="hidden units; 0 for softmax regression")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    _, history = train(epochs=args.epochs, lr=args.lr, hidden=args.hidden, seed=args.seed)
    print(f"final val_accuracy {history[-1]['val_accuracy']:.3f}")


if __name__ == "__main__":
    main()
