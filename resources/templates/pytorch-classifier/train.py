"""Train a PyTorch classifier (an MLP or a small CNN) on generated data, logging through Orrery's SDK.

    python train.py                                # MLP, 20 epochs, on the GPU when one is visible
    python train.py --model cnn --epochs 5 --lr 0.003
    python train.py --device cpu --batch-size 256

The data is made up, so the template runs offline and anywhere: for the MLP, points drawn around
`--classes` random centres in `--features` dimensions; for the CNN, 16x16 one-channel images, each class
a bright bar at its own angle plus noise. Per epoch it logs train loss and accuracy, validation loss and
accuracy, the learning rate and samples/s, and saves a checkpoint (model, optimizer, epoch). Started
again with ORRERY_RESUME (Orrery's "Resume"), it continues from that checkpoint's epoch.
"""

from __future__ import annotations

import argparse
import math
import os
import time

import torch
from torch import nn

try:  # The SDK is on PYTHONPATH in jobs Orrery starts; without it the script only prints.
    import orrery
except ImportError:  # pragma: no cover - exercised by running the template outside Orrery
    orrery = None


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=["mlp", "cnn"], default="mlp")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument("--hidden", type=int, default=64, help="hidden units (mlp) or channels (cnn)")
    parser.add_argument("--samples", type=int, default=8000)
    parser.add_argument("--features", type=int, default=20)
    parser.add_argument("--classes", type=int, default=4)
    parser.add_argument("--noise", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N")
    parser.add_argument("--checkpoint", default=None, help="where each epoch's checkpoint is written (default: checkpoints/<run name>.pt)")
    return parser.parse_args()


def make_data(args: argparse.Namespace, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    labels = torch.randint(0, args.classes, (args.samples,), generator=generator)
    if args.model == "mlp":
        centres = torch.randn(args.classes, args.features, generator=generator) * 0.5
        features = centres[labels] + args.noise * torch.randn(args.samples, args.features, generator=generator)
        return features, labels
    size = 16
    ys, xs = torch.meshgrid(torch.arange(size, dtype=torch.float32), torch.arange(size, dtype=torch.float32), indexing="ij")
    ys, xs = ys - size / 2, xs - size / 2
    angles = labels.float() * math.pi / args.classes
    # Distance of each pixel from the line through the centre at the class's angle: a bright bar.
    distance = (xs[None] * torch.sin(angles)[:, None, None] - ys[None] * torch.cos(angles)[:, None, None]).abs()
    images = torch.exp(-distance**2 / 2.0) + 1.5 * args.noise * torch.randn(args.samples, size, size, generator=generator)
    return images[:, None], labels


def make_model(args: argparse.Namespace) -> nn.Module:
    if args.model == "mlp":
        return nn.Sequential(nn.Linear(args.features, args.hidden), nn.ReLU(), nn.Linear(args.hidden, args.hidden), nn.ReLU(), nn.Linear(args.hidden, args.classes))
    c = max(4, args.hidden // 4)
    return nn.Sequential(
        nn.Conv2d(1, c, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(c, 2 * c, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(2 * c * 4 * 4, args.hidden), nn.ReLU(), nn.Linear(args.hidden, args.classes),
    )


def pick_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def evaluate(model: nn.Module, features: torch.Tensor, labels: torch.Tensor, batch: int) -> tuple[float, float]:
    model.eval()
    loss_sum, correct = 0.0, 0
    with torch.no_grad():
        for start in range(0, len(labels), batch):
            x, y = features[start:start + batch], labels[start:start + batch]
            logits = model(x)
            loss_sum += nn.functional.cross_entropy(logits, y, reduction="sum").item()
            correct += (logits.argmax(1) == y).sum().item()
    return loss_sum / len(labels), correct / len(labels)


def main() -> None:
    args = parse_args()
    torch.manual_seed(args.seed)
    generator = torch.Generator().manual_seed(args.seed)
    device = pick_device(args.device)
    features, labels = make_data(args, generator)
    split = int(0.8 * len(labels))
    train_x, train_y = features[:split].to(device), labels[:split].to(device)
    val_x, val_y = features[split:].to(device), labels[split:].to(device)
    model = make_model(args).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=max(1, args.epochs))

    run = None
    if orrery is not None:
        params = {k: v for k, v in vars(args).items() if k != "checkpoint"}
        run = orrery.init(params={**params, "device": str(device), "torch": torch.__version__}, tags=["template", "pytorch", args.model])

    if args.checkpoint is None:
        args.checkpoint = os.path.join("checkpoints", f"{run.name if run is not None else 'pytorch-' + args.model}.pt")
    os.makedirs(os.path.dirname(args.checkpoint) or ".", exist_ok=True)

    first_epoch = 0
    resume = orrery.latest_checkpoint() if orrery is not None else None
    if resume:
        state = torch.load(resume, map_location=device)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        first_epoch = state["epoch"] + 1
        print(f"resumed from {resume} at epoch {first_epoch}", flush=True)

    print(f"training a {args.model} on {device} for {args.epochs} epochs ({split} train / {len(labels) - split} validation samples)", flush=True)
    step = first_epoch * math.ceil(split / args.batch_size)
    for epoch in range(first_epoch, args.epochs):
        model.train()
        started = time.perf_counter()
        order = torch.randperm(split, device=device)
        loss_sum, correct = 0.0, 0
        for start in range(0, split, args.batch_size):
            index = order[start:start + args.batch_size]
            x, y = train_x[index], train_y[index]
            logits = model(x)
            loss = nn.functional.cross_entropy(logits, y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            loss_sum += loss.item() * len(y)
            correct += (logits.argmax(1) == y).sum().item()
            if run is not None:
                run.log({"batch/loss": loss.item()}, step=step)
            step += 1
        elapsed = time.perf_counter() - started
        val_loss, val_acc = evaluate(model, val_x, val_y, 1024)
        metrics = {
            "train/loss": loss_sum / split,
            "train/acc": correct / split,
            "val/loss": val_loss,
            "val/acc": val_acc,
            "lr": scheduler.get_last_lr()[0],
            "samples_per_s": split / elapsed,
        }
        scheduler.step()
        print(f"epoch {epoch + 1}/{args.epochs} train_loss={metrics['train/loss']:.4f} val_loss={val_loss:.4f} val_acc={val_acc:.3f}", flush=True)
        torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(), "epoch": epoch}, args.checkpoint)
        if run is not None:
            run.log({f"epoch/{k}": v for k, v in metrics.items()}, step=epoch)
            run.save_checkpoint(args.checkpoint, step=epoch)
    if run is not None:
        run.finish()


if __name__ == "__main__":
    main()
