"""The PyTorch peer of examples/translate.rnn: a GRU encoder-decoder of the same size (one-hot
words into a GRU of H units; from its last state a second GRU reading the previous target word,
the zero vector before the first; a linear layer and log-softmax over the target words and
<eos>), trained as `rnnc train` trains it by default (Adam, learning rate 0.005, batches of 32
in a shuffled order, the loss the mean cross-entropy over every real target step, <eos>
included), then each test source translated greedily up to <eos> or 100 words.

    python translate_pytorch.py --train train.tsv --test test.tsv --out DIR [--hidden 64]
        [--epochs 10] [--seed 1] [--reverse]

Writes DIR/pytorch.json: the mean training loss of each epoch, the test loss and token
accuracy, the seconds training took and the translations (one string a test pair);
examples/experiments/translation.mjs scores them with rnnc's BLEU and exact match, as it scores
rnnc's. While training, DIR/metrics.jsonl logs the steps and epochs as rnnc train logs them
(the experiment draws its progress bar from it). `--reverse` reads every source backwards
(Sutskever's trick).
"""

import argparse
import json
import random
import time

import torch
import torch.nn.functional as F
from torch import nn

EOS = "<eos>"
MAX_LENGTH = 100


def read_pairs(path, reverse):
    pairs = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\r\n")
            if not line.strip():
                continue
            source, target = line.split("\t")
            words = source.split()
            pairs.append((words[::-1] if reverse else words, target.split()))
    return pairs


class EncoderDecoder(nn.Module):
    def __init__(self, V, W, H):
        super().__init__()
        self.V, self.W = V, W
        self.encoder = nn.GRU(V, H)
        self.decoder = nn.GRU(W, H)
        self.out = nn.Linear(H, W)

    def encode(self, sources, lengths):
        """The encoder's state at each source's own last word."""
        x = F.one_hot(sources, self.V).float()
        packed = nn.utils.rnn.pack_padded_sequence(x, lengths, enforce_sorted=False)
        _, h = self.encoder(packed)
        return h

    def forward(self, sources, lengths, previous):
        """Log-probabilities [T, B, W] of each target step, reading the previous target (teacher forcing)."""
        h = self.encode(sources, lengths)
        out, _ = self.decoder(previous, h)
        return F.log_softmax(self.out(out), dim=-1)


def batch_tensors(pairs, source_ids, target_ids, W):
    B = len(pairs)
    S = max(len(s) for s, _ in pairs)
    T = max(len(t) + 1 for _, t in pairs)
    sources = torch.zeros(S, B, dtype=torch.long)
    targets = torch.full((T, B), -100, dtype=torch.long)
    for b, (s, t) in enumerate(pairs):
        sources[: len(s), b] = torch.tensor([source_ids[w] for w in s])
        ids = [target_ids[w] for w in t] + [target_ids[EOS]]
        targets[: len(ids), b] = torch.tensor(ids)
    lengths = torch.tensor([len(s) for s, _ in pairs])
    # The previous target word as a one-hot vector; none (zeros) before the first and for padding.
    previous = torch.zeros(T, B, W)
    known = targets[:-1].clamp(min=0)
    previous[1:] = F.one_hot(known, W).float() * (targets[:-1] >= 0).unsqueeze(-1)
    return sources, lengths, previous, targets


def translate(model, pairs, source_ids, target_words, W):
    eos = target_words.index(EOS)
    out = []
    with torch.no_grad():
        for start in range(0, len(pairs), 64):
            chunk = pairs[start : start + 64]
            B = len(chunk)
            S = max(len(s) for s, _ in chunk)
            sources = torch.zeros(S, B, dtype=torch.long)
            for b, (s, _) in enumerate(chunk):
                sources[: len(s), b] = torch.tensor([source_ids[w] for w in s])
            h = model.encode(sources, torch.tensor([len(s) for s, _ in chunk]))
            previous = torch.zeros(1, B, W)
            words = [[] for _ in range(B)]
            done = [False] * B
            for _ in range(MAX_LENGTH):
                o, h = model.decoder(previous, h)
                chosen = model.out(o[0]).argmax(dim=-1)
                for b in range(B):
                    if done[b]:
                        continue
                    if chosen[b].item() == eos:
                        done[b] = True
                    else:
                        words[b].append(target_words[chosen[b].item()])
                if all(done):
                    break
                previous = F.one_hot(chosen, W).float().unsqueeze(0)
            out.extend(" ".join(w) for w in words)
    return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--train", required=True)
    p.add_argument("--test", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--hidden", type=int, default=64)
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--lr", type=float, default=0.005)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--reverse", action="store_true")
    a = p.parse_args()
    torch.manual_seed(a.seed)
    random.seed(a.seed)
    torch.set_num_threads(1)
    train = read_pairs(a.train, a.reverse)
    test = read_pairs(a.test, a.reverse)
    source_words = sorted({w for s, _ in train for w in s})
    target_words = sorted({w for _, t in train for w in t}) + [EOS]
    source_ids = {w: i for i, w in enumerate(source_words)}
    target_ids = {w: i for i, w in enumerate(target_words)}
    V, W = len(source_words), len(target_words)
    model = EncoderDecoder(V, W, a.hidden)
    optimizer = torch.optim.Adam(model.parameters(), lr=a.lr)
    started = time.time()
    order = list(range(len(train)))
    epoch_losses = []
    step = 0
    with open(f"{a.out}/metrics.jsonl", "w", encoding="utf-8") as metrics:
        log = lambda record: (metrics.write(json.dumps(record) + "\n"), metrics.flush())
        for epoch in range(1, a.epochs + 1):
            random.shuffle(order)
            losses = []
            for start in range(0, len(order), a.batch):
                chunk = [train[i] for i in order[start : start + a.batch]]
                sources, lengths, previous, targets = batch_tensors(chunk, source_ids, target_ids, W)
                logp = model(sources, lengths, previous)
                loss = F.nll_loss(logp.reshape(-1, W), targets.reshape(-1), ignore_index=-100)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                step += 1
                losses.append(loss.item())
                log({"kind": "step", "step": step, "epoch": epoch, "loss": loss.item()})
            epoch_losses.append(sum(losses) / len(losses))
            log({"kind": "eval", "step": step, "epoch": epoch, "epoch_end": True})
    seconds = time.time() - started
    with torch.no_grad():
        total, right, positions = 0.0, 0, 0
        for start in range(0, len(test), 64):
            chunk = test[start : start + 64]
            sources, lengths, previous, targets = batch_tensors(chunk, source_ids, target_ids, W)
            logp = model(sources, lengths, previous)
            mask = targets >= 0
            total += F.nll_loss(logp[mask], targets[mask], reduction="sum").item()
            right += (logp.argmax(dim=-1)[mask] == targets[mask]).sum().item()
            positions += mask.sum().item()
    result = {
        "train_loss": epoch_losses,
        "loss": total / positions,
        "accuracy": right / positions,
        "seconds": seconds,
        "translations": translate(model, test, source_ids, target_words, W),
    }
    with open(f"{a.out}/pytorch.json", "w", encoding="utf-8") as f:
        json.dump(result, f)


if __name__ == "__main__":
    main()
