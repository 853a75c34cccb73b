"""``elmo train``: pretrain or continue training a biLM, on one process or many (torchrun + DDP).

The loop is flat on purpose: build the model, the data and the optimizer, restore the latest
checkpoint if there is one, then step until ``max_steps``, logging and checkpointing as it goes.
Each process reads its own shards (``shards[rank::world_size]``); a run on W processes with
``batch_size`` rows each computes what one process with W groups of rows would compute.
"""
from __future__ import annotations

import csv
import io
import json
import math
import time
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

import torch
from torch.nn.parallel import DistributedDataParallel
from tqdm import tqdm

from elmo.config import FIRST_CODEPOINT_ID, BiLMConfig
from elmo.data.batching import LMBatch, SentenceBatcher, WindowBatcher
from elmo.data.chars import CodepointVocabulary
from elmo.data.shards import expand_shards, iter_sentences
from elmo.data.vocab import Vocabulary, character_vocabulary, count_tokens
from elmo.distributed import Context, finish, initialise
from elmo.errors import ConfigError, InputError
from elmo.evaluate.perplexity import perplexity
from elmo.files import (
    exclusive_lock,
    lock_beside,
    settings_differences,
    weights_fingerprint,
    write_text,
)
from elmo.interop.model_folder import ModelFolder, TrainingRecord
from elmo.modules.bilm import BiLM, LSTMState
from elmo.modules.bilm_with_softmax import BiLMWithSoftmax
from elmo.modules.softmax import build_softmax
from elmo.threads import CoreShare
from elmo.train.checkpoint import Checkpoints
from elmo.train.config import TrainConfig

# tokens_per_s: corpus tokens per second on one process (each is read by both directions).
LOG_COLUMNS = ("step", "tokens", "tokens_per_s", "loss", "forward_ppl", "backward_ppl", "lr",
               "grad_norm", "heldout_forward_ppl", "heldout_backward_ppl", "heldout_ppl")


def language_model_for(config: TrainConfig, vocab: Vocabulary,
                       characters: list[str] | None = None) -> BiLMWithSoftmax:
    """A fresh model from [model], or the model named by ``init_from`` (continued training);
    ``characters``: a code-point model's character vocabulary (:func:`characters_for`)."""
    source = config.training.init_from
    if source is None:
        options = config.model_options(len(vocab), vocab.bos_id, vocab.eos_id,
                                       FIRST_CODEPOINT_ID + len(characters or ()))
        bilm = BiLM(BiLMConfig.from_options(options, "[model]"))
        return BiLMWithSoftmax(bilm, _softmax_for(config, bilm, len(vocab)), config.training.dropout)
    folder = ModelFolder.load(source)
    if folder.softmax is not None:
        if folder.vocabulary != vocab.tokens:
            raise ConfigError(f"[data] vocab differs from the vocabulary of {source}; continue "
                              f"training with the model's own vocabulary ({source}/vocab.txt)")
        softmax = folder.softmax
        if folder.softmax_config.type != config.softmax.type:  # same weights, another training head
            softmax = _softmax_for(config, folder.bilm, len(vocab))
            if hasattr(softmax, "weight") and hasattr(folder.softmax, "weight"):
                softmax.load_state_dict(folder.softmax.state_dict())
        return BiLMWithSoftmax(folder.bilm, softmax, config.training.dropout).train()
    if folder.bilm.token_encoder.uses_words:
        raise ConfigError(f"{source}: continue word-input models from their native folder")
    # original format: no softmax stored, start a new one
    return BiLMWithSoftmax(folder.bilm, _softmax_for(config, folder.bilm, len(vocab)),
                           config.training.dropout).train()


def characters_for(config: TrainConfig) -> list[str] | None:
    """The character vocabulary of a code-point model: the continued model's, or built from the
    training text once and kept in ``output_dir/chars.json`` (so a resumed run reads the same)."""
    if config.training.init_from is not None:
        return ModelFolder.load(config.training.init_from).characters
    if not config.reads_codepoints:
        return None
    kept = Path(config.training.output_dir) / "chars.json"
    settings = {"train": list(config.data.train), "char_min_count": config.data.char_min_count,
                "char_max_size": config.data.char_max_size}
    if kept.is_file():
        saved = json.loads(kept.read_text(encoding="utf-8"))
        if not settings_differences(saved["settings"], settings):
            return saved["characters"]
    counts = count_tokens(expand_shards(config.data.train), progress=False)
    characters = character_vocabulary(counts, config.data.char_min_count,
                                      config.data.char_max_size or None)
    write_text(kept, json.dumps({"settings": settings, "characters": characters}, ensure_ascii=False))
    return characters


