"""A hand-written Chinese -> English lexicon of style words, applied before English embedding.

Why hand-written: the English sentence encoder (all-MiniLM-L6-v2) has no Chinese vocabulary
(``水墨`` tokenises to ``水 [UNK]``), and the multilingual encoder we can run offline is small and
4-bit. A lexicon of the few hundred words people use to name painting styles is what makes Chinese
prompts reliable; it is a dictionary, not a model, and it only knows the words listed here.
Words it does not know still reach the multilingual encoder (when installed) untouched.
"""

from __future__ import annotations

#: Chinese word -> English words. Longest match wins when scanning (so 水墨画 beats 水墨 beats 墨).
LEXICON: dict[str, str] = {
    # media and techniques
    "水墨画": "chinese ink wash painting", "水墨": "ink wash painting", "墨": "black ink",
    "国画": "traditional chinese painting ink wash", "中国画": "traditional chinese painting ink wash",
    "山水画": "chinese landscape ink painting", "山水": "mountains and water landscape ink",
    "写意": "freehand ink brush painting", "工笔": "fine brush chinese painting",
    "宣纸": "rice paper", "毛笔": "ink brush", "书法": "calligraphy", "留白": "empty space minimal",
    "油画": "oil painting", "油彩": "oil paint", "厚涂": "impasto thick paint", "笔触": "brush strokes",
    "画布": "canvas", "印象派": "impressionist", "印象主义": "impressionism", "古典": "classical",
    "名画": "famous painting fine art", "文艺复兴": "renaissance oil painting",
    "水彩画": "watercolor painting", "水彩": "watercolor", "淡彩": "light watercolor wash",
    "素描": "pencil sketch drawing", "铅笔画": "pencil drawing", "铅笔": "pencil",
    "速写": "quick sketch", "手绘": "hand drawn", "线稿": "line art", "炭笔": "charcoal",
    "彩铅画": "colored pencil drawing", "彩铅": "colored pencil", "彩色铅笔": "colored pencil",
    "彩色素描": "colored pencil sketch", "蜡笔画": "crayon drawing", "蜡笔": "crayon",
    "粉笔": "chalk", "儿童画": "children's drawing crayon",
    "卡通画": "cartoon drawing", "卡通": "cartoon", "动漫": "anime cartoon", "动画": "animation cartoon",
    "漫画": "comic manga", "日漫": "anime manga", "二次元": "anime", "插画": "illustration",
    "浮世绘": "ukiyo-e japanese woodblock print", "版画": "print woodcut", "木刻": "woodcut",
    "木版画": "woodblock print", "葛饰北斋": "hokusai", "北斋": "hokusai",
    "神奈川冲浪里": "great wave hokusai", "和风": "japanese style", "日式": "japanese style",
    "日本": "japanese",
    "波普艺术": "pop art", "波普": "pop art", "海报": "poster", "丝网印刷": "screen print",
    "网点": "halftone dots", "撞色": "bold contrasting colors",
    "梵高": "van gogh", "莫奈": "monet", "毕加索": "picasso cubism", "星空": "starry night",
    "马赛克": "mosaic", "点彩": "pointillism dots", "立体派": "cubism", "抽象": "abstract",
    # moods, colours and subjects people add
    "梦幻": "dreamy", "柔和": "soft", "清新": "fresh light", "透明": "transparent",
    "淡雅": "delicate elegant", "安静": "calm", "宁静": "calm serene", "禅": "zen",
    "鲜艳": "vivid bright colors", "明亮": "bright", "复古": "retro", "可爱": "cute",
    "黑白": "black and white", "单色": "monochrome", "灰色": "grey", "彩色": "colorful",
    "色彩": "colors", "霓虹": "neon", "温暖": "warm", "冷色": "cool colors",
    "厚重": "heavy thick", "细腻": "delicate fine", "粗犷": "bold rough",
    "日落": "sunset", "夕阳": "sunset", "风景": "landscape", "山": "mountains", "雾": "misty",
    "花": "flowers", "肖像": "portrait", "人像": "portrait", "城市": "city", "海浪": "waves",
    "海": "sea", "湖": "lake", "森林": "forest", "猫": "cat", "狗": "dog",
    # function words a prompt often carries; mapped to nothing
    "风格": "style", "效果": "", "的": "", "一张": "", "一幅": "", "像": "like", "画": "painting",
    "图片": "", "照片": "photo", "变成": "", "把": "", "请": "", "用": "", "帮我": "", "做成": "",
}

_MAX_LEN = max(len(k) for k in LEXICON)


def translate(text: str) -> tuple[str, list[str]]:
    """English rendering of the lexicon words in ``text`` and the Chinese words that were found.

    Latin-script words pass through unchanged; CJK characters not in the lexicon are dropped from
    the English rendering (the multilingual encoder still sees the original text).
    """
    out: list[str] = []
    found: list[str] = []
    latin: list[str] = []
    i = 0
    while i < len(text):
        for n in range(min(_MAX_LEN, len(text) - i), 0, -1):
            word = text[i : i + n]
            if word in LEXICON:
                if latin:
                    out.append("".join(latin).strip())
                    latin = []
                if LEXICON[word]:
                    out.append(LEXICON[word])
                found.append(word)
                i += n
                break
        else:
            ch = text[i]
            if ch.isascii():
                latin.append(ch)
            elif latin and latin[-1] != " ":
                latin.append(" ")
            i += 1
    if latin:
        out.append("".join(latin).strip())
    return " ".join(w for w in out if w).strip(), found
