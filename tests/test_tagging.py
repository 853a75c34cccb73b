"""Tagging raw text: pieces of long lines, streaming input in bounded parts, entities, errors."""
from __future__ import annotations

import io

import pytest
from click.testing import CliRunner
from test_task_cli import TAGGED, _config

from elmo.cli.main import main
from elmo.errors import InputError
from elmo.tasks import predict
from elmo.tasks.predict import Predictor, _items, pieces
from elmo.text_input import text_parts


def test_long_lines_are_cut_after_sentence_ends_and_at_the_piece_length():
    tokens = list("我们喜欢北京。他去上海！好") + list("长" * 7)
    cut = pieces(tokens, max_length=5)
    assert [len(p) for p in cut] == [5, 2, 5, 5, 3]
    assert ["".join(p) for p in cut][:2] == ["我们喜欢北", "京。"]
    assert [t for p in cut for t in p] == tokens
    assert pieces([]) == []


def test_input_comes_in_parts_of_bounded_size_without_breaking_characters():
    text = "\ufeff北京" * 5 + "\n上海\r\n\n"
    parts = list(text_parts(io.BytesIO(text.encode("utf-8")), "x", "utf-8", max_bytes=7))
    lines, current = [], ""
    for part, ends in parts:
        current += part
        if ends:
            lines.append(current)
            current = ""
    assert lines == ["北京" + "\ufeff北京" * 4, "上海", ""]  # only the file's first mark is dropped
    assert all(len(part.encode("utf-8")) <= 7 + 3 for part, _ in parts)  # + a character cut at 7


def test_invalid_bytes_are_an_error_naming_line_and_byte():
    data = "好\n坏".encode("utf-8") + b"\xff\n"
    with pytest.raises(InputError, match=r"stdin: line 2 is not valid utf-8 .* at byte 4"):
        list(text_parts(io.BytesIO(data), "stdin", "utf-8"))
    with pytest.raises(InputError, match="unknown text encoding"):
        list(text_parts(io.BytesIO(b""), "stdin", "no-such-codec"))


def test_entities_join_neighbouring_name_words():
    tags = ["B-nr", "B-nr", "I-nr", "B-n", "I-n", "B-v", "B-ns", "I-ns", "B-nt"]
    words = _items(list("江泽民主席访北京新华"), tags[:9] + ["I-nt"], "seg-pos")
    assert words[:2] == [("江", "nr"), ("泽民", "nr")]
    named = _items(list("江泽民主席访北京新华"), tags[:9] + ["I-nt"], "seg-pos", entities=True)
    assert named == [("江泽民", "PER"), ("主席", "n"), ("访", "v"), ("北京", "LOC"), ("新华", "ORG")]


@pytest.fixture(scope="module")
def tagger_model(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tagger")
    config = _config(folder, "seg-pos", TAGGED, '[features]\nbigram_dim = 4\nlexicon = "train"\n')
    runner = CliRunner(env={"ELMO_CACHE": str(folder / "cache")})
    result = runner.invoke(main, ["task", "train", config, "-q"])
    assert result.exit_code == 0, result.output
    return folder / "run" / "model"


def test_streamed_tagging_equals_tagging_each_line_alone(tagger_model, monkeypatch, tmp_path):
    predictor = Predictor(tagger_model)
    lines = ["我们喜欢北京。" * 40, "", "他去上海", "我们去北京。他喜欢上海。"]
    alone = [next(iter(predictor.tag_lines([line]))) for line in lines]
    monkeypatch.setattr(predict, "BLOCK_TOKENS", 10)  # many blocks
    monkeypatch.setattr(predict, "MAX_PIECE", 7)
    streamed = list(predictor.tag_lines(lines))
    assert streamed[1] == "" and len(streamed) == 4
    for line, tagged in zip(lines, streamed):  # the words put together give back the line
        assert "".join(item.rpartition("/")[0] for item in tagged.split()) == line
    assert streamed[2:] == alone[2:]
    source = tmp_path / "in.txt"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["tag", "--model", str(tagger_model), str(source)])
    assert result.exit_code == 0 and result.output.split("\n")[:4] == alone


def test_a_tagger_gives_word_tag_pairs_from_python(tagger_model):
    words = predict.tag("我们喜欢北京。", model=str(tagger_model))
    assert "".join(w for w, _ in words) == "我们喜欢北京。" and all(t for _, t in words)


def test_tag_errors_are_one_line(tagger_model, tmp_path):
    runner = CliRunner()
    bad = runner.invoke(main, ["tag", "--model", str(tagger_model)], input=b"\xff\xfe\n")
    assert bad.exit_code != 0 and "stdin: line 1 is not valid utf-8" in bad.output
    missing = runner.invoke(main, ["tag", "--model", str(tmp_path / "nothing")], input="好\n")
    assert missing.exit_code != 0 and "not a trained task model" in missing.output
    assert "Traceback" not in bad.output + missing.output



def test_the_bundled_tagger_tags_raw_text_without_training():
    result = CliRunner().invoke(main, ["tag"], input="江泽民主席发表新年讲话。\n\n")
    assert result.exit_code == 0, result.output
    assert result.output.split("\n")[:2] == ["江/nr 泽民/nr 主席/n 发表/v 新年/t 讲话/n 。/w", ""]
    named = CliRunner().invoke(main, ["tag", "--entities"], input="江泽民主席发表新年讲话。\n")
    assert named.output.split()[0] == "江泽民/PER"
    assert predict.tag("江泽民主席发表新年讲话。")[2] == ("主席", "n")
