"""PyTorch training loops equivalent to `rnnc train` runs of the training section (bench/training.ts).

    PYTHON bench/pytorch_train.py adding|text THREADS DATA EPOCHS BATCH SEQ_LEN

PYTHON: the interpreter of the benchmark's Python environment (tools/python-env.mjs: PyTorch 2.x from
the package index). Float32, torch.nn.LSTM and a Linear output layer, Adam as rnnc's defaults (lr 0.005,
betas 0.9 and 0.999, eps 1e-8), no validation split, no clipping, as the rnnc runs.

- adding: DATA is the normative JSON rnnc trains on ("x" [T][N][2], "y" [N][1]); LSTM(2, H = 32) and
  Linear(32, 1) at the last step; loss = mean over the batch of 1/2 (o - y)^2, rnnc's mse; the sequences
  shuffled each epoch and cut into batches of BATCH.
- text: DATA is a text file; its characters (sorted) numbered from 0; LSTM(V, 128) on one-hot input and
  Linear(128, V); cross-entropy at every step averaged over the positions; the text cut into BATCH
  contiguous streams read in chunks of SEQ_LEN steps, the state carried (detached) from one chunk to the
  next and reset each epoch: rnnc's truncated BPTT (engine/data/dataset.ts, planStream).

Prints one line, JSON: the wall and CPU seconds of the whole script (torch's import and the data
included) and of the training loop, the steps, the sequences or characters trained on, and the last
epoch's mean training loss.
"""
import json
import resource
import sys
import time

START = time.perf_counter()

import torch  # noqa: E402  (imported after the clock starts: a user waits for it too)
import torch.nn.functional as F  # noqa: E402


def cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class Net(torch.nn.Module):
    def __init__(self, inputs, hidden, outputs):
        super().__init__()
        self.lstm = torch.nn.LSTM(inputs, hidden)
        self.out = torch.nn.Linear(hidden, outputs)


def adam(net):
    return torch.optim.Adam(net.parameters(), lr=0.005, betas=(0.9, 0.999), eps=1e-8)


def adding(path, epochs, batch):
    """The data, and the training loop to time."""
    data = json.load(open(path))
    x = torch.tensor(data["x"], dtype=torch.float32)  # [T][N][2]
    y = torch.tensor(data["y"], dtype=torch.float32)  # [N][1]
    n = x.shape[1]

    def train():
        net = Net(2, 32, 1)
        opt = adam(net)
        steps, loss_sum = 0, 0.0
        for _ in range(epochs):
            order = torch.randperm(n)
            loss_sum = 0.0
            for start in range(0, n, batch):
                idx = order[start : start + batch]
                h, _ = net.lstm(x[:, idx])
                loss = 0.5 * F.mse_loss(net.out(h[-1]), y[idx])
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                loss_sum += loss.item() * len(idx)
                steps += 1
        return dict(steps=steps, units=epochs * n, unit="seq", loss=loss_sum / n)

    return train


def text(path, epochs, batch, seq_len):
    """The data, and the training loop to time."""
    chars = open(path, encoding="utf-8").read()
    vocabulary = sorted(set(chars))
    index = {c: i for i, c in enumerate(vocabulary)}
    ids = torch.tensor([index[c] for c in chars], dtype=torch.long)
    V = len(vocabulary)
    usable = len(ids) - 1
    streams = max(1, min(batch, usable))
    per_stream = usable // streams
    base = torch.arange(streams) * per_stream

    def train():
        net = Net(V, 128, V)
        opt = adam(net)
        steps, loss_sum = 0, 0.0
        for _ in range(epochs):
            state = None
            loss_sum = 0.0
            for start in range(0, per_stream, seq_len):
                T = min(seq_len, per_stream - start)
                at = base[None, :] + start + torch.arange(T)[:, None]  # [T][B]
                h, state = net.lstm(F.one_hot(ids[at], V).float(), state)
                state = tuple(s.detach() for s in state)
                loss = F.cross_entropy(net.out(h).reshape(T * streams, V), ids[at + 1].reshape(-1))
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                loss_sum += loss.item() * T * streams
                steps += 1
        positions = streams * per_stream
        return dict(steps=steps, units=epochs * positions, unit="char", loss=loss_sum / positions)

    return train


def main():
    task, threads, path, epochs, batch, seq_len = sys.argv[1:7]
    torch.set_num_threads(int(threads))
    torch.manual_seed(1)
    if task == "adding":
        train = adding(path, int(epochs), int(batch))
    elif task == "text":
        train = text(path, int(epochs), int(batch), int(seq_len))
    else:
        raise SystemExit(f"unknown task {task}: adding or text")
    loop_wall, loop_cpu = time.perf_counter(), cpu_seconds()
    result = train()
    now = time.perf_counter()
    result.update(
        seconds=now - START,
        cpuSeconds=cpu_seconds(),
        loopSeconds=now - loop_wall,
        loopCpuSeconds=cpu_seconds() - loop_cpu,
        torch=torch.__version__,
    )
    print(json.dumps(result), flush=True)


main()
