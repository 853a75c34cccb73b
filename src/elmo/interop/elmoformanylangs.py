"""ELMoForManyLangs model folders (HIT-SCIR, ``elmoformanylangs``): read into a ModelFolder, write back.

Its folders hold ``config.json`` (whose ``config_path`` names the model config: tried as given, then
beside ``config.json``), ``char.dic`` and ``word.dic`` (``symbol<TAB>id`` lines; a line with one
field is the ideographic space U+3000, the only whitespace symbol it can hold), and the pickled
state dicts ``token_embedder.pkl`` and ``encoder.pkl`` (read with ``weights_only=True``).

Its model maps onto this package's exactly: code-point characters (its ``<eow>`` id begins a token
and ``<bow>`` ends it, so they become our begin- and end-of-word), the character CNN over every
position, highway layers with the gate on the other side (``g x + (1 - g) relu(t)``: the carry
rows are its gate rows negated), the projection of [word vector; characters], and LSTM gates
i, f, g, o without a forget bias (ours are i, g, f, o with +1 added at run time). A word-only
model's projection is folded into its word vectors. Tokens are cut to ``max_characters - 2`` code
points before both lookups, as it does.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch

from elmo.config import (
    FIRST_CODEPOINT_ID,
    BiLMConfig,
    CharCNNConfig,
    LSTMConfig,
    WordEmbeddingConfig,
)
from elmo.errors import ModelFileError
from elmo.files import atomic_path, write_text
from elmo.interop.model_folder import ModelFolder, check_replaceable
from elmo.modules import char_ids
from elmo.modules.bilm import BiLM

CONFIG_FILE, CHAR_DIC, WORD_DIC = "config.json", "char.dic", "word.dic"
TOKEN_EMBEDDER, ENCODER = "token_embedder.pkl", "encoder.pkl"
MODEL_CONFIG = "model.json"  # the name this package gives the model config it writes
# our special character ids <- its symbols (its <eow> begins a token, its <bow> ends it)
CHAR_SPECIALS = {char_ids.CODEPOINT_BOS: "<bos>", char_ids.CODEPOINT_EOS: "<eos>",
                 char_ids.CODEPOINT_BOW: "<eow>", char_ids.CODEPOINT_EOW: "<bow>",
                 char_ids.CODEPOINT_PAD: "<pad>", char_ids.CODEPOINT_OOV: "<oov>"}
WORD_SPECIALS = ("<oov>", "<bos>", "<eos>", "<pad>")
GATES = [0, 2, 1, 3]  # our gate blocks (i, g, f, o) from its (i, f, g, o)
FORGET_BIAS = 1.0  # added by our cell at run time


def is_elmoformanylangs_folder(path: str | Path) -> bool:
    path = Path(path)
    return (path / ENCODER).is_file() and (path / CONFIG_FILE).is_file()


def read_elmoformanylangs(folder: str | Path) -> ModelFolder:
    """The model of an ELMoForManyLangs folder; errors name the file at fault."""
    folder = Path(folder)
    config = _model_config(folder)
    embedder, encoder = config["token_embedder"], config["encoder"]
    chars = _dictionary(folder / CHAR_DIC, CHAR_SPECIALS.values()) if embedder["char_dim"] else None
    words = _dictionary(folder / WORD_DIC, WORD_SPECIALS) if embedder["word_dim"] else None
    tokens, layers = _state(folder / TOKEN_EMBEDDER), _state(folder / ENCODER)
    max_characters = embedder["max_characters_per_token"]
    characters = None if chars is None else [c for c in sorted(chars, key=chars.get)
                                             if c not in CHAR_SPECIALS.values()]
    projection = encoder["projection_dim"]
    char_cnn = None if chars is None else CharCNNConfig(
        tuple(map(tuple, embedder["filters"])), embedder["n_highway"], embedder["char_dim"],
        FIRST_CODEPOINT_ID + len(characters), max_characters, embedder["activation"], "codepoints")
    word = None if words is None else WordEmbeddingConfig(
        len(words), embedder["word_dim"] if chars is not None else projection, words["<bos>"],
        words["<eos>"], words["<oov>"], max_characters)
    lstm = LSTMConfig(encoder["dim"], projection, encoder["n_layers"], encoder["cell_clip"] or None,
                      encoder["proj_clip"] or None, use_skip_connections=True)
    bilm = BiLM(BiLMConfig(char_cnn, lstm, word_embedding=word))
    try:
        with torch.no_grad():
            _copy_token_embedder(bilm, tokens, chars, characters)
            _copy_encoder(bilm, layers)
    except (KeyError, RuntimeError) as error:
        raise ModelFileError(f"{folder}: the weights do not match {CONFIG_FILE}'s model config "
                             f"({error})") from None
    vocabulary = None if words is None else sorted(words, key=words.get)
    return ModelFolder(bilm.eval(), vocabulary=vocabulary, characters=characters)


def write_elmoformanylangs(model: ModelFolder, folder: str | Path) -> Path:
    """Write ``model`` as an ELMoForManyLangs folder its own ``Embedder`` loads (code-point or
    word-input models: it has no byte characters)."""
    config = model.bilm.config
    cnn, word, lstm = config.char_cnn, config.word_embedding, config.lstm
    if cnn is not None and cnn.characters != "codepoints":
        raise ModelFileError("ELMoForManyLangs reads code-point characters; this model reads UTF-8 "
                             "bytes, which it cannot represent")
    if not lstm.use_skip_connections:
        raise ModelFileError("ELMoForManyLangs' encoder adds residual connections; this model has none")
    encoder = model.bilm.token_encoder
    state: dict[str, torch.Tensor] = {}
    if cnn is not None:
        char_rows = {**{symbol: i for i, symbol in CHAR_SPECIALS.items()},
                     **{c: FIRST_CODEPOINT_ID + i for i, c in enumerate(model.characters)}}
        table = encoder.cnn.char_embedding.weight
        state["char_emb_layer.embedding.weight"] = table[list(char_rows.values())]
        for k, conv in enumerate(encoder.cnn.convolutions):
            state[f"convolutions.{k}.weight"], state[f"convolutions.{k}.bias"] = conv.weight, conv.bias
        for j, layer in enumerate(encoder.highway.layers):
            half = layer.in_features
            state[f"highways._layers.{j}.weight"] = torch.cat([layer.weight[:half], -layer.weight[half:]])
            state[f"highways._layers.{j}.bias"] = torch.cat([layer.bias[:half], -layer.bias[half:]])
        state["projection.weight"], state["projection.bias"] = (encoder.projection.weight,
                                                                encoder.projection.bias)
    if word is not None:
        symbols = _word_symbols(model.vocabulary, word)
        vectors = encoder.word_embedding.weight.detach()
        state["word_emb_layer.embedding.weight"] = torch.cat(  # zero rows for added specials
            [vectors, vectors.new_zeros(len(symbols) - len(vectors), vectors.shape[1])])
        if cnn is None:  # its word-only model projects the word vectors: an identity here
            state["projection.weight"] = torch.eye(lstm.projection_dim)
            state["projection.bias"] = torch.zeros(lstm.projection_dim)
    model_config = {
        "token_embedder": {"name": "cnn", "activation": cnn.activation if cnn else "relu",
                           "filters": [list(f) for f in cnn.filters] if cnn else [[1, 1]],
                           "n_highway": cnn.n_highway if cnn else 0,
                           "word_dim": word.dim if word else 0, "char_dim": cnn.embedding_dim if cnn else 0,
                           "max_characters_per_token": cnn.max_characters_per_token if cnn
                           else word.max_characters or config.max_characters},
        "encoder": {"name": "elmo", "projection_dim": lstm.projection_dim, "dim": lstm.dim,
                    "n_layers": lstm.n_layers, "cell_clip": lstm.cell_clip or 0,
                    "proj_clip": lstm.proj_clip or 0},
        "classifier": {"name": "sampled_softmax", "n_samples": 8192}, "dropout": 0.0}
    check_replaceable(folder)
    with atomic_path(folder, folder=True) as temporary:
        write_text(temporary / CONFIG_FILE, json.dumps({"config_path": MODEL_CONFIG}) + "\n")
        write_text(temporary / MODEL_CONFIG, json.dumps(model_config, indent=2) + "\n")
        if cnn is not None:
            write_text(temporary / CHAR_DIC, _dictionary_text(list(char_rows)))
        if word is not None:
            write_text(temporary / WORD_DIC, _dictionary_text(symbols))
        torch.save({k: v.detach().clone() for k, v in state.items()}, temporary / TOKEN_EMBEDDER)
        torch.save(_encoder_state(model.bilm), temporary / ENCODER)
    return Path(folder)


def _model_config(folder: Path) -> dict[str, Any]:
    path = folder / CONFIG_FILE
    try:
        pointer = json.loads(path.read_text(encoding="utf-8"))["config_path"]
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError) as error:
        raise ModelFileError(f"{path} does not name a model config ({error!r})") from None
    candidates = [folder / pointer, folder / Path(pointer).name]
    found = next((p for p in candidates if p.is_file()), None)
    if found is None:
        raise ModelFileError(f"{path} names the model config {pointer!r}, found neither there nor "
                             f"as {candidates[1]}; put the model's config json beside it")
    try:
        config = json.loads(found.read_text(encoding="utf-8"))
        embedder, encoder = config["token_embedder"], config["encoder"]
        if embedder["name"].lower() != "cnn" or encoder["name"] != "elmo":
            raise ModelFileError(f"{found}: token embedder {embedder['name']!r} and encoder "
                                 f"{encoder['name']!r}; only its 'cnn' and 'elmo' (those of its "
                                 "published models) are read")
        return config
    except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError) as error:
        raise ModelFileError(f"{found} is not an ELMoForManyLangs model config ({error!r})") from None


def _dictionary(path: Path, specials) -> dict[str, int]:
    """symbol -> id, read as ELMoForManyLangs reads it (a later line wins)."""
    if not path.is_file():
        raise ModelFileError(f"{path} is missing")
    symbols: dict[str, int] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        fields = line.strip().split("\t")
        if len(fields) == 1:
            fields.insert(0, "\u3000")
        try:
            symbol, index = fields
            symbols[symbol] = int(index)
        except ValueError:
            raise ModelFileError(f"{path}: line {number} is not 'symbol<TAB>id': {line!r}") from None
    missing = [s for s in specials if s not in symbols]
    if missing:
        raise ModelFileError(f"{path} lacks the special symbols {', '.join(missing)}")
    if sorted(symbols.values()) != list(range(len(symbols))):
        raise ModelFileError(f"{path}: the ids are not 0 .. {len(symbols) - 1}, each once")
    return symbols


def _state(path: Path) -> dict[str, torch.Tensor]:
    if not path.is_file():
        raise ModelFileError(f"{path} is missing")
    try:
        return {k: v.float() for k, v in torch.load(path, map_location="cpu", weights_only=True).items()}
    except Exception as error:  # torch raises several types for damaged or foreign files
        raise ModelFileError(f"{path} cannot be read as a state dict ({error})") from None


def _copy_token_embedder(bilm: BiLM, state: dict, chars: dict | None,
                         characters: list[str] | None) -> None:
    encoder = bilm.token_encoder
    if chars is not None:
        table = encoder.cnn.char_embedding.weight
        theirs = state["char_emb_layer.embedding.weight"]
        table.zero_()
        for ours, symbol in CHAR_SPECIALS.items():
            table[ours] = theirs[chars[symbol]]
        table[FIRST_CODEPOINT_ID:] = theirs[[chars[c] for c in characters]]
        for k, conv in enumerate(encoder.cnn.convolutions):
            conv.weight.copy_(state[f"convolutions.{k}.weight"])
            conv.bias.copy_(state[f"convolutions.{k}.bias"])
        for j, layer in enumerate(encoder.highway.layers):
            weight, bias = state[f"highways._layers.{j}.weight"], state[f"highways._layers.{j}.bias"]
            half = layer.in_features
            layer.weight.copy_(torch.cat([weight[:half], -weight[half:]]))  # gate -> carry: 1 - g
            layer.bias.copy_(torch.cat([bias[:half], -bias[half:]]))
        encoder.projection.weight.copy_(state["projection.weight"])
        encoder.projection.bias.copy_(state["projection.bias"])
    if encoder.word_embedding is not None:
        vectors = state["word_emb_layer.embedding.weight"]
        if chars is None:  # word only: fold its projection into the word vectors
            vectors = (vectors.double() @ state["projection.weight"].double().T
                       + state["projection.bias"].double()).float()
        encoder.word_embedding.weight.copy_(vectors)


def _copy_encoder(bilm: BiLM, state: dict) -> None:
    for index, layer in enumerate(bilm.layers):
        for side, name in enumerate(("forward", "backward")):
            prefix = f"{name}_layer_{index}"
            hidden = layer.hidden_size

            def ours(tensor: torch.Tensor) -> torch.Tensor:  # gate blocks reordered, (in, 4H)
                return torch.cat([tensor[g * hidden: (g + 1) * hidden] for g in GATES]).T

            layer.input_weight[side].copy_(ours(state[f"{prefix}.input_linearity.weight"]))
            layer.state_weight[side].copy_(ours(state[f"{prefix}.state_linearity.weight"]))
            bias = ours(state[f"{prefix}.state_linearity.bias"].unsqueeze(1))[0].clone()
            bias[2 * hidden: 3 * hidden] -= FORGET_BIAS
            layer.bias[side].copy_(bias)
            layer.projection_weight[side].copy_(state[f"{prefix}.state_projection.weight"].T)


def _encoder_state(bilm: BiLM) -> dict[str, torch.Tensor]:
    state = {}
    theirs = [0, 2, 1, 3]  # its gate blocks (i, f, g, o) from ours (i, g, f, o): the same swap
    for index, layer in enumerate(bilm.layers):
        hidden = layer.hidden_size
        for side, name in enumerate(("forward", "backward")):
            prefix = f"{name}_layer_{index}"

            def reorder(tensor: torch.Tensor) -> torch.Tensor:  # (in, 4H) -> (4H, in)
                return torch.cat([tensor.T[g * hidden: (g + 1) * hidden] for g in theirs])

            bias = layer.bias[side].detach().clone()
            bias[2 * hidden: 3 * hidden] += FORGET_BIAS
            state[f"{prefix}.input_linearity.weight"] = reorder(layer.input_weight[side].detach())
            state[f"{prefix}.state_linearity.weight"] = reorder(layer.state_weight[side].detach())
            state[f"{prefix}.state_linearity.bias"] = reorder(bias.unsqueeze(0))[:, 0]
            state[f"{prefix}.state_projection.weight"] = layer.projection_weight[side].detach().T.clone()
    return state


def _word_symbols(vocabulary: list[str], word: WordEmbeddingConfig) -> list[str]:
    """The vocabulary with its specials named as ELMoForManyLangs names them."""
    unknown = word.unk_id if word.unk_id is not None else vocabulary.index("<UNK>")
    names = {word.bos_id: "<bos>", word.eos_id: "<eos>", unknown: "<oov>"}
    symbols = [names.get(i, token) for i, token in enumerate(vocabulary)]
    return symbols + ([] if "<pad>" in symbols else ["<pad>"])


def _dictionary_text(symbols: list[str]) -> str:
    for symbol in symbols:
        if symbol != "\u3000" and (symbol.strip() != symbol or "\t" in symbol
                                   or len(symbol.splitlines()) != 1):
            raise ModelFileError(f"ELMoForManyLangs' dictionaries cannot hold the symbol {symbol!r}")
    return "".join(f"{symbol}\t{index}\n" for index, symbol in enumerate(symbols))
