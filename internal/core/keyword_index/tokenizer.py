"""Mixed Chinese/English tokenisation for BM25: jieba (search mode) for CJK runs,
lower-cased Snowball-stemmed words for Latin text, stop words removed."""
from __future__ import annotations

import logging
import re
import threading
from functools import lru_cache

_RUN = re.compile(r"([\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+)|([A-Za-z0-9\u00c0-\u024f]+(?:['’][A-Za-z]+)?)")

EN_STOP = frozenset(
    """a about above after again against all am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had has have having
    he her here hers herself him himself his how i if in into is it its itself just me more most my myself no
    nor not now of off on once only or other our ours ourselves out over own same she should so some such than
    that the their theirs them themselves then there these they this those through to too under until up very
    was we were what when where which while who whom why will with would you your yours yourself yourselves""".split()
)
ZH_STOP = frozenset(
    "的 了 在 是 我 有 和 就 不 人 都 一 一个 上 也 很 到 说 要 去 你 会 着 没有 看 好 自己 这 那 与 及 或 被 把 让 而 并 等 之 其 为 以 于 中 对 从 由 吗 呢 吧 啊".split()
    # question words, like "what/how/why/when/where" in EN_STOP: a question's interrogatives
    # never occur in the passage that answers it and would cap its full-text score below 0.5
    + "什么 为什么 怎么 怎样 怎么样 如何 哪 哪些 哪里 哪儿 多少 几 时候 能 可以".split()
)

_jieba_lock = threading.Lock()
_jieba_ready = False


def _jieba():
    global _jieba_ready
    import jieba

    if not _jieba_ready:
        with _jieba_lock:
            if not _jieba_ready:
                jieba.setLogLevel(logging.WARNING)
                jieba.initialize()
                _jieba_ready = True
    return jieba


@lru_cache(maxsize=1)
def _stemmer():
    import snowballstemmer

    return snowballstemmer.stemmer("english")


@lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    return _stemmer().stemWord(word)


def tokenize(text: str) -> list[str]:
    tokens: list[str] = []
    jb = None
    for m in _RUN.finditer(text):
        cjk, latin = m.group(1), m.group(2)
        if cjk:
            if jb is None:
                jb = _jieba()
            for w in jb.cut_for_search(cjk, HMM=True):
                if w and w not in ZH_STOP:
                    tokens.append(w)
        else:
            w = latin.lower().replace("’", "'")
            if w in EN_STOP or (len(w) == 1 and not w.isdigit()):
                continue
            tokens.append(_stem(w))
    return tokens
