"""Recipes that pretrain or continue training a biLM."""
