"""Text to model inputs: character ids, tokenizers."""
