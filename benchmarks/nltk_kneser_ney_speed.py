"""Why the Kneser-Ney baseline is our own: NLTK's scoring speed (needs `pip install nltk`).

Measured once on this machine: trained on the first 5,000 Brown training sentences (108k tokens),
NLTK's KneserNeyInterpolated(3) scored 40 tokens/s (each score scans the stored n-grams), so the
100k-token dev sets would take hours; elmo.evaluate.kneser_ney scores them in seconds.
"""
import time
from pathlib import Path

from nltk.lm import KneserNeyInterpolated
from nltk.lm.preprocessing import padded_everygram_pipeline

brown = Path.home() / ".cache/elmo/brown"
sentences = [line.split() for line in (brown / "train.txt").read_text().splitlines()[:5000]]
print(sum(map(len, sentences)), "training tokens")
started = time.time()
train, vocabulary = padded_everygram_pipeline(3, sentences)
model = KneserNeyInterpolated(3)
model.fit(train, vocabulary)
print(f"fit {time.time() - started:.1f} s")
test = [line.split() for line in (brown / "dev.txt").read_text().splitlines()[:20]]
started, scored = time.time(), 0
for sentence in test:
    padded = ["<s>", "<s>"] + sentence + ["</s>"]
    for i in range(2, len(padded)):
        model.logscore(padded[i], padded[i - 2:i])
        scored += 1
print(f"{scored / (time.time() - started):.0f} tokens/s")
