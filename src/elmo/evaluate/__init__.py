"""Recipes that measure models: held-out perplexity."""