def _softmax_for(config: TrainConfig, bilm: BiLM, vocab_size: int) -> torch.nn.Module:
    return build_softmax(config.softmax, bilm.config.lstm.projection_dim, vocab_size)


def make_batcher(config: TrainConfig, vocab: Vocabulary, context: Context, max_characters: int,
                 characters: CodepointVocabulary | None = None):
    data = config.data
    shards = expand_shards(data.train)
    per_process = data.row_groups
    first = context.rank * per_process
    groups = {"groups": tuple(range(first, first + per_process)),
              "n_groups": context.world_size * per_process}
    rows = data.batch_size // per_process
    if data.batching == "windows":
        return WindowBatcher(shards, vocab, rows, data.unroll_steps, seed=config.training.seed,
                             shuffle=data.shuffle, max_characters=max_characters,
                             characters=characters, **groups)
    return SentenceBatcher(shards, vocab, rows, seed=config.training.seed, shuffle=data.shuffle,
                           max_length=data.max_sentence_length, max_characters=max_characters,
                           characters=characters, **groups)


def total_steps(config: TrainConfig, context: Context) -> int:
    """``max_steps``, or ``epochs`` passes over the training tokens (each with its </S>)."""
    if config.training.max_steps is not None:
        return config.training.max_steps
    tokens = sum(len(sentence) + 1 for sentence in iter_sentences(expand_shards(config.data.train)))
    per_step = context.world_size * config.data.batch_size * (
        config.data.unroll_steps if config.data.batching == "windows" else config.data.max_sentence_length / 2)
    return max(1, math.ceil(config.training.epochs * tokens / per_step))


def make_optimizer(config: TrainConfig, model: torch.nn.Module, steps: int):
    opt = config.optimizer
    if opt.name == "adagrad":
        optimizer = torch.optim.Adagrad(model.parameters(), lr=opt.lr, weight_decay=opt.weight_decay,
                                        initial_accumulator_value=opt.initial_accumulator_value)
    else:
        cls = torch.optim.Adam if opt.name == "adam" else torch.optim.AdamW
        optimizer = cls(model.parameters(), lr=opt.lr, betas=opt.betas, weight_decay=opt.weight_decay)

    def factor(step: int) -> float:
        if step < opt.warmup_steps:
            return (step + 1) / opt.warmup_steps
        progress = min(1.0, (step - opt.warmup_steps) / max(1, steps - opt.warmup_steps))
        if opt.schedule == "linear":
            return 1.0 - progress
        if opt.schedule == "cosine":
            return 0.5 * (1.0 + math.cos(math.pi * progress))
        return 1.0

    return optimizer, torch.optim.lr_scheduler.LambdaLR(optimizer, factor)


def to_tensors(batch: LMBatch, device: torch.device) -> tuple[torch.Tensor, ...]:
    """char_ids (2, B, T, C), word_ids (2, B, T), targets (2, B, T), mask (2, B, T)."""
    return tuple(torch.from_numpy(array).to(device, torch.long if array.dtype != bool else torch.bool)
                 for array in (batch.char_ids, batch.word_ids, batch.targets, batch.mask))


def training_step(runner: torch.nn.Module, optimizer: torch.optim.Optimizer, batch: tuple[torch.Tensor, ...],
                  state: LSTMState | None, clip_norm: float = math.inf,
                  autocast: AbstractContextManager | None = None):
    """One update of the language model on ``batch`` (char_ids, word_ids, targets, mask from
    :func:`to_tensors`): forward (under ``autocast``, if given) from the LSTM ``state``, the mean
    loss per token of both directions, backward, gradient clipping at ``clip_norm``, optimizer step.

    Returns: the model's output, the loss (detached) and the gradient norm before clipping.
    """
    char_ids, word_ids, targets, mask = batch
    with autocast or nullcontext():
        output = runner(char_ids, word_ids, targets, mask, state)
    loss = (output.forward_loss + output.backward_loss) / (2 * output.n_tokens)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    norm = torch.nn.utils.clip_grad_norm_(runner.parameters(), clip_norm)
    optimizer.step()
    return output, loss.detach(), norm


def train(config: TrainConfig, progress: bool = True) -> Path:
    """Run (or resume) training; returns the folder of the final model."""
    context = initialise()
    output_dir = Path(config.training.output_dir)
    lock = exclusive_lock(lock_beside(output_dir), "elmo train") if context.is_main else nullcontext()
    try:
        with lock, CoreShare():
            return _train(config, context, progress)
    finally:
        finish(context)


