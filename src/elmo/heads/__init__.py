"""Task heads that read ELMo features: CRF, sequence taggers, sentence classifiers, token input."""
