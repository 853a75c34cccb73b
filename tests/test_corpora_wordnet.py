"""The WordNet converter on a small synthetic copy of the package's database files."""
from test_corpora_archives import make_deb
from test_corpora_sources import convert, read

from elmo.corpora.sources import wordnet

HEADER = "  1 This software and database is being provided to you\n"
DATA_VERB = HEADER + (
    '01072949 04 v 01 play 0 001 @ 01072572 v 0000 01 + 02 00 | participate in games or sport; '
    '"We played hockey all afternoon"; "play cards"\n'
    '01724459 36 v 02 play 0 act 1 000 01 + 01 00 | play a role; "She played Hamlet"; '
    '"He acted the villain"\n'
    '02000000 30 v 01 ring_up 0 000 | record a sale; "Sally rang up the tomatoes"\n'
)
INDEX_VERB = HEADER + ("act v 1 0 1 0 01724459\n"
                       "play v 2 1 @ 2 2 01072949 01724459\n")
DATA_NOUN = HEADER + ('07018931 10 n 01 play 0 000 | a dramatic work; "they wrote a play"\n')
INDEX_NOUN = HEADER + "play n 1 0 1 0 07018931\n"


def test_inflected_forms_lead_back_to_their_lemma():
    exceptions = wordnet.read_exceptions("rang ring\nwent go\n")
    assert "play" in wordnet.base_forms("Played", "v", exceptions)
    assert "stop" in wordnet.base_forms("stopped", "v", exceptions)
    assert "ring" in wordnet.base_forms("rang", "v", exceptions)
    assert "church" in wordnet.base_forms("churches", "n", exceptions)


def test_sense_numbers_follow_the_index_order():
    numbers = wordnet.sense_numbers(INDEX_VERB)
    assert numbers[("play", "01072949")] == 1 and numbers[("play", "01724459")] == 2


def test_examples_are_labelled_with_lemma_sense_and_position(tmp_path):
    files = {wordnet.FILES[0]: DATA_NOUN, wordnet.FILES[1]: INDEX_NOUN,
             wordnet.FILES[2]: DATA_VERB, wordnet.FILES[3]: INDEX_VERB,
             wordnet.FILES[4]: "", wordnet.FILES[5]: "rang ring\n",
             wordnet.COPYRIGHT: "License: WordNet3.0"}
    archive = make_deb(tmp_path / wordnet.ARTIFACT.filename, files)
    convert(wordnet.convert, archive, tmp_path / "out")
    # play.v has examples of two senses: the only polysemous lemma, rank 0, so dev. "act" and
    # play.n have one sense each: train. Multi-word lemmas (ring_up) are left out.
    assert read(tmp_path / "out", "dev.tsv") == [
        "play.v.01@1\tWe played hockey all afternoon", "play.v.01@0\tplay cards",
        "play.v.02@1\tShe played Hamlet"]
    assert read(tmp_path / "out", "train.tsv") == [
        "act.v.01@1\tHe acted the villain", "play.n.01@3\tthey wrote a play"]
    assert read(tmp_path / "out", "test.txt") == []
    assert "WordNet3.0" in wordnet.notice([archive])
