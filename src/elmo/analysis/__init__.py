"""Recipes that look inside the representations (polysemy, similarity by layer)."""
