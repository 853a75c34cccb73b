"""Model recipes: the configs that build the shipped models from the registry corpora."""