class TrainingState:
    """Everything a run needs to continue exactly where it stopped.

    Shared by all processes: model, optimizer, scheduler, step, tokens seen, training seconds.
    Each process's own: its data position, carried LSTM states and random generators (the torch
    generator, the CUDA one on GPUs, and the softmax's class sampler where it has one).
    """

    def __init__(self, model: BiLMWithSoftmax, optimizer, scheduler, batcher, context: Context,
                 seed: int) -> None:
        self.model, self.optimizer, self.scheduler = model, optimizer, scheduler
        self.batcher, self.context = batcher, context
        self.sampler: torch.Generator | None = getattr(model.softmax, "generator", None)
        if self.sampler is not None:
            self.sampler.manual_seed(seed)
        self.step, self.tokens_seen, self.seconds = 0, 0, 0.0
        self.lstm_state: LSTMState | None = None

    def state_dict(self) -> tuple[dict, dict]:
        """(the state shared by all processes, this process's own state)."""
        cuda = self.context.device.type == "cuda"
        shared = {"model": self.model.state_dict(), "optimizer": self.optimizer.state_dict(),
                  "scheduler": self.scheduler.state_dict(), "step": self.step,
                  "tokens_seen": self.tokens_seen, "seconds": self.seconds}
        own = {"batcher": self.batcher.state_dict(), "torch_rng": torch.get_rng_state(),
               "cuda_rng": torch.cuda.get_rng_state(self.context.device) if cuda else None,
               "sampler_rng": None if self.sampler is None else self.sampler.get_state(),
               "lstm_state": None if self.lstm_state is None else tuple(self.lstm_state),
               "parameters_sha256": weights_fingerprint(self.model)}
        return shared, own

    def load_state_dict(self, shared: dict, own: dict) -> None:
        self.model.load_state_dict(shared["model"])
        self.optimizer.load_state_dict(shared["optimizer"])
        self.scheduler.load_state_dict(shared["scheduler"])
        self.step, self.tokens_seen, self.seconds = (shared["step"], shared["tokens_seen"],
                                                     shared["seconds"])
        self.batcher.load_state_dict(own["batcher"])
        torch.set_rng_state(own["torch_rng"])
        if own.get("cuda_rng") is not None and self.context.device.type == "cuda":
            torch.cuda.set_rng_state(own["cuda_rng"], self.context.device)
        if self.sampler is not None:
            self.sampler.set_state(own["sampler_rng"])
        self.lstm_state = (None if own["lstm_state"] is None else
                           LSTMState(*(t.to(self.context.device) for t in own["lstm_state"])))


def _train(config: TrainConfig, context: Context, progress: bool) -> Path:
    if next(iter_sentences(expand_shards(config.data.train)), None) is None:
        raise InputError(f"no sentences to train on: every line of {', '.join(config.data.train)} "
                         "is blank")
    output_dir = Path(config.training.output_dir)
    torch.manual_seed(config.training.seed)
    vocab = Vocabulary.load(config.data.vocab)
    if context.is_main:
        characters_for(config)  # built once, before the other processes read it
    context.barrier()
    characters = characters_for(config)
    model = language_model_for(config, vocab, characters).to(context.device)
    steps = total_steps(config, context)
    optimizer, scheduler = make_optimizer(config, model, steps)
    batcher = make_batcher(config, vocab, context, model.bilm.config.max_characters,
                           CodepointVocabulary(characters) if characters else None)
    run = TrainingState(model, optimizer, scheduler, batcher, context, config.training.seed)
    checkpoints = Checkpoints(output_dir, config.training.keep_checkpoints, config.to_dict())
    if checkpoints.latest() is not None:
        run.load_state_dict(*checkpoints.load(checkpoints.latest(), context))
    if context.is_main:
        output_dir.mkdir(parents=True, exist_ok=True)
    runner = DistributedDataParallel(model) if context.distributed else model
    autocast = torch.autocast(context.device.type, dtype=torch.bfloat16, enabled=config.training.bf16)
    log = _Log(output_dir / "log.csv", context.is_main, resumed_at=run.step)
    carry = config.data.batching == "windows"
    window = _Window()
    clip = config.optimizer.clip_norm if config.optimizer.clip_norm > 0 else float("inf")
    started, seconds_before = time.perf_counter(), run.seconds
    deadline = math.inf if config.training.max_minutes is None else (
        started + 60 * config.training.max_minutes - seconds_before)
    out_of_time = _agreed(context, time.perf_counter() >= deadline)  # a resumed run may be done
    model.train()
    with tqdm(total=steps, initial=run.step, unit="step", dynamic_ncols=True,
              disable=not (progress and context.is_main)) as bar:
        while run.step < steps and not out_of_time:
            output, _, norm = training_step(runner, optimizer, to_tensors(next(batcher), context.device),
                                            run.lstm_state, clip, autocast)
            scheduler.step()
            run.step += 1
            run.tokens_seen += output.n_tokens * context.world_size
            run.lstm_state = LSTMState(*(t.detach() for t in output.state)) if carry else None
            run.seconds = seconds_before + time.perf_counter() - started
            window.add(output, norm)
            bar.update(1)
            out_of_time = _agreed(context, time.perf_counter() >= deadline)
            last = run.step == steps or out_of_time
            if run.step % config.training.log_every == 0 or last:
                row = window.row(run.step, optimizer.param_groups[0]["lr"])
                bar.set_postfix(loss=f"{row['loss']:.3f}", ppl=f"{row['forward_ppl']:.1f}/"
                                f"{row['backward_ppl']:.1f}", tok_s=f"{row['tokens_per_s']:.0f}")
                log.write(row)
            if run.step % config.training.checkpoint_every == 0 or last:
                checkpoints.save(context, run.step, *run.state_dict())
                if config.data.heldout and context.is_main:
                    log.write_heldout(run.step, _heldout(model, vocab, config, batcher.characters))
                    model.train()
    final = output_dir / "model"
    if context.is_main:
        record = TrainingRecord(
            run.step, run.tokens_seen, round(run.seconds), tuple(Path(p).name for p in config.data.train),
            context.world_size, context.device.type,
            torch.cuda.get_device_name(context.device) if context.device.type == "cuda" else None,
            torch.get_num_threads())
        ModelFolder(model.bilm, model.softmax, config.softmax, vocab.tokens, characters,
                    softmax_float16=config.training.softmax_float16,
                    weights_float16=config.training.weights_float16,
                    tokenizer=config.data.tokenizer, training=record).save(final)
    context.barrier()
    return final


