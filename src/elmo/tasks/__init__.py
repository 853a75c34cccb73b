"""Downstream task recipes: sequence labelling and sentence classification on top of ELMo.

Components (task models, the CRF) live in :mod:`elmo.modules`; this package holds what composes
them into runnable experiments: configs, data readers, metrics, cached ELMo features, the training
loop and saved task models.
"""
