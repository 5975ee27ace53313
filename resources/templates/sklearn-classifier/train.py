"""Train a gradient-boosted classifier (XGBoost or scikit-learn) on generated data, logging through Orrery's SDK.

    python train.py                                   # XGBoost when installed, else scikit-learn
    python train.py --library sklearn --estimators 300 --learning-rate 0.05
    python train.py --library xgboost --max-depth 6

The data comes from scikit-learn's make_classification, so the template runs offline. Boosting is
logged round by round: train and validation log-loss and accuracy at every round (step = number of
trees), then the final metrics, the feature importances, and the fitted model as a checkpoint (XGBoost's
JSON model, or a pickle for scikit-learn).
"""

from __future__ import annotations

import argparse
import os
import pickle
import time

import numpy as np
from sklearn.datasets import make_classification
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import accuracy_score, log_loss
from sklearn.model_selection import train_test_split

try:  # The SDK is on PYTHONPATH in jobs Orrery starts; without it the script only prints.
    import orrery
except ImportError:  # pragma: no cover - exercised by running the template outside Orrery
    orrery = None

try:
    import xgboost
except ImportError:  # pragma: no cover - depends on the environment
    xgboost = None


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--library", choices=["auto", "xgboost", "sklearn"], default="auto")
    parser.add_argument("--estimators", type=int, default=200, help="boosting rounds")
    parser.add_argument("--learning-rate", type=float, default=0.1)
    parser.add_argument("--max-depth", type=int, default=4)
    parser.add_argument("--samples", type=int, default=20000)
    parser.add_argument("--features", type=int, default=30)
    parser.add_argument("--informative", type=int, default=10)
    parser.add_argument("--classes", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--checkpoint", default=None, help="where the fitted model is written (default: checkpoints/<run name>.json or .pkl)")
    return parser.parse_args()


def staged_xgboost(args, train_x, train_y, val_x, val_y):
    """Fits an XGBoost model; yields (round, train probabilities, validation probabilities) per round, then the model."""
    model = xgboost.XGBClassifier(
        n_estimators=args.estimators, learning_rate=args.learning_rate, max_depth=args.max_depth,
        tree_method="hist", random_state=args.seed, n_jobs=os.cpu_count() or 1,
    )
    model.fit(train_x, train_y)
    for rounds in range(1, args.estimators + 1):
        yield rounds, model.predict_proba(train_x, iteration_range=(0, rounds)), model.predict_proba(val_x, iteration_range=(0, rounds))
    return model


def staged_sklearn(args, train_x, train_y, val_x, val_y):
    """Fits scikit-learn's histogram gradient boosting once, then yields its predictions round by round."""
    model = HistGradientBoostingClassifier(
        max_iter=args.estimators, learning_rate=args.learning_rate, max_depth=args.max_depth,
        early_stopping=False, random_state=args.seed,
    )
    model.fit(train_x, train_y)
    stages = zip(model.staged_predict_proba(train_x), model.staged_predict_proba(val_x))
    for rounds, (train_p, val_p) in enumerate(stages, start=1):
        yield rounds, train_p, val_p
    return model


def main() -> None:
    args = parse_args()
    library = args.library
    if library == "auto":
        library = "xgboost" if xgboost is not None else "sklearn"
    if library == "xgboost" and xgboost is None:
        raise SystemExit("xgboost is not installed in this environment: install it, or pass --library sklearn")
    features, labels = make_classification(
        n_samples=args.samples, n_features=args.features, n_informative=args.informative, n_redundant=2,
        n_classes=args.classes, class_sep=0.8, flip_y=0.03, random_state=args.seed,
    )
    train_x, val_x, train_y, val_y = train_test_split(features, labels, test_size=0.2, random_state=args.seed, stratify=labels)

    run = None
    if orrery is not None:
        params = {k: v for k, v in vars(args).items() if k != "checkpoint"}
        run = orrery.init(params={**params, "library": library}, tags=["template", library])
    print(f"boosting {args.estimators} rounds with {library} on {len(train_y)} samples", flush=True)

    staged = staged_xgboost if library == "xgboost" else staged_sklearn
    stages = staged(args, train_x, train_y, val_x, val_y)
    started = time.perf_counter()
    classes = list(range(args.classes))
    while True:
        try:
            rounds, train_p, val_p = next(stages)
        except StopIteration as done:
            model = done.value
            break
        metrics = {
            "train/logloss": log_loss(train_y, train_p, labels=classes),
            "val/logloss": log_loss(val_y, val_p, labels=classes),
            "train/acc": accuracy_score(train_y, train_p.argmax(1)),
            "val/acc": accuracy_score(val_y, val_p.argmax(1)),
        }
        if run is not None:
            run.log(metrics, step=rounds)
        if rounds % max(1, args.estimators // 10) == 0 or rounds == args.estimators:
            print(f"round {rounds}/{args.estimators} val_logloss={metrics['val/logloss']:.4f} val_acc={metrics['val/acc']:.3f}", flush=True)

    elapsed = time.perf_counter() - started
    extension = "json" if library == "xgboost" else "pkl"
    checkpoint = args.checkpoint or os.path.join("checkpoints", f"{run.name if run is not None else 'boosting-' + library}.{extension}")
    os.makedirs(os.path.dirname(checkpoint) or ".", exist_ok=True)
    if library == "xgboost":
        model.save_model(checkpoint)
        importances = model.feature_importances_
    else:
        with open(checkpoint, "wb") as handle:
            pickle.dump(model, handle)
        importances = None
    print(f"fitted in {elapsed:.1f} s; model written to {checkpoint}", flush=True)
    if run is not None:
        run.log({"fit_seconds": elapsed}, step=args.estimators)
        if importances is not None:
            top = np.argsort(importances)[::-1][:10]
            run.log_params({"top_features": [int(i) for i in top]})
        run.save_checkpoint(checkpoint, step=args.estimators)
        run.finish()


if __name__ == "__main__":
    main()
