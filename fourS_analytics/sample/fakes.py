"""Fake but well-formed personal data: names, phones, plates and VINs with check digits."""

from __future__ import annotations

import numpy as np

SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘")
SURNAMES_PINYIN = [
    "Wang",
    "Li",
    "Zhang",
    "Liu",
    "Chen",
    "Yang",
    "Huang",
    "Zhao",
    "Wu",
    "Zhou",
    "Xu",
    "Sun",
    "Ma",
    "Zhu",
    "Hu",
    "Guo",
    "He",
    "Lin",
    "Luo",
    "Gao",
    "Zheng",
    "Liang",
    "Xie",
    "Song",
    "Tang",
    "Xu",
    "Han",
    "Feng",
    "Deng",
    "Cao",
    "Peng",
    "Zeng",
    "Xiao",
    "Tian",
    "Dong",
    "Yuan",
    "Pan",
]
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏飞宇浩然子轩梓涵欣怡")
GIVEN_PINYIN = [
    "Wei",
    "Fang",
    "Na",
    "Min",
    "Jing",
    "Li",
    "Qiang",
    "Lei",
    "Jun",
    "Yang",
    "Yong",
    "Yan",
    "Jie",
    "Juan",
    "Tao",
    "Ming",
    "Chao",
    "Xiu",
    "Xia",
    "Ping",
    "Gang",
    "Gui",
    "Ying",
    "Hua",
    "Yu",
    "Lan",
    "Ping",
    "Hong",
    "Peng",
    "Fei",
    "Yu",
    "Hao",
    "Ran",
    "Zi",
    "Xuan",
    "Zi",
    "Han",
    "Xin",
    "Yi",
]
PROVINCES = list("粤京沪苏浙鲁川鄂湘闽")
PLATE_LETTERS = list("ABCDEFGHJKLMNPQRSTUVWXYZ")
# WMI of brands sold in China (SAIC-VW, FAW-VW)
WMIS = ("LSV", "LFV")
_VIN_CHARS = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ"
_TRANSLIT = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
_YEAR_CODES = "ABCDEFGHJKLMNPRSTVWXY123456789"  # 2010 = A ... (30-year cycle)


def vin_check_digit(vin: str) -> str:
    """The ISO 3779 / GB 16735 check digit (position 9) of a 17-character VIN."""
    total = sum(_TRANSLIT[ch] * w for ch, w in zip(vin, _WEIGHTS, strict=True))
    rest = total % 11
    return "X" if rest == 10 else str(rest)


def vins(rng: np.random.Generator, model_years: np.ndarray) -> list[str]:
    out = []
    chars = np.array(list(_VIN_CHARS))
    vds = chars[rng.integers(0, len(chars), (len(model_years), 5))]
    wmi = rng.integers(0, len(WMIS), len(model_years))
    plant = chars[rng.integers(0, len(chars), len(model_years))]
    serial = rng.integers(0, 1_000_000, len(model_years))
    for i, year in enumerate(model_years):
        year_code = _YEAR_CODES[(int(year) - 2010) % 30]
        body = f"{WMIS[wmi[i]]}{''.join(vds[i])}0{year_code}{plant[i]}{serial[i]:06d}"
        out.append(body[:8] + vin_check_digit(body) + body[9:])
    return out


def names(rng: np.random.Generator, n: int, lang: str = "zh") -> np.ndarray:
    if lang == "en":
        s = np.array(SURNAMES_PINYIN)[rng.integers(0, len(SURNAMES_PINYIN), n)]
        g = np.array(GIVEN_PINYIN)[rng.integers(0, len(GIVEN_PINYIN), n)]
        return np.char.add(np.char.add(s, " "), g)
    s = np.array(SURNAMES)[rng.integers(0, len(SURNAMES), n)]
    g1 = np.array(GIVEN)[rng.integers(0, len(GIVEN), n)]
    g2 = np.array(GIVEN)[rng.integers(0, len(GIVEN), n)]
    two = rng.random(n) < 0.6
    return np.char.add(np.char.add(s, g1), np.where(two, g2, ""))


def phones(rng: np.random.Generator, n: int) -> np.ndarray:
    prefix = np.array(["13", "15", "17", "18", "19"])[rng.integers(0, 5, n)]
    rest = np.char.zfill(rng.integers(0, 10**9, n).astype(str), 9)
    return np.char.add(prefix, rest)


def plates(rng: np.random.Generator, n: int, province: str = "粤") -> np.ndarray:
    city = np.array(PLATE_LETTERS)[rng.integers(0, 6, n)]
    number = np.char.zfill(rng.integers(0, 100_000, n).astype(str), 5)
    letter = np.array(PLATE_LETTERS)[rng.integers(0, len(PLATE_LETTERS), n)]
    with_letter = rng.random(n) < 0.4  # 粤B1C234 as well as 粤B12345
    tail = np.where(
        with_letter,
        np.char.add(
            np.char.add(np.array([s[:1] for s in number]), letter),
            np.array([s[2:] for s in number]),
        ),
        number,
    )
    return np.char.add(np.char.add(province, city), tail)
