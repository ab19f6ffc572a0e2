"""The table of the 26 built-in neural styles: names, descriptions, tags. A leaf module.

Each is one conditioning of the 26-style network (Dumoulin et al. 2017, conditional instance
normalisation); the index into ``BUILTINS`` is the network's style index. Names and
descriptions were written by looking at each style rendered on sample photos (the shipped model
has only indices 0-25). Both the style provider (:mod:`painterly.neural.builtin`) and the
network runner (:mod:`painterly.neural.feedforward`) read this table; it imports neither.
"""

from __future__ import annotations

from painterly.styles import normalize_name

METHOD = "Dumoulin, Shlens, Kudlur 2017: A learned representation for artistic style (conditional instance norm)"

#: index -> (name, description, tags (English and Chinese))
BUILTINS: list[tuple[str, str, tuple[str, ...]]] = [
    ("pastel-impression", "soft sunny yellows and sky blues in loose impressionist brushwork",
     ("impressionism", "pastel", "soft", "sunny", "印象派", "粉彩", "柔和")),
    ("comic-blocks", "thick black outlines around flat yellow and grey blocks, like a bold comic panel",
     ("comic", "outline", "flat", "yellow", "graphic", "漫画", "线条", "黄色")),
    ("charcoal-pastel", "black charcoal strokes over cream and peach pastel, drawn-portrait feel",
     ("charcoal", "pastel", "drawing", "portrait", "炭笔", "素描", "粉彩")),
    ("fauve-swirls", "explosive red, blue and orange abstract swirls; the subject dissolves into colour",
     ("abstract", "fauvism", "vivid", "swirl", "expressionism", "抽象", "野兽派", "鲜艳", "漩涡")),
    ("pop-cubist", "flat red, yellow and pale-blue planes with dark contours, pop-art cubism",
     ("cubism", "pop art", "flat", "red", "立体主义", "波普", "红色")),
    ("expressionist-oil", "warm orange and cool blue oil dabs with visible strokes, expressionist portrait",
     ("oil painting", "expressionism", "brushstroke", "orange", "油画", "表现主义", "笔触")),
    ("indigo-leopard", "deep indigo night tones scattered with leopard-like spots",
     ("indigo", "dark", "spots", "pattern", "night", "靛蓝", "斑点", "夜晚")),
    ("primary-colors", "saturated cobalt blue, yellow and red blocks with strong dark shadows",
     ("primary colours", "bold", "blue", "yellow", "contrast", "三原色", "大胆", "蓝色")),
    ("crayon-lines", "sketchy teal, magenta and yellow pencil lines on white paper",
     ("coloured pencil", "sketch", "line art", "white", "彩铅", "素描", "线稿")),
    ("teal-mosaic", "small teal, cream and red tesserae laid like a Roman mosaic",
     ("mosaic", "tiles", "teal", "pattern", "马赛克", "瓷砖", "青色")),
    ("sepia-oil", "warm brown and rust old-master oil tones, like an aged varnished canvas",
     ("sepia", "brown", "old master", "warm", "oil painting", "棕褐色", "古典", "油画")),
    ("golden-woodcut", "golden yellow fields cut by dark brown woodcut lines",
     ("woodcut", "print", "gold", "engraving", "木刻", "版画", "金色")),
    ("lavender-haze", "hazy lavender and butter-yellow pastel wash, dreamy and light",
     ("lavender", "pastel", "dreamy", "soft", "薰衣草", "梦幻", "柔和")),
    ("acid-cubism", "acid green and teal cubist facets with black contours",
     ("cubism", "green", "neon", "facets", "立体主义", "绿色", "荧光")),
    ("ice-wash", "pale icy-blue watercolour wash with fine dark lines",
     ("watercolour", "blue", "cold", "light", "winter", "水彩", "冰蓝", "冷色")),
    ("stained-glass", "pastel panes separated by dark lead lines, like a church window",
     ("stained glass", "window", "pastel", "lines", "彩色玻璃", "教堂", "花窗")),
    ("blue-pointillism", "dense blue and orange dabs, a pointillist night scene",
     ("pointillism", "dots", "blue", "orange", "点彩", "蓝色", "橙色")),
    ("woven-bricks", "red, orange and blue rectangles woven into a Klee-like brick pattern; abstract",
     ("abstract", "geometric", "bricks", "pattern", "red", "抽象", "几何", "砖块")),
    ("sepia-sketch", "beige paper with brown ink contour strokes, a quick study sketch",
     ("sketch", "ink", "sepia", "drawing", "beige", "速写", "墨水", "棕色")),
    ("starry-swirls", "Van Gogh-like swirling blue strokes with bright yellow highlights",
     ("van gogh", "starry night", "swirl", "blue", "yellow", "梵高", "星空", "漩涡")),
    ("crimson", "the scene washed in crimson and vermilion with dark brushy shadows",
     ("red", "crimson", "monochrome", "dramatic", "红色", "深红", "单色")),
    ("ink-comic", "bold black ink lines over pale blue with pink and yellow fills",
     ("comic", "ink", "cartoon", "pastel", "漫画", "墨线", "卡通")),
    ("ink-brush", "black ink brush strokes on cream with blue and red accents",
     ("ink", "brush", "calligraphic", "cream", "水墨", "毛笔", "书法")),
    ("green-gouache", "dark bottle-green and cream gouache in broad soft masses",
     ("gouache", "green", "muted", "soft", "水粉", "绿色", "柔和")),
    ("crackle-glaze", "cream and sea-blue with fine crackled texture, like old glazed ceramic",
     ("ceramic", "crackle", "cream", "blue", "texture", "陶瓷", "裂纹", "釉")),
    ("byzantine", "dense blue and gold fragments with dark edges, a Byzantine mosaic richness",
     ("mosaic", "gold", "blue", "ornate", "detailed", "拜占庭", "金色", "华丽")),
]

NUM_BUILTINS = 26
_INDEX = {name: i for i, (name, _, _) in enumerate(BUILTINS)}


def builtin_names() -> list[str]:
    return [name for name, _, _ in BUILTINS]


def builtin_index(name: str) -> int | None:
    """Index of a built-in style by name ('starry-swirls', 'Starry Swirls'), or None."""
    return _INDEX.get(normalize_name(name))

