"""Generate tiny ELMoForManyLangs (HIT-SCIR) model folders and their reference embeddings.

Run with a Python that has the original package installed, kept OUT of the project's own
environment (it pins old conventions and is only a reference):

    python3 -m venv /tmp/efml/venv
    /tmp/efml/venv/bin/pip install torch 'overrides<5' numpy h5py
    /tmp/efml/venv/bin/pip install --no-deps elmoformanylangs==0.0.4.post2
    /tmp/efml/venv/bin/python scripts/elmoformanylangs_fixtures.py [--out DIR]

For each of three token-encoder configurations

    char_word  char CNN + word embedding (like the published models)
    char       char CNN only              (word_dim 0)
    word       word embedding only        (char_dim 0, token_embedder name still "cnn")

it writes, under tests/fixtures/elmoformanylangs/<config>/, a model folder exactly as
``elmoformanylangs.Embedder`` reads it (config.json naming a model config json, char.dic,
word.dic, token_embedder.pkl, encoder.pkl; random weights from a fixed seed, saved the way the
package's trainer saves them: ``torch.save(module.state_dict(), ...)``), then loads it with the
package's own ``Embedder`` (a fresh instance per call, so its carried LSTM state starts at zero)
and stores what ``sents2elmo`` returns in ``outputs.npz``:

    sent_<i>            sents2elmo(SENTENCES, output_layer=-2)[i], all sentences in ONE batch,
                        float32 (n_layers + 1, len(sentence), 2 * projection_dim)
    avg_<i>             (char_word only) sents2elmo(..., output_layer=-1)[i], one batch of the
                        non-empty sentences (the package raises ZeroDivisionError on an empty
                        one), float32 (len(sentence), 2 * projection_dim)
    stateful_<i>        (char_word only) sents2elmo(..., output_layer=-2)[i] with batch_size=2:
                        several batches run in the package's random batch order with the LSTM
                        state carried from batch to batch (order recorded in meta.json)
    batch_word_ids, batch_char_ids, batch_lens, batch_rows
                        the single batch the package built (rows sorted by length, longest first;
                        batch_rows[r] = index into SENTENCES of row r; ids as the package looked
                        them up; -1 where the configuration has no such input)

plus meta.json (shapes, sorting, the batch order of the stateful run) and, at the top,
sentences.json (the sentence list, each sentence a list of tokens) and README.md.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import random
import shutil
import sys
from pathlib import Path

import numpy as np
import torch

try:
    import elmoformanylangs
    from elmoformanylangs import Embedder
    from elmoformanylangs import elmo as efml_elmo
    from elmoformanylangs.frontend import Model
    from elmoformanylangs.modules.embedding_layer import EmbeddingLayer
except ImportError as exc:  # pragma: no cover - run by hand
    sys.exit(f"needs the elmoformanylangs package (pip install --no-deps elmoformanylangs): {exc}")

REPO = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO / "tests" / "fixtures" / "elmoformanylangs"

SEED = 20240501          # torch seed for the weights (+ offset per configuration)
BATCH_ORDER_SEED = 7     # python `random` seed before the stateful (batch_size=2) run
MAX_CHARS = 10           # max_characters_per_token: tokens longer than 8 code points are cut

# Every sentence is a list of tokens (sents2elmo's input). Index comments say what each covers.
SENTENCES: list[list[str]] = [
    # 0: CJK words and characters, an OOV word (天安门) whose chars are partly known, repeats
    ["我", "爱", "北京", "天安门", "，", "中国", "人", "人"],
    # 1: Latin, case-sensitive lookups (Hello is OOV, hello is in word.dic), an emoji, OOV "!"
    ["Hello", "hello", "world", "😀", "!"],
    # 2: non-BMP characters (U+20BB7 𠮷 is one code point, two UTF-16 units)
    ["𠮷野家", "𠮷"],
    # 3: over-long tokens (> MAX_CHARS-2 = 8 code points): cut to 8 BEFORE the word lookup;
    #    "abcdefgh" and "中国人中国人中国" are in word.dic, the untruncated forms are not
    ["abcdefghij", "𠮷𠮷𠮷𠮷𠮷𠮷𠮷𠮷𠮷", "中国人中国人中国人", "abcdefgh"],
    # 4: one-token sentence
    ["中国"],
    # 5: ideographic space U+3000 alone (in char.dic and word.dic through the whitespace rule),
    #    inside a word, and an ASCII space token (no normalisation: OOV word, OOV char)
    ["\u3000", "中\u3000国", " "],
    # 6: multi-code-point emoji (skin tone modifier), an emoji that is a word.dic entry
    ["😀👍🏽", "👍", "😀"],
    # 7: literal special-symbol strings as user tokens and an empty-string token:
    #    "<bos>"/"<eos>" take the special char path (one char id), "<pad>" is the pad WORD id
    #    but five ordinary (OOV) characters, "" is <oov> as a word and has no characters
    ["<bos>", "<pad>", "<oov>", "", "x"],
    # 8: mixed script, repeated token, all-OOV characters (Cyrillic, Arabic)
    ["привет", "مرحبا", "world", "world"],
    # 9: longest sentence
    ["我", "爱", "中国", "。", "我", "爱", "北京", "。", "hello", "world"],
    # 10: empty sentence -> an array of shape (n_layers + 1, 0, 2 * projection_dim)
    [],
]

# Characters in char.dic besides the specials (ASCII space is deliberately absent; U+3000 is
# written as its own line and is read back through the whitespace rule).
CHARS = ["我", "爱", "北", "京", "中", "国", "人", "天", "，", "。", "家",
         "a", "b", "c", "d", "e", "h", "l", "o", "w", "r", "x",
         "😀", "👍", "𠮷", "\u3000"]
# Words in word.dic besides the specials.
WORDS = ["我", "爱", "北京", "中国", "人", "，", "。", "hello", "world", "😀", "𠮷",
         "abcdefgh", "中国人中国人中国", "\u3000"]
# Trainer orders: word specials first (<oov> is 0), char specials after the characters
WORD_SPECIALS = ["<oov>", "<bos>", "<eos>", "<pad>"]
CHAR_SPECIALS = ["<bos>", "<eos>", "<oov>", "<pad>", "<bow>", "<eow>"]

ENCODER = {"name": "elmo", "projection_dim": 8, "cell_clip": 1.0, "proj_clip": 0.6,
           "dim": 16, "n_layers": 2}
FILTERS = [[1, 4], [2, 4], [3, 8]]

CONFIGS = {
    # name: (char_dim, word_dim, config_path written into config.json, model config file name,
    #        write char.dic?, permute dictionary lines?)
    # char_word's config_path is an absolute path that does not exist, like the published
    # models' config.json: the package falls back to its basename inside the model folder.
    "char_word": (4, 6, "/data/elmo/configs/cnn_4_6_8_16_tiny.json", "cnn_4_6_8_16_tiny.json",
                  True, False),
    "char": (4, 0, "cnn_4_0_8_16_tiny.json", "cnn_4_0_8_16_tiny.json", True, True),
    "word": (0, 6, "cnn_0_6_8_16_tiny.json", "cnn_0_6_8_16_tiny.json", False, True),
}


def model_config(char_dim: int, word_dim: int) -> dict:
    return {
        "encoder": dict(ENCODER),
        "token_embedder": {
            "name": "cnn",
            "activation": "relu",
            "filters": FILTERS,
            "n_highway": 1,
            "word_dim": word_dim,
            "char_dim": char_dim,
            "max_characters_per_token": MAX_CHARS,
        },
        "classifier": {"name": "sampled_softmax", "n_samples": 8},
        "dropout": 0.1,
    }


def trainer_config_json(config_path: str) -> dict:
    """What the trainer dumps as config.json (vars(opt) of `python -m elmoformanylangs train`)."""
    return {
        "seed": 1, "gpu": -1, "train_path": "data/train.txt", "valid_path": None, "test_path": None,
        "config_path": config_path, "word_embedding": None, "optimizer": "adam", "lr": 0.001,
        "lr_decay": 0.8, "model": "tiny.model", "batch_size": 32, "max_epoch": 1,
        "clip_grad": 5, "max_sent_len": 20, "min_count": 1, "max_vocab_size": 150000,
        "save_classify_layer": False, "valid_size": 0, "eval_steps": None,
    }


def lexicons() -> tuple[dict[str, int], dict[str, int]]:
    char_lexicon: dict[str, int] = {}
    for ch in CHARS:
        char_lexicon.setdefault(ch, len(char_lexicon))
    for sym in CHAR_SPECIALS:
        char_lexicon.setdefault(sym, len(char_lexicon))
    word_lexicon: dict[str, int] = {}
    for sym in WORD_SPECIALS:
        word_lexicon.setdefault(sym, len(word_lexicon))
    for w in WORDS:
        word_lexicon.setdefault(w, len(word_lexicon))
    return char_lexicon, word_lexicon


def write_dic(path: Path, lexicon: dict[str, int], permute: bool, rng: random.Random) -> None:
    """One `symbol<TAB>id` line per entry, as the trainer prints them.

    With ``permute`` the lines are shuffled (ids come from the second column, not the line
    number) and the whitespace-only symbol U+3000 is written as an ASCII space: the package
    strips each line, so any whitespace-only symbol is read back as U+3000 either way.
    """
    items = list(lexicon.items())
    if permute:
        rng.shuffle(items)
    with open(path, "w", encoding="utf-8", newline="\n") as fout:
        for sym, i in items:
            if permute and sym.isspace():
                sym = " "
            fout.write(f"{sym}\t{i}\n")


def random_state_dicts(model: Model, seed: int) -> None:
    """Overwrite every parameter with seeded uniform values (biases non-zero everywhere)."""
    gen = torch.Generator().manual_seed(seed)
    scales = {  # by parameter name suffix; first match wins
        "embedding.weight": 1.0,
        "convolutions": 0.6,
        "highways": 0.5,
        "projection.weight": 0.6,
        "projection.bias": 0.3,
        "input_linearity.weight": 0.6,
        "state_linearity.weight": 0.6,
        "state_linearity.bias": 0.5,
        "state_projection.weight": 0.5,
    }
    with torch.no_grad():
        for name, param in list(model.token_embedder.named_parameters()) + \
                list(model.encoder.named_parameters()):
            scale = next(s for key, s in scales.items() if key in name)
            values = (torch.rand(param.shape, generator=gen, dtype=torch.float64) * 2 - 1) * scale
            if name.endswith("bias"):  # keep every bias away from zero
                values = torch.where(values.abs() < 0.05, values.sign() * 0.05 + values, values)
                values = torch.where(values == 0, torch.full_like(values, 0.1), values)
            param.copy_(values.to(param.dtype))


def build_folder(folder: Path, name: str, cfg_index: int) -> dict:
    char_dim, word_dim, config_path, config_file, write_char, permute = CONFIGS[name]
    folder.mkdir(parents=True, exist_ok=True)
    config = model_config(char_dim, word_dim)
    with open(folder / config_file, "w", encoding="utf-8") as fout:
        json.dump(config, fout, indent=2)
    with open(folder / "config.json", "w", encoding="utf-8") as fout:
        json.dump(trainer_config_json(config_path), fout)

    char_lexicon, word_lexicon = lexicons()
    rng = random.Random(100 + cfg_index)
    if write_char:
        write_dic(folder / "char.dic", char_lexicon, permute, rng)
    # the trainer always writes word.dic (even with word_dim 0); the Embedder reads it only
    # when word_dim > 0
    write_dic(folder / "word.dic", word_lexicon, permute, rng)

    torch.manual_seed(SEED + cfg_index)
    word_layer = EmbeddingLayer(word_dim, word_lexicon, fix_emb=False) if word_dim > 0 else None
    char_layer = EmbeddingLayer(char_dim, char_lexicon, fix_emb=False) if char_dim > 0 else None
    model = Model(config, word_layer, char_layer, use_cuda=False)
    random_state_dicts(model, SEED + cfg_index)
    # exactly the trainer's Model.save_model
    torch.save(model.token_embedder.state_dict(), os.path.join(folder, "token_embedder.pkl"))
    torch.save(model.encoder.state_dict(), os.path.join(folder, "encoder.pkl"))
    return config


def capture_batches(embedder: Embedder, sentences, batch_size: int, seed: int):
    """Run sents2elmo while recording the batches create_batches built and its batch order."""
    record: dict = {}
    original_create = efml_elmo.create_batches
    original_shuffle = random.shuffle

    def recording_shuffle(lst, *args, **kwargs):
        original_shuffle(lst, *args, **kwargs)
        record.setdefault("perm", list(lst))

    def recording_create(*args, **kwargs):
        out = original_create(*args, **kwargs)
        record["batches"] = out
        return out

    efml_elmo.create_batches = recording_create
    random.shuffle = recording_shuffle
    try:
        embedder.batch_size = batch_size
        random.seed(seed)
        result = embedder.sents2elmo(sentences, output_layer=-2)
    finally:
        efml_elmo.create_batches = original_create
        random.shuffle = original_shuffle
    return result, record


def batch_rows(sentences, batch_size: int) -> list[list[int]]:
    """Sentence indices of each batch before the batch shuffle (stable sort, longest first)."""
    order = sorted(range(len(sentences)), key=lambda i: -(len(sentences[i]) + 2))
    return [order[i:i + batch_size] for i in range(0, len(order), batch_size)]


def generate(out: Path) -> None:
    torch.set_num_threads(1)
    logging.getLogger("elmoformanylangs").setLevel(logging.WARNING)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    with open(out / "sentences.json", "w", encoding="utf-8") as fout:
        json.dump(SENTENCES, fout, ensure_ascii=False, indent=1)

    n = len(SENTENCES)
    for cfg_index, name in enumerate(CONFIGS):
        folder = out / name
        build_folder(folder, name, cfg_index)
        arrays: dict[str, np.ndarray] = {}
        meta: dict = {"config": name, "n_sentences": n,
                      "output_layer_-2_shape": "(n_layers + 1, len(sentence), 2 * projection_dim)"}

        # one batch, fresh Embedder: state starts at zero
        embedder = Embedder(str(folder), batch_size=64)
        single, record = capture_batches(embedder, SENTENCES, 64, BATCH_ORDER_SEED)
        w, c, lens, _masks, _texts, recover_ind = record["batches"]
        assert len(w) == 1
        rows = batch_rows(SENTENCES, 64)[0]
        assert recover_ind == rows, (recover_ind, rows)
        for i, emb in enumerate(single):
            assert emb.dtype == np.float32
            arrays[f"sent_{i}"] = emb
        if w[0] is not None:
            arrays["batch_word_ids"] = w[0].numpy().astype(np.int32)
        else:
            arrays["batch_word_ids"] = np.full((len(rows), max(lens[0])), -1, np.int32)
        if c[0] is not None:
            arrays["batch_char_ids"] = c[0].numpy().astype(np.int32)
        else:
            arrays["batch_char_ids"] = np.full((len(rows), max(lens[0]), MAX_CHARS), -1, np.int32)
        arrays["batch_lens"] = np.asarray(lens[0], np.int32)
        arrays["batch_rows"] = np.asarray(rows, np.int32)
        meta["single_batch"] = {"batch_size": 64, "rows": rows, "lens": list(lens[0])}

        if name == "char_word":
            # output_layer=-1 is np.average(data, axis=0), which raises ZeroDivisionError
            # for an empty sentence: those are left out of this run (no avg_<i> for them)
            embedder = Embedder(str(folder), batch_size=64)
            random.seed(BATCH_ORDER_SEED)
            nonempty = [i for i, s in enumerate(SENTENCES) if s]
            averaged = embedder.sents2elmo([SENTENCES[i] for i in nonempty], output_layer=-1)
            for i, emb in zip(nonempty, averaged):
                arrays[f"avg_{i}"] = emb
            meta["avg_sentences"] = nonempty
            # several batches of 2: the package shuffles the batch order with python's
            # `random` (seeded here) and carries the LSTM state from batch to batch
            embedder = Embedder(str(folder), batch_size=2)
            stateful, record = capture_batches(embedder, SENTENCES, 2, BATCH_ORDER_SEED)
            built = batch_rows(SENTENCES, 2)
            perm = record["perm"]
            processed = [built[p] for p in perm]
            assert record["batches"][-1] == [i for b in processed for i in b]
            for i, emb in enumerate(stateful):
                arrays[f"stateful_{i}"] = emb
            meta["stateful"] = {
                "batch_size": 2,
                "python_random_seed": BATCH_ORDER_SEED,
                "batches_before_shuffle": built,
                "perm": perm,
                "batches_in_processing_order": processed,
                "note": ("random.seed(python_random_seed) right before sents2elmo; "
                         "perm = list(range(n_batches)); random.shuffle(perm) is the only use of "
                         "`random`; batch k processed is batches_before_shuffle[perm[k]]; row r "
                         "of every batch starts from the final (h, c) of row r of the latest "
                         "earlier batch that had a row r (zeros if none)"),
            }
            # the stateful run really differs from the single-batch one
            meta["stateful_max_abs_diff_vs_single"] = float(max(
                np.abs(arrays[f"stateful_{i}"] - arrays[f"sent_{i}"]).max(initial=0.0)
                for i in range(n)))

        np.savez_compressed(folder / "outputs.npz", **arrays)
        with open(folder / "meta.json", "w", encoding="utf-8") as fout:
            json.dump(meta, fout, ensure_ascii=False, indent=1)

    (out / "README.md").write_text(README, encoding="utf-8")
    total = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    print(f"wrote {out} ({total} bytes), elmoformanylangs {elmoformanylangs.__file__}, "
          f"torch {torch.__version__}")


README = """\
# ELMoForManyLangs reference fixtures

