"""``Embedder``: a loaded biLM ready to embed tokenized sentences (what ``elmo.load`` returns)."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import torch

from elmo.data.chars import CodepointVocabulary, batch_to_ids
from elmo.data.tokenizers import get_tokenizer
from elmo.data.vocab import SPECIAL_TOKENS, Vocabulary
from elmo.errors import InputError
from elmo.interop.model_folder import ModelFolder, model_name
from elmo.modules.bilm import LSTMState, remove_sentence_markers
from elmo.modules.token_cache import TokenVectorCache

LONG_SENTENCE_POLICIES = ("split", "truncate", "error")


class ModelInputs:
    """What a model reads for tokenized sentences: character ids, and word ids if it reads words.

    Follows the model's own conventions: UTF-8 bytes or its code-point characters, its word
    vocabulary and unknown word, and ELMoForManyLangs' cut of long tokens before the lookups.

    Inputs: sentences, lists of tokens.
    Outputs: char_ids (B, T, max_characters) int64, word_ids (B, T) int64 or None.
    """

    def __init__(self, model_folder: ModelFolder) -> None:
        config = model_folder.bilm.config
        vocabulary, words, cnn = model_folder.vocabulary, config.word_embedding, config.char_cnn
        if words is not None and vocabulary is None:
            raise InputError("this model reads word ids: give its vocabulary")
        specials = (SPECIAL_TOKENS if words is None or words.unk_id is None else
                    tuple(vocabulary[i] for i in (words.bos_id, words.eos_id, words.unk_id)))
        self.vocabulary = (Vocabulary(vocabulary, specials=specials)
                           if words is not None else None)
        if cnn is not None and cnn.characters == "codepoints" and model_folder.characters is None:
            raise InputError("this model reads code points: give its character vocabulary "
                             "(load it from its folder)")
        # word input alone: character ids only mark the real tokens, and any string is a token
        characters = model_folder.characters or ([] if cnn is None else None)
        self.characters = CodepointVocabulary(characters) if characters is not None else None
        self.width = config.max_characters
        self.cut = (self.width if cnn is not None and cnn.characters == "codepoints" else
                    words.max_characters if words is not None else None)

    def __call__(self, sentences: Sequence[Sequence[str]]) -> tuple[torch.Tensor, torch.Tensor | None]:
        if self.cut is not None:  # the model reads a token's first code points only
            sentences = [[CodepointVocabulary.cut(token, self.cut) for token in s] for s in sentences]
        char_ids = batch_to_ids(sentences, self.width, self.characters)
        if self.vocabulary is None:
            return char_ids, None
        word_ids = torch.zeros(char_ids.shape[:2], dtype=torch.long)
        for row, sentence in enumerate(sentences):
            word_ids[row, : len(sentence)] = torch.from_numpy(self.vocabulary.encode(sentence))
        return char_ids, word_ids


class Embedder:
    """A frozen biLM that embeds sentences: what :func:`elmo.load` returns.

    Stateless by default: a sentence's vectors do not depend on the other sentences or on earlier
    calls. With ``stateful=True`` the LSTM states each batch row ends with start that row in the
    next batch (as the original did); ``reset_state()`` starts again from zeros.

    ``Embedder.from_pretrained(name_or_path)`` loads a bundled model, a model folder or original
    files; ``save_pretrained(folder)`` writes a folder that loads back to the same vectors.

    Args:
        model_folder: the model folder's contents (the network is frozen here).
        name: a short name for messages and metadata.
        batch_size: sentences per forward pass.
        max_sentence_length: longest sentence run in one piece; see ``long_sentences``.
        long_sentences: what to do with longer ones: ``"split"`` into pieces of at most
            ``max_sentence_length`` tokens embedded independently and joined (context does not cross
            a piece boundary), ``"truncate"`` to the first ``max_sentence_length`` tokens, or
            ``"error"``.
        token_cache_size: distinct tokens whose layer-0 vectors are remembered in
            ``token_cache`` (0 disables it).
    """

    def __init__(self, model_folder: ModelFolder, name: str = "elmo", batch_size: int = 64,
                 max_sentence_length: int = 1000, long_sentences: str = "split",
                 token_cache_size: int = 200_000, stateful: bool = False) -> None:
        if long_sentences not in LONG_SENTENCE_POLICIES:
            raise InputError(f"long_sentences must be one of {LONG_SENTENCE_POLICIES}, "
                             f"found {long_sentences!r}")
        if batch_size < 1 or max_sentence_length < 1:
            raise InputError("batch_size and max_sentence_length must be positive")
        self.model_folder = model_folder
        self.bilm = model_folder.bilm.eval().requires_grad_(False)
        self.token_cache = (TokenVectorCache(self.bilm.token_encoder, token_cache_size)
                            if token_cache_size else None)
        self.name = name
        self.batch_size = batch_size
        self.max_sentence_length = max_sentence_length
        self.long_sentences = long_sentences
        self.stateful = stateful
        self._state: LSTMState | None = None
        self.inputs = ModelInputs(model_folder)
        self.vocabulary, self.characters = self.inputs.vocabulary, self.inputs.characters
        self.tokenizer = model_folder.tokenizer

    @classmethod
    def from_pretrained(cls, name_or_path: str | Path | None = None, *,
                        options_file: str | Path | None = None,
                        weight_file: str | Path | None = None, **options) -> Embedder:
        """Load a bundled model by name (the default model if None), a model folder, a weight
        file with ``options.json`` beside it, or explicit original-format files.

        ``options`` are passed to the constructor (batch_size, stateful, max_sentence_length, ...).
        """
        model_folder = ModelFolder.load(name_or_path, options_file, weight_file)
        return cls(model_folder, name=model_name(name_or_path, weight_file), **options)

    def save_pretrained(self, folder: str | Path) -> Path:
        """Write the model folder (its own layout, or the original one for original-format models)."""
        return self.model_folder.save(folder)

    @property
    def config(self):
        return self.bilm.config

    @property
    def output_dim(self) -> int:
        """Width of each representation: 2 * projection_dim."""
        return self.bilm.config.output_dim

    @property
    def n_representations(self) -> int:
        """Layers per token, L + 1 (layer 0 and one per LSTM layer, both directions each)."""
        return self.bilm.config.n_representations

    def reset_state(self) -> None:
        """Forget the carried LSTM states (stateful mode)."""
        self._state = None

    def embed(self, sentences: Sequence[Sequence[str]], batch_size: int | None = None,
              ) -> list[np.ndarray]:
        """Vectors of every layer for each sentence.

        Args:
            sentences: tokenized sentences (lists of strings); empty ones are allowed.
        Returns:
            one float32 array per sentence, shape (L + 1, n_tokens, 2 * projection_dim).
        """
        sentences = [self._checked(sentence) for sentence in sentences]
        batch_size = batch_size or self.batch_size
        if self.stateful:
            return [vectors for start in range(0, len(sentences), batch_size)
                    for vectors in self._embed_batch(sentences[start: start + batch_size])]
        pieces, owners = self._pieces(sentences)
        order = sorted(range(len(pieces)), key=lambda i: len(pieces[i]))  # similar lengths together
        vectors: list[np.ndarray | None] = [None] * len(pieces)
        for start in range(0, len(order), batch_size):
            chunk = order[start: start + batch_size]
            for index, result in zip(chunk, self._embed_batch([pieces[i] for i in chunk])):
                vectors[index] = result
        return self._joined(vectors, owners, len(sentences))

    def embed_text(self, lines: Sequence[str], batch_size: int | None = None,
                   ) -> tuple[list[list[str]], list[np.ndarray]]:
        """Tokenize raw lines (one sentence each) with the model's own tokenizer and embed them.

        Returns the tokens of each line and their vectors, (L + 1, n_tokens, 2P) per line.
        """
        if isinstance(lines, str):
            raise InputError("embed_text expects a list of lines (one sentence each), not a string")
        tokenize = get_tokenizer(self.tokenizer)
        sentences = [tokenize(line) for line in lines]
        return sentences, self.embed(sentences, batch_size)

    def embed_sentence(self, sentence: Sequence[str]) -> np.ndarray:
        """Vectors of one sentence: (L + 1, n_tokens, 2 * projection_dim)."""
        return self.embed([sentence])[0]

    def forward_batch(self, sentences: Sequence[Sequence[str]]) -> tuple[torch.Tensor, torch.Tensor]:
        """One forward pass: layers (L + 1, B, T, 2P) and mask (B, T), sentence markers removed."""
        char_ids, word_ids = self.inputs(sentences)
        with torch.inference_mode():
            state = self._carried_state(len(sentences)) if self.stateful else None
            output = self.bilm(char_ids, state, word_ids=word_ids, token_cache=self.token_cache)
            if self.stateful:
                self._keep_state(output.state)
            return remove_sentence_markers(output.layers, output.mask)

    def precompute_tokens(self, tokens: Iterable[str]) -> int:
        """Compute and keep the layer-0 vectors of a vocabulary; returns how many are cached."""
        if self.token_cache is None:
            raise InputError("the token cache is disabled (token_cache_size=0)")
        return precompute_tokens(self.token_cache, tokens, self.config.max_characters,
                                 self.characters)

    def _embed_batch(self, sentences: list[list[str]]) -> list[np.ndarray]:
        if not any(sentences) and not self.stateful:
            return [np.zeros((self.n_representations, 0, self.output_dim), np.float32)
                    for _ in sentences]
        layers, _ = self.forward_batch(sentences)
        layers = layers.numpy()
        return [np.ascontiguousarray(layers[:, row, : len(s)]) for row, s in enumerate(sentences)]

    def _checked(self, sentence: Sequence[str]) -> list[str]:
        if isinstance(sentence, str):
            raise InputError("each sentence must be a list of tokens, not a string; "
                             "split it first (e.g. sentence.split())")
        sentence = list(sentence)
        if len(sentence) > self.max_sentence_length:
            if self.long_sentences == "error":
                raise InputError(f"a sentence has {len(sentence)} tokens, more than "
                                 f"max_sentence_length={self.max_sentence_length}")
            if self.long_sentences == "truncate" or self.stateful:
                return sentence[: self.max_sentence_length]
        return sentence

    def _pieces(self, sentences: list[list[str]]) -> tuple[list[list[str]], list[int]]:
        """Split sentences longer than max_sentence_length; owners[i] is piece i's sentence."""
        pieces, owners, size = [], [], self.max_sentence_length
        for index, sentence in enumerate(sentences):
            for start in range(0, max(len(sentence), 1), size):
                pieces.append(sentence[start: start + size])
                owners.append(index)
        return pieces, owners

    def _joined(self, vectors: list[np.ndarray], owners: list[int], count: int) -> list[np.ndarray]:
        grouped: list[list[np.ndarray]] = [[] for _ in range(count)]
        for owner, array in zip(owners, vectors):
            grouped[owner].append(array)
        return [parts[0] if len(parts) == 1 else np.concatenate(parts, axis=1) for parts in grouped]

    def _carried_state(self, batch: int) -> LSTMState:
        fresh = self.bilm.zero_state(batch)
        if self._state is not None:
            rows = min(batch, self._state.h.shape[2])
            fresh.h[:, :, :rows] = self._state.h[:, :, :rows]
            fresh.c[:, :, :rows] = self._state.c[:, :, :rows]
        return fresh

    def _keep_state(self, final: LSTMState) -> None:
        """Rows of this batch take their final states; rows beyond it keep theirs."""
        if self._state is None or self._state.h.shape[2] <= final.h.shape[2]:
            self._state = LSTMState(final.h.clone(), final.c.clone())
            return
        batch = final.h.shape[2]
        self._state.h[:, :, :batch] = final.h
        self._state.c[:, :, :batch] = final.c


def precompute_tokens(cache: TokenVectorCache, tokens: Iterable[str], max_characters: int,
                      characters: CodepointVocabulary | None = None) -> int:
    """Put the layer-0 vectors of ``tokens`` into ``cache`` (character-input models; ``characters``
    for code-point models); returns how many tokens the cache holds."""
    encoder = cache.encoder
    if encoder.uses_words:
        raise InputError("precomputed token vectors are for character-input models")
    char_ids = torch.unique(batch_to_ids([list(dict.fromkeys(tokens))], max_characters,
                                         characters)[0], dim=0)
    cache.max_size = None if cache.max_size is None else max(cache.max_size, 2 * len(char_ids))
    with torch.inference_mode():
        for start in range(0, len(char_ids), 4096):
            cache.lookup(char_ids[start: start + 4096], encoder)
    return len(cache)