def _agreed(context: Context, flag: bool) -> bool:
    """True on every process if it is true on rank 0 (so all stop at the same step)."""
    if not context.distributed:
        return flag
    value = torch.tensor([float(flag)], device=context.device)
    torch.distributed.broadcast(value, src=0)
    return bool(value.item())


def _heldout(model: BiLMWithSoftmax, vocab: Vocabulary, config: TrainConfig,
             characters: CodepointVocabulary | None) -> dict[str, float]:
    result = perplexity(model, vocab, expand_shards(config.data.heldout), config.data.batch_size,
                        config.data.unroll_steps, progress=False, characters=characters)
    return {"heldout_forward_ppl": result.forward, "heldout_backward_ppl": result.backward,
            "heldout_ppl": result.average}


class _Window:
    """Sums since the last log line: losses, tokens and time, for rates and perplexities."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.forward = self.backward = self.norm = 0.0
        self.tokens = self.steps = 0
        self.started = time.perf_counter()

    def add(self, output, norm: torch.Tensor) -> None:
        """Sums stay on the model's device until ``row``: no GPU synchronisation per step."""
        self.forward = self.forward + output.forward_loss.detach().float()
        self.backward = self.backward + output.backward_loss.detach().float()
        self.tokens += output.n_tokens
        self.norm = self.norm + norm.detach().float()
        self.steps += 1

    def row(self, step: int, lr: float) -> dict[str, float]:
        seconds = time.perf_counter() - self.started
        tokens = max(self.tokens, 1)
        forward, backward, norm = float(self.forward), float(self.backward), float(self.norm)
        row = {"step": step, "tokens": self.tokens, "tokens_per_s": self.tokens / seconds,
               "loss": (forward + backward) / (2 * tokens),
               "forward_ppl": math.exp(min(forward / tokens, 50.0)),
               "backward_ppl": math.exp(min(backward / tokens, 50.0)), "lr": lr,
               "grad_norm": norm / max(self.steps, 1)}
        self.reset()
        return row


class _Log:
    """CSV log (rank 0): one row per log interval, held-out perplexities at checkpoints."""

    def __init__(self, path: Path, enabled: bool, resumed_at: int) -> None:
        """A resumed run keeps the rows up to its checkpoint's step and drops later ones, which
        the interrupted run logged after its last checkpoint and the resumed run logs again."""
        self.path, self.enabled = path, enabled
        if not enabled:
            return
        kept = []
        if resumed_at and path.is_file():
            with path.open(newline="") as handle:
                kept = [row for row in csv.reader(handle) if row and row[0].isdigit()
                        and int(row[0]) <= resumed_at]
        lines = io.StringIO(newline="")
        csv.writer(lines).writerows([LOG_COLUMNS, *kept])
        write_text(path, lines.getvalue())

    def write(self, row: dict[str, float]) -> None:
        if self.enabled:
            with self.path.open("a", newline="") as handle:
                csv.writer(handle).writerow([_format(row.get(column)) for column in LOG_COLUMNS])

    def write_heldout(self, step: int, values: dict[str, float]) -> None:
        self.write({"step": step, **values})


def _format(value) -> str:
    if value is None:
        return ""
    return f"{value:.6g}" if isinstance(value, float) else str(value)
