"""Recipes that turn text into vectors: the embedding model, file writers, the file pipeline."""
