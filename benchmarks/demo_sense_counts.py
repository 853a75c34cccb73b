"""How often the Chinese demo words occur in a recipe's training text, and roughly in which sense.

A model can only separate senses it has seen. For each Chinese word of `elmo demo`, this counts
its occurrences as a token in the training text (the train splits of the recipe's corpora) and,
per demo sense, the occurrences with one of the sense's cue words below among the WINDOW tokens
on either side (the rest have no cue). Cue counts are an estimate to read with the contexts it
prints, not a labelling: a cue may stand next to the other sense.

Usage: python benchmarks/demo_sense_counts.py [--recipe zh-small] [--examples 2]
"""
from __future__ import annotations

import argparse
import re

from elmo import corpora
from elmo.recipes.build import read_recipe

WINDOW = 4

CUES = {
    "苹果": {"fruit": "吃 水果 甜 果园 斤 种植 树 梨 香蕉 果 个", "company": (
        "公司 手机 iPhone iphone 发布 股价 股票 ios iOS 商店 App 苹果公司 ipad iPad 库克 三星 华为")},
    "花": {"flower": "开 朵 束 种 园 香 草 树 花园 鲜花 盛开", "spend": (
        "钱 元 万 时间 天 年 工夫 精力 心思 力气 小时 分钟 费用")},
    "水平": {"level": "提高 生活 技术 英语 管理 发展 水平线", "horizontal": (
        "垂直 方向 水平面 水平仪 放置 平放 线 轴 倾斜")},
    "包袱": {"bundle": "背 打开 里 皮 衣服 包裹 行李 提 袈裟 背着", "joke": (
        "相声 抖 笑 笑料 观众 小品 段子 逗 曲艺 笑话")},
}


def count(recipe: str, examples: int) -> None:
    names = read_recipe(recipe).corpora.train
    files = [corpora.corpus_path(name, "train") for name in names]
    contexts: dict[str, list[list[str]]] = {word: [] for word in CUES}
    pattern = re.compile("|".join(map(re.escape, CUES)))
    for path in files:
        with open(path, encoding="utf-8") as lines:
            for line in lines:
                if not pattern.search(line):
                    continue
                tokens = line.split()
                for index, token in enumerate(tokens):
                    if token in contexts:
                        contexts[token].append(tokens[max(0, index - WINDOW):index + WINDOW + 1])
    print(f"{recipe}: train splits of {', '.join(names)}; cues within {WINDOW} tokens")
    for word, senses in CUES.items():
        found = {sense: [c for c in contexts[word] if set(c) & set(cues.split())]
                 for sense, cues in senses.items()}
        shown = ", ".join(f"{sense} cues {len(hits):,}" for sense, hits in found.items())
        print(f"\n{word}: {len(contexts[word]):,} occurrences; {shown}")
        for sense, hits in found.items():
            for context in hits[:examples]:
                print(f"  {sense}: {' '.join(context)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipe", default="zh-small")
    parser.add_argument("--examples", type=int, default=2, help="sentences shown per sense")
    args = parser.parse_args()
    count(args.recipe, args.examples)


if __name__ == "__main__":
    main()