Generated by `scripts/elmoformanylangs_fixtures.py` with the original package
(`elmoformanylangs==0.0.4.post2`, HIT-SCIR, MIT licence) in a separate virtualenv; the weights are
random (fixed seeds), the outputs are what the package's own `Embedder.sents2elmo` returns for
them (float32, CPU). Do not edit by hand: rerun the script.

* `sentences.json`: the input sentences (lists of tokens), shared by all configurations.
* `char_word/`, `char/`, `word/`: model folders as `Embedder(model_dir)` reads them
  (`config.json` -> model config json, `char.dic`, `word.dic`, `token_embedder.pkl`,
  `encoder.pkl`), plus `outputs.npz` and `meta.json` (see the script's docstring).
  `char_word/config.json` names an absolute config path that does not exist, as the published
  models do; the package then uses its basename inside the model folder. In `char/` and
  `word/` the dictionary lines are shuffled and U+3000 is written as an ASCII space (the
  package reads any whitespace-only symbol as U+3000).
* `outputs.npz` keys: `sent_<i>` = `sents2elmo(sentences, output_layer=-2)[i]`, all sentences
  in one batch of a fresh Embedder, float32 (n_layers + 1, len(sentence), 2 * projection_dim);
  `batch_word_ids`, `batch_char_ids`, `batch_lens`, `batch_rows` = the ids of that batch (rows
  sorted longest first, `batch_rows[r]` = sentence index, -1 where the model has no such
  input). `char_word/` also has `avg_<i>` (`output_layer=-1`, non-empty sentences only) and
  `stateful_<i>` (`batch_size=2`: random batch order, LSTM state carried between batches; the
  order is in `meta.json` under `stateful`).
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    generate(parser.parse_args().out)


if __name__ == "__main__":
    main()
